/**
 * `plan apply` on a plan that is already running: what to start, what to amend, and what to refuse.
 * A changed date, owner or completion of an existing milestone is refused, naming the command that
 * makes that change, so a commitment never moves silently. Applying the same file twice changes nothing.
 */
import type { AmendCommand } from './commands';
import { own } from './limits';
import type { DependencyInfo, MeasureState } from './model';
import type { Plan } from './plan';
import { problem, type Problem } from './problems';
import { ownDependencyInfo, type MeasureInit } from './program';
import { parseTarget } from './refs';

/**
 * Who may apply `plan`: a program manager of the running program (any measure of it running), else,
 * for a new program, one the file names. A file cannot make its author a manager of a running program:
 * handing the role over is an amendment by a current manager, recorded in each measure's history.
 */
export function authorizeApply(
  plan: Plan,
  running: ReadonlyArray<{ program: { managers: readonly string[] } }>,
  actor: string,
): Problem[] {
  const managers = running.length
    ? [...new Set(running.flatMap((s) => s.program.managers))].filter((m) =>
        running.every((s) => s.program.managers.includes(m)),
      )
    : plan.program.managers;
  if (managers.includes(actor)) return [];
  const whose = running.length ? 'of the running program ' : '';
  return [
    problem(
      '--as',
      `${actor || '(nobody)'} may not apply the plan: only a program manager ${whose}(${managers.join(', ')}) may`,
      `${actor || '（なし）'} は plan を適用できません（${running.length ? '実行中のプログラムの' : ''}プログラムマネージャー ${managers.join(', ')} のみ）`,
    ),
  ];
}

/** What the running measures say of milestone `ref` now, else what the plan says. */
function liveInfo(ref: string, planned: DependencyInfo, running: ReadonlyMap<string, MeasureState>): DependencyInfo {
  const t = parseTarget(ref);
  const state = t && running.get(t.measure);
  return (state && t.milestone !== undefined && ownDependencyInfo(state, t.milestone)) || planned;
}

/** `external` of an init with the live dates of the running measures it depends on. */
function withLiveExternal(
  external: Readonly<Record<string, DependencyInfo>>,
  running: ReadonlyMap<string, MeasureState>,
): Record<string, DependencyInfo> {
  return Object.fromEntries(Object.entries(external).map(([ref, info]) => [ref, liveInfo(ref, info, running)]));
}

/** What applying a plan does: measures to start, amendments to running ones, or why it is refused. */
export interface ApplyPlan {
  start: MeasureInit[];
  amend: Array<{ measure: string; command: AmendCommand }>;
  unchanged: string[];
  problems: Problem[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Compares the plan's measures with the running ones (`running`, by measure id). */
export function planApply(inits: MeasureInit[], running: ReadonlyMap<string, MeasureState>): ApplyPlan {
  const out: ApplyPlan = { start: [], amend: [], unchanged: [], problems: [] };
  inits.forEach((init, i) => {
    const state = running.get(init.measure.id);
    if (!state) {
      // A measure added later learns the live state of the running measures it depends on.
      out.start.push({ ...init, external: withLiveExternal(init.external, running) });
      return;
    }
    const at = `measures[${i}]`;
    const m = init.measure;
    const target = (ms: string) => `${m.id}/${ms}`;
    if (m.owner !== state.planOwner && m.owner !== state.measure.owner) {
      out.problems.push(
        problem(
          `${at}.owner`,
          `owner of ${m.id} changed from ${state.measure.owner} to ${m.owner}: use \`remediate measure reassign ${m.id} --to ${m.owner} --reason ...\``,
          `${m.id} の責任者が変更されています。\`remediate measure reassign\` を使ってください`,
        ),
      );
    }
    const fresh = [] as typeof m.milestones;
    m.milestones.forEach((pm, j) => {
      const ms = state.milestones.find((x) => x.id === pm.id);
      const mat = `${at}.milestones[${j}]`;
      if (!ms) {
        fresh.push(pm);
        return;
      }
      if (pm.due !== ms.originalDue && pm.due !== ms.due) {
        out.problems.push(
          problem(
            `${mat}.due`,
            `due date of ${target(pm.id)} changed from ${ms.due} to ${pm.due}: use \`remediate milestone replan ${target(pm.id)} --date ${pm.due} --reason ...\``,
            `${target(pm.id)} の期限が ${ms.due} から ${pm.due} に変更されています。\`remediate milestone replan\` を使ってください`,
          ),
        );
      }
      if (pm.owner !== ms.planOwner && pm.owner !== ms.owner) {
        out.problems.push(
          problem(
            `${mat}.owner`,
            `owner of ${target(pm.id)} changed to ${pm.owner ?? '(measure owner)'}: use \`remediate measure reassign ${target(pm.id)} --to <person> --reason ...\``,
            `${target(pm.id)} の担当者が変更されています。\`remediate measure reassign\` を使ってください`,
          ),
        );
      }
      if (pm.completed && !ms.completed) {
        out.problems.push(
          problem(
            `${mat}.completed`,
            `${target(pm.id)} is not completed in the running program: use \`remediate milestone complete ${target(pm.id)} --evidence ...\``,
            `${target(pm.id)} は未完了です。\`remediate milestone complete\` を使ってください`,
          ),
        );
      }
      if (!same(pm.dependsOn, ms.dependsOn)) {
        out.problems.push(
          problem(
            `${mat}.dependsOn`,
            `dependencies of an existing milestone cannot change (${target(pm.id)})`,
            `既存マイルストーンの依存関係は変更できません（${target(pm.id)}）`,
          ),
        );
      }
    });
    for (const ms of state.milestones) {
      if (!m.milestones.some((pm) => pm.id === ms.id)) {
        out.problems.push(
          problem(
            `${at}.milestones`,
            `milestone ${target(ms.id)} is missing from the plan: a commitment cannot be dropped silently (cancel the measure with \`remediate measure cancel\` instead)`,
            `マイルストーン ${target(ms.id)} が plan にありません。約束した期限は黙って削除できません`,
          ),
        );
      }
    }
    const { milestones: _m, id: _id, owner: _o, policy: _p, ...text } = m;
    const { id: _sid, owner: _so, policy: _sp, ...stateText } = state.measure;
    const newRefs = Object.fromEntries(
      Object.entries(init.external).filter(([ref]) => own(state.external, ref) === undefined),
    );
    const titles = Object.fromEntries(
      m.milestones.flatMap((pm) => {
        const ms = state.milestones.find((x) => x.id === pm.id);
        return ms && !same(ms.title, pm.title) ? [[pm.id, pm.title] as const] : [];
      }),
    );
    const command: AmendCommand = {
      type: 'amend',
      milestones: fresh,
      people: init.people,
      external: withLiveExternal(newRefs, running),
      dependents: init.dependents,
      ...(!same(text, stateText) ? { measure: text } : {}),
      ...(!same(init.policy, state.policy) ? { policy: init.policy } : {}),
      ...(!same(init.program, state.program) ? { program: init.program } : {}),
      ...(Object.keys(titles).length ? { titles } : {}),
    };
    const changed =
      fresh.length > 0 ||
      command.titles !== undefined ||
      !same(init.people, state.people) ||
      Object.keys(command.external).length > 0 ||
      !same(init.dependents, state.dependents) ||
      command.measure ||
      command.policy ||
      command.program;
    if (changed) out.amend.push({ measure: m.id, command });
    else out.unchanged.push(m.id);
  });
  return out;
}
