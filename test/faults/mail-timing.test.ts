/**
 * The activity's timeouts exceed the SMTP client's own (MAIL_TIMING in src/domain/limits.ts), so a
 * slow relay makes an attempt fail by itself and be retried later, and never makes the server start a
 * second attempt while the first still talks to the relay. relay-outage.test.ts checks that the
 * workflow schedules the activity with exactly these values, and that a slow relay keeps one attempt.
 */
import { describe, expect, it } from 'vitest';
import { MAIL_TIMING } from '../../src/domain/limits';

describe('MAIL_TIMING: the activity outlasts the SMTP client', () => {
  const t = MAIL_TIMING;

  it('start-to-close exceeds every email of a notification at its hard deadline', () => {
    expect(t.emailsPerNotification).toBeGreaterThanOrEqual(2); // ja and en
    expect(t.activityStartToCloseMs).toBeGreaterThan(t.emailsPerNotification * t.sendDeadlineMs);
  });

  it('one email gives up by itself: its deadline covers connecting, the greeting and an idle socket', () => {
    expect(t.sendDeadlineMs).toBeGreaterThanOrEqual(t.connectionTimeoutMs);
    expect(t.sendDeadlineMs).toBeGreaterThanOrEqual(t.greetingTimeoutMs);
    expect(t.sendDeadlineMs).toBeGreaterThanOrEqual(t.socketTimeoutMs);
  });

  it('the heartbeat timeout exceeds the heartbeat interval, with room for a late beat', () => {
    expect(t.activityHeartbeatTimeoutMs).toBeGreaterThan(t.heartbeatEveryMs);
    // The SDK sends heartbeats at most every 0.8 x the timeout; at least two beats fit in one timeout.
    expect(t.activityHeartbeatTimeoutMs).toBeGreaterThanOrEqual(2 * t.heartbeatEveryMs);
    expect(t.activityHeartbeatTimeoutMs).toBeLessThan(t.activityStartToCloseMs);
  });
});
