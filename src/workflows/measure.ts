/**
 * The measure workflow: the durable shell around the pure domain. It sleeps until the planner's next
 * notification (or the next due date passing), sends it through the mail activity, and applies
 * commands as Workflow Updates whose validators run the domain's rules, so a refused command never
 * enters history. No business rules live here.
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
  patched,
  proxyActivities,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { createNotificationActivities } from '../activities/mail';
import type { DependencyInfo, MeasureState, PlannedNotification } from '../domain/model';
import { measureWorkflowId } from '../domain/model';
import { notificationPayload } from '../domain/notification';
import { nextNotificationAt, notificationsBetween } from '../domain/planner';
import { commandShapeProblems } from '../domain/commands';
import { formatProblem } from '../domain/problems';
import type { MeasureInit } from '../domain/program';
import { ownDependencyInfo } from '../domain/program';
import { applyCommand, initialState, validateCommand, type Command } from '../domain/reducer';
import { nextDue, nextStatusChangeAt, measureStatus } from '../domain/status';
import { measureView } from '../domain/view';
import { MEASURE, NEXT_DUE, OWNER, PROGRAM, STATUS } from './search-attributes';

/** Retry mail for a day: the SMTP relay may be down for a while; a bad message fails at once. */
const { sendNotification } = proxyActivities<ReturnType<typeof createNotificationActivities>>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '1 day',
  retry: {
    initialInterval: '30 seconds',
    backoffCoefficient: 2,
    maximumInterval: '30 minutes',
    nonRetryableErrorTypes: ['BadNotification'],
  },
});

/** Start input (from a plan) or the state carried over by continue-as-new. */
export type MeasureWorkflowInput = { init: MeasureInit; actor: string } | { state: MeasureState; cursor: number };

/** Every update takes the acting person with the command's own fields. */
export type Act<C> = Omit<C, 'type'> & { actor: string };
type CommandOf<T extends Command['type']> = Extract<Command, { type: T }>;

export const stateQuery = defineQuery<MeasureState>('state');
export const completeUpdate = defineUpdate<MeasureState, [Act<CommandOf<'complete'>>]>('complete');
export const forecastUpdate = defineUpdate<MeasureState, [Act<CommandOf<'forecast'>>]>('forecast');
export const replanUpdate = defineUpdate<MeasureState, [Act<CommandOf<'replan'>>]>('replan');
export const approveReplanUpdate = defineUpdate<MeasureState, [Act<CommandOf<'approve-replan'>>]>('approveReplan');
export const rejectReplanUpdate = defineUpdate<MeasureState, [Act<CommandOf<'reject-replan'>>]>('rejectReplan');
export const cancelUpdate = defineUpdate<MeasureState, [Act<CommandOf<'cancel'>>]>('cancel');
export const reassignUpdate = defineUpdate<MeasureState, [Act<CommandOf<'reassign'>>]>('reassign');
export const amendUpdate = defineUpdate<MeasureState, [Act<CommandOf<'amend'>>]>('amend');
/** Another measure tells this one that a milestone it depends on changed. */
export const dependencyChangedSignal = defineSignal<[{ ref: string; info: DependencyInfo }]>('dependencyChanged');

/** The task queue of the measure workflows. */
export const TASK_QUEUE = 'remediation';

/** The failure type of a refused command; its details carry the problems. */
export const REFUSED = 'Refused';

/** One durable workflow per measure, id `measure/<program>/<measure>`. */
export async function measureWorkflow(input: MeasureWorkflowInput): Promise<void> {
  const state: MeasureState =
    'state' in input ? input.state : initialState({ ...input.init, startedAt: Date.now(), actor: input.actor });
  // Every notification with `at < cursor` has been dealt with.
  let cursor = 'state' in input ? input.cursor : state.startedAt;
  let version = 0;
  const published = { view: '' };
  const toTell: Array<{ measure: string; ref: string; info: DependencyInfo }> = [];

  const register = <T extends Command['type']>(
    def: ReturnType<typeof defineUpdate<MeasureState, [Act<CommandOf<T>>]>>,
    type: T,
  ) => {
    const envelope = ({ actor, ...fields }: Act<CommandOf<T>>) => ({
      actor,
      at: Date.now(),
      command: { ...fields, type } as unknown as Command,
    });
    setHandler(
      def,
      (args) => {
        const env = envelope(args);
        applyCommand(state, env);
        const touched = 'milestone' in env.command ? env.command.milestone : undefined;
        for (const ms of state.milestones) {
          if (touched !== undefined && ms.id !== touched) continue;
          for (const measure of state.dependents[ms.id] ?? []) {
            const info = ownDependencyInfo(state, ms.id);
            if (info) toTell.push({ measure, ref: `${state.measure.id}/${ms.id}`, info });
          }
        }
        version++;
        return Promise.resolve(state);
      },
      {
        validator: (args: Act<CommandOf<T>>) => {
          const malformed = commandShapeProblems(type, args);
          const problems = malformed.length ? malformed : validateCommand(state, envelope(args));
          if (problems.length) {
            throw ApplicationFailure.create({
              type: REFUSED,
              nonRetryable: true,
              message: problems.map(formatProblem).join('\n'),
              details: problems,
            });
          }
        },
      },
    );
  };
  register(completeUpdate, 'complete');
  register(forecastUpdate, 'forecast');
  register(replanUpdate, 'replan');
  register(approveReplanUpdate, 'approve-replan');
  register(rejectReplanUpdate, 'reject-replan');
  register(cancelUpdate, 'cancel');
  register(reassignUpdate, 'reassign');
  register(amendUpdate, 'amend');
  setHandler(stateQuery, () => state);
  setHandler(dependencyChangedSignal, ({ ref, info }) => {
    state.external[ref] = info;
    version++;
  });

  for (;;) {
    publish(state, published);
    await tellDependents(state, toTell.splice(0));

    const now = Date.now();
    // Everything due by now, in order; several milestones may share an instant.
    for (const n of notificationsBetween(state, cursor, now + 1)) {
      if (!state.sent.some((s) => s.key === n.key)) await send(state, n);
    }
    cursor = Math.max(cursor, now + 1);

    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      // Changes made by updates that arrived while mail was going out must reach the dependents
      // before this run ends (the first version of this workflow could drop them here).
      if (toTell.length > 0 && patched('tell-dependents-before-continue-as-new'))
        await tellDependents(state, toTell.splice(0));
      await continueAsNew<typeof measureWorkflow>({ state, cursor });
    }
    const wakeAt = [nextNotificationAt(state, cursor), nextStatusChangeAt(state, now)].filter(
      (t): t is number => t !== undefined,
    );
    const seen = version;
    const changed = () => version !== seen || workflowInfo().continueAsNewSuggested;
    if (wakeAt.length) await condition(changed, Math.max(1, Math.min(...wakeAt) - now));
    else await condition(changed);
  }
}

async function send(state: MeasureState, n: PlannedNotification): Promise<void> {
  const record = { key: n.key, at: n.at, kind: n.kind, milestone: n.milestone, level: n.level, to: n.to };
  if (n.to.length === 0) {
    state.sent.push({ ...record, failed: 'no recipients' });
    return;
  }
  try {
    await sendNotification(notificationPayload(state, n));
    state.sent.push(record);
  } catch (err) {
    // Mail that could not go out in a day is recorded, not retried forever: escalation goes on.
    log.error('notification not sent', { key: n.key, error: String(err) });
    state.sent.push({ ...record, failed: err instanceof Error ? err.message : String(err) });
  }
}

async function tellDependents(
  state: MeasureState,
  items: Array<{ measure: string; ref: string; info: DependencyInfo }>,
): Promise<void> {
  for (const { measure, ref, info } of items) {
    try {
      await getExternalWorkflowHandle(measureWorkflowId(state.program.id, measure)).signal(dependencyChangedSignal, {
        ref,
        info,
      });
    } catch (err) {
      // The dependent measure may not exist (yet, or any more): its status then uses the plan's dates.
      log.warn('could not tell a dependent measure', { measure, ref, error: String(err) });
    }
  }
}

/** Keeps search attributes and the memo snapshot in step with the state; writes only when the view changed. */
function publish(state: MeasureState, last: { view: string }): void {
  const now = Date.now();
  const view = measureView(state, now);
  const due = nextDue(state);
  const key = JSON.stringify(view);
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
  upsertMemo({ snapshot: view });
}
