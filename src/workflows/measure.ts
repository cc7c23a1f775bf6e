/**
 * The measure workflow: the durable shell around the pure domain. Two loops share one state:
 * - the notifier sleeps until the engine's next instant, sends what `dueNotifications` says (all of
 *   an instant at once), records it, and computes its next timer from the time after the sends;
 * - the observer keeps search attributes, the memo snapshot and the dependent measures in step with
 *   the state after every change, also while mail is being retried for hours.
 * Commands are Workflow Updates whose validators parse the contract and run the domain's rules, so a
 * refused command never enters history. No business rules live here.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  log,
  makeContinueAsNewFunc,
  patched,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { createNotificationActivities } from '../activities/mail';
import {
  parseDependencyChanged,
  parseUpdateArgs,
  UPDATE_NAMES,
  type CommandType,
  type DependencyChanged,
  type UpdateArgs,
} from '../domain/commands';
import {
  applyDependencyNews,
  deliveryOf,
  dependencyNews,
  dueNotifications,
  markDealtWith,
  nextEngineAt,
  recordNotification,
  recordScheduleEnds,
  resumedState,
  type DependencyNews,
} from '../domain/engine';
import { MAIL_TIMING } from '../domain/limits';
import type { MeasureState, PlannedNotification } from '../domain/model';
import { DEPENDENCY_SIGNAL, FAILURE, MEASURE_QUERY, MEMO, measureWorkflowId, type PlanMemo } from '../domain/names';
import { notificationPayload } from '../domain/notification';
import { nextNotificationAt, notificationsBetween } from '../domain/planner';
import { formatProblem, problem, type Problem } from '../domain/problems';
import type { MeasureInit } from '../domain/program';
import { applyCommand, initialState, validateCommand, type Envelope } from '../domain/reducer';
import { reportingState } from '../domain/rollup';
import { measureStatus, nextDue, nextStatusChangeAt } from '../domain/status';
import { measureView, updateOutcome, type UpdateOutcome } from '../domain/view';
import { historyIsLong } from './run-length';
import { MEASURE, NEXT_DUE, OWNER, PROGRAM, STATUS } from './search-attributes';

export { TASK_QUEUE } from '../domain/names';

/**
 * Retry mail for a day: the SMTP relay may be down for a while; a bad message fails at once. The
 * timeouts exceed the SMTP client's own (MAIL_TIMING), so only a dead worker, never a slow relay,
 * makes the server start another attempt; the heartbeat timeout finds a dead worker within seconds.
 */
const { sendNotification } = proxyActivities<ReturnType<typeof createNotificationActivities>>({
  startToCloseTimeout: MAIL_TIMING.activityStartToCloseMs,
  heartbeatTimeout: MAIL_TIMING.activityHeartbeatTimeoutMs,
  scheduleToCloseTimeout: '1 day',
  retry: {
    initialInterval: '30 seconds',
    backoffCoefficient: 2,
    maximumInterval: '30 minutes',
    nonRetryableErrorTypes: [FAILURE.badNotification],
  },
});

/** Start input (from a plan) or the state carried over by continue-as-new (`cursor`: from the first version). */
export type MeasureWorkflowInput =
  { init: MeasureInit; actor: string; planDigest?: string } | { state: MeasureState; cursor?: number };

export const stateQuery = defineQuery<MeasureState>(MEASURE_QUERY);
export const completeUpdate = defineUpdate<UpdateOutcome, [UpdateArgs<'complete'>]>(UPDATE_NAMES.complete);
export const forecastUpdate = defineUpdate<UpdateOutcome, [UpdateArgs<'forecast'>]>(UPDATE_NAMES.forecast);
export const replanUpdate = defineUpdate<UpdateOutcome, [UpdateArgs<'replan'>]>(UPDATE_NAMES.replan);
export const approveReplanUpdate = defineUpdate<UpdateOutcome, [UpdateArgs<'approve-replan'>]>(
  UPDATE_NAMES['approve-replan'],
);
export const rejectReplanUpdate = defineUpdate<UpdateOutcome, [UpdateArgs<'reject-replan'>]>(
  UPDATE_NAMES['reject-replan'],
);
export const cancelUpdate = defineUpdate<UpdateOutcome, [UpdateArgs<'cancel'>]>(UPDATE_NAMES.cancel);
export const verifyUpdate = defineUpdate<UpdateOutcome, [UpdateArgs<'verify'>]>(UPDATE_NAMES.verify);
export const rejectVerificationUpdate = defineUpdate<UpdateOutcome, [UpdateArgs<'reject-verification'>]>(
  UPDATE_NAMES['reject-verification'],
);
export const reassignUpdate = defineUpdate<UpdateOutcome, [UpdateArgs<'reassign'>]>(UPDATE_NAMES.reassign);
export const amendUpdate = defineUpdate<UpdateOutcome, [UpdateArgs<'amend'>]>(UPDATE_NAMES.amend);
/** Another measure tells this one that a milestone it depends on changed. */
export const dependencyChangedSignal = defineSignal<[DependencyChanged]>(DEPENDENCY_SIGNAL);

/** The Update of each command type. */
export const UPDATES = {
  complete: completeUpdate,
  forecast: forecastUpdate,
  replan: replanUpdate,
  'approve-replan': approveReplanUpdate,
  'reject-replan': rejectReplanUpdate,
  cancel: cancelUpdate,
  verify: verifyUpdate,
  'reject-verification': rejectVerificationUpdate,
  reassign: reassignUpdate,
  amend: amendUpdate,
} as const;

/** The notifier and observer loops, the queue of news for dependents, and continue-as-new (see the module comment). */
const ENGINE_V2 = 'engine-v2-observer-and-gap-catch-up';
/** Segregation of duties: `verification: required` holds a completion for a second person. */
const VERIFICATION = 'verification-required';

function refusal(problems: Problem[]): ApplicationFailure {
  return ApplicationFailure.create({
    type: FAILURE.refused,
    nonRetryable: true,
    message: problems.map(formatProblem).join('\n'),
    details: [problems],
  });
}

/** Every reason to refuse `args` as a command of `type` now; never throws. */
function refusalsOf(
  state: MeasureState,
  type: CommandType,
  args: unknown,
  verification: boolean,
): { problems: Problem[]; env?: Envelope } {
  try {
    const parsed = parseUpdateArgs(type, args);
    if (!parsed.ok) return { problems: parsed.problems };
    const env: Envelope = { actor: parsed.actor, at: Date.now(), command: parsed.command, verification };
    return { problems: validateCommand(state, env), env };
  } catch (err) {
    // A rule that throws is a defect; the command is refused rather than the workflow wedged.
    log.error('command validation threw', { type, error: String(err) });
    return { problems: [problem('', 'the command could not be checked', 'コマンドを検査できませんでした')] };
  }
}

/** One durable workflow per measure, id `measure/<program>/<measure>`. */
export async function measureWorkflow(input: MeasureWorkflowInput): Promise<void> {
  const v2 = patched(ENGINE_V2);
  // Completions of `verification: required` milestones wait for a second person from this version on.
  const verification = patched(VERIFICATION);
  /** Whether this run should end in continue-as-new now (the server's `limit.historyCount.suggestContinueAsNew`). */
  const runIsFull = () => workflowInfo().continueAsNewSuggested;
  const state: MeasureState =
    'state' in input
      ? resumedState(input.state, input.cursor)
      : {
          ...initialState({ ...input.init, startedAt: Date.now(), actor: input.actor }),
          ...(input.planDigest ? { planDigest: input.planDigest } : {}),
        };
  let version = 0;
  const news: DependencyNews[] = [];

  const register = (type: CommandType) => {
    setHandler(
      UPDATES[type] as ReturnType<typeof defineUpdate<UpdateOutcome, unknown[]>>,
      (...[args]: unknown[]) => {
        // The validator has checked the rules; on replay it does not run, so the handler only reads the command.
        const parsed = parseUpdateArgs(type, args);
        if (!parsed.ok) throw refusal(parsed.problems);
        const env: Envelope = { actor: parsed.actor, at: Date.now(), command: parsed.command, verification };
        // Applied to a copy, so a defect in a rule can never leave the state half changed.
        const draft = JSON.parse(JSON.stringify(state)) as MeasureState;
        try {
          applyCommand(draft, env);
        } catch (err) {
          log.error('command could not be applied', { type, error: String(err) });
          throw refusal([problem('', 'the command could not be applied', 'コマンドを適用できませんでした')]);
        }
        Object.assign(state, draft);
        if (draft.planDigest === undefined) delete state.planDigest;
        // What `plan apply` reads from the listing changes only with an amendment (the start's memo has it first).
        if (env.command.type === 'amend' && patched(MEMO_PLAN)) upsertMemo({ [MEMO.plan]: planMemo(state) });
        const touched = 'milestone' in env.command ? env.command.milestone : undefined;
        news.push(...dependencyNews(state, env.command.type === 'amend' ? undefined : touched));
        version++;
        return Promise.resolve(updateOutcome(state, env.at, touched));
      },
      {
        validator: (...args: unknown[]) => {
          if (args.length !== 1)
            throw refusal([
              problem(
                '',
                `the update takes exactly one argument, not ${args.length}`,
                `この更新の引数は 1 つだけです（${args.length} 個あります）`,
              ),
            ]);
          const { problems } = refusalsOf(state, type, args[0], verification);
          if (problems.length) throw refusal(problems);
        },
      },
    );
  };
  for (const type of Object.keys(UPDATES) as CommandType[]) register(type);
  setHandler(stateQuery, () => state);
  setHandler(dependencyChangedSignal, (payload: unknown) => {
    const signal = parseDependencyChanged(payload);
    if (!signal) {
      log.warn('malformed dependencyChanged signal dropped', { payload: JSON.stringify(payload)?.slice(0, 200) });
      return;
    }
    if (!applyDependencyNews(state, signal.ref, signal.info)) {
      log.warn('dependencyChanged signal for a milestone this measure does not depend on dropped', { ref: signal.ref });
      return;
    }
    version++;
  });

  if (!v2)
    return firstVersionLoop(state, 'state' in input ? (input.cursor ?? state.sentUntil) : state.startedAt, {
      changed: () => version,
      news,
    });

  // The observer: what others see follows the state, whatever the notifier is waiting for.
  const published = { view: '' };
  let observed = -1;
  const observe = async (): Promise<void> => {
    for (;;) {
      const seen = version;
      publish(state, published);
      await tellDependents(state, news.splice(0));
      if (version !== seen || news.length > 0) continue;
      observed = seen;
      const statusChange = nextStatusChangeAt(state, Date.now());
      const wake = () => version !== seen || news.length > 0;
      if (statusChange === undefined) await condition(wake);
      else await condition(wake, Math.max(1, statusChange - Date.now()));
    }
  };
  void observe();

  // The notifier.
  for (;;) {
    const now = Date.now();
    const before = state.nextSeq;
    recordScheduleEnds(state, now);
    const due = dueNotifications(state, now);
    markDealtWith(state, now);
    if (due.length > 0) await Promise.all(due.map((n) => sendPlanned(state, n)));
    if (due.length > 0 || state.nextSeq !== before) version++;

    if (runIsFull() || historyIsLong()) {
      await condition(allHandlersFinished);
      // Everything the observer owes (search attributes, dependents) goes out before this run ends.
      await condition(() => observed === version && news.length === 0);
      // A memo does not survive continue-as-new: the plan memo goes along (the observer rewrites the others).
      if (patched(MEMO_PLAN))
        await makeContinueAsNewFunc<typeof measureWorkflow>({ memo: { [MEMO.plan]: planMemo(state) } })({ state });
      await continueAsNew<typeof measureWorkflow>({ state });
    }
    const seen = version;
    const changed = () => version !== seen || runIsFull();
    const wakeAt = nextEngineAt(state);
    // Timers count from the time after the sends, which may have taken hours.
    if (wakeAt === undefined) await condition(changed);
    else await condition(changed, Math.max(1, wakeAt - Date.now()));
  }
}

/** Sends one planned notification through the mail activity and records the outcome (also used for the program's report track). */
export async function sendPlanned(state: MeasureState, n: PlannedNotification): Promise<void> {
  const delivery = deliveryOf(state, n);
  if ('skipped' in delivery) {
    recordNotification(state, n, delivery.skipped);
    return;
  }
  try {
    await sendNotification(delivery.payload);
    recordNotification(state, n);
  } catch (err) {
    // Mail that could not go out in a day is recorded, not retried forever: escalation goes on.
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
    log.error('notification not sent', { key: n.key, error: String(cause) });
    recordNotification(state, n, cause instanceof Error ? cause.message : String(cause));
  }
}

async function tellDependents(state: MeasureState, items: DependencyNews[]): Promise<void> {
  for (const { measure, ref, info } of items) {
    try {
      await getExternalWorkflowHandle(measureWorkflowId(state.program.id, measure)).signal(dependencyChangedSignal, {
        ref,
        info,
      });
    } catch (err) {
      // The dependent measure may not exist (yet, or any more): it learns the live dates when it starts.
      log.warn('could not tell a dependent measure', { measure, ref, error: String(err) });
    }
  }
}

/** The memo also carries the reporting state the roll-up reads from one listing. */
const MEMO_REPORT = 'memo-reporting-state';
/**
 * Since this version the memo's reporting state no longer counts every notification of the measure's
 * life, so a reminder sent leaves the memo and search attributes as they are (see `reportingState`).
 */
const MEMO_REPORT_STABLE = 'memo-report-stable-across-reminders';
/**
 * Since this version an amendment also rewrites what `plan apply` reads from the listing (the client
 * writes it first, in the start's memo).
 */
const MEMO_PLAN = 'memo-plan-digest';

/** What `plan apply` reads from the listing: the applied definition's digest and the managers. */
function planMemo(state: MeasureState): PlanMemo {
  return { digest: state.planDigest ?? null, managers: [...state.program.managers] };
}

/**
 * Keeps search attributes and the memo in step with the state; writes only when what it shows changed:
 * the view (`status`) and, since `MEMO_REPORT`, the reporting state (the roll-up's memo snapshot).
 */
function publish(state: MeasureState, last: { view: string }): void {
  const now = Date.now();
  const view = measureView(state, now);
  const due = nextDue(state);
  // Before the first notification both versions of the reporting state are the same, so the patch is
  // decided only once one was recorded: a marker at every workflow start would make the server keep
  // the speculative workflow task of a first refused Update (see run-length.ts).
  const report = patched(MEMO_REPORT)
    ? reportingState(state, {
        wholeLifeCounts: state.notifications.total > 0 && !patched(MEMO_REPORT_STABLE),
      })
    : undefined;
  const key = JSON.stringify(report ? [view, report] : view);
  if (key === last.view) return;
  last.view = key;
  const pairs: SearchAttributeUpdatePair[] = [
    { key: PROGRAM, value: state.program.id },
    { key: MEASURE, value: state.measure.id },
    { key: STATUS, value: measureStatus(state, now) },
    { key: OWNER, value: state.measure.owner },
    { key: NEXT_DUE, value: due ? new Date(`${due}T00:00:00Z`) : null },
  ];
  upsertSearchAttributes(pairs);
  upsertMemo(report ? { [MEMO.view]: view, [MEMO.report]: report } : { [MEMO.view]: view });
}

/**
 * The loop of the first version, kept so that its histories replay: one loop that publishes, tells
 * dependents, then sends every notification between its cursor and now one after the other.
 */
async function firstVersionLoop(
  state: MeasureState,
  start: number,
  shared: { changed: () => number; news: DependencyNews[] },
): Promise<void> {
  let cursor = start;
  const published = { view: '' };
  const sentKeys = new Set(state.notifications.recent.map((r) => r.key));
  for (;;) {
    publish(state, published);
    await tellDependents(state, shared.news.splice(0));
    const now = Date.now();
    for (const n of notificationsBetween(state, cursor, now + 1)) {
      if (sentKeys.has(n.key)) continue;
      sentKeys.add(n.key);
      if (n.to.length === 0) recordNotification(state, n, 'no recipients');
      else {
        try {
          await sendNotification(notificationPayload(state, n));
          recordNotification(state, n);
        } catch (err) {
          recordNotification(state, n, err instanceof Error ? err.message : String(err));
        }
      }
    }
    cursor = Math.max(cursor, now + 1);
    state.sentUntil = cursor;
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (shared.news.length > 0 && patched('tell-dependents-before-continue-as-new'))
        await tellDependents(state, shared.news.splice(0));
      await continueAsNew<typeof measureWorkflow>({ state });
    }
    const wakeAt = [nextNotificationAt(state, cursor), nextStatusChangeAt(state, now)].filter(
      (t): t is number => t !== undefined,
    );
    const seen = shared.changed();
    const changed = () => shared.changed() !== seen || workflowInfo().continueAsNewSuggested;
    if (wakeAt.length) await condition(changed, Math.max(1, Math.min(...wakeAt) - now));
    else await condition(changed);
  }
}
