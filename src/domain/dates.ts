/** Calendar dates and instants in a program's time zone. Dates are ISO `YYYY-MM-DD` strings. */
import { DateTime } from 'luxon';

/** A calendar date, `YYYY-MM-DD`. */
export type LocalDate = string;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when `s` is a real calendar date written `YYYY-MM-DD` (2025-02-30 is not). */
export function isLocalDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === mo - 1 && dt.getUTCDate() === d;
}

/** True when `s` is an IANA time zone luxon can use. */
export function isTimeZone(s: string): boolean {
  return DateTime.now().setZone(s).isValid;
}

function toUtcMs(date: LocalDate): number {
  const m = DATE_RE.exec(date);
  if (!m) throw new Error(`not a date: ${date}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

function fromUtcMs(ms: number): LocalDate {
  return new Date(ms).toISOString().slice(0, 10);
}

/** `date` plus `days` calendar days (negative goes back). */
export function addDays(date: LocalDate, days: number): LocalDate {
  return fromUtcMs(toUtcMs(date) + days * 86_400_000);
}

/** Day of the week, 1 = Monday ... 7 = Sunday. */
export function weekday(date: LocalDate): number {
  const d = new Date(toUtcMs(date)).getUTCDay();
  return d === 0 ? 7 : d;
}

/** Whole calendar days from `a` to `b` (positive when b is later). */
export function daysBetween(a: LocalDate, b: LocalDate): number {
  return Math.round((toUtcMs(b) - toUtcMs(a)) / 86_400_000);
}

const instants = new Map<string, number>();

/** The instant of wall-clock `time` (`HH:MM`) on `date` in `zone`, as epoch milliseconds (memoized: the planner asks often). */
export function instantOf(date: LocalDate, time: string, zone: string): number {
  const key = `${date}T${time}|${zone}`;
  const known = instants.get(key);
  if (known !== undefined) return known;
  const dt = DateTime.fromISO(`${date}T${time}`, { zone });
  if (!dt.isValid) throw new Error(`not a time in ${zone}: ${date}T${time}`);
  if (instants.size > 100_000) instants.clear();
  instants.set(key, dt.toMillis());
  return dt.toMillis();
}

/** The calendar date of instant `ms` in `zone`. */
export function dateOf(ms: number, zone: string): LocalDate {
  return memoized(dates, ms, zone, () => DateTime.fromMillis(ms, { zone }).toISODate() ?? '');
}

const dates = new Map<string, Map<number, string>>();
const isos = new Map<string, Map<number, string>>();

/** `compute()` for (ms, zone), remembered: the engine asks for the same instants (slots, watermarks) over and over. */
function memoized(cache: Map<string, Map<number, string>>, ms: number, zone: string, compute: () => string): string {
  let byMs = cache.get(zone);
  if (!byMs) cache.set(zone, (byMs = new Map<number, string>()));
  const known = byMs.get(ms);
  if (known !== undefined) return known;
  const value = compute();
  if (byMs.size > 100_000) byMs.clear();
  byMs.set(ms, value);
  return value;
}

/** ISO 8601 with the zone's offset, e.g. `2025-03-03T09:00:00+09:00`. */
export function formatInstant(ms: number, zone: string): string {
  return memoized(isos, ms, zone, () => DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true }) ?? '');
}

/**
 * Parses a user-given instant: a full ISO timestamp with offset, or a date / date-time without an
 * offset, read in `zone`. Returns undefined when it is not one.
 */
export function parseInstant(s: string, zone: string): number | undefined {
  if (isLocalDate(s)) return instantOf(s, '00:00', zone);
  const dt = DateTime.fromISO(s, { zone, setZone: false });
  return dt.isValid ? dt.toMillis() : undefined;
}
