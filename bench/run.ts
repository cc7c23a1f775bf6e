/**
 * `npm run bench`: speed and memory of the domain's hot paths on examples/ly-2024.yaml, printed as ONE
 * JSON document on stdout (progress goes to stderr). Every timing is also a ratio to a baseline measured
 * in the same run (a JSON round trip of the plan), so numbers compare across machines. Inputs are fixed
 * instants and dates, never the clock. See bench/README.md for the cases and how to read them.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BusinessCalendar } from '../src/domain/calendar';
import { addDays, instantOf } from '../src/domain/dates';
import {
  dueNotifications,
  markDealtWith,
  nextEngineAt,
  recordNotification,
  recordScheduleEnds,
} from '../src/domain/engine';
import type { MeasureState } from '../src/domain/model';
import { parsePlanText, type Plan } from '../src/domain/plan';
import { nextNotificationAt, notificationsBetween } from '../src/domain/planner';
import { simulate, statesFromPlan, type SimAction } from '../src/domain/simulate';
import { measureView } from '../src/domain/view';
import { publicProjection } from '../src/domain/reports/public';
import { updateDocuments } from '../src/domain/reports/update';
import { publicBaseline, reportingState } from '../src/domain/rollup';

const PLAN_FILE = join(__dirname, '..', 'examples', 'ly-2024.yaml');
const SIM_FROM = '2024-04-16';
const SIM_UNTIL = '2027-04-16';
/** A workflow started a year after the guidance: every 2024 date and the 2025-03-31 ones have passed. */
const LATE_START = '2025-04-16';
const MAX_REPS = 11;
const DAY = 86_400_000;
/** The long run of `maxStateBytes10y`: ten years of daily escalation, nothing completed. */
const LONG_FROM = '2024-04-16';
const LONG_YEAR1 = '2025-04-16';
const LONG_UNTIL = '2034-04-16';
/** What a measure state should stay under as a Temporal payload (start input, continue-as-new). */
const STATE_TARGET_BYTES = 65_536;
/** Copies of each measure's state per timed call of the wake-up cost (each wake-up needs a fresh copy). */
const WAKE_COPIES = 10;

/** Completions, a re-plan requested by the owner and approved by a program manager, then its completion. */
const ACTIONS: SimAction[] = [
  {
    at: '2024-06-27T15:00',
    do: 'complete',
    target: 'governance-review/outsourcing-exit-plan',
    as: 'shimizu',
    evidence: 'CORP-2024-041',
  },
  {
    at: '2024-06-28T10:00',
    do: 'complete',
    target: 'governance-review/nomination-committee',
    as: 'shimizu',
    evidence: 'BM-2024-06',
  },
  {
    at: '2024-06-28T16:00',
    do: 'complete',
    target: 'partner-access/outsourcing-block-plan',
    as: 'yamamoto',
    evidence: 'NW-2024-0612',
  },
  {
    at: '2024-09-20T11:00',
    do: 'complete',
    target: 'vendor-pcs/lent-pc-distribution',
    as: 'mori',
    evidence: 'ITAM-2024-0920',
  },
  {
    at: '2024-09-27T17:00',
    do: 'complete',
    target: 'soc-domestic/domestic-tier1-live',
    as: 'matsumoto',
    evidence: 'SOC-2024-0927',
  },
  {
    at: '2024-10-01T10:00',
    do: 'replan',
    target: 'auth-separation/head-company',
    as: 'sato',
    date: '2025-06-30',
    reason: 'directory migration needs a quarter more',
  },
  { at: '2024-10-03T14:00', do: 'approve-replan', target: 'auth-separation/head-company', as: 'suzuki' },
  {
    at: '2024-10-31T12:00',
    do: 'complete',
    target: 'soc-domestic/partner-contract-end',
    as: 'matsumoto',
    evidence: 'LEG-2024-1031',
  },
  {
    at: '2025-06-27T18:00',
    do: 'complete',
    target: 'auth-separation/head-company',
    as: 'sato',
    evidence: 'SEC-2025-0627',
  },
];

interface Timing {
  name: string;
  medianMs: number;
  minMs: number;
  ratio?: number;
  /** Operations in one timed call (medianMs is per call, not per operation). */
  ops: number;
  reps: number;
  /** False when a call is slower than its budget: then it is timed once, without warm-up. */
  warmedUp: boolean;
}

/** Keeps results reachable so the JIT cannot drop the work being timed. */
let _sink: unknown;

/** Progress line on stderr (stdout carries only the JSON). */
const progress = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

/** Four significant digits: enough for ratios that compare across runs. */
const round = (x: number) => Number(x.toPrecision(4));

/** Median of a non-empty list. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Milliseconds of one call of `fn`. */
function once(fn: () => unknown): number {
  const t0 = performance.now();
  _sink = fn();
  return performance.now() - t0;
}

/**
 * Samples of `fn`: one warm-up call, then timed calls until `budgetMs` is spent (at least 1, at most
 * MAX_REPS). A warm-up slower than the budget is the single, cold sample: such a case is not repeated.
 */
function sample(fn: () => unknown, budgetMs: number): { ms: number[]; warmedUp: boolean } {
  const first = once(fn);
  if (first >= budgetMs) return { ms: [first], warmedUp: false };
  const ms: number[] = [];
  const end = performance.now() + budgetMs;
  do ms.push(once(fn));
  while (ms.length < MAX_REPS && performance.now() < end);
  return { ms, warmedUp: true };
}

/** A timing from samples. */
function timing(name: string, ops: number, s: { ms: number[]; warmedUp: boolean }): Timing {
  const t = {
    name,
    medianMs: round(median(s.ms)),
    minMs: round(Math.min(...s.ms)),
    ops,
    reps: s.ms.length,
    warmedUp: s.warmedUp,
  };
  progress(`${name}: median ${t.medianMs} ms, min ${t.minMs} ms, ${t.reps} rep(s)`);
  return t;
}

/** `global.gc`, switched on at run time when node was started without --expose-gc. */
function findGc(): (() => void) | undefined {
  const exposed = global.gc;
  if (exposed) return () => exposed();
  try {
    setFlagsFromString('--expose-gc');
    const gc: unknown = runInNewContext('gc');
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

/** Heap bytes retained per item of what `build` returns: heapUsed after a full GC, before and after building. */
function retainedPerItem(build: () => unknown[], gc: (() => void) | undefined): number {
  gc?.();
  gc?.();
  const before = process.memoryUsage().heapUsed;
  const items = build();
  gc?.();
  gc?.();
  const after = process.memoryUsage().heapUsed;
  _sink = items;
  return Math.round((after - before) / items.length);
}

/** UTF-8 bytes of `x` as JSON: what a Temporal payload (start input, continue-as-new) carries. */
const jsonBytes = (x: unknown) => Buffer.byteLength(JSON.stringify(x));

/** The states of a run over [from, until) with every notification recorded as the workflow records it (no actions). */
function statesAfter(plan: Plan, from: number, until: number): MeasureState[] {
  const states = statesFromPlan(plan, from);
  for (const s of states) {
    for (const n of notificationsBetween(s, from, until)) {
      recordNotification(s, n, n.to.length ? undefined : 'no recipients');
    }
  }
  return states;
}

/** The plan with every policy escalating every business day (keeping a ladder) and no milestone completed. */
function dailyEscalationPlan(plan: Plan): Plan {
  const p = structuredClone(plan);
  for (const policy of Object.values(p.policies)) {
    policy.repeatEveryBusinessDays = 1;
    if (policy.escalation.length === 0) policy.escalation = [{ afterBusinessDays: 1, notify: ['owner', 'manager'] }];
  }
  for (const m of p.measures) for (const ms of m.milestones) delete ms.completed;
  return p;
}

/**
 * Runs each state's engine loop as the measure workflow does, over [from, until): wake at `nextEngineAt`,
 * `recordScheduleEnds`, `dueNotifications`, `markDealtWith`, then `recordNotification` for each (failed
 * with 'no recipients' when nobody is to be told). Calls `snapshot(k)` when the run reaches `marks[k]`.
 * Returns the number of wake-ups.
 */
function runEngine(states: MeasureState[], until: number, marks: number[], snapshot: (k: number) => void): number {
  let wakes = 0;
  let k = 0;
  const wake = new Map(states.map((s) => [s, nextEngineAt(s) ?? Infinity]));
  for (;;) {
    const now = Math.min(...wake.values());
    while (k < marks.length && (marks[k] as number) <= Math.min(now, until)) snapshot(k++);
    if (now >= until) break;
    for (const [state, at] of wake) {
      if (at !== now) continue;
      wakes++;
      recordScheduleEnds(state, now);
      const due = dueNotifications(state, now);
      markDealtWith(state, now);
      for (const n of due) recordNotification(state, n, n.to.length ? undefined : 'no recipients');
      wake.set(state, nextEngineAt(state) ?? Infinity);
    }
  }
  while (k < marks.length) snapshot(k++);
  return wakes;
}

/** UTF-8 JSON bytes of each top-level key of `state`, largest first. */
function bytesByKey(state: MeasureState): Record<string, number> {
  const entries = Object.entries(state).map(([key, value]) => [key, jsonBytes(value)] as const);
  return Object.fromEntries(entries.sort((a, b) => b[1] - a[1]));
}

/** Ten years of the daily-escalation plan: state sizes at the end, and JSON snapshots at year 1 and year 10. */
function tenYears(plan: Plan) {
  const zone = plan.program.timezone;
  const daily = dailyEscalationPlan(plan);
  const from = instantOf(LONG_FROM, '00:00', zone);
  const year1 = instantOf(LONG_YEAR1, '00:00', zone);
  const until = instantOf(LONG_UNTIL, '00:00', zone);
  const states = statesFromPlan(daily, from);
  const snaps: string[][] = [];
  const t0 = performance.now();
  const wakes = runEngine(states, until, [year1, until], () => snaps.push(states.map((s) => JSON.stringify(s))));
  const seconds = round((performance.now() - t0) / 1000);
  progress(`engine loop ${LONG_FROM}..${LONG_UNTIL}: ${wakes} wake-ups in ${seconds} s`);

  const bytes = states.map(jsonBytes);
  const largest = Math.max(...bytes);
  const biggest = states[bytes.indexOf(largest)] as MeasureState;
  const total = bytes.reduce((a, b) => a + b, 0);
  const dealtWith = states.reduce((a, s) => a + s.notifications.total, 0);
  const failed = states.reduce((a, s) => a + s.notifications.failed, 0);
  const withinTarget = largest <= STATE_TARGET_BYTES;
  progress(`largest state after 10 years: ${biggest.measure.id}, ${largest} bytes (target ${STATE_TARGET_BYTES})`);
  return {
    report: {
      plan: 'examples/ly-2024.yaml, every policy with repeatEveryBusinessDays: 1 (ladders kept), nothing completed',
      from: LONG_FROM,
      until: LONG_UNTIL,
      largest: { measure: biggest.measure.id, bytes: largest },
      total,
      targetBytes: STATE_TARGET_BYTES,
      withinTarget,
      perMeasure: Object.fromEntries(states.map((s, i) => [s.measure.id, bytes[i]])),
      largestBytesByKey: bytesByKey(biggest),
      notificationsDealtWith: dealtWith,
      notificationsFailed: failed,
      recentKept: biggest.notifications.recent.length,
      actions: biggest.actions.length,
      wakeUps: wakes,
      runSeconds: seconds,
    },
    snapshots: { year1: snaps[0] ?? [], year10: snaps[1] ?? [] },
  };
}

/**
 * One engine wake-up of each measure at its next slot instant, from a JSON snapshot: `dueNotifications`,
 * `markDealtWith`, `nextEngineAt` on a fresh copy (the copies are parsed before the timing, since
 * `dueNotifications` may change the state). One call does WAKE_COPIES wake-ups of every measure.
 */
function wakeCase(
  name: string,
  snapshot: string[],
): { name: string; ops: number; budgetMs: number; fn: () => unknown } {
  const slots = snapshot.map((j) => nextEngineAt(JSON.parse(j) as MeasureState));
  const pool = Array.from({ length: MAX_REPS + 1 }, () =>
    Array.from({ length: WAKE_COPIES }, () => snapshot.map((j) => JSON.parse(j) as MeasureState)).flat(),
  );
  return {
    name,
    ops: snapshot.length * WAKE_COPIES,
    budgetMs: 1000,
    fn: () => {
      const copies = pool.pop();
      if (!copies) throw new Error(`${name}: more calls than prepared copies`);
      return copies.map((s, i) => {
        const at = slots[i % snapshot.length];
        if (at === undefined) return undefined;
        const due = dueNotifications(s, at);
        markDealtWith(s, at);
        return [due, nextEngineAt(s)];
      });
    },
  };
}

/** Memory: heap per state (as built from the plan, and as a workflow holds it after deserializing) and payload sizes. */
function memory(plan: Plan): Record<string, unknown> {
  const zone = plan.program.timezone;
  const start = instantOf(SIM_FROM, '00:00', zone);
  const gc = findGc();
  const count = 1000;
  const calls = Math.ceil(count / plan.measures.length);
  _sink = statesFromPlan(plan, start); // warm caches (calendar, time zone) outside the measurement
  const shared = retainedPerItem(() => Array.from({ length: calls }, () => statesFromPlan(plan, start)).flat(), gc);
  const json = statesFromPlan(plan, start).map((s) => JSON.stringify(s));
  const own = retainedPerItem(
    () => Array.from({ length: calls }, () => json.map((j) => JSON.parse(j) as MeasureState)).flat(),
    gc,
  );

  const planBytes = jsonBytes(plan);
  const size = (states: MeasureState[]) => {
    const bytes = states.map(jsonBytes);
    const largest = Math.max(...bytes);
    const total = bytes.reduce((a, b) => a + b, 0);
    return {
      largest: {
        measure: states[bytes.indexOf(largest)]?.measure.id,
        bytes: largest,
        ratio: round(largest / planBytes),
      },
      total: { bytes: total, ratio: round(total / planBytes) },
      sentRecords: states.reduce((a, s) => a + s.notifications.total, 0),
    };
  };
  return {
    method: gc
      ? 'process.memoryUsage().heapUsed delta around building the states, after global.gc() (exposed with v8.setFlagsFromString when node lacks --expose-gc)'
      : 'process.memoryUsage().heapUsed delta without gc (not available): includes garbage, an upper bound',
    planJsonBytes: planBytes,
    statesBuilt: calls * plan.measures.length,
    heapBytesPerState: {
      bytes: shared,
      ratio: round(shared / planBytes),
      note: 'states of one plan share its people, policies and titles',
    },
    heapBytesPerDeserializedState: {
      bytes: own,
      ratio: round(own / planBytes),
      note: 'own copy of everything, as a workflow holds its input',
    },
    stateJson: {
      atStart: size(statesFromPlan(plan, start)),
      after3Years: size(statesAfter(plan, start, instantOf(SIM_UNTIL, '00:00', zone))),
    },
  };
}

/** A fixed integer loop: the machine's raw speed, free of allocation and GC. */
function arithmetic(): number {
  let x = 1;
  for (let i = 0; i < 2_000_000; i++) x = (Math.imul(x, 1_103_515_245) + 12_345) | 0;
  return x;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const text = readFileSync(PLAN_FILE, 'utf8');
  const parsed = parsePlanText(text, PLAN_FILE);
  if (!parsed.ok) throw new Error(`${PLAN_FILE} is not a valid plan`);
  const plan = parsed.plan;
  const zone = plan.program.timezone;
  const at = (date: string, time = '00:00') => instantOf(date, time, zone);

  // Ten years of daily escalation first: its snapshots feed the wake-up cases.
  const long = tenYears(plan);

  const JSON_OPS = 100;
  const roundTrip = () => {
    let p: unknown;
    for (let i = 0; i < JSON_OPS; i++) p = JSON.parse(JSON.stringify(plan));
    return p;
  };
  const jsonBefore = sample(roundTrip, 1000);
  const arith = timing('baseline: arithmetic loop (2e6 iterations)', 1, sample(arithmetic, 500));

  const simOpts = { from: at(SIM_FROM), until: at(SIM_UNTIL) };
  const late = statesFromPlan(plan, at(LATE_START));
  // Wake-ups every 13 weeks over the two years after the late start, at the 09:00 notification slot.
  const wakeups = Array.from({ length: 8 }, (_, k) => at(addDays(LATE_START, 91 * k), '09:00'));
  const now = at(LATE_START, '09:00');
  const cal = new BusinessCalendar(plan.program.calendar, plan.program.closedDates);
  const dates = Array.from({ length: 1000 }, (_, i) => addDays(SIM_FROM, i));

  // The roll-up reads reporting states; the previous update's baseline is the plan as it started.
  const rolled = late.map((st) => reportingState(st));
  const aged10 = long.snapshots.year10.map((j) => JSON.parse(j) as MeasureState);
  const baseline = publicBaseline(publicProjection(statesFromPlan(plan, at(SIM_FROM)), at(SIM_FROM), plan.program));
  const cases: Array<{ name: string; ops: number; budgetMs: number; fn: () => unknown }> = [
    {
      name: 'parsePlanText ly-2024.yaml',
      ops: 10,
      budgetMs: 1500,
      fn: () => Array.from({ length: 10 }, () => parsePlanText(text)),
    },
    {
      name: `simulate ${SIM_FROM}..${SIM_UNTIL}, no actions`,
      ops: 1,
      budgetMs: 3000,
      fn: () => simulate(plan, simOpts),
    },
    {
      name: `simulate ${SIM_FROM}..${SIM_UNTIL}, ${ACTIONS.length} actions`,
      ops: 1,
      budgetMs: 3000,
      fn: () => simulate(plan, { ...simOpts, actions: ACTIONS }),
    },
    {
      name: `nextNotificationAt, 8 measures started ${LATE_START} x ${wakeups.length} wake-ups`,
      ops: late.length * wakeups.length,
      budgetMs: 1500,
      fn: () => late.map((s) => wakeups.map((t) => nextNotificationAt(s, t))),
    },
    {
      name: `notificationsBetween(t, t+1 day), 8 measures started ${LATE_START} x ${wakeups.length} wake-ups`,
      ops: late.length * wakeups.length,
      budgetMs: 1500,
      fn: () => late.map((s) => wakeups.map((t) => notificationsBetween(s, t, t + DAY))),
    },
    wakeCase(
      `engine wake-up (dueNotifications + nextEngineAt), 8 measures aged 1 year x ${WAKE_COPIES}`,
      long.snapshots.year1,
    ),
    wakeCase(
      `engine wake-up (dueNotifications + nextEngineAt), 8 measures aged 10 years x ${WAKE_COPIES}`,
      long.snapshots.year10,
    ),
    {
      name: 'measureView of 8 measures x 50',
      ops: late.length * 50,
      budgetMs: 1000,
      fn: () => Array.from({ length: 50 }, () => late.map((s) => measureView(s, now))),
    },
    {
      name: 'reportingState (the memo snapshot) of 8 measures aged 10 years',
      ops: long.snapshots.year10.length,
      budgetMs: 1000,
      fn: () => aged10.map((st) => reportingState(st)),
    },
    {
      name: 'updateDocuments (public ja/en with chart, regulator md/html/csv/json/oscal), 8 measures',
      ops: 1,
      budgetMs: 3000,
      fn: () => updateDocuments(rolled, now, plan.program, '2025-04', baseline),
    },
    {
      name: 'addBusinessDays(date, 1..10) over 1000 dates',
      ops: dates.length,
      budgetMs: 1000,
      fn: () => dates.map((d, i) => cal.addBusinessDays(d, 1 + (i % 10))),
    },
  ];
  const timings = cases.map((c) => timing(c.name, c.ops, sample(c.fn, c.budgetMs)));

  // The baseline is timed before and after the cases, and pooled, so a drift in machine speed shows less.
  const jsonAfter = sample(roundTrip, 1000);
  const json = timing(`baseline: JSON.parse(JSON.stringify(plan)) x ${JSON_OPS}`, JSON_OPS, {
    ms: [...jsonBefore.ms, ...jsonAfter.ms],
    warmedUp: true,
  });
  const results = timings.map((t) => ({ ...t, ratio: round(t.medianMs / json.medianMs) }));

  const wake1 = results.find((t) => t.name.includes('aged 1 year'));
  const wake10 = results.find((t) => t.name.includes('aged 10 years'));
  const wakeCostGrowth10yOver1y = wake1 && wake10 ? round(wake10.medianMs / wake1.medianMs) : undefined;

  const mem = memory(plan);
  _sink = undefined;
  const doc = {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: { count: cpus().length, model: cpus()[0]?.model ?? 'unknown' },
    baseline: { ratioUnit: json.name, json, arithmetic: { ...arith, ratio: round(arith.medianMs / json.medianMs) } },
    results,
    maxStateBytes10y: long.report.largest.bytes,
    stateBytes10y: long.report,
    wakeCostByAge: { year1: wake1, year10: wake10 },
    wakeCostGrowth10yOver1y,
    memory: mem,
    totalSeconds: round((performance.now() - t0) / 1000),
  };
  // `--engine`: also the engine on real servers (bench/engine.ts, loaded only then), in the same document.
  const engine = process.argv.includes('--engine') ? { engine: await (await import('./engine')).runEngineBench() } : {};
  process.stdout.write(`${JSON.stringify({ ...doc, ...engine }, null, 2)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
