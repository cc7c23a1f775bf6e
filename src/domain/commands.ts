/**
 * The command contract, once: zod schemas for every command a measure takes (as Workflow Updates) and
 * for the signal measures send each other. The TypeScript types are inferred from them, so what the
 * validators check and what the reducer receives cannot drift apart. Every schema is strict: unknown
 * fields, wrong types, inherited keys and over-long texts are refused before any rule runs.
 */
import type { z } from 'zod';
import { LIMITS } from './limits';
import { bi, planSchemas, zod, zodProblem } from './plan';
import { problem, type Problem } from './problems';

/**
 * Builds the command schemas (see `commandSchemas`): zod and the plan's schemas are loaded by the first
 * parse, so a workflow that never receives an Update or a signal never evaluates them.
 */
function buildCommandSchemas(z: typeof import('zod').z) {
  const {
    localizedSchema,
    measureTextsSchema,
    milestoneSchema,
    personIdSchema,
    personSchema,
    policySchema,
    programContextSchema,
  } = planSchemas();
  const idPattern = /^[a-z0-9][a-z0-9-]*$/;
  const id = z
    .string()
    .min(1)
    .max(LIMITS.idChars)
    .regex(idPattern, bi('not an id (a-z, 0-9 and -)', 'ID ではありません（a-z・0-9・-）'));
  /** A name the rules look up (a milestone, a person): any short text; the reducer says when it is unknown. */
  const name = z.string().max(LIMITS.idChars);
  /** `measure/milestone`, both ids. */
  const ref = z
    .string()
    .max(2 * LIMITS.idChars + 1)
    .regex(
      /^[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9-]*$/,
      bi('not a measure/milestone reference', '施策/マイルストーン の参照ではありません'),
    );
  const text = z.string().max(LIMITS.textChars);
  /** Dates are checked by the reducer, which names the problem (`not a date`, `before today` ...). */
  const date = z.string().max(32);

  /** What a measure knows of a milestone of another measure it depends on. */
  const dependencyInfoSchema = z.strictObject({
    due: z.iso.date(),
    forecast: z.iso.date().optional(),
    done: z.boolean(),
  });

  /**
   * The signed mail link a command came through (see src/links.ts): its id, which the measure accepts
   * once, and its expiry. The web server checks the signature; the workflow keeps the ids it has seen.
   */
  const linkSchema = z.strictObject({
    id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
    exp: z.number().int().nonnegative(),
  });

  /** The fields of each command, without the actor. */
  const fields = {
    complete: z.strictObject({ milestone: name, evidence: text, link: linkSchema.optional() }),
    forecast: z.strictObject({ milestone: name, date, link: linkSchema.optional() }),
    replan: z.strictObject({ milestone: name, date, reason: text, link: linkSchema.optional() }),
    'approve-replan': z.strictObject({ milestone: name, reason: text.optional() }),
    'reject-replan': z.strictObject({ milestone: name, reason: text.optional() }),
    cancel: z.strictObject({ reason: text }),
    verify: z.strictObject({ milestone: name, reason: text.optional() }),
    'reject-verification': z.strictObject({ milestone: name, reason: text }),
    reassign: z.strictObject({ milestone: name.optional(), to: name, reason: text }),
    amend: z.strictObject({
      milestones: z.array(milestoneSchema).max(LIMITS.milestonesPerMeasure),
      people: z.record(personIdSchema, personSchema),
      external: z.record(ref, dependencyInfoSchema),
      dependents: z.record(id, z.array(id).max(LIMITS.measures)),
      measure: measureTextsSchema.optional(),
      policy: policySchema.optional(),
      program: programContextSchema.optional(),
      /** New titles of existing milestones, by milestone id. */
      titles: z.record(id, localizedSchema).optional(),
      /** The sha256 of the measure's definition in the applied file (see `MeasureState.planDigest`). */
      planDigest: z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .optional(),
    }),
  } as const;

  /** One command, discriminated by `type`. */
  const commandSchema = z.discriminatedUnion('type', [
    fields.complete.extend({ type: z.literal('complete') }),
    fields.forecast.extend({ type: z.literal('forecast') }),
    fields.replan.extend({ type: z.literal('replan') }),
    fields['approve-replan'].extend({ type: z.literal('approve-replan') }),
    fields['reject-replan'].extend({ type: z.literal('reject-replan') }),
    fields.cancel.extend({ type: z.literal('cancel') }),
    fields.verify.extend({ type: z.literal('verify') }),
    fields['reject-verification'].extend({ type: z.literal('reject-verification') }),
    fields.reassign.extend({ type: z.literal('reassign') }),
    fields.amend.extend({ type: z.literal('amend') }),
  ]);

  /** The `dependencyChanged` signal. */
  const dependencyChangedSchema = z.strictObject({ ref, info: dependencyInfoSchema });

  return { fields, commandSchema, dependencyChangedSchema };
}

type CommandSchemas = ReturnType<typeof buildCommandSchemas>;
let schemas: CommandSchemas | undefined;
/** The command schemas, built once, on first use. */
const commandSchemas = (): CommandSchemas => (schemas ??= buildCommandSchemas(zod()));

/** The kinds of command. */
export type CommandType = keyof CommandSchemas['fields'];
/** The fields of one kind of command. */
export type CommandFields<T extends CommandType> = z.infer<CommandSchemas['fields'][T]>;

/** A command on a measure; the actor and the instant travel beside it (see `Envelope`). */
export type Command = z.infer<CommandSchemas['commandSchema']>;
/** The amendment `plan apply` sends to a running measure. */
export type AmendCommand = Extract<Command, { type: 'amend' }>;

/** The argument of a command's Workflow Update: its fields and the acting person. */
export type UpdateArgs<T extends CommandType> = CommandFields<T> & { actor: string };

/** Every Update a measure takes, by command type. */
export const UPDATE_NAMES = {
  complete: 'complete',
  forecast: 'forecast',
  replan: 'replan',
  'approve-replan': 'approveReplan',
  'reject-replan': 'rejectReplan',
  cancel: 'cancel',
  verify: 'verifyCompletion',
  'reject-verification': 'rejectCompletion',
  reassign: 'reassign',
  amend: 'amend',
} as const satisfies Record<CommandType, string>;

/** The path of the first `__proto__` key anywhere in `v` (JSON can carry one as an own key). */
function protoKeyPath(root: unknown): string | undefined {
  // Depth first with its own stack: a payload nested ten thousand levels deep is refused, not a crash.
  const stack: Array<{ v: unknown; path: string }> = [{ v: root, path: '' }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { v, path } = next;
    if (typeof v !== 'object' || v === null) continue;
    const keys = Object.keys(v);
    for (const key of keys) if (key === '__proto__') return path ? `${path}.${key}` : key;
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      stack.push({ v: (v as Record<string, unknown>)[key], path: path ? `${path}.${key}` : key });
    }
  }
  return undefined;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads an Update's argument as a command of `type`: the actor and the command, or every problem with
 * its shape (not an object, unknown or missing fields, wrong types, texts over the limits).
 */
export function parseUpdateArgs(
  type: CommandType,
  args: unknown,
): { ok: true; actor: string; command: Command } | { ok: false; problems: Problem[] } {
  if (!isRecord(args)) {
    return {
      ok: false,
      problems: [
        problem(
          '',
          'the update takes one object with the actor and the command fields',
          'この更新には実行者とコマンドの項目を持つオブジェクトを 1 つ渡してください',
        ),
      ],
    };
  }
  const proto = protoKeyPath(args);
  if (proto !== undefined)
    return { ok: false, problems: [problem(proto, 'the key __proto__ is not allowed', 'キー __proto__ は使えません')] };
  const { actor, ...rest } = args;
  const problems: Problem[] = [];
  if (typeof actor !== 'string' || actor === '')
    problems.push(problem('actor', 'required: a person id', '必須です（人物 ID）'));
  else if (actor.length > LIMITS.idChars)
    problems.push(problem('actor', `longer than ${LIMITS.idChars} characters`, `${LIMITS.idChars} 文字を超えています`));
  if (Object.hasOwn(rest, 'type')) problems.push(problem('type', 'unknown key: type', '不明なキー: type'));
  const parsed = commandSchemas().commandSchema.safeParse({ ...rest, type }, { reportInput: true });
  if (!parsed.success) problems.push(...parsed.error.issues.map((i) => zodProblem(i)));
  if (problems.length || !parsed.success || typeof actor !== 'string') return { ok: false, problems };
  return { ok: true, actor, command: parsed.data };
}

/** The payload of the signal a measure sends the measures that depend on one of its milestones. */
export type DependencyChanged = z.infer<CommandSchemas['dependencyChangedSchema']>;

/** Reads a `dependencyChanged` signal payload; undefined when malformed (the workflow logs and drops it). */
export function parseDependencyChanged(payload: unknown): DependencyChanged | undefined {
  const r = commandSchemas().dependencyChangedSchema.safeParse(payload);
  return r.success ? r.data : undefined;
}
