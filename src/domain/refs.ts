/** The one reader of `<measure>/<milestone>` references, as commands, actions and dependencies write them. */

/** A reference to a measure, or to one of its milestones. */
export interface Target {
  measure: string;
  milestone?: string;
}

/**
 * Reads `<measure>/<milestone>`, or `<measure>` alone when `allowMeasure`; undefined when it is
 * neither (empty parts, more than one `/`).
 */
export function parseTarget(text: string, allowMeasure = false): Target | undefined {
  const parts = text.split('/');
  if (parts.length === 2 && parts[0] && parts[1]) return { measure: parts[0], milestone: parts[1] };
  if (allowMeasure && parts.length === 1 && parts[0]) return { measure: parts[0] };
  return undefined;
}

/** A dependency reference: `measure/milestone`, or a bare `milestone` of `ownMeasure`. */
export function splitRef(ref: string, ownMeasure: string): { measure: string; milestone: string } {
  const i = ref.indexOf('/');
  return i < 0 ? { measure: ownMeasure, milestone: ref } : { measure: ref.slice(0, i), milestone: ref.slice(i + 1) };
}
