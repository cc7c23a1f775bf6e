/**
 * `npm run bench -- --engine`: the engine on real servers, as bench/README.md ("Engine") describes. A
 * fresh in-memory Temporal dev server on its own port (the custom search attributes registered, as for
 * `remediate dev`), a loopback SMTP server and an in-process worker built with `createWorker` (SMTP
 * through `smtpTransport`), then the time-skipping test server for five years of the example plan.
 * Every figure is a ratio to a reference measured on the same server in the same run, or a bound with
 * its target. Progress goes to stderr; run.ts puts the result under `engine` in its one JSON document.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { fileLedger, smtpTransport, type MailTransport, type SentLedger } from '../src/activities/mail';
import { createRollupActivities, listReportingStates, LISTING_PAGE_SIZE } from '../src/activities/rollup';
import { encryptedDataConverter } from '../src/client/codec';
import * as tracker from '../src/client/tracker';
import { applyPlan, readPlanFile } from '../src/client/tracker';
import { dateOf } from '../src/domain/dates';
import * as limits from '../src/domain/limits';
import { LIMITS } from '../src/domain/limits';
import { measureWorkflowId, runningMeasuresQuery, TASK_QUEUE } from '../src/domain/names';
import type { Plan } from '../src/domain/plan';
import { periodOf } from '../src/domain/rollup';
import { prepareTemporal } from '../src/client/setup';
import { serverSchemaDir, startCluster } from '../src/local/cluster';
import { startDevServer } from '../src/local/dev-server';
import { repoRoot, temporalCliPath, temporalServerDir, testServerPath } from '../src/local/tools';
import type { EncryptionKeys } from '../src/settings';
import * as workerModule from '../src/worker';
import { createWorker } from '../src/worker';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../src/workflows/search-attributes';
import {
  BENCH_ACTOR,
  eachLimited,
  quantile,
  randomKeys,
  runBurst,
  runId,
  settledMeasuresQuery,
  startSmtpReceiver,
  syntheticPlans,
  waitSettled,
  type SmtpReceiver,
} from './burst';

const ZONE = 'Asia/Tokyo';
const SMALL = 1000;
const LARGE = 10_000;
const BURST = 1000;
/** How far ahead the burst's slot lies when the small phase has not measured the worker's pace. */
const BURST_AHEAD_MS = 150_000;
/** Client-side concurrency of the empty starts when the tracker exports no limit of its own. */
const DEFAULT_START_CONCURRENCY = 32;
const HISTORY_YEARS = 5;
const DAY_MS = 86_400_000;
const MIB = 1024 * 1024;
/** How long the 10,000 measures may take to run their first workflow task, and how often their worker process may be restarted. */
const LARGE_SETTLE_MS = 20 * 60_000;
const LARGE_RESTARTS = 2;
const TARGETS = {
  startRatio: '>= 0.8',
  reapplyRatio: '<= 3',
  rollupRatio: '<= 1.5',
  burst: 'acceptedWithinSeconds <= 60 and medianLagSeconds < 10',
  historyEventsMax5y: '< 2000',
};

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;
const seconds = (ms: number) => round(ms / 1000, 3);
const progress = (line: string) => process.stderr.write(`bench engine: ${line}\n`);

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** Median of `reps` timings of `fn`, with all of them. */
async function medianOf(reps: number, fn: () => Promise<unknown>): Promise<{ medianMs: number; ms: number[] }> {
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) ms.push((await timed(fn)).ms);
  return {
    medianMs: round(
      quantile(
        [...ms].sort((a, b) => a - b),
        0.5,
      ),
      1,
    ),
    ms: ms.map((m) => round(m, 1)),
  };
}

/**
 * The client-side concurrency of `applyPlan`'s starts, if the tracker (or the limits) exports one: the
 * empty starts use the same, so the ratio compares like with like.
 */
function startConcurrency(): { value: number; source: string } {
  const modules: Array<[string, Record<string, unknown>]> = [
    ['src/client/tracker.ts', tracker],
    ['src/domain/limits.ts', limits],
  ];
  for (const [name, mod] of modules)
    for (const [key, value] of Object.entries(mod)) {
      if (typeof value === 'number' && /concurren/i.test(key)) return { value, source: `${name} ${key}` };
      if (value && typeof value === 'object')
        for (const [k, v] of Object.entries(value as Record<string, unknown>))
          if (typeof v === 'number' && /(apply|start).*concurren|concurren.*(apply|start)/i.test(k))
            return { value: v, source: `${name} ${key}.${k}` };
    }
  return {
    value: DEFAULT_START_CONCURRENCY,
    source: `bench default: neither src/client/tracker.ts nor src/domain/limits.ts exports a start concurrency`,
  };
}

/** Every page of a visibility listing through the client (memos decoded by the SDK, as any reader gets them). */
async function listAll(client: Client, query: string, pageSize?: number): Promise<number> {
  let n = 0;
  for await (const _ of client.workflow.list({ query, ...(pageSize ? { pageSize } : {}) })) n++;
  return n;
}

/** Starts `count` workflows of a type no worker knows on a queue no worker polls: a start and nothing else. */
async function emptyStarts(client: Client, run: string, from: number, count: number, concurrency: number) {
  const ids = Array.from({ length: count }, (_, i) => `bench-empty/${run}/${from + i}`);
  const { ms } = await timed(() =>
    eachLimited(ids, concurrency, (workflowId) =>
      client.workflow.start('benchEmptyWorkflow', { taskQueue: `bench-empty-${run}`, workflowId }),
    ),
  );
  return { count, seconds: seconds(ms), perSecond: round(count / (ms / 1000), 1) };
}

/** A transport that accepts everything and keeps a count (the five years on the test server). */
function countingTransport(): MailTransport & { count(): number } {
  let n = 0;
  return { send: async () => void n++, count: () => n };
}

function memoryLedger(): SentLedger {
  const keys = new Set<string>();
  return { has: async (k) => keys.has(k), add: async (k) => void keys.add(k) };
}

/** The worker and what it needs, on the bench's dev server. */
interface BenchWorker {
  worker: Worker;
  run(): void;
  stop(): Promise<void>;
}

async function benchWorker(opts: {
  address: string;
  keys: EncryptionKeys;
  smtp: SmtpReceiver;
  dir: string;
}): Promise<BenchWorker> {
  const connection = await NativeConnection.connect({ address: opts.address });
  const transport = smtpTransport(opts.smtp.url);
  const worker = await createWorker({
    connection,
    namespace: 'default',
    varDir: opts.dir,
    keys: opts.keys,
    mail: { transport, ledger: fileLedger(join(opts.dir, 'sent-ledger')), from: 'tracker@example.jp' },
  });
  let running: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  return {
    worker,
    run: () => {
      running ??= worker.run();
    },
    stop: () =>
      (stopped ??= (async () => {
        if (running) {
          worker.shutdown();
          await running;
        }
        await transport.close?.();
        await connection.close();
      })()),
  };
}

/** §5 startRatio: `applyPlan` of a new plan against empty starts, same client, server, concurrency, run. */
async function startPhase(client: Client, plan: Plan, run: string) {
  const concurrency = startConcurrency();
  progress(`starts: client-side concurrency ${concurrency.value} (${concurrency.source})`);
  await emptyStarts(client, run, 0, 100, concurrency.value); // warm-up: connection, JIT
  const before = await emptyStarts(client, run, 100, SMALL / 2, concurrency.value);
  const apply = await timed(() => applyPlan(client, plan, BENCH_ACTOR));
  const after = await emptyStarts(client, run, 100 + SMALL / 2, SMALL / 2, concurrency.value);
  const started = apply.value.started.length;
  if (started !== plan.measures.length) throw new Error(`applyPlan started ${started} of ${plan.measures.length}`);
  const applyPerSecond = started / (apply.ms / 1000);
  const emptyPerSecond = (before.count + after.count) / (before.seconds + after.seconds);
  progress(
    `starts: applyPlan ${round(applyPerSecond, 1)}/s (${seconds(apply.ms)} s), empty ${round(emptyPerSecond, 1)}/s`,
  );
  return {
    startRatio: round(applyPerSecond / emptyPerSecond),
    start: {
      measures: started,
      applySeconds: seconds(apply.ms),
      applyPerSecond: round(applyPerSecond, 1),
      emptyPerSecond: round(emptyPerSecond, 1),
      emptyRuns: [before, after],
      concurrency,
      method:
        'applyPlan of a new plan (parsePlanText of generated plan-file text) while no worker polls yet; the empty starts are of a workflow type no worker registers, on a task queue no worker polls (a start needs no worker), half before and half after, with the same client and the same concurrency',
    },
  };
}

/** §5 reapplyRatio: `applyPlan` of the unchanged plan against one listing of its workflows (all pages). */
async function reapplyPhase(client: Client, plan: Plan) {
  const query = runningMeasuresQuery(plan.program.id);
  await listAll(client, query); // warm-up
  const again = await timed(() => applyPlan(client, plan, BENCH_ACTOR));
  const r = again.value;
  if (r.started.length || r.amended.length)
    throw new Error(`re-apply changed something: ${r.started.length} started, ${r.amended.length} amended`);
  const listing = await medianOf(3, () => listAll(client, query));
  progress(`re-apply: ${seconds(again.ms)} s; listing ${listing.medianMs} ms`);
  return {
    reapplyRatio: round(again.ms / listing.medianMs),
    reapply: {
      measures: r.unchanged.length,
      seconds: seconds(again.ms),
      listingMs: listing,
      program: r.rollup.program,
      method:
        'applyPlan of the unchanged plan / client.workflow.list of the same running measures, all pages (median of 3)',
    },
  };
}

/** §5 rollupRatio: the compileDraft activity, in this process with this client, against the raw listing. */
async function rollupPhase(
  client: Client,
  plan: Plan,
  rollup: ReturnType<typeof createRollupActivities>,
  revisions: number,
) {
  const program = plan.program.id;
  const query = runningMeasuresQuery(program);
  const period = periodOf(Date.now(), plan.program.timezone, 'month');
  const raw = await medianOf(3, () => listAll(client, query, LISTING_PAGE_SIZE));
  const reporting = await medianOf(revisions > 1 ? 3 : 1, () => listReportingStates(client, program));
  const compiles: number[] = [];
  let last: Awaited<ReturnType<typeof rollup.compileDraft>> | undefined;
  for (let n = 1; n <= revisions; n++) {
    const c = await timed(() => rollup.compileDraft({ program, period, revision: n }));
    compiles.push(round(c.ms, 1));
    last = c.value;
  }
  // With more than one revision the first is a warm-up (module loading, JIT).
  const compileMs = compiles[compiles.length - 1] ?? NaN;
  progress(
    `roll-up of ${plan.measures.length}: compile ${round(compileMs)} ms, raw listing ${raw.medianMs} ms, listReportingStates ${reporting.medianMs} ms`,
  );
  return {
    ratio: round(compileMs / raw.medianMs),
    detail: {
      measures: last?.revision.measures,
      compileMs: compiles,
      rawListingMs: raw,
      listReportingStatesMs: reporting,
      pages: last?.listing.pages,
      queried: last?.listing.queried,
      changes: last?.revision.changes,
    },
  };
}

/** §5 historyEventsMax5y: the example plan for five years on the time-skipping server; events of each run. */
async function historyPhase(keys: EncryptionKeys, dir: string) {
  const dataConverter = encryptedDataConverter(keys);
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerPath(repoRoot) } },
    client: { dataConverter },
  });
  const transport = countingTransport();
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  try {
    await env.connection.operatorService.addSearchAttributes({
      namespace: 'default',
      searchAttributes: Object.fromEntries(
        SEARCH_ATTRIBUTE_REGISTRATIONS.map((r) => [
          r.name,
          r.cliType === 'Keyword'
            ? temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
            : temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
        ]),
      ),
    });
    worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      varDir: dir,
      keys,
      mail: { transport, ledger: memoryLedger(), from: 'tracker@example.jp' },
    });
    running = worker.run();
    const plan = readPlanFile(join(repoRoot, 'examples', 'ly-2024.yaml'));
    const client = env.client;
    const from = await env.currentTimeMs();
    await applyPlan(client, plan, plan.program.managers[0] ?? BENCH_ACTOR);
    const t0 = performance.now();
    const until = from + Math.round(HISTORY_YEARS * 365.25) * DAY_MS;
    // In steps of a quarter, so progress shows and no single skip has to cover years of timers.
    for (let at = from; at < until;) {
      at = Math.min(until, at + 91 * DAY_MS);
      await env.sleep(at - (await env.currentTimeMs()));
      progress(`history: ${dateOf(await env.currentTimeMs(), ZONE)}, ${transport.count()} emails so far`);
    }
    const skipSeconds = seconds(performance.now() - t0);

    // Histories may pass gRPC's default 4 MB message: read them in pages, on a connection that takes more.
    const reader = await Connection.connect({
      address: env.address,
      channelArgs: { 'grpc.max_receive_message_length': 256 * MIB },
    });
    const eventsOf = async (workflowId: string, runId: string) => {
      const events: temporal.api.history.v1.IHistoryEvent[] = [];
      let nextPageToken: Uint8Array | undefined;
      do {
        const page = await reader.workflowService.getWorkflowExecutionHistory({
          namespace: 'default',
          execution: { workflowId, runId },
          maximumPageSize: 1000,
          nextPageToken,
        });
        events.push(...(page.history?.events ?? []));
        nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
      } while (nextPageToken);
      return events;
    };
    const perMeasure: Record<string, { runs: number; maxEventsPerRun: number; totalEvents: number }> = {};
    let max = { measure: '', events: 0, run: 0, types: {} as Record<string, number> };
    for (const m of plan.measures) {
      const workflowId = measureWorkflowId(plan.program.id, m.id);
      let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
      const counts: number[] = [];
      while (runId) {
        const events = await eventsOf(workflowId, runId);
        counts.push(events.length);
        if (events.length > max.events) {
          const types: Record<string, number> = {};
          for (const e of events) {
            const name = temporal.api.enums.v1.EventType[e.eventType ?? 0] ?? String(e.eventType);
            types[name] = (types[name] ?? 0) + 1;
          }
          max = { measure: m.id, events: events.length, run: 0, types };
        }
        runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
      }
      counts.reverse();
      if (max.measure === m.id && max.run === 0) max.run = counts.indexOf(max.events) + 1;
      perMeasure[m.id] = {
        runs: counts.length,
        maxEventsPerRun: Math.max(...counts),
        totalEvents: counts.reduce((a, b) => a + b, 0),
      };
    }
    await reader.close();
    const largestTypes = Object.fromEntries(Object.entries(max.types).sort((a, b) => b[1] - a[1]));
    progress(`history: at most ${max.events} events in one run (${max.measure}), ${skipSeconds} s of skipping`);
    return {
      historyEventsMax5y: max.events,
      history: {
        plan: 'examples/ly-2024.yaml, started on the test server at the current time, nothing completed after start',
        from: new Date(from).toISOString(),
        years: HISTORY_YEARS,
        largest: { measure: max.measure, run: max.run, events: max.events, byType: largestTypes },
        perMeasure,
        emails: transport.count(),
        skipSeconds,
        server:
          "Temporal's time-skipping test server (.tools/temporal-test-server-*); a run ends where the workflow continued as new",
      },
    };
  } finally {
    worker?.shutdown();
    await running;
    await env.teardown();
  }
}

/** The phases of the engine bench; `--engine-only=<phase>,...` runs some of them (while working on one). */
export const ENGINE_PHASES = ['small', 'burst', 'large', 'history'] as const;
type Phase = (typeof ENGINE_PHASES)[number];

function phasesOf(argv: readonly string[]): ReadonlySet<Phase> {
  const arg = argv.find((a) => a.startsWith('--engine-only='));
  if (!arg) return new Set(ENGINE_PHASES);
  const wanted = arg.slice('--engine-only='.length).split(',');
  const bad = wanted.filter((w) => !(ENGINE_PHASES as readonly string[]).includes(w));
  if (bad.length)
    throw new Error(`--engine-only: unknown phase ${bad.join(', ')} (phases: ${ENGINE_PHASES.join(', ')})`);
  return new Set(wanted as Phase[]);
}

/** Terminates the running measures of `program` (so that the next phase's program is the only one open). */
async function terminateProgram(client: Client, program: string): Promise<number> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query: runningMeasuresQuery(program) })) ids.push(wf.workflowId);
  await eachLimited(ids, 32, (id) => client.workflow.getHandle(id).terminate('bench: the next phase runs alone'));
  return ids.length;
}

/** The whole engine bench; the JSON that run.ts prints under `engine`. */
export async function runEngineBench(argv: readonly string[] = process.argv): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const phases = phasesOf(argv);
  // SDK logs, the native core's included, to stderr, warnings and errors only: stdout carries nothing but the JSON.
  Runtime.install({
    logger: new DefaultLogger('WARN'),
    telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
  });
  const run = runId();
  const dir = mkdtempSync(join(tmpdir(), 'remediate-bench-engine-'));
  const keys = randomKeys();
  const today = dateOf(Date.now(), ZONE);
  const quiet = (program: string, measures: number): Plan => {
    const plans = syntheticPlans({
      program,
      measures,
      zone: ZONE,
      calendar: 'jp',
      notifyAt: '09:00',
      shape: 'quiet',
      today,
    });
    if (plans.length !== 1 || !plans[0])
      throw new Error(`LIMITS.measures is ${LIMITS.measures}: the engine bench needs one plan of ${measures} measures`);
    return plans[0];
  };
  const out: Record<string, unknown> = { phases: [...phases] };
  try {
    // A phase that fails is reported under `errors`; the others still run.
    const errors: string[] = [];
    const failed = (phase: string) => (err: unknown) => {
      progress(`${phase} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      errors.push(`${phase}: ${String(err)}`);
      return {};
    };
    const serverPhases = phases.has('small') || phases.has('burst') || phases.has('large');
    const history = phases.has('history') ? await historyPhase(keys, dir).catch(failed('history')) : {};
    if (!argv.includes('--cluster')) {
      if (serverPhases)
        Object.assign(
          out,
          await serverPhasesOn(devServer(), { phases, run, dir, keys, quiet, out }).catch(failed('dev server phases')),
        );
      Object.assign(out, history);
    } else {
      // The same phases on the dev server and on a cluster, one after the other (never both at once on
      // the machine), side by side. A cluster cannot skip time: the five years are the test server's,
      // shared by both.
      for (const [name, server] of [
        ['devServer', devServer()],
        ['cluster', cluster()],
      ] as const) {
        const part: Record<string, unknown> = {};
        out[name] = part;
        if (serverPhases)
          Object.assign(
            part,
            await serverPhasesOn(server, { phases, run: `${run}${name[0]}`, dir, keys, quiet, out: part }).catch(
              failed(`${name} phases`),
            ),
          );
        Object.assign(part, history);
      }
    }
    if (errors.length) out.errors = errors;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { ...out, targets: TARGETS, totalSeconds: seconds(performance.now() - t0) };
}

/** A `remediate worker` process (bin/remediate: createWorker, SMTP from SMTP_URL, the file ledger). */
interface WorkerProcess {
  pid: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  lastLines(): string[];
  /** VmRSS and VmHWM (its peak) of the process, in MiB. */
  memory(): { rssMiB: number; peakMiB: number } | undefined;
  stop(): Promise<void>;
}

async function spawnWorkerProcess(env: NodeJS.ProcessEnv): Promise<WorkerProcess> {
  const child = spawn(join(repoRoot, 'bin', 'remediate'), ['worker'], { cwd: repoRoot, env, stdio: 'pipe' });
  const lines: string[] = [];
  let alive = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      alive = false;
      resolve({ code, signal });
    }),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        lines.push(line.slice(0, 400));
        if (lines.length > 40) lines.shift();
        if (line.startsWith('worker on ')) resolve();
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    void exited.then(() => reject(new Error(`remediate worker exited before it ran: ${lines.slice(-5).join(' | ')}`)));
  });
  await ready;
  const pid = child.pid ?? -1;
  return {
    pid,
    exited,
    alive: () => alive,
    lastLines: () => [...lines],
    memory: () => {
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
        return { rssMiB: round(kib('VmRSS') / 1024, 1), peakMiB: round(kib('VmHWM') / 1024, 1) };
      } catch {
        return undefined;
      }
    },
    stop: async () => {
      if (!alive) return;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * 10,000 open measures: the plan applied while a `remediate worker` process polls, until every measure
 * has run its first workflow task (restarting the process if it dies, at most twice); then its memory.
 */
async function largePhase(o: {
  client: Client;
  plan: Plan;
  dir: string;
  keys: ReturnType<typeof randomKeys>;
  address: string;
  smtp: SmtpReceiver;
  /** Runs once every measure has run its first task, while the worker process still serves them. */
  thenWhileServed: () => Promise<void>;
}): Promise<{ out: Record<string, unknown>; workers: Record<string, unknown>; settled: boolean }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...o.keys.env,
    TEMPORAL_ADDRESS: o.address,
    TEMPORAL_NAMESPACE: 'default',
    SMTP_URL: o.smtp.url,
    MAIL_FROM: 'tracker@example.jp',
    REMEDIATE_VAR_DIR: join(o.dir, 'worker-process'),
    REMEDIATE_LOG_LEVEL: 'WARN',
  };
  delete env.REMEDIATE_KEY_FILE;
  delete env.TEMPORAL_PROFILE;
  let wp = await spawnWorkerProcess(env);
  const program = o.plan.program.id;
  const count = async () => (await o.client.workflow.count(settledMeasuresQuery(program))).count;
  const crashes: Array<Record<string, unknown>> = [];
  try {
    progress(`applying ${LARGE} measures (a remediate worker process, pid ${wp.pid}, polling)`);
    const t0 = performance.now();
    const apply = await timed(() => applyPlan(o.client, o.plan, BENCH_ACTOR));
    progress(`applied ${LARGE} in ${seconds(apply.ms)} s`);
    const deadline = Date.now() + LARGE_SETTLE_MS;
    let settled = 0;
    let lastLog = Date.now();
    for (;;) {
      settled = await count();
      if (settled >= LARGE || Date.now() > deadline) break;
      if (!wp.alive()) {
        const exit = await wp.exited;
        crashes.push({
          afterSeconds: seconds(performance.now() - t0),
          settled,
          exit,
          lastLines: wp.lastLines().slice(-6),
        });
        progress(`the worker process died (${exit.signal ?? `exit ${exit.code}`}) with ${settled} settled`);
        if (crashes.length > LARGE_RESTARTS) break;
        wp = await spawnWorkerProcess(env);
      }
      if (Date.now() - lastLog > 30_000) {
        progress(`${settled} of ${LARGE} measures settled`);
        lastLog = Date.now();
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
    const settleMs = performance.now() - t0;
    const all = settled >= LARGE;
    progress(`${settled} of ${LARGE} settled ${seconds(settleMs)} s after the apply began`);
    const mem = wp.memory();
    if (all) await o.thenWhileServed();
    return {
      settled: all,
      out: {
        workerRssMiB: all && crashes.length === 0 ? (mem?.rssMiB ?? null) : null,
        workerMemory: {
          openMeasures: LARGE,
          settled,
          ...mem,
          crashes,
          method: `VmRSS of a \`remediate worker\` process (createWorker, SMTP_URL to the loopback server) once all ${LARGE} measures had run their first workflow task, no other measure open; peakMiB is its VmHWM. null when not all settled or the process had to be restarted`,
        },
      },
      workers: {
        apply10kSeconds: seconds(apply.ms),
        apply10kPerSecond: round(LARGE / (apply.ms / 1000), 1),
        firstTasksPerSecond10k: round(settled / (settleMs / 1000), 1),
        workerProcessRestarts: crashes.length,
        note: "firstTasksPerSecond1k: the 1,000 measures started with no worker, then the in-process worker ran their first tasks; 10k: applied while a worker process polled, counted from the apply's start",
      },
    };
  } finally {
    await wp.stop();
  }
}

/** A Temporal server of the bench's own, with namespace `default` and the custom search attributes. */
interface BenchServer {
  /** What `server` says in the output. */
  label: string;
  start(): Promise<{ address: string; stop(): Promise<void> }>;
}

/** A fresh in-memory dev server (as `remediate dev` starts it, with its dynamic config). */
function devServer(): BenchServer {
  return {
    label: 'Temporal CLI dev server (in memory, SQLite)',
    start: () => startDevServer({ cliPath: temporalCliPath(repoRoot), headless: true }),
  };
}

/**
 * A cluster from nothing (src/local/cluster.ts: PostgreSQL 15 of its own, the four services as separate
 * processes on deploy/temporal/), prepared as an operator does it, with `remediate setup`'s code.
 */
function cluster(): BenchServer {
  return {
    label: 'Temporal server 1.29.1 cluster on PostgreSQL 15 (frontend, history, matching, worker as processes)',
    start: async () => {
      const c = await startCluster({ serverDir: temporalServerDir(repoRoot), schemaDir: await serverSchemaDir() });
      try {
        const connection = await Connection.connect({ address: c.address });
        try {
          await prepareTemporal(connection, 'default', { retentionDays: 1 });
        } finally {
          await connection.close();
        }
      } catch (err) {
        await c.stop();
        throw err;
      }
      return c;
    },
  };
}

/** Everything on one server: starts, re-apply and roll-up at 1,000; the burst; 10,000 open measures. */
async function serverPhasesOn(
  benchServer: BenchServer,
  o: {
    phases: ReadonlySet<Phase>;
    run: string;
    dir: string;
    keys: ReturnType<typeof randomKeys>;
    quiet: (program: string, measures: number) => Plan;
    /** Filled as the phases go, so a failing phase keeps what the ones before it measured. */
    out: Record<string, unknown>;
  },
): Promise<Record<string, unknown>> {
  const { phases, run, dir, keys } = o;
  const small = o.quiet(`bench-${run}-a`, SMALL);
  const generated = await timed(async () => o.quiet(`bench-${run}-b`, LARGE));
  const large = generated.value;
  progress(`plans generated and validated (${LARGE} measures in ${seconds(generated.ms)} s)`);

  let server: { address: string; stop(): Promise<void> } | undefined;
  let smtp: SmtpReceiver | undefined;
  let connection: Connection | undefined;
  let bw: BenchWorker | undefined;
  const out = o.out;
  try {
    server = await benchServer.start();
    out.server = benchServer.label;
    progress(`${benchServer.label} on ${server.address}`);
    connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, namespace: 'default', dataConverter: encryptedDataConverter(keys) });
    smtp = await startSmtpReceiver();
    // createWorker bundles the workflows itself, as `remediate worker` does.
    const created = await timed(() => benchWorker({ address: server!.address, keys, smtp: smtp!, dir }));
    bw = created.value;
    progress(`worker created (workflow bundle included) in ${seconds(created.ms)} s`);
    const workers: Record<string, unknown> = {
      tuning: (workerModule as Record<string, unknown>).WORKER_TUNING ?? 'createWorker sets none (SDK defaults)',
    };
    out.workers = workers;
    const rollup = createRollupActivities({
      transport: { send: async () => undefined },
      ledger: memoryLedger(),
      from: 'tracker@example.jp',
      varDir: dir,
      client: () => client,
    });
    let burstAheadMs = BURST_AHEAD_MS;
    const rollupRatio: Record<string, number> = {};
    const rollupDetail: Record<string, unknown> = {
      method:
        'the compileDraft activity (listReportingStates + updateDocuments + writing the revision) called in this process with this client / client.workflow.list of the same running measures, all pages of LISTING_PAGE_SIZE, memos decoded by the SDK (median of 3); at 1,000 the second of two compiles (the first loads modules and warms up)',
    };
    if (phases.has('small') || phases.has('large')) Object.assign(out, { rollupRatio, rollup: rollupDetail });

    if (phases.has('small')) {
      // Starts, with no worker polling yet.
      Object.assign(out, await startPhase(client, small, run));
      bw.run();
      const firstTasks = await timed(() => waitSettled(client, [small.program.id], SMALL, 300_000));
      progress(`worker: first workflow task of ${SMALL} measures done in ${seconds(firstTasks.ms)} s`);
      workers.firstTasksPerSecond1k = round(SMALL / (firstTasks.ms / 1000), 1);
      const applyPerSecond = (out.start as { applyPerSecond: number }).applyPerSecond;
      // The burst's slot must come after its apply and every first task: estimated from these rates.
      burstAheadMs = Math.min(
        240_000,
        Math.max(45_000, 1.5 * 1000 * (BURST / applyPerSecond + BURST / (SMALL / (firstTasks.ms / 1000))) + 10_000),
      );
      Object.assign(out, await reapplyPhase(client, small));
      const r = await rollupPhase(client, small, rollup, 2);
      rollupRatio[SMALL] = r.ratio;
      rollupDetail[SMALL] = r.detail;
    }
    bw.run();

    if (phases.has('burst')) {
      // What the worker's cache (maxCachedWorkflows) has to hold besides the burst.
      const openBefore = (await client.workflow.count(`ExecutionStatus = 'Running' AND TaskQueue = '${TASK_QUEUE}'`))
        .count;
      const burst = await runBurst({ client, smtp, measures: BURST, aheadMs: burstAheadMs, log: progress });
      out.burst = {
        ...burst,
        otherOpenWorkflowsOnTheWorkersQueue: openBefore,
        method: `one plan of ${BURST} measures on the daily calendar, one milestone each due today at one slot (remindOnDue, one email each), applied before the slot; lag = the loopback SMTP server accepting a reminder minus the slot instant${phases.has('small') ? `; the worker also held the ${SMALL} idle measures of the re-apply` : ''}`,
      };
      for (const p of burst.programs) await terminateProgram(client, p);
    }

    if (phases.has('large')) {
      if (phases.has('small')) await terminateProgram(client, small.program.id);
      // The 10,000 are served by a `remediate worker` process of their own: its RSS is the worker's
      // alone, and should it die, the bench reports it (and restarts it, as a supervisor would).
      await bw.stop();
      const large10k = await largePhase({
        client,
        plan: large,
        dir,
        keys,
        address: server.address,
        smtp,
        thenWhileServed: async () => {
          try {
            const r = await rollupPhase(client, large, rollup, 1);
            rollupRatio[LARGE] = r.ratio;
            rollupDetail[LARGE] = r.detail;
          } catch (err) {
            rollupDetail[LARGE] = `failed: ${String(err)}`;
          }
        },
      });
      Object.assign(out, large10k.out);
      Object.assign(workers, large10k.workers);
      if (!large10k.settled)
        rollupDetail[LARGE] = 'not measured: the measures did not all run their first workflow task';
    }
  } finally {
    await bw?.stop();
    await connection?.close();
    await smtp?.close();
    await server?.stop();
  }
  return out;
}
