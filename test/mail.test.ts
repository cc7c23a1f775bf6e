/**
 * The notification activity against a real SMTP server on loopback: what arrives (headers, language,
 * both parts, the commands), idempotent retries through the file ledger, HTML escaping, and the
 * `.eml` outbox.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createNotificationActivities,
  fileLedger,
  outboxTransport,
  smtpTransport,
  transportFromEnv,
  type MailTransport,
} from '../src/activities/mail';
import { escapeHtml, renderNotification } from '../src/activities/messages';
import type { NotificationPayload, Recipient } from '../src/domain/model';
import { startLoopbackSmtp, type LoopbackSmtp } from './support/mail';

const FROM = 'remediation-tracker <tracker@example.jp>';
const people = {
  sato: { id: 'sato', name: '佐藤 花子', email: 'sato@example.jp', lang: 'ja' },
  tanaka: { id: 'tanaka', name: '田中 次郎', email: 'tanaka@example.jp', lang: 'ja' },
  smith: { id: 'smith', name: 'Jane Smith', email: 'smith@example.com', lang: 'en' },
} satisfies Record<string, Recipient>;

/** A payload for auth-separation/head-company (due Mon 2025-03-31), notified on `date`. */
function payload(
  opts: {
    kind?: 'reminder' | 'escalation';
    level?: number;
    date?: string;
    recipients?: Recipient[];
    measureTitle?: string;
    originalDue?: string;
    next?: NotificationPayload['next'];
  } = {},
): NotificationPayload {
  const kind = opts.kind ?? 'reminder';
  const level = opts.level ?? (kind === 'reminder' ? 0 : 1);
  const date = opts.date ?? '2025-03-24';
  const recipients = opts.recipients ?? [people.sato];
  return {
    notification: {
      key: `auth-separation/head-company/${kind}/${level}/${date}`,
      at: Date.parse(`${date}T00:00:00Z`),
      kind,
      level,
      repeat: false,
      catchUp: false,
      measure: 'auth-separation',
      milestone: 'head-company',
      to: recipients.map((r) => r.id),
    },
    atIso: `${date}T09:00:00+09:00`,
    notifyDate: date,
    program: {
      id: 'ly-2024',
      title: { ja: '総務省行政指導への対応', en: 'Response to the MIC guidance' },
      timezone: 'Asia/Tokyo',
    },
    measure: {
      id: 'auth-separation',
      title: { ja: '認証基盤の分離', en: opts.measureTitle ?? 'Separate the authentication infrastructure' },
    },
    milestone: {
      id: 'head-company',
      title: { ja: '本体', en: 'Head company' },
      due: '2025-03-31',
      originalDue: opts.originalDue ?? '2025-03-31',
    },
    owner: { id: 'sato', name: people.sato.name },
    recipients,
    ...(opts.next === undefined ? {} : { next: opts.next }),
  };
}

const tempDir = (label: string) => fs.mkdtempSync(path.join(os.tmpdir(), `rt-mail-${label}-`));
const messageIdOf = (key: string) =>
  `<${createHash('sha256').update(key).digest('hex').slice(0, 32)}@remediation-tracker>`;
const addresses = (m: ParsedMail) =>
  (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).flatMap((a) => a.value.map((v) => v.address));
const completeCommand = 'remediate milestone complete auth-separation/head-company --evidence "<ticket or URL>" --as';

describe('notification mail over real SMTP', () => {
  let smtp: LoopbackSmtp;
  let transport: MailTransport;
  let received: ParsedMail[];

  beforeAll(async () => {
    smtp = await startLoopbackSmtp();
    received = smtp.received;
    transport = smtpTransport(smtp.url);
  });

  afterAll(() => smtp.close());

  beforeEach(() => {
    received.length = 0;
  });

  const activities = () =>
    createNotificationActivities({ transport, ledger: fileLedger(tempDir('ledger')), from: FROM });

  it('sends a Japanese reminder with the expected headers, both parts, the due date and the commands', async () => {
    const p = payload({ next: { date: '2025-03-28', kind: 'reminder', level: 0, to: [people.sato.name] } });
    const result = await activities().sendNotification(p);

    expect(result).toEqual({ sent: [`${p.program.id}/${p.notification.key}#ja`], skipped: [] });
    expect(received).toHaveLength(1);
    const m = received[0]!;
    expect(m.from?.value).toEqual([{ name: 'remediation-tracker', address: 'tracker@example.jp' }]);
    expect(m.to && !Array.isArray(m.to) ? m.to.value : undefined).toEqual([
      { name: '佐藤 花子', address: 'sato@example.jp' },
    ]);
    expect(m.subject).toBe('【リマインド】認証基盤の分離「本体」の期限は 2025-03-31（月）です（あと 7 日）');
    expect(m.messageId).toBe(messageIdOf(`${p.program.id}/${p.notification.key}#ja`));
    expect(m.headers.get('x-remediation-key')).toBe(p.notification.key);
    expect(m.headers.get('x-remediation-kind')).toBe('reminder');

    expect(m.text).toContain('2025-03-31（月）');
    expect(m.text).toContain(`${completeCommand} sato --program ly-2024`);
    expect(m.text).toContain('2025-03-28（金）に、佐藤 花子 様へリマインドをお送りします。');
    expect(m.html).toBeTypeOf('string');
    const html = m.html as string;
    expect(html).toContain('<html lang="ja">');
    expect(html).toContain('2025-03-31（月）');
    expect(html).toContain(escapeHtml(`${completeCommand} sato --program ly-2024`));
  });

  it('sends one email per language: Japanese readers together in To, the English reader in English', async () => {
    const p = payload({
      kind: 'escalation',
      level: 2,
      date: '2025-04-07',
      recipients: [people.sato, people.smith, people.tanaka],
      originalDue: '2025-02-28',
      next: {
        date: '2025-04-14',
        kind: 'escalation',
        level: 2,
        to: [people.sato.name, people.smith.name, people.tanaka.name],
      },
    });
    const result = await activities().sendNotification(p);

    expect(result.sent).toEqual([
      `${p.program.id}/${p.notification.key}#ja`,
      `${p.program.id}/${p.notification.key}#en`,
    ]);
    expect(received).toHaveLength(2);
    const ja = received.find((m) => m.headers.get('content-language') === 'ja')!;
    const en = received.find((m) => m.headers.get('content-language') === 'en')!;
    expect(addresses(ja)).toEqual(['sato@example.jp', 'tanaka@example.jp']);
    expect(addresses(en)).toEqual(['smith@example.com']);
    expect(ja.messageId).not.toBe(en.messageId);
    for (const m of [ja, en]) {
      expect(m.headers.get('x-remediation-key')).toBe(p.notification.key);
      expect(m.headers.get('x-remediation-kind')).toBe('escalation');
    }

    expect(ja.subject).toBe(
      '【エスカレーション L2】認証基盤の分離「本体」が期限超過です（期限 2025-03-31（月）、7 日超過）',
    );
    expect(ja.text).toContain('当初期限（当局に約束した期限）: 2025-02-28（金）');
    expect(ja.text).toContain('送信先: 佐藤 花子 様、Jane Smith 様、田中 次郎 様');
    expect(ja.text).toContain(`${completeCommand} sato --program ly-2024`);
    expect(ja.html).toContain('2025-03-31（月）');

    expect(en.subject).toBe(
      '[Escalation level 2] Separate the authentication infrastructure – "Head company" has been overdue since Mon 2025-03-31 (7 days)',
    );
    expect(en.text).toContain('Original due date (committed to the regulator): Fri 2025-02-28');
    expect(en.text).toContain('On Mon 2025-04-14, escalation level 2 goes to 佐藤 花子, Jane Smith and 田中 次郎.');
    expect(en.text).toContain(`${completeCommand} smith --program ly-2024`);
    expect(en.text).toContain('takes effect only once a program manager approves it');
    expect(en.html).toContain('Mon 2025-03-31');
    expect(en.html).toContain(escapeHtml(`${completeCommand} smith --program ly-2024`));
  });

  it('keeps programs apart in the ledger: the same notification key in another program is sent', async () => {
    const act = createNotificationActivities({ transport, ledger: fileLedger(tempDir('programs')), from: FROM });
    const p = payload({ recipients: [people.sato] });
    const other = { ...p, program: { ...p.program, id: 'other-2025' } };
    expect((await act.sendNotification(p)).sent).toHaveLength(1);
    expect((await act.sendNotification(other)).sent).toEqual([`other-2025/${p.notification.key}#ja`]);
    expect(received.map((m) => m.headers.get('x-remediation-program'))).toEqual(['ly-2024', 'other-2025']);
  });

  it('sends nothing more when the activity is retried with the same payload, even after a worker restart', async () => {
    const dir = tempDir('retry');
    const act = createNotificationActivities({ transport, ledger: fileLedger(dir), from: FROM });
    const p = payload({ recipients: [people.sato, people.smith] });
    const keys = [`${p.program.id}/${p.notification.key}#ja`, `${p.program.id}/${p.notification.key}#en`];

    expect(await act.sendNotification(p)).toEqual({ sent: keys, skipped: [] });
    expect(received).toHaveLength(2);
    expect(await act.sendNotification(p)).toEqual({ sent: [], skipped: keys });
    const restarted = createNotificationActivities({ transport, ledger: fileLedger(dir), from: FROM });
    expect(await restarted.sendNotification(p)).toEqual({ sent: [], skipped: keys });
    expect(received).toHaveLength(2);
    expect(fs.readdirSync(dir).sort()).toEqual(keys.map((k) => createHash('sha256').update(k).digest('hex')).sort());
  });

  it('escapes interpolated text in the HTML part', async () => {
    const title = 'Patch <script>alert("x")</script> & review';
    await activities().sendNotification(payload({ recipients: [people.smith], measureTitle: title }));

    const m = received[0]!;
    expect(m.subject).toContain(title);
    expect(m.text).toContain(title);
    const html = m.html as string;
    expect(html).not.toContain('<script>');
    expect(html).toContain('Patch &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; review');
  });
});

describe('notification mail without a server', () => {
  it('writes a parseable .eml file to the outbox, and no temp file', async () => {
    const dir = tempDir('outbox');
    const act = createNotificationActivities({
      transport: outboxTransport(dir),
      ledger: fileLedger(tempDir('ledger')),
      from: FROM,
    });
    const p = payload({ recipients: [people.smith] });
    await act.sendNotification(p);

    const files = fs.readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{4}-\d{2}-\d{2}T[\d-]+Z-auth-separation_head-company_reminder_0_2025-03-24-en\.eml$/);
    const raw = fs.readFileSync(path.join(dir, files[0]!));
    expect(raw.includes('\r\n')).toBe(true);
    const m = await simpleParser(raw);
    expect(m.subject).toBe(
      '[Reminder] Separate the authentication infrastructure – "Head company" is due Mon 2025-03-31 (in 7 days)',
    );
    expect(m.messageId).toBe(messageIdOf(`${p.program.id}/${p.notification.key}#en`));
    expect(m.headers.get('x-remediation-key')).toBe(p.notification.key);
    expect(m.text).toContain(`${completeCommand} smith --program ly-2024`);
    expect(m.html).toContain('Mon 2025-03-31');
  });

  it('refuses a notification with no recipients or a bad address as non-retryable', async () => {
    const sends: unknown[] = [];
    const act = createNotificationActivities({
      transport: { send: async (m) => void sends.push(m) },
      ledger: fileLedger(tempDir('ledger')),
      from: FROM,
    });
    for (const recipients of [[], [{ ...people.smith, email: 'smith@example.com, evil@example.com' }]]) {
      const err = await act.sendNotification(payload({ recipients })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect((err as ApplicationFailure).nonRetryable).toBe(true);
      expect((err as ApplicationFailure).type).toBe('BadNotification');
    }
    expect(sends).toHaveLength(0);
  });

  it('lets a transport error through as retryable, and records nothing until the send succeeds', async () => {
    let fail = true;
    const sends: string[] = [];
    const transport: MailTransport = {
      send: async (m) => {
        if (fail) throw new Error('connect ECONNREFUSED 127.0.0.1:25');
        sends.push(m.subject);
      },
    };
    const act = createNotificationActivities({ transport, ledger: fileLedger(tempDir('ledger')), from: FROM });
    const err = await act.sendNotification(payload()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ApplicationFailure);
    fail = false;
    expect((await act.sendNotification(payload())).sent).toHaveLength(1);
    expect(sends).toHaveLength(1);
  });

  it('chooses the transport from the environment and names a bad variable', () => {
    const dir = tempDir('var');
    const outbox = transportFromEnv({}, dir);
    expect(outbox.from).toBe('remediation-tracker <noreply@remediation-tracker.invalid>');
    expect(outbox.describe).toContain(path.join(dir, 'outbox'));
    const smtp = transportFromEnv(
      { SMTP_URL: 'smtp://u:secret@mail.example.jp:587', MAIL_FROM: 'PMO <pmo@example.jp>' },
      dir,
    );
    expect(smtp.from).toBe('PMO <pmo@example.jp>');
    expect(smtp.describe).toContain('mail.example.jp:587');
    expect(smtp.describe).not.toContain('secret');
    expect(() => transportFromEnv({ SMTP_URL: 'mail.example.jp:25' }, dir)).toThrow(/^SMTP_URL /);
    expect(() => transportFromEnv({ SMTP_URL: 'http://mail.example.jp' }, dir)).toThrow(/^SMTP_URL /);
    expect(() => transportFromEnv({ MAIL_FROM: 'not an address' }, dir)).toThrow(/^MAIL_FROM /);
  });

  it('renders the due date with its weekday and the days left in both languages', () => {
    const p = payload({ date: '2025-03-31' });
    expect(renderNotification(p, 'ja').subject).toBe(
      '【リマインド】認証基盤の分離「本体」の期限は本日 2025-03-31（月）です',
    );
    expect(renderNotification(p, 'en').subject).toBe(
      '[Reminder] Separate the authentication infrastructure – "Head company" is due today, Mon 2025-03-31',
    );
    expect(renderNotification(payload({ date: '2025-03-30' }), 'en').subject).toContain('(in 1 day)');
    expect(renderNotification(p, 'en').text).toContain('No further notification is scheduled for this milestone.');
  });
});
