/** Several notification slots, a minute apart, soon: for tests whose measures fall due at more than one instant. */
import { slotSoon } from './slots';

/**
 * `count` consecutive minutes, the first at least `aheadMs` from now, all of them today in one zone
 * (the first zone of slotSoon's list where the last is still today), as `HH:MM` there and instants.
 */
export function slotSeries(
  aheadMs: number,
  count: number,
): { zone: string; today: string; slots: Array<{ notifyAt: string; at: number }> } {
  const last = slotSoon(aheadMs + (count - 1) * 60_000);
  const fmt = new Intl.DateTimeFormat('en-GB', {
    timeZone: last.zone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const slots = Array.from({ length: count }, (_, i) => {
    const at = last.at - (count - 1 - i) * 60_000;
    return { notifyAt: fmt.format(at), at };
  });
  return { zone: last.zone, today: last.today, slots };
}
