/**
 * The bounds of what the product accepts, in one place: file and text sizes, counts, and the ranges of
 * every number in a policy. Anything inside them plans, simulates and runs to the end; anything outside
 * is refused with a message naming the limit. Also the one way to look up an id that came from input.
 */

/** Sizes, counts and ranges. */
export const LIMITS = {
  /** Bytes of a plan or actions file. */
  fileBytes: 1024 * 1024,
  /** Characters of a title (each language). */
  titleChars: 200,
  /** Characters of a public summary (each language). */
  summaryChars: 2000,
  /** Characters of internal notes. */
  notesChars: 10_000,
  /** Characters of evidence, reasons and other free text given with a command. */
  textChars: 2000,
  /** Characters of an id or a person reference. */
  idChars: 64,
  measures: 200,
  milestonesPerMeasure: 100,
  people: 2000,
  policies: 50,
  /** Reports to the regulator, closed dates of a program, directive items of a measure, dependencies of a milestone. */
  reports: 100,
  closedDates: 5000,
  directiveItems: 50,
  dependsOn: 100,
  /** Entries of `remindBefore`, and its largest value (calendar days). */
  reminders: 10,
  remindBeforeDays: 366,
  /** Levels of an escalation ladder, and the largest `afterBusinessDays`. */
  escalationLevels: 10,
  afterBusinessDays: 260,
  /** Largest `repeatEveryBusinessDays`. */
  repeatEveryBusinessDays: 260,
  /** Notification records a measure keeps (the newest). */
  recentNotifications: 100,
  /** Action and change-log records a measure keeps (the newest). */
  actions: 1000,
  /** Days a simulation may cover. */
  simulateDays: 366 * 20,
} as const;

/** `record[key]` when `key` is the record's own key, never an inherited one (`constructor`, `__proto__`). */
export function own<T>(record: Readonly<Record<string, T>>, key: string | undefined): T | undefined {
  return key !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}
