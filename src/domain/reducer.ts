/**
 * The reducer (design section 4): commands on a measure, who may give them, and what they change.
 * `validateCommand` is what the workflow's Update validators run, so a refused command never enters
 * history; `applyCommand` changes the state of an accepted one. Both are pure and deterministic.
 */
import { calendarRange, lastDue } from './calendar';
import type { Command } from './commands';
import { dateOf, instantOf, isLocalDate, type LocalDate } from './dates';
import { LIMITS, own } from './limits';
import type { ActionKind, ChangeEntry, MeasureState, MilestoneState, ProgramContext } from './model';
import type { PlanMilestone } from './plan';
import { problem, type Problem } from './problems';
import type { MeasureInit } from './program';
import { splitRef } from './refs';

export type { Command } from './commands';

/** A command with its actor and the instant it is given. */
export interface Envelope {
  actor: string;
  at: number;
  command: Command;
  /**
   * Whether `verification: required` holds completions for confirmation (default true). A workflow run
   * that began before the rule existed passes false, so its history replays as it was written.
   */
  verification?: boolean;
}

/** True when a completion of `ms` waits for a second person. */
export function needsVerification(state: MeasureState, ms: MilestoneState): boolean {
  return (ms.verification ?? state.measure.verification) === 'required';
}

/** Who may confirm or reject a completion: the measure owner, the sponsor or a program manager, never the completer. */
function mayVerify(state: MeasureState, actor: string, completer: string): boolean {
  return (
    actor !== completer &&
    (actor === state.measure.owner || actor === state.measure.sponsor || state.program.managers.includes(actor))
  );
}

/** Builds a measure's state when its workflow starts at `startedAt`. Milestones completed in the plan are history. */
export function initialState(input: MeasureInit & { startedAt: number; actor: string }): MeasureState {
  const { milestones, ...measure } = input.measure;
  const state: MeasureState = {
    program: input.program,
    people: input.people,
    policy: input.policy,
    measure,
    planOwner: measure.owner,
    milestones: milestones.map((m) => newMilestone(input.program, m, input.startedAt)),
    pending: [],
    changeLog: [],
    actions: [],
    actionsDropped: 0,
    notifications: { recent: [], total: 0, failed: 0 },
    sentUntil: input.startedAt,
    external: input.external,
    dependents: input.dependents,
    startedAt: input.startedAt,
    nextSeq: 1,
  };
  record(state, input.startedAt, input.actor, 'created', undefined, {
    milestones: milestones.map((m) => m.id).join(','),
  });
  return state;
}

function newMilestone(program: ProgramContext, m: PlanMilestone, startedAt: number): MilestoneState {
  return {
    id: m.id,
    title: m.title,
    owner: m.owner,
    planOwner: m.owner,
    originalDue: m.due,
    due: m.due,
    forecast: m.forecast,
    dependsOn: m.dependsOn,
    ...(m.verification !== undefined ? { verification: m.verification } : {}),
    scheduleFrom: startedAt,
    completed: m.completed && { ...m.completed, at: instantOf(m.completed.on, '00:00', program.timezone) },
  };
}

/** Records an accepted action; the oldest records give way beyond `LIMITS.actions`. */
export function record(
  state: MeasureState,
  at: number,
  actor: string,
  kind: ActionKind,
  milestone: string | undefined,
  details: Record<string, string>,
): void {
  state.actions.push({
    seq: state.nextSeq++,
    at,
    actor,
    kind,
    ...(milestone !== undefined ? { milestone } : {}),
    details,
  });
  const over = state.actions.length - LIMITS.actions;
  if (over > 0) {
    state.actions.splice(0, over);
    state.actionsDropped += over;
  }
}

const isManager = (s: MeasureState, who: string) => s.program.managers.includes(who);
const ownerOf = (s: MeasureState, ms: MilestoneState) => ms.owner ?? s.measure.owner;
const listed = (ids: readonly string[]) => ids.join(', ');

/** Every reason to refuse `env` on `state`; empty when it may be applied. Messages in English and Japanese. */
export function validateCommand(state: MeasureState, env: Envelope): Problem[] {
  const { actor, command: c } = env;
  const out: Problem[] = [];
  const refuse = (path: string, en: string, ja: string) => {
    out.push(problem(path, en, ja));
    return out;
  };
  // A measure knows only its own people: someone else of the plan is as unknown to it as a stranger.
  if (!own(state.people, actor))
    return refuse(
      '--as',
      `unknown person: ${actor || '(none)'}: not one of the people of ${state.measure.id} (its owners, sponsor, report owners, their managers, the program managers), who alone may ${c.type} here; give --as <person id>`,
      `未登録の人物です: ${actor || '（なし）'}。${state.measure.id} の関係者（責任者・スポンサー・報告責任者・その上長・プログラムマネージャー）ではないため ${c.type} できません。--as に人物 ID を指定してください`,
    );
  if (state.cancelled && c.type !== 'amend')
    return refuse(
      state.measure.id,
      `measure ${state.measure.id} is cancelled`,
      `施策 ${state.measure.id} は中止されています`,
    );
  if ((c.type === 'complete' || c.type === 'forecast' || c.type === 'replan') && c.link) {
    if (c.link.exp <= env.at)
      return refuse(
        'link',
        'this link has expired: use the newest reminder, or sign in',
        'このリンクは有効期限が切れています。最新のリマインダーのリンクを使うか、サインインしてください',
      );
    if (c.link.exp > env.at + LIMITS.linkLifetimeMs)
      return refuse(
        'link',
        'this link claims to live longer than any link does: it was not made by this tracker',
        'このリンクの有効期限は長すぎます（このトラッカーが作成したリンクではありません）',
      );
    if ((state.usedLinks ?? []).filter((u) => u.exp > env.at).length >= LIMITS.usedLinks)
      return refuse(
        'link',
        `more than ${LIMITS.usedLinks} links have acted on this measure in two weeks: sign in, or use the command line`,
        `2 週間に ${LIMITS.usedLinks} 件を超えるリンクがこの施策に使われました。サインインするか、コマンドを使ってください`,
      );
    const id = c.link.id;
    if ((state.usedLinks ?? []).some((u) => u.id === id))
      return refuse(
        'link',
        'this link has been used already: each link acts once',
        'このリンクはすでに使われています（リンクは 1 回だけ使えます）',
      );
  }
  const today = dateOf(env.at, state.program.timezone);
  const target = `${state.measure.id}/${'milestone' in c ? (c.milestone ?? '') : ''}`;
  const findOpen = (id: string): MilestoneState | undefined => {
    const ms = state.milestones.find((m) => m.id === id);
    if (!ms)
      refuse(
        target,
        `unknown milestone: ${id} (measure ${state.measure.id} has ${listed(state.milestones.map((m) => m.id))})`,
        `マイルストーンがありません: ${id}（施策 ${state.measure.id} のマイルストーン: ${listed(state.milestones.map((m) => m.id))}）`,
      );
    else if (ms.completed)
      refuse(
        target,
        `already completed on ${ms.completed.on} by ${ms.completed.by}`,
        `${ms.completed.on} に ${ms.completed.by} が完了済みです`,
      );
    else if (ms.cancelled) refuse(target, 'the milestone is cancelled', 'このマイルストーンは中止されています');
    return out.length ? undefined : ms;
  };
  const needManager = (what: string, whatJa: string) => {
    if (!isManager(state, actor))
      refuse(
        '--as',
        `${actor} may not ${what}: only a program manager (${listed(state.program.managers)}) may`,
        `${actor} は${whatJa}できません（プログラムマネージャー ${listed(state.program.managers)} のみ）`,
      );
  };
  const needDate = (path: string, date: string) => {
    if (!isLocalDate(date)) refuse(path, `not a date: ${date}`, `日付ではありません: ${date}`);
    else if (date < today) refuse(path, `${date} lies before today (${today})`, `${date} は今日（${today}）より前です`);
    else if (date > lastDueDate(state.program))
      refuse(
        path,
        `${date} is after ${lastDueDate(state.program)}, where the business calendar's data ends`,
        `${date} は営業日カレンダーのデータの範囲（${lastDueDate(state.program)} まで）より後です`,
      );
  };
  const needText = (path: string, text: string | undefined, en: string, ja: string) => {
    if (!text || !text.trim()) refuse(path, en, ja);
  };

  switch (c.type) {
    case 'complete':
    case 'forecast': {
      const ms = findOpen(c.milestone);
      if (!ms) return out;
      if (actor !== ownerOf(state, ms) && actor !== state.measure.owner && !isManager(state, actor)) {
        const [en, ja] = c.type === 'complete' ? ['complete', '完了'] : ['forecast', '見込み更新'];
        refuse(
          '--as',
          `${actor} may not ${en} ${target}: only its owner (${ownerOf(state, ms)}), the measure owner (${state.measure.owner}) or a program manager may`,
          `${actor} は ${target} を${ja}できません（担当者・施策責任者・プログラムマネージャーのみ）`,
        );
      }
      if (c.type === 'complete' && ms.awaitingVerification)
        refuse(
          target,
          `already completed by ${ms.awaitingVerification.by} on ${ms.awaitingVerification.on}, awaiting verification`,
          `${ms.awaitingVerification.on} に ${ms.awaitingVerification.by} が完了を登録し、確認待ちです`,
        );
      if (c.type === 'complete')
        needText(
          '--evidence',
          c.evidence,
          'evidence is required (a ticket, document or URL)',
          '証跡（チケット・文書・URL）が必要です',
        );
      else needDate('--date', c.date);
      return out;
    }
    case 'verify':
    case 'reject-verification': {
      const ms = findOpen(c.milestone);
      if (!ms) return out;
      const waiting = ms.awaitingVerification;
      if (!waiting)
        return refuse(
          target,
          `${target} has no completion awaiting verification`,
          `${target} に確認待ちの完了はありません`,
        );
      if (!mayVerify(state, actor, waiting.by))
        refuse(
          '--as',
          actor === waiting.by
            ? `${actor} completed ${target} and may not verify it: a second person must (the measure owner, the sponsor or a program manager)`
            : `${actor} may not verify ${target}: only the measure owner (${state.measure.owner}), the sponsor or a program manager may, never the completer`,
          actor === waiting.by
            ? `${actor} は ${target} を完了した本人なので確認できません（施策責任者・スポンサー・プログラムマネージャーの別の人が確認します）`
            : `${actor} は ${target} を確認できません（施策責任者・スポンサー・プログラムマネージャーのみ。完了者本人は不可）`,
        );
      if (c.type === 'reject-verification')
        needText('--reason', c.reason, 'a rejection needs a reason', '差し戻しには理由が必要です');
      return out;
    }
    case 'replan': {
      const ms = findOpen(c.milestone);
      if (!ms) return out;
      const allowed = [ownerOf(state, ms), state.measure.owner, state.measure.sponsor, ...state.program.managers];
      if (!allowed.includes(actor))
        refuse(
          '--as',
          `${actor} may not re-plan ${target}: only its owner, the measure owner, the sponsor or a program manager may`,
          `${actor} は ${target} の計画変更を申請できません（担当者・施策責任者・スポンサー・プログラムマネージャーのみ）`,
        );
      needDate('--date', c.date);
      if (c.date === ms.due)
        refuse('--date', `${target} is already due on ${c.date}`, `${target} の期限はすでに ${c.date} です`);
      needText('--reason', c.reason, 'a reason is required', '理由が必要です');
      if (state.pending.some((p) => p.milestone === ms.id))
        refuse(
          target,
          'a re-plan is already waiting for approval: approve or reject it first',
          '承認待ちの計画変更があります。先に承認または却下してください',
        );
      return out;
    }
    case 'approve-replan':
    case 'reject-replan': {
      if (!findOpen(c.milestone)) return out;
      if (c.type === 'approve-replan') needManager('approve a re-plan', '計画変更を承認');
      else needManager('reject a re-plan', '計画変更を却下');
      const p = state.pending.find((x) => x.milestone === c.milestone);
      if (!p) refuse(target, 'no re-plan is waiting for approval', '承認待ちの計画変更はありません');
      else if (c.type === 'approve-replan' && p.to < today)
        refuse(
          target,
          `the requested date ${p.to} has already passed (today is ${today}): reject this request and ask for a new date`,
          `申請された日付 ${p.to} はすでに過ぎています（今日は ${today}）。この申請を却下し、新しい日付で申請し直してください`,
        );
      return out;
    }
    case 'cancel':
      needManager('cancel a measure', '施策を中止');
      needText('--reason', c.reason, 'a reason is required', '理由が必要です');
      return out;
    case 'reassign': {
      const ms = c.milestone !== undefined ? findOpen(c.milestone) : undefined;
      if (c.milestone !== undefined && !ms) return out;
      needManager('reassign', '担当変更');
      if (!own(state.people, c.to)) refuse('--to', `unknown person: ${c.to}`, `未登録の人物です: ${c.to}`);
      const current = ms ? ownerOf(state, ms) : state.measure.owner;
      if (c.to === current)
        refuse('--to', `${c.to} already owns ${ms ? target : state.measure.id}`, `${c.to} はすでに担当者です`);
      needText('--reason', c.reason, 'a reason is required', '理由が必要です');
      return out;
    }
    case 'amend':
      needManager('amend the plan', '計画を追加変更');
      return out.length ? out : amendProblems(state, c);
  }
}

/** The last due date the program's calendar accepts (its data must hold the ladder after it). */
function lastDueDate(program: ProgramContext): LocalDate {
  return lastDue(program.calendar);
}

/** What makes an amendment unusable on `state`: it must keep every reference resolvable. */
function amendProblems(state: MeasureState, c: Extract<Command, { type: 'amend' }>): Problem[] {
  const out: Problem[] = [];
  const people = c.people;
  const needPerson = (path: string, id: string | undefined) => {
    if (id !== undefined && !own(people, id))
      out.push(problem(path, `unknown person: ${id}`, `未登録の人物です: ${id}`));
  };
  const program = c.program ?? state.program;
  if (program.id !== state.program.id)
    out.push(
      problem(
        'program.id',
        `the program id cannot change (${state.program.id} -> ${program.id})`,
        `プログラム ID は変更できません（${state.program.id} -> ${program.id}）`,
      ),
    );
  program.managers.forEach((m, i) => needPerson(`program.managers[${i}]`, m));
  program.comms.forEach((m, i) => needPerson(`program.comms[${i}]`, m));
  needPerson('measure.owner', state.measure.owner);
  needPerson('measure.sponsor', c.measure ? c.measure.sponsor : state.measure.sponsor);
  for (const [id, p] of Object.entries(people)) needPerson(`people.${id}.manager`, p.manager);
  for (const ms of state.milestones) needPerson(`milestones.${ms.id}.owner`, ms.owner);
  const ids = new Set(state.milestones.map((m) => m.id));
  c.milestones.forEach((m, i) => {
    if (ids.has(m.id))
      out.push(
        problem(`milestones[${i}].id`, `milestone ${m.id} exists already`, `マイルストーン ${m.id} はすでにあります`),
      );
    ids.add(m.id);
    needPerson(`milestones[${i}].owner`, m.owner);
    if (m.completed) needPerson(`milestones[${i}].completed.by`, m.completed.by);
    if (!isLocalDate(m.due) || m.due > lastDueDate(program) || m.due < calendarRange(program.calendar).first)
      out.push(problem(`milestones[${i}].due`, `not a usable due date: ${m.due}`, `使えない期限です: ${m.due}`));
  });
  if (state.milestones.length + c.milestones.length > LIMITS.milestonesPerMeasure)
    out.push(
      problem(
        'milestones',
        `a measure has at most ${LIMITS.milestonesPerMeasure} milestones`,
        `施策のマイルストーンは ${LIMITS.milestonesPerMeasure} 件までです`,
      ),
    );
  for (const id of Object.keys(c.titles ?? {}))
    if (!state.milestones.some((m) => m.id === id))
      out.push(problem(`titles.${id}`, `unknown milestone: ${id}`, `マイルストーンがありません: ${id}`));
  const deps = c.milestones.flatMap((m) => m.dependsOn);
  for (const ref of deps) {
    const r = splitRef(ref, state.measure.id);
    const local = r.measure === state.measure.id ? r.milestone : undefined;
    const known =
      local !== undefined
        ? ids.has(local)
        : own(c.external, ref) !== undefined || own(state.external, ref) !== undefined;
    if (!known) out.push(problem('milestones', `unknown dependency: ${ref}`, `未定義の依存先です: ${ref}`));
  }
  return out;
}

/** Applies an accepted command (call `validateCommand` first). Changes `state` in place and records the action. */
export function applyCommand(state: MeasureState, env: Envelope): void {
  const c = env.command;
  const link = c.type === 'complete' || c.type === 'forecast' || c.type === 'replan' ? c.link : undefined;
  const firstSeq = state.nextSeq;
  applyAccepted(state, env);
  if (!link) return;
  // The link is spent; those that expired are forgotten (they are refused for their expiry anyway).
  state.usedLinks = [...(state.usedLinks ?? []).filter((u) => u.exp > env.at), { id: link.id, exp: link.exp }];
  for (const a of state.actions) if (a.seq >= firstSeq) a.details = { ...a.details, via: 'mail link' };
}

function applyAccepted(state: MeasureState, env: Envelope): void {
  const { actor, at, command: c } = env;
  const ms =
    'milestone' in c && c.milestone !== undefined ? state.milestones.find((m) => m.id === c.milestone) : undefined;
  switch (c.type) {
    case 'complete':
      if (!ms) return;
      if (env.verification !== false && needsVerification(state, ms)) {
        ms.awaitingVerification = {
          on: dateOf(at, state.program.timezone),
          at,
          by: actor,
          evidence: c.evidence.trim(),
        };
        record(state, at, actor, 'completion-submitted', ms.id, {
          evidence: ms.awaitingVerification.evidence,
          on: ms.awaitingVerification.on,
        });
        return;
      }
      ms.completed = { on: dateOf(at, state.program.timezone), at, by: actor, evidence: c.evidence.trim() };
      state.pending = state.pending.filter((p) => p.milestone !== ms.id);
      record(state, at, actor, 'completed', ms.id, { evidence: ms.completed.evidence, on: ms.completed.on });
      return;
    case 'verify': {
      const waiting = ms?.awaitingVerification;
      if (!ms || !waiting) return;
      ms.completed = { ...waiting, verifiedBy: actor, verifiedAt: at };
      delete ms.awaitingVerification;
      state.pending = state.pending.filter((p) => p.milestone !== ms.id);
      record(state, at, actor, 'verified', ms.id, {
        completedBy: waiting.by,
        on: waiting.on,
        evidence: waiting.evidence,
        ...(c.reason ? { reason: c.reason } : {}),
      });
      return;
    }
    case 'reject-verification': {
      const waiting = ms?.awaitingVerification;
      if (!ms || !waiting) return;
      delete ms.awaitingVerification;
      record(state, at, actor, 'verification-rejected', ms.id, {
        completedBy: waiting.by,
        evidence: waiting.evidence,
        reason: c.reason.trim(),
      });
      return;
    }
    case 'forecast':
      if (!ms) return;
      record(state, at, actor, 'forecast', ms.id, { from: ms.forecast ?? '', to: c.date });
      ms.forecast = c.date;
      return;
    case 'replan':
      if (!ms) return;
      if (isManager(state, actor)) {
        record(state, at, actor, 'replanned', ms.id, { from: ms.due, to: c.date, reason: c.reason });
        moveDue(
          state,
          ms,
          { to: c.date, reason: c.reason, requestedBy: actor, requestedAt: at },
          actor,
          at,
          'approved',
        );
      } else {
        state.pending.push({ milestone: ms.id, to: c.date, reason: c.reason, requestedBy: actor, requestedAt: at });
        record(state, at, actor, 'replan-requested', ms.id, { from: ms.due, to: c.date, reason: c.reason });
      }
      return;
    case 'approve-replan':
    case 'reject-replan': {
      const p = state.pending.find((x) => x.milestone === c.milestone);
      if (!ms || !p) return;
      state.pending = state.pending.filter((x) => x !== p);
      const decision = c.type === 'approve-replan' ? 'approved' : 'rejected';
      record(state, at, actor, decision === 'approved' ? 'replanned' : 'replan-rejected', ms.id, {
        from: ms.due,
        to: p.to,
        reason: p.reason,
        requestedBy: p.requestedBy,
        ...(c.reason ? { decisionReason: c.reason } : {}),
      });
      moveDue(state, ms, p, actor, at, decision);
      return;
    }
    case 'cancel':
      state.cancelled = { at, by: actor, reason: c.reason };
      state.pending = [];
      record(state, at, actor, 'cancelled', undefined, { reason: c.reason });
      return;
    case 'reassign':
      if (ms) {
        record(state, at, actor, 'reassigned', ms.id, { from: ownerOf(state, ms), to: c.to, reason: c.reason });
        ms.owner = c.to;
      } else {
        record(state, at, actor, 'reassigned', undefined, { from: state.measure.owner, to: c.to, reason: c.reason });
        state.measure.owner = c.to;
      }
      return;
    case 'amend': {
      const changed: string[] = [];
      const details: Record<string, string> = {};
      if (c.planDigest) state.planDigest = c.planDigest;
      else delete state.planDigest;
      state.people = c.people;
      for (const [ref, info] of Object.entries(c.external)) state.external[ref] = info;
      state.dependents = c.dependents;
      if (c.measure) {
        const before = { ...state.measure };
        state.measure = { ...state.measure, ...c.measure };
        if (c.measure.sponsor === undefined) delete state.measure.sponsor;
        if (c.measure.publicSummary === undefined) delete state.measure.publicSummary;
        if (c.measure.internalNotes === undefined) delete state.measure.internalNotes;
        for (const k of Object.keys({ ...before, ...state.measure }) as Array<keyof typeof before>)
          if (JSON.stringify(before[k]) !== JSON.stringify(state.measure[k])) changed.push(k);
      }
      if (c.policy) {
        state.policy = c.policy;
        changed.push('policy');
      }
      if (c.program) {
        const from = state.program.managers;
        if (JSON.stringify(from) !== JSON.stringify(c.program.managers))
          details.managers = `${listed(from)} -> ${listed(c.program.managers)}`;
        state.program = c.program;
        changed.push('program');
      }
      for (const [id, title] of Object.entries(c.titles ?? {})) {
        const m = state.milestones.find((x) => x.id === id);
        if (!m) continue;
        m.title = title;
        changed.push(`${id}.title`);
      }
      for (const m of c.milestones) state.milestones.push(newMilestone(state.program, m, at));
      record(state, at, actor, 'amended', undefined, {
        ...(c.milestones.length ? { added: c.milestones.map((m) => m.id).join(',') } : {}),
        ...(changed.length ? { changed: changed.join(',') } : {}),
        ...details,
      });
      return;
    }
  }
}

function moveDue(
  state: MeasureState,
  ms: MilestoneState,
  req: { to: LocalDate; reason: string; requestedBy: string; requestedAt: number },
  decidedBy: string,
  decidedAt: number,
  decision: ChangeEntry['decision'],
): void {
  const seq = (state.changeLog.at(-1)?.seq ?? 0) + 1;
  state.changeLog.push({
    seq,
    milestone: ms.id,
    kind: req.to < ms.due ? 'acceleration' : 'extension',
    from: ms.due,
    to: req.to,
    reason: req.reason,
    requestedBy: req.requestedBy,
    requestedAt: req.requestedAt,
    decidedBy,
    decidedAt,
    decision,
  });
  if (state.changeLog.length > LIMITS.actions) state.changeLog.splice(0, state.changeLog.length - LIMITS.actions);
  if (decision === 'approved') {
    ms.due = req.to;
    // The schedule is recomputed from the new date, for slots after the approval only.
    ms.scheduleFrom = decidedAt + 1;
  }
}
