/**
 * The bounds of what the product accepts, in one place: file and text sizes, counts, and the ranges of
 * every number in a policy. Anything inside them plans, simulates and runs to the end; anything outside
 * is refused with a message naming the limit. Also the one way to look up an id that came from input.
 */

/** Sizes, counts and ranges. */
export const LIMITS = {
  /** Bytes of a plan or actions file (a 10,000-measure plan is about 5 MB of YAML). */
  fileBytes: 16 * 1024 * 1024,
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
  /** Measures of a program: the 09:00 burst and the roll-up are measured at 10,000 (README, figures). */
  measures: 10_000,
  milestonesPerMeasure: 100,
  /** Milestones of a whole plan. */
  milestones: 50_000,
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
  /** The longest a signed mail link may live (src/links.ts gives 14 days; a day of margin for clocks). */
  linkLifetimeMs: 15 * 86_400_000,
  /** Unexpired used mail links a measure keeps (it refuses more: sign in or use the CLI). */
  usedLinks: 500,
  /** The largest revision number a decision on a progress update may name (a revision per compile). */
  revision: 1_000_000,
} as const;

/** `record[key]` when `key` is the record's own key, never an inherited one (`constructor`, `__proto__`). */
export function own<T>(record: Readonly<Record<string, T>>, key: string | undefined): T | undefined {
  return key !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}

/**
 * How long mail may take, in one place so the activity's timeouts provably exceed the SMTP client's:
 * a slow relay makes the send fail inside the attempt (and Temporal retry it later), never makes the
 * server start a second attempt while the first is still talking to the relay. The activity sends
 * one email per language, one after the other, each within `sendDeadlineMs`; it heartbeats every
 * `heartbeatEveryMs` while it works, so a killed worker's attempt is retried after
 * `activityHeartbeatTimeoutMs` rather than after the whole start-to-close timeout.
 */
export const MAIL_TIMING = {
  connectionTimeoutMs: 10_000,
  greetingTimeoutMs: 10_000,
  /**
   * Idle time on an open connection. RFC 5321 4.5.3.2.6 gives a relay 10 minutes to answer the end of
   * DATA (one that scans content takes a while): giving up sooner would send the email again on the
   * retry, after the relay accepted it.
   */
  socketTimeoutMs: 10 * 60_000,
  /** A hard bound on one email, however the relay trickles. */
  sendDeadlineMs: 10 * 60_000,
  /** Emails of one notification (one per language: ja, en). */
  emailsPerNotification: 2,
  activityStartToCloseMs: 25 * 60_000,
  heartbeatEveryMs: 5_000,
  activityHeartbeatTimeoutMs: 30_000,
  /** Connections a worker keeps open to the relay (nodemailer's pool). */
  poolConnections: 8,
} as const;
