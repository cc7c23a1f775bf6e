/**
 * The business calendar: which days count as working days for reminders and escalation.
 *
 * Every calendar kind has a data range (`calendarRange`): the days it knows. Outside it no method
 * guesses and none throws: `isBusinessDay` is false, and `onOrBefore`, `onOrAfter` and
 * `addBusinessDays` return `undefined` when their answer would leave the data. Inside it every method
 * costs O(log days): each calendar instance builds the prefix counts of business days over its range
 * once, and answers by index arithmetic and binary search.
 */
import holidayJp from '@holiday-jp/holiday_jp';
import type { LocalDate } from './dates';

/** `jp`: Mon-Fri minus Japanese public holidays; `weekdays`: Mon-Fri; `daily`: every day (24/7 operations). All minus closedDates. */
export type CalendarKind = 'jp' | 'weekdays' | 'daily';

/** Every calendar kind, in the order the plan schema lists them. */
export const CALENDAR_KINDS = ['jp', 'weekdays', 'daily'] as const satisfies readonly CalendarKind[];

/** The years @holiday-jp/holiday_jp publishes (its data is maintained from the Cabinet Office list). */
export const JP_HOLIDAY_YEARS = { first: 1970, last: 2050 } as const;

/**
 * A fingerprint (sha256 of the sorted holiday dates joined by `\n`) of the @holiday-jp/holiday_jp
 * data this code was built and tested with (2.5.1, pinned exactly in package.json); a test recomputes it.
 *
 * The holiday data decides when a running workflow sends mail: a new data set changes the schedule of
 * workflows already running, so it is a workflow change. Ship it behind workflow versioning
 * (`patched()`), keeping the old data set for running workflows, and update this constant with it.
 */
export const JP_HOLIDAYS_FINGERPRINT = 'fc4012204fe2f73b6d5a3779a9b75466cd286bf64321a8f9ed30b706279fffd7';

/** The days a calendar kind knows, both included. */
export interface CalendarRange {
  first: LocalDate;
  last: LocalDate;
}

const RANGES: Readonly<Record<CalendarKind, CalendarRange>> = {
  jp: { first: `${JP_HOLIDAY_YEARS.first}-01-01`, last: `${JP_HOLIDAY_YEARS.last}-12-31` },
  weekdays: { first: '1970-01-01', last: '2099-12-31' },
  daily: { first: '1970-01-01', last: '2099-12-31' },
};

/** The data range of a calendar kind: `jp` 1970-01-01..2050-12-31 (the holiday data), `weekdays` and `daily` 1970-01-01..2099-12-31. */
export function calendarRange(kind: CalendarKind): CalendarRange {
  return RANGES[kind];
}

/**
 * The last due date a `jp` calendar accepts: escalations and their repeats run on for a while after a
 * due date, and must stay inside the holiday data.
 */
export const JP_LAST_DUE = '2050-09-30';

const LAST_DUES: Readonly<Record<CalendarKind, LocalDate>> = {
  jp: JP_LAST_DUE,
  weekdays: '2099-09-30',
  daily: '2099-09-30',
};

/** The last due date a plan may give under `kind`: three months before the data ends, so that a normal ladder fits. */
export function lastDue(kind: CalendarKind): LocalDate {
  return LAST_DUES[kind];
}

// Days are counted internally as whole days since 1970-01-01 (proleptic Gregorian arithmetic on plain
// dates, no Date objects), so the calendar allocates nothing per question.

/** Days since 1970-01-01 of `date`, or NaN when it is not written `YYYY-MM-DD` with plausible parts. */
const toDay = (date: LocalDate): number => {
  if (typeof date !== 'string' || date.length !== 10 || date[4] !== '-' || date[7] !== '-') return NaN;
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7));
  const d = Number(date.slice(8, 10));
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d) || m < 1 || m > 12 || d < 1 || d > 31)
    return NaN;
  // days_from_civil (H. Hinnant), exact for every year.
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
};

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** The date of day `day` since 1970-01-01 (civil_from_days). */
const fromDay = (day: number): LocalDate => {
  const z = day + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
};

/** 1970-01-01 was a Thursday: day 0 -> 4 (Mon = 1 ... Sun = 7). */
const weekdayOf = (day: number): number => ((((day + 3) % 7) + 7) % 7) + 1;

let jpHolidaySet: ReadonlySet<number> | undefined;
/** The days of the Japanese public holidays, built on first use (a workflow on another calendar never builds it). */
const jpHolidayDays = (): ReadonlySet<number> => (jpHolidaySet ??= new Set(Object.keys(holidayJp.holidays).map(toDay)));
const jpFirstDay = toDay(RANGES.jp.first);
const jpLastDay = toDay(RANGES.jp.last);

const baseOpens = new Map<CalendarKind, Uint8Array>();

/** 1 for each day of [firstDay, lastDay] that is a business day of `kind` before closures (built once per kind). */
function baseOpen(kind: CalendarKind, firstDay: number, lastDay: number): Uint8Array {
  let open = baseOpens.get(kind);
  if (!open) {
    open = new Uint8Array(lastDay - firstDay + 1);
    for (let i = 0; i < open.length; i++) {
      const day = firstDay + i;
      const weekday = kind === 'daily' || weekdayOf(day) <= 5;
      open[i] = weekday && !(kind === 'jp' && jpHolidayDays().has(day)) ? 1 : 0;
    }
    baseOpens.set(kind, open);
  }
  return open;
}

/**
 * The prefix counts of every calendar built, by kind and closed dates: a program's measures (and the
 * planner and the roll-up of one measure) all ask for the same calendar, and its table (120 KB for
 * 1970-2050) is built once and shared, never written after it is built. Bounded: cleared when full.
 */
const prefixes = new Map<string, Int32Array>();

function prefixOf(
  kind: CalendarKind,
  closedDates: readonly LocalDate[],
  firstDay: number,
  lastDay: number,
): Int32Array {
  const key = `${kind}|${JSON.stringify(closedDates)}`;
  const known = prefixes.get(key);
  if (known) return known;
  const open = Uint8Array.from(baseOpen(kind, firstDay, lastDay));
  for (const date of closedDates) {
    const day = toDay(date);
    if (day >= firstDay && day <= lastDay) open[day - firstDay] = 0;
  }
  const prefix = new Int32Array(open.length);
  let count = 0;
  for (let i = 0; i < open.length; i++) prefix[i] = count += open[i] ?? 0;
  if (prefixes.size >= 64) prefixes.clear();
  prefixes.set(key, prefix);
  return prefix;
}

/** A business calendar over plain dates. Pure and deterministic: safe inside workflows. */
export class BusinessCalendar {
  /** The first and last day this calendar knows (its kind's data range). */
  readonly first: LocalDate;
  readonly last: LocalDate;
  private readonly firstDay: number;
  private readonly lastDay: number;
  /** prefix[i]: business days in [firstDay, firstDay + i]. */
  private readonly prefix: Int32Array;

  constructor(
    readonly kind: CalendarKind,
    closedDates: readonly LocalDate[] = [],
  ) {
    const range = RANGES[kind] ?? RANGES.weekdays;
    this.first = range.first;
    this.last = range.last;
    this.firstDay = toDay(range.first);
    this.lastDay = toDay(range.last);
    this.prefix = prefixOf(kind, closedDates, this.firstDay, this.lastDay);
  }

  /** True when `date` is a Japanese public holiday (any calendar kind can ask); false outside the holiday data (1970-2050). */
  static isJapaneseHoliday(date: LocalDate): boolean {
    const day = toDay(date);
    return day >= jpFirstDay && day <= jpLastDay && jpHolidayDays().has(day);
  }

  /** True when `date` is a working day in this calendar; false for a date outside its data range (`first`..`last`). */
  isBusinessDay(date: LocalDate): boolean {
    const day = toDay(date);
    return this.inRange(day) && this.isBusiness(day);
  }

  /** `date` itself when a business day, else the nearest earlier business day; undefined when that is not inside the data. */
  onOrBefore(date: LocalDate): LocalDate | undefined {
    const day = toDay(date);
    if (!this.inRange(day)) return undefined;
    const k = this.count(day);
    return k === 0 ? undefined : this.nth(k);
  }

  /** `date` itself when a business day, else the nearest later business day; undefined when that is not inside the data. */
  onOrAfter(date: LocalDate): LocalDate | undefined {
    const day = toDay(date);
    if (!this.inRange(day)) return undefined;
    return this.nth(this.count(day - 1) + 1);
  }

  /**
   * The `n`-th business day after `date` (n >= 1; the 1st after Mon 2025-03-31 is Tue 2025-04-01; `date`
   * itself for n = 0), in O(log days). Undefined when it lies beyond the data, when `date` is outside
   * it (the day before `first` is allowed: counting starts after it), or when n is not a whole number >= 0.
   */
  addBusinessDays(date: LocalDate, n: number): LocalDate | undefined {
    const day = toDay(date);
    if (!Number.isInteger(n) || n < 0 || !(day >= this.firstDay - 1 && day <= this.lastDay)) return undefined;
    if (n === 0) return date;
    return this.nth(this.count(day) + n);
  }

  /**
   * Business days d with a < d <= b (negative when b is before a), in O(1). Undefined unless both dates
   * lie in `first - 1 day` .. `last`.
   */
  businessDaysBetween(a: LocalDate, b: LocalDate): number | undefined {
    const da = toDay(a);
    const db = toDay(b);
    const ok = (d: number) => d >= this.firstDay - 1 && d <= this.lastDay;
    if (!ok(da) || !ok(db)) return undefined;
    return this.count(db) - this.count(da);
  }

  private inRange(day: number): boolean {
    return day >= this.firstDay && day <= this.lastDay;
  }

  /** Business days in [firstDay, day]; day >= firstDay - 1. */
  private count(day: number): number {
    if (day < this.firstDay) return 0;
    return this.prefix[Math.min(day, this.lastDay) - this.firstDay] ?? 0;
  }

  private isBusiness(day: number): boolean {
    return this.count(day) - this.count(day - 1) === 1;
  }

  /** The k-th business day of the range (k >= 1), or undefined past its end. */
  private nth(k: number): LocalDate | undefined {
    const p = this.prefix;
    if (k < 1 || k > (p[p.length - 1] ?? 0)) return undefined;
    let lo = 0;
    let hi = p.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((p[mid] ?? 0) >= k) hi = mid;
      else lo = mid + 1;
    }
    return fromDay(this.firstDay + lo);
  }
}
