/** The workflows the worker registers. */
export { measureWorkflow } from './measure';
