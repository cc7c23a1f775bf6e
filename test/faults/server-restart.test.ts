/**
 * The Temporal server stopped and started again on the same SQLite file and port, under running
 * measures, with `bin/remediate worker` and a real SMTP relay on loopback. First a SIGKILL (no
 * shutdown at all) right after the plan is applied, then a SIGTERM that keeps the server down across
 * the measures' notification slot.
 *
 * Expected: the same worker process rides out both outages; after each restart every measure is
 * running with the state it had (the query answers), Updates are accepted and change what follows (a
 * completed milestone's reminder is not sent, a forecast is kept), and the timers set before the
 * outages fire: every other reminder and escalation of the slot arrives over SMTP, after the server
 * is back.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { applyPlan, measureState, sendCommand } from '../../src/client/tracker';
import { addDays } from '../../src/domain/dates';
import { measureWorkflowId } from '../../src/domain/names';
import { notificationsBetween } from '../../src/domain/planner';
import { startRelay, type Relay } from '../support/relay';
import { slotSoon } from '../support/slots';
import { spawnWorker, type WorkerProcess } from '../support/worker-process';
import {
  expectedEmails,
  faultPlan,
  MANAGER,
  recordedTwice,
  sleep,
  startWorld,
  tally,
  waitFor,
  type FaultWorld,
} from './fixtures';

const MEASURES = 6;

describe('the Temporal server stopped and restarted on the same database', () => {
  let world: FaultWorld | undefined;
  let relay: Relay | undefined;
  let worker: WorkerProcess | undefined;

  afterAll(async () => {
    await worker?.kill('SIGKILL');
    await relay?.close();
    await world?.teardown();
  });

  it('every measure carries on: queries and Updates work, and its timers fire after the restart', async () => {
    const began = Date.now();
    world = await startWorld('restart');
    relay = await startRelay();
    const slot = slotSoon(45_000);
    const program = `restart-${began.toString(36)}`;
    const plan = faultPlan({
      program,
      zone: slot.zone,
      today: slot.today,
      notifyAts: [slot.notifyAt],
      perSlot: MEASURES,
    });
    worker = spawnWorker({ ...world.workerEnv, SMTP_URL: relay.url, MAIL_FROM: 'tracker@example.jp' });
    await worker.ready;
    await applyPlan(world.client, plan, MANAGER);
    const client = world.client;
    const ids = plan.measures.map((m) => m.id);
    const query = () => Promise.all(ids.map((id) => measureState(client, program, id)));
    const before = await query();
    const server = world.server;
    const pidBefore = server.pid();

    // 1. SIGKILL: no shutdown at all.
    await server.kill('SIGKILL');
    await sleep(3_000);
    await server.restart();
    expect(server.pid()).not.toBe(pidBefore);
    const afterKill = await query();
    expect(afterKill).toEqual(before);
    for (const id of ids) {
      const d = await client.workflow.getHandle(measureWorkflowId(program, id)).describe();
      expect(d.status.name, id).toBe('RUNNING');
    }
    // Updates are taken: a completion (whose reminder must then not go out) and a forecast.
    const [completed, forecast] = ids;
    if (!completed || !forecast) throw new Error('too few measures');
    const done = await sendCommand(client, program, completed, 'complete', {
      milestone: 'today',
      evidence: 'CHG-RESTART-1',
      actor: 'kato',
    });
    expect(done).toMatchObject({ measure: completed, milestone: { id: 'today' } });
    const tomorrow = addDays(slot.today, 1);
    await sendCommand(client, program, forecast, 'forecast', { milestone: 'overdue', date: tomorrow, actor: 'sato' });
    const afterUpdates = await query();

    // 2. SIGTERM, down across the slot: the timers set before fire once the server is back.
    await sleep(slot.at - 4_000 - Date.now());
    await server.kill('SIGTERM');
    await sleep(slot.at + 6_000 - Date.now());
    expect(relay.received.filter((m) => m.program === program)).toEqual([]);
    await server.restart();
    const backAt = Date.now();

    // What the planner says the measures send now, the completed milestone no longer among them.
    const expected = expectedEmails(plan, afterUpdates, slot.at + 1);
    for (const [email, e] of expected)
      if (e.measure === completed && e.key.startsWith(`${completed}/today/`)) expected.delete(email);
    expect(expected.size).toBe(MEASURES * 3 - 1);
    const arrived = await waitFor(() => tally(relay?.received ?? [], program, expected).missing.length === 0, 90_000);
    const t = tally(relay.received, program, expected);
    const mine = relay.received.filter((m) => m.program === program);
    console.log(
      JSON.stringify({
        fault: 'server-restart',
        measures: MEASURES,
        restarts: ['SIGKILL', 'SIGTERM'],
        expectedEmails: t.expected,
        arrived: t.arrived,
        duplicates: t.duplicateCopies,
        firstArrivalAfterRestartS: (Math.min(...mine.map((m) => m.at)) - backAt) / 1000,
        lastArrivalAfterSlotS: (Math.max(...mine.map((m) => m.at)) - slot.at) / 1000,
        seconds: Math.round((Date.now() - began) / 1000),
      }),
    );
    expect(arrived, `missing: ${t.missing.join(', ')}\n${worker.log().slice(-3000)}`).toBe(true);
    expect(t.unexpected).toEqual([]);
    expect(t.duplicates).toEqual([]);
    expect(t.wrongRecipients).toEqual([]);
    for (const m of mine) expect(m.at).toBeGreaterThanOrEqual(backAt);
    // The one worker process rode out both outages.
    expect(worker.alive(), worker.log().slice(-3000)).toBe(true);

    const final = await query();
    for (const s of final) {
      expect(recordedTwice(s), s.measure.id).toEqual([]);
      expect(s.notifications.failed, s.measure.id).toBe(0);
      // The planner run on the final state agrees: nothing of the slot is left unsent.
      expect(s.sentUntil).toBeGreaterThan(slot.at);
      expect(
        notificationsBetween(s, s.startedAt, slot.at + 1)
          .map((n) => n.key)
          .sort(),
      ).toEqual(s.notifications.recent.map((r) => r.key).sort());
    }
    const c = final.find((s) => s.measure.id === completed);
    expect(c?.milestones.find((m) => m.id === 'today')?.completed).toMatchObject({ by: 'kato' });
    const f = final.find((s) => s.measure.id === forecast);
    expect(f?.milestones.find((m) => m.id === 'overdue')?.forecast).toBe(tomorrow);
  }, 300_000);
});
