/**
 * The SMTP relay down for more than an hour, and a relay so slow that one attempt outlives the
 * heartbeat timeout, on Temporal's time-skipping server (which skips the hour and the retry backoff)
 * with the REAL mail activities (createWorker: pooled smtpTransport, file ledger, heartbeats) and a
 * real SMTP server on loopback. The transport is wrapped only to note each attempt (the activity's
 * attempt number and the server time it was scheduled) before handing the email to the real one.
 *
 * The outage: from the start until 40 minutes after the first slot nothing listens on the relay's
 * port (connection refused); then the relay answers 421 to every connection until 70 minutes after
 * the slot; then it accepts. Expected: the first notification is retried with growing backoff, none
 * fails, it is delivered at the first attempt after the relay returned, once, and every later one at
 * its own slot at the first attempt; the history's ActivityTaskStarted says which attempt completed,
 * and the measure records every notification as sent.
 *
 * The slow relay: it takes just under the SMTP idle timeout to accept each email of a notification
 * sent in two languages, so the one attempt lasts longer than the heartbeat timeout. Expected: the
 * activity's heartbeats keep it alive: one attempt, completed, each email once, no second attempt.
 * (This server holds its clock while an activity runs, so that attempt runs in real time.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileLedger, smtpTransport, type MailTransport } from '../../src/activities/mail';
import { applyPlan, measureState } from '../../src/client/tracker';
import { addDays, dateOf, instantOf } from '../../src/domain/dates';
import { MAIL_TIMING } from '../../src/domain/limits';
import { measureWorkflowId } from '../../src/domain/names';
import { findFreePort } from '../../src/local/dev-server';
import { createWorker } from '../../src/worker';
import { startRelay, type Relay } from '../support/relay';
import { createTimeSkippingEnv, registerSearchAttributes, TEST_KEYS } from '../support/temporal';
import { activityRuns, expectedEmails, faultPlan, MANAGER, recordedTwice, tally } from './fixtures';

const ZONE = 'Asia/Tokyo';
const MINUTE = 60_000;

/** One attempt to hand an email to the relay, as the wrapped transport saw it. */
interface SendAttempt {
  key: string;
  lang: string;
  attempt: number;
  /** The server's time when the attempt began (skipped time included). */
  at: number;
  error?: string;
}

/** The real transport, noting each attempt first (`clock`: the server's time). */
function noting(real: MailTransport, attempts: SendAttempt[], clock: () => Promise<number>): MailTransport {
  return {
    async send(msg) {
      const a: SendAttempt = {
        key: msg.headers['X-Remediation-Key'] ?? '',
        lang: msg.headers['Content-Language'] ?? '',
        attempt: Context.current().info.attempt,
        at: await clock(),
      };
      attempts.push(a);
      try {
        await real.send(msg);
      } catch (err) {
        a.error = err instanceof Error ? err.message : String(err);
        throw err;
      }
    },
    close: () => real.close?.() ?? Promise.resolve(),
  };
}

describe('the SMTP relay down or slow, on the time-skipping server with the real mail activities', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let transport: MailTransport;
  let relay: Relay | undefined;
  let port: number;
  let dir: string;
  const attempts: SendAttempt[] = [];
  /** Accept delays by notification key: the slow relay holds only what a test asks it to. */
  const slow = new Map<string, number>();

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-faults-relay-'));
    port = await findFreePort();
    env = await createTimeSkippingEnv();
    await registerSearchAttributes(env);
    transport = noting(smtpTransport(`smtp://127.0.0.1:${port}`), attempts, () => env.currentTimeMs());
    worker = await createWorker({
      connection: env.nativeConnection,
      namespace: 'default',
      mail: { transport, ledger: fileLedger(path.join(dir, 'sent-ledger')), from: 'tracker@example.jp' },
      varDir: dir,
      keys: TEST_KEYS,
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await transport?.close?.();
    await relay?.close();
    await env?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  const sleepUntil = async (at: number) => env.sleep(Math.max(1, at - (await env.currentTimeMs())));

  it('retries through more than an hour of outage with backoff, fails nothing, delivers everything once after', async () => {
    const today = dateOf(await env.currentTimeMs(), ZONE);
    // Due days ahead, at 09:00: `overdue` (due D-1) is reminded at D-1 and escalated at D (en + ja), `today` (due D)
    // is reminded at D and escalated at D+1.
    const d = addDays(today, 3);
    const plan = faultPlan({ program: 'outage', zone: ZONE, today: d, notifyAts: ['09:00'], perSlot: 1 });
    const id = plan.measures[0]?.id ?? '';
    await applyPlan(env.client, plan, MANAGER);
    const started = await measureState(env.client, plan.program.id, id);
    const first = instantOf(addDays(d, -1), '09:00', ZONE);
    const until = instantOf(addDays(d, 2), '00:00', ZONE);
    const expected = expectedEmails(plan, [started], until);
    expect(expected.size).toBe(5);

    // Down: nothing listens on the relay's port.
    await sleepUntil(first + 40 * MINUTE);
    // In maintenance: 421 to every connection.
    relay = await startRelay({ port, acceptDelayMs: (m) => slow.get(m.key) ?? 0 });
    relay.unavailable = true;
    await sleepUntil(first + 70 * MINUTE);
    // Back.
    relay.unavailable = false;
    const backAt = first + 70 * MINUTE;
    await sleepUntil(until);

    const state = await measureState(env.client, plan.program.id, id);
    const t = tally(relay.received, plan.program.id, expected);
    const runs = await activityRuns(env.client, measureWorkflowId(plan.program.id, id));
    const firstKey = `${id}/overdue/reminder/0/${addDays(d, -1)}`;
    const tries = attempts.filter((a) => a.key === firstKey);
    console.log(
      JSON.stringify({
        fault: 'relay-outage',
        downMinutes: 70,
        attempts: tries.map((a) => ({
          attempt: a.attempt,
          minutesAfterSlot: Math.round(((a.at - first) / MINUTE) * 10) / 10,
          error: a.error?.slice(0, 80) ?? null,
        })),
        refusedWith421: relay.refused,
        delivered: t.arrived,
        duplicates: t.duplicateCopies,
      }),
    );

    // Everything delivered, once, to the planner's recipients; the measure records each as sent.
    expect(t.missing).toEqual([]);
    expect(t.unexpected).toEqual([]);
    expect(t.duplicates).toEqual([]);
    expect(t.wrongRecipients).toEqual([]);
    expect(recordedTwice(state)).toEqual([]);
    expect(state.notifications).toMatchObject({ total: 4, failed: 0 });
    expect(state.notifications.recent.every((r) => r.failed === undefined)).toBe(true);

    // The first one: refused while down, 421 in maintenance, then delivered at the first attempt after the relay came back.
    const last = tries.at(-1);
    expect(tries.length).toBeGreaterThanOrEqual(8);
    expect(tries.map((a) => a.attempt)).toEqual(tries.map((_, i) => i + 1));
    expect(tries.slice(0, -1).every((a) => a.error !== undefined)).toBe(true);
    expect(tries.some((a) => a.at < first + 40 * MINUTE && /ECONNREFUSED/.test(a.error ?? ''))).toBe(true);
    expect(tries.some((a) => a.at > first + 40 * MINUTE && /421/.test(a.error ?? ''))).toBe(true);
    expect(relay.refused).toBeGreaterThanOrEqual(1);
    expect(last?.error).toBeUndefined();
    expect(last?.at ?? 0).toBeGreaterThanOrEqual(backAt);
    expect((last?.at ?? 0) - first).toBeGreaterThan(60 * MINUTE);
    // Backoff: the gaps between attempts grow, up to the policy's 30 minutes.
    const gaps = tries.slice(1).map((a, i) => a.at - (tries[i]?.at ?? 0));
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]).toBeGreaterThanOrEqual(gaps[i - 1] ?? 0);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(30 * MINUTE + MINUTE);

    // History says so: the activity of the first notification completed at that attempt; the others at their first.
    expect(runs).toHaveLength(4);
    expect(runs.every((r) => r.outcome === 'completed')).toBe(true);
    const [firstRun, ...others] = [...runs].sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
    expect(firstRun?.attempt).toBe(last?.attempt);
    expect(others.map((r) => r.attempt)).toEqual([1, 1, 1]);
    // The options the workflow scheduled the activity with are MAIL_TIMING's.
    for (const r of runs) {
      expect(r.startToCloseMs).toBe(MAIL_TIMING.activityStartToCloseMs);
      expect(r.heartbeatMs).toBe(MAIL_TIMING.activityHeartbeatTimeoutMs);
    }
  });

  it('a relay slower than the heartbeat timeout: heartbeats keep the one attempt alive, no second attempt', async () => {
    // Two emails together outlast the heartbeat timeout; each stays well inside the client's timeouts.
    const perEmail = Math.ceil(MAIL_TIMING.activityHeartbeatTimeoutMs * 0.6);
    expect(perEmail).toBeLessThan(Math.min(MAIL_TIMING.socketTimeoutMs, MAIL_TIMING.sendDeadlineMs));
    expect(perEmail * MAIL_TIMING.emailsPerNotification).toBeGreaterThan(MAIL_TIMING.activityHeartbeatTimeoutMs);
    const today = dateOf(await env.currentTimeMs(), ZONE);
    const d = addDays(today, 3);
    const plan = faultPlan({ program: 'slow', zone: ZONE, today: d, notifyAts: ['09:00'], perSlot: 1 });
    const id = plan.measures[0]?.id ?? '';
    const escalation = `${id}/overdue/escalation/1/${d}`;
    slow.set(escalation, perEmail);
    if (!relay) throw new Error('the relay of the first test is not up');
    await applyPlan(env.client, plan, MANAGER);
    const started = await measureState(env.client, plan.program.id, id);
    const slot = instantOf(d, '09:00', ZONE);
    const expected = expectedEmails(plan, [started], slot + 1);
    await sleepUntil(slot + MINUTE);

    const runs = await activityRuns(env.client, measureWorkflowId(plan.program.id, id));
    const run = runs.find((r) => r.activityId !== '' && r.startedAt !== undefined && r.startedAt >= slot - MINUTE);
    const slowRuns = runs.filter(
      (r) => (r.closedAt ?? 0) - (r.startedAt ?? 0) > MAIL_TIMING.activityHeartbeatTimeoutMs,
    );
    const t = tally(relay.received, plan.program.id, expected);
    const tries = attempts.filter((a) => a.key === escalation);
    console.log(
      JSON.stringify({
        fault: 'slow-relay',
        perEmailS: perEmail / 1000,
        attemptSeconds: slowRuns.map((r) => ((r.closedAt ?? 0) - (r.startedAt ?? 0)) / 1000),
        sendAttempts: tries.length,
        duplicates: t.duplicateCopies,
      }),
    );
    expect(run).toBeDefined();
    expect(t.missing).toEqual([]);
    expect(t.duplicates).toEqual([]);
    // One attempt per email of the slow notification, and its activity: one attempt that outlived the heartbeat timeout.
    expect(tries.map((a) => [a.lang, a.attempt, a.error ?? 'ok'])).toEqual([
      ['en', 1, 'ok'],
      ['ja', 1, 'ok'],
    ]);
    expect(slowRuns).toHaveLength(1);
    expect(slowRuns[0]).toMatchObject({ attempt: 1, outcome: 'completed' });
    const state = await measureState(env.client, plan.program.id, id);
    expect(state.notifications.failed).toBe(0);
  });
});
