/** The business calendar: which days count as working days for reminders and escalation. */
import holidayJp from '@holiday-jp/holiday_jp';
import { addDays, weekday, type LocalDate } from './dates';

/** `jp`: Mon-Fri minus Japanese public holidays; `weekdays`: Mon-Fri. */
export type CalendarKind = 'jp' | 'weekdays';

const jpHolidays: Readonly<Record<string, unknown>> = holidayJp.holidays;
/** The years @holiday-jp/holiday_jp publishes (its data is maintained from the Cabinet Office list). */
export const JP_HOLIDAY_YEARS = { first: 1970, last: 2050 } as const;

/** A business calendar over plain dates. Pure and deterministic: safe inside workflows. */
export class BusinessCalendar {
  private readonly closed: ReadonlySet<string>;

  constructor(
    readonly kind: CalendarKind,
    closedDates: readonly LocalDate[] = [],
  ) {
    this.closed = new Set(closedDates);
  }

  /** True when `date` is a Japanese public holiday (any calendar kind can ask). */
  static isJapaneseHoliday(date: LocalDate): boolean {
    const year = Number(date.slice(0, 4));
    if (year < JP_HOLIDAY_YEARS.first || year > JP_HOLIDAY_YEARS.last) {
      throw new Error(`Japanese holidays are known for ${JP_HOLIDAY_YEARS.first}-${JP_HOLIDAY_YEARS.last} only, not ${date}`);
    }
    return Object.prototype.hasOwnProperty.call(jpHolidays, date);
  }

  /** True when `date` is a working day in this calendar. */
  isBusinessDay(date: LocalDate): boolean {
    if (weekday(date) >= 6) return false;
    if (this.closed.has(date)) return false;
    if (this.kind === 'jp' && BusinessCalendar.isJapaneseHoliday(date)) return false;
    return true;
  }

  /** `date` itself when a business day, else the nearest earlier business day. */
  onOrBefore(date: LocalDate): LocalDate {
    let d = date;
    while (!this.isBusinessDay(d)) d = addDays(d, -1);
    return d;
  }

  /** `date` itself when a business day, else the nearest later business day. */
  onOrAfter(date: LocalDate): LocalDate {
    let d = date;
    while (!this.isBusinessDay(d)) d = addDays(d, 1);
    return d;
  }

  /** The `n`-th business day after `date` (n >= 1; the 1st after Mon 2025-03-31 is Tue 2025-04-01). */
  addBusinessDays(date: LocalDate, n: number): LocalDate {
    let d = date;
    for (let i = 0; i < n; i++) d = this.onOrAfter(addDays(d, 1));
    return d;
  }
}
