/**
 * A mail relay that is down, for tests of the measure workflow under failing mail: a
 * `sendNotification` activity that records every attempt and throws a plain (retryable) Error while
 * `isUp(attempt)` says the relay is down, so Temporal retries it under the workflow's retry policy.
 */
import { Context } from '@temporalio/activity';
import type { NotificationPayload } from '../../src/domain/model';

/** One attempt of the activity. */
export interface RelayAttempt {
  key: string;
  /** When the server scheduled this attempt (epoch ms on the server's clock: skipped time included). */
  scheduledAt: number;
  attempt: number;
  ok: boolean;
}

export const RELAY_DOWN = 'relay down: connection refused';

/** The activities of a worker whose relay is down while `isUp` answers false. */
export function flakyRelay(isUp: (a: { key: string; scheduledAt: number }) => boolean): {
  activities: { sendNotification: (p: NotificationPayload) => Promise<void> };
  attempts: RelayAttempt[];
} {
  const attempts: RelayAttempt[] = [];
  return {
    attempts,
    activities: {
      sendNotification: (p: NotificationPayload) => {
        const info = Context.current().info;
        const key = p.notification.key;
        const scheduledAt = info.currentAttemptScheduledTimestampMs;
        const ok = isUp({ key, scheduledAt });
        attempts.push({ key, scheduledAt, attempt: info.attempt, ok });
        return ok ? Promise.resolve() : Promise.reject(new Error(RELAY_DOWN));
      },
    },
  };
}
