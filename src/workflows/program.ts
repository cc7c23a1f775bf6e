/**
 * The program workflow, id `program/<program>`: what belongs to the program rather than to one
 * measure: the applied plan versions (with who applied them), the settings the roll-up reads (the
 * directive, the cadence, comms, the program's policy) and the ledger of its progress updates with the
 * baseline of the newest published one. `plan apply` starts it or sends it the new version as an
 * Update (validated: only the running program's managers); update workflows report to it by signal.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { FAILURE, PROGRAM_APPLY_UPDATE, PROGRAM_QUERY, UPDATE_EVENT_SIGNAL } from '../domain/names';
import { formatProblem, type Problem } from '../domain/problems';
import {
  applyProblems,
  applyProgramInit,
  applyUpdateEvent,
  initialProgramState,
  isPeriod,
  type ProgramInit,
  type ProgramState,
  type UpdateEvent,
} from '../domain/rollup';

export type ProgramWorkflowInput = { init: ProgramInit; actor: string } | { state: ProgramState };

/** What applying a plan version did to the program. */
export interface ProgramApplyOutcome {
  program: string;
  version: string;
  /** False when the version was already the current one. */
  changed: boolean;
}

export const programStateQuery = defineQuery<ProgramState>(PROGRAM_QUERY);
export const applyPlanVersionUpdate = defineUpdate<ProgramApplyOutcome, [{ init: ProgramInit; actor: string }]>(
  PROGRAM_APPLY_UPDATE,
);
export const updateEventSignal = defineSignal<[UpdateEvent]>(UPDATE_EVENT_SIGNAL);

function refusal(problems: Problem[]): ApplicationFailure {
  return ApplicationFailure.create({
    type: FAILURE.refused,
    nonRetryable: true,
    message: problems.map(formatProblem).join('\n'),
    details: [problems],
  });
}

const STATES = new Set(['compiling', 'draft', 'rejected', 'approved', 'published']);

/** An update event as it must look; anything else is dropped (signals have no validator). */
function isUpdateEvent(x: unknown): x is UpdateEvent {
  if (typeof x !== 'object' || x === null) return false;
  const e = x as Record<string, unknown>;
  return (
    typeof e.period === 'string' &&
    isPeriod(e.period) &&
    typeof e.state === 'string' &&
    STATES.has(e.state) &&
    typeof e.revision === 'number' &&
    typeof e.at === 'number'
  );
}

/** One long-running workflow per program. */
export async function programWorkflow(input: ProgramWorkflowInput): Promise<void> {
  const state: ProgramState = 'state' in input ? input.state : initialProgramState(input.init, Date.now(), input.actor);
  let version = 0;

  setHandler(programStateQuery, () => state);
  setHandler(
    applyPlanVersionUpdate,
    ({ init, actor }) => {
      const changed = applyProgramInit(state, init, Date.now(), actor);
      version++;
      return Promise.resolve({ program: state.program.id, version: init.version, changed });
    },
    {
      validator: (raw: unknown) => {
        const args = raw as { init?: ProgramInit; actor?: unknown } | null;
        if (!args || typeof args !== 'object' || !args.init?.program || typeof args.actor !== 'string')
          throw refusal([{ path: '', en: 'malformed plan version', ja: '計画の版の形式が正しくありません' }]);
        const problems = applyProblems(state, args.init, args.actor);
        if (problems.length) throw refusal(problems);
      },
    },
  );
  setHandler(updateEventSignal, (ev: unknown) => {
    if (!isUpdateEvent(ev)) {
      log.warn('malformed update event dropped', { event: JSON.stringify(ev)?.slice(0, 200) });
      return;
    }
    applyUpdateEvent(state, ev);
    version++;
  });

  for (;;) {
    const seen = version;
    await condition(() => version !== seen || workflowInfo().continueAsNewSuggested);
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof programWorkflow>({ state });
    }
  }
}
