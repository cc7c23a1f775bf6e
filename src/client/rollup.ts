/**
 * The client side of the roll-up: the program workflow and the Schedule that `plan apply` creates or
 * updates, and the progress updates people list, compile, approve and reject.
 */
import { createHash } from 'node:crypto';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type ScheduleOptionsAction,
  type ScheduleSpec,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { FAILURE, programWorkflowId, TASK_QUEUE, updateScheduleId, updateWorkflowId } from '../domain/names';
import type { Plan } from '../domain/plan';
import { problem, ProblemError, type Problem } from '../domain/problems';
import {
  isPeriod,
  periodOf,
  programInit,
  type DecisionArgs,
  type ProgramState,
  type UpdateRecord,
  type UpdateState,
} from '../domain/rollup';
import { applyPlanVersionUpdate, programStateQuery, programWorkflow } from '../workflows/program';
import {
  decideUpdate,
  progressUpdateWorkflow,
  scheduledUpdateWorkflow,
  updateStateQuery,
  type DecisionOutcome,
} from '../workflows/update';

/**
 * How long after a missed scheduled time the Schedule still starts the run (the server's default is a
 * year): a week, so an update missed while the cluster was down is compiled when it is back, and one
 * missed for longer waits for the next period rather than arriving stale.
 */
export const SCHEDULE_CATCHUP_WINDOW = '7 days';

/** The version of a plan: sha256 of its validated form (defaults filled in), so formatting does not count. */
export function planVersion(plan: Plan): string {
  return createHash('sha256').update(JSON.stringify(plan)).digest('hex');
}

/** gRPC's status code for a method the server does not have. */
const GRPC_UNIMPLEMENTED = 12;

/** True when the server does not implement the call (the time-skipping test server has no Schedules). */
function isUnimplemented(e: unknown): boolean {
  let c: unknown = e;
  for (let i = 0; i < 3 && c; i++) {
    if ((c as { code?: unknown }).code === GRPC_UNIMPLEMENTED) return true;
    c = (c as { cause?: unknown }).cause;
  }
  return false;
}

/** The refusal an Update validator sent back, as problems; undefined for any other error. */
function refusedProblems(e: unknown): Problem[] | undefined {
  if (!(e instanceof WorkflowUpdateFailedError)) return undefined;
  const cause = e.cause;
  if (!(cause instanceof ApplicationFailure) || cause.type !== FAILURE.refused) return undefined;
  const details = cause.details?.[0];
  if (Array.isArray(details)) return details as Problem[];
  return (cause.message || 'refused').split('\n').map((line) => problem('', line, line));
}

/** What `plan apply` did to the program workflow and the Schedule. */
export interface ProgramApplyResult {
  program: 'started' | 'updated' | 'unchanged';
  version: string;
  /** `unsupported`: the server has no Schedules (Temporal's time-skipping test server). */
  schedule: 'created' | 'updated' | 'deleted' | 'none' | 'unsupported';
}

/**
 * Checks, before anything changes, that `actor` may apply `plan` to the running program (its
 * managers decide): the program workflow's validator runs without effect when nothing would change.
 * Throws a ProblemError when refused.
 */
export async function checkProgramApply(client: Client, plan: Plan, actor: string): Promise<void> {
  const state = await programState(client, plan.program.id).catch((e: unknown) => {
    if (e instanceof ProblemError) return undefined;
    throw e;
  });
  if (state && !state.program.managers.includes(actor))
    throw new ProblemError([
      problem(
        '--as',
        `${actor} is not a manager of the running program ${plan.program.id}`,
        `${actor} は実行中のプログラム ${plan.program.id} の管理者ではありません`,
      ),
    ]);
}

/** Starts the program workflow, or gives it the plan's new version; then creates, updates or deletes the Schedule. */
export async function applyProgram(client: Client, plan: Plan, actor: string): Promise<ProgramApplyResult> {
  const version = planVersion(plan);
  const init = programInit(plan, version);
  const workflowId = programWorkflowId(plan.program.id);
  let outcome: ProgramApplyResult['program'];
  try {
    await client.workflow.start(programWorkflow, {
      taskQueue: TASK_QUEUE,
      workflowId,
      args: [{ init, actor }],
      workflowIdConflictPolicy: 'FAIL',
    });
    outcome = 'started';
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
    try {
      const r = await client.workflow
        .getHandle(workflowId)
        .executeUpdate(applyPlanVersionUpdate, { args: [{ init, actor }] });
      outcome = r.changed ? 'updated' : 'unchanged';
    } catch (err) {
      const problems = refusedProblems(err);
      if (problems) throw new ProblemError(problems);
      throw err;
    }
  }
  let schedule: ProgramApplyResult['schedule'];
  try {
    schedule = await applySchedule(client, plan);
  } catch (e) {
    if (!isUnimplemented(e)) throw e;
    schedule = 'unsupported';
  }
  return { program: outcome, version, schedule };
}

/** The Schedule's spec: the plan's cadence at the program policy's `notifyAt`, in the program's time zone. */
export function scheduleSpec(plan: Plan): ScheduleSpec | undefined {
  const u = plan.program.updates;
  if (!u) return undefined;
  const init = programInit(plan, '');
  const [hour, minute] = init.policy.notifyAt.split(':').map(Number);
  const DAYS = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;
  const at = { hour: hour ?? 9, minute: minute ?? 0 };
  return {
    calendars: [u.every === 'month' ? { dayOfMonth: u.day, ...at } : { dayOfWeek: DAYS[u.day - 1] ?? 'MONDAY', ...at }],
    timezone: plan.program.timezone,
  };
}

/** Creates the program's Schedule, or updates it in place (never a second one); deletes it when the plan has no `updates`. */
export async function applySchedule(client: Client, plan: Plan): Promise<ProgramApplyResult['schedule']> {
  const scheduleId = updateScheduleId(plan.program.id);
  const spec = scheduleSpec(plan);
  const handle = client.schedule.getHandle(scheduleId);
  if (!spec || !plan.program.updates) {
    try {
      await handle.delete();
      return 'deleted';
    } catch (e) {
      if (e instanceof ScheduleNotFoundError) return 'none';
      throw e;
    }
  }
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: scheduledUpdateWorkflow,
    workflowId: scheduleId,
    taskQueue: TASK_QUEUE,
    args: [{ program: plan.program.id, timezone: plan.program.timezone, every: plan.program.updates.every }],
  };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: SCHEDULE_CATCHUP_WINDOW } as const;
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
    return 'created';
  } catch (e) {
    if (!(e instanceof ScheduleAlreadyRunning)) throw e;
  }
  await handle.update((prev) => ({ ...prev, spec, action, policies: { ...prev.policies, ...policies } }));
  return 'updated';
}

/** The program workflow's state; a ProblemError when the program has none. */
export async function programState(client: Client, program: string): Promise<ProgramState> {
  try {
    return await client.workflow.getHandle(programWorkflowId(program)).query(programStateQuery);
  } catch (e) {
    if (e instanceof WorkflowNotFoundError)
      throw new ProblemError([
        problem(
          '--program',
          `unknown program: ${program} (apply its plan first)`,
          `プログラムがありません: ${program}（先に plan apply してください）`,
        ),
      ]);
    throw e;
  }
}

/** Every progress update of a program, by period. */
export async function listUpdates(client: Client, program: string): Promise<UpdateRecord[]> {
  return (await programState(client, program)).updates;
}

/** `<program>/<period>` as `remediate update approve|reject` take it. */
export function parseUpdateRef(ref: string): { program: string; period: string } {
  const i = ref.indexOf('/');
  const program = i < 0 ? '' : ref.slice(0, i);
  const period = i < 0 ? '' : ref.slice(i + 1);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(program) || !isPeriod(period))
    throw new ProblemError([
      problem(
        'update',
        `expected <program>/<period> (period YYYY-MM or YYYY-Www), got: ${ref}`,
        `<プログラム>/<期間>（YYYY-MM か YYYY-Www）で指定してください: ${ref}`,
      ),
    ]);
  return { program, period };
}

/** The state of one update workflow, or undefined when there is none. */
export async function updateState(client: Client, program: string, period: string): Promise<UpdateState | undefined> {
  try {
    return await client.workflow.getHandle(updateWorkflowId(program, period)).query(updateStateQuery);
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return undefined;
    throw e;
  }
}

async function decide(client: Client, program: string, period: string, args: DecisionArgs): Promise<DecisionOutcome> {
  try {
    return await client.workflow
      .getHandle(updateWorkflowId(program, period))
      .executeUpdate(decideUpdate, { args: [args] });
  } catch (e) {
    const problems = refusedProblems(e);
    if (problems) throw new ProblemError(problems);
    if (e instanceof WorkflowNotFoundError) {
      const published = await publishedOutcome(client, program, period);
      throw new ProblemError([
        published
          ? problem(
              'update',
              `the update ${program}/${period} is already published (revision ${published.revision}): nothing is left to decide`,
              `更新 ${program}/${period} は既に公開されています（第 ${published.revision} 版）。判断することは残っていません`,
            )
          : problem(
              'update',
              `there is no update ${program}/${period} (remediate update list shows them)`,
              `更新 ${program}/${period} はありません（remediate update list で一覧できます）`,
            ),
      ]);
    }
    throw e;
  }
}

/**
 * The outcome of an update whose workflow has completed, which it does once published (an Update to
 * it is then refused by the server as not found); undefined when there is none.
 */
async function publishedOutcome(client: Client, program: string, period: string): Promise<DecisionOutcome | undefined> {
  const handle = client.workflow.getHandle<typeof progressUpdateWorkflow>(updateWorkflowId(program, period));
  try {
    if ((await handle.describe()).status.name !== 'COMPLETED') return undefined;
    const outcome = await handle.result();
    return outcome.state === 'published' ? outcome : undefined;
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return undefined;
    throw e;
  }
}

/** `--revision <n>` of `remediate update approve|reject`, or the approvals form's field: a revision number. */
export function parseRevision(text: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(text))
    throw new ProblemError([
      problem('--revision', `not a revision number (1, 2, ...): ${text}`, `版の番号（1、2、…）ではありません: ${text}`),
    ]);
  return Number(text);
}

/**
 * `remediate update approve|reject`; with `revision`, the decision is refused unless that is the
 * current revision (the draft was compiled again since the person read it).
 */
export async function decideOnUpdate(
  client: Client,
  ref: string,
  decision: 'approve' | 'reject',
  actor: string,
  options: { reason?: string; revision?: number } = {},
): Promise<DecisionOutcome> {
  const { program, period } = parseUpdateRef(ref);
  const { reason, revision } = options;
  return decide(client, program, period, {
    decision,
    actor,
    ...(reason !== undefined ? { reason } : {}),
    ...(revision !== undefined ? { revision } : {}),
  });
}

/**
 * `remediate update compile`: compiles the update of `period` (default: the current period of the
 * program's cadence) now. A draft or rejected update of that period is compiled again as a new
 * revision; a new period's update is started; a published one is refused.
 */
export async function compileUpdate(
  client: Client,
  program: string,
  actor: string,
  period?: string,
): Promise<{ program: string; period: string; started: boolean; outcome?: DecisionOutcome }> {
  const ps = await programState(client, program);
  if (!ps.program.comms.includes(actor) && !ps.program.managers.includes(actor))
    throw new ProblemError([
      problem(
        '--as',
        `${actor} is neither comms nor a manager of ${program}: only they compile its updates`,
        `${actor} は ${program} の広報担当でも管理者でもありません。更新を作成できるのはこの人たちだけです`,
      ),
    ]);
  const p = period ?? periodOf(Date.now(), ps.program.timezone, ps.program.updates?.every ?? 'month');
  if (!isPeriod(p))
    throw new ProblemError([
      problem('--period', `not a period (YYYY-MM or YYYY-Www): ${p}`, `期間ではありません: ${p}`),
    ]);
  const existing = await updateState(client, program, p);
  if (existing) {
    if (existing.state === 'published')
      throw new ProblemError([
        problem(
          '--period',
          `the update ${program}/${p} is already published`,
          `更新 ${program}/${p} は既に公開されています`,
        ),
      ]);
    return {
      program,
      period: p,
      started: false,
      outcome: await decide(client, program, p, { decision: 'recompile', actor }),
    };
  }
  try {
    await client.workflow.start(progressUpdateWorkflow, {
      taskQueue: TASK_QUEUE,
      workflowId: updateWorkflowId(program, p),
      args: [{ program, period: p, requestedBy: actor }],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
    // Started a moment ago by the Schedule or another person: compile that one again.
    return {
      program,
      period: p,
      started: false,
      outcome: await decide(client, program, p, { decision: 'recompile', actor }),
    };
  }
  return { program, period: p, started: true };
}
