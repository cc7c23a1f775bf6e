/**
 * The web (design section 10) over real HTTP against the run's dev server, with a real worker in this
 * process: a mailed action link shows its form and completes the milestone once (actor = the link's
 * person, `via: mail link`); a used, expired or tampered link, or a POST without its CSRF token, is
 * refused and changes nothing; sign-in by a one-time mailed link (captured in memory) gives an
 * HttpOnly, SameSite session that shows the program and the measure; the link works once; a manager
 * approves a re-plan from the approvals page; every response carries the security headers.
 *
 * The progress-update decision (issue 8), in the roll-up namespace with sign-in mails through a real
 * SMTP server on loopback: comms see a compiled draft on the approvals page; a form without or with a
 * wrong CSRF token is 403, a reject without a reason and a decision by someone neither comms nor a
 * manager are refused, all changing nothing; a reject with a reason is recorded, and the draft compiled
 * again is approved from the page and published; the form sends the revision it shows, so a page still
 * showing revision 1 cannot approve revision 2, and deciding once published says it is published.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import ICAL from 'ical.js';
import os from 'node:os';
import path from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { outboxTransport } from '../../src/activities/mail';
import { compileUpdate, listUpdates, updateState } from '../../src/client/rollup';
import { applyPlan, measureState, programStates } from '../../src/client/tracker';
import { addDays, dateOf } from '../../src/domain/dates';
import { historyRecords } from '../../src/domain/history';
import { measureWorkflowId, programWorkflowId, updateWorkflowId } from '../../src/domain/names';
import { validatePlan, type Plan } from '../../src/domain/plan';
import { periodOf, type UpdateState } from '../../src/domain/rollup';
import { LINK_LIFETIME, linkKeys, randomId, signLink, type LinkAction } from '../../src/links';
import type { WebMail } from '../../src/web/mailer';
import { startWebServer, type WebServer } from '../../src/web/server';
import { createWorker } from '../../src/worker';
import { ROLLUP_NAMESPACE } from '../global-setup';
import { memoryLedger, type LoopbackSmtp } from '../support/mail';
import { connectDevServer, TEST_KEYS } from '../support/temporal';
import { startWebWorld, type WebWorld } from './world';
import { until } from '../support/poll';

const program = `web-${Date.now().toString(36)}`;
const zone = 'Asia/Tokyo';
const today = dateOf(Date.now(), zone);
const keys = linkKeys(TEST_KEYS);

function plan(): Plan {
  const r = validatePlan({
    program: {
      id: program,
      title: { ja: 'ウェブ試験', en: 'Web test' },
      directive: { ref: 'W-1', issuer: 'MIC', issuedOn: '2024-04-16' },
      timezone: zone,
      calendar: 'weekdays',
      managers: ['suzuki'],
      comms: ['kato'],
      reports: [
        { id: 'mic-q1', title: { ja: '第 1 回報告', en: 'First report' }, due: addDays(today, 20), owner: 'suzuki' },
      ],
    },
    people: {
      suzuki: { name: '鈴木 一郎', email: 'suzuki@example.jp', lang: 'ja' },
      sato: { name: 'Hanako Sato', email: 'sato@example.jp', lang: 'en' },
      kato: { name: '加藤 四郎', email: 'kato@example.jp' },
    },
    policies: { standard: { notifyAt: '09:00', escalation: [{ afterBusinessDays: 2, notify: ['owner'] }] } },
    measures: [
      {
        id: 'auth',
        title: { ja: '認証基盤の分離', en: 'Separate the <auth> infrastructure' },
        owner: 'sato',
        policy: 'standard',
        directiveItems: ['(1)'],
        milestones: [
          { id: 'head', title: { ja: '本体', en: 'Head company' }, due: addDays(today, 30) },
          { id: 'sub', title: { ja: '子会社', en: 'Subsidiaries' }, due: addDays(today, 60) },
        ],
      },
      {
        id: 'soc',
        title: { ja: 'SOC の国内移管', en: 'Move the SOC home' },
        owner: 'sato',
        policy: 'standard',
        directiveItems: ['(2)'],
        milestones: [
          { id: 'move', title: { ja: '移管', en: 'Move' }, due: addDays(today, 45), dependsOn: ['auth/head'] },
        ],
      },
    ],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.plan;
}

/** A browser's cookies, as far as these tests need them. */
class Jar {
  readonly cookies = new Map<string, string>();
  readonly raw: string[] = [];
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      this.raw.push(line);
      const [pair] = line.split(';');
      const i = (pair ?? '').indexOf('=');
      const name = (pair ?? '').slice(0, i).trim();
      const value = (pair ?? '').slice(i + 1).trim();
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** The revision the update form of a page decides on (its hidden field). */
const revisionOf = (body: string): string => {
  const m = /name="revision" value="([^"]+)"/.exec(body);
  if (!m?.[1]) throw new Error(`no revision field in the page:\n${body.slice(0, 400)}`);
  return m[1];
};

const csrfOf = (body: string): string => {
  const m = /name="csrf" value="([^"]+)"/.exec(body);
  if (!m?.[1]) throw new Error(`no CSRF field in the page:\n${body.slice(0, 400)}`);
  return m[1];
};

/** A page of the web at `base`, as a browser gets it: with the jar's cookies (keeping what it sets), no redirects followed. */
async function fetchPage(
  base: string,
  jar: Jar,
  p: string,
  init: { method?: 'GET' | 'POST'; form?: Record<string, string> } = {},
): Promise<{ res: Response; body: string }> {
  const res = await fetch(`${base}${p}`, {
    method: init.method ?? (init.form ? 'POST' : 'GET'),
    redirect: 'manual',
    headers: {
      ...(jar.cookies.size ? { cookie: jar.header() } : {}),
      ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
  });
  jar.take(res);
  return { res, body: await res.text() };
}

/** Where the web's sign-in mails arrive. */
interface Inbox {
  /** How many mails have arrived so far. */
  count(): number;
  /** The text of the first mail to `to` after the first `skip`, waiting for it a few seconds. */
  textTo(to: string, skip: number): Promise<string>;
}

/** Signs `email` in to `program` on the web at `base` through the mailed one-time link, on to its approvals page. */
async function signInTo(
  base: string,
  inbox: Inbox,
  program: string,
  email: string,
): Promise<{ jar: Jar; loginPath: string; setCookie: string; answer: string }> {
  const jar = new Jar();
  const approvals = `/p/${program}/approvals`;
  const form = await fetchPage(base, jar, `/p/${program}/login?next=${encodeURIComponent(approvals)}`);
  expect(form.res.status).toBe(200);
  const before = inbox.count();
  const next = /name="next" value="([^"]*)"/.exec(form.body)?.[1] ?? '';
  expect(next).toBe(approvals);
  const sent = await fetchPage(base, jar, `/p/${program}/login`, { form: { csrf: csrfOf(form.body), email, next } });
  expect(sent.res.status).toBe(200);
  expect(sent.body).toContain('data-testid="login-sent"');
  const text = await inbox.textTo(email.toLowerCase(), before);
  const url = /https?:\/\/\S+\/login\/\S+/.exec(text)?.[0] ?? '';
  expect(url.startsWith(`${base}/login/`)).toBe(true);
  const loginPath = url.slice(base.length);
  const confirm = await fetchPage(base, jar, loginPath);
  expect(confirm.res.status).toBe(200);
  expect(confirm.body).toContain('data-testid="login-confirm-form"');
  expect(jar.cookies.has('session')).toBe(false);
  const keep = /name="next" value="([^"]*)"/.exec(confirm.body)?.[1] ?? '';
  const done = await fetchPage(base, jar, loginPath, { form: { csrf: csrfOf(confirm.body), next: keep } });
  expect(done.res.status).toBe(303);
  expect(done.res.headers.get('location')).toBe(approvals);
  const setCookie = jar.raw.find((l) => l.startsWith('session=')) ?? '';
  return { jar, loginPath, setCookie, answer: sent.body };
}

describe('the web over HTTP', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-web-'));
  const mails: WebMail[] = [];
  let native: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  let connection: Connection;
  let client: Client;
  let web: WebServer;

  const request = (jar: Jar, p: string, init?: Parameters<typeof fetchPage>[3]) => fetchPage(web.url, jar, p, init);
  const inbox: Inbox = {
    count: () => mails.length,
    textTo: async (to, skip) =>
      (await until('the sign-in mail', async () => mails.slice(skip).find((m) => m.to === to), Boolean, 5_000))?.text ??
      '',
  };

  const actLink = (action: LinkAction, milestone: string, exp = Date.now() + LINK_LIFETIME.actionMs) =>
    signLink({ kind: 'act', id: randomId(), person: 'sato', program, measure: 'auth', milestone, action, exp }, keys);

  const auth = () => measureState(client, program, 'auth');

  /** Signs in `email` through the mailed link; returns the session's jar and the link's path. */
  const signIn = (email: string) => signInTo(web.url, inbox, program, email);

  beforeAll(async () => {
    native = await NativeConnection.connect({ address: inject('temporalAddress') });
    worker = await createWorker({
      connection: native,
      namespace: 'default',
      keys: TEST_KEYS,
      varDir: dir,
      mail: { transport: outboxTransport(path.join(dir, 'outbox')), ledger: memoryLedger(), from: 't@example.jp' },
    });
    running = worker.run();
    ({ connection, client } = await connectDevServer());
    await applyPlan(client, plan(), 'suzuki');
    for (let i = 0; i < 100 && (await programStates(client, program)).length < 2; i++)
      await new Promise((r) => setTimeout(r, 200));
    web = await startWebServer({
      client,
      keys: TEST_KEYS,
      port: 0,
      host: '127.0.0.1',
      varDir: dir,
      sendMail: async (m) => {
        mails.push(m);
      },
    });
  });

  afterAll(async () => {
    await web?.close();
    worker?.shutdown();
    await running;
    await native?.close();
    await connection?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('completes a milestone from a mailed link once, with CSRF, as the link person via mail link', async () => {
    const jar = new Jar();
    const token = actLink('complete', 'head');
    const page = await request(jar, `/a/${token}`);
    expect(page.res.status).toBe(200);
    expect(page.body).toContain('<html lang="en">'); // sato reads English
    expect(page.body).toContain('data-testid="action-form"');
    expect(page.body).toContain('Separate the &lt;auth&gt; infrastructure'); // escaped
    expect(page.body).toContain(`<time datetime="${addDays(today, 30)}">`);
    expect(page.body).toMatch(/<label for="evidence">/);
    expect(jar.raw.some((l) => /^csrf=/.test(l) && /HttpOnly/i.test(l) && /SameSite=Strict/i.test(l))).toBe(true);
    const before = await auth();

    // Without the CSRF token: 403, nothing changed.
    const forged = await request(jar, `/a/${token}`, { form: { evidence: 'CHG-1' } });
    expect(forged.res.status).toBe(403);
    // With a token but without the nonce cookie (another site's form): 403 too.
    const noCookie = await request(new Jar(), `/a/${token}`, { form: { csrf: csrfOf(page.body), evidence: 'CHG-1' } });
    expect(noCookie.res.status).toBe(403);
    expect((await auth()).actions.length).toBe(before.actions.length);

    const done = await request(jar, `/a/${token}`, { form: { csrf: csrfOf(page.body), evidence: 'CHG-1234' } });
    expect(done.res.status).toBe(200);
    expect(done.body).toContain('data-testid="outcome-accepted"');
    const after = await auth();
    const head = after.milestones.find((m) => m.id === 'head');
    expect(head?.completed?.by).toBe('sato');
    expect(head?.completed?.evidence).toBe('CHG-1234');
    const action = historyRecords(after).find((r) => r.type === 'action' && r.kind === 'completed');
    expect(action).toMatchObject({ actor: 'sato', milestone: 'head', details: { via: 'mail link' } });

    // The same link again: refused as used, on the page and on a POST; nothing changes.
    const again = await request(jar, `/a/${token}`);
    expect(again.res.status).toBe(410);
    expect(again.body).toContain('already been used');
    const replay = await request(jar, `/a/${token}`, { form: { csrf: csrfOf(page.body), evidence: 'CHG-9' } });
    expect(replay.res.status).toBe(410);
    const still = await auth();
    expect(still.actions.length).toBe(after.actions.length);
    expect(still.milestones.find((m) => m.id === 'head')?.completed?.evidence).toBe('CHG-1234');
  });

  it('refuses expired and tampered links, changing nothing', async () => {
    const before = await auth();
    const jar = new Jar();
    const expired = actLink('forecast', 'sub', Date.now() - 60_000);
    const e1 = await request(jar, `/a/${expired}`);
    expect(e1.res.status).toBe(410);
    expect(e1.body).toContain('expired');
    expect(e1.body).toContain('newest reminder');
    const e2 = await request(jar, `/a/${expired}`, { form: { csrf: 'x', date: addDays(today, 70) } });
    expect(e2.res.status).toBe(410);

    const good = actLink('forecast', 'sub');
    const [payload, keyId, sig] = good.split('.') as [string, string, string];
    const flipped = `${sig.slice(0, 5)}${sig[5] === 'A' ? 'B' : 'A'}${sig.slice(6)}`;
    const tampered = `${payload}.${keyId}.${flipped}`;
    const t1 = await request(jar, `/a/${tampered}`);
    expect(t1.res.status).toBe(403);
    expect(t1.body).toContain('not valid');
    const t2 = await request(jar, `/a/${tampered}`, { form: { csrf: 'x', date: addDays(today, 70) } });
    expect(t2.res.status).toBe(403);
    const garbage = await request(jar, '/a/not-a-token');
    expect(garbage.res.status).toBe(400);
    expect((await auth()).actions.length).toBe(before.actions.length);
  });

  it('signs in by a one-time mailed link, shows the program and the measure, and never says whether an address is known', async () => {
    // Not signed in: the measure page sends to the sign-in, keeping the wanted path.
    const anon = await request(new Jar(), `/p/${program}/m/auth`);
    expect(anon.res.status).toBe(303);
    expect(anon.res.headers.get('location')).toBe(
      `/p/${program}/login?next=${encodeURIComponent(`/p/${program}/m/auth`)}`,
    );

    // An unknown address: the same answer, and no mail.
    const jar0 = new Jar();
    const f0 = await request(jar0, `/p/${program}/login`);
    const before = mails.length;
    const unknown = await request(jar0, `/p/${program}/login`, {
      form: { csrf: csrfOf(f0.body), email: 'nobody@example.jp' },
    });
    expect(unknown.res.status).toBe(200);
    const noCsrf = await request(jar0, `/p/${program}/login`, { form: { email: 'suzuki@example.jp' } });
    expect(noCsrf.res.status).toBe(403);

    const { jar, loginPath, setCookie, answer } = await signIn('Suzuki@example.jp');
    expect(mails.length).toBe(before + 1);
    expect(answer).toBe(unknown.body);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/i); // http://127.0.0.1

    const page = await request(jar, `/p/${program}`);
    expect(page.res.status).toBe(200);
    expect(page.body).toContain('<html lang="ja">'); // suzuki reads Japanese
    expect(page.body).toContain('data-testid="measure-row-auth"');
    expect(page.body).toContain('data-testid="measure-row-soc"');
    expect(page.body).toContain('data-testid="timeline"');
    expect(page.body).toContain('data-testid="report-mic-q1"');
    expect(page.body).toContain('data-testid="changes"');
    expect(page.body).toContain(`/p/${program}/timeline.svg`);
    const svg = await request(jar, `/p/${program}/timeline.svg`);
    expect(svg.res.status).toBe(200);
    expect(svg.res.headers.get('content-type')).toContain('image/svg+xml');

    const en = await request(jar, `/p/${program}/m/auth?lang=en`);
    expect(en.res.status).toBe(200);
    expect(en.body).toContain('<html lang="en">');
    expect(en.body).toContain('data-testid="history"');
    expect(en.body).toMatch(/data-testid="history-actor">Hanako Sato \(sato\)</);
    expect(en.body).toContain('via=mail link');
    expect(en.body).toContain('data-testid="dependent"'); // soc depends on auth/head
    const soc = await request(jar, `/p/${program}/m/soc`);
    expect(soc.body).toContain('data-testid="depends-on"');

    // The sign-in link works once.
    const reuse = await request(new Jar(), loginPath);
    expect(reuse.res.status).toBe(410);
    expect(reuse.body).toContain('data-testid="login-refused"');

    // Signed out, the session no longer opens the program.
    const logout = await request(jar, '/logout', { form: { csrf: csrfOf(page.body) } });
    expect(logout.res.status).toBe(303);
    const stale = new Jar();
    stale.cookies.set('session', /^session=([^;]+)/.exec(setCookie)?.[1] ?? '');
    expect((await request(stale, `/p/${program}`)).res.status).toBe(303);
  });

  it('lets a manager approve a re-plan asked for from a mail link', async () => {
    const jar = new Jar();
    const token = actLink('replan', 'sub');
    const page = await request(jar, `/a/${token}`);
    expect(page.body).toContain('data-action="replan"');
    const to = addDays(today, 90);
    const asked = await request(jar, `/a/${token}`, {
      form: { csrf: csrfOf(page.body), date: to, reason: 'vendor delay' },
    });
    expect(asked.res.status).toBe(200);
    expect((await auth()).pending).toMatchObject([{ milestone: 'sub', to, requestedBy: 'sato' }]);

    const { jar: manager } = await signIn('suzuki@example.jp');
    const approvals = await request(manager, `/p/${program}/approvals`);
    expect(approvals.res.status).toBe(200);
    expect(approvals.body).toContain('data-testid="replan-auth-sub"');
    expect(approvals.body).toContain('data-testid="approve-replan"');
    const csrf = csrfOf(approvals.body);

    const forged = await request(manager, `/p/${program}/approvals/replan`, {
      form: { measure: 'auth', milestone: 'sub', decision: 'approve' },
    });
    expect(forged.res.status).toBe(403);
    expect((await auth()).pending.length).toBe(1);

    const ok = await request(manager, `/p/${program}/approvals/replan`, {
      form: { csrf, measure: 'auth', milestone: 'sub', decision: 'approve', reason: 'accepted' },
    });
    expect(ok.res.status).toBe(200);
    expect(ok.body).toContain('data-testid="decided"');
    const after = await auth();
    expect(after.pending).toEqual([]);
    expect(after.milestones.find((m) => m.id === 'sub')?.due).toBe(to);
    expect(after.changeLog.at(-1)).toMatchObject({ milestone: 'sub', decidedBy: 'suzuki', requestedBy: 'sato' });

    // Nothing left to decide: the workflow refuses, and the page says so in both languages.
    const again = await request(manager, `/p/${program}/approvals/replan`, {
      form: { csrf, measure: 'auth', milestone: 'sub', decision: 'approve' },
    });
    expect(again.res.status).toBe(422);
    expect(again.body).toContain('data-testid="problems"');
    expect((await auth()).changeLog.length).toBe(after.changeLog.length);
  });

  it("serves each person's calendar feed at a signed URL from the program page, and refuses a forged one", async () => {
    const { jar } = await signIn('sato@example.jp');
    const page = await request(jar, `/p/${program}`);
    expect(page.body).toContain('data-testid="calendar-feed"');
    const href = /href="([^"]+\/cal\/[^"]+)"/.exec(page.body)?.[1];
    expect(href?.startsWith(`${web.url}/cal/`)).toBe(true);
    const feed = await request(new Jar(), (href ?? '').slice(web.url.length));
    expect(feed.res.status).toBe(200);
    expect(feed.res.headers.get('content-type')).toMatch(/^text\/calendar/);
    const events = new ICAL.Component(ICAL.parse(feed.body) as unknown[])
      .getAllSubcomponents('vevent')
      .map((v) => new ICAL.Event(v));
    // sato is responsible for every open milestone: all-day events on their current dates, in English.
    const open = [await auth(), await measureState(client, program, 'soc')].flatMap((st) =>
      st.milestones
        .filter((m) => !m.completed && !m.cancelled)
        .map((m) => [`${st.measure.id}/${m.id}`, m.due, true] as const),
    );
    expect(open.length).toBeGreaterThan(0);
    const due = events.filter((e) => e.uid.endsWith('/due@remediation-tracker'));
    expect(
      due.map((e) => [e.uid.split('/').slice(1, 3).join('/'), e.startDate.toString(), e.startDate.isDate]).sort(),
    ).toEqual(open.map((o) => [...o]).sort());
    expect(due.every((e) => e.summary.startsWith('Due: ') || e.summary.startsWith('[Overdue] '))).toBe(true);

    // The token is checked: a forged person, or a token of another kind, reads nothing.
    const token = (href ?? '').split('/cal/')[1]?.replace(/\.ics$/, '') ?? '';
    const [payload, keyId, sig] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ kind: 'cal', person: 'suzuki', program })).toString('base64url');
    expect((await request(new Jar(), `/cal/${forged}.${keyId}.${sig}.ics`)).res.status).toBe(404);
    expect((await request(new Jar(), `/cal/${actLink('complete', 'sub')}.ics`)).res.status).toBe(404);
    expect(payload).toBeTruthy();
  });

  it('sends the security headers on every response', async () => {
    for (const p of ['/', `/p/${program}/login`, `/a/${actLink('forecast', 'sub')}`, '/nowhere', '/static/app.css']) {
      const { res } = await request(new Jar(), p);
      const h = res.headers;
      expect(h.get('content-security-policy'), p).toBe(
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      );
      expect(h.get('x-content-type-options'), p).toBe('nosniff');
      expect(h.get('referrer-policy'), p).toBe('no-referrer');
      expect(h.get('x-frame-options'), p).toBe('DENY');
      expect(h.get('strict-transport-security'), p).toBeNull(); // http only here
      if (p !== '/static/app.css') expect(h.get('cache-control'), p).toBe('no-store');
    }
    const css = await request(new Jar(), '/static/app.css');
    expect(css.res.headers.get('content-type')).toContain('text/css');
  });
});

describe('the progress-update decision over HTTP', () => {
  const program = `webu-${Date.now().toString(36)}`;
  const period = periodOf(Date.now(), zone, 'month');
  const ref = `${program}/${period}`;
  // The roll-up namespace: its worker writes drafts and the site to its own folder.
  let world: WebWorld | undefined;
  let smtp: LoopbackSmtp;
  let client: Client;
  let web: WebServer;
  let dir: string;

  const request = (jar: Jar, p: string, init?: Parameters<typeof fetchPage>[3]) => fetchPage(web.url, jar, p, init);
  const inbox: Inbox = {
    count: () => smtp.received.length,
    textTo: async (to, skip) => {
      const addressed = (m: ParsedMail) =>
        (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).some((a) => a.value.some((v) => v.address === to));
      const mail = await until(
        'the sign-in mail',
        async () => smtp.received.slice(skip).find(addressed),
        Boolean,
        10_000,
      );
      return mail?.text ?? '';
    },
  };
  const signIn = (email: string) => signInTo(web.url, inbox, program, email);

  function plan(): Plan {
    const r = validatePlan({
      program: {
        id: program,
        title: { ja: '進捗報告の承認試験', en: 'Update approval test' },
        directive: { ref: 'W-2', issuer: 'MIC', issuedOn: '2024-04-16' },
        timezone: zone,
        calendar: 'weekdays',
        managers: ['suzuki'],
        comms: ['kato'],
      },
      people: {
        suzuki: { name: '鈴木 一郎', email: 'suzuki@example.jp', lang: 'ja' },
        sato: { name: 'Hanako Sato', email: 'sato@example.jp', lang: 'en' },
        kato: { name: 'Shiro Kato', email: 'kato@example.jp', lang: 'en' },
      },
      policies: { standard: { notifyAt: '09:00', escalation: [{ afterBusinessDays: 2, notify: ['owner'] }] } },
      measures: [
        {
          id: 'auth',
          title: { ja: '認証基盤の分離', en: 'Separate the authentication infrastructure' },
          owner: 'sato',
          policy: 'standard',
          directiveItems: ['(1)'],
          publicSummary: { ja: '認証基盤を分離します。', en: 'We separate the authentication infrastructure.' },
          milestones: [{ id: 'head', title: { ja: '本体', en: 'Head company' }, due: addDays(today, 30) }],
        },
      ],
    });
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    return r.plan;
  }

  const update = async (): Promise<UpdateState> => {
    const u = await updateState(client, program, period);
    if (!u) throw new Error(`no update ${ref}`);
    return u;
  };
  /** The update workflow's accepted Updates (a refused decision never enters history). */
  const decisionsInHistory = async () =>
    ((await client.workflow.getHandle(updateWorkflowId(program, period)).fetchHistory()).events ?? []).filter(
      (e) => e.workflowExecutionUpdateAcceptedEventAttributes,
    ).length;
  /** What a refused decision must leave as it was: the update's state, and its record in the program's ledger. */
  const snapshot = async () => ({
    update: await update(),
    ledger: await listUpdates(client, program),
    accepted: await decisionsInHistory(),
  });
  /** Waits until the update is `state` at `revision`, in its workflow and in the program's ledger the page reads. */
  const settled = async (state: UpdateState['state'], revision: number) => {
    await until(
      `${ref} ${state} r${revision}`,
      () => updateState(client, program, period),
      (u) => u?.state === state && u.revision?.n === revision,
    );
    await until(
      `the program to know ${ref} is ${state}`,
      () => listUpdates(client, program),
      (l) => l.some((u) => u.period === period && u.state === state && u.revision === revision),
    );
  };
  /** The update form of the approvals page as its hidden fields fill it (an English page), with `form`. */
  const decide = (jar: Jar, form: Record<string, string>) =>
    request(jar, `/p/${program}/approvals/update`, { form: { period, lang: 'en', ...form } });

  beforeAll(async () => {
    world = await startWebWorld({ program, namespace: ROLLUP_NAMESPACE, linksInMail: false });
    ({ smtp, client, web, dir } = world);
    const applied = await applyPlan(client, plan(), 'suzuki');
    expect(applied.rollup).toMatchObject({ program: 'started', schedule: 'none' });
    await until(
      'the measure to be listed',
      () => programStates(client, program),
      (l) => l.length === 1,
    );
    // A draft, compiled the way `remediate update compile --as kato` does.
    expect(await compileUpdate(client, program, 'kato', period)).toMatchObject({ started: true });
    await settled('draft', 1);
  }, 90_000);

  afterAll(async () => {
    await world?.stop([
      measureWorkflowId(program, 'auth'),
      programWorkflowId(program),
      updateWorkflowId(program, period),
    ]);
  }, 60_000);

  it('shows comms, signed in from a mail on the SMTP server, the waiting draft with its text and its form', async () => {
    // The draft itself went to comms by mail too.
    await until(
      'the draft mail',
      async () => smtp.received.filter((m) => m.headers.get('x-remediation-update') === ref),
      (l) => l.length > 0,
    );
    const { jar } = await signIn('kato@example.jp');
    const page = await request(jar, `/p/${program}/approvals`);
    expect(page.res.status).toBe(200);
    expect(page.body).toContain('<html lang="en">'); // kato reads English
    expect(page.body).toContain(`data-testid="update-${period}"`);
    expect(page.body).toContain('We separate the authentication infrastructure.'); // the draft's text
    expect(page.body).toContain('data-testid="approve-update"');
    expect(page.body).toContain('data-testid="reject-update"');
    expect(page.body).toContain('Reason (required to reject)');
    expect(page.body).toContain(`name="period" value="${period}"`);
    expect(revisionOf(page.body)).toBe('1'); // the decision is on the revision shown
    expect(page.body).toContain('name="lang" value="en"'); // the answer comes in the page's language
  }, 60_000);

  it('refuses a form without or with a wrong CSRF token (403) and a reject without a reason (422), changing nothing', async () => {
    const { jar: comms } = await signIn('kato@example.jp');
    const { jar: manager } = await signIn('suzuki@example.jp');
    const csrf = csrfOf((await request(comms, `/p/${program}/approvals`)).body);
    const managersCsrf = csrfOf((await request(manager, `/p/${program}/approvals`)).body);
    expect(managersCsrf).not.toBe(csrf);
    const before = await snapshot();
    expect(before.update.state).toBe('draft');

    for (const [what, jar, form] of [
      ['no token', comms, { decision: 'approve' }],
      ['an empty token', comms, { csrf: '', decision: 'approve' }],
      [
        'a token altered',
        comms,
        { csrf: `${csrf.slice(0, -1)}${csrf.endsWith('A') ? 'B' : 'A'}`, decision: 'approve' },
      ],
      ["another session's token", comms, { csrf: managersCsrf, decision: 'approve' }],
      ['the token without its session', new Jar(), { csrf, decision: 'approve' }],
    ] as const) {
      const r = await decide(jar, form);
      expect(r.res.status, what).toBe(403);
      expect(r.body, what).toContain('data-testid="csrf"');
    }

    for (const reason of [undefined, '   ']) {
      const r = await decide(comms, { csrf, decision: 'reject', ...(reason !== undefined ? { reason } : {}) });
      expect(r.res.status).toBe(422);
      expect(r.body).toContain('<html lang="en">');
      expect(r.body).toContain('data-testid="decision-refused"');
      expect(r.body).toContain('Refused: nothing was changed.');
      expect(r.body).toContain('a rejection needs a reason');
      expect(r.body).toContain('差し戻しには理由が必要です');
    }
    expect(await snapshot()).toEqual(before);
  }, 60_000);

  it('refuses a person who is neither comms nor a manager, changing nothing', async () => {
    const { jar } = await signIn('sato@example.jp');
    const page = await request(jar, `/p/${program}/approvals`);
    expect(page.res.status).toBe(200);
    expect(page.body).toContain(`data-testid="update-${period}"`);
    expect(page.body).toContain('Comms and the managers decide on progress updates.');
    expect(page.body).not.toContain('data-testid="approve-update"');
    const before = await snapshot();
    // The form forged with sato's own, valid token: the workflow refuses.
    const forms: Record<string, string>[] = [
      { decision: 'approve' },
      { decision: 'reject', reason: 'I do not like it' },
    ];
    for (const form of forms) {
      const r = await decide(jar, { csrf: csrfOf(page.body), ...form });
      expect(r.res.status).toBe(422);
      expect(r.body).toContain('data-testid="decision-refused"');
      expect(r.body).toContain('sato is neither comms nor a manager');
    }
    expect(await snapshot()).toEqual(before);
  }, 60_000);

  it('lets comms reject with a reason and approve the draft compiled again: the update is approved and published', async () => {
    const { jar } = await signIn('kato@example.jp');
    const first = await request(jar, `/p/${program}/approvals`);
    const csrf = csrfOf(first.body);
    const rejected = await decide(jar, {
      csrf,
      decision: 'reject',
      reason: 'typo in the summary',
      revision: revisionOf(first.body),
    });
    expect(rejected.res.status).toBe(200);
    expect(rejected.body).toContain('<html lang="en">');
    expect(rejected.body).toContain('data-testid="decided"');
    await settled('rejected', 1);
    expect((await update()).decisions.at(-1)).toMatchObject({
      decision: 'reject',
      by: 'kato',
      revision: 1,
      reason: 'typo in the summary',
    });
    expect((await listUpdates(client, program)).find((u) => u.period === period)).toMatchObject({
      state: 'rejected',
      decidedBy: 'kato',
      reason: 'typo in the summary',
    });
    expect(existsSync(path.join(dir, 'public', program, period))).toBe(false);
    // A rejected draft waits for nobody's decision.
    const none = await request(jar, `/p/${program}/approvals`);
    expect(none.body).not.toContain(`data-testid="update-${period}"`);
    expect(none.body).toContain('No draft is waiting for a decision.');

    expect(await compileUpdate(client, program, 'kato', period)).toMatchObject({ started: false });
    await settled('draft', 2);
    const second = await request(jar, `/p/${program}/approvals`);
    expect(second.body).toContain(`data-testid="update-${period}"`);
    expect(second.body).toMatch(/<dt>Revision<\/dt>\s*<dd>2<\/dd>/);
    expect(revisionOf(second.body)).toBe('2');
    // A form still showing revision 1 (a tab left open) cannot approve revision 2, which nobody read
    // there: refused with both revisions named, nothing changed. Nor can a form that names no number.
    const before = await snapshot();
    const stale = await decide(jar, { csrf, decision: 'approve', revision: revisionOf(first.body) });
    expect(stale.res.status).toBe(422);
    expect(stale.body).toContain('<html lang="en">');
    expect(stale.body).toContain('data-testid="decision-refused"');
    expect(stale.body).toContain(`revision 1 of ${ref} was decided on, but the current revision is 2: read r2 first`);
    expect(stale.body).toContain(`${ref} の第 1 版への判断ですが、現在の版は第 2 版です。先に第 2 版を読んでください`);
    const garbled = await decide(jar, { csrf, decision: 'approve', revision: '2; drop' });
    expect(garbled.res.status).toBe(422);
    expect(garbled.body).toContain('not a revision number');
    expect(await snapshot()).toEqual(before);
    const approved = await decide(jar, { csrf: csrfOf(second.body), decision: 'approve', revision: '2' });
    expect(approved.res.status).toBe(200);
    expect(approved.body).toContain('data-testid="decided"');

    await settled('published', 2);
    const done = await update();
    expect(done.decisions.map((d) => [d.decision, d.by, d.revision])).toEqual([
      ['recompile', 'kato', 0],
      ['reject', 'kato', 1],
      ['recompile', 'kato', 1],
      ['approve', 'kato', 2],
    ]);
    expect(done.publishedAt).not.toBeNull();
    expect((await listUpdates(client, program)).find((u) => u.period === period)).toMatchObject({
      state: 'published',
      revision: 2,
      decidedBy: 'kato',
    });
    expect(readFileSync(path.join(dir, 'public', program, period, 'en.html'), 'utf8')).toContain(
      'Separate the authentication infrastructure',
    );
    const after = await request(jar, `/p/${program}/approvals`);
    expect(after.body).toContain('No draft is waiting for a decision.');

    // Deciding again: refused, the update is published (its workflow has completed), nothing changes.
    const accepted = await decisionsInHistory();
    const again = await decide(jar, { csrf, decision: 'approve', revision: '2' });
    expect(again.res.status).toBe(422);
    expect(again.body).toContain('data-testid="decision-refused"');
    expect(again.body).toContain(`the update ${ref} is already published (revision 2)`);
    expect(again.body).toContain(`更新 ${ref} は既に公開されています（第 2 版）`);
    expect(await decisionsInHistory()).toBe(accepted);
  }, 120_000);
});
