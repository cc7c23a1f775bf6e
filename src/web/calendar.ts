/**
 * A personal calendar feed (issue 8 §3): an iCalendar document (RFC 5545, `METHOD:PUBLISH`) that a
 * calendar client subscribes to, with the dates a person has to keep.
 *
 * Who gets which events:
 * - every open milestone (not completed, not cancelled, its measure not cancelled) the person is
 *   responsible for: the milestone's owner, else the measure owner (`milestoneOwner`, the planner's
 *   rule, which the notifications and `status` use too);
 * - a program manager (`program.managers`) gets every open milestone of the programs they manage, with
 *   the responsible person's name in the summary of those that are not theirs. Sponsors, the measure
 *   owner of a milestone with its own owner, and comms get nothing extra: they have `status` and mail.
 *
 * Each such milestone is one all-day event on its current due date (`due`, the program's LocalDate),
 * marked overdue once that date has passed in the program's time zone, and awaiting verification when a
 * completion waits for a second person; and, when a forecast differs from the due date, a second
 * all-day event on the forecast date. A completed or cancelled milestone has no events, so it vanishes
 * from the client at its next refresh.
 *
 * Identity and updates: the UID is `<program>/<measure>/<milestone>/<due|forecast>@remediation-tracker`,
 * so a client updates an event when its date moves instead of adding a second one. SEQUENCE counts what
 * moved the event's date (approved change-log entries for the due date, forecasts recorded for the
 * forecast), LAST-MODIFIED is the latest recorded change of the milestone (or the instant it became
 * overdue), DTSTAMP is `now`: the same state and `now` give the same bytes.
 *
 * Dates: all-day events are `DTSTART;VALUE=DATE:YYYYMMDD` (DTEND the next day, exclusive, RFC 5545
 * 3.6.1), equal to the plan's LocalDate whatever the server's `TZ`: the dates are handed to the library
 * as luxon DateTimes fixed in UTC, and neither the calendar nor the events have a `timezone`, so
 * ical-generator formats them in UTC, i.e. as written. (Setting a calendar time zone would make it
 * convert them, and shift them by a day west of UTC.)
 *
 * Library: ical-generator (well kept, typed, RFC 5545 escaping of `,;\` and newlines, and line folding
 * at 75 octets without splitting a UTF-8 character), rather than writing iCalendar by hand.
 */
import ical, { ICalCalendarMethod, ICalEventTransparency } from 'ical-generator';
import { DateTime } from 'luxon';
import { addDays, dateOf, instantOf, type LocalDate } from '../domain/dates';
import { own } from '../domain/limits';
import type { MeasureState, MilestoneState } from '../domain/model';
import type { Lang, Localized } from '../domain/plan';
import { milestoneOwner } from '../domain/planner';

export interface CalendarFeedInput {
  /** The measure states to draw from (one program or several). */
  states: MeasureState[];
  /** The person id whose feed this is. */
  person: string;
  /** The language of the texts (usually the person's `lang`). */
  lang: Lang;
  /** The calendar's name; default the title of the states' program when they are all of one. */
  programTitle?: Localized;
  /** The instant of generation (epoch ms): DTSTAMP, and what "overdue" is measured against. */
  now: number;
  /** The web page of a measure, put in the description and as the events' URL. */
  measureUrl?: (program: string, measure: string) => string;
}

type Kind = 'due' | 'forecast';

const TEXTS = {
  ja: {
    calendar: 'remediation-tracker',
    due: '期限',
    forecast: '見込み',
    overdue: '【期限超過】',
    awaiting: '【確認待ち】',
    program: 'プログラム',
    measure: '施策',
    milestone: 'マイルストーン',
    owner: '担当',
    dueDate: '現在の期限',
    originalDue: '当初の期限',
    forecastDate: '見込み日',
    link: 'URL',
    description: (name: string) => `${name} さんの是正措置の期限`,
  },
  en: {
    calendar: 'remediation-tracker',
    due: 'Due',
    forecast: 'Forecast',
    overdue: '[Overdue] ',
    awaiting: '[Awaiting verification] ',
    program: 'Program',
    measure: 'Measure',
    milestone: 'Milestone',
    owner: 'Owner',
    dueDate: 'Current due date',
    originalDue: 'Original due date',
    forecastDate: 'Forecast',
    link: 'URL',
    description: (name: string) => `Remediation due dates of ${name}`,
  },
} as const;

/** A LocalDate as ical-generator takes it: a luxon DateTime fixed in UTC, which it formats as written. */
function allDay(date: LocalDate): DateTime {
  const d = DateTime.fromISO(date, { zone: 'utc' });
  if (!d.isValid) throw new Error(`not a date: ${date}`);
  return d;
}

/** Whether the milestone is open: not completed, not cancelled, its measure not cancelled. */
function isOpen(state: MeasureState, ms: MilestoneState): boolean {
  return !ms.completed && !ms.cancelled && !state.cancelled;
}

/** SEQUENCE of an event: how often what decides its date has changed (monotonic with the state). */
function sequenceOf(state: MeasureState, ms: MilestoneState, kind: Kind): number {
  if (kind === 'due') return state.changeLog.filter((e) => e.milestone === ms.id && e.decision === 'approved').length;
  return state.actions.filter((a) => a.milestone === ms.id && a.kind === 'forecast').length;
}

/** LAST-MODIFIED: the latest recorded change of the milestone, or the instant it became overdue. */
function lastModifiedOf(state: MeasureState, ms: MilestoneState, now: number): number {
  let at = state.startedAt;
  for (const a of state.actions) {
    const titled =
      a.kind === 'amended' && (a.details.changed ?? '').split(',').some((c) => c === 'title' || c === `${ms.id}.title`);
    if (a.milestone === ms.id || titled) at = Math.max(at, a.at);
  }
  for (const e of state.changeLog) if (e.milestone === ms.id) at = Math.max(at, e.decidedAt);
  const overdueFrom = instantOf(addDays(ms.due, 1), '00:00', state.program.timezone);
  if (overdueFrom <= now) at = Math.max(at, overdueFrom);
  return Math.min(at, now);
}

/** The iCalendar feed of `input.person` (see the module comment for who gets which events). */
export function calendarFeed(input: CalendarFeedInput): string {
  const { states, person, lang, now, measureUrl } = input;
  const t = TEXTS[lang];
  const programs = [...new Set(states.map((s) => s.program.id))];
  const title = input.programTitle ?? (programs.length === 1 ? states[0]?.program.title : undefined);
  const name = states.map((s) => own(s.people, person)?.name).find((n) => n !== undefined) ?? person;

  const cal = ical({
    prodId: '//remediation-tracker//EN',
    method: ICalCalendarMethod.PUBLISH,
    name: title ? `${t.calendar}: ${title[lang]}` : t.calendar,
    description: t.description(name),
  });

  const sorted = [...states].sort(
    (a, b) => a.program.id.localeCompare(b.program.id) || a.measure.id.localeCompare(b.measure.id),
  );
  for (const state of sorted) {
    const manager = state.program.managers.includes(person);
    const today = dateOf(now, state.program.timezone);
    const url = measureUrl?.(state.program.id, state.measure.id);
    for (const ms of state.milestones) {
      if (!isOpen(state, ms)) continue;
      const owner = milestoneOwner(state, ms);
      if (owner !== person && !manager) continue;
      const ownerName = own(state.people, owner)?.name ?? owner;
      const base = `${state.measure.title[lang]} – ${ms.title[lang]}`;
      const whose = owner === person ? '' : ` (${ownerName})`;
      const description = [
        `${t.program}: ${state.program.title[lang]} (${state.program.id})`,
        `${t.measure}: ${state.measure.title[lang]} (${state.measure.id})`,
        `${t.milestone}: ${ms.title[lang]} (${ms.id})`,
        `${t.owner}: ${ownerName} (${owner})`,
        `${t.dueDate}: ${ms.due}`,
        ...(ms.originalDue !== ms.due ? [`${t.originalDue}: ${ms.originalDue}`] : []),
        ...(ms.forecast !== undefined ? [`${t.forecastDate}: ${ms.forecast}`] : []),
        ...(url !== undefined ? [`${t.link}: ${url}`] : []),
      ].join('\n');
      const lastModified = new Date(lastModifiedOf(state, ms, now));
      const event = (kind: Kind, date: LocalDate, summary: string) =>
        cal.createEvent({
          id: `${state.program.id}/${state.measure.id}/${ms.id}/${kind}@remediation-tracker`,
          sequence: sequenceOf(state, ms, kind),
          stamp: new Date(now),
          lastModified,
          allDay: true,
          start: allDay(date),
          end: allDay(addDays(date, 1)),
          summary,
          description,
          transparency: ICalEventTransparency.TRANSPARENT,
          ...(url !== undefined ? { url } : {}),
        });
      const marks = (today > ms.due ? t.overdue : '') + (ms.awaitingVerification ? t.awaiting : '');
      event('due', ms.due, `${marks}${t.due}: ${base}${whose}`);
      if (ms.forecast !== undefined && ms.forecast !== ms.due)
        event('forecast', ms.forecast, `${t.forecast}: ${base}${whose}`);
    }
  }
  // RFC 5545 3.1: every content line ends with CRLF, the last one too (ical-generator omits that one).
  return `${cal.toString()}\r\n`;
}
