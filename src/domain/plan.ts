/**
 * The plan file (design section 2): zod schema, the rules zod cannot express (references, unique ids,
 * dependency cycles), and parsing from YAML or JSON text. An invalid plan is rejected whole with one
 * problem per line, each naming its path.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { JP_HOLIDAY_YEARS, JP_LAST_DUE } from './calendar';
import { isLocalDate, isTimeZone } from './dates';
import { formatPath, problem, type Problem } from './problems';

/** zod carries one message string: both languages travel in it, split again in zodProblem. */
const SEP = '\u0000';
const bi = (en: string, ja: string) => ({ message: `${SEP}${en}${SEP}${ja}` });

const dateField = z.unknown().transform((v, ctx): string => {
  if (typeof v === 'string' && isLocalDate(v)) return v;
  if (v === undefined) {
    ctx.addIssue({ code: 'custom', ...bi('required', '必須です') });
    return z.NEVER;
  }
  const shown = typeof v === 'string' ? v : JSON.stringify(v);
  ctx.addIssue({ code: 'custom', ...bi(`not a date: ${shown}`, `日付ではありません: ${shown}`) });
  return z.NEVER;
});

const idField = (what: string) =>
  z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, bi(`${what} must use only a-z, 0-9 and -`, `${what} は a-z・0-9・- のみ使えます`));

const localized = z.strictObject({ ja: z.string().min(1), en: z.string().min(1) });
const personRef = z.string().min(1);
const lang = z.enum(['ja', 'en']);
const role = z.enum(['owner', 'manager', 'sponsor', 'managers']);

const timeField = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, bi('not a time (HH:MM)', '時刻（HH:MM）ではありません'));

/** One person of the plan. */
export const personSchema = z.strictObject({
  name: z.string().min(1),
  email: z.email(),
  manager: z.string().min(1).optional(),
  lang: z.enum(['ja', 'en']).optional(),
});

/** One escalation policy (also checks a policy carried by an amendment). */
export const policySchema = z.strictObject({
  notifyAt: timeField,
  remindBefore: z.array(z.number().int().min(1)).default([]),
  remindOnDue: z.boolean().default(true),
  escalation: z
    .array(z.strictObject({ afterBusinessDays: z.number().int().min(1), notify: z.array(role).min(1) }))
    .default([]),
  repeatEveryBusinessDays: z.number().int().min(1).optional(),
});

const completionSchema = z.strictObject({ on: dateField, by: personRef, evidence: z.string().min(1) });

/** One milestone of the plan (also checks milestones carried by an amendment). */
export const milestoneSchema = z.strictObject({
  id: idField('milestone id'),
  title: localized,
  due: dateField,
  owner: personRef.optional(),
  forecast: dateField.optional(),
  dependsOn: z.array(z.string().min(1)).default([]),
  completed: completionSchema.optional(),
});

const measureSchema = z.strictObject({
  id: idField('measure id'),
  title: localized,
  directiveItems: z.array(z.string().min(1)).default([]),
  owner: personRef,
  sponsor: personRef.optional(),
  policy: z.string().min(1),
  publicSummary: localized.optional(),
  internalNotes: z.string().optional(),
  verification: z.enum(['required', 'none']).default('none'),
  milestones: z.array(milestoneSchema).min(1),
});

const planSchema = z.strictObject({
  program: z.strictObject({
    id: idField('program id'),
    title: localized,
    directive: z.strictObject({ ref: z.string().min(1), issuer: z.string().min(1), issuedOn: dateField }),
    timezone: z
      .string()
      .refine(
        (tz) => /^(UTC|[A-Za-z]+(\/[A-Za-z0-9_+-]+)+)$/.test(tz) && isTimeZone(tz),
        bi('not an IANA time zone', 'IANA タイムゾーンではありません'),
      ),
    calendar: z.enum(['jp', 'weekdays']),
    closedDates: z.array(dateField).default([]),
    language: lang.default('ja'),
    managers: z.array(personRef).min(1),
    comms: z.array(personRef).default([]),
    reports: z
      .array(z.strictObject({ id: idField('report id'), title: localized, due: dateField, owner: personRef }))
      .default([]),
    updates: z.strictObject({ every: z.enum(['month', 'week']), day: z.number().int().min(1).max(28) }).optional(),
  }),
  people: z.record(
    z
      .string()
      .regex(
        /^[a-z0-9][a-z0-9._-]*$/,
        bi('person id must use only a-z, 0-9, ., _ and -', '人物 ID は a-z・0-9・.・_・- のみ使えます'),
      ),
    personSchema,
  ),
  policies: z.record(z.string().min(1), policySchema),
  measures: z.array(measureSchema).min(1),
});

/** A validated plan, with defaults filled in. */
export type Plan = z.infer<typeof planSchema>;
export type Policy = Plan['policies'][string];
export type Person = Plan['people'][string];
export type PlanMeasure = Plan['measures'][number];
export type PlanMilestone = PlanMeasure['milestones'][number];
export type EscalationRole = z.infer<typeof role>;
export type Lang = z.infer<typeof lang>;
export type Localized = z.infer<typeof localized>;

/** Result of reading a plan: the plan, or every problem found. */
export type PlanResult = { ok: true; plan: Plan } | { ok: false; problems: Problem[] };

/** A zod issue as a bilingual problem with its path. */
export function zodProblem(issue: z.core.$ZodIssue, parentPath: PropertyKey[] = []): Problem {
  const path = formatPath([...parentPath, ...issue.path]);
  if (issue.code === 'invalid_key' || issue.code === 'invalid_element') {
    const inner = issue.issues[0];
    if (inner) return zodProblem(inner, [...parentPath, ...issue.path]);
  }
  if (issue.message.startsWith(SEP)) {
    const [, en = '', ja = ''] = issue.message.split(SEP);
    return problem(path, en, ja);
  }
  switch (issue.code) {
    case 'invalid_type':
      if ((issue as { input?: unknown }).input === undefined) return problem(path, 'required', '必須です');
      return problem(path, `expected ${issue.expected}`, `${issue.expected} が必要です`);
    case 'unrecognized_keys':
      return problem(path, `unknown key: ${issue.keys.join(', ')}`, `不明なキー: ${issue.keys.join(', ')}`);
    case 'invalid_value':
      return problem(
        path,
        `must be one of: ${issue.values.map(String).join(', ')}`,
        `次のいずれかにしてください: ${issue.values.map(String).join(', ')}`,
      );
    case 'too_small':
      if (issue.origin === 'array')
        return problem(
          path,
          `needs at least ${String(issue.minimum)} item(s)`,
          `${String(issue.minimum)} 件以上必要です`,
        );
      if (issue.origin === 'string') return problem(path, 'must not be empty', '空にできません');
      return problem(path, `must be at least ${String(issue.minimum)}`, `${String(issue.minimum)} 以上にしてください`);
    case 'too_big':
      return problem(path, `must be at most ${String(issue.maximum)}`, `${String(issue.maximum)} 以下にしてください`);
    case 'invalid_format':
      return problem(path, `not a valid ${issue.format}`, `${issue.format} の形式ではありません`);
    default:
      return problem(path, issue.message, issue.message);
  }
}

/** Splits a dependency reference: `measure/milestone`, or a bare `milestone` of `ownMeasure`. */
export function splitRef(ref: string, ownMeasure: string): { measure: string; milestone: string } {
  const i = ref.indexOf('/');
  return i < 0 ? { measure: ownMeasure, milestone: ref } : { measure: ref.slice(0, i), milestone: ref.slice(i + 1) };
}

function duplicates(ids: string[]): Set<string> {
  const seen = new Set<string>();
  const dup = new Set<string>();
  for (const id of ids) (seen.has(id) ? dup : seen).add(id);
  return dup;
}

/** The rules beyond the schema: unique ids, resolvable references, no dependency cycles. */
function crossCheck(plan: Plan): Problem[] {
  const out: Problem[] = [];
  const people = new Set(Object.keys(plan.people));
  const needPerson = (path: string, ref: string | undefined) => {
    if (ref !== undefined && !people.has(ref))
      out.push(problem(path, `unknown person: ${ref}`, `未定義の人物です: ${ref}`));
  };
  plan.program.managers.forEach((p, i) => needPerson(`program.managers[${i}]`, p));
  (plan.program.comms ?? []).forEach((p, i) => needPerson(`program.comms[${i}]`, p));
  const dupReports = duplicates((plan.program.reports ?? []).map((r) => r.id));
  (plan.program.reports ?? []).forEach((r, i) => {
    needPerson(`program.reports[${i}].owner`, r.owner);
    if (dupReports.has(r.id))
      out.push(
        problem(`program.reports[${i}].id`, `duplicate report id: ${r.id}`, `報告 ID が重複しています: ${r.id}`),
      );
  });
  for (const [name, policy] of Object.entries(plan.policies)) {
    const ladder = policy.escalation ?? [];
    ladder.forEach((level, i) => {
      const prev = ladder[i - 1];
      if (prev && level.afterBusinessDays <= prev.afterBusinessDays) {
        out.push(
          problem(
            `policies.${name}.escalation[${i}].afterBusinessDays`,
            `must be greater than the previous level's (${prev.afterBusinessDays}): levels climb in order`,
            `前の段階（${prev.afterBusinessDays}）より大きくしてください`,
          ),
        );
      }
    });
  }
  for (const [id, person] of Object.entries(plan.people)) {
    needPerson(`people.${id}.manager`, person.manager);
    if (person.manager === id)
      out.push(problem(`people.${id}.manager`, 'a person cannot be their own manager', '本人を上長にはできません'));
  }

  const dupMeasures = duplicates(plan.measures.map((m) => m.id));
  const milestoneIds = new Map<string, Set<string>>();
  for (const m of plan.measures) {
    const ids = milestoneIds.get(m.id) ?? new Set<string>();
    for (const ms of m.milestones) ids.add(ms.id);
    milestoneIds.set(m.id, ids);
  }
  plan.measures.forEach((m, i) => {
    const at = `measures[${i}]`;
    if (dupMeasures.has(m.id))
      out.push(problem(`${at}.id`, `duplicate measure id: ${m.id}`, `施策 ID が重複しています: ${m.id}`));
    needPerson(`${at}.owner`, m.owner);
    needPerson(`${at}.sponsor`, m.sponsor);
    if (!(m.policy in plan.policies))
      out.push(problem(`${at}.policy`, `unknown policy: ${m.policy}`, `未定義のポリシーです: ${m.policy}`));
    const dupMs = duplicates(m.milestones.map((ms) => ms.id));
    m.milestones.forEach((ms, j) => {
      const mat = `${at}.milestones[${j}]`;
      if (dupMs.has(ms.id))
        out.push(
          problem(
            `${mat}.id`,
            `duplicate milestone id in ${m.id}: ${ms.id}`,
            `${m.id} 内でマイルストーン ID が重複しています: ${ms.id}`,
          ),
        );
      needPerson(`${mat}.owner`, ms.owner);
      needPerson(`${mat}.completed.by`, ms.completed?.by);
      (ms.dependsOn ?? []).forEach((ref, k) => {
        const { measure, milestone } = splitRef(ref, m.id);
        if (!milestoneIds.get(measure)?.has(milestone)) {
          out.push(
            problem(`${mat}.dependsOn[${k}]`, `unknown milestone: ${ref}`, `未定義のマイルストーンです: ${ref}`),
          );
        } else if (measure === m.id && milestone === ms.id) {
          out.push(
            problem(`${mat}.dependsOn[${k}]`, 'a milestone cannot depend on itself', '自分自身には依存できません'),
          );
        }
      });
    });
  });
  if (plan.program.calendar === 'jp') {
    plan.measures.forEach((m, i) =>
      m.milestones.forEach((ms, j) => {
        if (ms.due > JP_LAST_DUE)
          out.push(
            problem(
              `measures[${i}].milestones[${j}].due`,
              `after ${JP_LAST_DUE}: the Japanese holiday data ends in ${JP_HOLIDAY_YEARS.last} (use calendar: weekdays)`,
              `${JP_LAST_DUE} より後です。祝日データは ${JP_HOLIDAY_YEARS.last} 年までです（calendar: weekdays を使ってください）`,
            ),
          );
      }),
    );
  }
  if (out.length === 0) out.push(...cycleProblems(plan));
  return out;
}

/** Reports each dependency cycle once, at the first milestone on it, naming the whole loop. */
function cycleProblems(plan: Plan): Problem[] {
  const edges = new Map<string, string[]>();
  const where = new Map<string, string>();
  plan.measures.forEach((m, i) =>
    m.milestones.forEach((ms, j) => {
      const key = `${m.id}/${ms.id}`;
      where.set(key, `measures[${i}].milestones[${j}].dependsOn`);
      edges.set(
        key,
        (ms.dependsOn ?? []).map((ref) => {
          const r = splitRef(ref, m.id);
          return `${r.measure}/${r.milestone}`;
        }),
      );
    }),
  );
  const out: Problem[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'visiting') {
        const loop = [...stack.slice(stack.indexOf(next)), next].join(' -> ');
        out.push(problem(where.get(next) ?? '', `dependency cycle: ${loop}`, `依存関係が循環しています: ${loop}`));
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  return out;
}

/** Validates an already-parsed plan object. */
export function validatePlan(input: unknown): PlanResult {
  const parsed = planSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => zodProblem(i));
    // Report the reference problems too, as far as the malformed input lets us read it.
    const seen = new Set(problems.map((p) => p.path));
    let more: Problem[] = [];
    try {
      // A malformed id would make every reference to it look broken too: leave those out.
      const badIds = problems.some((p) => p.path.endsWith('.id'));
      more = crossCheck(input as Plan).filter((p) => !seen.has(p.path) && !(badIds && p.path.includes('.dependsOn')));
    } catch {
      // Too malformed to follow references: the schema problems say enough.
    }
    return { ok: false, problems: [...problems, ...more] };
  }
  const problems = crossCheck(parsed.data);
  return problems.length ? { ok: false, problems } : { ok: true, plan: parsed.data };
}

/** Parses plan text (YAML, of which JSON is a subset) and validates it. `source` names the file in syntax errors. */
export function parsePlanText(text: string, source = 'plan'): PlanResult {
  let data: unknown;
  try {
    data = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    const msg = e instanceof Error ? (e.message.split('\n')[0] ?? e.message) : String(e);
    return {
      ok: false,
      problems: [problem(source, `not valid YAML/JSON: ${msg}`, `YAML/JSON として読めません: ${msg}`)],
    };
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return {
      ok: false,
      problems: [
        problem(
          source,
          'the plan must be a mapping with program, people, policies and measures',
          'plan は program・people・policies・measures を持つマッピングである必要があります',
        ),
      ],
    };
  }
  return validatePlan(data);
}
