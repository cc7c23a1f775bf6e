/**
 * What the fault tests share: a plan whose measures fall due at chosen slots today, the emails the
 * domain planner says they must send (never a hand-written list), an account of what the relay
 * received against it (lost, duplicated), the activity attempts a workflow history records, and an
 * environment of its own per test file (a temp dir, a dev server on its own database file and port,
 * an encrypting client).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { inject } from 'vitest';
import { byLanguage } from '../../src/activities/mail';
import { addDays } from '../../src/domain/dates';
import type { MeasureState } from '../../src/domain/model';
import { notificationPayload } from '../../src/domain/notification';
import { validatePlan, type Plan } from '../../src/domain/plan';
import { notificationsBetween } from '../../src/domain/planner';
import { statesFromPlan } from '../../src/domain/simulate';
import { startOwnDevServer, type OwnDevServer } from '../support/dev-server-process';
import type { RelayedMail } from '../support/relay';
import { TEST_KEYS_ENV, testDataConverter } from '../support/temporal';

/** The namespace of every fault test's own dev server. */
export const NAMESPACE = 'faults';
export const MANAGER = 'suzuki';

/**
 * A program on the `daily` calendar in `zone`, with `perSlot` measures for each slot of `notifyAts`
 * (one policy per slot). Each measure has two milestones that fall due at its slot today:
 * - `today`, due today, owned by kato (ja): the reminder on the due date, one email;
 * - `overdue`, due yesterday, owned by sato (en, whose manager is tanaka, ja): escalation level 1 on
 *   the first business day after the due date, to owner and manager, two emails in one activity.
 */
export function faultPlan(opts: {
  program: string;
  zone: string;
  today: string;
  notifyAts: string[];
  perSlot: number;
}): Plan {
  const r = validatePlan({
    program: {
      id: opts.program,
      title: { ja: '障害試験', en: 'Fault test' },
      directive: { ref: 'F-1', issuer: 'MIC', issuedOn: addDays(opts.today, -30) },
      timezone: opts.zone,
      calendar: 'daily',
      managers: [MANAGER],
    },
    people: {
      suzuki: { name: '鈴木 一郎', email: 'suzuki@example.jp' },
      sato: { name: 'Hanako Sato', email: 'sato@example.jp', lang: 'en', manager: 'tanaka' },
      tanaka: { name: '田中 次郎', email: 'tanaka@example.jp' },
      kato: { name: '加藤 三郎', email: 'kato@example.jp' },
    },
    policies: Object.fromEntries(
      opts.notifyAts.map((notifyAt, s) => [
        `slot-${s}`,
        { notifyAt, remindOnDue: true, escalation: [{ afterBusinessDays: 1, notify: ['owner', 'manager'] }] },
      ]),
    ),
    measures: opts.notifyAts.flatMap((_, s) =>
      Array.from({ length: opts.perSlot }, (_, i) => ({
        id: `m${s}-${String(i).padStart(2, '0')}`,
        title: { ja: `施策 ${s}-${i}`, en: `Measure ${s}-${i}` },
        owner: 'sato',
        policy: `slot-${s}`,
        milestones: [
          { id: 'today', title: { ja: '本日期限', en: 'Due today' }, due: opts.today, owner: 'kato' },
          { id: 'overdue', title: { ja: '期限超過', en: 'Overdue' }, due: addDays(opts.today, -1) },
        ],
      })),
    ),
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.plan;
}

/** One email the planner says must go out: ledger key `<program>/<notification key>#<lang>`. */
export interface ExpectedEmail {
  measure: string;
  key: string;
  lang: string;
  to: string[];
}

/**
 * Every email the measures of `plan` must send in `[startedAt, until)`, by ledger key: the planner's
 * notifications (`notificationsBetween`) of each measure as the plan starts it at the instant its
 * workflow started (read from `states`), one email per language of the recipients, as the mail
 * activity groups them.
 */
export function expectedEmails(plan: Plan, states: readonly MeasureState[], until: number): Map<string, ExpectedEmail> {
  const out = new Map<string, ExpectedEmail>();
  for (const running of states) {
    const model = statesFromPlan(plan, running.startedAt, MANAGER).find((s) => s.measure.id === running.measure.id);
    if (!model) throw new Error(`measure ${running.measure.id} is not in the plan`);
    for (const n of notificationsBetween(model, model.startedAt, until)) {
      for (const [lang, group] of byLanguage(notificationPayload(model, n).recipients))
        out.set(`${plan.program.id}/${n.key}#${lang}`, {
          measure: model.measure.id,
          key: n.key,
          lang,
          to: group.map((r) => r.email).sort(),
        });
    }
  }
  return out;
}

/** What the relay received of `program`, against what was expected. */
export interface Tally {
  expected: number;
  /** Distinct expected emails that arrived. */
  arrived: number;
  missing: string[];
  /** Emails that arrived more than once (the same key and language), with how often. */
  duplicates: Array<{ email: string; times: number }>;
  /** Extra copies over all emails (sum of times - 1). */
  duplicateCopies: number;
  /** Emails of the program that were not expected at all. */
  unexpected: string[];
  /** Arrived with other recipients than the planner's. */
  wrongRecipients: string[];
}

export function tally(received: readonly RelayedMail[], program: string, expected: Map<string, ExpectedEmail>): Tally {
  const times = new Map<string, number>();
  const wrongRecipients: string[] = [];
  for (const m of received) {
    if (m.program !== program) continue;
    const email = `${program}/${m.key}#${m.lang}`;
    times.set(email, (times.get(email) ?? 0) + 1);
    const want = expected.get(email);
    if (want && [...m.rcpt].sort().join(',') !== want.to.join(',')) wrongRecipients.push(email);
  }
  const duplicates = [...times].filter(([, n]) => n > 1).map(([email, n]) => ({ email, times: n }));
  return {
    expected: expected.size,
    arrived: [...expected.keys()].filter((k) => times.has(k)).length,
    missing: [...expected.keys()].filter((k) => !times.has(k)),
    duplicates,
    duplicateCopies: duplicates.reduce((sum, d) => sum + d.times - 1, 0),
    unexpected: [...times.keys()].filter((k) => !expected.has(k)),
    wrongRecipients,
  };
}

/**
 * How near a kill a duplicated email's first copy must have been accepted: the data of a killed worker
 * still in flight reaches the relay a moment after the kill, and a worker killed right after the
 * relay's 250 had no time to write the ledger. Generous for a loaded machine.
 */
export const DUPLICATE_WINDOW_MS = 3_000;

/** The copies of one email (`<program>/<key>#<lang>`) the relay accepted, in order. */
export function copiesOf(received: readonly RelayedMail[], email: string): RelayedMail[] {
  return received.filter((m) => `${m.program}/${m.key}#${m.lang}` === email).sort((x, y) => x.at - y.at);
}

/** Notification keys a measure's state records more than once, and how many it records. */
export function recordedTwice(state: MeasureState): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const r of state.notifications.recent) (seen.has(r.key) ? twice : seen).add(r.key);
  return [...twice];
}

/** One run of the mail activity, from a workflow history. */
export interface ActivityRun {
  workflowId: string;
  activityId: string;
  /** The attempt that completed (or the last one started). */
  attempt: number;
  identity: string;
  outcome: 'completed' | 'failed' | 'timed-out' | 'open';
  startToCloseMs?: number;
  heartbeatMs?: number;
  /** Server time of the attempt's start and of its completion. */
  startedAt?: number;
  closedAt?: number;
}

const ms = (d: { seconds?: unknown; nanos?: number | null } | null | undefined) =>
  d ? Number(d.seconds ?? 0) * 1000 + Math.round((d.nanos ?? 0) / 1e6) : undefined;

/** Every `sendNotification` activity of the current run of `workflowId`, from its history. */
export async function activityRuns(client: Client, workflowId: string): Promise<ActivityRun[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const byScheduled = new Map<string, ActivityRun>();
  for (const e of history.events ?? []) {
    const id = String(e.eventId);
    const at = ms(e.eventTime);
    const s = e.activityTaskScheduledEventAttributes;
    if (s && s.activityType?.name === 'sendNotification')
      byScheduled.set(id, {
        workflowId,
        activityId: s.activityId ?? '',
        attempt: 0,
        identity: '',
        outcome: 'open',
        startToCloseMs: ms(s.startToCloseTimeout),
        heartbeatMs: ms(s.heartbeatTimeout),
      });
    const started = e.activityTaskStartedEventAttributes;
    const run = (scheduledEventId: unknown) => byScheduled.get(String(scheduledEventId));
    if (started) {
      const r = run(started.scheduledEventId);
      if (r) Object.assign(r, { attempt: started.attempt ?? 0, identity: started.identity ?? '', startedAt: at });
    }
    const done =
      (e.activityTaskCompletedEventAttributes && (['completed', e.activityTaskCompletedEventAttributes] as const)) ||
      (e.activityTaskFailedEventAttributes && (['failed', e.activityTaskFailedEventAttributes] as const)) ||
      (e.activityTaskTimedOutEventAttributes && (['timed-out', e.activityTaskTimedOutEventAttributes] as const));
    if (done) {
      const r = run(done[1].scheduledEventId);
      if (r) Object.assign(r, { outcome: done[0], closedAt: at });
    }
  }
  return [...byScheduled.values()];
}

/** Polls `done` every 100 ms until it holds; false once `timeoutMs` passed. */
export async function waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
  return true;
}

export const sleep = (msec: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, msec)));

/** A small seeded generator (mulberry32), so a run's kill timings can be told and repeated. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A test file's own world: a temp dir, a dev server on its own SQLite file and port, and a client of it. */
export interface FaultWorld {
  dir: string;
  server: OwnDevServer;
  connection: Connection;
  client: Client;
  /** The environment of a `bin/remediate worker` process for this world (add SMTP_URL, MAIL_FROM). */
  workerEnv: Record<string, string>;
  teardown(): Promise<void>;
}

export async function startWorld(name: string): Promise<FaultWorld> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `remediate-faults-${name}-`));
  const dbFile = path.join(dir, 'temporal.db');
  const server = await startOwnDevServer({ cliPath: inject('temporalCliPath'), dbFile, namespace: NAMESPACE });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: NAMESPACE, dataConverter: testDataConverter });
  return {
    dir,
    server,
    connection,
    client,
    workerEnv: {
      ...TEST_KEYS_ENV,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: NAMESPACE,
      // Shared by every worker process of the world, as the README asks of workers on one task queue.
      REMEDIATE_VAR_DIR: path.join(dir, 'var'),
    },
    async teardown() {
      await connection.close();
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
