/**
 * Signed links (design section 10): the tokens that reminder mails, sign-in mails and calendar feeds
 * carry. A token is `<payload>.<key id>.<signature>`: the payload is base64url JSON of ids only (never a
 * name, address or title: it sits in URLs and mailboxes), the signature an HMAC-SHA256 over the payload
 * and the key id. The HMAC key is derived with HKDF from the payload encryption key of the same id, so
 * links rotate with the encryption keys (the current key signs, the older ones still verify) and need
 * no configuration of their own; the encryption key itself never signs anything.
 *
 * Single use is not decided here: an action link's id travels in the command and the measure workflow
 * refuses an id it has seen (`MeasureState.usedLinks`); a sign-in link's id is kept by the web server.
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EncryptionKeys } from './settings';

/** What a mailed action link lets its person do to one milestone. */
export const LINK_ACTIONS = ['complete', 'forecast', 'replan'] as const;
export type LinkAction = (typeof LINK_ACTIONS)[number];

/** A link that acts on one milestone, for one person, until `exp`. */
export interface ActionLink {
  kind: 'act';
  /** Unique per mail, person and action: the measure refuses it once used. */
  id: string;
  person: string;
  program: string;
  measure: string;
  milestone: string;
  action: LinkAction;
  /** Expiry, epoch milliseconds. */
  exp: number;
}

/** A one-time sign-in link for a program's manager or comms officer. */
export interface LoginLink {
  kind: 'login';
  id: string;
  person: string;
  program: string;
  exp: number;
}

/** A browser session, after a sign-in link was followed. */
export interface SessionLink {
  kind: 'session';
  id: string;
  person: string;
  program: string;
  exp: number;
}

/** A personal calendar feed; it does not expire (rotating the keys revokes every feed). */
export interface CalendarLink {
  kind: 'cal';
  person: string;
  program: string;
}

export type Link = ActionLink | LoginLink | SessionLink | CalendarLink;

/** Why a token was refused. */
export type LinkRefusal = 'malformed' | 'tampered' | 'expired' | 'unknown-key';

/** How long links live. */
export const LINK_LIFETIME = {
  /** A mailed action link: two weeks after the notification's instant (the next reminder brings fresh ones). */
  actionMs: 14 * 86_400_000,
  /** A sign-in link: a quarter of an hour. */
  loginMs: 15 * 60_000,
  /** A session: eight hours. */
  sessionMs: 8 * 3_600_000,
} as const;

const ID = /^[A-Za-z0-9_-]{8,64}$/;
const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const MAX_TOKEN = 2048;

/** HMAC keys by id, derived from the encryption keys. */
export interface LinkKeys {
  current: string;
  byId: ReadonlyMap<string, Buffer>;
}

/** Derives the link-signing keys from the payload encryption keys (HKDF-SHA256, one per key id). */
export function linkKeys(keys: EncryptionKeys): LinkKeys {
  const byId = new Map<string, Buffer>();
  for (const [id, key] of keys.byId)
    byId.set(id, Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'remediation-tracker web links v1', 32)));
  return { current: keys.current, byId };
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

function mac(key: Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** Signs `link` with the current key. */
export function signLink(link: Link, keys: LinkKeys): string {
  const key = keys.byId.get(keys.current);
  if (!key) throw new Error(`link key ${keys.current} is missing`);
  const payload = b64(JSON.stringify(link));
  return `${payload}.${keys.current}.${b64(mac(key, `${payload}.${keys.current}`))}`;
}

/** A keyed digest of `parts` (ids of links, CSRF tokens): the same inputs always give the same text. */
export function keyedId(keys: LinkKeys, ...parts: string[]): string {
  const key = keys.byId.get(keys.current);
  if (!key) throw new Error(`link key ${keys.current} is missing`);
  return b64(mac(key, parts.join('\u0000')).subarray(0, 16));
}

/** A fresh random id (sign-in links, sessions, CSRF nonces). */
export function randomId(): string {
  return b64(randomBytes(16));
}

const isString = (v: unknown): v is string => typeof v === 'string';

/** The payload's shape, checked field by field: a signed token from an older version is still refused when it does not fit. */
function asLink(v: unknown): Link | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  const name = (k: string) => isString(o[k]) && NAME.test(o[k]);
  const keys = Object.keys(o).sort().join(',');
  switch (o.kind) {
    case 'act':
      return keys === 'action,exp,id,kind,measure,milestone,person,program' &&
        isString(o.id) &&
        ID.test(o.id) &&
        name('person') &&
        name('program') &&
        name('measure') &&
        name('milestone') &&
        (LINK_ACTIONS as readonly unknown[]).includes(o.action) &&
        Number.isSafeInteger(o.exp)
        ? (o as unknown as ActionLink)
        : undefined;
    case 'login':
    case 'session':
      return keys === 'exp,id,kind,person,program' &&
        isString(o.id) &&
        ID.test(o.id) &&
        name('person') &&
        name('program') &&
        Number.isSafeInteger(o.exp)
        ? (o as unknown as LoginLink | SessionLink)
        : undefined;
    case 'cal':
      return keys === 'kind,person,program' && name('person') && name('program')
        ? (o as unknown as CalendarLink)
        : undefined;
    default:
      return undefined;
  }
}

/**
 * Checks a token: its shape, its key, its signature (compared in constant time), then its expiry.
 * Returns the link, or why it was refused; never throws.
 */
export function verifyLink(
  token: string,
  keys: LinkKeys,
  now: number,
): { ok: true; link: Link } | { ok: false; reason: LinkRefusal } {
  if (typeof token !== 'string' || token.length > MAX_TOKEN) return { ok: false, reason: 'malformed' };
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  const [payload, keyId, signature] = parts as [string, string, string];
  if (!/^[A-Za-z0-9_-]+$/.test(payload) || !/^[A-Za-z0-9_-]+$/.test(signature))
    return { ok: false, reason: 'malformed' };
  const key = keys.byId.get(keyId);
  if (!key) return { ok: false, reason: 'unknown-key' };
  const expected = mac(key, `${payload}.${keyId}`);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'tampered' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  const link = asLink(parsed);
  if (!link) return { ok: false, reason: 'malformed' };
  if (link.kind !== 'cal' && link.exp <= now) return { ok: false, reason: 'expired' };
  return { ok: true, link };
}

/** The action links of one notification for one person: deterministic, so a retried send writes the same mail. */
export function notificationLinks(
  keys: LinkKeys,
  n: { program: string; measure: string; milestone: string; notificationKey: string; at: number; person: string },
): Record<LinkAction, string> {
  const exp = n.at + LINK_LIFETIME.actionMs;
  const one = (action: LinkAction) =>
    signLink(
      {
        kind: 'act',
        id: keyedId(keys, 'act', n.program, n.notificationKey, n.person, action),
        person: n.person,
        program: n.program,
        measure: n.measure,
        milestone: n.milestone,
        action,
        exp,
      },
      keys,
    );
  return { complete: one('complete'), forecast: one('forecast'), replan: one('replan') };
}
