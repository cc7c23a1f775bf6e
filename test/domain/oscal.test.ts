/**
 * The regulator report as an OSCAL POA&M (design.md section 8, issue 6 §5): the document parses with
 * compliance-trestle's pydantic model and imports into a trestle workspace (which runs `trestle
 * validate`); every milestone date and every change-log field is read back from the OSCAL document
 * alone, by a reader written here from the OSCAL model rather than from the module; references
 * resolve; UUIDs are v5 and stable; hostile text stays data, exact and inert as Markdown.
 *
 * trestle lives in .tools/trestle-venv, installed by `npm run setup` (scripts/ensure-trestle.sh). When
 * it is missing the trestle tests fail, saying so: validation is the point of this format.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MarkdownIt from 'markdown-it';
import { afterAll, describe, expect, it } from 'vitest';
import { addDays } from '../../src/domain/dates';
import type { MeasureState } from '../../src/domain/model';
import { validatePlan, type Plan } from '../../src/domain/plan';
import { formatProblem } from '../../src/domain/problems';
import type { Command } from '../../src/domain/reducer';
import { regulatorOscal, regulatorOscalJson, type OscalPoam, type OscalProp } from '../../src/domain/reports/oscal';
import { regulatorReport, type RegulatorReport, type RegulatorRow } from '../../src/domain/reports/regulator';
import { repoRoot } from '../../src/local/tools';
import { rawPlan, statesAt, tokyo, runEngine, step } from './fixtures';

// The scenario of regulator-report.test.ts (runEngine and step as there), with a cancelled third
// measure and hostile texts added.

/** Markdown, HTML, JSON and line structure, white space at both ends, a backslash, U+2028 and an emoji. */
const HOSTILE =
  '  </script><script>alert(1)</script> "}, {"x": 1} \\" \n# Heading\n- item\n+ plus\n1. one\n2) two\n> quote\n' +
  '**bold** _em_ `code` ~~strike~~ [link](javascript:alert(1)) ![img](x.png) <b>b</b> &amp; &lt;\n' +
  '| a | b |\n|---|---|\n===\n---\n    indented\n\\* not a list \\\\ \u2028 🙂 ';
const EXTENSION_REASON = 'Vendor delay, "phase 2" slipped\nContract signed 2025-04-09';
const PENDING_REASON = 'Test window | needs <two> weeks';
const HOSTILE_NAME = '中村 "六郎" </script>{"x":1}';
const HOSTILE_TITLE = { ja: 'ログ保存 # 1. | x |', en: 'Logs <b>kept</b> **7 years** [x](javascript:alert(1))' };

function programPlan(): Plan {
  const raw = rawPlan({
    milestones: [
      { id: 'head-company', due: '2025-03-31' },
      { id: 'domestic', due: '2025-09-30' },
      { id: 'overseas', due: '2025-04-30', owner: 'ito' },
    ],
    measures: [
      {
        id: 'soc-migration',
        owner: 'nakamura',
        milestones: [{ id: 'contract-end', due: '2025-06-20', dependsOn: ['auth-separation/overseas'] }],
      },
      { id: 'log-retention', owner: 'watanabe', milestones: [{ id: 'archive', due: '2025-07-31' }] },
    ],
  });
  const people = raw.people as Record<string, { name: string }>;
  people.nakamura = { ...people.nakamura, name: HOSTILE_NAME };
  const measures = raw.measures as Array<Record<string, unknown> & { milestones: Array<Record<string, unknown>> }>;
  const titles: Record<string, { ja: string; en: string }> = {
    'auth-separation': { ja: '認証基盤の分離', en: 'Separate the authentication infrastructure' },
    'head-company': { ja: '本社', en: 'Head company' },
    domestic: { ja: '国内子会社', en: 'Domestic subsidiaries' },
    overseas: { ja: '海外子会社', en: 'Overseas subsidiaries' },
    'soc-migration': { ja: 'SOC の国内移管', en: 'Move SOC Tier 1 to a domestic vendor' },
    'contract-end': { ja: '委託契約の終了', en: 'End the partner contract' },
    'log-retention': HOSTILE_TITLE,
    archive: { ja: '保管', en: 'Archive' },
  };
  for (const m of measures) {
    m.title = titles[m.id as string];
    m.directiveItems = m.id === 'auth-separation' ? ['(1)', '(2)'] : ['(1)'];
    for (const ms of m.milestones) ms.title = titles[ms.id as string];
  }
  const r = validatePlan(raw);
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.plan;
}

const NOW = '2025-06-10T12:00';

function programStates(): MeasureState[] {
  const states = statesAt(programPlan(), '2025-01-06T09:00');
  const auth = (actor: string, at: string, c: Command) => step(states, 'auth-separation', actor, at, c);
  auth('suzuki', '2025-02-03T10:00', {
    type: 'replan',
    milestone: 'domestic',
    date: '2025-08-29',
    reason: 'Vendor ready early',
  });
  auth('sato', '2025-03-28T15:00', { type: 'complete', milestone: 'head-company', evidence: HOSTILE });
  auth('ito', '2025-04-10T11:00', {
    type: 'replan',
    milestone: 'overseas',
    date: '2025-05-30',
    reason: EXTENSION_REASON,
  });
  auth('suzuki', '2025-04-11T09:30', { type: 'approve-replan', milestone: 'overseas' });
  auth('ito', '2025-05-20T14:00', { type: 'replan', milestone: 'overseas', date: '2025-07-31', reason: HOSTILE });
  auth('suzuki', '2025-05-22T16:00', { type: 'reject-replan', milestone: 'overseas', reason: 'No further delay' });
  auth('ito', '2025-05-26T10:00', { type: 'forecast', milestone: 'overseas', date: '2025-06-30' });
  auth('sato', '2025-06-02T10:00', {
    type: 'replan',
    milestone: 'domestic',
    date: '2025-09-12',
    reason: PENDING_REASON,
  });
  step(states, 'log-retention', 'suzuki', '2025-05-15T10:00', { type: 'cancel', reason: HOSTILE });
  runEngine(states, tokyo(NOW));
  return states;
}

const DIRECTIVE = { ref: '総基用第59号', issuer: 'MIC', issuedOn: '2024-04-16' };
const report = (at = NOW) => regulatorReport(programStates(), tokyo(at), { directive: DIRECTIVE });

// ---- Reading the OSCAL document back, from OSCAL's structure only ----

const NS = 'https://remediation-tracker.example/ns/oscal';
/** CommonMark's backslash escapes undone: `\` before an ASCII punctuation character is dropped. */
const unescapeMarkdown = (s: string) => s.replace(/\\([!-/:-@[-`{-~])/g, '$1');

type Poam = OscalPoam['plan-of-action-and-milestones'];
type Task = Poam['risks'][number]['remediations'][number]['tasks'][number];
type Entry = NonNullable<Poam['risks'][number]['risk-log']>['entries'][number];

const values = (props: OscalProp[] | undefined, name: string) =>
  (props ?? []).filter((p) => p.ns === NS && p.name === name).map((p) => p.value);
function value(props: OscalProp[] | undefined, name: string): string | null {
  const v = values(props, name);
  if (v.length > 1) throw new Error(`prop ${name} given ${v.length} times`);
  return v[0] ?? null;
}
const need = <T>(x: T | undefined | null, what: string): T => {
  if (x === undefined || x === null) throw new Error(`missing: ${what}`);
  return x;
};

/** The milestones and change log of every measure, as the OSCAL document tells them. */
function readBack(doc: OscalPoam) {
  const poam = doc['plan-of-action-and-milestones'];
  const people = new Map(
    poam.metadata.parties.map((p) => [
      p.uuid,
      { id: need(p['external-ids'].find((x) => x.scheme === `${NS}/person-id`)?.id, 'person id'), name: p.name },
    ]),
  );
  const person = (uuid: string | null | undefined) => (uuid ? need(people.get(uuid), `party ${uuid}`) : null);
  const loggedBy = (e: Entry, role: string) =>
    person(e['logged-by'].find((l) => l['role-id'] === role)?.['party-uuid']);
  const risks = new Map(poam.risks.map((r) => [r.uuid, r]));
  const rows: Array<Partial<RegulatorRow>> = [];
  const measures = poam['poam-items'].map((item) => {
    const risk = need(risks.get(need(item['related-risks'][0], 'related risk')['risk-uuid']), 'risk');
    const entries = risk['risk-log']?.entries ?? [];
    const remediation = need(risk.remediations[0], 'remediation');
    const of = (t: Task) =>
      entries.filter((e) =>
        e['related-responses'].some(
          (r) => r['response-uuid'] === remediation.uuid && r['related-tasks'].some((x) => x['task-uuid'] === t.uuid),
        ),
      );
    for (const t of remediation.tasks) {
      const date = t.timing['on-date'].date;
      const decided = of(t).filter(
        (e) => value(e.props, 'event') === 'replan' && value(e.props, 'decision') !== 'pending',
      );
      const pending = of(t).find((e) => value(e.props, 'decision') === 'pending');
      const cancelled = of(t).find((e) => value(e.props, 'event') === 'cancellation');
      const evidence = t.remarks;
      const level = value(t.props, 'escalation-level');
      rows.push({
        measureId: need(value(item.props, 'measure-id'), 'measure id'),
        milestoneId: need(value(t.props, 'milestone-id'), 'milestone id'),
        owner:
          person(t['responsible-roles'].find((r) => r['role-id'] === 'milestone-owner')?.['party-uuids'][0]) ??
          undefined,
        originalDue: need(value(t.props, 'original-due'), 'original due'),
        due: date.slice(0, 10),
        forecast: value(t.props, 'forecast'),
        completedOn: value(t.props, 'completed-on'),
        completedBy: person(value(t.props, 'completed-by')),
        evidence: evidence === undefined ? null : unescapeMarkdown(evidence),
        status: need(value(t.props, 'status'), 'status') as RegulatorRow['status'],
        escalationLevel: level === null ? null : Number(level),
        dependsOn: values(t.props, 'depends-on'),
        dependencyRisks: values(t.props, 'dependency-risk'),
        changes: decided
          .map((e) => ({
            n: Number(value(e.props, 'change-number')),
            seq: Number(value(e.props, 'change-seq')),
            type: value(e.props, 'change-type') as 'acceleration' | 'extension',
            from: need(value(e.props, 'from'), 'from'),
            to: need(value(e.props, 'to'), 'to'),
            reason: unescapeMarkdown(e.description),
            requestedBy: need(loggedBy(e, 'replan-requester'), 'requester'),
            requestedAt: e.start,
            decidedBy: need(loggedBy(e, 'replan-decider'), 'decider'),
            decidedAt: need(e.end, 'decided at'),
            decision: value(e.props, 'decision') as 'approved' | 'rejected',
          }))
          .sort((a, b) => a.n - b.n),
        pendingReplan: pending
          ? {
              type: value(pending.props, 'change-type') as 'acceleration' | 'extension',
              to: need(value(pending.props, 'to'), 'to'),
              reason: unescapeMarkdown(pending.description),
              requestedBy: need(loggedBy(pending, 'replan-requester'), 'requester'),
              requestedAt: pending.start,
            }
          : null,
        cancelled: cancelled
          ? {
              at: cancelled.start,
              by: need(loggedBy(cancelled, 'canceller'), 'canceller'),
              reason: unescapeMarkdown(cancelled.description),
            }
          : null,
      });
      // The timing is the last second of the due date in the program's zone; the prop says the date.
      expect(Date.parse(date)).toBe(tokyo(addDays(date.slice(0, 10), 1)) - 1000);
      expect(value(t.props, 'current-due')).toBe(date.slice(0, 10));
    }
    return {
      id: value(item.props, 'measure-id'),
      status: value(item.props, 'status'),
      owner: person(value(item.props, 'owner')),
      sponsor: person(value(item.props, 'sponsor')),
      directiveItems: values(item.props, 'directive-item'),
      title: { ja: value(item.props, 'title-ja'), en: unescapeMarkdown(item.title) },
      riskStatus: risk.status,
      deadline: risk.deadline,
    };
  });
  return { rows, measures };
}

/** The fields of a row that the OSCAL document must give back. */
const FIELDS = [
  'measureId',
  'milestoneId',
  'owner',
  'originalDue',
  'due',
  'forecast',
  'completedOn',
  'completedBy',
  'evidence',
  'status',
  'escalationLevel',
  'dependsOn',
  'dependencyRisks',
  'changes',
  'pendingReplan',
  'cancelled',
] as const;
const pick = (r: RegulatorRow) => Object.fromEntries(FIELDS.map((f) => [f, r[f]])) as Partial<RegulatorRow>;

/** Every value under `key` anywhere in `x`. */
function collect(x: unknown, key: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(x)) for (const v of x) collect(v, key, out);
  else if (x && typeof x === 'object')
    for (const [k, v] of Object.entries(x)) {
      if (k === key) out.push(v);
      collect(v, key, out);
    }
  return out;
}

const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('regulatorOscal', () => {
  it('gives back every milestone date and every change-log field, from the OSCAL structure alone', () => {
    const r = report();
    const back = readBack(JSON.parse(regulatorOscalJson(r)) as OscalPoam);
    expect(back.rows).toEqual(r.rows.map(pick));
    // The scenario has what must be told: both kinds of change, both decisions, a pending re-plan, a
    // completion, a forecast, an escalation, a dependency risk and a cancellation.
    const changes = r.rows.flatMap((x) => x.changes);
    expect(new Set(changes.map((c) => `${c.type}/${c.decision}`))).toEqual(
      new Set(['acceleration/approved', 'extension/approved', 'extension/rejected']),
    );
    expect(r.rows.filter((x) => x.pendingReplan && x.completedOn === null && x.cancelled === null)).toHaveLength(1);
    expect(r.rows.some((x) => x.forecast && (x.escalationLevel ?? 0) > 0)).toBe(true);
    expect(r.rows.some((x) => x.dependencyRisks.length > 0 && x.cancelled === null)).toBe(true);
    expect(r.rows.some((x) => x.completedOn) && r.rows.some((x) => x.cancelled)).toBe(true);
  });

  it('has one POA&M item and one risk per measure: open or closed, the deadline the latest due date', () => {
    const r = report();
    const back = readBack(regulatorOscal(r));
    expect(back.measures).toEqual(
      r.measures.map((m) => {
        const dues = r.rows.filter((x) => x.measureId === m.id).map((x) => x.due);
        const latest = [...dues].sort().at(-1) ?? '';
        return {
          id: m.id,
          status: m.status,
          owner: m.owner,
          sponsor: m.sponsor,
          directiveItems: m.directiveItems,
          title: m.title,
          riskStatus: m.status === 'done' || m.status === 'cancelled' ? 'closed' : 'open',
          deadline: `${latest}T23:59:59+09:00`,
        };
      }),
    );
    expect(back.measures.map((m) => m.riskStatus)).toEqual(['open', 'closed', 'open']);
  });

  it('names the program, the instant and the people', () => {
    const poam = regulatorOscal(report())['plan-of-action-and-milestones'];
    expect(poam.metadata.title).toBe('Regulator report (confidential): Test');
    expect(poam.metadata['last-modified']).toBe('2025-06-10T12:00:00+09:00');
    expect(poam.metadata.version).toBe('2025-06-10T12:00:00+09:00');
    expect(poam['system-id'].id).toBe('test-program');
    expect(poam.metadata.props).toContainEqual({ name: 'marking', value: 'confidential' });
    expect(value(poam.metadata.props, 'directive-ref')).toBe('総基用第59号');
    expect(poam.metadata.parties.map((p) => [p['external-ids'][0]?.id, p.name])).toEqual([
      ['ito', '伊藤 四郎'],
      ['nakamura', HOSTILE_NAME],
      ['sato', '佐藤 花子'],
      ['suzuki', '鈴木 一郎'],
      ['watanabe', '渡辺 五郎'],
      ['yamada', '山田 三郎'],
    ]);
  });

  it('resolves every reference, and every UUID is a distinct v5', () => {
    const doc = regulatorOscal(report());
    const poam = doc['plan-of-action-and-milestones'];
    const uuids = collect(doc, 'uuid') as string[];
    expect(uuids.length).toBeGreaterThan(20);
    for (const u of uuids) expect(u).toMatch(UUID_V5);
    expect(new Set(uuids).size).toBe(uuids.length);
    const defined = new Set(uuids);
    const refs = [
      ...collect(doc, 'party-uuid'),
      ...(collect(doc, 'party-uuids') as string[][]).flat(),
      ...collect(doc, 'risk-uuid'),
      ...collect(doc, 'task-uuid'),
      ...collect(doc, 'response-uuid'),
      ...(collect(doc, 'props') as OscalProp[][])
        .flat()
        .filter((p) => ['completed-by', 'owner', 'sponsor'].includes(p.name))
        .map((p) => p.value),
    ] as string[];
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(defined.has(ref), ref).toBe(true);
    const roles = new Set(poam.metadata.roles.map((r) => r.id));
    for (const role of collect(doc, 'role-id') as string[]) expect(roles.has(role), role).toBe(true);
    // contract-end depends on overseas: the task says so by UUID.
    const tasks = poam.risks.flatMap((r) => r.remediations.flatMap((x) => x.tasks));
    const task = (id: string) => tasks.find((t) => value(t.props, 'milestone-id') === id);
    expect(task('contract-end')?.dependencies).toEqual([{ 'task-uuid': task('overseas')?.uuid }]);
  });

  it('gives the same bytes for the same report, and a milestone keeps its UUIDs from report to report', () => {
    const json = regulatorOscalJson(report());
    expect(regulatorOscalJson(report())).toBe(json);
    expect(regulatorOscalJson(regulatorReport(programStates().reverse(), tokyo(NOW), { directive: DIRECTIVE }))).toBe(
      json,
    );
    // Pinned: a change of the UUID namespace or of the names would give every object a new identity.
    const poam = regulatorOscal(report())['plan-of-action-and-milestones'];
    expect(poam.uuid).toBe('351ec15f-f072-5473-a4d9-3682799ad3b5');
    const later = regulatorOscal(report('2025-06-20T12:00'))['plan-of-action-and-milestones'];
    const ids = (p: Poam) => collect(p.risks, 'uuid');
    expect(ids(later)).toEqual(ids(poam));
    expect(later.metadata['last-modified']).toBe('2025-06-20T12:00:00+09:00');
  });

  it('keeps hostile text as data: exact through JSON, inert as Markdown, one line where OSCAL wants one', () => {
    const r = report();
    const json = regulatorOscalJson(r);
    const poam = (JSON.parse(json) as OscalPoam)['plan-of-action-and-milestones'];
    const md = new MarkdownIt({ html: true });
    const markup = [
      ...collect(poam, 'description'),
      ...collect(poam, 'remarks'),
      ...collect(poam, 'statement'),
    ] as string[];
    const texts = markup.map(unescapeMarkdown);
    // The rejected re-plan's reason and the cancellation's reason as given, the evidence as kept (trimmed).
    expect(texts.filter((t) => t === HOSTILE)).toHaveLength(2);
    expect(r.rows.find((x) => x.milestoneId === 'head-company')?.evidence).toBe(HOSTILE.trim());
    expect(texts).toContain(HOSTILE.trim());
    for (const m of [...markup, ...(collect(poam, 'title') as string[])]) {
      // Even a viewer that lets HTML through shows text: paragraphs, indented code and soft breaks only.
      const html = md.render(m);
      const tags = html.match(/<\/?[a-z][^>]*>/g) ?? [];
      for (const t of tags) expect(t, `${m} -> ${html}`).toMatch(/^<\/?(p|pre|code)>$/);
    }
    const item = poam['poam-items'].find((i) => value(i.props, 'measure-id') === 'log-retention');
    expect(item?.title).toBe('Logs \\<b\\>kept\\</b\\> \\*\\*7 years\\*\\* \\[x\\](javascript:alert(1))');
    expect(unescapeMarkdown(item?.title ?? '')).toBe(HOSTILE_TITLE.en);
    expect(value(item?.props, 'title-ja')).toBe(HOSTILE_TITLE.ja);
    for (const t of collect(poam, 'title') as string[]) expect(t).toMatch(/^[^\n]+$/);
    for (const p of (collect(poam, 'props') as OscalProp[][]).flat()) expect(p.value).toMatch(/^\S(.*\S)?$/);
  });

  it('refuses a report without measures', () => {
    const r: RegulatorReport = { ...report(), measures: [], rows: [] };
    expect(() => regulatorOscal(r)).toThrow('at least one measure');
  });
});

// ---- compliance-trestle ----

const VENV_PYTHON = join(repoRoot, '.tools', 'trestle-venv', 'bin', 'python');

/** The venv's python, or a failure that says how to get it. */
function trestlePython(): string {
  if (!existsSync(VENV_PYTHON))
    throw new Error(
      `compliance-trestle is not installed: ${VENV_PYTHON} is missing. ` +
        'Run `npm run setup` (or `bash scripts/ensure-trestle.sh`) and run the tests again.',
    );
  return VENV_PYTHON;
}

/** Runs a program; a non-zero exit fails with its output. */
function run(file: string, args: string[], cwd: string): string {
  try {
    return execFileSync(file, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const x = e as { status?: number; stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} exited ${x.status}:\n${x.stdout ?? ''}\n${x.stderr ?? ''}`);
  }
}

/** Parses a file with trestle's pydantic model; prints trestle's OSCAL version and the model written back. */
const PARSE = `
import json, pathlib, sys
from trestle.oscal import OSCAL_VERSION
from trestle.oscal.poam import PlanOfActionAndMilestones
poam = PlanOfActionAndMilestones.oscal_read(pathlib.Path(sys.argv[1]))
print(json.dumps({"oscalVersion": OSCAL_VERSION, "document": json.loads(poam.oscal_serialize_json())}))
`;

/** `x` with every date-time replaced by its epoch milliseconds (trestle writes them back in UTC). */
function instants(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(instants);
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, instants(v)]));
  if (typeof x === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/.test(x)) return Date.parse(x);
  return x;
}

describe('compliance-trestle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'oscal-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses the document with its POA&M model, losing nothing, at the OSCAL version it declares', () => {
    const python = trestlePython();
    const json = regulatorOscalJson(report());
    const file = join(dir, 'regulator.oscal.json');
    writeFileSync(file, json);
    const out = JSON.parse(run(python, ['-c', PARSE, file], dir)) as { oscalVersion: string; document: unknown };
    const ours = JSON.parse(json) as OscalPoam;
    expect(ours['plan-of-action-and-milestones'].metadata['oscal-version']).toBe(out.oscalVersion);
    expect(instants(out.document)).toEqual(instants(ours));

    // The model does check: an unknown field is refused.
    const bad = JSON.parse(json) as { 'plan-of-action-and-milestones': { risks: Array<Record<string, unknown>> } };
    const first = bad['plan-of-action-and-milestones'].risks[0];
    if (first) first['due-date'] = '2025-06-30';
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
    expect(() => run(python, ['-c', PARSE, join(dir, 'bad.json')], dir)).toThrow(/due-date[\s\S]*Extra inputs/);
  });

  it('imports the document into a trestle workspace and `trestle validate` passes', () => {
    const trestle = join(trestlePython(), '..', 'trestle');
    const file = join(dir, 'regulator.oscal.json');
    writeFileSync(file, regulatorOscalJson(report()));
    const ws = join(dir, 'workspace');
    mkdirSync(ws);
    run(trestle, ['init'], ws);
    // `trestle import` runs every validator (schema, duplicate UUIDs, role references) and refuses on failure.
    run(trestle, ['import', '-f', file, '-o', 'regulator'], ws);
    const out = run(trestle, ['validate', '-t', 'plan-of-action-and-milestones', '-n', 'regulator'], ws);
    expect(out).toContain('VALID');
  });
});
