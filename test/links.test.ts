/**
 * Signed mail links (issue 8 §1): the tokens of src/links.ts (signature, expiry, key rotation, shape),
 * the measure's single use of a link (the reducer), and the personal emails that carry them, received
 * by a real SMTP server on loopback.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNotificationActivities, smtpTransport, type MailTransport } from '../src/activities/mail';
import type { NotificationPayload } from '../src/domain/model';
import { formatProblem } from '../src/domain/problems';
import {
  linkKeys,
  LINK_LIFETIME,
  notificationLinks,
  signLink,
  verifyLink,
  type ActionLink,
  type LinkKeys,
} from '../src/links';
import { act, basePlan, MILESTONE, stateAt, tokyo } from './domain/fixtures';
import { memoryLedger, startLoopbackSmtp, type LoopbackSmtp } from './support/mail';
import { TEST_KEYS } from './support/temporal';

const keys = linkKeys(TEST_KEYS);
/** The same keys after a rotation: a new current key, the old ones still known. */
const rotated: LinkKeys = linkKeys({
  current: 'next-2027',
  byId: new Map([['next-2027', Buffer.alloc(32, 7)], ...TEST_KEYS.byId]),
  source: 'test',
});

const NOW = tokyo('2025-03-24T09:00');
const link: ActionLink = {
  kind: 'act',
  id: 'abcdefghijklmnop',
  person: 'sato',
  program: 'test-program',
  measure: 'auth-separation',
  milestone: MILESTONE,
  action: 'complete',
  exp: NOW + LINK_LIFETIME.actionMs,
};

describe('signed link tokens', () => {
  it('verifies what it signed, and refuses tampered, expired, foreign and malformed tokens', () => {
    const token = signLink(link, keys);
    expect(verifyLink(token, keys, NOW)).toEqual({ ok: true, link });
    // No name, address or title in the token: ids only.
    expect(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()).not.toMatch(/@|佐藤/);

    const [payload, keyId, sig] = token.split('.') as [string, string, string];
    const other = Buffer.from(JSON.stringify({ ...link, person: 'suzuki' })).toString('base64url');
    expect(verifyLink(`${other}.${keyId}.${sig}`, keys, NOW)).toEqual({ ok: false, reason: 'tampered' });
    const flipped = `${sig.slice(0, -2)}${sig.at(-2) === 'A' ? 'B' : 'A'}${sig.at(-1) ?? ''}`;
    expect(verifyLink(`${payload}.${keyId}.${flipped}`, keys, NOW)).toEqual({ ok: false, reason: 'tampered' });
    expect(verifyLink(token, keys, link.exp)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyLink(`${payload}.nobody.${sig}`, keys, NOW)).toEqual({ ok: false, reason: 'unknown-key' });
    for (const bad of ['', 'a.b', 'a.b.c.d', `${payload}.${keyId}.${sig}!`, 'x'.repeat(5000)])
      expect(verifyLink(bad, keys, NOW), bad.slice(0, 20)).toEqual({ ok: false, reason: 'malformed' });
    // A correctly signed payload of the wrong shape is refused too.
    expect(verifyLink(signLink({ ...link, action: 'cancel' } as unknown as ActionLink, keys), keys, NOW)).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('rotates with the encryption keys: the new key signs, links of the old one still verify', () => {
    const old = signLink(link, keys);
    const fresh = signLink(link, rotated);
    expect(fresh.split('.')[1]).toBe('next-2027');
    expect(verifyLink(old, rotated, NOW).ok).toBe(true);
    expect(verifyLink(fresh, rotated, NOW).ok).toBe(true);
    // Without the new key, its links are unknown.
    expect(verifyLink(fresh, keys, NOW)).toEqual({ ok: false, reason: 'unknown-key' });
  });

  it('gives each notification, person and action its own link, the same on every retry', () => {
    const n = {
      program: 'test-program',
      measure: 'auth-separation',
      milestone: MILESTONE,
      notificationKey: 'auth-separation/head-company/reminder/0/2025-03-24',
      at: NOW,
      person: 'sato',
    };
    const a = notificationLinks(keys, n);
    expect(notificationLinks(keys, n)).toEqual(a);
    const ids = Object.values(a).map((t) => (verifyLink(t, keys, NOW) as { link: ActionLink }).link.id);
    expect(new Set(ids).size).toBe(3);
    const other = notificationLinks(keys, { ...n, person: 'tanaka' });
    expect(Object.values(other).some((t) => Object.values(a).includes(t))).toBe(false);
    const parsed = verifyLink(a.forecast, keys, NOW);
    expect(parsed.ok && parsed.link).toMatchObject({ action: 'forecast', person: 'sato', exp: NOW + 14 * 86_400_000 });
  });
});

describe('a link acts on a measure once', () => {
  const plan = basePlan();
  const at = '2025-03-24T10:00';
  const used = { id: 'link-0000000001', exp: tokyo(at) + LINK_LIFETIME.actionMs };

  it('accepts a link once, records it, and refuses it again with nothing changed', () => {
    const state = stateAt(plan, '2025-03-01T09:00');
    expect(act(state, 'sato', at, { type: 'forecast', milestone: MILESTONE, date: '2025-04-10', link: used })).toEqual(
      [],
    );
    expect(state.usedLinks).toEqual([used]);
    expect(state.actions.at(-1)).toMatchObject({ kind: 'forecast', actor: 'sato', details: { via: 'mail link' } });
    const before = JSON.stringify(state);
    const again = act(state, 'sato', '2025-03-24T10:05', {
      type: 'complete',
      milestone: MILESTONE,
      evidence: 'T-1',
      link: used,
    });
    expect(again.map(formatProblem).join('\n')).toMatch(/used already.*すでに使われています/s);
    expect(JSON.stringify(state)).toBe(before);
  });

  it('refuses an expired link and one that claims to outlive every link', () => {
    const state = stateAt(plan, '2025-03-01T09:00');
    const before = JSON.stringify(state);
    const expired = act(state, 'sato', at, {
      type: 'complete',
      milestone: MILESTONE,
      evidence: 'T-1',
      link: { id: 'link-0000000002', exp: tokyo(at) - 1 },
    });
    expect(expired.map(formatProblem).join('\n')).toMatch(/expired.*有効期限/s);
    const forever = act(state, 'sato', at, {
      type: 'complete',
      milestone: MILESTONE,
      evidence: 'T-1',
      link: { id: 'link-0000000003', exp: tokyo(at) + 400 * 86_400_000 },
    });
    expect(forever.map(formatProblem).join('\n')).toMatch(/not made by this tracker/);
    expect(JSON.stringify(state)).toBe(before);
  });

  it('forgets used links once they expire', () => {
    const state = stateAt(plan, '2025-03-01T09:00');
    expect(act(state, 'sato', at, { type: 'forecast', milestone: MILESTONE, date: '2025-04-10', link: used })).toEqual(
      [],
    );
    const later = '2025-04-09T10:00';
    const next = { id: 'link-0000000004', exp: tokyo(later) + LINK_LIFETIME.actionMs };
    expect(
      act(state, 'sato', later, { type: 'forecast', milestone: MILESTONE, date: '2025-04-20', link: next }),
    ).toEqual([]);
    expect(state.usedLinks).toEqual([next]);
  });
});

describe('personal emails with links, over real SMTP', () => {
  let smtp: LoopbackSmtp;
  let transport: MailTransport;
  const base = 'https://tracker.example.jp';

  beforeAll(async () => {
    smtp = await startLoopbackSmtp();
    transport = smtpTransport(smtp.url);
  });
  afterAll(async () => {
    await transport.close?.();
    await smtp.close();
  });
  beforeEach(() => {
    smtp.received.length = 0;
  });

  const payload = (): NotificationPayload => ({
    notification: {
      key: 'auth-separation/head-company/escalation/1/2025-04-01',
      at: tokyo('2025-04-01T09:00'),
      kind: 'escalation',
      level: 1,
      repeat: false,
      catchUp: false,
      measure: 'auth-separation',
      milestone: MILESTONE,
      to: ['sato', 'tanaka'],
    },
    atIso: '2025-04-01T09:00:00+09:00',
    notifyDate: '2025-04-01',
    program: { id: 'test-program', title: { ja: 'テスト', en: 'Test' }, timezone: 'Asia/Tokyo' },
    measure: { id: 'auth-separation', title: { ja: '認証基盤の分離', en: 'Separate auth' } },
    milestone: {
      id: MILESTONE,
      title: { ja: '本体', en: 'Head company' },
      due: '2025-03-31',
      originalDue: '2025-03-31',
    },
    owner: { id: 'sato', name: '佐藤 花子' },
    recipients: [
      { id: 'sato', name: '佐藤 花子', email: 'sato@example.jp', lang: 'ja' },
      { id: 'tanaka', name: '田中 次郎', email: 'tanaka@example.jp', lang: 'ja' },
    ],
  });

  it('sends one email a reader; the responsible person gets three signed action links, everyone the measure page', async () => {
    const ledger = memoryLedger();
    const activity = createNotificationActivities({
      transport,
      ledger,
      from: 'tracker@example.jp',
      web: { baseUrl: base, keys },
    });
    const r = await activity.sendNotification(payload());
    expect(r.sent).toEqual([
      'test-program/auth-separation/head-company/escalation/1/2025-04-01#ja#sato',
      'test-program/auth-separation/head-company/escalation/1/2025-04-01#ja#tanaka',
    ]);
    expect(smtp.received).toHaveLength(2);
    const byTo = Object.fromEntries(
      smtp.received.map((m) => [(Array.isArray(m.to) ? m.to[0] : m.to)?.value[0]?.address ?? '', m]),
    );
    const owner = byTo['sato@example.jp'];
    const other = byTo['tanaka@example.jp'];
    if (!owner || !other) throw new Error('an email is missing');

    const tokens = [...(owner.text ?? '').matchAll(/https:\/\/tracker\.example\.jp\/a\/([A-Za-z0-9_.-]+)/g)].map(
      (m) => m[1] ?? '',
    );
    expect(tokens).toHaveLength(3);
    const links = tokens.map((t) => verifyLink(t, keys, tokyo('2025-04-01T09:05')));
    const acts = links.map((l) => (l.ok && l.link.kind === 'act' ? l.link : undefined));
    expect(acts.map((l) => l && [l.person, l.milestone, l.action])).toEqual([
      ['sato', MILESTONE, 'complete'],
      ['sato', MILESTONE, 'forecast'],
      ['sato', MILESTONE, 'replan'],
    ]);
    // The HTML part carries the same links as buttons.
    for (const t of tokens) expect(owner.html).toContain(`${base}/a/${t}`);
    expect(owner.text).toContain(`${base}/p/test-program/m/auth-separation`);
    // The other reader gets no action link (links are bearer tokens: only for the person they act as).
    expect(other.text).not.toMatch(/\/a\//);
    expect(other.text).toContain(`${base}/p/test-program/m/auth-separation`);

    // A retry sends nothing more, and a resend after a lost ledger writes the same links.
    expect((await activity.sendNotification(payload())).sent).toEqual([]);
    const again = createNotificationActivities({
      transport,
      ledger: memoryLedger(),
      from: 'tracker@example.jp',
      web: { baseUrl: base, keys },
    });
    await again.sendNotification(payload());
    const resent = smtp.received.slice(2).find((m) => (m.text ?? '').includes('/a/'));
    expect(resent?.text).toBe(owner.text);
  });

  it('without a web URL, keeps one email a language with the commands only', async () => {
    const activity = createNotificationActivities({ transport, ledger: memoryLedger(), from: 'tracker@example.jp' });
    await activity.sendNotification(payload());
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]?.text).toContain('remediate milestone complete auth-separation/head-company');
    expect(smtp.received[0]?.text).not.toContain('http');
  });
});
