/**
 * The whole path on the dev server, as deployed: `remediate plan apply` starts measures, the
 * `remediate worker` process (configured only through the environment, SMTP_URL included) fires the
 * planner's timer at the reminder slot, and the mail arrives at a real SMTP server on loopback, in
 * each recipient's language, with text and HTML parts.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { WORKER_E2E_NAMESPACE } from '../global-setup';
import { startLoopbackSmtp, type LoopbackSmtp } from '../support/mail';
import { TEST_KEYS_ENV } from '../support/temporal';
import { slotSoon } from '../support/slots';

const root = path.join(__dirname, '..', '..');
const bin = path.join(root, 'bin', 'remediate');
/** Zones far enough apart that in at least one of them the next two minutes do not cross midnight. */

describe(`remediate worker with SMTP on the ${inject('temporalServerKind')}`, () => {
  let smtp: LoopbackSmtp | undefined;
  let worker: ChildProcess | undefined;
  afterAll(async () => {
    worker?.kill('SIGINT');
    await smtp?.close();
  });

  // The daily calendar has a slot every day, and the zone is chosen so that the slot is today: this runs every day.
  it('delivers the reminder of the slot to a real SMTP server, in both languages', async () => {
    const slot = slotSoon(120_000);
    smtp = await startLoopbackSmtp();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-worker-'));
    const env = {
      ...process.env,
      ...TEST_KEYS_ENV,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: WORKER_E2E_NAMESPACE,
      SMTP_URL: smtp.url,
      MAIL_FROM: 'tracker@example.jp',
      REMEDIATE_VAR_DIR: dir,
      REMEDIATE_AS: 'suzuki',
    };
    const program = `mail-${Date.now().toString(36)}`;
    const planFile = path.join(dir, 'plan.yaml');
    writeFileSync(
      planFile,
      stringify({
        program: {
          id: program,
          title: { ja: 'メール試験', en: 'Mail test' },
          directive: { ref: 'T-2', issuer: 'MIC', issuedOn: '2024-04-16' },
          timezone: slot.zone,
          calendar: 'daily',
          managers: ['suzuki'],
        },
        people: {
          suzuki: { name: '鈴木 一郎', email: 'suzuki@example.jp' },
          sato: { name: '佐藤 花子', email: 'sato@example.jp', lang: 'en' },
          tanaka: { name: '田中 次郎', email: 'tanaka@example.jp' },
        },
        policies: { standard: { notifyAt: slot.notifyAt, remindBefore: [7], remindOnDue: true } },
        measures: [
          {
            id: 'auth',
            title: { ja: '認証基盤の分離', en: 'Separate auth' },
            owner: 'sato',
            policy: 'standard',
            milestones: [
              { id: 'head', title: { ja: '本体', en: 'Head company' }, due: slot.today },
              { id: 'domestic', title: { ja: '国内子会社', en: 'Domestic' }, due: slot.today, owner: 'tanaka' },
            ],
          },
        ],
      }),
    );

    worker = spawn(bin, ['worker'], { cwd: root, env });
    let log = '';
    worker.stdout?.on('data', (c: Buffer) => (log += c.toString()));
    worker.stderr?.on('data', (c: Buffer) => (log += c.toString()));
    const applied = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile(bin, ['plan', 'apply', planFile, '--json'], { cwd: root, env }, (err, stdout, stderr) =>
        resolve({ code: err ? Number(err.code) : 0, out: stdout + stderr }),
      ),
    );
    expect(applied.code, applied.out).toBe(0);

    const deadline = Date.now() + 200_000;
    while (smtp.received.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
    expect(smtp.received.length, log).toBe(2);
    const byLang = new Map(smtp.received.map((m) => [m.headers.get('content-language') as string, m]));
    const en = byLang.get('en');
    const ja = byLang.get('ja');
    expect(en?.subject).toContain('[Reminder]');
    expect(en?.subject).toContain('Head company');
    expect(en?.text).toContain(
      `remediate milestone complete auth/head --evidence "<ticket or URL>" --as sato --program ${program}`,
    );
    expect(en?.html).toContain('remediate milestone complete auth/head');
    expect(ja?.subject).toContain('【リマインド】');
    expect(ja?.subject).toContain('国内子会社');
    expect(ja?.text).toContain('--as tanaka');
    expect(ja?.html).toContain('国内子会社');
    expect(smtp.received.map((m) => m.headers.get('x-remediation-key')).sort()).toEqual([
      `auth/domestic/reminder/0/${slot.today}`,
      `auth/head/reminder/0/${slot.today}`,
    ]);
  }, 300_000);
});
