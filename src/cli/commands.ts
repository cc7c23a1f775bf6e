/** What each `remediate` command does. Errors are thrown as CliError with the exit code of section 5. */
import { readFileSync } from 'node:fs';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { planApply } from '../domain/amend';
import { dateOf, formatInstant, isLocalDate } from '../domain/dates';
import { measureWorkflowId, type MeasureState } from '../domain/model';
import { parsePlanText, type Plan } from '../domain/plan';
import { formatProblem, problem, type Problem } from '../domain/problems';
import { measureInits } from '../domain/program';
import { parseActions, simulate, startOfDay, type SimEvent } from '../domain/simulate';
import { measureView } from '../domain/view';
import { PROGRAM } from '../workflows/search-attributes';
import {
  amendUpdate,
  approveReplanUpdate,
  cancelUpdate,
  completeUpdate,
  forecastUpdate,
  measureWorkflow,
  reassignUpdate,
  rejectReplanUpdate,
  replanUpdate,
  REFUSED,
  stateQuery,
  TASK_QUEUE,
} from '../workflows/measure';

/** Exit codes of design section 5. */
export const EXIT = { ok: 0, failure: 1, refused: 2, unreachable: 3 } as const;

/** A failure the CLI reports as lines on stderr with an exit code. */
export class CliError extends Error {
  constructor(
    readonly lines: string[],
    readonly code: number = EXIT.refused,
  ) {
    super(lines.join('\n'));
  }
}

const refuse = (problems: Problem[]) => new CliError(problems.map(formatProblem), EXIT.refused);

/** Reads and validates a plan file; every problem on its own line, exit 2. */
export function readPlan(file: string): Plan {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw refuse([
      problem(
        file,
        `cannot read the plan file (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
        'plan ファイルを読めません',
      ),
    ]);
  }
  const r = parsePlanText(text, file);
  if (!r.ok) throw refuse(r.problems);
  return r.plan;
}

/** The acting person: `--as`, else REMEDIATE_AS. */
export function actorOf(as: string | undefined): string {
  const actor = as ?? process.env.REMEDIATE_AS;
  if (!actor)
    throw refuse([
      problem(
        '--as',
        'who is acting? give --as <person id> or set REMEDIATE_AS',
        '実行者を --as <人物 ID> または REMEDIATE_AS で指定してください',
      ),
    ]);
  return actor;
}

/** `<measure>/<milestone>` (milestone optional when `allowMeasure`). */
export function parseTarget(target: string, allowMeasure = false): { measure: string; milestone?: string } {
  const parts = target.split('/');
  if (parts.length === 2 && parts[0] && parts[1]) return { measure: parts[0], milestone: parts[1] };
  if (allowMeasure && parts.length === 1 && parts[0]) return { measure: parts[0] };
  throw refuse([
    problem(
      'target',
      `expected ${allowMeasure ? '<measure> or ' : ''}<measure>/<milestone>, got: ${target}`,
      `${allowMeasure ? '<施策> または ' : ''}<施策>/<マイルストーン> の形で指定してください: ${target}`,
    ),
  ]);
}

async function listMeasureIds(client: Client, query: string): Promise<Array<{ workflowId: string; program?: string }>> {
  const out: Array<{ workflowId: string; program?: string }> = [];
  for await (const wf of client.workflow.list({ query })) {
    const program = wf.typedSearchAttributes.get(PROGRAM);
    out.push({ workflowId: wf.workflowId, ...(program ? { program } : {}) });
  }
  return out;
}

/** The program to act on: `--program`, else the only one running. */
export async function resolveProgram(client: Client, program: string | undefined): Promise<string> {
  if (program) return program;
  const running = await listMeasureIds(client, `WorkflowType = 'measureWorkflow' AND ExecutionStatus = 'Running'`);
  const programs = [...new Set(running.map((r) => r.program).filter((p): p is string => !!p))].sort();
  if (programs.length === 1 && programs[0]) return programs[0];
  if (programs.length === 0)
    throw refuse([
      problem(
        '--program',
        'no program is running: apply a plan first (`remediate plan apply <file>`)',
        '実行中のプログラムがありません。先に plan apply してください',
      ),
    ]);
  throw refuse([
    problem(
      '--program',
      `several programs are running (${programs.join(', ')}): give --program <id>`,
      `複数のプログラムが実行中です（${programs.join(', ')}）。--program を指定してください`,
    ),
  ]);
}

/** Current state of every running measure of a program, in measure id order. */
export async function programStates(client: Client, program: string): Promise<MeasureState[]> {
  const ids = await listMeasureIds(
    client,
    `WorkflowType = 'measureWorkflow' AND ExecutionStatus = 'Running' AND ${PROGRAM.name} = '${program.replace(/'/g, '')}'`,
  );
  const states = await Promise.all(ids.map((r) => client.workflow.getHandle(r.workflowId).query(stateQuery)));
  return states.sort((a, b) => (a.measure.id < b.measure.id ? -1 : 1));
}

async function runningState(handle: WorkflowHandle): Promise<MeasureState | undefined> {
  try {
    const d = await handle.describe();
    if (d.status.name !== 'RUNNING') return undefined;
    return await handle.query(stateQuery);
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return undefined;
    throw e;
  }
}

/** `plan apply`: starts new measures, amends changed ones, refuses silent changes of commitments. */
export async function applyPlan(
  client: Client,
  plan: Plan,
  actor: string,
): Promise<{ started: string[]; amended: string[]; unchanged: string[] }> {
  if (!plan.program.managers.includes(actor)) {
    throw refuse([
      problem(
        '--as',
        `${actor} may not apply the plan: only a program manager (${plan.program.managers.join(', ')}) may`,
        `${actor} は plan を適用できません（プログラムマネージャーのみ）`,
      ),
    ]);
  }
  const inits = measureInits(plan);
  const running = new Map<string, MeasureState>();
  for (const init of inits) {
    const s = await runningState(client.workflow.getHandle(measureWorkflowId(plan.program.id, init.measure.id)));
    if (s) running.set(init.measure.id, s);
  }
  const diff = planApply(inits, running);
  if (diff.problems.length) throw refuse(diff.problems);
  for (const a of diff.amend) {
    const { type: _type, ...fields } = a.command;
    await update(client, plan.program.id, a.measure, amendUpdate, { ...fields, actor });
  }
  for (const init of diff.start) {
    await client.workflow.start(measureWorkflow, {
      taskQueue: TASK_QUEUE,
      workflowId: measureWorkflowId(plan.program.id, init.measure.id),
      args: [{ init, actor }],
      // Visible to `workflow list --query` before the first workflow task runs.
      typedSearchAttributes: [{ key: PROGRAM, value: plan.program.id }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  }
  return {
    started: diff.start.map((i) => i.measure.id),
    amended: diff.amend.map((a) => a.measure),
    unchanged: diff.unchanged,
  };
}

/** Runs an Update on a measure; a refusal becomes exit 2 with the validator's lines. */
export async function update<A>(
  client: Client,
  program: string,
  measure: string,
  def: UpdateDefinition<MeasureState, [A]>,
  arg: A,
): Promise<MeasureState> {
  const handle = client.workflow.getHandle(measureWorkflowId(program, measure));
  try {
    return await handle.executeUpdate(def, { args: [arg] });
  } catch (e) {
    if (e instanceof WorkflowUpdateFailedError && e.cause instanceof ApplicationFailure && e.cause.type === REFUSED) {
      throw new CliError((e.cause.message || 'refused').split('\n'), EXIT.refused);
    }
    if (e instanceof WorkflowNotFoundError) {
      throw refuse([
        problem(
          'measure',
          `unknown measure: ${measure} (program ${program})`,
          `施策がありません: ${measure}（プログラム ${program}）`,
        ),
      ]);
    }
    throw e;
  }
}

/** The Update for each measure command. */
export const updates = {
  complete: completeUpdate,
  forecast: forecastUpdate,
  replan: replanUpdate,
  approve: approveReplanUpdate,
  reject: rejectReplanUpdate,
  cancel: cancelUpdate,
  reassign: reassignUpdate,
} as const;

/** The state of one measure, or exit 2 when there is no such measure. */
export async function measureState(client: Client, program: string, measure: string): Promise<MeasureState> {
  const s = await runningState(client.workflow.getHandle(measureWorkflowId(program, measure)));
  if (!s)
    throw refuse([
      problem(
        'measure',
        `unknown measure: ${measure} (program ${program})`,
        `施策がありません: ${measure}（プログラム ${program}）`,
      ),
    ]);
  return s;
}

/** `status --json` document. */
export function statusDocument(program: string, states: MeasureState[], now: number) {
  return { program, generatedAt: new Date(now).toISOString(), measures: states.map((s) => measureView(s, now)) };
}

/** `history --json` document: the change log, every action with actor and time, and every notification sent. */
export function historyDocument(state: MeasureState) {
  const zone = state.program.timezone;
  const iso = (ms: number) => formatInstant(ms, zone);
  return {
    program: state.program.id,
    measure: state.measure.id,
    changeLog: state.changeLog.map((c) => ({ ...c, requestedAt: iso(c.requestedAt), decidedAt: iso(c.decidedAt) })),
    actions: state.actions.map((a) => ({ ...a, at: iso(a.at) })),
    pendingReplans: state.pending.map((p) => ({ ...p, requestedAt: iso(p.requestedAt) })),
    notifications: state.sent.map((s) => ({
      ...s,
      at: iso(s.at),
      to: s.to.map((id) => state.people[id]?.email ?? id),
    })),
  };
}

/** `simulate`: reads plan and actions, runs the pure simulation. */
export function runSimulation(
  file: string,
  opts: { from?: string; until: string; actions?: string },
): { plan: Plan; from: string; until: string; events: SimEvent[] } {
  const plan = readPlan(file);
  const zone = plan.program.timezone;
  const from = opts.from ?? dateOf(Date.now(), zone);
  const bad: Problem[] = [];
  if (!isLocalDate(from)) bad.push(problem('--from', `not a date: ${from}`, `日付ではありません: ${from}`));
  if (!isLocalDate(opts.until))
    bad.push(problem('--until', `not a date: ${opts.until}`, `日付ではありません: ${opts.until}`));
  else if (isLocalDate(from) && opts.until <= from)
    bad.push(problem('--until', `must be after --from (${from})`, `--from（${from}）より後にしてください`));
  if (bad.length) throw refuse(bad);
  let actions;
  if (opts.actions) {
    let text: string;
    try {
      text = readFileSync(opts.actions, 'utf8');
    } catch {
      throw refuse([problem(opts.actions, 'cannot read the actions file', 'actions ファイルを読めません')]);
    }
    const r = parseActions(text, opts.actions);
    if (!r.ok) throw refuse(r.problems);
    actions = r.actions;
  }
  try {
    const events = simulate(plan, {
      from: startOfDay(from, zone),
      until: startOfDay(opts.until, zone),
      ...(actions ? { actions } : {}),
    });
    return { plan, from, until: opts.until, events };
  } catch (e) {
    if (e instanceof Error && 'problems' in e) throw refuse((e as { problems: Problem[] }).problems);
    throw e;
  }
}
