/**
 * The web (design section 10, issue 8 §4) in a real browser: Debian's Chromium through playwright-core
 * against the web server and a worker in this process, on the run's dev server, with every mail going
 * through a real SMTP server on loopback. The owner's reminder (sent at a slot a few seconds ahead)
 * carries signed links: "complete" records the milestone once (seen by a manager, signed in from a
 * mailed link, on the measure page with its history), "replan" asks for a new date which the manager
 * approves on the approvals page; replayed, expired and tampered links, and a form without its CSRF
 * token, are refused and change nothing; axe finds no serious or critical violation; screenshots of
 * the program page (ja, en, phone) are kept in var/test-artifacts/web/.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Client } from '@temporalio/client';
import type { ParsedMail } from 'mailparser';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan, measureState, programStates } from '../../src/client/tracker';
import { addDays } from '../../src/domain/dates';
import { measureWorkflowId, programWorkflowId } from '../../src/domain/names';
import { validatePlan, type Plan } from '../../src/domain/plan';
import { LINK_LIFETIME, linkKeys, randomId, signLink, type LinkAction } from '../../src/links';
import type { WebServer } from '../../src/web/server';
import type { LoopbackSmtp } from '../support/mail';
import { slotSoon } from '../support/slots';
import { TEST_KEYS } from '../support/temporal';
import { startWebWorld, type WebWorld } from './world';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join('var', 'test-artifacts', 'web');
const program = `webb-${Date.now().toString(36)}`;
const keys = linkKeys(TEST_KEYS);

function plan(slot: ReturnType<typeof slotSoon>): Plan {
  const r = validatePlan({
    program: {
      id: program,
      title: { ja: 'ブラウザ試験', en: 'Browser test' },
      directive: { ref: 'B-1', issuer: 'MIC', issuedOn: '2024-04-16' },
      timezone: slot.zone,
      calendar: 'daily',
      managers: ['suzuki'],
    },
    people: {
      suzuki: { name: '鈴木 一郎', email: 'suzuki@example.jp', lang: 'ja' },
      sato: { name: 'Hanako Sato', email: 'sato@example.jp', lang: 'en' },
    },
    policies: { standard: { notifyAt: slot.notifyAt, remindBefore: [], remindOnDue: true, escalation: [] } },
    measures: [
      {
        id: 'auth',
        title: { ja: '認証基盤の分離', en: 'Separate the auth infrastructure' },
        owner: 'sato',
        policy: 'standard',
        directiveItems: ['(1)'],
        milestones: [
          { id: 'head', title: { ja: '本体', en: 'Head company' }, due: slot.today },
          { id: 'tail', title: { ja: '子会社', en: 'Subsidiaries' }, due: addDays(slot.today, 30) },
        ],
      },
      {
        id: 'soc',
        title: { ja: 'SOC の国内移管', en: 'Move the SOC home' },
        owner: 'sato',
        policy: 'standard',
        directiveItems: ['(2)'],
        milestones: [{ id: 'move', title: { ja: '移管', en: 'Move' }, due: slot.today }],
      },
    ],
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.plan;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The hrefs of a mail's HTML part. */
const hrefsOf = (m: ParsedMail): string[] =>
  [...String(m.html || '').matchAll(/<a href="([^"]+)"/g)].map((x) => x[1]!.replace(/&amp;/g, '&'));

const toOf = (m: ParsedMail): string[] =>
  (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));

describe('the web in a real browser', () => {
  /** The reminders' slot: chosen just before the plan is applied, so a slow set-up never starts the measures after it. */
  let slot: ReturnType<typeof slotSoon>;
  let smtp: LoopbackSmtp;
  let world: WebWorld | undefined;
  let client: Client;
  let web: WebServer;
  let browser: Browser;
  let manager: BrowserContext;
  let managerPage: Page;
  const problems: string[] = [];

  const state = (measure = 'auth') => measureState(client, program, measure);
  const actLink = (action: LinkAction, milestone: string, exp = Date.now() + LINK_LIFETIME.actionMs) =>
    signLink({ kind: 'act', id: randomId(), person: 'sato', program, measure: 'auth', milestone, action, exp }, keys);

  /** Waits for a received mail matching `ok`, after `skip` mails. */
  async function mailWhere(ok: (m: ParsedMail) => boolean, ms: number, skip = 0): Promise<ParsedMail> {
    const end = Date.now() + ms;
    for (;;) {
      const m = smtp.received.slice(skip).find(ok);
      if (m) return m;
      if (Date.now() > end) throw new Error(`no such mail within ${ms} ms; got ${smtp.received.length}`);
      await sleep(100);
    }
  }

  /** The owner's reminder for `measure`: its complete, forecast and replan links (in that order). */
  async function reminder(measure: string): Promise<{ complete: string; forecast: string; replan: string }> {
    const m = await mailWhere(
      (x) => toOf(x).includes('sato@example.jp') && hrefsOf(x).some((h) => h.endsWith(`/p/${program}/m/${measure}`)),
      100_000,
    );
    const acts = hrefsOf(m).filter((h) => h.startsWith(`${web.url}/a/`));
    expect(acts).toHaveLength(3);
    return { complete: acts[0]!, forecast: acts[1]!, replan: acts[2]! };
  }

  /** Signs `email` in on `page` through the mailed link (received by the SMTP server); ends on `next`. */
  async function signIn(page: Page, email: string, next: string): Promise<void> {
    await page.goto(`${web.url}/p/${program}/login?next=${encodeURIComponent(next)}`);
    const before = smtp.received.length;
    await page.getByTestId('email').fill(email);
    await page.getByTestId('login-submit').click();
    await page.getByTestId('login-sent-message').waitFor();
    const mail = await mailWhere((m) => toOf(m).includes(email) && /\/login\//.test(String(m.html)), 10_000, before);
    const link = hrefsOf(mail).find((h) => h.startsWith(`${web.url}/login/`));
    expect(link).toBeTruthy();
    await page.goto(link!);
    await page.getByTestId('login-confirm').click();
    await page.waitForURL(`${web.url}${next}`);
  }

  async function noSeriousViolations(page: Page, what: string): Promise<void> {
    const result = await new AxeBuilder({ page }).analyze();
    const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(
      bad.map((v) => `${what}: ${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
    ).toEqual([]);
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    world = await startWebWorld({ program, namespace: 'default', linksInMail: true });
    ({ smtp, client, web } = world);
    slot = slotSoon(15_000);
    await applyPlan(client, plan(slot), 'suzuki');
    for (let i = 0; i < 100 && (await programStates(client, program)).length < 2; i++) await sleep(200);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 30_000 });
    manager = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    managerPage = await manager.newPage();
    managerPage.setDefaultTimeout(20_000);
    managerPage.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await signIn(managerPage, 'suzuki@example.jp', `/p/${program}`);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await world?.stop([
      measureWorkflowId(program, 'auth'),
      measureWorkflowId(program, 'soc'),
      programWorkflowId(program),
    ]);
  }, 60_000);

  it('has no serious or critical accessibility violation on the program, measure, approvals and action pages', async () => {
    const page = managerPage;
    await page.goto(`${web.url}/p/${program}`);
    await page.getByTestId('measures').waitFor();
    await noSeriousViolations(page, 'program');
    await page.goto(`${web.url}/p/${program}/m/auth`);
    await page.getByTestId('history').waitFor();
    await noSeriousViolations(page, 'measure');
    await page.goto(`${web.url}/p/${program}/approvals`);
    await page.getByTestId('replans').waitFor();
    await noSeriousViolations(page, 'approvals');
    const owner = await browser.newContext();
    try {
      const page = await owner.newPage();
      await page.goto(`${web.url}/a/${actLink('forecast', 'tail')}`);
      await page.getByTestId('action-form').waitFor();
      await noSeriousViolations(page, 'action');
    } finally {
      await owner.close();
    }
    expect(problems).toEqual([]);
  }, 60_000);

  it('keeps screenshots of the program page in Japanese, in English and on a phone, without horizontal scroll', async () => {
    const shots: string[] = [];
    for (const lang of ['ja', 'en'] as const) {
      await managerPage.goto(`${web.url}/p/${program}?lang=${lang}`);
      await managerPage.getByTestId('measures').waitFor();
      expect(await managerPage.getAttribute('html', 'lang')).toBe(lang);
      const file = path.join(ARTIFACTS, `program-${lang}.png`);
      await managerPage.screenshot({ path: file, fullPage: true });
      shots.push(file);
    }
    // A phone: its viewport, touch and mobile layout, with the manager's session.
    const phoneCtx = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      storageState: await manager.storageState(),
    });
    try {
      const phone = await phoneCtx.newPage();
      await phone.goto(`${web.url}/p/${program}`);
      await phone.getByTestId('measures').waitFor();
      const file = path.join(ARTIFACTS, 'program-phone.png');
      await phone.screenshot({ path: file, fullPage: true });
      shots.push(file);
      // A string, evaluated in the page (the project's types have no DOM library).
      const { scrollWidth, innerWidth } = await phone.evaluate<{ scrollWidth: number; innerWidth: number }>(
        '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
      );
      expect(innerWidth).toBe(390);
      expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
    } finally {
      await phoneCtx.close();
    }
    const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    for (const file of shots) {
      expect(existsSync(file), file).toBe(true);
      expect(statSync(file).size, file).toBeGreaterThan(1000);
      expect(readFileSync(file).subarray(0, 8).equals(PNG), file).toBe(true);
    }
  }, 60_000);

  it('refuses expired and tampered links with a clear page, and a form without its CSRF token, changing nothing', async () => {
    const before = await state();
    const page = await browser.newPage();
    try {
      const expired = actLink('forecast', 'tail', Date.now() - 60_000);
      const e = await page.goto(`${web.url}/a/${expired}`);
      expect(e?.status()).toBe(410);
      await expect(page.getByTestId('link-refused-message').textContent()).resolves.toContain('expired');
      expect(await page.getByTestId('action-form').count()).toBe(0);

      const good = actLink('forecast', 'tail');
      const [payload, keyId, sig] = good.split('.') as [string, string, string];
      const tampered = `${payload}.${keyId}.${sig.slice(0, 5)}${sig[5] === 'A' ? 'B' : 'A'}${sig.slice(6)}`;
      const t = await page.goto(`${web.url}/a/${tampered}`);
      expect(t?.status()).toBe(403);
      await expect(page.getByTestId('link-refused-message').textContent()).resolves.toContain('not valid');
      expect(await page.getByTestId('action-form').count()).toBe(0);

      // The real form of a good link, its hidden CSRF field removed before submitting: 403.
      await page.goto(`${web.url}/a/${good}`);
      await page.getByTestId('date').fill(addDays(slot.today, 40));
      const removed = await page.evaluate<number>(
        `(() => { const f = document.querySelectorAll('input[name="csrf"]'); f.forEach((x) => x.remove()); return f.length; })()`,
      );
      expect(removed).toBe(1);
      const answer = page.waitForResponse((r) => r.request().method() === 'POST');
      await page.getByTestId('submit-action').click();
      expect((await answer).status()).toBe(403);
      await page.getByTestId('csrf-message').waitFor();
      // And a POST from outside the page (no token, no nonce cookie).
      const forged = await page.request.post(`${web.url}/a/${good}`, {
        form: { date: addDays(slot.today, 41) },
        maxRedirects: 0,
      });
      expect(forged.status()).toBe(403);
    } finally {
      await page.close();
    }
    const after = await state();
    expect(after.actions).toEqual(before.actions);
    expect(after.milestones).toEqual(before.milestones);
    expect(after.pending).toEqual(before.pending);
  }, 60_000);

  let usedComplete = '';

  it("completes the milestone from the reminder's mailed link, seen by a manager on the measure page", async () => {
    const links = await reminder('auth');
    usedComplete = links.complete;
    // Before: the manager's measure page shows the milestone not done.
    await managerPage.goto(`${web.url}/p/${program}/m/auth?lang=en`);
    const statusBefore = await managerPage
      .getByTestId('milestone-head')
      .locator('[data-status]')
      .getAttribute('data-status');
    expect(statusBefore).not.toBe('done');
    expect(await managerPage.locator('[data-testid="history-row"][data-kind="completed"]').count()).toBe(0);

    const owner = await browser.newContext();
    try {
      const page = await owner.newPage();
      await page.goto(links.complete);
      expect(await page.getAttribute('html', 'lang')).toBe('en'); // sato reads English
      expect(await page.getByTestId('action-form').getAttribute('data-action')).toBe('complete');
      await expect(page.getByTestId('link-person').textContent()).resolves.toContain('Hanako Sato');
      await page.getByTestId('evidence').fill('CHG-4321');
      await page.getByTestId('submit-action').click();
      await page.getByTestId('outcome-accepted').waitFor();
    } finally {
      await owner.close();
    }

    const s = await state();
    const head = s.milestones.find((m) => m.id === 'head');
    expect(head?.completed?.by).toBe('sato');
    expect(head?.completed?.evidence).toBe('CHG-4321');

    await managerPage.goto(`${web.url}/p/${program}/m/auth?lang=en`);
    const statusAfter = await managerPage
      .getByTestId('milestone-head')
      .locator('[data-status]')
      .getAttribute('data-status');
    expect(statusAfter).not.toBe(statusBefore);
    expect(statusAfter).toMatch(/done|complete/);
    const row = managerPage.locator('[data-testid="history-row"][data-type="action"][data-kind="completed"]');
    await expect(row.count()).resolves.toBe(1);
    await expect(row.getByTestId('history-actor').textContent()).resolves.toContain('Hanako Sato (sato)');
    await expect(row.getByTestId('history-details').textContent()).resolves.toContain('via=mail link');
  }, 120_000);

  it('refuses the used complete link when replayed, changing nothing', async () => {
    expect(usedComplete).not.toBe('');
    const before = await state();
    const page = await browser.newPage();
    try {
      const r = await page.goto(usedComplete);
      expect(r?.status()).toBe(410);
      await expect(page.getByTestId('link-refused-message').textContent()).resolves.toContain('already been used');
      expect(await page.getByTestId('action-form').count()).toBe(0);
    } finally {
      await page.close();
    }
    const after = await state();
    expect(after.actions).toEqual(before.actions);
    expect(after.milestones).toEqual(before.milestones);
  }, 30_000);

  it("lets a manager, signed in from a mailed link, approve the re-plan asked for from the reminder's link", async () => {
    const links = await reminder('soc');
    const to = addDays(slot.today, 20);
    const owner = await browser.newContext();
    try {
      const page = await owner.newPage();
      await page.goto(links.replan);
      expect(await page.getByTestId('action-form').getAttribute('data-action')).toBe('replan');
      await page.getByTestId('date').fill(to);
      await page.getByTestId('reason').fill('vendor delay');
      await page.getByTestId('submit-action').click();
      await page.getByTestId('outcome-accepted').waitFor();
    } finally {
      await owner.close();
    }
    expect((await state('soc')).pending).toMatchObject([{ milestone: 'move', to, requestedBy: 'sato' }]);

    // A fresh browser session: the manager signs in from the mailed link straight to the approvals.
    const ctx = await browser.newContext();
    try {
      const page = await ctx.newPage();
      await signIn(page, 'suzuki@example.jp', `/p/${program}/approvals`);
      const card = page.getByTestId('replan-soc-move');
      await card.waitFor();
      await expect(card.getByTestId('requested-date').textContent()).resolves.toContain(to);
      await card.getByTestId('reason').fill('accepted');
      await card.getByTestId('approve-replan').click();
      await page.getByTestId('decided-message').waitFor();
      await page.goto(`${web.url}/p/${program}/m/soc`);
      await expect(page.getByTestId('milestone-move').locator('time').nth(1).getAttribute('datetime')).resolves.toBe(
        to,
      );
    } finally {
      await ctx.close();
    }
    const after = await state('soc');
    expect(after.pending).toEqual([]);
    expect(after.milestones.find((m) => m.id === 'move')?.due).toBe(to);
    expect(after.changeLog.at(-1)).toMatchObject({ milestone: 'move', decidedBy: 'suzuki', requestedBy: 'sato' });
  }, 120_000);
});
