/**
 * The one way into the tracker's workflows from outside the worker: applying a plan, sending commands,
 * reading measures and programs. Used by the CLI, `dev`, the tests and the coming web and roll-up. It
 * speaks the domain's problems (`ProblemError`); each interface turns them into its own answer.
 */
import { readFileSync, statSync } from 'node:fs';
import {
  ServiceError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { authorizeApply, planApply } from '../domain/amend';
import type { CommandFields, CommandType } from '../domain/commands';
import { LIMITS } from '../domain/limits';
import type { MeasureState } from '../domain/model';
import { FAILURE, measureWorkflowId, programWorkflowId, TASK_QUEUE, WORKFLOW_TYPE } from '../domain/names';
import { REPORT_TRACK } from '../domain/report-track';
import { reportCommandUpdate } from '../workflows/program';
import { parsePlanText, type Plan } from '../domain/plan';
import { problem, ProblemError, type Problem } from '../domain/problems';
import { measureInits } from '../domain/program';
import type { UpdateOutcome } from '../domain/view';
import { measureWorkflow, stateQuery, UPDATES } from '../workflows/measure';
import { PROGRAM } from '../workflows/search-attributes';
import { applyProgram, checkProgramApply, type ProgramApplyResult } from './rollup';

/** Reads and validates a plan file; every problem at once, as a ProblemError. */
export function readPlanFile(file: string): Plan {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > LIMITS.fileBytes)
      throw new ProblemError([
        problem(
          file,
          `the plan file has ${size} bytes; at most ${LIMITS.fileBytes} are accepted`,
          `plan ファイルが ${size} バイトあります。${LIMITS.fileBytes} バイトまでです`,
        ),
      ]);
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof ProblemError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new ProblemError([
      problem(file, `cannot read the plan file (${code})`, `plan ファイルを読めません（${code}）`),
    ]);
  }
  const r = parsePlanText(text, file);
  if (!r.ok) throw new ProblemError(r.problems);
  return r.plan;
}

const quoted = (s: string) => `'${s.replace(/[^a-z0-9-]/g, '')}'`;

async function listMeasures(client: Client, query: string): Promise<Array<{ workflowId: string; program?: string }>> {
  const out: Array<{ workflowId: string; program?: string }> = [];
  for await (const wf of client.workflow.list({ query })) {
    const program = wf.typedSearchAttributes.get(PROGRAM);
    out.push({ workflowId: wf.workflowId, ...(program ? { program } : {}) });
  }
  return out;
}

const RUNNING_MEASURES = `WorkflowType = '${WORKFLOW_TYPE.measure}' AND ExecutionStatus = 'Running'`;

/** The program to act on: the one given, else the only one running. */
export async function resolveProgram(client: Client, program: string | undefined): Promise<string> {
  if (program) return program;
  const running = await listMeasures(client, RUNNING_MEASURES);
  const programs = [...new Set(running.map((r) => r.program).filter((p): p is string => !!p))].sort();
  if (programs.length === 1 && programs[0]) return programs[0];
  if (programs.length === 0)
    throw new ProblemError([
      problem(
        '--program',
        'no program is running: apply a plan first (`remediate plan apply <file>`)',
        '実行中のプログラムがありません。先に plan apply してください',
      ),
    ]);
  throw new ProblemError([
    problem(
      '--program',
      `several programs are running (${programs.join(', ')}): give --program <id>`,
      `複数のプログラムが実行中です（${programs.join(', ')}）。--program を指定してください`,
    ),
  ]);
}

/** Current state of every running measure of a program, in measure id order (one visibility listing, then queries). */
export async function programStates(client: Client, program: string): Promise<MeasureState[]> {
  const ids = await listMeasures(client, `${RUNNING_MEASURES} AND ${PROGRAM.name} = ${quoted(program)}`);
  const states = await Promise.all(ids.map((r) => client.workflow.getHandle(r.workflowId).query(stateQuery)));
  return states.sort((a, b) => (a.measure.id < b.measure.id ? -1 : 1));
}

/** gRPC's status code for a method the server does not have. */
const GRPC_UNIMPLEMENTED = 12;

/** `programStates`, or none on a server without visibility listing (Temporal's time-skipping test server). */
async function programStatesIfListed(client: Client, program: string): Promise<MeasureState[]> {
  try {
    return await programStates(client, program);
  } catch (e) {
    if (e instanceof ServiceError && (e.cause as { code?: number } | undefined)?.code === GRPC_UNIMPLEMENTED) return [];
    throw e;
  }
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

const unknownMeasure = (program: string, measure: string) =>
  new ProblemError([
    problem(
      'measure',
      `unknown measure: ${measure} (program ${program})`,
      `施策がありません: ${measure}（プログラム ${program}）`,
    ),
  ]);

/** The state of one running measure; a ProblemError when there is none. */
export async function measureState(client: Client, program: string, measure: string): Promise<MeasureState> {
  const s = await runningState(client.workflow.getHandle(measureWorkflowId(program, measure)));
  if (!s) throw unknownMeasure(program, measure);
  return s;
}

/** What `plan apply` did. */
export interface ApplyResult {
  started: string[];
  amended: string[];
  unchanged: string[];
  /** The program workflow and the Schedule of its progress updates. */
  rollup: ProgramApplyResult;
}

/**
 * `plan apply`: authorised by the running program's managers (by the file's only for a new program),
 * starts new measures with the live dates of what they depend on, amends changed ones, and refuses
 * silent changes of commitments. Nothing is changed when anything is refused.
 */
export async function applyPlan(client: Client, plan: Plan, actor: string): Promise<ApplyResult> {
  const inits = measureInits(plan);
  const running = new Map<string, MeasureState>();
  for (const s of await programStatesIfListed(client, plan.program.id)) running.set(s.measure.id, s);
  // Visibility may lag a moment behind a start: ask each measure of the file directly too.
  for (const init of inits) {
    if (running.has(init.measure.id)) continue;
    const s = await runningState(client.workflow.getHandle(measureWorkflowId(plan.program.id, init.measure.id)));
    if (s) running.set(init.measure.id, s);
  }
  const refused = authorizeApply(plan, [...running.values()], actor);
  if (refused.length) throw new ProblemError(refused);
  const diff = planApply(inits, running);
  if (diff.problems.length) throw new ProblemError(diff.problems);
  await checkProgramApply(client, plan, actor);
  // The program first: if it refuses the version, no measure has changed.
  const rollup = await applyProgram(client, plan, actor);
  for (const a of diff.amend) {
    const { type: _type, ...fields } = a.command;
    await sendCommand(client, plan.program.id, a.measure, 'amend', { ...fields, actor });
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
    rollup,
  };
}

/** The problems a refused Update carries (its validator's lines). */
function refusedProblems(e: unknown): Problem[] | undefined {
  if (!(e instanceof WorkflowUpdateFailedError)) return undefined;
  const cause = e.cause;
  if (!(cause instanceof ApplicationFailure) || cause.type !== FAILURE.refused) return undefined;
  const details = cause.details?.[0];
  if (Array.isArray(details)) return details as Problem[];
  return (cause.message || 'refused').split('\n').map((line) => problem('', line, line));
}

/** Sends a command to a measure as its Workflow Update; a refusal is a ProblemError with the validator's problems. */
export async function sendCommand<T extends CommandType>(
  client: Client,
  program: string,
  measure: string,
  type: T,
  args: CommandFields<T> & { actor: string },
): Promise<UpdateOutcome> {
  if (measure === REPORT_TRACK) return sendReportCommand(client, program, type, args);
  const handle = client.workflow.getHandle(measureWorkflowId(program, measure));
  try {
    return await handle.executeUpdate(UPDATES[type] as (typeof UPDATES)['complete'], {
      args: [args as CommandFields<'complete'> & { actor: string }],
    });
  } catch (e) {
    const problems = refusedProblems(e);
    if (problems) throw new ProblemError(problems);
    if (e instanceof WorkflowNotFoundError) throw unknownMeasure(program, measure);
    throw e;
  }
}

/** A command on a report deadline (`@reports/<report>`): the program workflow's report track takes it. */
async function sendReportCommand(
  client: Client,
  program: string,
  type: CommandType,
  args: Record<string, unknown>,
): Promise<UpdateOutcome> {
  try {
    return await client.workflow
      .getHandle(programWorkflowId(program))
      .executeUpdate(reportCommandUpdate, { args: [{ type, args }] });
  } catch (e) {
    const problems = refusedProblems(e);
    if (problems) throw new ProblemError(problems);
    if (e instanceof WorkflowNotFoundError) throw unknownMeasure(program, REPORT_TRACK);
    throw e;
  }
}
