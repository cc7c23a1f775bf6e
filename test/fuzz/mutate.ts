/**
 * Mutations of JSON-shaped documents for the fuzz tests: a mutation picks a node of the document by a
 * number (so fast-check can shrink it) and deletes it, replaces it, adds a key beside it, copies a
 * sibling's id into it or ties two milestones into a dependency cycle. Everything works on a copy.
 */
import fc from 'fast-check';

/** A node's place in a document: keys and indexes from the root. */
export type JsonPath = Array<string | number>;

type Container = Record<string, unknown> | unknown[];
const isContainer = (v: unknown): v is Container => typeof v === 'object' && v !== null;

/** Every path of `doc` below the root, depth first (so shallow and deep nodes are both picked). */
export function pathsOf(doc: unknown, at: JsonPath = [], out: JsonPath[] = []): JsonPath[] {
  if (!isContainer(doc)) return out;
  const keys: Array<string | number> = Array.isArray(doc) ? doc.map((_, i) => i) : Object.keys(doc);
  for (const k of keys) {
    const here = [...at, k];
    out.push(here);
    pathsOf((doc as Record<string | number, unknown>)[k], here, out);
  }
  return out;
}

function parentOf(doc: unknown, path: JsonPath): { parent: Container; key: string | number } | undefined {
  let node: unknown = doc;
  for (const k of path.slice(0, -1)) {
    if (!isContainer(node)) return undefined;
    node = (node as Record<string | number, unknown>)[k];
  }
  const key = path.at(-1);
  return isContainer(node) && key !== undefined ? { parent: node, key } : undefined;
}

/** Sets an own property, even `__proto__` (as YAML and JSON.parse make one), without touching a prototype. */
export function setOwn(target: Container, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Strings that are dates, almost dates, or not dates at all. */
export const BAD_DATES = [
  '2025-02-30',
  '2025-13-01',
  '2025-00-10',
  '2025-1-1',
  '20250101',
  '2025/03/31',
  '2025-03-31T00:00:00Z',
  '1969-12-31',
  '2100-01-01',
  '9999-12-31',
  '0000-00-00',
  '-2025-03-31',
  '２０２５-０３-３１',
  '',
];

/** Ids that are keys of every object, or look like ids but are not. */
export const HOSTILE_IDS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'A', 'a b', 'a/b', '-a', 'é', ''];

/** Values of any JSON type, with the hostile ones this product must refuse cleanly. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1e21, Number.MAX_SAFE_INTEGER, 0.5),
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(...BAD_DATES, ...HOSTILE_IDS),
  fc.constantFrom('x'.repeat(2_001), 'あ'.repeat(10_001), '\u0000\u001b[31m\r\n\t', '\ud800', '🙂'.repeat(300)),
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer({ min: 1, max: 300 }).map((depth) => {
    let v: unknown = 'deep';
    for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { n: v };
    return v;
  }),
);

/** One mutation; `pick` chooses the node (modulo the number of nodes at the time). */
export type Mutation =
  | { op: 'delete'; pick: number }
  | { op: 'set'; pick: number; value: unknown }
  | { op: 'add-key'; pick: number; key: string; value: unknown }
  | { op: 'duplicate-id'; pick: number }
  | { op: 'cycle'; pick: number; other: number }
  | { op: 'bad-date'; pick: number; value: string };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('set' as const), pick: fc.nat(), value: anyValue }),
  fc.record({
    op: fc.constant('add-key' as const),
    pick: fc.nat(),
    key: fc.oneof(fc.string(), fc.constantFrom(...HOSTILE_IDS, 'id', 'due', 'type', 'actor')),
    value: anyValue,
  }),
  fc.record({ op: fc.constant('duplicate-id' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('cycle' as const), pick: fc.nat(), other: fc.nat() }),
  fc.record({ op: fc.constant('bad-date' as const), pick: fc.nat(), value: fc.constantFrom(...BAD_DATES) }),
);

/** `(measure, milestone)` pairs of a plan-shaped document. */
function milestonesOf(doc: unknown): Array<{ measure: string; node: Record<string, unknown> }> {
  const measures = isContainer(doc) && !Array.isArray(doc) ? doc.measures : undefined;
  if (!Array.isArray(measures)) return [];
  return measures.flatMap((m: unknown) => {
    if (!isContainer(m) || Array.isArray(m) || !Array.isArray(m.milestones)) return [];
    return (m.milestones as unknown[]).flatMap((ms) =>
      isContainer(ms) && !Array.isArray(ms) ? [{ measure: String(m.id), node: ms }] : [],
    );
  });
}

/** Applies `m` to `doc` in place. */
export function applyMutation(doc: unknown, m: Mutation): void {
  const paths = pathsOf(doc);
  const path = paths.length ? paths[m.pick % paths.length] : undefined;
  const at = path && parentOf(doc, path);
  switch (m.op) {
    case 'delete':
      if (!at) return;
      if (Array.isArray(at.parent) && typeof at.key === 'number') at.parent.splice(at.key, 1);
      else delete (at.parent as Record<string, unknown>)[at.key];
      return;
    case 'set':
      if (at) setOwn(at.parent, at.key, structuredClone(m.value));
      return;
    case 'add-key': {
      const target = at && (at.parent as Record<string | number, unknown>)[at.key];
      if (isContainer(target) && !Array.isArray(target)) setOwn(target, m.key, structuredClone(m.value));
      else if (isContainer(doc) && !Array.isArray(doc)) setOwn(doc, m.key, structuredClone(m.value));
      return;
    }
    case 'duplicate-id': {
      // The id of the nearest list of things with ids, copied from one item into the next.
      const lists = paths
        .map((p) => ({
          p,
          v: p.reduce<unknown>((n, k) => (isContainer(n) ? (n as Record<string, unknown>)[k] : n), doc),
        }))
        .filter((x): x is { p: JsonPath; v: Array<Record<string, unknown>> } => Array.isArray(x.v) && x.v.length > 1)
        .filter((x) => x.v.every((i) => isContainer(i) && 'id' in i));
      const list = lists[m.pick % Math.max(1, lists.length)]?.v;
      if (list && list[0] && list[1]) list[1].id = list[0].id;
      return;
    }
    case 'cycle': {
      const all = milestonesOf(doc);
      const a = all[m.pick % Math.max(1, all.length)];
      const b = all[m.other % Math.max(1, all.length)];
      if (!a || !b) return;
      a.node.dependsOn = [`${b.measure}/${String(b.node.id)}`];
      b.node.dependsOn = [`${a.measure}/${String(a.node.id)}`];
      return;
    }
    case 'bad-date': {
      const dates = paths.filter((p) => ['due', 'on', 'forecast', 'issuedOn'].includes(String(p.at(-1))));
      const p = dates[m.pick % Math.max(1, dates.length)];
      const d = p && parentOf(doc, p);
      if (d) setOwn(d.parent, d.key, m.value);
      return;
    }
  }
}

/** A copy of `doc` with `mutations` applied in order. */
export function mutated<T>(doc: T, mutations: readonly Mutation[]): unknown {
  const copy = structuredClone(doc) as unknown;
  for (const m of mutations) applyMutation(copy, m);
  return copy;
}
