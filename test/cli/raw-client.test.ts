/**
 * A raw client against one running measure: the Temporal CLI's `workflow update execute` and
 * `workflow signal` send malformed and hostile payloads that `remediate` itself never builds. Each
 * update is refused (the CLI exits non-zero, the failure names the problem, the history does not grow);
 * each signal is dropped (the workflow keeps running, its state query answers, and what it knows of
 * other measures is unchanged). Afterwards the same measure still takes a valid command. Against the
 * shared dev server of the test run, with a real worker in this process. The CLI goes through a codec
 * endpoint with the test keys, as a person holding the key would: failures are encrypted otherwise.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client, Connection, WorkflowHandle } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { outboxTransport } from '../../src/activities/mail';
import { addDays, dateOf } from '../../src/domain/dates';
import { EncryptionCodec } from '../../src/client/codec';
import { startCodecServer, type CodecServer } from '../../src/local/codec-server';
import { createWorker } from '../../src/worker';
import { memoryLedger } from '../support/mail';
import { connectDevServer, TEST_KEYS, TEST_KEYS_ENV } from '../support/temporal';

const root = path.join(__dirname, '..', '..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** The codec endpoint the Temporal CLI encodes inputs and decodes results and failures through (set in beforeAll). */
let codec: CodecServer | undefined;

/** Runs the Temporal CLI against the shared dev server, through the codec endpoint; never rejects. */
function temporal(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      inject('temporalCliPath'),
      [
        ...args,
        '--address',
        inject('temporalAddress'),
        '--namespace',
        'default',
        '--disable-config-file',
        '--command-timeout',
        '10s',
        ...(codec ? ['--codec-endpoint', codec.url] : []),
      ],
      { timeout: 15_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr, timedOut: Boolean(err?.killed) });
      },
    );
  });
}

/** Runs `remediate` (bin/remediate) against the shared dev server. */
function remediate(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      path.join(root, 'bin', 'remediate'),
      args,
      {
        cwd: root,
        timeout: 60_000,
        env: {
          ...process.env,
          ...TEST_KEYS_ENV,
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          TEMPORAL_NAMESPACE: 'default',
        },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr, timedOut: Boolean(err?.killed) });
      },
    );
  });
}

/** What this test reads of the `state` query. */
interface MeasureState {
  program: { id: string; managers: string[]; timezone: string };
  people: Record<string, unknown>;
  policy: { remindBefore: number[] };
  measure: { id: string; owner: string };
  milestones: Array<{
    id: string;
    owner?: string;
    due: string;
    forecast?: string;
    completed?: { on: string; by: string; evidence: string };
  }>;
  pending: unknown[];
  actions: Array<{ kind: string; actor: string }>;
  external: Record<string, unknown>;
}

const program = `raw-${Date.now().toString(36)}`;
const workflowId = `measure/${program}/auth`;
const today = dateOf(Date.now(), 'Asia/Tokyo');

const people = {
  suzuki: { name: '鈴木 一郎', email: 'suzuki@example.jp' },
  sato: { name: '佐藤 花子', email: 'sato@example.jp', manager: 'tanaka', lang: 'en' },
  tanaka: { name: '田中 次郎', email: 'tanaka@example.jp' },
  kato: { name: '加藤 四郎', email: 'kato@example.jp' },
};
const standard = {
  notifyAt: '09:00',
  remindBefore: [7, 1],
  remindOnDue: true,
  escalation: [{ afterBusinessDays: 1, notify: ['owner', 'manager'] }],
  repeatEveryBusinessDays: 5,
};
const title = (en: string) => ({ ja: en, en });
const planDoc = {
  program: {
    id: program,
    title: { ja: '生クライアント試験', en: 'Raw client test' },
    directive: { ref: 'T-RAW', issuer: 'MIC', issuedOn: '2024-04-16' },
    timezone: 'Asia/Tokyo',
    calendar: 'jp',
    managers: ['suzuki'],
    comms: ['kato'],
  },
  people,
  policies: { standard },
  measures: [
    {
      id: 'auth',
      title: title('Separate auth'),
      owner: 'sato',
      sponsor: 'tanaka',
      policy: 'standard',
      milestones: [
        { id: 'head', title: title('Head'), due: addDays(today, 40) },
        { id: 'tail', title: title('Tail'), due: addDays(today, 60), dependsOn: ['soc/tier1'] },
        { id: 'spare', title: title('Spare'), due: addDays(today, 80) },
      ],
    },
    {
      id: 'soc',
      title: title('SOC'),
      owner: 'tanaka',
      policy: 'standard',
      milestones: [{ id: 'tier1', title: title('Tier 1'), due: addDays(today, 20) }],
    },
  ],
};

/** A well-formed amendment that changes nothing; each hostile one below spoils one part of it. */
const amendBase = { actor: 'suzuki', milestones: [], people, external: {}, dependents: {} };
const json = (v: unknown) => JSON.stringify(v);
/** JSON with an own `__proto__` key, which a JavaScript object literal cannot express. */
const withProtoKey = (v: unknown) => JSON.stringify(v).replaceAll('"__PROTO__":', '"__proto__":');
const huge = 'x'.repeat(1_000_000);

interface UpdateCase {
  label: string;
  update: string;
  /** Raw JSON texts, one `--input` each (none: no input at all). */
  inputs?: string[];
  /** A payload too large for the command line, sent with `--input-file`. */
  file?: unknown;
  /** What the refusal must name. */
  names: RegExp;
  /** What the refusal must not say (a prototype key taken for a real person is refused as unauthorised). */
  not?: RegExp;
  /** The failure type, when it is not the workflow's refusal (an unknown update name is the SDK's). */
  type?: RegExp;
}

const updates = ['complete', 'forecast', 'replan', 'approveReplan', 'rejectReplan', 'cancel', 'reassign', 'amend'];
const notAnObject: UpdateCase[] = updates.flatMap((update) => [
  ...['null', '42', '"x"', '[]'].map((input) => ({
    label: `${update} ${input}`,
    update,
    inputs: [input],
    names: /object|expected|received|input/i,
  })),
  { label: `${update} with no input`, update, inputs: [], names: /object|expected|received|input|argument|required/i },
]);

const malformed: UpdateCase[] = [
  {
    label: 'two inputs (a valid forecast and another)',
    update: 'forecast',
    inputs: [json({ actor: 'sato', milestone: 'head', date: addDays(today, 45) }), json({})],
    names: /argument|input/i,
  },
  {
    label: 'evidence: 42',
    update: 'complete',
    inputs: [json({ actor: 'sato', milestone: 'head', evidence: 42 })],
    names: /evidence/,
  },
  {
    label: 'actor: 42',
    update: 'complete',
    inputs: [json({ actor: 42, milestone: 'head', evidence: 'x' })],
    names: /actor|--as/,
  },
  {
    label: 'date as a number',
    update: 'forecast',
    inputs: [json({ actor: 'sato', milestone: 'head', date: 20300101 })],
    names: /date/,
  },
  {
    label: 'to as a list',
    update: 'reassign',
    inputs: [json({ actor: 'suzuki', milestone: 'tail', to: ['tanaka'], reason: 'x' })],
    names: /\bto\b/,
  },
  {
    label: 'reason as an object',
    update: 'cancel',
    inputs: [json({ actor: 'suzuki', reason: { en: 'x' } })],
    names: /reason/,
  },
  {
    label: 'decision reason as a number',
    update: 'rejectReplan',
    inputs: [json({ actor: 'suzuki', milestone: 'head', reason: 42 })],
    names: /reason/,
  },
  {
    label: 'milestones as a string',
    update: 'amend',
    inputs: [json({ ...amendBase, milestones: 'head' })],
    names: /milestones/,
  },
  {
    label: 'missing evidence',
    update: 'complete',
    inputs: [json({ actor: 'sato', milestone: 'head' })],
    names: /evidence/,
  },
  {
    label: 'missing actor',
    update: 'complete',
    inputs: [json({ milestone: 'head', evidence: 'x' })],
    names: /actor|--as/,
  },
  {
    label: 'missing reason',
    update: 'replan',
    inputs: [json({ actor: 'sato', milestone: 'head', date: addDays(today, 50) })],
    names: /reason/,
  },
  {
    label: 'missing to',
    update: 'reassign',
    inputs: [json({ actor: 'suzuki', milestone: 'tail', reason: 'x' })],
    names: /\bto\b/,
  },
  {
    label: 'missing people',
    update: 'amend',
    inputs: [json({ actor: 'suzuki', milestones: [], external: {}, dependents: {} })],
    names: /people/,
  },
  {
    label: 'an unknown extra field',
    update: 'complete',
    inputs: [json({ actor: 'sato', milestone: 'head', evidence: 'x', extra: 1 })],
    names: /extra/,
  },
  {
    label: 'an extra `at` (the workflow keeps its own clock)',
    update: 'complete',
    inputs: [json({ actor: 'sato', milestone: 'head', evidence: 'x', at: 0 })],
    names: /\bat\b/,
  },
  {
    label: 'an extra `type` naming another command',
    update: 'cancel',
    inputs: [json({ actor: 'suzuki', reason: 'x', type: 'amend' })],
    names: /type/,
  },
];

const prototypeKeys: UpdateCase[] = [
  ...['constructor', '__proto__', 'toString'].map((actor) => ({
    label: `actor ${actor}`,
    update: 'complete',
    inputs: [json({ actor, milestone: 'head', evidence: 'x' })],
    names: new RegExp(actor),
    not: /may not/,
  })),
  {
    label: 'actor constructor cancels',
    update: 'cancel',
    inputs: [json({ actor: 'constructor', reason: 'x' })],
    names: /constructor/,
    not: /may not/,
  },
  {
    label: 'actor constructor amends',
    update: 'amend',
    inputs: [json({ ...amendBase, actor: 'constructor' })],
    names: /constructor/,
    not: /may not/,
  },
  {
    label: 'milestone constructor',
    update: 'complete',
    inputs: [json({ actor: 'sato', milestone: 'constructor', evidence: 'x' })],
    names: /milestone/,
  },
  {
    label: 'milestone __proto__',
    update: 'forecast',
    inputs: [json({ actor: 'sato', milestone: '__proto__', date: addDays(today, 45) })],
    names: /milestone/,
  },
  {
    label: 'reassign --to constructor',
    update: 'reassign',
    inputs: [json({ actor: 'suzuki', milestone: 'tail', to: 'constructor', reason: 'x' })],
    names: /constructor|\bto\b/,
  },
  {
    label: 'reassign --to __proto__',
    update: 'reassign',
    inputs: [json({ actor: 'suzuki', milestone: 'tail', to: '__proto__', reason: 'x' })],
    names: /__proto__|\bto\b/,
  },
  {
    label: 'a __proto__ key in the command',
    update: 'complete',
    inputs: [withProtoKey({ actor: 'kato', milestone: 'head', evidence: 'x', __PROTO__: { actor: 'suzuki' } })],
    names: /__proto__/,
  },
  {
    label: 'an unknown update name',
    update: 'nosuchUpdate',
    inputs: [json({ actor: 'suzuki' })],
    names: /nosuchUpdate/,
    type: /type: \w+/,
  },
];

const dates: UpdateCase[] = [
  ...['forecast', 'replan'].flatMap((update) =>
    ['2025-02-30', '99999-01-01', '1969-12-31'].map((date) => ({
      label: `${update} to ${date}`,
      update,
      inputs: [json({ actor: 'sato', milestone: 'head', date, ...(update === 'replan' ? { reason: 'x' } : {}) })],
      names: new RegExp(date),
    })),
  ),
];

const hugeText: UpdateCase[] = [
  {
    label: 'evidence of 1,000,000 characters',
    update: 'complete',
    file: { actor: 'sato', milestone: 'spare', evidence: huge },
    names: /evidence/,
  },
  {
    label: 'a reason of 1,000,000 characters',
    update: 'replan',
    file: { actor: 'sato', milestone: 'tail', date: addDays(today, 70), reason: huge },
    names: /reason/,
  },
];

const newMilestone = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  title: title(id),
  due: addDays(today, 100),
  dependsOn: [],
  ...extra,
});
// Ordered so that, should one be wrongly accepted, those most likely to break the workflow come last.
const amends: UpdateCase[] = [
  { label: "program: 'x'", update: 'amend', inputs: [json({ ...amendBase, program: 'x' })], names: /program/ },
  {
    label: "milestones: [{ id: 'x' }]",
    update: 'amend',
    inputs: [json({ ...amendBase, milestones: [{ id: 'x' }] })],
    names: /milestones\[0\]/,
  },
  {
    label: 'a milestone due 2025-02-30',
    update: 'amend',
    inputs: [json({ ...amendBase, milestones: [newMilestone('bad-date', { due: '2025-02-30' })] })],
    names: /2025-02-30/,
  },
  {
    label: 'a milestone due after the Japanese holiday data',
    update: 'amend',
    inputs: [json({ ...amendBase, milestones: [newMilestone('far', { due: '2099-01-01' })] })],
    names: /2099-01-01/,
  },
  {
    label: 'a milestone owned by an unknown person',
    update: 'amend',
    inputs: [json({ ...amendBase, milestones: [newMilestone('orphan', { owner: 'mallory' })] })],
    names: /mallory/,
  },
  {
    label: 'the same new milestone twice',
    update: 'amend',
    inputs: [json({ ...amendBase, milestones: [newMilestone('twin'), newMilestone('twin')] })],
    names: /twin/,
  },
  {
    // `constructor` is a valid person id (looked up as an own key); a malformed entry under it is not.
    label: 'people: { constructor: { malformed } }',
    update: 'amend',
    inputs: [json({ ...amendBase, people: { ...people, constructor: { name: 'C', email: 'not-an-email' } } })],
    names: /constructor/,
  },
  {
    label: 'a __proto__ key in people',
    update: 'amend',
    inputs: [withProtoKey({ ...amendBase, people: { ...people, __PROTO__: { name: 'P', email: 'p@example.jp' } } })],
    names: /__proto__/,
  },
  {
    label: 'a __proto__ key in external',
    update: 'amend',
    inputs: [withProtoKey({ ...amendBase, external: { __PROTO__: { due: addDays(today, 10), done: false } } })],
    names: /__proto__/,
  },
  {
    label: "measure: { owner: 'mallory' }",
    update: 'amend',
    inputs: [json({ ...amendBase, measure: { owner: 'mallory' } })],
    names: /owner/,
  },
  {
    label: "measure: { id: 'other' }",
    update: 'amend',
    inputs: [json({ ...amendBase, measure: { id: 'other' } })],
    names: /\bid\b/,
  },
  {
    label: 'a policy with remindBefore: [1e9]',
    update: 'amend',
    inputs: [json({ ...amendBase, policy: { ...standard, remindBefore: [1e9] } })],
    names: /remindBefore/,
  },
  {
    label: 'a policy with afterBusinessDays: 1e12',
    update: 'amend',
    inputs: [
      json({ ...amendBase, policy: { ...standard, escalation: [{ afterBusinessDays: 1e12, notify: ['owner'] }] } }),
    ],
    names: /afterBusinessDays/,
  },
  {
    label: "program: { managers: ['mallory'] }",
    update: 'amend',
    inputs: [json({ ...amendBase, program: { managers: ['mallory'] } })],
    names: /program/,
  },
  {
    label: "program: { id: 'x' }",
    update: 'amend',
    inputs: [json({ ...amendBase, program: { id: 'x' } })],
    names: /program/,
  },
];

const validInfo = { due: addDays(today, 30), done: false };
// The same order: a wrongly kept `info: null` or a missing payload wedges the workflow's status code.
const signals: Array<{ label: string; inputs: string[] }> = [
  { label: "ref 'constructor'", inputs: [json({ ref: 'constructor', info: validInfo })] },
  { label: "ref '__proto__'", inputs: [json({ ref: '__proto__', info: validInfo })] },
  { label: 'a ref the measure does not depend on', inputs: [json({ ref: 'soc/other', info: validInfo })] },
  { label: 'bad info for an unknown ref', inputs: [json({ ref: 'x/y', info: { due: 'not-a-date', done: 'yes' } })] },
  { label: 'bad info for a known ref', inputs: [json({ ref: 'soc/tier1', info: { due: 'not-a-date', done: 'yes' } })] },
  { label: 'extra fields in info', inputs: [json({ ref: 'soc/tier1', info: { ...validInfo, owner: 'mallory' } })] },
  { label: 'info: null for a known ref', inputs: [json({ ref: 'soc/tier1', info: null })] },
  { label: 'ref: 42', inputs: [json({ ref: 42 })] },
  { label: '{}', inputs: [json({})] },
  { label: 'null', inputs: ['null'] },
  { label: 'no input', inputs: [] },
];

/** `p`, or a rejection after `ms` (a wedged workflow never answers). */
function within<T>(p: Promise<T>, what: string, ms = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const crash = /TypeError|ReferenceError|RangeError|Cannot read|is not a function|is not iterable|call stack/;

describe('a raw client sending malformed and hostile payloads to a measure', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-raw-'));
  let worker: Worker;
  let running: Promise<void>;
  let native: NativeConnection;
  let connection: Connection;
  let client: Client;
  let handle: WorkflowHandle;
  let external: Record<string, unknown>;
  const state = () => within(handle.query<MeasureState>('state'), 'state query');

  /** The current run and its history length. */
  const position = async () => {
    const [d, h] = await Promise.all([handle.describe(), handle.fetchHistory()]);
    return { runId: d.runId, events: h.events?.length ?? 0 };
  };

  beforeAll(async () => {
    codec = await startCodecServer({ codec: new EncryptionCodec(TEST_KEYS), port: 0, allowedOrigins: [] });
    native = await NativeConnection.connect({ address: inject('temporalAddress') });
    worker = await createWorker({
      connection: native,
      namespace: 'default',
      keys: TEST_KEYS,
      mail: {
        transport: outboxTransport(path.join(dir, 'outbox')),
        ledger: memoryLedger(),
        from: 'tracker@example.jp',
      },
    });
    running = worker.run();
    ({ connection, client } = await connectDevServer());
    const planFile = path.join(dir, 'plan.json');
    writeFileSync(planFile, JSON.stringify(planDoc));
    const applied = await remediate(['plan', 'apply', planFile, '--as', 'suzuki']);
    if (applied.code !== 0) throw new Error(`plan apply failed: ${applied.stderr}`);
    handle = client.workflow.getHandle(workflowId);
    // Settle: the first workflow tasks have run (the measures start in parallel, so the one this
    // depends on may tell it its dates a moment later) and the history has stopped growing for a second.
    let last = -1;
    let stable = 0;
    for (let i = 0; i < 80 && stable < 4; i++) {
      const p = await position().catch(() => undefined);
      await state().catch(() => undefined);
      stable = p && p.events === last ? stable + 1 : 0;
      last = p?.events ?? -1;
      await new Promise((r) => setTimeout(r, 250));
    }
    external = (await state()).external;
    expect(Object.keys(external)).toEqual(['soc/tier1']);
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await connection?.close();
    await native?.close();
    await codec?.close();
  });

  describe.each([
    ['not an object', notAnObject],
    ['malformed', malformed],
    ['prototype keys', prototypeKeys],
    ['dates', dates],
    ['amend', amends],
    ['huge text', hugeText],
  ] as const)('refuses %s', (_group, cases) => {
    it.each(cases.map((c) => [c.label, c] as const))('%s', async (_label, c) => {
      const before = await position();
      const inputs = c.file !== undefined ? [] : (c.inputs ?? []);
      const args = ['workflow', 'update', 'execute', '--workflow-id', workflowId, '--name', c.update];
      for (const input of inputs) args.push('--input', input);
      if (c.file !== undefined) {
        const file = path.join(dir, `${c.update}-${Date.now()}.json`);
        writeFileSync(file, JSON.stringify(c.file));
        args.push('--input-file', file);
      }
      const r = await temporal(args);
      const out = `${r.stderr}\n${r.stdout}`.slice(0, 2000);
      expect(r.timedOut, `timed out: ${out}`).toBe(false);
      expect(r.code, `accepted: ${out}`).not.toBe(0);
      expect(out).toMatch(c.names);
      expect(out).toMatch(c.type ?? /type: Refused\b/);
      expect(out).not.toMatch(crash);
      if (c.not) expect(out).not.toMatch(c.not);
      expect(await position(), 'the history grew').toEqual(before);
    });
  });

  describe('drops a bad dependencyChanged signal', () => {
    it.each(signals.map((s) => [s.label, s] as const))('%s', async (_label, s) => {
      const args = ['workflow', 'signal', '--workflow-id', workflowId, '--name', 'dependencyChanged'];
      for (const input of s.inputs) args.push('--input', input);
      const r = await temporal(args);
      expect(r.code, r.stderr).toBe(0);
      // A query is answered after the workflow task that handles the signal.
      expect((await state()).external).toEqual(external);
      const d = await handle.describe();
      expect(d.status.name).toBe('RUNNING');
      const history = await handle.fetchHistory();
      const failed = (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes);
      expect(failed.map((e) => e.workflowTaskFailedEventAttributes?.failure?.message)).toEqual([]);
    });
  });

  it('is still running afterwards, answers its query, and takes valid commands from the same client', async () => {
    expect((await handle.describe()).status.name).toBe('RUNNING');
    const q = await temporal(['workflow', 'query', '--workflow-id', workflowId, '--name', 'state', '-o', 'json']);
    expect(q.code, q.stderr).toBe(0);
    const now = await state();
    expect(now.measure).toMatchObject({ id: 'auth', owner: 'sato' });
    expect(now.program).toMatchObject({ id: program, managers: ['suzuki'], timezone: 'Asia/Tokyo' });
    expect(Object.keys(now.people).sort()).toEqual(Object.keys(people).sort());
    expect(now.policy).toMatchObject({ remindBefore: [7, 1] });
    expect(now.milestones.map((m) => [m.id, m.owner, m.due, m.forecast, m.completed])).toEqual([
      ['head', undefined, addDays(today, 40), undefined, undefined],
      ['tail', undefined, addDays(today, 60), undefined, undefined],
      ['spare', undefined, addDays(today, 80), undefined, undefined],
    ]);
    expect(now.pending).toEqual([]);
    expect(Object.keys(now.external)).toEqual(['soc/tier1']);
    expect(now.actions.map((a) => a.kind)).toEqual(['created']);

    const complete = await temporal([
      'workflow',
      'update',
      'execute',
      '--workflow-id',
      workflowId,
      '--name',
      'complete',
      '--input',
      json({ actor: 'sato', milestone: 'head', evidence: 'CHG-RAW-1' }),
    ]);
    expect(complete.code, complete.stderr).toBe(0);
    const amend = await temporal([
      'workflow',
      'update',
      'execute',
      '--workflow-id',
      workflowId,
      '--name',
      'amend',
      '--input',
      // Without `dependsOn`: the schema's default must apply, not an undefined field in state.
      json({ ...amendBase, milestones: [{ id: 'added', title: title('Added'), due: addDays(today, 100) }] }),
    ]);
    expect(amend.code, amend.stderr).toBe(0);
    const info = { due: addDays(today, 20), forecast: addDays(today, 22), done: false };
    const signal = await temporal([
      'workflow',
      'signal',
      '--workflow-id',
      workflowId,
      '--name',
      'dependencyChanged',
      '--input',
      json({ ref: 'soc/tier1', info }),
    ]);
    expect(signal.code, signal.stderr).toBe(0);

    const after = await state();
    expect(after.milestones.find((m) => m.id === 'head')?.completed).toMatchObject({
      by: 'sato',
      evidence: 'CHG-RAW-1',
      on: today,
    });
    expect(after.milestones.map((m) => m.id)).toEqual(['head', 'tail', 'spare', 'added']);
    expect(after.actions.map((a) => [a.kind, a.actor])).toEqual([
      ['created', 'suzuki'],
      ['completed', 'sato'],
      ['amended', 'suzuki'],
    ]);
    expect(after.external).toEqual({ 'soc/tier1': info });
    expect((await handle.describe()).status.name).toBe('RUNNING');
  });
});
