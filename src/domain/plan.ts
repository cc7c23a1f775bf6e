/**
 * The plan file (design section 2): zod schema, the rules zod cannot express (references, unique ids,
 * dependency cycles), and parsing from YAML or JSON text. An invalid plan is rejected whole with one
 * problem per line, each naming its path.
 */
import type * as Yaml from 'yaml';
import type { z } from 'zod';
import { CALENDAR_KINDS, calendarRange, JP_HOLIDAY_YEARS, JP_LAST_DUE, lastDue, type CalendarKind } from './calendar';
import { isLocalDate, isTimeZone } from './dates';
import { LIMITS, own } from './limits';
import { splitRef } from './refs';
import { formatPath, problem, type Problem } from './problems';

/**
 * zod, loaded on first use. Workflow code imports this module, and the workflow sandbox evaluates every
 * module it imports again for each workflow it runs: zod (and the schemas built with it) cost about a
 * megabyte per cached workflow, although only a workflow that parses an Update or a signal needs them.
 * Loaded here, zod is evaluated by the first parse instead. Same schemas, same results.
 */
export function zod(): typeof z {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (zodModule ??= (require('zod') as { z: typeof z }).z);
}
let zodModule: typeof z | undefined;

/** The YAML reader, loaded on first use (only `parsePlanText` reads YAML; workflows never do). */
function yaml(): typeof Yaml {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (yamlModule ??= require('yaml') as typeof Yaml);
}
let yamlModule: typeof Yaml | undefined;

/** zod carries one message string: both languages travel in it, split again in zodProblem. */
const SEP = '\u0000';
/** A zod issue message in both languages (split again by `zodProblem`). */
export const bi = (en: string, ja: string) => ({ message: `${SEP}${en}${SEP}${ja}` });

/** Builds the plan's schemas (see `planSchemas`). */
function buildPlanSchemas(z: typeof import('zod').z) {
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

  /** A non-empty text of at most `max` characters. */
  const text = (max: number) =>
    z
      .string()
      .min(1)
      .max(max, bi(`too long: at most ${max} characters`, `長すぎます: ${max} 文字以内にしてください`));

  const ID_RE = /^[a-z0-9][a-z0-9-]*$/;
  const idField = (what: string, whatJa = what) =>
    text(LIMITS.idChars).regex(
      ID_RE,
      bi(`${what} must use only a-z, 0-9 and -`, `${whatJa} は a-z・0-9・- のみ使えます`),
    );

  /** A whole number in `min..max`, with one bilingual message naming the range and what it counts. */
  const bounded = (min: number, max: number, en: string, ja: string) => {
    const msg = bi(
      `must be a whole number from ${min} to ${max} (${en})`,
      `${min}〜${max} の整数にしてください（${ja}）`,
    );
    return z.number(msg).int(msg).min(min, msg).max(max, msg);
  };

  /** An array of at most `max` items, with a bilingual message naming the limit. */
  const atMost = <T extends z.ZodType>(item: T, max: number) =>
    z.array(item).max(max, bi(`too many: at most ${max} items`, `多すぎます: ${max} 件以内にしてください`));

  /**
   * A record keyed by ids. zod drops a `__proto__` key silently (YAML and JSON.parse keep it as an own
   * key): report it as a bad key instead. Also bounds the number of entries.
   */
  const idRecord = <V extends z.ZodType>(key: z.ZodString, value: V, max: number, keyEn: string, keyJa: string) =>
    z.preprocess(
      (v, ctx) => {
        if (v !== null && typeof v === 'object' && Object.hasOwn(v, '__proto__'))
          ctx.addIssue({ code: 'custom', path: ['__proto__'], input: v, ...bi(keyEn, keyJa) });
        if (v !== null && typeof v === 'object' && Object.keys(v).length > max)
          ctx.addIssue({
            code: 'custom',
            input: v,
            ...bi(`too many: at most ${max} entries`, `多すぎます: ${max} 件以内にしてください`),
          });
        return v;
      },
      z.record(key, value),
    );

  const localizedOf = (max: number) => z.strictObject({ ja: text(max), en: text(max) });
  const localized = localizedOf(LIMITS.titleChars);
  const personRef = text(LIMITS.idChars);
  const lang = z.enum(['ja', 'en']);
  const role = z.enum(['owner', 'manager', 'sponsor', 'managers']);

  const timeField = z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, bi('not a time (HH:MM)', '時刻（HH:MM）ではありません'));

  /** One person of the plan. */
  const personSchema = z.strictObject({
    name: text(LIMITS.titleChars),
    email: z.email().max(254, bi('too long: at most 254 characters', '長すぎます: 254 文字以内にしてください')),
    manager: personRef.optional(),
    lang: z.enum(['ja', 'en']).optional(),
  });

  /** One escalation policy (also checks a policy carried by an amendment). */
  const policySchema = z.strictObject({
    notifyAt: timeField,
    remindBefore: atMost(
      bounded(1, LIMITS.remindBeforeDays, 'calendar days before the due date', '期日の何日前か'),
      LIMITS.reminders,
    ).default([]),
    remindOnDue: z.boolean().default(true),
    escalation: atMost(
      z.strictObject({
        afterBusinessDays: bounded(1, LIMITS.afterBusinessDays, 'business days after the due date', '期日後の営業日数'),
        notify: atMost(role, 4).min(1),
      }),
      LIMITS.escalationLevels,
    ).default([]),
    repeatEveryBusinessDays: bounded(
      1,
      LIMITS.repeatEveryBusinessDays,
      'business days between repeats',
      '繰り返しの間隔（営業日）',
    ).optional(),
  });

  const completionSchema = z.strictObject({ on: dateField, by: personRef, evidence: text(LIMITS.textChars) });

  /** One milestone of the plan (also checks milestones carried by an amendment). */
  const milestoneSchema = z.strictObject({
    id: idField('milestone id'),
    title: localized,
    due: dateField,
    owner: personRef.optional(),
    forecast: dateField.optional(),
    dependsOn: atMost(text(2 * LIMITS.idChars + 1), LIMITS.dependsOn).default([]),
    completed: completionSchema.optional(),
    /** `required`: a completion waits for a second person's confirmation (default: the measure's). */
    verification: z.enum(['required', 'none']).optional(),
  });

  const measureSchema = z.strictObject({
    id: idField('measure id'),
    title: localized,
    directiveItems: atMost(text(LIMITS.titleChars), LIMITS.directiveItems).default([]),
    owner: personRef,
    sponsor: personRef.optional(),
    policy: personRef,
    publicSummary: localizedOf(LIMITS.summaryChars).optional(),
    internalNotes: z
      .string()
      .max(
        LIMITS.notesChars,
        bi(
          `too long: at most ${LIMITS.notesChars} characters`,
          `長すぎます: ${LIMITS.notesChars} 文字以内にしてください`,
        ),
      )
      .optional(),
    verification: z.enum(['required', 'none']).default('none'),
    milestones: atMost(milestoneSchema, LIMITS.milestonesPerMeasure).min(1),
  });

  const PERSON_ID_EN = 'person id must use only a-z, 0-9, ., _ and -';
  const PERSON_ID_JA = '人物 ID は a-z・0-9・.・_・- のみ使えます';
  const POLICY_NAME_EN = 'policy name must use only a-z, 0-9 and -';
  const POLICY_NAME_JA = 'ポリシー名は a-z・0-9・- のみ使えます';

  const planSchema = z.strictObject({
    program: z.strictObject({
      id: idField('program id'),
      title: localized,
      directive: z.strictObject({ ref: text(LIMITS.titleChars), issuer: text(LIMITS.titleChars), issuedOn: dateField }),
      timezone: z
        .string()
        .refine(
          (tz) => /^(UTC|[A-Za-z]+(\/[A-Za-z0-9_+-]+)+)$/.test(tz) && isTimeZone(tz),
          bi('not an IANA time zone', 'IANA タイムゾーンではありません'),
        ),
      calendar: z.enum(CALENDAR_KINDS),
      closedDates: atMost(dateField, LIMITS.closedDates).default([]),
      language: lang.default('ja'),
      managers: atMost(personRef, LIMITS.people).min(1),
      comms: atMost(personRef, LIMITS.people).default([]),
      reports: atMost(
        z.strictObject({ id: idField('report id'), title: localized, due: dateField, owner: personRef }),
        LIMITS.reports,
      ).default([]),
      updates: z.strictObject({ every: z.enum(['month', 'week']), day: z.number().int().min(1).max(28) }).optional(),
      /** The policy of the program's own reminders (report deadlines, waiting drafts); default `standard`, else the first. */
      policy: text(LIMITS.idChars).optional(),
    }),
    people: idRecord(
      text(LIMITS.idChars).regex(/^[a-z0-9][a-z0-9._-]*$/, bi(PERSON_ID_EN, PERSON_ID_JA)),
      personSchema,
      LIMITS.people,
      PERSON_ID_EN,
      PERSON_ID_JA,
    ),
    policies: idRecord(
      text(LIMITS.idChars).regex(ID_RE, bi(POLICY_NAME_EN, POLICY_NAME_JA)),
      policySchema,
      LIMITS.policies,
      POLICY_NAME_EN,
      POLICY_NAME_JA,
    ),
    measures: atMost(measureSchema, LIMITS.measures).min(1),
  });

  /** A person id, as the keys of `people` are written. */
  const personIdSchema = text(LIMITS.idChars).regex(/^[a-z0-9][a-z0-9._-]*$/, bi(PERSON_ID_EN, PERSON_ID_JA));
  /** A title in both languages. */
  const localizedSchema = localized;
  /** The texts of a measure that an amendment may change (never its id, owner or policy). */
  const measureTextsSchema = measureSchema.pick({
    title: true,
    directiveItems: true,
    sponsor: true,
    publicSummary: true,
    internalNotes: true,
    verification: true,
  });
  /** The program settings every measure carries (an amendment may change them; the reducer keeps the id). */
  const programContextSchema = planSchema.shape.program.pick({
    id: true,
    title: true,
    timezone: true,
    calendar: true,
    closedDates: true,
    language: true,
    managers: true,
    comms: true,
  });

  return {
    lang,
    role,
    localized,
    personSchema,
    policySchema,
    milestoneSchema,
    planSchema,
    personIdSchema,
    localizedSchema,
    measureTextsSchema,
    programContextSchema,
  };
}

/** The zod schemas of the plan file, built on first use (the first parse) and kept. */
export type PlanSchemas = ReturnType<typeof buildPlanSchemas>;
let schemas: PlanSchemas | undefined;
/** The plan's schemas, built once, on first use: a person, a policy, a milestone, a whole plan and the parts an amendment carries. */
export function planSchemas(): PlanSchemas {
  return (schemas ??= buildPlanSchemas(zod()));
}

/** A validated plan, with defaults filled in. */
export type Plan = z.infer<PlanSchemas['planSchema']>;
export type Policy = z.infer<PlanSchemas['policySchema']>;
export type Person = z.infer<PlanSchemas['personSchema']>;
export type PlanMeasure = Plan['measures'][number];
export type PlanMilestone = PlanMeasure['milestones'][number];
export type EscalationRole = z.infer<PlanSchemas['role']>;
export type Lang = z.infer<PlanSchemas['lang']>;
export type Localized = z.infer<PlanSchemas['localized']>;

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
      // At the top of the file the key itself is the place to look.
      return problem(
        path || issue.keys.map((k) => (k === '' ? '""' : k)).join(', '),
        `unknown key: ${issue.keys.join(', ')}`,
        `不明なキー: ${issue.keys.join(', ')}`,
      );
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
      if (issue.origin === 'array')
        return problem(
          path,
          `too many: at most ${String(issue.maximum)} items`,
          `多すぎます: ${String(issue.maximum)} 件以内にしてください`,
        );
      if (issue.origin === 'string')
        return problem(
          path,
          `too long: at most ${String(issue.maximum)} characters`,
          `長すぎます: ${String(issue.maximum)} 文字以内にしてください`,
        );
      return problem(path, `must be at most ${String(issue.maximum)}`, `${String(issue.maximum)} 以下にしてください`);
    case 'invalid_format':
      return problem(path, `not a valid ${issue.format}`, `${issue.format} の形式ではありません`);
    default:
      return problem(path, issue.message, issue.message);
  }
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
  const u = plan.program.updates;
  if (u?.every === 'week' && u.day > 7)
    out.push(
      problem(
        'program.updates.day',
        `a weekly update takes a day of the week, 1 (Monday) to 7 (Sunday), not ${u.day}`,
        `週次の更新の day は曜日（1 = 月曜 … 7 = 日曜）です: ${u.day}`,
      ),
    );
  const programPolicy = plan.program.policy;
  if (programPolicy !== undefined && !Object.hasOwn(plan.policies, programPolicy))
    out.push(problem('program.policy', `unknown policy: ${programPolicy}`, `未定義のポリシーです: ${programPolicy}`));
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

  const milestones = plan.measures.reduce((n, m) => n + m.milestones.length, 0);
  if (milestones > LIMITS.milestones)
    out.push(
      problem(
        'measures',
        `the plan has ${milestones} milestones; at most ${LIMITS.milestones} are accepted`,
        `マイルストーンが ${milestones} 件あります。${LIMITS.milestones} 件までです`,
      ),
    );
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
    if (own(plan.policies, m.policy) === undefined)
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
  out.push(...dateRangeProblems(plan));
  if (out.length === 0) out.push(...cycleProblems(plan));
  return out;
}

/**
 * Every date of the plan lies inside the program calendar's data (design: nothing is planned outside
 * it), and every due date leaves room after it for the escalation ladder (`lastDue`).
 */
function dateRangeProblems(plan: Plan): Problem[] {
  const kind = plan.program.calendar as unknown;
  if (typeof kind !== 'string' || !(CALENDAR_KINDS as readonly string[]).includes(kind)) return [];
  const k = kind as CalendarKind;
  const { first, last } = calendarRange(k);
  const out: Problem[] = [];
  const inRange = (path: string, date: unknown) => {
    if (typeof date !== 'string' || !isLocalDate(date) || (date >= first && date <= last)) return;
    out.push(
      problem(
        path,
        `${date} is outside the data of the ${k} calendar (${first} to ${last})`,
        `${date} は ${k} カレンダーのデータ範囲（${first}〜${last}）の外です`,
      ),
    );
  };
  const due = (path: string, date: unknown) => {
    if (typeof date !== 'string' || !isLocalDate(date)) return;
    const latest = lastDue(k);
    if (date <= latest) return inRange(path, date);
    if (k === 'jp')
      out.push(
        problem(
          path,
          `after ${JP_LAST_DUE}: the Japanese holiday data ends in ${JP_HOLIDAY_YEARS.last} (use calendar: weekdays)`,
          `${JP_LAST_DUE} より後です。祝日データは ${JP_HOLIDAY_YEARS.last} 年までです（calendar: weekdays を使ってください）`,
        ),
      );
    else
      out.push(
        problem(
          path,
          `after ${latest}: the data of the ${k} calendar ends on ${last}, and escalations need room after a due date`,
          `${latest} より後です。${k} カレンダーのデータは ${last} までで、期日後のエスカレーションの余地が必要です`,
        ),
      );
  };
  const p = plan.program;
  inRange('program.directive.issuedOn', p.directive?.issuedOn);
  (p.closedDates ?? []).forEach((d, i) => inRange(`program.closedDates[${i}]`, d));
  (p.reports ?? []).forEach((r, i) => inRange(`program.reports[${i}].due`, r?.due));
  (plan.measures ?? []).forEach((m, i) =>
    (m?.milestones ?? []).forEach((ms, j) => {
      const at = `measures[${i}].milestones[${j}]`;
      due(`${at}.due`, ms?.due);
      inRange(`${at}.forecast`, ms?.forecast);
      inRange(`${at}.completed.on`, ms?.completed?.on);
    }),
  );
  return out;
}

/**
 * Every dependency cycle of a graph, each once, as the loop of nodes from where it was entered back to
 * it (`[a, b, a]`). Depth-first over `edges` in key order with an explicit stack: a chain of any length
 * is followed without recursion. A reference to a node missing from `edges` leads nowhere.
 */
export function findCycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const out: string[][] = [];
  const done = new Set<string>();
  /** Nodes on the current path, with their position in `path`. */
  const onPath = new Map<string, number>();
  const path: string[] = [];
  const nextEdge: number[] = [];
  for (const root of edges.keys()) {
    if (done.has(root)) continue;
    path.push(root);
    nextEdge.push(0);
    onPath.set(root, 0);
    while (path.length > 0) {
      const top = path.length - 1;
      const node = path[top] as string;
      const succ = edges.get(node) ?? [];
      const i = nextEdge[top] as number;
      if (i < succ.length) {
        nextEdge[top] = i + 1;
        const next = succ[i] as string;
        const pos = onPath.get(next);
        if (pos !== undefined) out.push([...path.slice(pos), next]);
        else if (!done.has(next)) {
          onPath.set(next, path.length);
          path.push(next);
          nextEdge.push(0);
        }
      } else {
        path.pop();
        nextEdge.pop();
        onPath.delete(node);
        done.add(node);
      }
    }
  }
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
  return findCycles(edges).map((cycle) => {
    const loop = cycle.join(' -> ');
    return problem(where.get(cycle[0] ?? '') ?? '', `dependency cycle: ${loop}`, `依存関係が循環しています: ${loop}`);
  });
}

/** Validates an already-parsed plan object. */
export function validatePlan(input: unknown): PlanResult {
  const parsed = planSchemas().planSchema.safeParse(input, { reportInput: true });
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

/** The UTF-8 length of `s` in bytes (no Node built-ins here: the domain is workflow-safe). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Parses plan text (YAML, of which JSON is a subset) and validates it. `source` names the file in syntax errors. */
export function parsePlanText(text: string, source = 'plan'): PlanResult {
  const bytes = utf8Length(text);
  if (bytes > LIMITS.fileBytes) {
    return {
      ok: false,
      problems: [
        problem(
          source,
          `the file is too large: ${bytes} bytes; at most ${LIMITS.fileBytes} bytes (${LIMITS.fileBytes / 1024 / 1024} MiB) are read`,
          `ファイルが大きすぎます: ${bytes} バイトあります。読めるのは ${LIMITS.fileBytes} バイト（${LIMITS.fileBytes / 1024 / 1024} MiB）までです`,
        ),
      ],
    };
  }
  let data: unknown;
  try {
    data = yaml().parse(text, { prettyErrors: true, uniqueKeys: true });
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

/** The policy the program's own reminders follow: `program.policy`, else `standard`, else the plan's first policy. */
export function programPolicyName(plan: Plan): string {
  const names = Object.keys(plan.policies);
  if (plan.program.policy !== undefined) return plan.program.policy;
  return names.includes('standard') ? 'standard' : (names[0] ?? 'standard');
}
