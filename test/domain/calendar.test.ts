/**
 * The business calendar (design.md section 3): Japanese public holidays, company closures, and the
 * arithmetic reminders and escalations are built on.
 */
import { createHash } from 'node:crypto';
import holidayJp from '@holiday-jp/holiday_jp';
import fc from 'fast-check';
import { describe, it, expect } from 'vitest';
import {
  BusinessCalendar,
  calendarRange,
  JP_HOLIDAY_YEARS,
  JP_HOLIDAYS_FINGERPRINT,
  JP_LAST_DUE,
  lastDue,
  type CalendarKind,
} from '../../src/domain/calendar';
import { addDays, daysBetween, weekday } from '../../src/domain/dates';

/** The company year-end closure around New Year 2025 (01-01 itself is a public holiday). */
const YEAR_END_2024 = ['2024-12-30', '2024-12-31', '2025-01-02', '2025-01-03'];

const jp = new BusinessCalendar('jp');
const jpClosed = new BusinessCalendar('jp', YEAR_END_2024);
const weekdays = new BusinessCalendar('weekdays');
const daily = new BusinessCalendar('daily');

/** The value, which must be defined (inside the data every answer is). */
function defined<T>(v: T | undefined): T {
  if (v === undefined) throw new Error('undefined');
  return v;
}

/** Every date from `from` to `to`, both included. */
function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

describe('BusinessCalendar: Japanese holidays', () => {
  it('Golden Week 2025: 04-29 (Tue) and 05-03..05-06, with the substitute holiday on 05-06', () => {
    expect(jp.isBusinessDay('2025-04-28')).toBe(true);
    expect(jp.isBusinessDay('2025-04-29')).toBe(false); // 昭和の日, a Tuesday
    expect(BusinessCalendar.isJapaneseHoliday('2025-04-29')).toBe(true);
    expect(jp.isBusinessDay('2025-04-30')).toBe(true);
    expect(jp.isBusinessDay('2025-05-01')).toBe(true);
    expect(jp.isBusinessDay('2025-05-02')).toBe(true);
    for (const d of ['2025-05-03', '2025-05-04', '2025-05-05', '2025-05-06'])
      expect(jp.isBusinessDay(d), d).toBe(false);
    // 05-06 is a Tuesday: off only as the substitute for 05-04 (みどりの日) falling on a Sunday.
    expect(weekday('2025-05-06')).toBe(2);
    expect(BusinessCalendar.isJapaneseHoliday('2025-05-06')).toBe(true);
    expect(jp.isBusinessDay('2025-05-07')).toBe(true);
    expect(jp.addBusinessDays('2025-05-02', 1)).toBe('2025-05-07');
    expect(jp.onOrAfter('2025-05-03')).toBe('2025-05-07');
    expect(jp.onOrBefore('2025-05-06')).toBe('2025-05-02');
  });

  it('year end: closed 2024-12-30/31 and 2025-01-02/03 with the 01-01 holiday: first business day 2025-01-06', () => {
    for (const d of datesBetween('2024-12-28', '2025-01-05')) expect(jpClosed.isBusinessDay(d), d).toBe(false);
    expect(BusinessCalendar.isJapaneseHoliday('2025-01-01')).toBe(true);
    expect(jpClosed.addBusinessDays('2024-12-27', 1)).toBe('2025-01-06');
    expect(jpClosed.onOrAfter('2024-12-30')).toBe('2025-01-06');
    expect(jpClosed.onOrBefore('2025-01-03')).toBe('2024-12-27');
    // Without the closure only the holiday and the weekend are off.
    expect(jp.addBusinessDays('2024-12-27', 1)).toBe('2024-12-30');
    expect(jp.onOrAfter('2025-01-01')).toBe('2025-01-02');
  });

  it('the 1st business day after Mon 2025-03-31 is Tue 2025-04-01', () => {
    expect(jp.addBusinessDays('2025-03-31', 1)).toBe('2025-04-01');
  });

  it('counts across weekends and holidays: the 5th business day after 2025-04-25 is 2025-05-07', () => {
    // 04-28 (1), 04-29 holiday, 04-30 (2), 05-01 (3), 05-02 (4), 05-03..06 off, 05-07 (5)
    expect([1, 2, 3, 4, 5].map((n) => jp.addBusinessDays('2025-04-25', n))).toEqual([
      '2025-04-28',
      '2025-04-30',
      '2025-05-01',
      '2025-05-02',
      '2025-05-07',
    ]);
    // From a Friday across a plain weekend.
    expect(jp.addBusinessDays('2025-03-07', 1)).toBe('2025-03-10');
    // From a non-business day: counting starts after it.
    expect(jp.addBusinessDays('2025-05-04', 1)).toBe('2025-05-07');
  });

  it('onOrBefore of a Sunday is the previous Friday, or Thursday when that Friday is a holiday', () => {
    expect(jp.onOrBefore('2025-03-09')).toBe('2025-03-07');
    // 2024-05-03 (Fri) is 憲法記念日.
    expect(jp.onOrBefore('2024-05-05')).toBe('2024-05-02');
    // A business day is its own onOrBefore and onOrAfter.
    expect(jp.onOrBefore('2025-03-05')).toBe('2025-03-05');
    expect(jp.onOrAfter('2025-03-05')).toBe('2025-03-05');
  });

  it('onOrAfter of a Saturday is the next Monday, or Tuesday when that Monday is a holiday', () => {
    expect(jp.onOrAfter('2025-03-08')).toBe('2025-03-10');
    // 2025-01-13 (Mon) is 成人の日.
    expect(jp.onOrAfter('2025-01-11')).toBe('2025-01-14');
  });
});

describe('BusinessCalendar: weekdays and closures', () => {
  it('the weekdays calendar ignores public holidays but not weekends', () => {
    expect(weekdays.isBusinessDay('2025-04-29')).toBe(true);
    expect(weekdays.isBusinessDay('2025-05-05')).toBe(true);
    expect(weekdays.isBusinessDay('2025-01-01')).toBe(true);
    expect(weekdays.isBusinessDay('2025-05-03')).toBe(false);
    expect(weekdays.isBusinessDay('2025-05-04')).toBe(false);
    expect(weekdays.addBusinessDays('2025-04-25', 5)).toBe('2025-05-02');
    expect(weekdays.onOrBefore('2024-05-05')).toBe('2024-05-03');
  });

  it('the weekdays calendar still honours closedDates', () => {
    const closed = new BusinessCalendar('weekdays', YEAR_END_2024);
    expect(closed.isBusinessDay('2024-12-30')).toBe(false);
    expect(closed.isBusinessDay('2025-01-01')).toBe(true);
    expect(closed.addBusinessDays('2024-12-27', 1)).toBe('2025-01-01');
    expect(closed.addBusinessDays('2024-12-27', 2)).toBe('2025-01-06');
  });

  it('a closed date that is already a weekend or holiday changes nothing', () => {
    const cal = new BusinessCalendar('jp', ['2025-05-03', '2025-05-05']);
    expect(cal.addBusinessDays('2025-04-25', 5)).toBe(jp.addBusinessDays('2025-04-25', 5));
  });
});

describe('BusinessCalendar: outside the holiday data', () => {
  it(`knows Japanese holidays for ${JP_HOLIDAY_YEARS.first}-${JP_HOLIDAY_YEARS.last}`, () => {
    expect(BusinessCalendar.isJapaneseHoliday(`${JP_HOLIDAY_YEARS.first}-01-01`)).toBe(true);
    expect(BusinessCalendar.isJapaneseHoliday(`${JP_HOLIDAY_YEARS.last}-01-01`)).toBe(true);
    expect(jp.isBusinessDay('2050-12-28')).toBe(true);
  });

  it('never throws beyond the data: no business day, and no answer that would leave the data', () => {
    // 2051-01-04 is a Wednesday.
    expect(jp.isBusinessDay('2051-01-04')).toBe(false);
    expect(jp.isBusinessDay('1969-12-31')).toBe(false);
    expect(BusinessCalendar.isJapaneseHoliday('1969-12-31')).toBe(false);
    expect(BusinessCalendar.isJapaneseHoliday('2051-01-01')).toBe(false);
    expect(jp.addBusinessDays('2050-12-30', 1)).toBeUndefined();
    expect(jp.addBusinessDays('2050-12-29', 1)).toBe('2050-12-30');
    expect(jp.addBusinessDays('2051-01-04', 1)).toBeUndefined();
    expect(jp.addBusinessDays('1969-01-01', 1)).toBeUndefined();
    // Counting starts after the day before the data: the 1st business day of 1970 (01-01 is a holiday).
    expect(jp.addBusinessDays('1969-12-31', 1)).toBe('1970-01-02');
    expect(jp.onOrBefore('1970-01-01')).toBeUndefined();
    expect(jp.onOrBefore('2051-01-04')).toBeUndefined();
    expect(jp.onOrAfter('2050-12-31')).toBeUndefined();
    expect(jp.onOrAfter('1969-12-31')).toBeUndefined();
    expect(jp.businessDaysBetween('2050-12-30', '2051-01-04')).toBeUndefined();
  });

  it('does not throw for text that is not a date either', () => {
    for (const bad of ['', 'tomorrow', '2025-13-01', '2025/01/01'])
      expect([jp.isBusinessDay(bad), jp.onOrBefore(bad), jp.onOrAfter(bad), jp.addBusinessDays(bad, 1)]).toEqual([
        false,
        undefined,
        undefined,
        undefined,
      ]);
  });

  it('the weekdays calendar works beyond the holiday data, up to 2099', () => {
    expect(weekdays.isBusinessDay('2051-01-04')).toBe(true);
    expect(weekdays.addBusinessDays('2050-12-30', 1)).toBe('2051-01-02');
    expect(weekdays.addBusinessDays('2099-12-30', 1)).toBe('2099-12-31'); // a Thursday
    expect(weekdays.addBusinessDays('2099-12-31', 1)).toBeUndefined();
    expect(weekdays.isBusinessDay('2100-01-01')).toBe(false);
  });

  it('each kind names its data range', () => {
    expect(calendarRange('jp')).toEqual({ first: '1970-01-01', last: '2050-12-31' });
    expect(calendarRange('weekdays')).toEqual({ first: '1970-01-01', last: '2099-12-31' });
    expect(calendarRange('daily')).toEqual({ first: '1970-01-01', last: '2099-12-31' });
    expect([jp.first, jp.last, daily.first, daily.last]).toEqual([
      '1970-01-01',
      '2050-12-31',
      '1970-01-01',
      '2099-12-31',
    ]);
    expect(['jp', 'weekdays', 'daily'].map((k) => lastDue(k as CalendarKind))).toEqual([
      JP_LAST_DUE,
      '2099-09-30',
      '2099-09-30',
    ]);
  });

  it('a calendar closed on every day of its data answers undefined instead of looping', () => {
    const all: string[] = [];
    for (let d = '1970-01-01'; d <= '2050-12-31'; d = addDays(d, 1)) all.push(d);
    const shut = new BusinessCalendar('jp', all);
    expect(shut.onOrBefore('2025-03-31')).toBeUndefined();
    expect(shut.onOrAfter('2025-03-31')).toBeUndefined();
    expect(shut.addBusinessDays('2025-03-31', 1)).toBeUndefined();
    expect(shut.businessDaysBetween('1970-01-01', '2050-12-31')).toBe(0);
  });
});

describe('BusinessCalendar: the daily calendar (24/7 operations)', () => {
  it('every day is a business day, weekends and public holidays included, except closedDates', () => {
    const soc = new BusinessCalendar('daily', ['2025-01-01']);
    for (const d of datesBetween('2025-05-01', '2025-05-07')) expect(daily.isBusinessDay(d), d).toBe(true);
    expect(soc.isBusinessDay('2025-01-01')).toBe(false);
    expect(soc.addBusinessDays('2024-12-31', 1)).toBe('2025-01-02');
    expect(daily.addBusinessDays('2025-03-31', 7)).toBe('2025-04-07');
    expect(daily.onOrBefore('2025-05-04')).toBe('2025-05-04');
    expect(soc.onOrBefore('2025-01-01')).toBe('2024-12-31');
  });
});

describe('BusinessCalendar: the holiday data is pinned', () => {
  it('the fingerprint of @holiday-jp/holiday_jp matches JP_HOLIDAYS_FINGERPRINT', () => {
    // A new holiday data set changes when running workflows send mail: it must go behind workflow
    // versioning (patched()), keeping the old data set for running workflows, and then update
    // JP_HOLIDAYS_FINGERPRINT. This test fails on any change of the data until that is done.
    const dates = Object.keys(holidayJp.holidays).sort();
    const hash = createHash('sha256').update(dates.join('\n')).digest('hex');
    expect(hash).toBe(JP_HOLIDAYS_FINGERPRINT);
    expect(dates[0]?.slice(0, 4)).toBe(String(JP_HOLIDAY_YEARS.first));
    expect(dates[dates.length - 1]?.slice(0, 4)).toBe(String(JP_HOLIDAY_YEARS.last));
  });
});

describe('BusinessCalendar: O(log days) arithmetic', () => {
  it('addBusinessDays with a huge n costs no more than with a small one', () => {
    const t0 = performance.now();
    for (let i = 0; i < 10_000; i++) weekdays.addBusinessDays('1970-01-01', 30_000 + (i % 100));
    expect(performance.now() - t0).toBeLessThan(500);
    expect(weekdays.addBusinessDays('1970-01-01', 1_000_000)).toBeUndefined();
    expect(weekdays.businessDaysBetween('1969-12-31', '2099-12-31')).toBe(
      datesBetween('1970-01-01', '2099-12-31').filter((d) => weekday(d) <= 5).length,
    );
  });

  it('businessDaysBetween(a, b) counts business days d with a < d <= b, negative when b < a', () => {
    expect(jp.businessDaysBetween('2025-04-25', '2025-05-07')).toBe(5);
    expect(jp.businessDaysBetween('2025-05-07', '2025-04-25')).toBe(-5);
    expect(jp.businessDaysBetween('2025-05-03', '2025-05-06')).toBe(0);
    expect(jp.businessDaysBetween('2025-03-31', '2025-03-31')).toBe(0);
  });
});

describe('BusinessCalendar: properties over 2024-2030', () => {
  const FIRST = '2024-01-01';
  const SPAN = daysBetween(FIRST, '2030-12-31');
  const date = fc.integer({ min: 0, max: SPAN }).map((i) => addDays(FIRST, i));
  const calendar = fc.constantFrom(
    jp,
    jpClosed,
    weekdays,
    daily,
    new BusinessCalendar('daily', ['2027-05-07', '2029-12-28']),
    new BusinessCalendar('jp', ['2027-05-07', '2029-12-28', '2030-08-13']),
  );

  /** Business days in (from, to]. */
  const countBusinessDays = (cal: BusinessCalendar, from: string, to: string): number =>
    datesBetween(addDays(from, 1), to).filter((d) => cal.isBusinessDay(d)).length;

  it('addBusinessDays(d, n) is a business day strictly after d, with exactly n business days in (d, result]', () => {
    fc.assert(
      fc.property(calendar, date, fc.integer({ min: 1, max: 40 }), (cal, d, n) => {
        const result = defined(cal.addBusinessDays(d, n));
        expect(cal.isBusinessDay(result)).toBe(true);
        expect(result > d).toBe(true);
        expect(countBusinessDays(cal, d, result)).toBe(n);
      }),
    );
  });

  it('onOrBefore(d) is a business day <= d with no business day strictly between', () => {
    fc.assert(
      fc.property(calendar, date, (cal, d) => {
        const b = defined(cal.onOrBefore(d));
        expect(cal.isBusinessDay(b)).toBe(true);
        expect(b <= d).toBe(true);
        expect(datesBetween(addDays(b, 1), addDays(d, -1)).filter((x) => cal.isBusinessDay(x))).toEqual([]);
        expect(b === d).toBe(cal.isBusinessDay(d));
      }),
    );
  });

  it('onOrAfter(d) is a business day >= d with no business day strictly between', () => {
    fc.assert(
      fc.property(calendar, date, (cal, d) => {
        const a = defined(cal.onOrAfter(d));
        expect(cal.isBusinessDay(a)).toBe(true);
        expect(a >= d).toBe(true);
        expect(datesBetween(addDays(d, 1), addDays(a, -1)).filter((x) => cal.isBusinessDay(x))).toEqual([]);
      }),
    );
  });

  it('addBusinessDays(d, a + b) === addBusinessDays(addBusinessDays(d, a), b)', () => {
    fc.assert(
      fc.property(calendar, date, fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 }), (cal, d, a, b) => {
        expect(cal.addBusinessDays(d, a + b)).toBe(cal.addBusinessDays(defined(cal.addBusinessDays(d, a)), b));
      }),
    );
  });

  it('the jp calendar has no more business days than the weekdays calendar, and closures only remove days', () => {
    fc.assert(
      fc.property(date, (d) => {
        if (jpClosed.isBusinessDay(d)) expect(jp.isBusinessDay(d)).toBe(true);
        if (jp.isBusinessDay(d)) expect(weekdays.isBusinessDay(d)).toBe(true);
        expect(weekdays.isBusinessDay(d)).toBe(weekday(d) <= 5);
      }),
    );
  });
});

describe('BusinessCalendar: the prefix counts agree with walking day by day, over the whole range', () => {
  const FIRST = '1969-12-01';
  const LAST = '2100-01-31';
  const date = fc.integer({ min: 0, max: daysBetween(FIRST, LAST) }).map((i) => addDays(FIRST, i));
  const closures = ['1970-01-05', '2024-12-30', '2050-12-30', '2099-12-31'];
  const calendar = fc.constantFrom(
    ...(['jp', 'weekdays', 'daily'] as const).flatMap((k) => [
      { cal: new BusinessCalendar(k), closed: [] as string[] },
      { cal: new BusinessCalendar(k, closures), closed: closures },
    ]),
  );
  /** The rule itself: inside the kind's range, not closed, a weekday unless daily, not a holiday under jp. */
  const opener =
    (cal: BusinessCalendar, closed: string[]) =>
    (d: string): boolean =>
      d >= cal.first &&
      d <= cal.last &&
      !closed.includes(d) &&
      (cal.kind === 'daily' || weekday(d) <= 5) &&
      !(cal.kind === 'jp' && BusinessCalendar.isJapaneseHoliday(d));

  it('isBusinessDay, addBusinessDays, onOrBefore, onOrAfter and businessDaysBetween', () => {
    fc.assert(
      fc.property(calendar, date, fc.integer({ min: 0, max: 40 }), ({ cal, closed }, d, n) => {
        const open = opener(cal, closed);
        expect(cal.isBusinessDay(d)).toBe(open(d));
        // Walk n business days, leaving the data -> undefined.
        let x: string | undefined = d;
        for (let i = 0; i < n && x !== undefined; i++) {
          do x = addDays(x, 1);
          while (!open(x) && x <= cal.last);
          if (x > cal.last) x = undefined;
        }
        const countable = d >= addDays(cal.first, -1) && d <= cal.last;
        expect(cal.addBusinessDays(d, n)).toBe(countable ? x : undefined);
        if (d >= cal.first && d <= cal.last) {
          let b: string | undefined = d;
          while (b !== undefined && !open(b)) b = b > cal.first ? addDays(b, -1) : undefined;
          expect(cal.onOrBefore(d)).toBe(b);
          let a: string | undefined = d;
          while (a !== undefined && !open(a)) a = a < cal.last ? addDays(a, 1) : undefined;
          expect(cal.onOrAfter(d)).toBe(a);
          const e = addDays(d, n);
          if (e <= cal.last)
            expect(cal.businessDaysBetween(d, e)).toBe(datesBetween(addDays(d, 1), e).filter(open).length);
        } else {
          expect([cal.onOrBefore(d), cal.onOrAfter(d)]).toEqual([undefined, undefined]);
        }
      }),
      { numRuns: 500 },
    );
  });
});
