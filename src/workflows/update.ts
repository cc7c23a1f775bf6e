/**
 * The progress update workflows (design section 8):
 * - `scheduledUpdateWorkflow` is what the Schedule `progress-update/<program>` starts: it works out
 *   the period of its scheduled time in the program's time zone and starts that period's update,
 *   unless it exists already;
 * - `progressUpdateWorkflow`, id `progress-update/<program>/<period>`, compiles the draft (an activity
 *   reads the measures' memo snapshots from one paged listing and writes the documents), mails it to
 *   comms, reminds them while it waits, takes `approve`, `reject` (with a reason) or `recompile` as a
 *   validated Update, and once approved publishes exactly the approved revision (its files are checked
 *   against the hashes the workflow holds). It reports every change of state to the program workflow.
 */
import {
  ApplicationFailure,
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  condition,
  defineQuery,
  defineSignal,
  defineUpdate,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { createRollupActivities } from '../activities/rollup';
import {
  FAILURE,
  programWorkflowId,
  TASK_QUEUE,
  UPDATE_DECIDE,
  UPDATE_DECIDERS_SIGNAL,
  UPDATE_QUERY,
  updateWorkflowId,
} from '../domain/names';
import { formatProblem, type Problem } from '../domain/problems';
import {
  applyDecision,
  BASELINE_FILE,
  decisionProblems,
  draftReminder,
  isPeriod,
  parseDecisionArgs,
  parseDeciders,
  periodOf,
  type Cadence,
  type Deciders,
  type UpdateEvent,
  type UpdateState,
} from '../domain/rollup';
import { updateEventSignal } from './program';
import { SCHEDULED_START_TIME } from './search-attributes';

const { compileDraft, mailDraft, publishUpdate } = proxyActivities<ReturnType<typeof createRollupActivities>>({
  startToCloseTimeout: '5 minutes',
  scheduleToCloseTimeout: '1 day',
  retry: { initialInterval: '30 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes' },
});

export type ProgressUpdateInput = { program: string; period: string; requestedBy: string } | { state: UpdateState };

/** What a decision returns: the update as it stands. */
export interface DecisionOutcome {
  program: string;
  period: string;
  state: UpdateState['state'];
  revision: number;
}

export const updateStateQuery = defineQuery<UpdateState>(UPDATE_QUERY);
/** From the program: who decides now (after a plan that hands comms or management over). */
export const decidersSignal = defineSignal<[Deciders]>(UPDATE_DECIDERS_SIGNAL);
export const decideUpdate = defineUpdate<DecisionOutcome, [unknown]>(UPDATE_DECIDE);

function refusal(problems: Problem[]): ApplicationFailure {
  return ApplicationFailure.create({
    type: FAILURE.refused,
    nonRetryable: true,
    message: problems.map(formatProblem).join('\n'),
    details: [problems],
  });
}

async function tellProgram(state: UpdateState, extra: Partial<UpdateEvent> = {}): Promise<void> {
  const ev: UpdateEvent = {
    period: state.period,
    state: state.state,
    revision: state.revision?.n ?? 0,
    at: Date.now(),
    ...(state.revision ? { changes: state.revision.changes } : {}),
    ...extra,
  };
  const last = state.decisions.at(-1);
  if (last && (state.state === 'approved' || state.state === 'rejected')) {
    ev.by = last.by;
    if (last.reason !== undefined) ev.reason = last.reason;
  }
  try {
    await getExternalWorkflowHandle(programWorkflowId(state.program)).signal(updateEventSignal, ev);
  } catch (err) {
    log.warn('could not tell the program workflow', { program: state.program, error: String(err) });
  }
}

/** One progress update of a program for one period. */
export async function progressUpdateWorkflow(input: ProgressUpdateInput): Promise<DecisionOutcome> {
  const state: UpdateState =
    'state' in input
      ? input.state
      : {
          program: input.program,
          period: input.period,
          state: 'compiling',
          context: null,
          revision: null,
          decisions: [{ decision: 'recompile', by: input.requestedBy, at: Date.now(), revision: 0 }],
          reminders: 0,
          publishedAt: null,
        };
  if (!isPeriod(state.period)) throw ApplicationFailure.nonRetryable(`not a period: ${state.period}`);
  let decided = 0;

  setHandler(updateStateQuery, () => state);
  setHandler(decidersSignal, (raw: unknown) => {
    const deciders = parseDeciders(raw);
    if (!deciders) {
      log.warn('malformed deciders signal dropped', { payload: JSON.stringify(raw)?.slice(0, 200) });
      return;
    }
    state.deciders = deciders;
  });
  setHandler(
    decideUpdate,
    (raw) => {
      const parsed = parseDecisionArgs(raw);
      if (!parsed.ok) throw refusal(parsed.problems);
      applyDecision(state, parsed.args, Date.now());
      decided++;
      return Promise.resolve({
        program: state.program,
        period: state.period,
        state: state.state,
        revision: state.revision?.n ?? 0,
      });
    },
    {
      validator: (raw) => {
        const parsed = parseDecisionArgs(raw);
        if (!parsed.ok) throw refusal(parsed.problems);
        const problems = decisionProblems(state, parsed.args);
        if (problems.length) throw refusal(problems);
      },
    },
  );

  // The program hears of every state the update passes through, whether a handler or the loop moved it.
  let told = '';
  const tell = async (extra: Partial<UpdateEvent> = {}) => {
    const now = `${state.state}/${state.revision?.n ?? 0}`;
    if (now === told) return;
    told = now;
    await tellProgram(state, extra);
  };

  for (;;) {
    if (state.state !== 'published') await tell();
    switch (state.state) {
      case 'compiling': {
        const n = (state.revision?.n ?? 0) + 1;
        const { context, revision } = await compileDraft({ program: state.program, period: state.period, revision: n });
        state.context = context;
        state.revision = revision;
        state.reminders = 0;
        // The server's clock, like the timers that count from it (the activity ran on the worker's).
        state.draftedAt = Date.now();
        // A decision taken while compiling (only a recompile can be: nothing else is accepted) is superseded.
        if (state.state === 'compiling') state.state = 'draft';
        await tell();
        await mailDraft({
          program: state.program,
          period: state.period,
          context,
          revision,
          reminder: 0,
          to: [...context.program.comms, ...(context.program.comms.length ? [] : context.program.managers)],
        });
        break;
      }
      case 'draft': {
        const ctx = state.context;
        const rev = state.revision;
        if (!ctx || !rev) throw ApplicationFailure.nonRetryable('a draft without a revision');
        const next = draftReminder(ctx, state.draftedAt ?? rev.compiledAt, state.reminders + 1);
        const seen = decided;
        const woke =
          next === undefined
            ? await condition(() => decided !== seen)
            : await condition(() => decided !== seen, Math.max(1, next.at - Date.now()));
        if (decided === seen && next && woke === false) {
          state.reminders = next.n;
          await mailDraft({
            program: state.program,
            period: state.period,
            context: ctx,
            revision: rev,
            reminder: next.n,
            to: next.to,
          });
        }
        break;
      }
      case 'rejected': {
        const seen = decided;
        await condition(() => decided !== seen);
        break;
      }
      case 'approved': {
        const rev = state.revision;
        const ctx = state.context;
        if (!rev || !ctx) throw ApplicationFailure.nonRetryable('an approval without a revision');
        const publishedAt = Date.now();
        await publishUpdate({
          program: state.program,
          period: state.period,
          revision: rev,
          publishedAt,
          title: ctx.program.title,
          timezone: ctx.program.timezone,
        });
        state.publishedAt = publishedAt;
        state.state = 'published';
        const sha = rev.files[BASELINE_FILE];
        await tell({
          at: publishedAt,
          ...(sha ? { baseline: { file: `${rev.dir}/${BASELINE_FILE}`, sha256: sha } } : {}),
        });
        return { program: state.program, period: state.period, state: state.state, revision: rev.n };
      }
      case 'published':
        return { program: state.program, period: state.period, state: state.state, revision: state.revision?.n ?? 0 };
    }
  }
}

/** What the Schedule passes to each run. */
export interface ScheduledUpdateInput {
  program: string;
  timezone: string;
  every: Cadence;
}

/** A run of the Schedule: starts the update of its period once (a second run in the same period finds it and stops). */
export async function scheduledUpdateWorkflow(input: ScheduledUpdateInput): Promise<string> {
  // The time the Schedule meant, not the time the run started (a catch-up run may start days late).
  const scheduled = workflowInfo().typedSearchAttributes.get(SCHEDULED_START_TIME);
  const at = scheduled instanceof Date ? scheduled.getTime() : Date.now();
  const period = periodOf(at, input.timezone, input.every);
  const workflowId = updateWorkflowId(input.program, period);
  try {
    await startChild(progressUpdateWorkflow, {
      workflowId,
      taskQueue: TASK_QUEUE,
      args: [{ program: input.program, period, requestedBy: 'system' }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    return `started ${workflowId}`;
  } catch (err) {
    if (err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError') return `exists ${workflowId}`;
    throw err;
  }
}
