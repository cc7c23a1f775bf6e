/**
 * A relay slow to answer the end of DATA (35 s, as one scanning content before it replies may) gets
 * one copy. With a 30 s idle timeout the client gave up ("Timeout"), the attempt failed without writing
 * the ledger, the relay accepted anyway and the retry sent the email again, with no worker dead: a
 * duplicate outside the documented window. RFC 5321 4.5.3.2.6 gives the client 10 minutes for this
 * reply, and so does MAIL_TIMING now.
 *
 * The activity is called twice in a row as Temporal's retry would (the second call after a failure
 * of the first), with the real pooled smtpTransport and file ledger: expected one copy.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNotificationActivities, fileLedger, smtpTransport } from '../../src/activities/mail';
import { instantOf } from '../../src/domain/dates';
import { notificationPayload } from '../../src/domain/notification';
import { notificationsBetween } from '../../src/domain/planner';
import { statesFromPlan } from '../../src/domain/simulate';
import { startRelay } from '../support/relay';
import { faultPlan } from './fixtures';

const ZONE = 'Asia/Tokyo';

describe('a relay slow to accept (35 s, more than the old 30 s idle timeout)', () => {
  it('sends the email once: the client waits for the answer of the relay', async () => {
    let slowOnce = true;
    const relay = await startRelay({
      acceptDelayMs: () => (slowOnce ? ((slowOnce = false), 35_000) : 0),
    });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-faults-accept-'));
    const transport = smtpTransport(relay.url);
    try {
      const plan = faultPlan({ program: 'accept', zone: ZONE, today: '2027-01-12', notifyAts: ['09:00'], perSlot: 1 });
      const [state] = statesFromPlan(plan, instantOf('2027-01-01', '00:00', ZONE));
      if (!state) throw new Error('no measure');
      const n = notificationsBetween(state, 0, instantOf('2027-01-13', '00:00', ZONE)).find(
        (x) => x.kind === 'reminder' && x.milestone === 'today',
      );
      if (!n) throw new Error('no reminder');
      const activities = createNotificationActivities({
        transport,
        ledger: fileLedger(path.join(dir, 'sent-ledger')),
        from: 'tracker@example.jp',
      });
      const outcomes: string[] = [];
      for (let attempt = 1; attempt <= 2; attempt++) {
        try {
          await activities.sendNotification(notificationPayload(state, n));
          outcomes.push('sent');
          break;
        } catch (err) {
          outcomes.push(`failed: ${String(err)}`);
        }
      }
      // Let the relay finish whatever it still holds.
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      console.log(JSON.stringify({ repro: 'slow-accept', outcomes, copies: relay.received.length }));
      expect(outcomes).toEqual(['sent']);
      expect(relay.received.map((m) => m.key)).toEqual([n.key]);
    } finally {
      await transport.close?.();
      await relay.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
