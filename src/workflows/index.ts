/** The workflows the worker registers. */
export { measureWorkflow } from './measure';
export { programWorkflow } from './program';
export { progressUpdateWorkflow, scheduledUpdateWorkflow } from './update';
