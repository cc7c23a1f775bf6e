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
  getExternalWorkflowHandle,
  log,
  patched,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { parseUpdateArgs, type CommandType } from '../domain/commands';
import { dueNotifications, markDealtWith, nextEngineAt, recordScheduleEnds } from '../domain/engine';
import type { MeasureState } from '../domain/model';
import {
  FAILURE,
  PROGRAM_APPLY_UPDATE,
  PROGRAM_QUERY,
  PROGRAM_REPORT_UPDATE,
  UPDATE_DECIDERS_SIGNAL,
  UPDATE_EVENT_SIGNAL,
  updateWorkflowId,
} from '../domain/names';
import { problem } from '../domain/problems';
import { applyCommand, validateCommand, type Envelope } from '../domain/reducer';
import { REPORT_COMMANDS } from '../domain/report-track';
import { updateOutcome, type UpdateOutcome } from '../domain/view';
import { sendPlanned } from './measure';
import { historyIsLong } from './run-length';
import { formatProblem, type Problem } from '../domain/problems';

import {
  applyProblems,
  applyProgramInit,
  applyUpdateEvent,
  initialProgramState,
  isPeriod,
  type Deciders,
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
/** A command on a report deadline (`remediate milestone complete @reports/<report>`): complete or forecast. */
export const reportCommandUpdate = defineUpdate<UpdateOutcome, [{ type: string; args: unknown }]>(
  PROGRAM_REPORT_UPDATE,
);

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

/** Since this version a changed plan tells the open updates who decides on them. */
const TELL_DECIDERS = 'tell-update-deciders';

const decidersSignal = defineSignal<[Deciders]>(UPDATE_DECIDERS_SIGNAL);

/** Tells every update not yet approved or published the program's comms and managers now. */
async function tellDeciders(state: ProgramState): Promise<void> {
  const deciders: Deciders = { managers: [...state.program.managers], comms: [...state.program.comms] };
  for (const u of state.updates) {
    if (u.state === 'approved' || u.state === 'published') continue;
    try {
      await getExternalWorkflowHandle(updateWorkflowId(state.program.id, u.period)).signal(decidersSignal, deciders);
    } catch (err) {
      log.warn('could not tell an update who decides', { period: u.period, error: String(err) });
    }
  }
}

/** One long-running workflow per program. */
export async function programWorkflow(input: ProgramWorkflowInput): Promise<void> {
  const state: ProgramState = 'state' in input ? input.state : initialProgramState(input.init, Date.now(), input.actor);
  let version = 0;

  setHandler(programStateQuery, () => state);
  setHandler(
    applyPlanVersionUpdate,
    async ({ init, actor }) => {
      const changed = applyProgramInit(state, init, Date.now(), actor);
      version++;
      // Open updates hear who decides now, so a handover takes the old comms' and managers' say at once.
      if (changed && patched(TELL_DECIDERS)) await tellDeciders(state);
      return { program: state.program.id, version: init.version, changed };
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

  /** The command `raw` asks for on the report track, checked; never throws. */
  const reportCommand = (raw: unknown): { env?: Envelope; problems: Problem[] } => {
    const track = state.reports;
    const r = (raw ?? {}) as { type?: unknown; args?: unknown };
    if (!track)
      return {
        problems: [problem('', 'this program has no report deadlines', 'このプログラムに報告期限はありません')],
      };
    if (typeof r.type !== 'string' || !(REPORT_COMMANDS as readonly string[]).includes(r.type))
      return {
        problems: [
          problem(
            '',
            `a report deadline is the regulator's: it can be completed (submitted) or forecast, not ${String(r.type)}`,
            `報告期限は規制当局が定めるものです。完了（提出）か見込みの登録のみできます: ${String(r.type)}`,
          ),
        ],
      };
    try {
      const parsed = parseUpdateArgs(r.type as CommandType, r.args);
      if (!parsed.ok) return { problems: parsed.problems };
      const env: Envelope = { actor: parsed.actor, at: Date.now(), command: parsed.command };
      return { env, problems: validateCommand(track, env) };
    } catch (err) {
      log.error('report command validation threw', { error: String(err) });
      return { problems: [problem('', 'the command could not be checked', 'コマンドを検査できませんでした')] };
    }
  };
  setHandler(
    reportCommandUpdate,
    (raw) => {
      const { env, problems } = reportCommand(raw);
      const track = state.reports;
      if (!env || !track || problems.length) throw refusal(problems);
      const draft = JSON.parse(JSON.stringify(track)) as MeasureState;
      applyCommand(draft, env);
      // The same object: the notifier may be recording a send into it right now.
      Object.assign(track, draft);
      version++;
      const milestone = 'milestone' in env.command ? env.command.milestone : undefined;
      return Promise.resolve(updateOutcome(track, env.at, milestone));
    },
    {
      validator: (raw) => {
        const { problems } = reportCommand(raw);
        if (problems.length) throw refusal(problems);
      },
    },
  );

  // The report track's notifier: the measure workflow's engine, on the program's deadlines.
  for (;;) {
    const track = state.reports;
    if (track) {
      const now = Date.now();
      const before = track.nextSeq;
      recordScheduleEnds(track, now);
      const due = dueNotifications(track, now);
      markDealtWith(track, now);
      if (due.length > 0) await Promise.all(due.map((n) => sendPlanned(track, n)));
      if (due.length > 0 || track.nextSeq !== before) version++;
    }
    if (workflowInfo().continueAsNewSuggested || historyIsLong()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof programWorkflow>({ state });
    }
    const seen = version;
    const changed = () => version !== seen || workflowInfo().continueAsNewSuggested;
    const wakeAt = state.reports ? nextEngineAt(state.reports) : undefined;
    if (wakeAt === undefined) await condition(changed);
    else await condition(changed, Math.max(1, wakeAt - Date.now()));
  }
}
