/**
 * The shape of each command as it arrives in a Workflow Update: checked before the rules of the
 * reducer, so a malformed payload is refused with a clear line instead of failing inside them.
 */
import { z } from 'zod';
import { milestoneSchema, personSchema, policySchema, zodProblem } from './plan';
import type { Problem } from './problems';
import type { Command } from './reducer';

const text = z.string();
const actor = z.string();
const dependency = z.strictObject({ due: text, forecast: text.optional(), done: z.boolean() });

const shapes: Record<Command['type'], z.ZodType> = {
  complete: z.strictObject({ actor, milestone: text, evidence: text }),
  forecast: z.strictObject({ actor, milestone: text, date: text }),
  replan: z.strictObject({ actor, milestone: text, date: text, reason: text }),
  'approve-replan': z.strictObject({ actor, milestone: text, reason: text.optional() }),
  'reject-replan': z.strictObject({ actor, milestone: text, reason: text.optional() }),
  cancel: z.strictObject({ actor, reason: text }),
  reassign: z.strictObject({ actor, milestone: text.optional(), to: text, reason: text }),
  amend: z.strictObject({
    actor,
    milestones: z.array(milestoneSchema),
    people: z.record(text, personSchema),
    external: z.record(text, dependency),
    dependents: z.record(text, z.array(text)),
    measure: z.record(text, z.unknown()).optional(),
    policy: policySchema.optional(),
    program: z.record(text, z.unknown()).optional(),
  }),
};

/** Problems with the shape of a command's arguments (empty when well formed). */
export function commandShapeProblems(type: Command['type'], args: unknown): Problem[] {
  const r = shapes[type].safeParse(args, { reportInput: true });
  return r.success ? [] : r.error.issues.map((i) => zodProblem(i));
}
