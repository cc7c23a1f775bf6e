/** Names that cross boundaries (workflow, activities, client, CLI): one spelling each. */

/** The task queue of the measure workflows. */
export const TASK_QUEUE = 'remediation';

/** Workflow type names, as the client starts them and `WorkflowType = '...'` queries find them. */
export const WORKFLOW_TYPE = { measure: 'measureWorkflow' } as const;

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
