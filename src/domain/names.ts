/** Names that cross boundaries (workflow, activities, client, CLI): one spelling each. */

/** The task queue of the measure workflows. */
export const TASK_QUEUE = 'remediation';

/** Workflow type names, as the client starts them and `WorkflowType = '...'` queries find them. */
export const WORKFLOW_TYPE = {
  measure: 'measureWorkflow',
  program: 'programWorkflow',
  update: 'progressUpdateWorkflow',
  scheduledUpdate: 'scheduledUpdateWorkflow',
} as const;

/** The failure types of `ApplicationFailure`s, as the client and the workflow tell them apart. */
export const FAILURE = {
  /** A command refused by its Update validator; `details[0]` holds the problems. */
  refused: 'Refused',
  /** A notification the mail activity can never send (no recipients, a bad address): not retried. */
  badNotification: 'BadNotification',
} as const;

/** The query, signal and patch names of the measure workflow. */
export const MEASURE_QUERY = 'state';
export const DEPENDENCY_SIGNAL = 'dependencyChanged';

/** The workflow id of a measure: `measure/<program>/<measure>`. */
export function measureWorkflowId(program: string, measure: string): string {
  return `measure/${program}/${measure}`;
}

/** The program workflow's query, its Updates and the signal by which update workflows report to it. */
export const PROGRAM_QUERY = 'programState';
export const PROGRAM_APPLY_UPDATE = 'applyPlanVersion';
export const PROGRAM_REPORT_UPDATE = 'reportCommand';
export const UPDATE_EVENT_SIGNAL = 'updateEvent';
/** The update workflow's query and its one Update (approve, reject, recompile). */
export const UPDATE_QUERY = 'updateState';
export const UPDATE_DECIDE = 'decide';
/** The signal by which the program tells its open updates who decides on them after a plan change. */
export const UPDATE_DECIDERS_SIGNAL = 'deciders';

/** The workflow id of a program: `program/<program>`. */
export function programWorkflowId(program: string): string {
  return `program/${program}`;
}

/** The id of the Schedule of a program's progress updates: `progress-update/<program>`. */
export function updateScheduleId(program: string): string {
  return `progress-update/${program}`;
}

/** The workflow id of one progress update: `progress-update/<program>/<period>`. */
export function updateWorkflowId(program: string, period: string): string {
  return `progress-update/${program}/${period}`;
}

/** The custom search attributes' names (their typed keys are in src/workflows/search-attributes.ts). */
export const SEARCH_ATTRIBUTE = {
  program: 'RemediationProgram',
  measure: 'RemediationMeasure',
  status: 'RemediationStatus',
  owner: 'RemediationOwner',
  nextDue: 'RemediationNextDue',
} as const;

/** The visibility query of a program's running measures (`program` is an id: [a-z0-9-]). */
export function runningMeasuresQuery(program?: string): string {
  const base = `WorkflowType = '${WORKFLOW_TYPE.measure}' AND ExecutionStatus = 'Running'`;
  return program === undefined
    ? base
    : `${base} AND ${SEARCH_ATTRIBUTE.program} = '${program.replace(/[^a-z0-9-]/g, '')}'`;
}

/**
 * The memo keys of a measure: its view (`status`), its reporting state (the roll-up), and what `plan
 * apply` reads from the listing (`PlanMemo`).
 */
export const MEMO = { view: 'snapshot', report: 'report', plan: 'plan' } as const;

/** The memo `plan apply` reads: the digest of the measure's definition as last applied, and the program's managers. */
export interface PlanMemo {
  digest: string | null;
  managers: string[];
}
