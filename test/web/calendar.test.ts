/**
 * The personal calendar feed (issue 8 §3, src/web/calendar.ts): built from fixture states, parsed back
 * with ical.js, a second iCalendar implementation. Who gets which events, all-day dates exactly the
 * plan's LocalDates (also under other server time zones, in child processes with their own `TZ`),
 * stable UIDs, re-plans and forecasts that move an event with a higher SEQUENCE, completions and
 * cancellations that remove it, both languages, and escaping and folding of hostile texts.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { addDays } from '../../src/domain/dates';
import type { MeasureState } from '../../src/domain/model';
import { validatePlan, type Plan } from '../../src/domain/plan';
import { formatProblem } from '../../src/domain/problems';
import { applyCommand, validateCommand, type Command } from '../../src/domain/reducer';
import { calendarFeed } from '../../src/web/calendar';
import { accept, rawPlan, statesAt, tokyo } from '../domain/fixtures';

const ROOT = path.resolve(__dirname, '../..');
const URL_OF = (program: string, measure: string) => `https://tracker.example.jp/p/${program}/m/${measure}`;
const NOW = tokyo('2025-02-03T09:00');

interface PlanTexts {
  measureTitle?: { ja: string; en: string };
  milestoneTitle?: { ja: string; en: string };
}

/**
 * Two measures. auth-separation (owner sato): head-company (sato, due 03-31, forecast 04-15),
 * overseas (ito, 12-31), year-start (sato, 2026-01-01), done-early (sato, completed).
 * soc-tier1 (owner ito): vendor (sato, 10-31), cutover (ito, 11-28). suzuki is the program manager.
 */
function plan(texts: PlanTexts = {}): Plan {
  const raw = rawPlan({
    milestones: [
      { id: 'head-company', due: '2025-03-31', forecast: '2025-04-15' },
      { id: 'overseas', due: '2025-12-31', owner: 'ito' },
      { id: 'year-start', due: '2026-01-01' },
      { id: 'done-early', due: '2025-02-28', completed: { on: '2025-01-20', by: 'sato', evidence: 'CHG-1' } },
    ],
    measures: [
      {
        id: 'soc-tier1',
        owner: 'ito',
        milestones: [
          { id: 'vendor', due: '2025-10-31', owner: 'sato' },
          { id: 'cutover', due: '2025-11-28' },
        ],
      },
    ],
  }) as { measures: Array<{ title: unknown; milestones: Array<{ title: unknown }> }> };
  const measure = raw.measures[0];
  if (!measure) throw new Error('no measure');
  measure.title = texts.measureTitle ?? { ja: '認証基盤の分離', en: 'Separate authentication' };
  const milestone = measure.milestones[0];
  if (!milestone) throw new Error('no milestone');
  milestone.title = texts.milestoneTitle ?? { ja: '本社', en: 'Head company' };
  const r = validatePlan(raw);
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.plan;
}

const states = (texts?: PlanTexts) => statesAt(plan(texts), '2025-02-01T10:00');
const stateOf = (all: MeasureState[], measure: string): MeasureState => {
  const s = all.find((x) => x.measure.id === measure);
  if (!s) throw new Error(`no measure ${measure}`);
  return s;
};

/** Validates and applies a command with the domain reducer, as the workflow's Update does. */
function apply(state: MeasureState, actor: string, at: string, command: Command): void {
  const env = { actor, at: tokyo(at), command };
  const problems = validateCommand(state, env);
  expect(problems.map(formatProblem)).toEqual([]);
  applyCommand(state, env);
}

interface Parsed {
  calendar: ICAL.Component;
  events: ICAL.Event[];
  byUid: Map<string, ICAL.Event>;
}

function parse(feed: string): Parsed {
  const calendar = new ICAL.Component(ICAL.parse(feed) as unknown[]);
  const events = calendar.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
  return { calendar, events, byUid: new Map(events.map((e) => [e.uid, e])) };
}

const uid = (measure: string, milestone: string, kind: 'due' | 'forecast' = 'due') =>
  `test-program/${measure}/${milestone}/${kind}@remediation-tracker`;

function feedOf(all: MeasureState[], person: string, lang: 'ja' | 'en' = 'en', now = NOW): string {
  return calendarFeed({ states: all, person, lang, now, measureUrl: URL_OF });
}

function eventOf(p: Parsed, id: string): ICAL.Event {
  const e = p.byUid.get(id);
  if (!e) throw new Error(`no event ${id} among ${[...p.byUid.keys()].join(', ')}`);
  return e;
}

describe('who gets which events', () => {
  it("the responsible person gets their open milestones' due dates and forecasts, nobody else's", () => {
    const p = parse(feedOf(states(), 'sato'));
    expect([...p.byUid.keys()].sort()).toEqual(
      [
        uid('auth-separation', 'head-company'),
        uid('auth-separation', 'head-company', 'forecast'),
        uid('auth-separation', 'year-start'),
        uid('soc-tier1', 'vendor'),
      ].sort(),
    );
    expect(p.events).toHaveLength(4);
  });

  it('a milestone owner gets theirs, in a measure they do not own too', () => {
    const p = parse(feedOf(states(), 'ito'));
    expect([...p.byUid.keys()].sort()).toEqual([uid('auth-separation', 'overseas'), uid('soc-tier1', 'cutover')]);
  });

  it('a program manager gets every open milestone, with the responsible person named', () => {
    const p = parse(feedOf(states(), 'suzuki'));
    expect(p.events).toHaveLength(6);
    expect(eventOf(p, uid('auth-separation', 'overseas')).summary).toBe(
      'Due: Separate authentication – overseas (伊藤 四郎)',
    );
    expect(p.byUid.has(uid('auth-separation', 'done-early'))).toBe(false);
  });

  it('someone with no milestones (a sponsor, a stranger) gets an empty, valid calendar', () => {
    for (const person of ['yamada', 'nakamura', 'nobody', '__proto__']) {
      const p = parse(feedOf(states(), person));
      expect(p.events).toEqual([]);
      expect(p.calendar.getFirstPropertyValue('prodid')).toBe('-//remediation-tracker//EN');
    }
  });
});

describe('the calendar', () => {
  it('PUBLISH, the PRODID, and a localized name', () => {
    const ja = parse(feedOf(states(), 'sato', 'ja')).calendar;
    const en = parse(feedOf(states(), 'sato', 'en')).calendar;
    expect(ja.getFirstPropertyValue('method')).toBe('PUBLISH');
    expect(ja.getFirstPropertyValue('version')).toBe('2.0');
    expect(ja.getFirstPropertyValue('prodid')).toBe('-//remediation-tracker//EN');
    expect(ja.getFirstPropertyValue('x-wr-calname')).toBe('remediation-tracker: テスト');
    expect(en.getFirstPropertyValue('x-wr-calname')).toBe('remediation-tracker: Test');
    const other = calendarFeed({
      states: states(),
      person: 'sato',
      lang: 'en',
      now: NOW,
      programTitle: { ja: '別', en: 'Other' },
    });
    expect(parse(other).calendar.getFirstPropertyValue('x-wr-calname')).toBe('remediation-tracker: Other');
  });

  it('all-day events exactly on the due and forecast dates, DTEND the next day, DTSTAMP now', () => {
    const p = parse(feedOf(states(), 'suzuki'));
    const expected: Array<[string, string]> = [
      [uid('auth-separation', 'head-company'), '2025-03-31'],
      [uid('auth-separation', 'head-company', 'forecast'), '2025-04-15'],
      [uid('auth-separation', 'overseas'), '2025-12-31'],
      [uid('auth-separation', 'year-start'), '2026-01-01'],
      [uid('soc-tier1', 'vendor'), '2025-10-31'],
      [uid('soc-tier1', 'cutover'), '2025-11-28'],
    ];
    for (const [id, date] of expected) {
      const e = eventOf(p, id);
      expect(e.startDate.isDate).toBe(true);
      expect(e.endDate.isDate).toBe(true);
      expect(e.startDate.toString()).toBe(date);
      expect(e.endDate.toString()).toBe(addDays(date, 1));
      const stamp = e.component.getFirstPropertyValue('dtstamp') as ICAL.Time;
      expect(stamp.toJSDate().getTime()).toBe(NOW);
      expect(e.component.getFirstPropertyValue('transp')).toBe('TRANSPARENT');
    }
    const raw = feedOf(states(), 'suzuki');
    expect(raw).toContain('DTSTART;VALUE=DATE:20251231\r\nDTEND;VALUE=DATE:20260101\r\n');
    expect(raw).toContain('DTSTART;VALUE=DATE:20260101\r\nDTEND;VALUE=DATE:20260102\r\n');
  });

  it('the same state gives the same document: stable UIDs and bytes', () => {
    const a = feedOf(states(), 'sato');
    const b = feedOf(states(), 'sato');
    expect(b).toBe(a);
    expect([...parse(b).byUid.keys()]).toEqual([...parse(a).byUid.keys()]);
  });

  it('description and URL: program, measure, milestone, dates, link', () => {
    const all = states();
    apply(stateOf(all, 'auth-separation'), 'suzuki', '2025-02-03T10:00', {
      type: 'replan',
      milestone: 'head-company',
      date: '2025-04-30',
      reason: 'vendor delay',
    });
    const e = eventOf(
      parse(feedOf(all, 'sato', 'en', tokyo('2025-02-04T09:00'))),
      uid('auth-separation', 'head-company'),
    );
    const url = URL_OF('test-program', 'auth-separation');
    expect(e.description.split('\n')).toEqual([
      'Program: Test (test-program)',
      'Measure: Separate authentication (auth-separation)',
      'Milestone: Head company (head-company)',
      'Owner: 佐藤 花子 (sato)',
      'Current due date: 2025-04-30',
      'Original due date: 2025-03-31',
      'Forecast: 2025-04-15',
      `URL: ${url}`,
    ]);
    expect(e.component.getFirstPropertyValue('url')).toBe(url);
    const ja = eventOf(
      parse(feedOf(all, 'sato', 'ja', tokyo('2025-02-04T09:00'))),
      uid('auth-separation', 'head-company'),
    );
    expect(ja.description).toContain('当初の期限: 2025-03-31');
    expect(ja.description).toContain('施策: 認証基盤の分離 (auth-separation)');
  });
});

describe('summaries', () => {
  it('Japanese and English', () => {
    const ja = parse(feedOf(states(), 'sato', 'ja'));
    const en = parse(feedOf(states(), 'sato', 'en'));
    expect(eventOf(ja, uid('auth-separation', 'head-company')).summary).toBe('期限: 認証基盤の分離 – 本社');
    expect(eventOf(en, uid('auth-separation', 'head-company')).summary).toBe(
      'Due: Separate authentication – Head company',
    );
    expect(eventOf(ja, uid('auth-separation', 'head-company', 'forecast')).summary).toBe(
      '見込み: 認証基盤の分離 – 本社',
    );
    expect(eventOf(en, uid('auth-separation', 'head-company', 'forecast')).summary).toBe(
      'Forecast: Separate authentication – Head company',
    );
  });

  it('overdue from 00:00 the day after the due date in the program time zone, the event staying on its date', () => {
    const id = uid('auth-separation', 'head-company');
    const before = eventOf(parse(feedOf(states(), 'sato', 'ja', tokyo('2025-03-31T23:59:59'))), id);
    expect(before.summary).toBe('期限: 認証基盤の分離 – 本社');
    // 2025-03-31T15:00Z is 00:00 on 04-01 in Tokyo (still 03-31 in UTC and everywhere west).
    const after = parse(feedOf(states(), 'sato', 'ja', tokyo('2025-04-01T00:00')));
    expect(eventOf(after, id).summary).toBe('【期限超過】期限: 認証基盤の分離 – 本社');
    expect(eventOf(after, id).startDate.toString()).toBe('2025-03-31');
    expect(eventOf(after, id).sequence).toBe(before.sequence);
    const lastModified = eventOf(after, id).component.getFirstPropertyValue('last-modified') as ICAL.Time;
    expect(lastModified.toJSDate().getTime()).toBe(tokyo('2025-04-01T00:00'));
    const en = parse(feedOf(states(), 'sato', 'en', tokyo('2025-04-01T00:00')));
    expect(eventOf(en, id).summary).toBe('[Overdue] Due: Separate authentication – Head company');
    expect(eventOf(en, uid('soc-tier1', 'vendor')).summary).toBe('Due: soc-tier1 – vendor');
  });
});

describe('changes', () => {
  it('an approved re-plan moves the due event: same UID, new date, higher SEQUENCE', () => {
    const all = states();
    const id = uid('auth-separation', 'head-company');
    const before = eventOf(parse(feedOf(all, 'sato')), id);
    const state = stateOf(all, 'auth-separation');
    apply(state, 'sato', '2025-02-03T10:00', {
      type: 'replan',
      milestone: 'head-company',
      date: '2025-05-30',
      reason: 'vendor; delay, again',
    });
    // Requested only: the date stands.
    const pending = eventOf(parse(feedOf(all, 'sato', 'en', tokyo('2025-02-03T11:00'))), id);
    expect([pending.startDate.toString(), pending.sequence]).toEqual(['2025-03-31', before.sequence]);
    apply(state, 'suzuki', '2025-02-04T10:00', { type: 'approve-replan', milestone: 'head-company' });
    const moved = parse(feedOf(all, 'sato', 'en', tokyo('2025-02-04T11:00')));
    const after = eventOf(moved, id);
    expect(after.startDate.toString()).toBe('2025-05-30');
    expect(after.endDate.toString()).toBe('2025-05-31');
    expect(after.sequence).toBeGreaterThan(before.sequence);
    expect(moved.events.filter((e) => e.uid === id)).toHaveLength(1);
    const lastModified = after.component.getFirstPropertyValue('last-modified') as ICAL.Time;
    expect(lastModified.toJSDate().getTime()).toBe(tokyo('2025-02-04T10:00'));
    // A second move (by a manager directly) increases it again.
    apply(state, 'suzuki', '2025-02-05T10:00', {
      type: 'replan',
      milestone: 'head-company',
      date: '2025-04-25',
      reason: 'back',
    });
    const again = eventOf(parse(feedOf(all, 'sato', 'en', tokyo('2025-02-05T11:00'))), id);
    expect(again.startDate.toString()).toBe('2025-04-25');
    expect(again.sequence).toBeGreaterThan(after.sequence);
  });

  it('a rejected re-plan changes neither date nor SEQUENCE', () => {
    const all = states();
    const id = uid('auth-separation', 'head-company');
    const before = eventOf(parse(feedOf(all, 'sato')), id);
    const state = stateOf(all, 'auth-separation');
    apply(state, 'sato', '2025-02-03T10:00', {
      type: 'replan',
      milestone: 'head-company',
      date: '2025-05-30',
      reason: 'x',
    });
    apply(state, 'suzuki', '2025-02-04T10:00', { type: 'reject-replan', milestone: 'head-company', reason: 'no' });
    const after = eventOf(parse(feedOf(all, 'sato', 'en', tokyo('2025-02-04T11:00'))), id);
    expect([after.startDate.toString(), after.sequence]).toEqual(['2025-03-31', before.sequence]);
  });

  it('a new forecast moves the forecast event with a higher SEQUENCE; a forecast on the due date has none', () => {
    const all = states();
    const id = uid('auth-separation', 'head-company', 'forecast');
    const before = eventOf(parse(feedOf(all, 'sato')), id);
    const state = stateOf(all, 'auth-separation');
    accept(state, 'sato', '2025-02-03T10:00', { type: 'forecast', milestone: 'head-company', date: '2025-04-22' });
    const after = eventOf(parse(feedOf(all, 'sato')), id);
    expect(after.startDate.toString()).toBe('2025-04-22');
    expect(after.sequence).toBeGreaterThan(before.sequence);
    accept(state, 'sato', '2025-02-03T11:00', { type: 'forecast', milestone: 'head-company', date: '2025-03-31' });
    const p = parse(feedOf(all, 'sato'));
    expect(p.byUid.has(id)).toBe(false);
    expect(eventOf(p, uid('auth-separation', 'head-company')).description).toContain('Forecast: 2025-03-31');
    // A forecast on a milestone that had none adds the event.
    accept(stateOf(all, 'soc-tier1'), 'sato', '2025-02-03T12:00', {
      type: 'forecast',
      milestone: 'vendor',
      date: '2025-11-07',
    });
    expect(eventOf(parse(feedOf(all, 'sato')), uid('soc-tier1', 'vendor', 'forecast')).startDate.toString()).toBe(
      '2025-11-07',
    );
  });

  it('a completed milestone vanishes (due and forecast); one awaiting verification stays, marked', () => {
    const all = states();
    apply(stateOf(all, 'auth-separation'), 'sato', '2025-02-03T10:00', {
      type: 'complete',
      milestone: 'head-company',
      evidence: 'CHG-1234',
    });
    const p = parse(feedOf(all, 'sato'));
    expect(p.byUid.has(uid('auth-separation', 'head-company'))).toBe(false);
    expect(p.byUid.has(uid('auth-separation', 'head-company', 'forecast'))).toBe(false);
    expect(p.events).toHaveLength(2);
    expect(parse(feedOf(all, 'suzuki')).byUid.has(uid('auth-separation', 'head-company'))).toBe(false);

    const verified = states();
    const state = stateOf(verified, 'soc-tier1');
    const vendor = state.milestones.find((m) => m.id === 'vendor');
    if (!vendor) throw new Error('no vendor');
    vendor.verification = 'required';
    apply(state, 'sato', '2025-02-03T10:00', { type: 'complete', milestone: 'vendor', evidence: 'PO-7' });
    const e = eventOf(parse(feedOf(verified, 'sato', 'ja')), uid('soc-tier1', 'vendor'));
    expect(e.summary).toBe('【確認待ち】期限: soc-tier1 – vendor');
    apply(state, 'ito', '2025-02-04T10:00', { type: 'verify', milestone: 'vendor' });
    expect(parse(feedOf(verified, 'sato')).byUid.has(uid('soc-tier1', 'vendor'))).toBe(false);
  });

  it('a cancelled measure vanishes; a reassigned milestone moves to its new owner with the same UID', () => {
    const all = states();
    apply(stateOf(all, 'soc-tier1'), 'suzuki', '2025-02-03T10:00', { type: 'cancel', reason: 'merged' });
    expect(parse(feedOf(all, 'sato')).byUid.has(uid('soc-tier1', 'vendor'))).toBe(false);
    expect(parse(feedOf(all, 'ito')).byUid.has(uid('soc-tier1', 'cutover'))).toBe(false);

    apply(stateOf(all, 'auth-separation'), 'suzuki', '2025-02-03T11:00', {
      type: 'reassign',
      milestone: 'year-start',
      to: 'ito',
      reason: 'handover',
    });
    expect(parse(feedOf(all, 'sato')).byUid.has(uid('auth-separation', 'year-start'))).toBe(false);
    expect(eventOf(parse(feedOf(all, 'ito')), uid('auth-separation', 'year-start')).startDate.toString()).toBe(
      '2026-01-01',
    );
  });
});

describe('texts', () => {
  it('commas, semicolons, backslashes, newlines and long Japanese titles round-trip, folded at 75 octets', () => {
    const hostile = 'Phase 1, part A; see C:\\ops\\plan\nsecond line';
    const long = '認証基盤の分離（本社・国内子会社・海外子会社、段階的移行；旧ディレクトリ停止まで）'.repeat(3);
    const all = states({ measureTitle: { ja: long, en: hostile }, milestoneTitle: { ja: hostile, en: 'HC, ok; \\' } });
    const en = feedOf(all, 'sato', 'en');
    const ja = feedOf(all, 'sato', 'ja');
    for (const doc of [en, ja]) {
      for (const line of doc.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
      expect(doc.endsWith('END:VCALENDAR\r\n')).toBe(true);
      expect(doc.replaceAll('\r\n', '')).not.toMatch(/[\r\n]/);
    }
    const id = uid('auth-separation', 'head-company');
    expect(eventOf(parse(en), id).summary).toBe(`Due: ${hostile} – HC, ok; \\`);
    expect(eventOf(parse(en), id).description).toContain(`Measure: ${hostile} (auth-separation)`);
    expect(eventOf(parse(ja), id).summary).toBe(`期限: ${long} – ${hostile}`);
    expect(eventOf(parse(ja), id).description).toContain(`マイルストーン: ${hostile} (head-company)`);
    // The escaping is the RFC's: no raw newline or unescaped separator inside the SUMMARY value.
    expect(en).toContain('Phase 1\\, part A\\; see C:\\\\ops\\\\plan\\nsecond line');
  });
});

describe('the server time zone changes nothing', () => {
  /** The feed generated in a child process with `TZ=zone`, from the same states (they are JSON). */
  function feedUnder(zone: string, all: MeasureState[], person: string): { tz: string; feed: string } {
    const script = `
      const { calendarFeed } = require('./src/web/calendar');
      const input = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
      const feed = calendarFeed({ ...input, measureUrl: (p, m) => 'https://tracker.example.jp/p/' + p + '/m/' + m });
      process.stdout.write(JSON.stringify({ tz: Intl.DateTimeFormat().resolvedOptions().timeZone, offset: new Date(Date.UTC(2025, 0, 1)).getTimezoneOffset(), feed }));
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, TZ: zone },
      input: JSON.stringify({ states: all, person, lang: 'ja', now: NOW }),
      encoding: 'utf8',
    });
    return JSON.parse(out) as { tz: string; feed: string };
  }

  it('the same bytes under UTC, America/Los_Angeles, Asia/Tokyo and Pacific/Kiritimati', () => {
    const all = states();
    const here = feedOf(all, 'suzuki', 'ja');
    const zones = ['UTC', 'America/Los_Angeles', 'Asia/Tokyo', 'Pacific/Kiritimati'];
    const offsets = new Set<number>();
    for (const zone of zones) {
      const r = feedUnder(zone, all, 'suzuki') as { tz: string; offset: number; feed: string };
      // The child really ran in that zone (Los Angeles -480, Tokyo -540, Kiritimati -840 minutes).
      expect(r.tz).toBe(zone);
      offsets.add(r.offset);
      expect(r.feed).toBe(here);
      const p = parse(r.feed);
      expect(eventOf(p, uid('auth-separation', 'year-start')).startDate.toString()).toBe('2026-01-01');
      expect(eventOf(p, uid('auth-separation', 'overseas')).startDate.toString()).toBe('2025-12-31');
      expect(eventOf(p, uid('auth-separation', 'head-company')).endDate.toString()).toBe('2025-04-01');
    }
    expect([...offsets].sort((a, b) => a - b)).toEqual([-840, -540, 0, 480]);
  });
});
