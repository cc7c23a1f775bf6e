/**
 * The web's defences in one place: security headers on every response, the cookies (session, CSRF
 * nonce, language) and the CSRF tokens. A signed-in form carries `keyedId(keys, 'csrf', session.id)`;
 * a form without a session (mail links, sign-in) uses a double submit: a random nonce in an
 * `HttpOnly; SameSite=Strict` cookie set when the form is shown, and in the form a keyed digest of the
 * nonce with what the form is about, so another site can neither read nor forge the pair.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { keyedId, randomId, type LinkKeys } from '../links';

/** The policy of every page: nothing but this origin's stylesheet and images, no script, no framing. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** The timeline SVG, loaded as an image (scripts never run there): its renderer writes style attributes. */
export const SVG_CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

/**
 * Headers on every response. Pages carry tokens in their URLs or a session: never cached, never sent
 * on as a Referer. Only the stylesheet may be cached.
 */
export function securityHeaders(https: boolean): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    if (!h.has('Content-Security-Policy')) h.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    h.set('X-Content-Type-Options', 'nosniff');
    h.set('Referrer-Policy', 'no-referrer');
    h.set('X-Frame-Options', 'DENY');
    h.set('Cross-Origin-Opener-Policy', 'same-origin');
    h.set('Cross-Origin-Resource-Policy', 'same-origin');
    if (!h.has('Cache-Control')) h.set('Cache-Control', 'no-store');
    if (https) h.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
  };
}

/** Cookie names: with the `__Host-` prefix over https (bound to this host, Secure, Path=/). */
export function cookieNames(https: boolean) {
  const p = https ? '__Host-' : '';
  return { session: `${p}session`, nonce: `${p}csrf`, lang: 'lang' } as const;
}

/** Constant-time comparison of two tokens. */
export function sameToken(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The CSRF token of a signed-in form. */
export const sessionCsrf = (keys: LinkKeys, sessionId: string) => keyedId(keys, 'csrf', sessionId);

/** The CSRF token of a form without a session, about `subject` (a link id, a program's sign-in). */
export const nonceCsrf = (keys: LinkKeys, subject: string, nonce: string) => keyedId(keys, 'csrf-link', subject, nonce);

const NONCE = /^[A-Za-z0-9_-]{16,64}$/;

/** The double-submit nonce of this browser: the cookie's, else a new one set now (on a GET showing a form). */
export function ensureNonce(c: Context, https: boolean): string {
  const name = cookieNames(https).nonce;
  const had = getCookie(c, name);
  if (had && NONCE.test(had)) return had;
  const nonce = randomId();
  setCookie(c, name, nonce, { httpOnly: true, sameSite: 'Strict', path: '/', secure: https });
  return nonce;
}

/** Whether a POST's hidden `csrf` field matches the nonce cookie for `subject`. */
export function nonceCsrfOk(c: Context, https: boolean, keys: LinkKeys, subject: string, given: unknown): boolean {
  const nonce = getCookie(c, cookieNames(https).nonce);
  if (!nonce || !NONCE.test(nonce) || typeof given !== 'string') return false;
  return sameToken(given, nonceCsrf(keys, subject, nonce));
}
