/**
 * The regulator report as an OSCAL plan of action and milestones (design section 8, issue 6 §5): NIST's
 * machine-readable POA&M, in the OSCAL JSON format, valid for compliance-trestle's model
 * (`trestle.oscal.poam.PlanOfActionAndMilestones`; test/domain/oscal.test.ts checks it).
 *
 * How the report maps onto the model:
 * - `metadata`: the program's title, `last-modified` and `version` = the report's instant, a
 *   `marking` of confidential, the roles below, and one party per person the report names (the plan's
 *   id as an external id);
 * - `system-id`: the program id;
 * - one `poam-item` per measure (title, bilingual description, directive items, owner, sponsor,
 *   status) pointing at its `risk`;
 * - one `risk` per measure: `open`, or `closed` once the measure is done or cancelled; `deadline` =
 *   the latest current due date; one remediation whose `tasks` are the milestones (type `milestone`,
 *   `timing.on-date` = the last second of the current due date, props for the original and current
 *   due dates, forecast, completion date and person, status, escalation level and dependencies, the
 *   owner as responsible role, the evidence as remarks); a milestone's dependencies within the
 *   report are also task `dependencies`;
 * - the change log as the risk's `risk-log`: one entry per re-plan decided (start = requested,
 *   end = decided, props for type, from, to, decision and the milestone, `logged-by` the requester and
 *   the decider in their roles, the reason as description), per re-plan pending and per cancellation;
 *   each entry points at its milestone's task through `related-responses`.
 *
 * Every UUID is a version 5 UUID of a stable name (the program, measure, milestone, person or change
 * it identifies), so the same report gives the same bytes and a milestone keeps its UUID from report
 * to report. A person in a prop (owner, sponsor, completed by) is their party's UUID. Instants carry
 * the program's offset; the calendar dates of props stay `YYYY-MM-DD`, as in the other formats.
 * Free text (reasons, evidence, titles) enters OSCAL's Markdown fields escaped, so no plan text or
 * reason becomes markup in an OSCAL viewer: CommonMark's backslash escapes, which a Markdown reader
 * (or `\\(punct)` → `punct`) turns back into the exact text.
 */
import { v5 as uuidv5 } from 'uuid';
import { addDays, formatInstant, instantOf, type LocalDate } from '../dates';
import type { Localized } from '../plan';
import { cmp } from '../planner';
import {
  rowsByMeasure,
  type RegulatorChange,
  type RegulatorMeasure,
  type RegulatorPerson,
  type RegulatorReport,
  type RegulatorRow,
} from './regulator';

/** The OSCAL version the document declares: the one compliance-trestle 5.2 models (scripts/ensure-trestle.sh). */
const OSCAL_VERSION = '1.2.1';

/**
 * The namespace of this product's own names: its props, the scheme of person ids, the type of the system
 * id. A URI that names rather than locates (`.example` is reserved, RFC 2606); http(s), since older
 * OSCAL tools (compliance-trestle 3 on pydantic 1) refuse a `urn:` here.
 */
const OSCAL_NS = 'https://remediation-tracker.example/ns/oscal';

/** The UUID namespace every UUID of the document is derived in. Never change it: the UUIDs would all change. */
const UUID_NAMESPACE = '5c0f3f0e-8d0b-4a53-9b9e-2f6e4d7c1a90';

/** A UUID v5 of `parts` (joined as a JSON array, so no two different lists give one name). */
const uuids = new Map<string, string>();
const uuidOf = (...parts: string[]): string => {
  // Remembered: a party's or a measure's uuid is asked for again on every row that names it.
  const name = JSON.stringify(parts);
  let uuid = uuids.get(name);
  if (uuid === undefined) {
    uuid = uuidv5(name, UUID_NAMESPACE);
    if (uuids.size >= 200_000) uuids.clear();
    uuids.set(name, uuid);
  }
  return uuid;
};

/** An OSCAL property; `ns` is ours except for OSCAL's own names (e.g. `marking`). */
export interface OscalProp {
  name: string;
  ns?: string;
  value: string;
}

/** A role a party plays somewhere in the document (`responsible-roles`, `logged-by`). */
export interface OscalRole {
  id: string;
  title: string;
  description: string;
}

/** A person the report names. */
export interface OscalParty {
  uuid: string;
  type: 'person';
  name: string;
  'external-ids': Array<{ scheme: string; id: string }>;
}

/** A milestone, as a task of its measure's remediation. */
export interface OscalTask {
  uuid: string;
  type: 'milestone';
  title: string;
  props: OscalProp[];
  timing: { 'on-date': { date: string } };
  dependencies?: Array<{ 'task-uuid': string }>;
  'responsible-roles': Array<{ 'role-id': string; 'party-uuids': string[] }>;
  remarks?: string;
}

/** The remediation of a measure: its milestones. */
export interface OscalRemediation {
  uuid: string;
  lifecycle: 'planned' | 'completed';
  title: string;
  description: string;
  props: OscalProp[];
  tasks: OscalTask[];
}

/** One entry of a risk log: a decided or pending re-plan, or a cancellation. */
export interface OscalRiskLogEntry {
  uuid: string;
  title: string;
  description: string;
  start: string;
  end?: string;
  props: OscalProp[];
  'logged-by': Array<{ 'party-uuid': string; 'role-id': string }>;
  'related-responses': Array<{ 'response-uuid': string; 'related-tasks': Array<{ 'task-uuid': string }> }>;
}

/** A measure, as the risk its remediation treats. */
export interface OscalRisk {
  uuid: string;
  title: string;
  description: string;
  statement: string;
  props: OscalProp[];
  status: 'open' | 'closed';
  deadline: string;
  remediations: OscalRemediation[];
  'risk-log'?: { entries: OscalRiskLogEntry[] };
}

/** A measure, as a POA&M item. */
export interface OscalPoamItem {
  uuid: string;
  title: string;
  description: string;
  props: OscalProp[];
  'related-risks': Array<{ 'risk-uuid': string }>;
}

/** The OSCAL document: a `plan-of-action-and-milestones` as OSCAL's JSON format wraps it. */
export interface OscalPoam {
  'plan-of-action-and-milestones': {
    uuid: string;
    metadata: {
      title: string;
      'last-modified': string;
      version: string;
      'oscal-version': string;
      props: OscalProp[];
      roles: OscalRole[];
      parties: OscalParty[];
    };
    'system-id': { 'identifier-type': string; id: string };
    risks: OscalRisk[];
    'poam-items': OscalPoamItem[];
  };
}

/** The roles of the document, by id. */
const ROLES = {
  milestoneOwner: {
    id: 'milestone-owner',
    title: 'Milestone owner',
    description: 'Responsible for a milestone (マイルストーンの責任者).',
  },
  requester: {
    id: 'replan-requester',
    title: 'Re-plan requester',
    description: 'Asked for a new due date (計画変更の申請者).',
  },
  decider: {
    id: 'replan-decider',
    title: 'Re-plan decider',
    description: 'Approved or rejected a new due date (計画変更の決定者).',
  },
  canceller: { id: 'canceller', title: 'Canceller', description: 'Cancelled a milestone or measure (中止した者).' },
} as const satisfies Record<string, OscalRole>;

/** Text on one line: runs of white space (line breaks too) as one space, trimmed (OSCAL titles, names, prop values). */
function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/**
 * `s` as inert OSCAL Markdown: every character that is Markdown syntax anywhere (`\`, backquote, `*`,
 * `_`, brackets, `<`, `>`, `!`, `|`, `~`, `&`) and the block markers that start a line (`#`, `-`, `+`,
 * `=`, the `.` or `)` after a number) get a backslash, CommonMark's escape, so a reader shows the text
 * and no heading, list, link, image, HTML or entity. Every backslash of `s` is escaped too, so
 * removing the backslash before each ASCII punctuation character gives `s` back exactly.
 */
/** True when `oscalMarkup` would change `s`: the usual plain title or date is returned as it is. */
const MARKUP = /[\\`*_[\]<>!|~&]|^[ \t]*[#+=\d-]/m;

function oscalMarkup(s: string): string {
  if (!MARKUP.test(s)) return s;
  return s
    .replace(/[\\`*_[\]<>!|~&]/g, '\\$&')
    .replace(/^([ \t]*)([#+=-])/gm, '$1\\$2')
    .replace(/^([ \t]*\d+)([.)])/gm, '$1\\$2');
}

/** An OSCAL title (markup-line): one line, escaped; the id when the text is blank. */
const titleOf = (s: string, fallback: string) => oscalMarkup(oneLine(s) || fallback);

/** Our prop, or none when the value is blank (OSCAL prop values have no leading, trailing or only white space). */
function prop(name: string, value: string | null | undefined): OscalProp[] {
  const v = value === null || value === undefined ? '' : oneLine(value);
  return v ? [{ name, ns: OSCAL_NS, value: v }] : [];
}

const bilingual = (t: Localized) => `${oscalMarkup(t.ja)}\n\n${oscalMarkup(t.en)}`;

/** The last second of `date` in `zone`, with the offset of that instant: a due date as an OSCAL date-time. */
const endOfDay = (date: LocalDate, zone: string) =>
  formatInstant(instantOf(addDays(date, 1), '00:00', zone) - 1000, zone);

/** Every person the report names, by id, in the order of their ids. */
function peopleOf(report: RegulatorReport): RegulatorPerson[] {
  const byId = new Map<string, RegulatorPerson>();
  const add = (p: RegulatorPerson | null) => {
    if (p && !byId.has(p.id)) byId.set(p.id, p);
  };
  for (const m of report.measures) {
    add(m.owner);
    add(m.sponsor);
  }
  for (const r of report.rows) {
    add(r.owner);
    add(r.completedBy);
    for (const c of r.changes) {
      add(c.requestedBy);
      add(c.decidedBy);
    }
    add(r.pendingReplan?.requestedBy ?? null);
    add(r.cancelled?.by ?? null);
  }
  return [...byId.values()].sort((a, b) => cmp(a.id, b.id));
}

/** Builds the document for one program: the UUIDs of its parts, then the parts. */
function builder(report: RegulatorReport) {
  const program = report.program.id;
  const zone = report.program.timezone;
  const party = (p: RegulatorPerson) => uuidOf('party', program, p.id);
  const risk = (measure: string) => uuidOf('risk', program, measure);
  const remediation = (measure: string) => uuidOf('remediation', program, measure);
  const task = (measure: string, milestone: string) => uuidOf('task', program, measure, milestone);
  const known = new Set(report.rows.map((r) => `${r.measureId}/${r.milestoneId}`));
  /** A `dependsOn` reference as `measure/milestone` (a bare milestone id is one of the same measure). */
  const target = (r: RegulatorRow, ref: string) => (ref.includes('/') ? ref : `${r.measureId}/${ref}`);

  const taskOf = (r: RegulatorRow): OscalTask => {
    const dependencies = r.dependsOn
      .map((ref) => target(r, ref))
      .filter((ref) => known.has(ref))
      .map((ref) => {
        const [measure = '', milestone = ''] = ref.split('/');
        return { 'task-uuid': task(measure, milestone) };
      });
    return {
      uuid: task(r.measureId, r.milestoneId),
      type: 'milestone',
      title: titleOf(r.milestoneTitle.en, r.milestoneId),
      props: [
        ...prop('milestone-id', r.milestoneId),
        ...prop('title-ja', r.milestoneTitle.ja),
        ...prop('original-due', r.originalDue),
        ...prop('current-due', r.due),
        ...prop('forecast', r.forecast),
        ...prop('completed-on', r.completedOn),
        ...prop('completed-by', r.completedBy ? party(r.completedBy) : null),
        ...prop('status', r.status),
        ...prop('escalation-level', r.escalationLevel === null ? null : String(r.escalationLevel)),
        ...r.dependsOn.flatMap((ref) => prop('depends-on', ref)),
        ...r.dependencyRisks.flatMap((ref) => prop('dependency-risk', ref)),
      ],
      timing: { 'on-date': { date: endOfDay(r.due, zone) } },
      ...(dependencies.length ? { dependencies } : {}),
      'responsible-roles': [{ 'role-id': ROLES.milestoneOwner.id, 'party-uuids': [party(r.owner)] }],
      ...(r.evidence !== null ? { remarks: oscalMarkup(r.evidence) } : {}),
    };
  };

  const related = (r: RegulatorRow) => [
    {
      'response-uuid': remediation(r.measureId),
      'related-tasks': [{ 'task-uuid': task(r.measureId, r.milestoneId) }],
    },
  ];

  const changeEntry = (r: RegulatorRow, c: RegulatorChange): OscalRiskLogEntry => ({
    uuid: uuidOf('change', program, r.measureId, String(c.seq)),
    title: oscalMarkup(`${c.type} of ${r.milestoneId}: ${c.from} → ${c.to}, ${c.decision}`),
    description: oscalMarkup(c.reason),
    start: c.requestedAt,
    end: c.decidedAt,
    props: [
      ...prop('event', 'replan'),
      ...prop('milestone-id', r.milestoneId),
      ...prop('change-number', String(c.n)),
      ...prop('change-seq', String(c.seq)),
      ...prop('change-type', c.type),
      ...prop('from', c.from),
      ...prop('to', c.to),
      ...prop('decision', c.decision),
    ],
    'logged-by': [
      { 'party-uuid': party(c.requestedBy), 'role-id': ROLES.requester.id },
      { 'party-uuid': party(c.decidedBy), 'role-id': ROLES.decider.id },
    ],
    'related-responses': related(r),
  });

  const logOf = (rows: RegulatorRow[]): OscalRiskLogEntry[] =>
    rows.flatMap((r) => {
      const entries = r.changes.map((c) => changeEntry(r, c));
      const p = r.pendingReplan;
      if (p)
        entries.push({
          uuid: uuidOf('pending-replan', program, r.measureId, r.milestoneId, p.requestedAt),
          title: oscalMarkup(`${p.type} of ${r.milestoneId} to ${p.to}, pending`),
          description: oscalMarkup(p.reason),
          start: p.requestedAt,
          props: [
            ...prop('event', 'replan'),
            ...prop('milestone-id', r.milestoneId),
            ...prop('change-type', p.type),
            ...prop('from', r.due),
            ...prop('to', p.to),
            ...prop('decision', 'pending'),
          ],
          'logged-by': [{ 'party-uuid': party(p.requestedBy), 'role-id': ROLES.requester.id }],
          'related-responses': related(r),
        });
      const x = r.cancelled;
      if (x)
        entries.push({
          uuid: uuidOf('cancellation', program, r.measureId, r.milestoneId),
          title: oscalMarkup(`${r.milestoneId} cancelled`),
          description: oscalMarkup(x.reason),
          start: x.at,
          props: [...prop('event', 'cancellation'), ...prop('milestone-id', r.milestoneId)],
          'logged-by': [{ 'party-uuid': party(x.by), 'role-id': ROLES.canceller.id }],
          'related-responses': related(r),
        });
      return entries;
    });

  const directive = report.program.directive;
  const byMeasure = rowsByMeasure(report.rows);
  const riskOf = (m: RegulatorMeasure): OscalRisk => {
    const rows = byMeasure.get(m.id) ?? [];
    const latest = rows.map((r) => r.due).reduce((a, b) => (b > a ? b : a), rows[0]?.due ?? report.asOf.slice(0, 10));
    const closed = m.status === 'done' || m.status === 'cancelled';
    const answers = m.directiveItems.length ? `directive items ${m.directiveItems.join(', ')}` : 'the directive';
    const of = directive ? ` of ${directive.ref} (${directive.issuer}, ${directive.issuedOn})` : '';
    const log = logOf(rows);
    return {
      uuid: risk(m.id),
      title: titleOf(m.title.en, m.id),
      description: bilingual(m.title),
      statement: oscalMarkup(
        `Measure ${m.id} answers ${answers}${of}: ${rows.length} milestone(s), the latest due ${latest}; ` +
          `status ${m.status}.`,
      ),
      props: [...prop('measure-id', m.id), ...prop('status', m.status)],
      status: closed ? 'closed' : 'open',
      deadline: endOfDay(latest, zone),
      remediations: [
        {
          uuid: remediation(m.id),
          lifecycle: m.status === 'done' ? 'completed' : 'planned',
          title: titleOf(m.title.en, m.id),
          description: bilingual(m.title),
          props: prop('measure-id', m.id),
          tasks: rows.map(taskOf),
        },
      ],
      ...(log.length ? { 'risk-log': { entries: log } } : {}),
    };
  };

  const itemOf = (m: RegulatorMeasure): OscalPoamItem => ({
    uuid: uuidOf('poam-item', program, m.id),
    title: titleOf(m.title.en, m.id),
    description: bilingual(m.title),
    props: [
      ...prop('measure-id', m.id),
      ...prop('title-ja', m.title.ja),
      ...m.directiveItems.flatMap((d) => prop('directive-item', d)),
      ...prop('owner', party(m.owner)),
      ...prop('sponsor', m.sponsor ? party(m.sponsor) : null),
      ...prop('status', m.status),
    ],
    'related-risks': [{ 'risk-uuid': risk(m.id) }],
  });

  const partyOf = (p: RegulatorPerson): OscalParty => ({
    uuid: party(p),
    type: 'person',
    name: oneLine(p.name) || p.id,
    'external-ids': [{ scheme: `${OSCAL_NS}/person-id`, id: p.id }],
  });

  return { partyOf, riskOf, itemOf };
}

/**
 * The regulator report as an OSCAL POA&M document (see the module comment for the mapping). Pure: the
 * same report gives an equal object. Throws when the report has no measure (a POA&M needs one item).
 */
export function regulatorOscal(report: RegulatorReport): OscalPoam {
  if (report.measures.length === 0) throw new Error('an OSCAL POA&M needs at least one measure');
  const p = report.program;
  const b = builder(report);
  return {
    'plan-of-action-and-milestones': {
      uuid: uuidOf('poam', p.id),
      metadata: {
        title: titleOf(`Regulator report (confidential): ${p.title.en}`, p.id),
        'last-modified': report.asOf,
        version: report.asOf,
        'oscal-version': OSCAL_VERSION,
        props: [
          { name: 'marking', value: 'confidential' },
          ...prop('program-id', p.id),
          ...prop('title-ja', `規制当局向け報告（機密）: ${p.title.ja}`),
          ...prop('timezone', p.timezone),
          ...prop('directive-ref', p.directive?.ref),
          ...prop('directive-issuer', p.directive?.issuer),
          ...prop('directive-issued-on', p.directive?.issuedOn),
        ],
        roles: Object.values(ROLES).map((r) => ({ ...r })),
        parties: peopleOf(report).map(b.partyOf),
      },
      'system-id': { 'identifier-type': `${OSCAL_NS}/program-id`, id: p.id },
      risks: report.measures.map(b.riskOf),
      'poam-items': report.measures.map(b.itemOf),
    },
  };
}

/** The OSCAL document as pretty-printed JSON (two spaces, a final newline): the same report gives the same bytes. */
export function regulatorOscalJson(report: RegulatorReport): string {
  return `${JSON.stringify(regulatorOscal(report), null, 2)}\n`;
}
