import { patched, workflowInfo } from '@temporalio/workflow';

/**
 * Events after which a run continues as new, whatever the server suggests: the time-skipping test
 * server never suggests, and a cluster left at Temporal's default suggests only after tens of
 * thousands of events. The dev server and deploy/temporal/dynamicconfig.yaml suggest at the same
 * 1,500 (`limit.historyCount.suggestContinueAsNew`); one notifier step adds at most a few dozen
 * events after the check, so a run stays under 2,000.
 */
export const HISTORY_EVENTS_PER_RUN = 1500;

/** Since this version a run ends by length itself, not only when the server suggests it. */
const HISTORY_LENGTH_LIMIT = 'history-length-limit';

/**
 * Whether this run has grown to HISTORY_EVENTS_PER_RUN events. Called only from a workflow's main
 * loop, never inside a `condition` (a patch there would be decided mid-activation): its marker is
 * written only by a run that got this long, so short runs carry none. (A marker at every workflow
 * start made the first refused Update's speculative workflow task persist in history.)
 */
export function historyIsLong(): boolean {
  return workflowInfo().historyLength >= HISTORY_EVENTS_PER_RUN && patched(HISTORY_LENGTH_LIMIT);
}
