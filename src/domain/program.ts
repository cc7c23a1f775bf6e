/** From a validated plan to what each measure workflow starts with. */
import type { DependencyInfo, MeasureState, ProgramContext } from './model';
import { programContext } from './model';
import { own } from './limits';
import type { Person, Plan, PlanMeasure, Policy } from './plan';
import { splitRef } from './refs';

/** What one measure workflow is started with. */
export interface MeasureInit {
  program: ProgramContext;
  people: Record<string, Person>;
  policy: Policy;
  measure: PlanMeasure;
  external: Record<string, DependencyInfo>;
  dependents: Record<string, string[]>;
}

/** The dependencies of `measure` on milestones of other measures, as `measure/milestone` refs. */
function externalRefs(measure: PlanMeasure): string[] {
  const refs = new Set<string>();
  for (const ms of measure.milestones) {
    for (const ref of ms.dependsOn) {
      const r = splitRef(ref, measure.id);
      if (r.measure !== measure.id) refs.add(`${r.measure}/${r.milestone}`);
    }
  }
  return [...refs];
}

/** What the plan says of a milestone, for measures that depend on it. */
function planDependencyInfo(plan: Plan, ref: string): DependencyInfo | undefined {
  const { measure, milestone } = splitRef(ref, '');
  const ms = plan.measures.find((m) => m.id === measure)?.milestones.find((m) => m.id === milestone);
  return ms && { due: ms.due, forecast: ms.forecast, done: ms.completed !== undefined };
}

/** The start input of every measure of the plan. */
export function measureInits(plan: Plan): MeasureInit[] {
  const program = programContext(plan);
  return plan.measures.map((measure) => {
    const external: Record<string, DependencyInfo> = {};
    for (const ref of externalRefs(measure)) {
      const info = planDependencyInfo(plan, ref);
      if (info) external[ref] = info;
    }
    const policy = own(plan.policies, measure.policy);
    if (!policy) throw new Error(`unknown policy ${measure.policy}`);
    return { program, people: plan.people, policy, measure, external, dependents: dependentsIn(plan, measure.id) };
  });
}

/** Which other measures depend on milestones of `measureId`: milestone id -> measure ids. */
function dependentsIn(plan: Plan, measureId: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const m of plan.measures) {
    if (m.id === measureId) continue;
    for (const ref of externalRefs(m)) {
      const r = splitRef(ref, m.id);
      if (r.measure !== measureId) continue;
      const list = own(out, r.milestone) ?? (out[r.milestone] = []);
      if (!list.includes(m.id)) list.push(m.id);
    }
  }
  return out;
}

/** The current facts of one of `state`'s own milestones, as dependents see them. */
export function ownDependencyInfo(state: MeasureState, milestone: string): DependencyInfo | undefined {
  const ms = state.milestones.find((m) => m.id === milestone);
  return ms && { due: ms.due, forecast: ms.forecast, done: ms.completed !== undefined };
}
