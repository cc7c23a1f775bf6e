/** A notification slot soon, in a zone where it is still today: tests that wait for a slot run every day. */
import { dateOf } from '../../src/domain/dates';

const ZONES = ['Asia/Tokyo', 'Europe/London', 'America/New_York', 'Pacific/Auckland', 'Asia/Kolkata', 'UTC'];

/**
 * The first minute at least `aheadMs` from now, in the first zone of a fixed list where that minute is
 * still today (not across midnight). With the `daily` calendar every day has a slot there.
 */
export function slotSoon(aheadMs: number): { zone: string; today: string; notifyAt: string; at: number } {
  const now = Date.now();
  const at = Math.ceil((now + aheadMs) / 60_000) * 60_000;
  for (const zone of ZONES) {
    const today = dateOf(now, zone);
    if (dateOf(at, zone) !== today) continue;
    const notifyAt = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(at);
    return { zone, today, notifyAt, at };
  }
  throw new Error(`no zone of ${ZONES.join(', ')} keeps the minute ${new Date(at).toISOString()} on today's date`);
}
