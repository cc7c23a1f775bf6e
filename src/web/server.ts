/**
 * The web (design section 10): owners act from the signed links of their reminder mails, managers and
 * comms sign in with a one-time link and see the program, its measures and what awaits their decision.
 * Hono on Node. Routes stay thin: they read and act through src/client (the CLI's way in), and turn
 * its problems into pages; the workflows decide what is allowed.
 *
 *   GET  /                          a short page on how to get in
 *   GET  /static/app.css            the stylesheet
 *   GET  /a/:token, POST            a mailed action link: the milestone and the link's one form
 *   GET  /p/:program/login, POST    ask for a sign-in link by email address (same answer for any address)
 *   GET  /login/:token, POST        confirm a sign-in link (single use); sets the session cookie
 *   POST /logout                    ends the session
 *   GET  /p/:program                the program (signed in)
 *   GET  /p/:program/timeline.svg   its timeline chart
 *   GET  /p/:program/m/:measure     one measure (signed in)
 *   GET  /p/:program/approvals      re-plans and update drafts awaiting a decision (signed in)
 *   POST /p/:program/approvals/replan, /p/:program/approvals/update   the decisions
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Client } from '@temporalio/client';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { decideOnUpdate, parseRevision, programState, updateState } from '../client/rollup';
import { measureState, programStates, sendCommand } from '../client/tracker';
import { dateOf, formatInstant, isLocalDate } from '../domain/dates';
import { own } from '../domain/limits';
import type { MeasureState } from '../domain/model';
import type { Lang, Person } from '../domain/plan';
import { problem, ProblemError, type Problem } from '../domain/problems';
import { reportDeadlines } from '../domain/report-track';
import { timelineChart } from '../domain/reports/chart';
import { publicChanges, publicProjection, type PublicProgram } from '../domain/reports/public';
import type { ProgramState, PublicBaseline, Revision, UpdateRecord } from '../domain/rollup';
import { measureView } from '../domain/view';
import {
  LINK_LIFETIME,
  linkKeys,
  randomId,
  signLink,
  verifyLink,
  type ActionLink,
  type LinkRefusal,
  type SessionLink,
} from '../links';
import type { EncryptionKeys } from '../settings';
import { html, otherLang } from './html';
import { fileSpentLedger } from './ledger';
import { loginMail, type SendMail } from './mailer';
import {
  actionAccepted,
  actionPage,
  approvalsPage,
  loginConfirmPage,
  loginPage,
  measurePage,
  messagePage,
  personName,
  programPage,
  type ActionInput,
  type DraftItem,
  type PendingItem,
  type People,
} from './pages';
import {
  cookieNames,
  ensureNonce,
  nonceCsrf,
  nonceCsrfOk,
  sameToken,
  securityHeaders,
  sessionCsrf,
  SVG_CONTENT_SECURITY_POLICY,
} from './security';
import { APP_CSS } from './style';
import { calendarFeed } from './calendar';
import { t, type Word } from './words';

/** What the web is built from. */
export interface WebDeps {
  client: Client;
  /** The payload encryption keys: the link keys are derived from them (src/links.ts). */
  keys: EncryptionKeys;
  /** The public base URL, as mail readers reach it (`https://...` makes cookies Secure and sends HSTS). */
  baseUrl: string;
  sendMail: SendMail;
  /** Where the spent sign-in links are kept (`<varDir>/web/`). */
  varDir: string;
  /** The clock (tests). */
  now?: () => number;
  /** Where failures are told (default: stderr). */
  log?: (line: string) => void;
}

/** Program, measure and milestone ids as the plan allows them. */
const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** Sign-in mails per person per link lifetime: enough for a typo or two, not a mail bomb. */
const LOGIN_MAILS_PER_WINDOW = 5;
/** The most a form may send. */
const MAX_FORM_BYTES = 64 * 1024;

/** Why a link page refuses, its words and HTTP status. */
const REFUSALS: Record<LinkRefusal | 'used' | 'unknown', { word: Word; status: 400 | 403 | 404 | 410 }> = {
  malformed: { word: 'link.invalid', status: 400 },
  tampered: { word: 'link.invalid', status: 403 },
  'unknown-key': { word: 'link.invalid', status: 403 },
  expired: { word: 'link.expired', status: 410 },
  used: { word: 'link.used', status: 410 },
  unknown: { word: 'link.unknown', status: 404 },
};

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The web app and its background work (sign-in mails), for `startWebServer` to wait for on close. */
function buildWeb(deps: WebDeps): { app: Hono; settle: () => Promise<void> } {
  const { client } = deps;
  const keys = linkKeys(deps.keys);
  const baseUrl = deps.baseUrl.replace(/\/+$/, '');
  const https = baseUrl.startsWith('https:');
  const names = cookieNames(https);
  const ledger = fileSpentLedger(deps.varDir);
  const now = deps.now ?? Date.now;
  const log = deps.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const background = new Set<Promise<void>>();
  const loginMails = new Map<string, number[]>();
  const app = new Hono();

  app.use('*', securityHeaders(https));
  app.use('*', bodyLimit({ maxSize: MAX_FORM_BYTES, onError: (c) => c.text('request too large', 413) }));

  // --- language -------------------------------------------------------------------------------

  /** `?lang=` (remembered in a cookie), else the cookie, else `fallback`, else the browser's first language. */
  const pageLang = (c: Context, fallback?: Lang): Lang => {
    const q = c.req.query('lang');
    if (q === 'ja' || q === 'en') {
      setCookie(c, names.lang, q, { path: '/', sameSite: 'Lax', httpOnly: true, secure: https, maxAge: 31_536_000 });
      return q;
    }
    const ck = getCookie(c, names.lang);
    if (ck === 'ja' || ck === 'en') return ck;
    if (fallback) return fallback;
    return (c.req.header('accept-language') ?? '').toLowerCase().startsWith('en') ? 'en' : 'ja';
  };
  const personLang = (people: People, id: string, fallback: Lang): Lang => own(people, id)?.lang ?? fallback;
  /** The request's path and query without `lang`, for the language links. */
  const here = (c: Context): string => {
    const u = new URL(c.req.url);
    u.searchParams.delete('lang');
    return `${u.pathname}${u.search}`;
  };

  // --- sessions ---------------------------------------------------------------------------------

  /** The session of this request for `program`, if valid, unexpired and not signed out. */
  const sessionOf = (c: Context, program?: string): SessionLink | undefined => {
    const token = getCookie(c, names.session);
    if (!token) return undefined;
    const v = verifyLink(token, keys, now());
    if (!v.ok || v.link.kind !== 'session') return undefined;
    if (program !== undefined && v.link.program !== program) return undefined;
    if (ledger.has(v.link.id, now())) return undefined;
    return v.link;
  };
  const loginPath = (program: string, next?: string) =>
    `/p/${program}/login${next ? `?next=${encodeURIComponent(next)}` : ''}`;
  /** A path to go on to after sign-in: only this program's pages, never another site. */
  const safeNext = (program: string, next: string | undefined): string => {
    if (!next || next.length > 512) return '';
    return /^\/p\/[a-z0-9-]+(\/[A-Za-z0-9/_-]*)?(\?[A-Za-z0-9=&_-]*)?$/.test(next) && next.startsWith(`/p/${program}`)
      ? next
      : '';
  };
  const layoutOf = (c: Context, lang: Lang, s?: SessionLink, people: People = {}) => ({
    lang,
    path: here(c),
    ...(s
      ? {
          session: {
            person: s.person,
            name: personName(people, s.person),
            program: s.program,
            csrf: sessionCsrf(keys, s.id),
          },
        }
      : {}),
  });

  const forbidden = (c: Context, lang: Lang) =>
    c.html(
      messagePage(layoutOf(c, lang), { title: t(lang, 'forbidden'), text: t(lang, 'csrf'), testid: 'csrf', bad: true }),
      403,
    );

  const notFound = (c: Context, lang: Lang) =>
    c.html(
      messagePage(layoutOf(c, lang), {
        title: t(lang, 'notFound'),
        text: t(lang, 'notFoundText'),
        testid: 'not-found',
      }),
      404,
    );

  /** A ProblemError of an unknown measure or program (the client's words) as "not found"; anything else rethrown. */
  const unknownOr = <T>(e: unknown, fallback: T): T => {
    if (e instanceof ProblemError && e.problems.some((p) => p.path === 'measure' || p.path === '--program'))
      return fallback;
    throw e;
  };

  // --- static -----------------------------------------------------------------------------------

  app.get('/static/app.css', (c) =>
    c.body(APP_CSS, 200, { 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'public, max-age=3600' }),
  );

  app.get('/', (c) => {
    const lang = pageLang(c);
    return c.html(messagePage(layoutOf(c, lang), { title: t(lang, 'appName'), text: t(lang, 'home'), testid: 'home' }));
  });

  // --- action links -------------------------------------------------------------------------------

  const linkRefused = (c: Context, lang: Lang, why: keyof typeof REFUSALS, problems?: readonly Problem[]) => {
    const r = REFUSALS[why];
    return c.html(
      messagePage(layoutOf(c, lang), {
        title: t(lang, 'linkProblem'),
        text: t(lang, r.word),
        alt: t(otherLang(lang), r.word),
        testid: 'link-refused',
        bad: true,
        ...(problems ? { problems } : {}),
      }),
      r.status,
    );
  };

  /** The action link of `token` with its measure, or the page refusing it. */
  const actionContext = async (
    c: Context,
  ): Promise<{ ok: true; link: ActionLink; state: MeasureState; lang: Lang } | { ok: false; response: Response }> => {
    const v = verifyLink(c.req.param('token') ?? '', keys, now());
    if (!v.ok || v.link.kind !== 'act')
      return { ok: false, response: linkRefused(c, pageLang(c), v.ok ? 'malformed' : v.reason) };
    const link = v.link;
    const state = await measureState(client, link.program, link.measure).catch((e: unknown) => unknownOr(e, undefined));
    if (!state || !state.milestones.some((m) => m.id === link.milestone))
      return { ok: false, response: linkRefused(c, pageLang(c), 'unknown') };
    const lang = pageLang(c, personLang(state.people, link.person, state.program.language));
    if ((state.usedLinks ?? []).some((u) => u.id === link.id))
      return { ok: false, response: linkRefused(c, lang, 'used') };
    return { ok: true, link, state, lang };
  };

  const renderAction = (
    c: Context,
    a: { link: ActionLink; state: MeasureState; lang: Lang },
    extra: { input?: ActionInput; problems?: readonly Problem[] } = {},
    status: 200 | 422 = 200,
  ) => {
    const view = measureView(a.state, now());
    const milestone = view.milestones.find((m) => m.id === a.link.milestone);
    if (!milestone) return linkRefused(c, a.lang, 'unknown');
    const nonce = ensureNonce(c, https);
    const zone = a.state.program.timezone;
    return c.html(
      actionPage(layoutOf(c, a.lang), {
        token: c.req.param('token') ?? '',
        link: a.link,
        view,
        milestone,
        people: a.state.people,
        csrf: nonceCsrf(keys, a.link.id, nonce),
        zoneNow: dateOf(now(), zone),
        expires: formatInstant(a.link.exp, zone),
        ...extra,
      }),
      status,
    );
  };

  app.get('/a/:token', async (c) => {
    const a = await actionContext(c);
    return a.ok ? renderAction(c, a) : a.response;
  });

  app.post('/a/:token', async (c) => {
    const a = await actionContext(c);
    if (!a.ok) return a.response;
    const { link, lang } = a;
    const body = await c.req.parseBody();
    if (!nonceCsrfOk(c, https, keys, link.id, body.csrf)) return forbidden(c, lang);
    const input: ActionInput = { evidence: str(body.evidence), date: str(body.date).trim(), reason: str(body.reason) };
    const missing: Problem[] = [];
    const need = (field: 'evidence' | 'reason', word: Word) => {
      if (!input[field]?.trim())
        missing.push(problem(field, `${t('en', word)}: required`, `${t('ja', word)}: 入力してください`));
    };
    if (link.action === 'complete') need('evidence', 'evidence');
    if (link.action !== 'complete' && !isLocalDate(input.date ?? ''))
      missing.push(problem('date', 'Enter a date (YYYY-MM-DD)', '日付（YYYY-MM-DD）を入力してください'));
    if (link.action === 'replan') need('reason', 'reason');
    if (missing.length) return renderAction(c, a, { input, problems: missing }, 422);
    const common = { milestone: link.milestone, actor: link.person, link: { id: link.id, exp: link.exp } };
    try {
      const outcome =
        link.action === 'complete'
          ? await sendCommand(client, link.program, link.measure, 'complete', {
              ...common,
              evidence: input.evidence?.trim() ?? '',
            })
          : link.action === 'forecast'
            ? await sendCommand(client, link.program, link.measure, 'forecast', { ...common, date: input.date ?? '' })
            : await sendCommand(client, link.program, link.measure, 'replan', {
                ...common,
                date: input.date ?? '',
                reason: input.reason?.trim() ?? '',
              });
      return c.html(
        actionAccepted(layoutOf(c, lang), { view: measureView(a.state, now()), milestone: outcome.milestone, link }),
      );
    } catch (e) {
      if (!(e instanceof ProblemError)) throw e;
      // The link itself was refused (used meanwhile, expired): the form would not help.
      if (e.problems.some((p) => p.path === 'link')) return linkRefused(c, lang, 'used', e.problems);
      return renderAction(c, a, { input, problems: e.problems }, 422);
    }
  });

  // --- sign-in ------------------------------------------------------------------------------------

  /** The person of `program` with this address: its program workflow's people, then its measures'. */
  const findPerson = async (
    program: string,
    email: string,
  ): Promise<{ id: string; person: Person; lang: Lang } | undefined> => {
    const [ps, states] = await Promise.all([
      programState(client, program).catch((e: unknown) => unknownOr<ProgramState | undefined>(e, undefined)),
      programStates(client, program),
    ]);
    const fallback = ps?.program.language ?? states[0]?.program.language ?? 'ja';
    for (const people of [ps?.people ?? {}, ...states.map((s) => s.people)])
      for (const [id, person] of Object.entries(people))
        if (person.email.toLowerCase() === email) return { id, person, lang: person.lang ?? fallback };
    return undefined;
  };

  /** Mails a sign-in link when the address is known; quietly nothing otherwise (the answer is the same). */
  const mailLoginLink = async (program: string, email: string, next: string) => {
    const found = await findPerson(program, email);
    if (!found) return;
    const at = now();
    const recent = (loginMails.get(found.id) ?? []).filter((x) => x > at - LINK_LIFETIME.loginMs);
    if (recent.length >= LOGIN_MAILS_PER_WINDOW) return;
    loginMails.set(found.id, [...recent, at]);
    const token = signLink(
      { kind: 'login', id: randomId(), person: found.id, program, exp: at + LINK_LIFETIME.loginMs },
      keys,
    );
    const url = `${baseUrl}/login/${token}${next ? `?next=${encodeURIComponent(next)}` : ''}`;
    await deps.sendMail(loginMail({ to: found.person.email, name: found.person.name, lang: found.lang, program, url }));
  };

  app.get('/p/:program/login', (c) => {
    const program = c.req.param('program');
    const lang = pageLang(c);
    if (!ID.test(program)) return notFound(c, lang);
    const nonce = ensureNonce(c, https);
    return c.html(
      loginPage(layoutOf(c, lang), {
        program,
        csrf: nonceCsrf(keys, `login:${program}`, nonce),
        next: safeNext(program, c.req.query('next')),
      }),
    );
  });

  app.post('/p/:program/login', async (c) => {
    const program = c.req.param('program');
    const lang = pageLang(c);
    if (!ID.test(program)) return notFound(c, lang);
    const body = await c.req.parseBody();
    if (!nonceCsrfOk(c, https, keys, `login:${program}`, body.csrf)) return forbidden(c, lang);
    const email = str(body.email).trim().toLowerCase();
    if (email.length > 0 && email.length <= 254) {
      // In the background: the answer takes as long, and says the same, whether the address is known.
      const task = mailLoginLink(program, email, safeNext(program, str(body.next))).catch((e: unknown) =>
        log(`web: sign-in mail for ${program} not sent: ${e instanceof Error ? e.message : String(e)}`),
      );
      background.add(task);
      void task.finally(() => background.delete(task));
    }
    return c.html(
      messagePage(layoutOf(c, lang), {
        title: t(lang, 'linkSent'),
        text: t(lang, 'linkSentText'),
        testid: 'login-sent',
      }),
    );
  });

  /** The sign-in link of `token`, or the page refusing it. */
  const loginContext = (c: Context, lang: Lang) => {
    const v = verifyLink(c.req.param('token') ?? '', keys, now());
    const refuse = (word: Word, status: 400 | 403 | 410, program?: string) =>
      c.html(
        messagePage(layoutOf(c, lang), {
          title: t(lang, 'linkProblem'),
          text: t(lang, word),
          alt: t(otherLang(lang), word),
          testid: 'login-refused',
          bad: true,
          ...(program ? { extra: loginAgain(lang, program) } : {}),
        }),
        status,
      );
    if (!v.ok)
      return {
        ok: false as const,
        response: refuse(
          REFUSALS[v.reason].word === 'link.expired' ? 'login.expired' : 'link.invalid',
          REFUSALS[v.reason].status as 400 | 403 | 410,
        ),
      };
    if (v.link.kind !== 'login') return { ok: false as const, response: refuse('link.invalid', 400) };
    if (ledger.has(v.link.id, now()))
      return { ok: false as const, response: refuse('login.used', 410, v.link.program) };
    return { ok: true as const, link: v.link, refuse };
  };
  const loginAgain = (lang: Lang, program: string) =>
    messagePageLink(`/p/${program}/login`, t(lang, 'askAgain'), 'ask-again');

  app.get('/login/:token', (c) => {
    const lang = pageLang(c);
    const l = loginContext(c, lang);
    if (!l.ok) return l.response;
    const nonce = ensureNonce(c, https);
    return c.html(
      loginConfirmPage(layoutOf(c, lang), {
        token: c.req.param('token'),
        csrf: nonceCsrf(keys, l.link.id, nonce),
        next: safeNext(l.link.program, c.req.query('next')),
        name: `${l.link.program}: ${l.link.person}`,
      }),
    );
  });

  app.post('/login/:token', async (c) => {
    const lang = pageLang(c);
    const l = loginContext(c, lang);
    if (!l.ok) return l.response;
    const body = await c.req.parseBody();
    if (!nonceCsrfOk(c, https, keys, l.link.id, body.csrf)) return forbidden(c, lang);
    const at = now();
    if (!(await ledger.spend(l.link.id, l.link.exp, at))) return l.refuse('login.used', 410, l.link.program);
    const session: SessionLink = {
      kind: 'session',
      id: randomId(),
      person: l.link.person,
      program: l.link.program,
      exp: at + LINK_LIFETIME.sessionMs,
    };
    setCookie(c, names.session, signLink(session, keys), {
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
      secure: https,
      maxAge: Math.floor(LINK_LIFETIME.sessionMs / 1000),
    });
    return c.redirect(safeNext(session.program, str(body.next)) || `/p/${session.program}`, 303);
  });

  app.post('/logout', async (c) => {
    const lang = pageLang(c);
    const s = sessionOf(c);
    const body = await c.req.parseBody();
    if (!s || !sameToken(str(body.csrf), sessionCsrf(keys, s.id))) return forbidden(c, lang);
    await ledger.spend(s.id, s.exp, now());
    deleteCookie(c, names.session, { path: '/', secure: https });
    return c.redirect(`/p/${s.program}/login`, 303);
  });

  // --- signed-in pages ----------------------------------------------------------------------------

  /** The session for the program of the route, or the redirect to its sign-in (keeping the wanted path). */
  const signedIn = (c: Context): { ok: true; program: string; s: SessionLink } | { ok: false; response: Response } => {
    const program = c.req.param('program') ?? '';
    if (!ID.test(program)) return { ok: false, response: notFound(c, pageLang(c)) };
    const s = sessionOf(c, program);
    if (s) return { ok: true, program, s };
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return { ok: false, response: forbidden(c, pageLang(c)) };
    return { ok: false, response: c.redirect(loginPath(program, safeNext(program, here(c))), 303) };
  };

  const programData = async (program: string) => {
    const [ps, states] = await Promise.all([
      programState(client, program).catch((e: unknown) => unknownOr<ProgramState | undefined>(e, undefined)),
      programStates(client, program),
    ]);
    const people: Record<string, Person> = {};
    for (const source of [...states.map((s) => s.people), ps?.people ?? {}])
      for (const [id, p] of Object.entries(source)) people[id] ??= p;
    return { ps, states, people };
  };

  const projectionOf = (ps: ProgramState | undefined, states: MeasureState[]): PublicProgram =>
    publicProjection(states, now(), ps ? ps.program : undefined);

  /** What changed since the last published update: the roll-up's own comparison with its kept baseline. */
  const changesOf = async (ps: ProgramState | undefined, projection: PublicProgram) => {
    const last = ps?.lastPublished;
    if (!last) return 'none' as const;
    try {
      const text = await readFile(last.baseline.file, 'utf8');
      if (createHash('sha256').update(text).digest('hex') !== last.baseline.sha256) return 'unreadable' as const;
      const baseline = JSON.parse(text) as PublicBaseline;
      return { since: last.period, list: publicChanges(baseline, projection), projection };
    } catch {
      return 'unreadable' as const;
    }
  };

  app.get('/p/:program', async (c) => {
    const g = signedIn(c);
    if (!g.ok) return g.response;
    const { ps, states, people } = await programData(g.program);
    const lang = pageLang(c, personLang(people, g.s.person, ps?.program.language ?? 'ja'));
    if (!ps && states.length === 0) return notFound(c, lang);
    const projection = projectionOf(ps, states);
    const zone = ps?.program.timezone ?? states[0]?.program.timezone ?? 'Asia/Tokyo';
    return c.html(
      programPage(layoutOf(c, lang, g.s, people), {
        program: g.program,
        title: ps?.program.title ?? states[0]?.program.title ?? { ja: g.program, en: g.program },
        views: states.map((s) => measureView(s, now())),
        people,
        timeline: states.length ? { alt: timelineChart(projection, lang).alt } : null,
        changes: await changesOf(ps, projection),
        deadlines: reportDeadlines(ps?.reports ?? null, dateOf(now(), zone)),
        calendarUrl: `${baseUrl}/cal/${signLink({ kind: 'cal', person: g.s.person, program: g.program }, keys)}.ics`,
      }),
    );
  });

  // The personal calendar feed: a signed URL (no session: calendar clients do not sign in).
  app.get('/cal/:token', async (c) => {
    const token = c.req.param('token').replace(/\.ics$/, '');
    const v = verifyLink(token, keys, now());
    if (!v.ok || v.link.kind !== 'cal')
      return c.text('not a calendar feed of this tracker / このトラッカーのカレンダーではありません', 404);
    const { person, program } = v.link;
    const { ps, states, people } = await programData(program);
    if (states.length === 0) return c.text('unknown program / プログラムがありません', 404);
    const lang = personLang(people, person, ps?.program.language ?? 'ja');
    const body = calendarFeed({
      states,
      person,
      lang,
      now: now(),
      measureUrl: (p, m) => `${baseUrl}/p/${p}/m/${m}`,
      ...(ps ? { programTitle: ps.program.title } : {}),
    });
    return c.body(body, 200, { 'Content-Type': 'text/calendar; charset=utf-8' });
  });

  app.get('/p/:program/timeline.svg', async (c) => {
    const program = c.req.param('program');
    if (!ID.test(program) || !sessionOf(c, program)) return c.body(null, 403);
    const { ps, states } = await programData(program);
    if (states.length === 0) return c.body(null, 404);
    const lang = c.req.query('lang') === 'en' ? 'en' : 'ja';
    return c.body(timelineChart(projectionOf(ps, states), lang).svg, 200, {
      'Content-Type': 'image/svg+xml; charset=utf-8',
      'Content-Security-Policy': SVG_CONTENT_SECURITY_POLICY,
    });
  });

  app.get('/p/:program/m/:measure', async (c) => {
    const g = signedIn(c);
    if (!g.ok) return g.response;
    const measure = c.req.param('measure');
    const state = ID.test(measure)
      ? await measureState(client, g.program, measure).catch((e: unknown) => unknownOr(e, undefined))
      : undefined;
    if (!state) return notFound(c, pageLang(c));
    const lang = pageLang(c, personLang(state.people, g.s.person, state.program.language));
    return c.html(measurePage(layoutOf(c, lang, g.s, state.people), { state, view: measureView(state, now()) }));
  });

  /**
   * A waiting draft as the page shows it: at the update's current revision (the program's ledger may
   * lag a moment behind), with that revision's text in `lang` when this machine holds it unaltered. The
   * form sends the revision shown, so a draft compiled again meanwhile is never decided on unread.
   */
  const draftOf = async (program: string, record: UpdateRecord, lang: Lang): Promise<DraftItem> => {
    let r: Revision | null | undefined;
    try {
      r = (await updateState(client, program, record.period))?.revision;
    } catch {
      return { record, text: null };
    }
    if (!r) return { record, text: null };
    const shown: UpdateRecord = { ...record, revision: r.n, changes: r.changes };
    const sha = own(r.files, `${lang}.md`);
    const text = sha ? await readFile(`${r.dir}/${lang}.md`, 'utf8').catch(() => null) : null;
    return {
      record: shown,
      text: text !== null && createHash('sha256').update(text).digest('hex') === sha ? text : null,
    };
  };

  app.get('/p/:program/approvals', async (c) => {
    const g = signedIn(c);
    if (!g.ok) return g.response;
    const { ps, states, people } = await programData(g.program);
    const lang = pageLang(c, personLang(people, g.s.person, ps?.program.language ?? 'ja'));
    if (!ps && states.length === 0) return notFound(c, lang);
    const pending: PendingItem[] = [];
    for (const s of states) {
      const view = measureView(s, now());
      for (const p of s.pending) {
        const milestone = view.milestones.find((m) => m.id === p.milestone);
        if (milestone)
          pending.push({ measure: view, milestone, requestedBy: p.requestedBy, reason: p.reason, to: p.to });
      }
    }
    const drafts: DraftItem[] = await Promise.all(
      (ps?.updates ?? []).filter((u) => u.state === 'draft').map((record) => draftOf(g.program, record, lang)),
    );
    const program = ps?.program ?? states[0]?.program;
    return c.html(
      approvalsPage(layoutOf(c, lang, g.s, people), {
        program: g.program,
        person: g.s.person,
        managers: program?.managers ?? [],
        comms: program?.comms ?? [],
        pending,
        drafts,
        people,
        csrf: sessionCsrf(keys, g.s.id),
      }),
    );
  });

  /** A decision's answer: done, or the workflow's refusal (nothing changed). */
  const decided = async (
    c: Context,
    g: { program: string; s: SessionLink },
    lang: Lang,
    act: () => Promise<unknown>,
  ) => {
    const back = messagePageLink(`/p/${g.program}/approvals`, t(lang, 'toApprovals'), 'to-approvals');
    try {
      await act();
      return c.html(
        messagePage(layoutOf(c, lang, g.s), {
          title: t(lang, 'decided'),
          text: t(lang, 'decided'),
          testid: 'decided',
          extra: back,
        }),
      );
    } catch (e) {
      if (!(e instanceof ProblemError)) throw e;
      return c.html(
        messagePage(layoutOf(c, lang, g.s), {
          title: t(lang, 'refused'),
          text: t(lang, 'refused'),
          testid: 'decision-refused',
          bad: true,
          problems: e.problems,
          extra: back,
        }),
        422,
      );
    }
  };

  /**
   * A signed-in POST: the session and its CSRF token checked, the form read. The answer is in the
   * language of the page the form was on (its `lang` field), which follows the person's language.
   */
  const signedInPost = async (c: Context) => {
    const g = signedIn(c);
    if (!g.ok) return g;
    const body = await c.req.parseBody();
    const lang: Lang = body.lang === 'ja' || body.lang === 'en' ? body.lang : pageLang(c);
    if (!sameToken(str(body.csrf), sessionCsrf(keys, g.s.id)))
      return { ok: false as const, response: forbidden(c, lang) };
    const decision = str(body.decision);
    const reason = str(body.reason).trim();
    return { ...g, body, decision, reason, lang };
  };

  app.post('/p/:program/approvals/replan', async (c) => {
    const g = await signedInPost(c);
    if (!g.ok) return g.response;
    const measure = str(g.body.measure);
    const milestone = str(g.body.milestone);
    if (!ID.test(measure) || (g.decision !== 'approve' && g.decision !== 'reject')) return notFound(c, g.lang);
    return decided(c, g, g.lang, () =>
      sendCommand(client, g.program, measure, g.decision === 'approve' ? 'approve-replan' : 'reject-replan', {
        milestone,
        ...(g.reason ? { reason: g.reason } : {}),
        actor: g.s.person,
      }),
    );
  });

  app.post('/p/:program/approvals/update', async (c) => {
    const g = await signedInPost(c);
    if (!g.ok) return g.response;
    const period = str(g.body.period);
    const revision = str(g.body.revision);
    const decision = g.decision;
    if (decision !== 'approve' && decision !== 'reject') return notFound(c, g.lang);
    return decided(c, g, g.lang, () =>
      decideOnUpdate(client, `${g.program}/${period}`, decision, g.s.person, {
        reason: g.reason || undefined,
        // The revision the page showed: refused when the draft was compiled again since.
        revision: revision === '' ? undefined : parseRevision(revision),
      }),
    );
  });

  // --- the rest -----------------------------------------------------------------------------------

  app.notFound((c) => notFound(c, pageLang(c)));
  app.onError((e, c) => {
    log(
      `web: ${c.req.method} ${new URL(c.req.url).pathname}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
    );
    const lang = pageLang(c);
    return c.html(
      messagePage(layoutOf(c, lang), {
        title: t(lang, 'errorTitle'),
        text: t(lang, 'unavailable'),
        testid: 'error',
        bad: true,
      }),
      503,
    );
  });

  return {
    app,
    settle: async () => {
      while (background.size) await Promise.allSettled([...background]);
    },
  };
}

/** A paragraph with one link. */
function messagePageLink(href: string, label: string, testid: string) {
  return html`<p><a href="${href}" data-testid="${testid}">${label}</a></p>`;
}

/** The web app (Hono) over `deps`: see the module's routes. */
export function createWebApp(deps: WebDeps): Hono {
  return buildWeb(deps).app;
}

/** A running web server. */
export interface WebServer {
  /** Where it listens, `http://<host>:<port>`. */
  url: string;
  /** Stops listening, closes open connections and waits for sign-in mails being sent. */
  close(): Promise<void>;
}

/**
 * Starts the web on `host`:`port` (0: a free port). `baseUrl` is what mails link to (default: the
 * address it listens on).
 */
export async function startWebServer(
  o: Omit<WebDeps, 'baseUrl'> & { port: number; host: string; baseUrl?: string },
): Promise<WebServer> {
  // The app is built once the port is known (the default base URL names it).
  const holder: { web?: ReturnType<typeof buildWeb> } = {};
  const server = serve({
    fetch: (req) => (holder.web ? holder.web.app.fetch(req) : new Response('starting', { status: 503 })),
    port: o.port,
    hostname: o.host,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  const url = `http://${host}:${port}`;
  const built = buildWeb({ ...o, baseUrl: o.baseUrl ?? url });
  holder.web = built;
  return {
    url,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
      await built.settle();
    },
  };
}
