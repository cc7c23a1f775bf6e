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

/** What the plan says of milestone `ref` (`measure/milestone`), for measures that depend on it. */
function planDependencyInfo(measures: ReadonlyMap<string, PlanMeasure>, ref: string): DependencyInfo | undefined {
  const { measure, milestone } = splitRef(ref, '');
  const ms = measures.get(measure)?.milestones.find((m) => m.id === milestone);
  return ms && { due: ms.due, forecast: ms.forecast, done: ms.completed !== undefined };
}

/**
 * The start input of every measure of the plan. The plan's dependencies are indexed once (measures by
 * id, dependents by measure), so 10,000 measures take linear time, not a scan of the plan per measure.
 */
export function measureInits(plan: Plan): MeasureInit[] {
  const program = programContext(plan);
  const byId = new Map<string, PlanMeasure>();
  for (const m of plan.measures) if (!byId.has(m.id)) byId.set(m.id, m);
  const refsOf = new Map(plan.measures.map((m) => [m, externalRefs(m)] as const));
  // Which other measures depend on milestones of each measure: measure id -> milestone id -> measure ids,
  // in the plan's order.
  const dependents = new Map<string, Record<string, string[]>>();
  for (const m of plan.measures)
    for (const ref of refsOf.get(m) ?? []) {
      const r = splitRef(ref, m.id);
      let out = dependents.get(r.measure);
      if (!out) dependents.set(r.measure, (out = {}));
      const list = own(out, r.milestone) ?? (out[r.milestone] = []);
      if (!list.includes(m.id)) list.push(m.id);
    }
  return plan.measures.map((measure) => {
    const external: Record<string, DependencyInfo> = {};
    for (const ref of refsOf.get(measure) ?? []) {
      const info = planDependencyInfo(byId, ref);
      if (info) external[ref] = info;
    }
    const policy = own(plan.policies, measure.policy);
    if (!policy) throw new Error(`unknown policy ${measure.policy}`);
    return { program, people: plan.people, policy, measure, external, dependents: dependents.get(measure.id) ?? {} };
  });
}

/** The current facts of one of `state`'s own milestones, as dependents see them. */
export function ownDependencyInfo(state: MeasureState, milestone: string): DependencyInfo | undefined {
  const ms = state.milestones.find((m) => m.id === milestone);
  return ms && { due: ms.due, forecast: ms.forecast, done: ms.completed !== undefined };
}
