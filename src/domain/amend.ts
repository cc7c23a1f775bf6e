/**
 * `plan apply` on a plan that is already running: what to start, what to amend, and what to refuse.
 * A changed date, owner or completion of an existing milestone is refused, naming the command that
 * makes that change, so a commitment never moves silently. Applying the same file twice changes nothing.
 */
import type { MeasureState } from './model';
import type { MeasureInit } from './program';
import { problem, type Problem } from './problems';
import type { Command } from './reducer';

/** What applying a plan does: measures to start, amendments to running ones, or why it is refused. */
export interface ApplyPlan {
  start: MeasureInit[];
  amend: Array<{ measure: string; command: Extract<Command, { type: 'amend' }> }>;
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
      out.start.push(init);
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
    const command: Extract<Command, { type: 'amend' }> = {
      type: 'amend',
      milestones: fresh,
      people: init.people,
      external: Object.fromEntries(Object.entries(init.external).filter(([ref]) => !(ref in state.external))),
      dependents: init.dependents,
      ...(!same(text, stateText) ? { measure: text } : {}),
      ...(!same(init.policy, state.policy) ? { policy: init.policy } : {}),
      ...(!same(init.program, state.program) ? { program: init.program } : {}),
    };
    const changed =
      fresh.length > 0 ||
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
