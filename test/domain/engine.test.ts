/**
 * The engine's rules shared by the workflow and `simulate` (src/domain/engine.ts): what is due when the
 * engine wakes, the catch-up after a gap (worker down, mail retried), the bounded notification log,
 * the news dependents are told, and resuming a state carried over by an earlier version.
 * Base plan (fixtures.ts): auth-separation/head-company due Mon 2025-03-31; reminders Fri 02-28,
 * Mon 03-24, Fri 03-28, Mon 03-31; level 1 Tue 04-01, level 2 Mon 04-07, repeats every 5 business days.
 */
import { describe, expect, it } from 'vitest';
import {
  applyDependencyNews,
  deliveryOf,
  dependencyNews,
  dueNotifications,
  markDealtWith,
  nextEngineAt,
  recordNotification,
  resumedState,
} from '../../src/domain/engine';
import { LIMITS } from '../../src/domain/limits';
import type { MeasureState, PlannedNotification } from '../../src/domain/model';
import { simulate } from '../../src/domain/simulate';
import { accept, basePlan, iso, stateAt, statesAt, tokyo } from './fixtures';

const brief = (n: PlannedNotification) => `${iso(n.at)} ${n.kind} L${n.level}${n.catchUp ? ' catch-up' : ''} ${n.key}`;
const wake = (s: MeasureState, at: string) => {
  const due = dueNotifications(s, tokyo(at));
  for (const n of due) recordNotification(s, n);
  markDealtWith(s, tokyo(at));
  return due.map(brief);
};

describe('what is due when the engine wakes', () => {
  it('on time: the slot of the instant, once; waking again at the same instant sends nothing more', () => {
    const s = stateAt(basePlan(), '2025-03-20T10:00');
    expect(iso(nextEngineAt(s) ?? 0)).toBe('2025-03-24T09:00:00+09:00');
    expect(wake(s, '2025-03-24T09:00')).toEqual([
      '2025-03-24T09:00:00+09:00 reminder L0 auth-separation/head-company/reminder/0/2025-03-24',
    ]);
    expect(wake(s, '2025-03-24T09:00:01')).toEqual([]);
    expect(iso(nextEngineAt(s) ?? 0)).toBe('2025-03-28T09:00:00+09:00');
  });

  it('late on the same day (mail retried for hours): sent as planned, its text still true', () => {
    const s = stateAt(basePlan(), '2025-04-01T08:00');
    expect(wake(s, '2025-04-01T15:30')).toEqual([
      '2025-04-01T09:00:00+09:00 escalation L1 auth-separation/head-company/escalation/1/2025-04-01',
    ]);
  });

  it('after days without the engine: no burst of stale reminders, only the latest missed escalation, once, dated today', () => {
    // Down from Thu 03-20 to Thu 04-03 15:00: reminders 03-24, 03-28, 03-31 and level 1 (04-01) were missed.
    const s = stateAt(basePlan(), '2025-03-20T10:00');
    expect(wake(s, '2025-04-03T15:00')).toEqual([
      '2025-04-03T09:00:00+09:00 escalation L1 catch-up auth-separation/head-company/escalation/1/2025-04-03',
    ]);
    // Then the ladder goes on as planned: level 2 on Mon 04-07.
    expect(iso(nextEngineAt(s) ?? 0)).toBe('2025-04-07T09:00:00+09:00');
    expect(wake(s, '2025-04-07T09:00')).toEqual([
      '2025-04-07T09:00:00+09:00 escalation L2 auth-separation/head-company/escalation/2/2025-04-07',
    ]);
  });

  it('back before the day`s slot: the catch-up waits for it, at 09:00', () => {
    const s = stateAt(basePlan(), '2025-03-20T10:00');
    expect(wake(s, '2025-04-03T07:00')).toEqual([]);
    expect(iso(nextEngineAt(s) ?? 0)).toBe('2025-04-03T09:00:00+09:00');
    expect(wake(s, '2025-04-03T09:00')).toEqual([
      '2025-04-03T09:00:00+09:00 escalation L1 catch-up auth-separation/head-company/escalation/1/2025-04-03',
    ]);
  });

  it('when only reminders were missed, nothing is caught up: "due in 7 days" is never sent 3 days late', () => {
    const s = stateAt(basePlan(), '2025-03-20T10:00');
    expect(wake(s, '2025-03-29T10:00')).toEqual([]);
    expect(wake(s, '2025-03-31T09:00')).toEqual([
      '2025-03-31T09:00:00+09:00 reminder L0 auth-separation/head-company/reminder/0/2025-03-31',
    ]);
  });

  it('a regular notification on the day of return goes out alone (no catch-up beside it)', () => {
    // Down from 04-01 08:00 to Mon 04-07 10:00: level 1 (04-01) missed; level 2 falls on 04-07 09:00.
    const s = stateAt(basePlan(), '2025-04-01T08:00');
    expect(wake(s, '2025-04-07T10:00')).toEqual([
      '2025-04-07T09:00:00+09:00 escalation L2 auth-separation/head-company/escalation/2/2025-04-07',
    ]);
  });

  it('a completed milestone is not caught up', () => {
    const s = stateAt(basePlan(), '2025-03-20T10:00');
    accept(s, 'sato', '2025-04-02T10:00', { type: 'complete', milestone: 'head-company', evidence: 'CHG-1' });
    expect(wake(s, '2025-04-03T15:00')).toEqual([]);
  });
});

describe('the notification log stays bounded', () => {
  it(`keeps the newest ${LIMITS.recentNotifications} records and counts all of them`, () => {
    const s = stateAt(basePlan(), '2025-03-20T10:00');
    const n: PlannedNotification = {
      key: 'k',
      at: 0,
      kind: 'escalation',
      level: 1,
      repeat: true,
      catchUp: false,
      measure: 'auth-separation',
      milestone: 'head-company',
      to: ['sato'],
    };
    for (let i = 0; i < 3 * LIMITS.recentNotifications; i++)
      recordNotification(s, { ...n, key: `k${i}`, at: i }, i % 3 ? undefined : 'x');
    expect(s.notifications.recent).toHaveLength(LIMITS.recentNotifications);
    expect(s.notifications.recent.at(-1)?.key).toBe(`k${3 * LIMITS.recentNotifications - 1}`);
    expect(s.notifications.total).toBe(3 * LIMITS.recentNotifications);
    expect(s.notifications.failed).toBe(LIMITS.recentNotifications);
  });

  it('a measure escalating every business day for ten years stays small', () => {
    const plan = basePlan({ policy: { repeatEveryBusinessDays: 1 } });
    const s = stateAt(plan, '2025-03-20T10:00');
    for (let t = nextEngineAt(s); t !== undefined && t < tokyo('2035-03-20'); t = nextEngineAt(s)) wake(s, iso(t));
    expect(s.notifications.total).toBeGreaterThan(2400);
    expect(Buffer.byteLength(JSON.stringify(s))).toBeLessThan(64 * 1024);
  });
});

describe('one rule for "no recipients" in the workflow and simulate', () => {
  it('an escalation to a sponsor the measure does not have is recorded as skipped, not sent, by both', () => {
    const plan = basePlan({
      measure: { sponsor: undefined },
      policy: { remindBefore: [], remindOnDue: false, escalation: [{ afterBusinessDays: 1, notify: ['sponsor'] }] },
    });
    const s = stateAt(plan, '2025-03-20T10:00');
    const [n] = dueNotifications(s, tokyo('2025-04-01T09:00'));
    expect(n && deliveryOf(s, n)).toEqual({ skipped: 'no recipients' });
    const events = simulate(plan, { from: tokyo('2025-03-20'), until: tokyo('2025-04-02') });
    expect(events).toEqual([
      expect.objectContaining({ kind: 'escalation', level: 1, to: [], skipped: 'no recipients' }),
    ]);
  });
});

describe('news for dependent measures', () => {
  const plan = basePlan({
    measures: [
      {
        id: 'soc',
        owner: 'ito',
        milestones: [{ id: 'tier1', due: '2025-10-31', dependsOn: ['auth-separation/head-company'] }],
      },
    ],
  });

  it('a change of a milestone is news for the measures that depend on it, and only for them', () => {
    const [auth] = statesAt(plan, '2025-01-06T10:00');
    if (!auth) throw new Error('no auth');
    accept(auth, 'sato', '2025-03-28T10:00', { type: 'complete', milestone: 'head-company', evidence: 'CHG-1' });
    expect(dependencyNews(auth, 'head-company')).toEqual([
      { measure: 'soc', ref: 'auth-separation/head-company', info: { due: '2025-03-31', done: true } },
    ]);
  });

  it('news of a milestone the measure does not depend on is dropped', () => {
    const soc = statesAt(plan, '2025-01-06T10:00')[1];
    if (!soc) throw new Error('no soc');
    const before = JSON.stringify(soc.external);
    expect(applyDependencyNews(soc, 'other/milestone', { due: '2025-01-01', done: true })).toBe(false);
    expect(applyDependencyNews(soc, 'constructor', { due: '2025-01-01', done: true })).toBe(false);
    expect(JSON.stringify(soc.external)).toBe(before);
    expect(applyDependencyNews(soc, 'auth-separation/head-company', { due: '2025-04-30', done: false })).toBe(true);
    expect(soc.external['auth-separation/head-company']).toEqual({ due: '2025-04-30', done: false });
  });
});

describe('resuming a state carried over by the first version', () => {
  it('turns its list of every notification into the bounded log and its cursor into the watermark', () => {
    const s = stateAt(basePlan(), '2025-03-20T10:00');
    const { notifications: _n, sentUntil: _u, actionsDropped: _a, ...rest } = s;
    const sent = Array.from({ length: 150 }, (_, i) => ({
      key: `k${i}`,
      at: i,
      kind: 'reminder' as const,
      milestone: 'head-company',
      level: 0,
      to: ['sato'],
      ...(i === 0 ? { failed: 'no recipients' } : {}),
    }));
    const resumed = resumedState({ ...rest, sent }, tokyo('2025-03-25'));
    expect(resumed.sentUntil).toBe(tokyo('2025-03-25'));
    expect(resumed.notifications.total).toBe(150);
    expect(resumed.notifications.failed).toBe(1);
    expect(resumed.notifications.recent).toHaveLength(LIMITS.recentNotifications);
    expect('sent' in resumed).toBe(false);
  });
});
