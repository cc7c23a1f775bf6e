/**
 * The plan file (design.md section 2): the examples are valid, and every rule is shown by mutating
 * one valid base plan. Expectations are the exact lines a user sees (`formatProblem`), so a test also
 * fails when a change adds a spurious problem.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, expect } from 'vitest';
import { stringify } from 'yaml';
import { LIMITS } from '../../src/domain/limits';
import { findCycles, parsePlanText, utf8Length, validatePlan, type PlanResult } from '../../src/domain/plan';
import { formatProblem } from '../../src/domain/problems';
import { simulate } from '../../src/domain/simulate';
import { STANDARD_POLICY, tokyo } from './fixtures';

const EXAMPLES = join(__dirname, '..', '..', 'examples');
const readExample = (name: string): string => readFileSync(join(EXAMPLES, name), 'utf8');

const t = (ja: string, en: string) => ({ ja, en });

/** A small valid plan touching every reference site. Never mutated: `variant` deep-copies it. */
const BASE = {
  program: {
    id: 'test-program',
    title: t('テスト計画', 'Test program'),
    directive: { ref: '総基用第59号', issuer: 'MIC', issuedOn: '2024-04-16' },
    timezone: 'Asia/Tokyo',
    calendar: 'jp',
    closedDates: ['2024-12-30', '2024-12-31'],
    managers: ['suzuki'],
    comms: ['kato'],
    reports: [{ id: 'mic-2024-07', title: t('実施状況報告', 'Status report'), due: '2024-07-01', owner: 'suzuki' }],
    updates: { every: 'month', day: 1 },
  },
  people: {
    suzuki: { name: '鈴木 一郎', email: 'suzuki@example.jp' },
    sato: { name: '佐藤 花子', email: 'sato@example.jp', manager: 'tanaka', lang: 'en' },
    tanaka: { name: '田中 次郎', email: 'tanaka@example.jp' },
    kato: { name: '加藤 美咲', email: 'kato@example.jp' },
  },
  policies: {
    standard: STANDARD_POLICY,
  },
  measures: [
    {
      id: 'auth-separation',
      title: t('認証基盤の分離', 'Separate the authentication infrastructure'),
      directiveItems: ['(1)'],
      owner: 'sato',
      sponsor: 'tanaka',
      policy: 'standard',
      publicSummary: t('認証基盤を分離します。', 'We separate the authentication infrastructure.'),
      internalNotes: 'internal only',
      milestones: [
        {
          id: 'head-company',
          title: t('本体', 'Head company'),
          due: '2025-03-31',
          completed: { on: '2025-03-28', by: 'sato', evidence: 'change ticket NW-1234' },
        },
        {
          id: 'domestic-subsidiaries',
          title: t('国内子会社', 'Domestic subsidiaries'),
          due: '2026-03-31',
          owner: 'tanaka',
          dependsOn: ['head-company'],
        },
        {
          id: 'overseas-subsidiaries',
          title: t('海外子会社', 'Overseas subsidiaries'),
          due: '2026-12-31',
          dependsOn: ['domestic-subsidiaries'],
        },
      ],
    },
    {
      id: 'employee-systems',
      title: t('従業員向けシステムの分離', 'Separate the systems for employees'),
      owner: 'kato',
      policy: 'standard',
      milestones: [
        {
          id: 'separation',
          title: t('分離', 'Separated'),
          due: '2025-03-31',
          dependsOn: ['auth-separation/head-company'],
        },
      ],
    },
  ],
};

/** Marks a key for removal in `variant`. */
const REMOVE = Symbol('remove');

/**
 * A deep copy of BASE with changes applied, keyed by path (`measures[0].milestones[1].due`, the same
 * notation problems use). A value of REMOVE deletes the key.
 */
function variant(changes: Record<string, unknown> = {}): unknown {
  const plan: unknown = structuredClone(BASE);
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.match(/[^.[\]]+/g) ?? [];
    const last = keys.pop();
    let node = plan;
    for (const key of keys) {
      if (typeof node !== 'object' || node === null) throw new Error(`variant: no ${key} in ${path}`);
      node = (node as Record<string, unknown>)[key];
    }
    if (last === undefined || typeof node !== 'object' || node === null) throw new Error(`variant: bad path ${path}`);
    const parent = node as Record<string, unknown>;
    if (value === REMOVE) delete parent[last];
    else parent[last] = value;
  }
  return plan;
}

/** The problem lines a user would see, or [] when the result is a valid plan. */
const lines = (result: PlanResult): string[] => (result.ok ? [] : result.problems.map(formatProblem));
/** The problem lines of BASE with `changes` applied. */
const problemsOf = (changes: Record<string, unknown>): string[] => lines(validatePlan(variant(changes)));

describe('examples', () => {
  it('examples/ly-2024.yaml is a valid plan with all eight annex measures', () => {
    const result = parsePlanText(readExample('ly-2024.yaml'), 'examples/ly-2024.yaml');
    expect(lines(result)).toEqual([]);
    if (!result.ok) return;
    const { plan } = result;
    expect(plan.program.id).toBe('ly-2024');
    expect(plan.program.reports.map((r) => r.due)).toContain('2024-07-01');
    expect(plan.measures).toHaveLength(8);
    const due = (ref: string): string | undefined => {
      const [measure, milestone] = ref.split('/');
      return plan.measures.find((m) => m.id === measure)?.milestones.find((ms) => ms.id === milestone)?.due;
    };
    expect(due('auth-separation/head-company')).toBe('2025-03-31');
    expect(due('auth-separation/domestic-subsidiaries')).toBe('2026-03-31');
    expect(due('auth-separation/overseas-subsidiaries')).toBe('2026-12-31');
    expect(due('soc-domestic/partner-contract-end')).toBe('2024-10-31');
    // "③ separate employee systems: together with #2"
    const employee = plan.measures
      .find((m) => m.id === 'partner-access')
      ?.milestones.find((ms) => ms.id === 'employee-systems');
    expect(employee?.dependsOn).toContain('auth-separation/head-company');
    expect(employee?.due).toBe(due('auth-separation/head-company'));
    expect(new Set(plan.measures.flatMap((m) => m.directiveItems))).toEqual(new Set(['(1)', '(2)', '(3)']));
    expect(Object.values(plan.people).some((p) => p.lang === 'en')).toBe(true);
  });

  it('examples/ly-2024.yaml names no person and no email in any public summary', () => {
    const result = parsePlanText(readExample('ly-2024.yaml'), 'examples/ly-2024.yaml');
    if (!result.ok) throw new Error(lines(result).join('\n'));
    const people = Object.entries(result.plan.people);
    for (const m of result.plan.measures) {
      expect(m.publicSummary, m.id).toBeDefined();
      const text = `${m.publicSummary?.ja ?? ''} ${m.publicSummary?.en ?? ''}`;
      for (const [id, p] of people) {
        expect(text, `${m.id} mentions ${id}`).not.toMatch(new RegExp(`\\b${id}\\b`, 'i'));
        for (const s of [p.email, p.name, p.name.replace(' ', '')])
          expect(text, `${m.id} mentions ${s}`).not.toContain(s);
      }
    }
  });

  it('examples/small.yaml is a valid plan of 2 measures, 3 milestones and 3 people', () => {
    const result = parsePlanText(readExample('small.yaml'), 'examples/small.yaml');
    expect(lines(result)).toEqual([]);
    if (!result.ok) return;
    expect(result.plan.measures.flatMap((m) => m.milestones)).toHaveLength(3);
    expect(Object.keys(result.plan.people)).toHaveLength(3);
  });

  it('the base plan of these tests is valid and gets its defaults filled in', () => {
    const result = validatePlan(variant());
    expect(lines(result)).toEqual([]);
    if (!result.ok) return;
    expect(result.plan.program.language).toBe('ja');
    expect(result.plan.measures[1]?.directiveItems).toEqual([]);
    expect(result.plan.measures[1]?.verification).toBe('none');
    expect(result.plan.measures[0]?.milestones[0]?.dependsOn).toEqual([]);
  });
});

describe('schema', () => {
  it.each([
    ['program.colour', 'program'],
    ['measures[0].milestones[0].dueDate', 'measures[0].milestones[0]'],
    ['people.sato.phone', 'people.sato'],
    ['policies.standard.remindAfter', 'policies.standard'],
    // At the top of the file the key itself is the path.
    ['extra', 'extra'],
  ])('rejects the unknown key %s', (path, at) => {
    const key = path.split('.').pop() ?? '';
    const prefix = at ? `${at}: ` : '';
    expect(problemsOf({ [path]: 'x' })).toEqual([`${prefix}unknown key: ${key} / 不明なキー: ${key}`]);
  });

  it.each([
    'program.managers',
    'program.timezone',
    'people.kato.email',
    'policies.standard.notifyAt',
    'measures[0].owner',
    'measures[0].policy',
    'measures[0].milestones[1].title',
    'measures[0].milestones[0].completed.evidence',
  ])('rejects a plan without the required field %s', (path) => {
    expect(problemsOf({ [path]: REMOVE })).toEqual([`${path}: required / 必須です`]);
  });

  it('rejects a plan without a due date as "required"', () => {
    expect(problemsOf({ 'measures[0].milestones[1].due': REMOVE })).toEqual([
      'measures[0].milestones[1].due: required / 必須です',
    ]);
  });

  it('reports a value of the wrong type as such, not as "required"', () => {
    expect(problemsOf({ 'measures[0].owner': 42 })).toEqual(['measures[0].owner: expected string / string が必要です']);
  });

  it.each([
    ['program.id', 'Test_Program', 'program id'],
    ['measures[0].id', 'Auth Separation', 'measure id'],
    ['measures[1].milestones[0].id', '-separation', 'milestone id'],
    ['program.reports[0].id', 'mic/2024', 'report id'],
  ])('rejects bad characters in %s', (path, id, what) => {
    expect(problemsOf({ [path]: id })).toEqual([
      `${path}: ${what} must use only a-z, 0-9 and - / ${what} は a-z・0-9・- のみ使えます`,
    ]);
  });

  it('rejects bad characters in a person id with the bilingual message', () => {
    expect(problemsOf({ 'people.Sato San': { name: '佐藤', email: 'sato2@example.jp' } })).toEqual([
      'people.Sato San: person id must use only a-z, 0-9, ., _ and - / 人物 ID は a-z・0-9・.・_・- のみ使えます',
    ]);
  });

  it('names the exact path of an impossible date', () => {
    expect(problemsOf({ 'measures[0].milestones[1].due': '2025-02-30' })).toEqual([
      'measures[0].milestones[1].due: not a date: 2025-02-30 / 日付ではありません: 2025-02-30',
    ]);
  });

  it.each([
    ['program.directive.issuedOn', '2024-04-31'],
    ['program.closedDates[1]', '2024/12/31'],
    ['program.reports[0].due', '2024-7-1'],
    ['measures[0].milestones[0].completed.on', '2025-13-01'],
    ['measures[0].milestones[2].forecast', 'next week'],
  ])('rejects the date %s: %s', (path, value) => {
    expect(problemsOf({ [path]: value })).toEqual([`${path}: not a date: ${value} / 日付ではありません: ${value}`]);
  });

  it('accepts 29 February in a leap year only', () => {
    expect(problemsOf({ 'measures[0].milestones[1].due': '2028-02-29' })).toEqual([]);
    expect(problemsOf({ 'measures[0].milestones[1].due': '2027-02-29' })).toEqual([
      'measures[0].milestones[1].due: not a date: 2027-02-29 / 日付ではありません: 2027-02-29',
    ]);
  });

  it.each(['Asia/Tokio', 'Tokyo', '', 'Mars/Olympus_Mons'])('rejects the time zone %j', (zone) => {
    expect(problemsOf({ 'program.timezone': zone })).toEqual([
      'program.timezone: not an IANA time zone / IANA タイムゾーンではありません',
    ]);
  });

  it.each(['UTC', 'Europe/London', 'America/New_York'])('accepts the IANA time zone %s', (zone) => {
    expect(problemsOf({ 'program.timezone': zone })).toEqual([]);
  });

  it('rejects zone names that are not IANA (local, system, UTC+9)', () => {
    for (const zone of ['local', 'system', 'UTC+9']) {
      expect(problemsOf({ 'program.timezone': zone }), zone).toEqual([
        'program.timezone: not an IANA time zone / IANA タイムゾーンではありません',
      ]);
    }
  });

  it.each(['9:00', '24:00', '09:60', '0900', '09:00:00'])('rejects notifyAt %j', (time) => {
    expect(problemsOf({ 'policies.standard.notifyAt': time })).toEqual([
      'policies.standard.notifyAt: not a time (HH:MM) / 時刻（HH:MM）ではありません',
    ]);
  });

  it('accepts notifyAt at the edges of the day', () => {
    expect(problemsOf({ 'policies.standard.notifyAt': '00:00' })).toEqual([]);
    expect(problemsOf({ 'policies.standard.notifyAt': '23:59' })).toEqual([]);
  });

  it('rejects an unknown escalation role, calendar kind and language', () => {
    expect(
      problemsOf({
        'policies.standard.escalation[0].notify[1]': 'boss',
        'program.calendar': 'us',
        'people.sato.lang': 'fr',
      }),
    ).toEqual([
      'program.calendar: must be one of: jp, weekdays, daily / 次のいずれかにしてください: jp, weekdays, daily',
      'people.sato.lang: must be one of: ja, en / 次のいずれかにしてください: ja, en',
      'policies.standard.escalation[0].notify[1]: must be one of: owner, manager, sponsor, managers / 次のいずれかにしてください: owner, manager, sponsor, managers',
    ]);
  });
});

describe('references and ids', () => {
  it('rejects a duplicate measure id, naming both', () => {
    const copy = structuredClone(BASE.measures[1]);
    expect(problemsOf({ 'measures[2]': copy })).toEqual([
      'measures[1].id: duplicate measure id: employee-systems / 施策 ID が重複しています: employee-systems',
      'measures[2].id: duplicate measure id: employee-systems / 施策 ID が重複しています: employee-systems',
    ]);
  });

  it('rejects a duplicate milestone id within a measure, naming both', () => {
    expect(problemsOf({ 'measures[0].milestones[2].id': 'head-company' })).toEqual([
      'measures[0].milestones[0].id: duplicate milestone id in auth-separation: head-company / auth-separation 内でマイルストーン ID が重複しています: head-company',
      'measures[0].milestones[2].id: duplicate milestone id in auth-separation: head-company / auth-separation 内でマイルストーン ID が重複しています: head-company',
    ]);
  });

  it('accepts the same milestone id in two measures', () => {
    expect(problemsOf({ 'measures[1].milestones[0].id': 'head-company' })).toEqual([]);
  });

  it('rejects a duplicate report id', () => {
    const copy = { ...BASE.program.reports[0], due: '2025-01-31' };
    expect(problemsOf({ 'program.reports[1]': copy })).toEqual([
      'program.reports[0].id: duplicate report id: mic-2024-07 / 報告 ID が重複しています: mic-2024-07',
      'program.reports[1].id: duplicate report id: mic-2024-07 / 報告 ID が重複しています: mic-2024-07',
    ]);
  });

  it.each([
    'program.managers[0]',
    'program.comms[0]',
    'program.reports[0].owner',
    'people.sato.manager',
    'measures[0].owner',
    'measures[0].sponsor',
    'measures[0].milestones[1].owner',
    'measures[0].milestones[0].completed.by',
  ])('rejects an unknown person in %s', (path) => {
    expect(problemsOf({ [path]: 'nobody' })).toEqual([`${path}: unknown person: nobody / 未定義の人物です: nobody`]);
  });

  it('rejects a person who is their own manager', () => {
    expect(problemsOf({ 'people.tanaka.manager': 'tanaka' })).toEqual([
      'people.tanaka.manager: a person cannot be their own manager / 本人を上長にはできません',
    ]);
  });

  it('rejects an unknown policy', () => {
    expect(problemsOf({ 'measures[1].policy': 'critical' })).toEqual([
      'measures[1].policy: unknown policy: critical / 未定義のポリシーです: critical',
    ]);
  });

  it.each([
    ['auth-separation/head-office', 'a milestone missing from an existing measure'],
    ['billing/head-company', 'an unknown measure'],
    ['head-company', 'a bare id, which names a milestone of the same measure only'],
  ])('rejects the unknown dependsOn target %s (%s)', (ref) => {
    expect(problemsOf({ 'measures[1].milestones[0].dependsOn': [ref] })).toEqual([
      `measures[1].milestones[0].dependsOn[0]: unknown milestone: ${ref} / 未定義のマイルストーンです: ${ref}`,
    ]);
  });

  it.each(['domestic-subsidiaries', 'auth-separation/domestic-subsidiaries'])(
    'rejects a milestone depending on itself (%s)',
    (ref) => {
      expect(problemsOf({ 'measures[0].milestones[1].dependsOn': [ref] })).toEqual([
        'measures[0].milestones[1].dependsOn[0]: a milestone cannot depend on itself / 自分自身には依存できません',
      ]);
    },
  );

  it('rejects a dependency cycle across two measures, naming the loop', () => {
    const loop = 'auth-separation/head-company -> employee-systems/separation -> auth-separation/head-company';
    expect(problemsOf({ 'measures[0].milestones[0].dependsOn': ['employee-systems/separation'] })).toEqual([
      `measures[0].milestones[0].dependsOn: dependency cycle: ${loop} / 依存関係が循環しています: ${loop}`,
    ]);
  });

  it('reports a longer cycle once', () => {
    const loop =
      'auth-separation/head-company -> auth-separation/overseas-subsidiaries -> auth-separation/domestic-subsidiaries -> auth-separation/head-company';
    expect(problemsOf({ 'measures[0].milestones[0].dependsOn': ['overseas-subsidiaries'] })).toEqual([
      `measures[0].milestones[0].dependsOn: dependency cycle: ${loop} / 依存関係が循環しています: ${loop}`,
    ]);
  });

  it('accepts a diamond: two paths to the same milestone are not a cycle', () => {
    expect(problemsOf({ 'measures[0].milestones[2].dependsOn': ['domestic-subsidiaries', 'head-company'] })).toEqual(
      [],
    );
  });
});

describe('reading plan text', () => {
  it('reports invalid YAML syntax under the source name', () => {
    const result = parsePlanText('program:\n  id: [ly-2024\nmeasures: []\n', 'plans/broken.yaml');
    const out = lines(result);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^plans\/broken\.yaml: not valid YAML\/JSON: .+ \/ YAML\/JSON として読めません: /);
    expect(out[0]).toMatch(/line \d+/);
  });

  it('names the default source "plan" and refuses duplicate keys', () => {
    const out = lines(parsePlanText('program: {}\nprogram: {}\n'));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^plan: not valid YAML\/JSON: /);
  });

  it('refuses an empty file or a scalar as not a mapping', () => {
    for (const text of ['', 'just text']) {
      expect(lines(parsePlanText(text, 'plan.yaml'))).toEqual([
        'plan.yaml: the plan must be a mapping with program, people, policies and measures / plan は program・people・policies・measures を持つマッピングである必要があります',
      ]);
    }
  });

  it('refuses a top-level list as not a mapping', () => {
    expect(lines(parsePlanText('[]', 'plan.yaml'))).toEqual([
      'plan.yaml: the plan must be a mapping with program, people, policies and measures / plan は program・people・policies・measures を持つマッピングである必要があります',
    ]);
  });

  it('keeps YAML dates as text, so an impossible date in a file is reported as written', () => {
    const text = readExample('small.yaml').replace('due: 2026-03-31', 'due: 2025-02-30');
    expect(lines(parsePlanText(text, 'small.yaml'))).toEqual([
      'measures[0].milestones[1].due: not a date: 2025-02-30 / 日付ではありません: 2025-02-30',
    ]);
  });

  it('reports several problems at once, one line each with its path', () => {
    const out = problemsOf({
      'program.timezone': 'Asia/Tokio',
      'people.kato.email': 'kato-at-example.jp',
      'measures[0].milestones[1].due': '2025-02-30',
      'measures[1].owner': REMOVE,
      'measures[1].milestones[0].colour': 'red',
    });
    expect(out).toEqual([
      'program.timezone: not an IANA time zone / IANA タイムゾーンではありません',
      'people.kato.email: not a valid email / email の形式ではありません',
      'measures[0].milestones[1].due: not a date: 2025-02-30 / 日付ではありません: 2025-02-30',
      'measures[1].owner: required / 必須です',
      'measures[1].milestones[0]: unknown key: colour / 不明なキー: colour',
    ]);
    // As printed: one problem per line, each line starting with its path.
    const printed = out.join('\n').split('\n');
    expect(printed).toHaveLength(5);
    for (const line of printed) expect(line).toMatch(/^[a-z][\w.[\]]*: .+ \/ .+$/);
  });

  it('refuses a due date beyond the Japanese holiday data under the jp calendar', () => {
    expect(problemsOf({ 'measures[0].milestones[1].due': '2051-03-31' })).toEqual([
      'measures[0].milestones[1].due: after 2050-09-30: the Japanese holiday data ends in 2050 (use calendar: weekdays) / 2050-09-30 より後です。祝日データは 2050 年までです（calendar: weekdays を使ってください）',
    ]);
    expect(problemsOf({ 'measures[0].milestones[1].due': '2051-03-31', 'program.calendar': 'weekdays' })).toEqual([]);
  });

  it('reports schema and reference problems together in one run', () => {
    expect(problemsOf({ 'measures[0].milestones[1].due': '2025-02-30', 'measures[1].owner': 'nobody' })).toEqual([
      'measures[0].milestones[1].due: not a date: 2025-02-30 / 日付ではありません: 2025-02-30',
      'measures[1].owner: unknown person: nobody / 未定義の人物です: nobody',
    ]);
  });

  it('reports several reference problems at once', () => {
    expect(
      problemsOf({
        'program.managers[0]': 'nobody',
        'measures[0].policy': 'strict',
        'measures[1].milestones[0].dependsOn': ['auth-separation/nowhere'],
      }),
    ).toEqual([
      'program.managers[0]: unknown person: nobody / 未定義の人物です: nobody',
      'measures[0].policy: unknown policy: strict / 未定義のポリシーです: strict',
      'measures[1].milestones[0].dependsOn[0]: unknown milestone: auth-separation/nowhere / 未定義のマイルストーンです: auth-separation/nowhere',
    ]);
  });

  it('reads JSON too', () => {
    const result = parsePlanText(JSON.stringify(variant(), null, 2), 'plan.json');
    expect(lines(result)).toEqual([]);
    if (result.ok) expect(result.plan.measures.map((m) => m.id)).toEqual(['auth-separation', 'employee-systems']);
    const bad = JSON.stringify(variant({ 'measures[0].milestones[1].due': '2025-02-30' }));
    expect(lines(parsePlanText(bad, 'plan.json'))).toEqual([
      'measures[0].milestones[1].due: not a date: 2025-02-30 / 日付ではありません: 2025-02-30',
    ]);
  });

  it('reports broken JSON under the source name', () => {
    const out = lines(parsePlanText('{"program": {"id": "x"', 'plan.json'));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^plan\.json: not valid YAML\/JSON: /);
  });
});

describe('ids that are names of Object.prototype', () => {
  const PROTO_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];

  it.each(PROTO_NAMES)('refuses the undefined policy %s as unknown (never found on the prototype)', (name) => {
    expect(problemsOf({ 'measures[1].policy': name })).toEqual([
      `measures[1].policy: unknown policy: ${name} / 未定義のポリシーです: ${name}`,
    ]);
  });

  it.each(PROTO_NAMES)('refuses the undefined person %s everywhere a person is named', (name) => {
    expect(
      problemsOf({
        'measures[1].owner': name,
        'measures[0].sponsor': name,
        'people.sato.manager': name,
        'program.managers[0]': name,
      }),
    ).toEqual(
      ['program.managers[0]', 'people.sato.manager', 'measures[0].sponsor', 'measures[1].owner'].map(
        (path) => `${path}: unknown person: ${name} / 未定義の人物です: ${name}`,
      ),
    );
  });

  it.each(PROTO_NAMES)('refuses a dependency on the undefined milestone %s', (name) => {
    expect(problemsOf({ 'measures[1].milestones[0].dependsOn': [`auth-separation/${name}`, `${name}/x`] })).toEqual([
      `measures[1].milestones[0].dependsOn[0]: unknown milestone: auth-separation/${name} / 未定義のマイルストーンです: auth-separation/${name}`,
      `measures[1].milestones[0].dependsOn[1]: unknown milestone: ${name}/x / 未定義のマイルストーンです: ${name}/x`,
    ]);
  });

  it('accepts `constructor` as a policy name, person id, measure id and milestone id, and plans with it', () => {
    const plan = variant({
      'measures[1].id': 'constructor',
      'measures[1].milestones[0].id': 'constructor',
      'measures[1].policy': 'constructor',
      'measures[1].owner': 'constructor',
      'people.sato.manager': 'constructor',
      'measures[0].milestones[2].dependsOn': ['constructor/constructor'],
    }) as { people: object; policies: object };
    Object.assign(plan.people, { constructor: { name: 'コンストラクタ', email: 'c@example.jp' } });
    Object.assign(plan.policies, { constructor: STANDARD_POLICY });
    const result = parsePlanText(JSON.stringify(plan));
    expect(lines(result)).toEqual([]);
    if (!result.ok) return;
    const events = simulate(result.plan, { from: tokyo('2025-01-01'), until: tokyo('2027-03-01') });
    const mine = events.filter((e) => e.measure === 'constructor');
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((e) => e.to?.includes('c@example.jp'))).toBe(true);
    // sato's manager is now `constructor`: the escalations of auth-separation reach them.
    expect(events.some((e) => e.measure === 'auth-separation' && e.to?.includes('c@example.jp'))).toBe(true);
  });

  it.each([
    ['people', 'person id must use only a-z, 0-9, ., _ and - / 人物 ID は a-z・0-9・.・_・- のみ使えます'],
    ['policies', 'policy name must use only a-z, 0-9 and - / ポリシー名は a-z・0-9・- のみ使えます'],
  ])('refuses a `__proto__:` key under %s in YAML and JSON (zod alone would drop it silently)', (key, message) => {
    const value = key === 'people' ? { name: 'x', email: 'x@example.jp' } : STANDARD_POLICY;
    const base = JSON.stringify(variant());
    const json = base.replace(`"${key}":{`, `"${key}":{"__proto__":${JSON.stringify(value)},`);
    expect(lines(parsePlanText(json, 'plan.json'))).toEqual([`${key}.__proto__: ${message}`]);
    const yaml = stringify(JSON.parse(base)).replace(`${key}:\n`, `${key}:\n  __proto__: ${JSON.stringify(value)}\n`);
    expect(lines(parsePlanText(yaml, 'plan.yaml'))).toEqual([`${key}.__proto__: ${message}`]);
  });

  it.each(['toString', 'hasOwnProperty', '__proto__'])('refuses %s as a policy name by the id pattern', (name) => {
    const plan = variant() as { policies: Record<string, unknown> };
    Object.defineProperty(plan.policies, name, { value: STANDARD_POLICY, enumerable: true });
    expect(lines(validatePlan(plan))).toEqual([
      `policies.${name}: policy name must use only a-z, 0-9 and - / ポリシー名は a-z・0-9・- のみ使えます`,
    ]);
  });
});

describe('limits', () => {
  const range = (what: string, min: number, max: number, en: string, ja: string) =>
    `${what}: must be a whole number from ${min} to ${max} (${en}) / ${min}〜${max} の整数にしてください（${ja}）`;
  const REMIND = ['calendar days before the due date', '期日の何日前か'] as const;
  const AFTER = ['business days after the due date', '期日後の営業日数'] as const;
  const REPEAT = ['business days between repeats', '繰り返しの間隔（営業日）'] as const;

  it.each([0, 367, 1e9, 1.5, -3])('refuses remindBefore %s (1..366)', (n) => {
    expect(problemsOf({ 'policies.standard.remindBefore': [30, n] })).toEqual([
      range('policies.standard.remindBefore[1]', 1, 366, ...REMIND),
    ]);
  });

  it('accepts remindBefore at its bounds, with 10 entries; refuses 11', () => {
    const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 366];
    expect(problemsOf({ 'policies.standard.remindBefore': ten })).toEqual([]);
    expect(problemsOf({ 'policies.standard.remindBefore': [...ten, 30] })).toEqual([
      'policies.standard.remindBefore: too many: at most 10 items / 多すぎます: 10 件以内にしてください',
    ]);
  });

  it.each([0, 261, 1e12])('refuses afterBusinessDays %s (1..260)', (n) => {
    expect(problemsOf({ 'policies.standard.escalation[1].afterBusinessDays': n })).toEqual(
      n === 0
        ? [
            range('policies.standard.escalation[1].afterBusinessDays', 1, 260, ...AFTER),
            // (0 also breaks the climbing order, reported only when the schema passes)
          ]
        : [range('policies.standard.escalation[1].afterBusinessDays', 1, 260, ...AFTER)],
    );
  });

  it('accepts a ladder of 10 levels up to 260 business days; refuses 11 levels', () => {
    const level = (d: number) => ({ afterBusinessDays: d, notify: ['owner'] });
    const ten = [1, 2, 3, 5, 10, 20, 50, 100, 200, 260].map(level);
    expect(problemsOf({ 'policies.standard.escalation': ten })).toEqual([]);
    expect(problemsOf({ 'policies.standard.escalation': [...ten.slice(0, 9), level(250), level(260)] })).toEqual([
      'policies.standard.escalation: too many: at most 10 items / 多すぎます: 10 件以内にしてください',
    ]);
  });

  it.each([0, 261, 1e15, Number.MAX_SAFE_INTEGER])('refuses repeatEveryBusinessDays %s (1..260)', (n) => {
    expect(problemsOf({ 'policies.standard.repeatEveryBusinessDays': n })).toEqual([
      range('policies.standard.repeatEveryBusinessDays', 1, 260, ...REPEAT),
    ]);
  });

  it('accepts repeatEveryBusinessDays 1 and 260', () => {
    for (const n of [1, 260]) expect(problemsOf({ 'policies.standard.repeatEveryBusinessDays': n })).toEqual([]);
  });

  it('refuses a YAML .inf as a number of days', () => {
    const text = stringify(variant()).replace('repeatEveryBusinessDays: 5', 'repeatEveryBusinessDays: .inf');
    expect(lines(parsePlanText(text))).toEqual([range('policies.standard.repeatEveryBusinessDays', 1, 260, ...REPEAT)]);
  });

  it.each([
    ['program.title.en', LIMITS.titleChars],
    ['measures[0].milestones[0].title.ja', LIMITS.titleChars],
    ['measures[0].publicSummary.en', LIMITS.summaryChars],
    ['measures[0].internalNotes', LIMITS.notesChars],
    ['people.sato.name', LIMITS.titleChars],
    ['measures[0].milestones[0].completed.evidence', LIMITS.textChars],
  ])('caps the length of %s at %i characters', (path, max) => {
    expect(problemsOf({ [path]: 'あ'.repeat(max) })).toEqual([]);
    expect(problemsOf({ [path]: 'あ'.repeat(max + 1) })).toEqual([
      `${path}: too long: at most ${max} characters / 長すぎます: ${max} 文字以内にしてください`,
    ]);
  });

  it('caps the length of an id at 64 characters', () => {
    expect(problemsOf({ 'measures[1].milestones[0].id': 'a'.repeat(65) })).toEqual([
      'measures[1].milestones[0].id: too long: at most 64 characters / 長すぎます: 64 文字以内にしてください',
    ]);
  });

  it('caps the number of measures, milestones and people', () => {
    const base = variant() as {
      measures: Array<{ id: string; milestones: unknown[] }>;
      people: Record<string, unknown>;
    };
    const m = structuredClone(base);
    const ms = m.measures[1];
    if (!ms) throw new Error('no measure');
    ms.milestones = Array.from({ length: LIMITS.milestonesPerMeasure + 1 }, (_, i) => ({
      id: `m${i}`,
      title: t('x', 'x'),
      due: '2025-03-31',
    }));
    expect(lines(validatePlan(m))).toEqual([
      'measures[1].milestones: too many: at most 100 items / 多すぎます: 100 件以内にしてください',
    ]);
    const many = structuredClone(base);
    many.measures = Array.from({ length: LIMITS.measures + 1 }, (_, i) => ({
      id: `m${i}`,
      title: t('x', 'x'),
      owner: 'sato',
      policy: 'standard',
      milestones: [{ id: 's', title: t('x', 'x'), due: '2025-03-31' }],
    }));
    expect(lines(validatePlan(many))).toEqual([
      'measures: too many: at most 10000 items / 多すぎます: 10000 件以内にしてください',
    ]);
    // Fewer measures with more milestones in all than LIMITS.milestones.
    const heavy = structuredClone(base);
    heavy.measures = Array.from({ length: LIMITS.milestones / LIMITS.milestonesPerMeasure + 1 }, (_, i) => ({
      id: `m${i}`,
      title: t('x', 'x'),
      owner: 'sato',
      policy: 'standard',
      milestones: Array.from({ length: LIMITS.milestonesPerMeasure }, (_, j) => ({
        id: `s${j}`,
        title: t('x', 'x'),
        due: '2025-03-31',
      })),
    }));
    expect(lines(validatePlan(heavy))).toEqual([
      'measures: the plan has 50100 milestones; at most 50000 are accepted / マイルストーンが 50100 件あります。50000 件までです',
    ]);
    const crowd = structuredClone(base);
    for (let i = 0; i <= LIMITS.people; i++) crowd.people[`p${i}`] = { name: 'x', email: `p${i}@example.jp` };
    expect(lines(validatePlan(crowd))).toEqual([
      'people: too many: at most 2000 entries / 多すぎます: 2000 件以内にしてください',
    ]);
  });

  it('refuses a file larger than LIMITS.fileBytes, naming its size', () => {
    const text = `${stringify(variant())}\n#${'あ'.repeat(LIMITS.fileBytes / 3)}\n`;
    const bytes = Buffer.byteLength(text, 'utf8');
    expect(lines(parsePlanText(text, 'big.yaml'))).toEqual([
      `big.yaml: the file is too large: ${bytes} bytes; at most 16777216 bytes (16 MiB) are read / ファイルが大きすぎます: ${bytes} バイトあります。読めるのは 16777216 バイト（16 MiB）までです`,
    ]);
    expect(utf8Length(text)).toBe(bytes);
    expect(utf8Length('a\u00e9\u3042\u{1f600}')).toBe(Buffer.byteLength('a\u00e9\u3042\u{1f600}', 'utf8'));
  });
});

describe('dates inside the calendar data', () => {
  const outside = (path: string, date: string, kind: string, first: string, last: string) =>
    `${path}: ${date} is outside the data of the ${kind} calendar (${first} to ${last}) / ${date} は ${kind} カレンダーのデータ範囲（${first}〜${last}）の外です`;

  it('refuses a due date before 1970 under jp (the holiday data starts then)', () => {
    expect(problemsOf({ 'measures[0].milestones[1].due': '1969-12-31' })).toEqual([
      outside('measures[0].milestones[1].due', '1969-12-31', 'jp', '1970-01-01', '2050-12-31'),
    ]);
  });

  it('refuses every other date of the plan outside the data, naming the range', () => {
    expect(
      problemsOf({
        'program.directive.issuedOn': '1960-01-01',
        'program.closedDates[1]': '2051-01-04',
        'program.reports[0].due': '2051-01-04',
        'measures[0].milestones[1].forecast': '2052-01-01',
        'measures[0].milestones[0].completed.on': '1969-03-28',
      }),
    ).toEqual([
      outside('program.directive.issuedOn', '1960-01-01', 'jp', '1970-01-01', '2050-12-31'),
      outside('program.closedDates[1]', '2051-01-04', 'jp', '1970-01-01', '2050-12-31'),
      outside('program.reports[0].due', '2051-01-04', 'jp', '1970-01-01', '2050-12-31'),
      outside('measures[0].milestones[0].completed.on', '1969-03-28', 'jp', '1970-01-01', '2050-12-31'),
      outside('measures[0].milestones[1].forecast', '2052-01-01', 'jp', '1970-01-01', '2050-12-31'),
    ]);
  });

  it.each(['weekdays', 'daily'])('under %s: data 1970-2099, due dates until 2099-09-30', (kind) => {
    expect(problemsOf({ 'program.calendar': kind, 'measures[0].milestones[1].due': '2099-09-30' })).toEqual([]);
    expect(problemsOf({ 'program.calendar': kind, 'measures[0].milestones[1].due': '2099-10-01' })).toEqual([
      `measures[0].milestones[1].due: after 2099-09-30: the data of the ${kind} calendar ends on 2099-12-31, and escalations need room after a due date / 2099-09-30 より後です。${kind} カレンダーのデータは 2099-12-31 までで、期日後のエスカレーションの余地が必要です`,
    ]);
    expect(problemsOf({ 'program.calendar': kind, 'program.closedDates[0]': '2100-01-01' })).toEqual([
      outside('program.closedDates[0]', '2100-01-01', kind, '1970-01-01', '2099-12-31'),
    ]);
  });
});

describe('dependency chains of any length', () => {
  it('validates the longest chain the limits allow (LIMITS.milestones, 100 a measure) without overflowing the stack', () => {
    const base = variant() as { measures: Array<Record<string, unknown>> };
    const count = LIMITS.milestones / LIMITS.milestonesPerMeasure;
    const measures = Array.from({ length: count }, (_, i) => ({
      id: `m${i}`,
      title: t('x', 'x'),
      owner: 'sato',
      policy: 'standard',
      milestones: Array.from({ length: LIMITS.milestonesPerMeasure }, (_, j) => ({
        id: `s${j}`,
        title: t('x', 'x'),
        due: '2025-03-31',
        // Each milestone depends on the next one: one chain of 50,000 through every measure.
        dependsOn: j + 1 < LIMITS.milestonesPerMeasure ? [`s${j + 1}`] : i + 1 < count ? [`m${i + 1}/s0`] : [],
      })),
    }));
    expect(lines(validatePlan({ ...base, measures }))).toEqual([]);
    // Closing the loop is reported once, at its first milestone.
    const last = measures[measures.length - 1]?.milestones[LIMITS.milestonesPerMeasure - 1];
    if (last) last.dependsOn = ['m0/s0'];
    const out = lines(validatePlan({ ...base, measures }));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(
      /^measures\[0\]\.milestones\[0\]\.dependsOn: dependency cycle: m0\/s0 -> m0\/s1 -> .* -> m0\/s0 \/ /,
    );
  });

  it('findCycles follows a chain of 100,000 nodes, and finds the cycle closing it', () => {
    const N = 100_000;
    const edges = new Map<string, string[]>();
    for (let i = 0; i < N; i++) edges.set(`n${i}`, i + 1 < N ? [`n${i + 1}`] : []);
    expect(findCycles(edges)).toEqual([]);
    edges.set(`n${N - 1}`, ['n0']);
    const cycles = findCycles(edges);
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toHaveLength(N + 1);
    expect(cycles[0]?.[0]).toBe('n0');
    expect(cycles[0]?.[N]).toBe('n0');
  });

  it('findCycles reports a back edge into the middle of the path from the node it re-enters', () => {
    const edges = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['b', 'd']],
      ['d', []],
    ]);
    expect(findCycles(edges)).toEqual([['b', 'c', 'b']]);
  });
});
