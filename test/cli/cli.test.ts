/**
 * The `remediate` command line end to end, as a user runs it, against the real Temporal dev server
 * started by the global setup, with a real worker in this process.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { stringify } from 'yaml';
import { outboxTransport } from '../../src/activities/mail';
import { addDays, dateOf } from '../../src/domain/dates';
import { createWorker } from '../../src/worker';
import { completeUpdate, forecastUpdate, stateQuery } from '../../src/workflows/measure';
import { memoryLedger } from '../support/mail';
import { connectDevServer, temporalList, TEST_KEYS, TEST_KEYS_ENV, testDataConverter } from '../support/temporal';

const root = path.join(__dirname, '..', '..');
const bin = path.join(root, 'bin', 'remediate');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      bin,
      args,
      {
        cwd: root,
        env: {
          ...process.env,
          ...TEST_KEYS_ENV,
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          TEMPORAL_NAMESPACE: 'default',
          REMEDIATE_AS: '',
          ...env,
        },
      },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      },
    );
  });
}

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  let v = await fn();
  for (let i = 0; i < 40 && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 250));
    v = await fn();
  }
  return v;
}

const program = `cli-${Date.now().toString(36)}`;
const today = dateOf(Date.now(), 'Asia/Tokyo');
function planDoc(extraMilestone = false, headDue = addDays(today, 40)) {
  return {
    program: {
      id: program,
      title: { ja: 'CLI 試験', en: 'CLI test' },
      directive: { ref: 'T-1', issuer: 'MIC', issuedOn: '2024-04-16' },
      timezone: 'Asia/Tokyo',
      calendar: 'jp',
      managers: ['suzuki'],
      comms: ['kato'],
    },
    people: {
      suzuki: { name: '鈴木 一郎', email: 'suzuki@example.jp' },
      sato: { name: '佐藤 花子', email: 'sato@example.jp', manager: 'tanaka', lang: 'en' },
      tanaka: { name: '田中 次郎', email: 'tanaka@example.jp' },
      kato: { name: '加藤 四郎', email: 'kato@example.jp' },
    },
    policies: {
      standard: {
        notifyAt: '09:00',
        remindBefore: [7, 1],
        escalation: [{ afterBusinessDays: 1, notify: ['owner', 'manager'] }],
        repeatEveryBusinessDays: 5,
      },
    },
    measures: [
      {
        id: 'auth',
        title: { ja: '認証基盤の分離', en: 'Separate auth' },
        owner: 'sato',
        sponsor: 'tanaka',
        policy: 'standard',
        internalNotes: 'internal',
        milestones: [
          { id: 'head', title: { ja: '本体', en: 'Head' }, due: headDue },
          { id: 'late', title: { ja: '遅延', en: 'Late' }, due: addDays(today, -10) },
          ...(extraMilestone
            ? [
                {
                  id: 'overseas',
                  title: { ja: '海外', en: 'Overseas' },
                  due: addDays(today, 90),
                  dependsOn: ['auth/head'],
                },
              ]
            : []),
        ],
      },
      {
        id: 'soc',
        title: { ja: 'SOC', en: 'SOC' },
        owner: 'tanaka',
        policy: 'standard',
        milestones: [{ id: 'tier1', title: { ja: 'Tier1', en: 'Tier 1' }, due: addDays(today, 20) }],
      },
    ],
  };
}

describe(`remediate CLI on the ${inject('temporalServerKind')}`, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-cli-'));
  const planFile = path.join(dir, 'plan.yaml');
  let worker: Worker;
  let running: Promise<void>;
  let connection: NativeConnection;

  beforeAll(async () => {
    writeFileSync(planFile, stringify(planDoc()));
    connection = await NativeConnection.connect({ address: inject('temporalAddress') });
    worker = await createWorker({
      connection,
      namespace: 'default',
      keys: TEST_KEYS,
      mail: {
        transport: outboxTransport(path.join(dir, 'outbox')),
        ledger: memoryLedger(),
        from: 'tracker@example.jp',
      },
    });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
  });

  it('validates a plan and rejects a bad one with one line per problem, naming the path', async () => {
    expect((await run(['plan', 'validate', planFile])).code).toBe(0);
    const bad = planDoc();
    (bad.measures[0]?.milestones[0] as { due: string }).due = '2025-02-30';
    (bad.measures[1] as { owner: string }).owner = 'nobody';
    const badFile = path.join(dir, 'bad.yaml');
    writeFileSync(badFile, stringify(bad));
    const r = await run(['plan', 'validate', badFile]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toContain('measures[0].milestones[0].due: not a date: 2025-02-30 / 日付ではありません: 2025-02-30');
    expect(lines.some((l) => l.startsWith('measures[1].owner: unknown person: nobody'))).toBe(true);
    expect((await run(['plan', 'apply', badFile, '--as', 'suzuki'])).code).toBe(2);
  });

  it('applies a plan, and applying it again changes nothing', async () => {
    const first = await run(['plan', 'apply', planFile, '--as', 'suzuki', '--json']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ program, started: ['auth', 'soc'], amended: [] });
    const second = await run(['plan', 'apply', planFile, '--as', 'suzuki', '--json']);
    expect(JSON.parse(second.stdout)).toMatchObject({ started: [], amended: [], unchanged: ['auth', 'soc'] });
    const history = JSON.parse((await run(['history', 'auth', '--program', program, '--json'])).stdout) as {
      actions: unknown[];
    };
    expect(history.actions).toHaveLength(1);
  });

  it('shows status with four dates and a status per milestone', async () => {
    const r = await eventually(
      () => run(['status', '--program', program, '--json']),
      (x) => x.code === 0 && (JSON.parse(x.stdout) as { measures: unknown[] }).measures.length === 2,
    );
    const doc = JSON.parse(r.stdout) as {
      measures: Array<{ measure: string; status: string; milestones: Array<Record<string, unknown>> }>;
    };
    const auth = doc.measures.find((m) => m.measure === 'auth');
    expect(auth?.status).toBe('overdue');
    expect(auth?.milestones.find((m) => m.id === 'head')).toMatchObject({
      originalDue: addDays(today, 40),
      due: addDays(today, 40),
      forecast: null,
      completedOn: null,
      status: 'on-track',
    });
    expect(auth?.milestones.find((m) => m.id === 'late')).toMatchObject({ status: 'overdue' });
    // What each measure sends next, from the engine's planner: soc/tier1 (due in 20 days) is reminded 7 days before.
    const soc = doc.measures.find((m) => m.measure === 'soc') as unknown as {
      next: { at: string; kind: string; milestone: string; to: Array<{ id: string; name: string }> };
    };
    expect(soc.next).toMatchObject({ kind: 'reminder', milestone: 'tier1', to: [{ id: 'tanaka', name: '田中 次郎' }] });
    const nextDate = soc.next.at.slice(0, 10);
    expect(nextDate > today && nextDate <= addDays(today, 13)).toBe(true);
    expect(soc.next.at).toMatch(/T09:00(:00)?\+09:00$/);
    const text = await run(['status', '--program', program]);
    expect(text.stdout).toContain('/head');
    expect(text.stdout).toContain('OVERDUE');
    expect(text.stdout).toContain(`next: ${soc.next.at.replace('T', ' ')} reminder /tier1 -> tanaka`);
  });

  it('completes with evidence, and history shows the actor and the evidence', async () => {
    const r = await run([
      'milestone',
      'complete',
      'auth/late',
      '--evidence',
      'CHG-1234',
      '--as',
      'sato',
      '--program',
      program,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const h = JSON.parse((await run(['history', 'auth', '--program', program, '--json'])).stdout) as {
      actions: Array<{ kind: string; actor: string; details: Record<string, string> }>;
    };
    expect(h.actions.at(-1)).toMatchObject({
      kind: 'completed',
      actor: 'sato',
      details: { evidence: 'CHG-1234', on: today },
    });
  });

  it('exports the history as CSV and JSON (to a file), and refuses an unknown format with exit 2', async () => {
    const csv = await run(['history', 'auth', '--program', program, '--format', 'csv']);
    expect(csv.stderr).toBe('');
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\r\n')[0]).toBe('at,seq,type,kind,measure,milestone,actor,level,to,details');
    const rows = parse<Record<string, string>>(csv.stdout, { columns: true });
    expect(rows.find((r) => r.type === 'action' && r.kind === 'completed')).toMatchObject({
      measure: 'auth',
      milestone: 'late',
      actor: 'sato',
      details: `evidence=CHG-1234; on=${today}`,
    });
    const file = path.join(dir, 'history.json');
    const written = await run(['history', 'auth', '--program', program, '--format', 'json', '--out', file]);
    expect(written).toMatchObject({ code: 0, stdout: `${file}\n` });
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { records: unknown[]; omitted: Record<string, number> };
    expect(doc.records).toHaveLength(rows.length);
    expect(doc.omitted).toEqual({ actions: 0, decisions: 0, notifications: 0 });
    const xml = await run(['history', 'auth', '--program', program, '--format', 'xml']);
    expect(xml.code).toBe(2);
    expect(xml.stdout).toBe('');
    expect(xml.stderr.trim()).toBe(
      '--format: must be text, json or csv: xml / text・json・csv のいずれかを指定してください: xml',
    );
  });

  it('refuses an unauthorised action with exit 2 and leaves no trace in history', async () => {
    const handle = () =>
      import('@temporalio/client').then(async ({ Connection, Client }) => {
        const c = await Connection.connect({ address: inject('temporalAddress') });
        return {
          c,
          h: new Client({ connection: c, dataConverter: testDataConverter }).workflow.getHandle(
            `measure/${program}/auth`,
          ),
        };
      });
    const { c, h } = await handle();
    const before = (await h.fetchHistory()).events?.length ?? 0;
    const refused = await run([
      'milestone',
      'complete',
      'auth/head',
      '--evidence',
      'x',
      '--as',
      'kato',
      '--program',
      program,
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/kato may not complete auth\/head/);
    const stranger = await run([
      'milestone',
      'complete',
      'auth/head',
      '--evidence',
      'x',
      '--as',
      'mallory',
      '--program',
      program,
    ]);
    expect(stranger.code).toBe(2);
    expect(stranger.stderr).toMatch(/unknown person: mallory/);
    const noEvidence = await run([
      'milestone',
      'replan',
      'auth/head',
      '--date',
      '2020-01-01',
      '--reason',
      'x',
      '--as',
      'sato',
      '--program',
      program,
    ]);
    expect(noEvidence.code).toBe(2);
    expect(noEvidence.stderr).toMatch(/lies before today/);
    // A malformed payload from another client is refused by the validator too, naming the field.
    const malformed = h.executeUpdate(completeUpdate, {
      args: [{ actor: 'sato', milestone: 'head', evidence: 42 as unknown as string }],
    });
    await expect(malformed).rejects.toMatchObject({
      cause: { message: expect.stringContaining('evidence: expected string') as unknown },
    });
    expect((await h.fetchHistory()).events?.length ?? 0).toBe(before);
    await c.close();
    const noProgram = await run(['status', '--program', 'no-such-program']);
    expect(noProgram.code).toBe(2);
    expect(noProgram.stderr).toContain('unknown program: no-such-program');
    const unknown = await run([
      'milestone',
      'complete',
      'nope/head',
      '--evidence',
      'x',
      '--as',
      'sato',
      '--program',
      program,
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown measure: nope/);
  });

  it('re-plans with approval, and refuses a plan file that moves a date silently', async () => {
    const to = addDays(today, 50);
    expect(
      (
        await run([
          'milestone',
          'replan',
          'auth/head',
          '--date',
          to,
          '--reason',
          'vendor delay',
          '--as',
          'sato',
          '--program',
          program,
        ])
      ).code,
    ).toBe(0);
    const approved = await run(['replan', 'approve', 'auth/head', '--as', 'suzuki', '--program', program, '--json']);
    expect(JSON.parse(approved.stdout)).toHaveProperty(
      'milestone',
      expect.objectContaining({ due: to, originalDue: addDays(today, 40) }),
    );
    const h = JSON.parse((await run(['history', 'auth', '--program', program, '--json'])).stdout) as {
      changeLog: Array<Record<string, unknown>>;
    };
    expect(h.changeLog).toEqual([
      expect.objectContaining({
        kind: 'extension',
        from: addDays(today, 40),
        to,
        reason: 'vendor delay',
        requestedBy: 'sato',
        decidedBy: 'suzuki',
        decision: 'approved',
      }),
    ]);
    // The original file still says the original date: unchanged.
    expect(JSON.parse((await run(['plan', 'apply', planFile, '--as', 'suzuki', '--json'])).stdout)).toMatchObject({
      amended: [],
    });
    const moved = path.join(dir, 'moved.yaml');
    writeFileSync(moved, stringify(planDoc(false, addDays(today, 60))));
    const r = await run(['plan', 'apply', moved, '--as', 'suzuki']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('remediate milestone replan auth/head');
  });

  it('adds new milestones from a changed plan as an amendment by the applying person', async () => {
    const grown = path.join(dir, 'grown.yaml');
    writeFileSync(grown, stringify(planDoc(true)));
    const r = await run(['plan', 'apply', grown, '--as', 'suzuki', '--json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ amended: ['auth'], unchanged: ['soc'] });
    const h = JSON.parse((await run(['history', 'auth', '--program', program, '--json'])).stdout) as {
      actions: Array<{ kind: string; actor: string; details: Record<string, string> }>;
    };
    expect(h.actions.at(-1)).toMatchObject({ kind: 'amended', actor: 'suzuki', details: { added: 'overseas' } });
  });

  it('refuses a file that makes its author a manager of the running program, changing nothing', async () => {
    const usurp = planDoc(true) as ReturnType<typeof planDoc> & { program: { managers: string[] } };
    usurp.program.managers = ['kato'];
    const measures = usurp.measures as Array<{ milestones: unknown[] }>;
    measures.push({
      id: 'backdoor',
      title: { ja: '裏口', en: 'Backdoor' },
      owner: 'kato',
      policy: 'standard',
      milestones: [{ id: 'x', title: { ja: 'x', en: 'x' }, due: addDays(today, 30) }],
    } as never);
    const file = path.join(dir, 'usurp.yaml');
    writeFileSync(file, stringify(usurp));
    const before = JSON.parse((await run(['history', 'auth', '--program', program, '--json'])).stdout) as {
      actions: unknown[];
    };
    const r = await run(['plan', 'apply', file, '--as', 'kato']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('kato may not apply the plan: only a program manager of the running program (suzuki)');
    const after = JSON.parse((await run(['history', 'auth', '--program', program, '--json'])).stdout) as {
      actions: unknown[];
    };
    expect(after.actions).toHaveLength(before.actions.length);
    expect((await run(['history', 'backdoor', '--program', program])).code).toBe(2);
  });

  it('renders the public update and the regulator report from the live state', async () => {
    const csv = await run(['report', '--program', program, '--kind', 'regulator', '--format', 'csv']);
    expect(csv.stderr).toBe('');
    expect(csv.code).toBe(0);
    const rows = parse<Record<string, string>>(csv.stdout, { columns: true });
    expect(rows.map((r) => `${r.measure_id}/${r.milestone_id}`)).toEqual([
      'auth/head',
      'auth/late',
      'auth/overseas',
      'soc/tier1',
    ]);
    const head = rows.find((r) => r.milestone_id === 'head');
    expect(head?.changes).toContain('extension');
    expect(head?.changes).toContain('vendor delay');
    const publicMd = await run(['report', '--program', program, '--kind', 'public', '--format', 'md'], {
      REMEDIATE_LANG: 'ja',
    });
    expect(publicMd.code).toBe(0);
    expect(publicMd.stdout).toContain('認証基盤の分離');
    for (const secret of ['sato', '佐藤', 'example.jp', 'vendor delay', 'CHG-1234', 'internal'])
      expect(publicMd.stdout).not.toContain(secret);
    const outDir = path.join(dir, 'reports');
    const written = await run([
      'report',
      '--program',
      program,
      '--kind',
      'public',
      '--format',
      'html',
      '--out',
      outDir,
    ]);
    expect(
      written.stdout
        .trim()
        .split('\n')
        .map((f) => path.basename(f)),
    ).toEqual([`${program}-public.ja.html`, `${program}-public.en.html`]);
    expect(readFileSync(path.join(outDir, `${program}-public.en.html`), 'utf8')).toContain('<html lang="en">');
    const oscal = await run(['report', '--program', program, '--kind', 'regulator', '--format', 'oscal']);
    expect(oscal.code).toBe(0);
    const poam = JSON.parse(oscal.stdout) as { 'plan-of-action-and-milestones': { 'system-id': { id: string } } };
    expect(poam['plan-of-action-and-milestones']['system-id'].id).toBe(program);
    const publicOscal = await run(['report', '--program', program, '--kind', 'public', '--format', 'oscal']);
    expect(publicOscal.code).toBe(2);
    expect(publicOscal.stderr).toContain('OSCAL is the confidential POA&M: use --kind regulator');
  });

  it('lists, compiles and decides on progress updates, refusing bad input with exit 2', async () => {
    const empty = await run(['update', 'list', '--program', program, '--json']);
    expect(empty.code).toBe(0);
    expect(JSON.parse(empty.stdout)).toEqual({ program, updates: [] });
    const period = '2031-05';
    const notComms = await run(['update', 'compile', '--program', program, '--period', period, '--as', 'sato']);
    expect(notComms.code).toBe(2);
    expect(notComms.stderr).toContain('sato is neither comms nor a manager');
    const compiled = await run(['update', 'compile', '--program', program, '--period', period, '--as', 'kato']);
    expect(compiled.stderr).toBe('');
    expect(compiled.stdout).toContain(`progress-update/${program}/${period}`);
    const listed = await eventually(
      async () =>
        JSON.parse((await run(['update', 'list', '--program', program, '--json'])).stdout) as {
          updates: Array<{ period: string; state: string; revision: number }>;
        },
      (l) => l.updates[0]?.state === 'draft',
    );
    expect(listed.updates).toEqual([expect.objectContaining({ period, state: 'draft', revision: 1 })]);
    const table = await run(['update', 'list', '--program', program]);
    expect(table.stdout).toContain(`${program}/${period}`);
    expect(table.stdout).toContain('draft 承認待ち');
    const noReason = await run(['update', 'reject', `${program}/${period}`, '--as', 'kato']);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('--reason: a rejection needs a reason / 差し戻しには理由が必要です');
    const badRef = await run(['update', 'approve', `${program}/2031-13`, '--as', 'kato']);
    expect(badRef.code).toBe(2);
    expect(badRef.stderr).toContain('expected <program>/<period>');
    // --revision: the revision read; another one, or no number at all, is refused.
    const help = await run(['update', 'approve', '--help']);
    expect(help.stdout).toContain('--revision <n>');
    const stale = await run(['update', 'approve', `${program}/${period}`, '--as', 'kato', '--revision', '2']);
    expect(stale.code).toBe(2);
    expect(stale.stderr).toContain(
      `--revision: revision 2 of ${program}/${period} was decided on, but the current revision is 1: read r1 first / `,
    );
    const notANumber = await run(['update', 'approve', `${program}/${period}`, '--as', 'kato', '--revision', 'r1']);
    expect(notANumber.code).toBe(2);
    expect(notANumber.stderr).toContain('--revision: not a revision number (1, 2, ...): r1');
    const rejected = await run([
      'update',
      'reject',
      `${program}/${period}`,
      '--as',
      'kato',
      '--reason',
      'wording',
      '--revision',
      '1',
    ]);
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toContain(`kato rejected ${program}/${period} (revision 1)`);
  });

  it('exposes search attributes to `temporal workflow list --query`', async () => {
    const overdue = await eventually(
      () => temporalList(`RemediationProgram = '${program}' AND RemediationOwner = 'tanaka'`),
      (x) => x.length === 1,
    );
    expect(overdue.map((w) => w.execution.workflowId)).toEqual([`measure/${program}/soc`]);
    const all = await eventually(
      () => temporalList(`RemediationProgram = '${program}' AND RemediationStatus = 'on-track'`),
      (x) => x.length === 2,
    );
    expect(all.map((w) => w.execution.workflowId).sort()).toEqual([
      `measure/${program}/auth`,
      `measure/${program}/soc`,
    ]);
  });

  it('continues as new when the server suggests it, carrying the whole state over', async () => {
    const { connection: c, client } = await connectDevServer();
    const handle = client.workflow.getHandle(`measure/${program}/soc`);
    const before = await handle.query(stateQuery);
    const firstRun = (await handle.describe()).runId;
    // The shared dev server suggests continue-as-new after 60 events (test/global-setup.ts).
    for (let i = 1; i <= 25; i++) {
      await handle.executeUpdate(forecastUpdate, {
        args: [{ actor: 'tanaka', milestone: 'tier1', date: addDays(today, 20 + i) }],
      });
    }
    const after = await eventually(
      () => handle.query(stateQuery),
      (s) => s.actions.length === before.actions.length + 25,
    );
    const d = await handle.describe();
    expect(d.runId).not.toBe(firstRun);
    expect(d.status.name).toBe('RUNNING');
    expect(after.actions.slice(0, before.actions.length)).toEqual(before.actions);
    expect(after.milestones[0]).toMatchObject({
      originalDue: before.milestones[0]?.originalDue,
      forecast: addDays(today, 45),
    });
    expect(after.actions.map((a) => a.seq)).toEqual(after.actions.map((_, i) => i + 1));
    // The new run keeps its search attributes and answers the CLI.
    const r = JSON.parse((await run(['history', 'soc', '--program', program, '--json'])).stdout) as {
      actions: unknown[];
    };
    expect(r.actions).toHaveLength(after.actions.length);
    await c.close();
  });

  it('exits 3 with a hint when Temporal is not reachable', async () => {
    const r = await run(['status', '--program', program], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('remediate dev');
  });
});
