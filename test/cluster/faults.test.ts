/**
 * The production shape under faults, on a cluster of its own (PostgreSQL, four Temporal services as
 * separate processes, src/local/cluster.ts), driven as an operator does: from an empty cluster,
 * `remediate setup`, two `remediate worker` processes, `plan apply`. During a reminder slot the history
 * service, the matching service and one worker are SIGKILLed and restarted: every mail of the slot is
 * delivered, none twice (counted by idempotency key). The frontend down: the CLI exits 3 with its
 * message and works once it is back. PostgreSQL stopped and started: the measures carry on.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { serverSchemaDir, startCluster, type Cluster } from '../../src/local/cluster';
import { temporalServerDir } from '../../src/local/tools';
import { startLoopbackSmtp, type LoopbackSmtp } from '../support/mail';
import { slotSoon } from '../support/slots';
import { TEST_KEYS_ENV } from '../support/temporal';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';

const root = path.join(__dirname, '..', '..');
const bin = path.join(root, 'bin', 'remediate');
const MEASURES = 6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe('the cluster under faults', () => {
  let cluster: Cluster;
  let smtp: LoopbackSmtp;
  const workers: WorkerProcess[] = [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-cluster-test-'));
  let env: Record<string, string>;
  const run = (args: string[]): Promise<Run> =>
    new Promise((resolve) =>
      execFile(bin, args, { cwd: root, env: { ...process.env, ...env }, timeout: 90_000 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      ),
    );
  const program = `cl-${Date.now().toString(36)}`;
  const slot = slotSoon(150_000);

  /** A plan of `measures` measures whose one milestone each is reminded at `s`'s slot today. */
  const writePlan = (id: string, s: ReturnType<typeof slotSoon>, measures: number): string => {
    const file = path.join(dir, `${id}.yaml`);
    writeFileSync(
      file,
      stringify({
        program: {
          id,
          title: { ja: '本番試験', en: 'Production test' },
          directive: { ref: 'T-9', issuer: 'MIC', issuedOn: '2024-04-16' },
          timezone: s.zone,
          calendar: 'daily',
          managers: ['suzuki'],
        },
        people: {
          suzuki: { name: '鈴木 一郎', email: 'suzuki@example.jp' },
          sato: { name: '佐藤 花子', email: 'sato@example.jp', lang: 'en' },
        },
        policies: { standard: { notifyAt: s.notifyAt, remindBefore: [7], remindOnDue: true } },
        measures: Array.from({ length: measures }, (_, i) => ({
          id: `m${i}`,
          title: { ja: `施策 ${i}`, en: `Measure ${i}` },
          owner: 'sato',
          policy: 'standard',
          milestones: [{ id: 'head', title: { ja: '本体', en: 'Head' }, due: s.today }],
        })),
      }),
    );
    return file;
  };
  /** Waits until `status` lists `count` measures of `id` (visibility is eventually consistent). */
  const waitListed = async (id: string, count: number): Promise<number> => {
    let listed = 0;
    for (let i = 0; i < 60 && listed < count; i++) {
      const status = await run(['status', '--program', id, '--json']);
      if (status.code === 0) listed = (JSON.parse(status.stdout) as { measures: unknown[] }).measures.length;
      if (listed < count) await sleep(1000);
    }
    return listed;
  };
  const keysOf = (id: string) =>
    smtp.received
      .filter((m) => m.headers.get('x-remediation-program') === id)
      .map((m) => m.headers.get('x-remediation-key') as string)
      .sort();
  const expectedKeys = (s: ReturnType<typeof slotSoon>, measures: number) =>
    Array.from({ length: measures }, (_, i) => `m${i}/head/reminder/0/${s.today}`).sort();

  beforeAll(async () => {
    cluster = await startCluster({ serverDir: temporalServerDir(), schemaDir: await serverSchemaDir() });
    smtp = await startLoopbackSmtp();
    env = {
      ...TEST_KEYS_ENV,
      TEMPORAL_ADDRESS: cluster.address,
      TEMPORAL_NAMESPACE: 'production',
      SMTP_URL: smtp.url,
      MAIL_FROM: 'tracker@example.jp',
      REMEDIATE_VAR_DIR: dir,
      REMEDIATE_AS: 'suzuki',
      REMEDIATE_WEB_PORT: 'off',
    };
  }, 180_000);

  afterAll(async () => {
    await Promise.all(workers.map((w) => (w.alive() ? w.kill() : Promise.resolve())));
    await smtp?.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('goes from an empty cluster to a running program with setup, two workers and plan apply', async () => {
    const before = await run(['status']);
    expect(before.code).toBe(3);
    expect(before.stderr).toContain('remediate setup');

    const setup = await run(['setup']);
    expect(setup.stderr).toBe('');
    expect(setup.code).toBe(0);
    expect(setup.stdout).toContain('namespace production created');

    for (let i = 0; i < 2; i++) workers.push(spawnWorker({ ...env, REMEDIATE_VAR_DIR: path.join(dir, `w${i}`) }));
    await Promise.all(workers.map((w) => w.ready));

    const planFile = writePlan(program, slot, MEASURES);
    const applied = await run(['plan', 'apply', planFile]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(await waitListed(program, MEASURES)).toBe(MEASURES);
  });

  it('delivers every mail of the slot once while history, matching and a worker are killed and restarted', async () => {
    // Faults around the slot: history just before it, matching at it, one worker just after.
    await sleep(Math.max(0, slot.at - Date.now() - 3_000));
    await cluster.kill('history');
    await sleep(2_000);
    await cluster.start('history');
    await sleep(Math.max(0, slot.at - Date.now()));
    await cluster.kill('matching');
    await sleep(2_000);
    await cluster.start('matching');
    await workers[0]?.kill();
    workers.push(spawnWorker({ ...env, REMEDIATE_VAR_DIR: path.join(dir, 'w0') }));

    const deadline = Date.now() + 150_000;
    while (keysOf(program).length < MEASURES && Date.now() < deadline) await sleep(1000);
    await sleep(5_000); // a duplicate would come now
    expect(keysOf(program), workers.map((w) => w.log().slice(-2000)).join('\n---\n')).toEqual(
      expectedKeys(slot, MEASURES),
    );
  }, 400_000);

  it('exits 3 while the frontend is down, and works once it is back', async () => {
    await cluster.kill('frontend');
    const down = await run(['status', '--program', program]);
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('not reachable');
    expect(down.stderr).not.toMatch(/\n\s+at /);
    await cluster.start('frontend');
    const up = await run(['status', '--program', program, '--json']);
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
  });

  it('carries on after PostgreSQL is stopped and started: timers due meanwhile fire, commands are taken', async () => {
    // A second program whose slot falls while PostgreSQL is down.
    const later = `${program}-pg`;
    const laterSlot = slotSoon(90_000);
    const applied = await run(['plan', 'apply', writePlan(later, laterSlot, 3)]);
    expect(applied.stderr).toBe('');
    expect(await waitListed(later, 3)).toBe(3);
    // Down from 10 s before the slot to 5 s after it.
    await sleep(laterSlot.at - Date.now() - 10_000);
    expect(Date.now()).toBeLessThan(laterSlot.at - 5_000);
    await cluster.stopPostgres();
    await sleep(laterSlot.at - Date.now() + 5_000);
    expect(keysOf(later)).toEqual([]);
    await cluster.startPostgres();
    const deadline = Date.now() + 120_000;
    while (keysOf(later).length < 3 && Date.now() < deadline) await sleep(1000);
    await sleep(3_000);
    expect(keysOf(later), workers.map((w) => w.log().slice(-2000)).join('\n---\n')).toEqual(expectedKeys(laterSlot, 3));
    let done: Run | undefined;
    for (let i = 0; i < 30; i++) {
      done = await run([
        'milestone',
        'complete',
        'm0/head',
        '--evidence',
        'CHG-1',
        '--program',
        program,
        '--as',
        'sato',
      ]);
      if (done.code === 0) break;
      await sleep(2_000);
    }
    expect(done?.stderr).toBe('');
    expect(done?.code).toBe(0);
    const history = await run(['history', 'm0', '--program', program, '--json']);
    expect(history.code).toBe(0);
    expect(history.stdout).toContain('CHG-1');
  }, 400_000);
});
