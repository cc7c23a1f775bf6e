/**
 * The worker SIGKILLed again and again while notifications are due, on a dev server of this file's
 * own and a real SMTP relay on loopback. `bin/remediate worker` runs as its own process, configured
 * only through its environment; every incarnation shares one REMEDIATE_VAR_DIR, so the sent ledger
 * survives. Around the two slots (a minute apart) each incarnation lives a few seconds after it is up,
 * and one that starts sending is killed a moment after its first email arrived, i.e. mid-burst; then
 * the next one starts. The relay holds each transaction a little at MAIL FROM, so a burst lasts
 * seconds and kills land while sends are in flight.
 *
 * Expected: every email the planner prescribes arrives (none lost), to the planner's recipients;
 * an email arrives twice only when a worker died after the relay accepted it and before the ledger
 * recorded it (the documented window), so duplicates never outnumber the kills; every measure records
 * each of its notifications once, none failed. The JSON line printed tells the seed (FAULTS_SEED
 * repeats a run's kill timings), kills, duplicates and retried attempts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { applyPlan, measureState } from '../../src/client/tracker';
import { measureWorkflowId } from '../../src/domain/names';
import type { MeasureState } from '../../src/domain/model';
import { startRelay, type Relay } from '../support/relay';
import { slotSeries } from '../support/slot-series';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';
import {
  activityRuns,
  copiesOf,
  DUPLICATE_WINDOW_MS,
  expectedEmails,
  faultPlan,
  MANAGER,
  recordedTwice,
  seededRandom,
  sleep,
  startWorld,
  tally,
  waitFor,
  type FaultWorld,
} from './fixtures';

const PER_SLOT = 12;
const SLOTS = 2;

describe('the worker SIGKILLed repeatedly while notifications are due', () => {
  let world: FaultWorld | undefined;
  let relay: Relay | undefined;
  const workers: WorkerProcess[] = [];

  afterAll(async () => {
    for (const w of workers) await w.kill('SIGKILL');
    await relay?.close();
    await world?.teardown();
  });

  it('loses no notification, sends twice only in the documented window, and records each once', async () => {
    const began = Date.now();
    const seed = Number(process.env.FAULTS_SEED ?? began % 2 ** 31);
    const random = seededRandom(seed);
    world = await startWorld('sigkill');
    relay = await startRelay({ mailFromDelayMs: () => 300 + random() * 700 });
    const series = slotSeries(35_000, SLOTS);
    const program = `kill-${began.toString(36)}`;
    const plan = faultPlan({
      program,
      zone: series.zone,
      today: series.today,
      notifyAts: series.slots.map((s) => s.notifyAt),
      perSlot: PER_SLOT,
    });
    const env = { ...world.workerEnv, SMTP_URL: relay.url, MAIL_FROM: 'tracker@example.jp' };
    const start = () => {
      const w = spawnWorker(env);
      workers.push(w);
      return w;
    };

    let current = start();
    await current.ready;
    await applyPlan(world.client, plan, MANAGER);
    const client = world.client;
    const ids = plan.measures.map((m) => m.id);
    const started = await Promise.all(ids.map((id) => measureState(client, program, id)));
    const lastSlot = series.slots.at(-1)?.at ?? 0;
    const expected = expectedEmails(plan, started, lastSlot + 1);
    // The fixture does what it says: three emails per measure, all at the slots.
    expect(expected.size).toBe(ids.length * 3);
    const complete = () => tally(relay?.received ?? [], program, expected).missing.length === 0;

    // The chaos: from shortly before the first slot until shortly after the last.
    const firstSlot = series.slots[0]?.at ?? 0;
    await sleep(firstSlot - 10_000 - Date.now());
    const kills: Array<{ at: number; midBurst: boolean }> = [];
    while (Date.now() < lastSlot + 15_000 && !complete()) {
      await current.ready;
      const upAt = Date.now();
      const seen = relay.received.length;
      const lifetime = 2_000 + random() * 4_000;
      const afterFirstMail = 200 + random() * 1_200;
      let firstMailAt: number | undefined;
      await waitFor(() => {
        if (firstMailAt === undefined && (relay?.received.length ?? 0) > seen) firstMailAt = Date.now();
        const now = Date.now();
        return (
          complete() || now - upAt >= lifetime || (firstMailAt !== undefined && now - firstMailAt >= afterFirstMail)
        );
      }, 60_000);
      if (complete()) break;
      kills.push({ at: Date.now(), midBurst: firstMailAt !== undefined });
      await current.kill('SIGKILL');
      current = start();
    }

    // The last incarnation stays; killed sends come back after the heartbeat timeout and the retry backoff.
    const arrived = await waitFor(complete, lastSlot + 240_000 - Date.now());
    const t = tally(relay.received, program, expected);
    const states: MeasureState[] = await Promise.all(ids.map((id) => measureState(client, program, id)));
    const runs = (await Promise.all(ids.map((id) => activityRuns(client, measureWorkflowId(program, id))))).flat();
    // Per duplicate: when the relay accepted its first copy, relative to the nearest kill (negative: before it).
    const fromNearestKill = (email: string) => {
      const first = copiesOf(relay?.received ?? [], email)[0]?.at ?? 0;
      const gaps = kills.map((k) => first - k.at);
      return gaps.reduce((best, g) => (Math.abs(g) < Math.abs(best) ? g : best), Infinity);
    };
    const report = {
      fault: 'worker-sigkill',
      seed,
      measures: ids.length,
      slots: SLOTS,
      expectedEmails: t.expected,
      arrived: t.arrived,
      received: relay.received.filter((m) => m.program === program).length,
      kills: kills.length,
      killsMidBurst: kills.filter((k) => k.midBurst).length,
      duplicates: t.duplicateCopies,
      duplicateEmails: t.duplicates.map((d) => ({ ...d, firstAcceptedMsFromKill: fromNearestKill(d.email) })),
      activities: runs.length,
      retriedActivities: runs.filter((r) => r.attempt > 1).length,
      maxAttempt: Math.max(0, ...runs.map((r) => r.attempt)),
      workersThatCompletedSends: new Set(runs.map((r) => r.identity)).size,
      lastArrivalAfterLastSlotS: Math.round((Math.max(...relay.received.map((m) => m.at)) - lastSlot) / 1000),
      seconds: Math.round((Date.now() - began) / 1000),
    };
    console.log(JSON.stringify(report));

    // None lost, nothing foreign, each to the planner's recipients.
    expect(arrived, `missing: ${t.missing.join(', ')}\n${current.log().slice(-3000)}`).toBe(true);
    expect(t.missing).toEqual([]);
    expect(t.unexpected).toEqual([]);
    expect(t.wrongRecipients).toEqual([]);
    // The faults really happened: kills while mail was going out, and sends cut off that were retried.
    expect(kills.length).toBeGreaterThanOrEqual(3);
    expect(report.killsMidBurst).toBeGreaterThanOrEqual(1);
    expect(report.retriedActivities).toBeGreaterThanOrEqual(1);
    // A second copy only in the window between the relay's acceptance and the ledger's record, which is a
    // moment: the first copy was accepted just before or just after a worker was killed, and the retry
    // after that kill sent the only other copy (a kill with several sends in flight may duplicate several).
    for (const d of t.duplicates) {
      expect(d.times, d.email).toBe(2);
      expect(Math.abs(fromNearestKill(d.email)), d.email).toBeLessThan(DUPLICATE_WINDOW_MS);
    }
    // Each measure records each of its notifications once, as sent, and every activity completed.
    for (const s of states) {
      const planned = [...expected.values()].filter((e) => e.measure === s.measure.id).map((e) => e.key);
      expect(recordedTwice(s), s.measure.id).toEqual([]);
      expect(s.notifications.recent.map((r) => r.key).sort(), s.measure.id).toEqual([...new Set(planned)].sort());
      expect(
        s.notifications.recent.filter((r) => r.failed !== undefined),
        s.measure.id,
      ).toEqual([]);
      expect(s.notifications).toMatchObject({ total: 2, failed: 0 });
    }
    expect(runs.filter((r) => r.outcome !== 'completed')).toEqual([]);
  }, 480_000);
});
