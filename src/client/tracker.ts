/**
 * The one way into the tracker's workflows from outside the worker: applying a plan, sending commands,
 * reading measures and programs. Used by the CLI, `dev`, the tests and the coming web and roll-up. It
 * speaks the domain's problems (`ProblemError`); each interface turns them into its own answer.
 */
import { createHash } from 'node:crypto';
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
import { LIMITS, own } from '../domain/limits';
import type { MeasureState } from '../domain/model';
import {
  FAILURE,
  MEMO,
  measureWorkflowId,
  programWorkflowId,
  runningMeasuresQuery,
  TASK_QUEUE,
  WORKFLOW_TYPE,
  type PlanMemo,
} from '../domain/names';
import { REPORT_TRACK } from '../domain/report-track';
import { reportCommandUpdate } from '../workflows/program';
import { parsePlanText, type Plan } from '../domain/plan';
import { problem, ProblemError, type Problem } from '../domain/problems';
import { measureInits, type MeasureInit } from '../domain/program';
import { parseTarget } from '../domain/refs';
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
 * Requests `plan apply` keeps in flight at once (starts, queries, amendments). The dev server takes
 * about this many before its own rate stops rising (see the README's figures); a cluster takes more.
 */
export const APPLY_CONCURRENCY = 32;

/** `fn` over `items`, at most `limit` at a time; results in the order of `items`. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}

/** The sha256 of a measure's definition in a plan: equal digests, equal definitions (see `MeasureState.planDigest`). */
export function planDigest(init: MeasureInit): string {
  return createHash('sha256').update(JSON.stringify(init)).digest('hex');
}

/** A running measure as the visibility listing shows it. */
interface Listed {
  workflowId: string;
  plan?: PlanMemo;
}

/**
 * The program's running measures by measure id, from one paged listing with their plan memos;
 * undefined on a server without visibility listing (Temporal's time-skipping test server).
 */
async function listedMeasures(client: Client, program: string): Promise<Map<string, Listed> | undefined> {
  const out = new Map<string, Listed>();
  try {
    for await (const wf of client.workflow.list({ query: runningMeasuresQuery(program), pageSize: 500 })) {
      const measure = wf.workflowId.slice(measureWorkflowId(program, '').length);
      const plan = wf.memo?.[MEMO.plan] as PlanMemo | undefined;
      out.set(measure, { workflowId: wf.workflowId, ...(plan ? { plan } : {}) });
    }
  } catch (e) {
    if (e instanceof ServiceError && (e.cause as { code?: number } | undefined)?.code === GRPC_UNIMPLEMENTED)
      return undefined;
    throw e;
  }
  return out;
}

/** Whether the program's workflow exists (in any state): a program never applied has no measures. */
async function programKnown(client: Client, program: string): Promise<boolean> {
  try {
    await client.workflow.getHandle(programWorkflowId(program)).describe();
    return true;
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return false;
    throw e;
  }
}

/**
 * `plan apply`: authorised by the running program's managers (by the file's only for a new program),
 * starts new measures with the live dates of what they depend on, amends changed ones, and refuses
 * silent changes of commitments. Nothing is changed when anything is refused.
 *
 * It reads the running program from one visibility listing: a measure whose memo carries the digest
 * of its definition in this file is unchanged without asking it; only the others (changed, started
 * by an older version, or needed for the live dates of a new measure's dependencies) are queried.
 * Starts, queries and amendments run `APPLY_CONCURRENCY` at a time.
 */
export async function applyPlan(client: Client, plan: Plan, actor: string): Promise<ApplyResult> {
  const program = plan.program.id;
  const inits = measureInits(plan);
  const digest = new Map(inits.map((i) => [i.measure.id, planDigest(i)]));
  const listed = await listedMeasures(client, program);
  const same = (id: string) => {
    const d = listed?.get(id)?.plan?.digest;
    return d !== undefined && d === digest.get(id);
  };
  // Visibility may lag a moment behind a start: ask each measure of the file not listed directly too,
  // unless the program was never applied (its workflow starts before any measure).
  const askUnlisted = listed === undefined || (await programKnown(client, program));
  const inFile = new Set(inits.map((i) => i.measure.id));
  const wanted = new Set<string>();
  for (const init of inits) {
    const id = init.measure.id;
    if (!same(id) && (listed?.has(id) || askUnlisted)) wanted.add(id);
  }
  // Running measures the file no longer names still count for who may apply it.
  for (const [id, l] of listed ?? []) if (!inFile.has(id) && !l.plan) wanted.add(id);
  const running = new Map<string, MeasureState>();
  const ask = (ids: Iterable<string>) =>
    mapLimit(
      [...ids].filter((id) => !running.has(id)),
      APPLY_CONCURRENCY,
      async (id) => {
        const s = await runningState(client.workflow.getHandle(measureWorkflowId(program, id)));
        if (s) running.set(id, s);
      },
    );
  await ask(wanted);
  // Then the measures whose live dates a new measure, or a new dependency of a running one, starts with.
  const deps = new Set<string>();
  for (const init of inits) {
    if (same(init.measure.id) && !running.has(init.measure.id)) continue;
    const state = running.get(init.measure.id);
    for (const ref of Object.keys(init.external))
      if (!state || own(state.external, ref) === undefined) deps.add(parseTarget(ref)?.measure ?? '');
  }
  deps.delete('');
  await ask([...deps].filter((id) => listed?.has(id) || askUnlisted));

  const managersOf = [...running.values()] as Array<{ program: { managers: readonly string[] } }>;
  for (const [id, l] of listed ?? []) if (!running.has(id) && l.plan) managersOf.push({ program: l.plan });
  const refused = authorizeApply(plan, managersOf, actor);
  if (refused.length) throw new ProblemError(refused);
  const unchanged = new Set(
    inits.filter((i) => same(i.measure.id) && !running.has(i.measure.id)).map((i) => i.measure.id),
  );
  const diff = planApply(
    inits.filter((i) => !unchanged.has(i.measure.id)),
    running,
  );
  if (diff.problems.length) throw new ProblemError(diff.problems);
  await checkProgramApply(client, plan, actor);
  // The program first: if it refuses the version, no measure has changed.
  const rollup = await applyProgram(client, plan, actor);
  await mapLimit(diff.amend, APPLY_CONCURRENCY, async (a) => {
    const { type: _type, ...fields } = a.command;
    await sendCommand(client, program, a.measure, 'amend', {
      ...fields,
      planDigest: digest.get(a.measure),
      actor,
    });
  });
  await mapLimit(diff.start, APPLY_CONCURRENCY, async (init) => {
    const planned = digest.get(init.measure.id) ?? planDigest(init);
    const memo: PlanMemo = { digest: planned, managers: init.program.managers };
    await client.workflow.start(measureWorkflow, {
      taskQueue: TASK_QUEUE,
      workflowId: measureWorkflowId(program, init.measure.id),
      args: [{ init, actor, planDigest: planned }],
      // Visible to `workflow list --query` before the first workflow task runs.
      typedSearchAttributes: [{ key: PROGRAM, value: program }],
      memo: { [MEMO.plan]: memo },
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
  });
  const amended = new Set(diff.amend.map((a) => a.measure));
  const unchangedNow = new Set([...unchanged, ...diff.unchanged]);
  const order = inits.map((i) => i.measure.id);
  return {
    started: diff.start.map((i) => i.measure.id),
    amended: order.filter((id) => amended.has(id)),
    unchanged: order.filter((id) => unchangedNow.has(id)),
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
