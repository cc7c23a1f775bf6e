/**
 * The harness shared by `npm run bench -- --engine` (bench/engine.ts) (and, once it holds under load, a burst test of the suite):
 * synthetic plans (generated as plan-file text and read with `parsePlanText`, as `plan apply` reads a
 * file), an SMTP receiver on loopback that stamps the instant it accepts each message, the lag of the
 * accepted messages behind their slot, and the 09:00 burst itself (1,000 measures whose reminders share
 * one slot, through whatever worker serves the client's namespace).
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { SMTPServer } from 'smtp-server';
import { applyPlan } from '../src/client/tracker';
import { addDays } from '../src/domain/dates';
import { LIMITS } from '../src/domain/limits';
import { runningMeasuresQuery, SEARCH_ATTRIBUTE } from '../src/domain/names';
import { parsePlanText, type Plan } from '../src/domain/plan';
import { loadSettings, type EncryptionKeys } from '../src/settings';
import { slotSoon } from '../test/support/slots';

/** The program manager of every synthetic plan (`plan apply --as`). */
export const BENCH_ACTOR = 'suzuki';

/** Fresh random encryption keys for a run (nothing of a bench outlives it), and their REMEDIATE_KEYS for a `remediate` process. */
export function randomKeys(): EncryptionKeys & { env: { REMEDIATE_KEYS: string } } {
  const env = { REMEDIATE_KEYS: `bench:${randomBytes(32).toString('base64')}` };
  const keys = loadSettings(env).keys;
  if (!keys) throw new Error('no keys');
  return { ...keys, env };
}

/** A short unique suffix for program ids. */
export const runId = (): string => `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;

const PEOPLE_COUNT = 24;
const personId = (k: number) => `p${String(k).padStart(2, '0')}`;

/** What a synthetic plan looks like. */
export interface SyntheticPlanOptions {
  program: string;
  measures: number;
  /** The program's time zone and calendar. */
  zone: string;
  calendar: 'jp' | 'weekdays' | 'daily';
  /** `notifyAt` of the one policy. */
  notifyAt: string;
  /**
   * `quiet`: 1-3 milestones a measure, due 60-150 days after `today` (reminders 7 days before), some
   * completed, so nothing is sent while a bench runs; `burst`: one milestone a measure due `today`,
   * reminded on its due date only, so every measure's reminder falls on the one slot `today notifyAt`.
   */
  shape: 'quiet' | 'burst';
  today: string;
}

/** Plan-file text (JSON, which is YAML) of a synthetic program: bilingual texts, two dozen people in both languages. */
export function syntheticPlanText(o: SyntheticPlanOptions): string {
  const people: Record<string, { name: string; email: string; manager?: string; lang?: 'en' }> = {
    suzuki: { name: '鈴木 一郎', email: 'suzuki@example.jp' },
    kato: { name: '加藤 四郎', email: 'kato@example.jp' },
  };
  for (let k = 0; k < PEOPLE_COUNT; k++)
    people[personId(k)] = {
      name: k % 3 === 2 ? `Person ${k}` : `担当 ${k} 号`,
      email: `${personId(k)}@example.jp`,
      ...(k >= 4 ? { manager: personId(k % 4) } : {}),
      ...(k % 3 === 2 ? { lang: 'en' as const } : {}),
    };
  const measures = Array.from({ length: o.measures }, (_, i) => {
    const n = String(i).padStart(5, '0');
    const count = o.shape === 'burst' ? 1 : 1 + (i % 3);
    const milestones = Array.from({ length: count }, (_, k) => ({
      id: `step${k + 1}`,
      title: { ja: `段階 ${k + 1}（施策 ${n}）`, en: `Step ${k + 1} of measure ${n}` },
      due: o.shape === 'burst' ? o.today : addDays(o.today, 60 + 30 * k + (i % 60)),
      ...(o.shape === 'quiet' && k === 0 && i % 5 === 0
        ? { completed: { on: addDays(o.today, -3), by: personId(i % PEOPLE_COUNT), evidence: `CHG-${n}` } }
        : {}),
    }));
    return {
      id: `m${n}`,
      title: { ja: `管理領域 ${n} の是正`, en: `Remediate control area ${n}` },
      directiveItems: [`(${(i % 3) + 1})`],
      owner: personId(i % PEOPLE_COUNT),
      sponsor: personId((i + 1) % 4),
      policy: 'standard',
      publicSummary: { ja: `施策 ${n} の概要です。`, en: `Summary of measure ${n}.` },
      internalNotes: `vendor quote for ${n}`,
      milestones,
    };
  });
  const plan = {
    program: {
      id: o.program,
      title: { ja: `性能試験 ${o.program}`, en: `Bench ${o.program}` },
      directive: { ref: 'BENCH-1', issuer: 'MIC', issuedOn: '2024-04-16' },
      timezone: o.zone,
      calendar: o.calendar,
      language: 'ja',
      managers: [BENCH_ACTOR],
      comms: ['kato'],
    },
    people,
    policies: {
      standard: {
        notifyAt: o.notifyAt,
        remindBefore: o.shape === 'burst' ? [] : [7],
        remindOnDue: true,
        escalation: [{ afterBusinessDays: 2, notify: ['owner', 'manager'] }],
      },
    },
    measures,
  };
  return JSON.stringify(plan, null, 1);
}

/** The validated plan of `syntheticPlanText` (throws with the problems if it is refused). */
export function syntheticPlan(o: SyntheticPlanOptions): Plan {
  const r = parsePlanText(syntheticPlanText(o), `${o.program}.json`);
  if (!r.ok)
    throw new Error(
      `synthetic plan refused: ${r.problems
        .slice(0, 5)
        .map((p) => `${p.path}: ${p.en}`)
        .join('; ')}`,
    );
  return r.plan;
}

/**
 * `measures` measures of a synthetic program as one plan, or as several programs of at most
 * `LIMITS.measures` each when a plan may not hold that many (`<program>-1`, `<program>-2`, ...).
 */
export function syntheticPlans(o: SyntheticPlanOptions): Plan[] {
  if (o.measures <= LIMITS.measures) return [syntheticPlan(o)];
  const parts = Math.ceil(o.measures / LIMITS.measures);
  return Array.from({ length: parts }, (_, k) =>
    syntheticPlan({
      ...o,
      program: `${o.program}-${k + 1}`,
      measures: Math.min(LIMITS.measures, o.measures - k * LIMITS.measures),
    }),
  );
}

/** One message the receiver accepted. */
export interface Accepted {
  program: string;
  key: string;
  lang: string;
  /** Date.now() when the server answered 250 to the message's data. */
  acceptedAt: number;
  bytes: number;
}

/** A real SMTP server on loopback that keeps only the headers it needs and the instant of each acceptance. */
export interface SmtpReceiver {
  url: string;
  accepted: Accepted[];
  /** Connections opened so far (a pooled client opens few). */
  connections(): number;
  close(): Promise<void>;
}

/** The value of header `name` (lower case) in a raw message's header block, unfolded. */
function header(head: string, name: string): string {
  const m = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head);
  return m?.[1]?.replace(/\r?\n[ \t]+/g, ' ').trim() ?? '';
}

/**
 * Starts an SMTP server (`smtp-server`) on a free loopback port. It does not parse bodies (the work of a
 * relay, not of a mail client), so it stays cheap next to a worker in the same process.
 */
export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const accepted: Accepted[] = [];
  let connections = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // Pooled clients keep idle connections open: close them at once on close().
    closeTimeout: 500,
    onConnect(_session, callback) {
      connections++;
      callback();
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const end = raw.search(/\r?\n\r?\n/);
        const head = end < 0 ? raw : raw.slice(0, end);
        accepted.push({
          program: header(head, 'x-remediation-program'),
          key: header(head, 'x-remediation-key'),
          lang: header(head, 'content-language'),
          acceptedAt: Date.now(),
          bytes: raw.length,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The `q` quantile (0..1) of sorted numbers (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

/** How far the accepted messages trail the slot they were due at. */
export interface LagStats {
  received: number;
  /** Last acceptance minus the slot instant. */
  acceptedWithinSeconds: number;
  medianLagSeconds: number;
  p90LagSeconds: number;
  firstLagSeconds: number;
}

/** Lag of each acceptance behind `slotAt`, in seconds. */
export function lagStats(acceptedAt: readonly number[], slotAt: number): LagStats {
  const lags = acceptedAt.map((t) => (t - slotAt) / 1000).sort((a, b) => a - b);
  return {
    received: lags.length,
    acceptedWithinSeconds: round(lags[lags.length - 1] ?? NaN),
    medianLagSeconds: round(quantile(lags, 0.5)),
    p90LagSeconds: round(quantile(lags, 0.9)),
    firstLagSeconds: round(lags[0] ?? NaN),
  };
}

/** Runs `fn` over `items`, at most `limit` at a time. */
export async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<unknown>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}

/** Polls `fn` every `everyMs` until `ok`; throws naming `what` after `ms`. */
export async function until<T>(
  what: string,
  fn: () => Promise<T>,
  ok: (v: T) => boolean,
  ms: number,
  everyMs = 250,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * The visibility query of a program's running measures whose first workflow task has run (they set
 * `RemediationMeasure` when they first publish; `plan apply` sets only `RemediationProgram`).
 */
export const settledMeasuresQuery = (program: string): string =>
  `${runningMeasuresQuery(program)} AND ${SEARCH_ATTRIBUTE.measure} IS NOT NULL`;

/** Waits until every one of `count` measures of `programs` has run its first workflow task; returns when. */
export async function waitSettled(
  client: Client,
  programs: readonly string[],
  count: number,
  ms: number,
): Promise<number> {
  await until(
    `${count} measures of ${programs.join(', ')} to run their first workflow task`,
    async () => {
      let n = 0;
      for (const p of programs) n += (await client.workflow.count(settledMeasuresQuery(p))).count;
      return n;
    },
    (n) => n >= count,
    ms,
    200,
  );
  return Date.now();
}

/** What the burst measured. */
export interface BurstResult extends LagStats {
  measures: number;
  programs: string[];
  zone: string;
  slot: string;
  /** `plan apply` of the burst's plan(s). */
  applySeconds: number;
  /**
   * How long before the slot every measure had run its first task (set its timer); negative: after it,
   * so the lag includes starting late; null: not within the wait. Only a positive value measures the burst alone.
   */
  settledSecondsBeforeSlot: number | null;
  expected: number;
  smtpConnections: number;
}

/**
 * The 09:00 burst: a plan of `measures` measures on the `daily` calendar whose milestones are all due
 * today at one slot at least `aheadMs` from now (`slotSoon`), applied with `applyPlan`; then waits until
 * the receiver has accepted one reminder per measure (or `slot + waitMs`) and measures their lag behind
 * the slot. A worker must serve the client's namespace on the tracker's task queue, mailing to `smtp`.
 */
export async function runBurst(opts: {
  client: Client;
  smtp: SmtpReceiver;
  measures: number;
  aheadMs: number;
  waitMs?: number;
  log?: (line: string) => void;
}): Promise<BurstResult> {
  const log = opts.log ?? (() => undefined);
  const waitMs = opts.waitMs ?? 120_000;
  const slot = slotSoon(opts.aheadMs);
  const plans = syntheticPlans({
    program: `burst-${runId()}`,
    measures: opts.measures,
    zone: slot.zone,
    calendar: 'daily',
    notifyAt: slot.notifyAt,
    shape: 'burst',
    today: slot.today,
  });
  const programs = plans.map((p) => p.program.id);
  log(
    `burst: ${opts.measures} measures in ${programs.join(', ')}, slot ${slot.today} ${slot.notifyAt} ${slot.zone} (in ${Math.round((slot.at - Date.now()) / 1000)} s)`,
  );
  const t0 = Date.now();
  for (const plan of plans) await applyPlan(opts.client, plan, BENCH_ACTOR);
  const applied = Date.now();
  log(`burst: applied in ${round((applied - t0) / 1000, 1)} s`);
  // Until every measure has run its first task (set its timer), or the slot has passed by `waitMs`.
  const settled = await waitSettled(opts.client, programs, opts.measures, slot.at + waitMs - Date.now()).catch(
    () => undefined,
  );
  if (settled === undefined) log(`burst: not every measure had run its first task ${waitMs / 1000} s after the slot`);
  else if (settled <= slot.at)
    log(`burst: every measure waiting for its slot ${round((slot.at - settled) / 1000, 1)} s before it`);
  else log(`burst: the last measure ran its first task ${round((settled - slot.at) / 1000, 1)} s AFTER the slot`);

  const mine = () => opts.smtp.accepted.filter((a) => programs.includes(a.program));
  const deadline = slot.at + waitMs;
  for (;;) {
    const n = mine().length;
    if (n >= opts.measures || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const got = mine();
  const stats = lagStats(
    got.map((a) => a.acceptedAt),
    slot.at,
  );
  log(
    `burst: ${stats.received} of ${opts.measures} accepted, last ${stats.acceptedWithinSeconds} s after the slot, median lag ${stats.medianLagSeconds} s`,
  );
  return {
    measures: opts.measures,
    programs,
    zone: slot.zone,
    slot: new Date(slot.at).toISOString(),
    applySeconds: round((applied - t0) / 1000),
    settledSecondsBeforeSlot: settled === undefined ? null : round((slot.at - settled) / 1000),
    expected: opts.measures,
    smtpConnections: opts.smtp.connections(),
    ...stats,
  };
}
