/** The business calendar: which days count as working days for reminders and escalation. */
import holidayJp from '@holiday-jp/holiday_jp';
import type { LocalDate } from './dates';

/** `jp`: Mon-Fri minus Japanese public holidays; `weekdays`: Mon-Fri. */
export type CalendarKind = 'jp' | 'weekdays';

/** The years @holiday-jp/holiday_jp publishes (its data is maintained from the Cabinet Office list). */
export const JP_HOLIDAY_YEARS = { first: 1970, last: 2050 } as const;

/**
 * The last due date a `jp` calendar accepts: escalations and their repeats run on for a while after a
 * due date, and must stay inside the holiday data.
 */
export const JP_LAST_DUE = '2050-09-30';

// Days are counted internally as whole days since 1970-01-01 (UTC calendar arithmetic on plain
// dates), so walking the calendar allocates nothing: the planner walks it for every slot.
const DAY_MS = 86_400_000;
const toDay = (date: LocalDate): number => {
  const y = Number(date.slice(0, 4));
  const m = Number(date.slice(5, 7));
  const d = Number(date.slice(8, 10));
  if (!(y > 0 && m > 0 && d > 0) || date.length !== 10) throw new Error(`not a date: ${date}`);
  return Date.UTC(y, m - 1, d) / DAY_MS;
};
const fromDay = (day: number): LocalDate => new Date(day * DAY_MS).toISOString().slice(0, 10);
/** 1970-01-01 was a Thursday: day 0 -> 4 (Mon = 1 ... Sun = 7). */
const weekdayOf = (day: number): number => ((((day + 3) % 7) + 7) % 7) + 1;

const jpHolidayDays: ReadonlySet<number> = new Set(Object.keys(holidayJp.holidays).map(toDay));
const jpFirstDay = toDay(`${JP_HOLIDAY_YEARS.first}-01-01`);
const jpLastDay = toDay(`${JP_HOLIDAY_YEARS.last}-12-31`);

/** A business calendar over plain dates. Pure and deterministic: safe inside workflows. */
export class BusinessCalendar {
  private readonly closed: ReadonlySet<number>;

  constructor(
    readonly kind: CalendarKind,
    closedDates: readonly LocalDate[] = [],
  ) {
    this.closed = new Set(closedDates.map(toDay));
  }

  /** True when `date` is a Japanese public holiday (any calendar kind can ask). */
  static isJapaneseHoliday(date: LocalDate): boolean {
    return isJpHoliday(toDay(date), date);
  }

  /** True when `date` is a working day in this calendar. */
  isBusinessDay(date: LocalDate): boolean {
    return this.isBusiness(toDay(date));
  }

  /** `date` itself when a business day, else the nearest earlier business day. */
  onOrBefore(date: LocalDate): LocalDate {
    let d = toDay(date);
    while (!this.isBusiness(d)) d--;
    return fromDay(d);
  }

  /** `date` itself when a business day, else the nearest later business day. */
  onOrAfter(date: LocalDate): LocalDate {
    let d = toDay(date);
    while (!this.isBusiness(d)) d++;
    return fromDay(d);
  }

  /** The `n`-th business day after `date` (n >= 1; the 1st after Mon 2025-03-31 is Tue 2025-04-01). */
  addBusinessDays(date: LocalDate, n: number): LocalDate {
    let d = toDay(date);
    for (let i = 0; i < n; i++) {
      d++;
      while (!this.isBusiness(d)) d++;
    }
    return fromDay(d);
  }

  private isBusiness(day: number): boolean {
    if (weekdayOf(day) >= 6) return false;
    if (this.closed.has(day)) return false;
    if (this.kind === 'jp' && isJpHoliday(day)) return false;
    return true;
  }
}

function isJpHoliday(day: number, shown?: LocalDate): boolean {
  if (day < jpFirstDay || day > jpLastDay) {
    throw new Error(
      `Japanese holidays are known for ${JP_HOLIDAY_YEARS.first}-${JP_HOLIDAY_YEARS.last} only, not ${shown ?? fromDay(day)}`,
    );
  }
  return jpHolidayDays.has(day);
}
