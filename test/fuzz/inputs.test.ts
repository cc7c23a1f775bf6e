/**
 * Fuzzing every door input comes through (design section 6: "no input that validation or an update
 * validator accepts can make a handler, the planner or the workflow loop throw"; section 2: an
 * invalid plan is refused whole, one problem per line naming its path; section 5: exit codes 0, 2, 3
 * and 1 only for what nobody foresaw):
 * a. plan files: YAML-ish noise and mutations of examples/ly-2024.yaml, through parsePlanText and
 *    through `remediate plan validate` in-process;
 * b. command lines: the real commands and options with hostile tokens, through `main` with Temporal
 *    at a closed port, so nothing reaches a server;
 * c. Update payloads: anything, and mutations of valid arguments, through parseUpdateArgs and
 *    validateCommand on real states (and applyCommand and the planner when accepted), and through
 *    parseDecisionArgs and decisionProblems for the progress update.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { EXIT } from '../../src/cli/commands';
import { main } from '../../src/cli/main';
import { readPlanFile } from '../../src/client/tracker';
import { planApply } from '../../src/domain/amend';
import { parseUpdateArgs, UPDATE_NAMES, type CommandType } from '../../src/domain/commands';
import { dueNotifications, nextEngineAt } from '../../src/domain/engine';
import { LIMITS } from '../../src/domain/limits';
import type { MeasureState } from '../../src/domain/model';
import { parsePlanText, validatePlan, type Plan } from '../../src/domain/plan';
import { formatProblem, ProblemError, type Problem } from '../../src/domain/problems';
import { measureInits } from '../../src/domain/program';
import { applyCommand, initialState, validateCommand } from '../../src/domain/reducer';
import { reportTrackInit } from '../../src/domain/report-track';
import {
  applyDecision,
  decisionProblems,
  parseDecisionArgs,
  programInit,
  type UpdateState,
  type UpdateStateName,
} from '../../src/domain/rollup';
import { statesFromPlan } from '../../src/domain/simulate';
import { measureView } from '../../src/domain/view';
import { TEST_KEYS_ENV } from '../support/temporal';
import { rawPlan, tokyo } from '../domain/fixtures';
import { anyValue, BAD_DATES, HOSTILE_IDS, mutated, mutationArb, setOwn } from './mutate';

const ROOT = path.join(__dirname, '..', '..');
const EXAMPLE = path.join(ROOT, 'examples', 'ly-2024.yaml');
const EXAMPLE_TEXT = readFileSync(EXAMPLE, 'utf8');
const EXAMPLE_DOC: unknown = parseYaml(EXAMPLE_TEXT);

/** A stack frame as Node prints one (`    at fn (/path/file.ts:12:5)`). */
const STACK_FRAME = /^\s+at .*(?:\(|\s)(?:node:|file:|\/)[^\s)]*:\d+:\d+\)?$/m;
/** What an error nobody caught looks like when printed (`TypeError: ...`, main's `remediate: ...`). */
const UNEXPECTED = /^(?:remediate: |[A-Z]\w*Error\b)/m;

/** Every problem names where (a path, or the file) and says what, in English and in Japanese. */
function expectWellFormedProblems(problems: Problem[], label: string): void {
  expect(problems.length, `${label}: a refusal has problems`).toBeGreaterThan(0);
  for (const p of problems) {
    expect(typeof p.path, label).toBe('string');
    expect(p.path, `${label}: ${formatProblem(p)}`).not.toBe('');
    // One problem, one line: echoed input never adds a line or drives the terminal.
    // eslint-disable-next-line no-control-regex
    expect(formatProblem(p), label).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(p.en.trim(), `${label}: en of ${p.path}`).not.toBe('');
    expect(p.ja.trim(), `${label}: ja of ${p.path}`).not.toBe('');
  }
}

// ---------------------------------------------------------------------------------------------
// Running the CLI in-process, many at once, each with its own stdout and stderr

interface CliRun {
  argv: string[];
  code: number;
  stdout: string;
  stderr: string;
}

const captured = new AsyncLocalStorage<{ out: string[]; err: string[] }>();
let varDir = '';
let cwd = '';
let workDir = '';

/** The environment of every run: test keys, a fresh var dir, and Temporal on a port nobody listens on. */
const cliEnv = (): NodeJS.ProcessEnv => ({
  ...TEST_KEYS_ENV,
  TEMPORAL_ADDRESS: '127.0.0.1:1',
  TEMPORAL_NAMESPACE: 'default',
  REMEDIATE_VAR_DIR: varDir,
  REMEDIATE_LANG: 'en',
});

/** Runs `main(argv)` with its output captured apart from every other run going on at the same time. */
function runCli(argv: string[], env: NodeJS.ProcessEnv = cliEnv()): Promise<CliRun> {
  const store = { out: [] as string[], err: [] as string[] };
  return captured.run(store, async () => {
    const code = await main(argv, env);
    return { argv, code, stdout: store.out.join(''), stderr: store.err.join('') };
  });
}

beforeAll(() => {
  workDir = mkdtempSync(path.join(os.tmpdir(), 'remediate-fuzz-'));
  varDir = path.join(workDir, 'var');
  for (const [stream, key] of [
    [process.stdout, 'out'],
    [process.stderr, 'err'],
  ] as const) {
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    vi.spyOn(stream, 'write').mockImplementation((chunk: unknown, ...rest: unknown[]) => {
      const store = captured.getStore();
      if (!store) return write(chunk, ...rest);
      store[key].push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      done?.();
      return true;
    });
  }
  // The yaml library warns about odd input (unresolved tags, ambiguous aliases) on the process: that is noise here.
  const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  vi.spyOn(process, 'emitWarning').mockImplementation((warning: unknown, ...rest: unknown[]) => {
    const text = warning instanceof Error ? `${warning.name} ${warning.message}` : String(warning);
    if (/YAMLWarning|Keys with collection values/.test(text)) return;
    emitWarning(warning, ...rest);
  });
  // Relative paths a fuzzed command line names (`--out x`) land in the scratch folder, never in the checkout.
  cwd = process.cwd();
  process.chdir(workDir);
});

afterAll(() => {
  vi.restoreAllMocks();
  if (cwd) process.chdir(cwd);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** What every run of the CLI must satisfy, whatever its input. */
function expectOrderlyExit(r: CliRun): void {
  const label = `remediate ${JSON.stringify(r.argv).slice(0, 300)}\nstderr: ${r.stderr.slice(0, 600)}`;
  expect([EXIT.ok, EXIT.refused, EXIT.unreachable], label).toContain(r.code);
  expect(r.stderr, label).not.toMatch(STACK_FRAME);
  expect(r.stderr, label).not.toMatch(UNEXPECTED);
  if (r.code === EXIT.refused) expect(r.stderr.trim(), `${label}: a refusal says why`).not.toBe('');
  if (r.code === EXIT.unreachable) {
    expect(r.stderr, label).toContain('Temporal is not reachable at 127.0.0.1:1');
    expect(r.stderr, label).toContain('npx remediate dev');
  }
}

// ---------------------------------------------------------------------------------------------
// a. Plan files

/** YAML-ish noise: the plan's own words and YAML's syntax, in any order. */
const yamlishText = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        'program:',
        'people:',
        'policies:',
        'measures:',
        'milestones:',
        'id: ',
        'due: ',
        'owner: ',
        'dependsOn: [',
        'managers: [suzuki]',
        'timezone: Asia/Tokyo',
        'calendar: jp',
        '\n',
        '\n  ',
        '\n    ',
        '- ',
        '{',
        '}',
        '[',
        ']',
        ': ',
        ', ',
        '"',
        "'",
        '&a ',
        '*a',
        '<<: *a',
        '!!binary ',
        '!!js/function ',
        '!custom ',
        '---\n',
        '...\n',
        '# ',
        '? ',
        '| ',
        '> ',
        '%YAML 1.2\n',
        '\t',
        '~',
        '.nan',
        '0x1F',
        '2025-03-31',
        ...BAD_DATES,
        ...HOSTILE_IDS,
      ),
      fc.string({ maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 8 }),
      fc.string({ unit: 'binary', maxLength: 8 }),
    ),
    { maxLength: 80 },
  )
  .map((parts) => parts.join(''));

/** Text a little broken after serialising: cut short, a line repeated (a duplicate key), noise inserted. */
type TextDamage = { kind: 'truncate' | 'repeat-line' | 'insert'; at: number; text?: string } | null;
const textDamage: fc.Arbitrary<TextDamage> = fc.option(
  fc.oneof(
    fc.record({ kind: fc.constant('truncate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
    fc.record({ kind: fc.constant('repeat-line' as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
    fc.record({
      kind: fc.constant('insert' as const),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      text: fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom('\n  x: 1\n', ': :', '\ufeff', '\t')),
    }),
  ),
  { freq: 3 },
);

function damage(text: string, d: TextDamage): string {
  if (!d) return text;
  const i = Math.floor(d.at * text.length);
  if (d.kind === 'truncate') return text.slice(0, i);
  if (d.kind === 'insert') return text.slice(0, i) + (d.text ?? '') + text.slice(i);
  const lines = text.split('\n');
  const j = Math.floor(d.at * lines.length);
  return [...lines.slice(0, j + 1), lines[j] ?? '', ...lines.slice(j + 1)].join('\n');
}

/** A plan file: the example mutated and serialised as YAML or JSON, sometimes damaged; or noise. */
const planTextArb: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({
        mutations: fc.array(mutationArb, { minLength: 1, maxLength: 6 }),
        format: fc.constantFrom('yaml', 'json'),
        damage: textDamage,
      })
      .map(({ mutations, format, damage: d }) => {
        const doc = mutated(EXAMPLE_DOC, mutations);
        const text = format === 'json' ? JSON.stringify(doc, null, 1) : stringifyYaml(doc);
        return damage(text, d);
      }),
  },
  { weight: 2, arbitrary: yamlishText },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
);

describe('a. plan files', () => {
  it('the example is valid, so the mutations start from a plan that is accepted', () => {
    const r = parsePlanText(EXAMPLE_TEXT);
    expect(r.ok).toBe(true);
  });

  it('parsePlanText never throws: a plan, or problems that each name a path and say what in en and ja', () => {
    fc.assert(
      fc.property(planTextArb, (text) => {
        const r = parsePlanText(text);
        if (!r.ok) expectWellFormedProblems(r.problems, text.slice(0, 200));
        else expect(r.plan.measures.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses the hostile cases by name: cycles, duplicate ids, bad dates, prototype keys, deep nesting, size', () => {
    const doc = () =>
      structuredClone(EXAMPLE_DOC) as {
        measures: Array<{ id: string; milestones: Array<Record<string, unknown>> }>;
        people: Record<string, unknown>;
      };
    const cases: Array<{ name: string; text: string; path: RegExp; en: RegExp }> = [];
    const cyc = doc();
    const [m0, m1] = [cyc.measures[1], cyc.measures[2]];
    if (!m0?.milestones[0] || !m1?.milestones[0]) throw new Error('example changed');
    m0.milestones[0].dependsOn = [`${m1.id}/${String(m1.milestones[0].id)}`];
    m1.milestones[0].dependsOn = [`${m0.id}/${String(m0.milestones[0].id)}`];
    cases.push({
      name: 'cycle',
      text: stringifyYaml(cyc),
      path: /^measures\[1\]\.milestones\[0\]\.dependsOn$/,
      en: /^dependency cycle: /,
    });
    const dup = doc();
    const ms = dup.measures[1]?.milestones;
    if (!ms?.[0] || !ms[1]) throw new Error('example changed');
    ms[1].id = ms[0].id;
    cases.push({
      name: 'duplicate',
      text: stringifyYaml(dup),
      path: /^measures\[1\]\.milestones\[1\]\.id$/,
      en: /^duplicate milestone id/,
    });
    const date = doc();
    if (!date.measures[1]?.milestones[1]) throw new Error('example changed');
    date.measures[1].milestones[1].due = '2025-02-30';
    cases.push({
      name: 'bad date',
      text: stringifyYaml(date),
      path: /^measures\[1\]\.milestones\[1\]\.due$/,
      en: /^not a date: 2025-02-30$/,
    });
    const proto = doc();
    setOwn(proto.people, '__proto__', { name: 'x', email: 'x@example.jp' });
    cases.push({ name: '__proto__ person', text: JSON.stringify(proto), path: /^people\.__proto__$/, en: /person id/ });
    cases.push({
      name: 'deep nesting',
      text: `program: ${'['.repeat(5000)}${']'.repeat(5000)}\n`,
      path: /^(plan|program)$/,
      en: /not valid YAML|expected object/,
    });
    cases.push({
      name: 'alias bomb',
      text: `a: &a [x, x, x, x, x, x, x, x, x, x]\n${Array.from(
        { length: 12 },
        (_, i) =>
          `b${i}: &b${i} [${Array(10)
            .fill(i ? `*b${i - 1}` : '*a')
            .join(', ')}]`,
      ).join('\n')}\n`,
      path: /^plan$/,
      en: /not valid YAML/,
    });
    cases.push({ name: 'too large', text: `# ${'x'.repeat(LIMITS.fileBytes)}\n`, path: /^plan$/, en: /too large/ });
    for (const c of cases) {
      const r = parsePlanText(c.text);
      expect(r.ok, c.name).toBe(false);
      if (r.ok) continue;
      expectWellFormedProblems(r.problems, c.name);
      expect(
        r.problems.some((p) => c.path.test(p.path) && c.en.test(p.en)),
        `${c.name}: ${r.problems.map(formatProblem).join('\n').slice(0, 500)}`,
      ).toBe(true);
    }
  });

  it('`remediate plan validate <file>` exits 0 or 2, printing exactly the problems, never a stack trace', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(planTextArb, async (text) => {
        const file = path.join(workDir, `plan-${n++}.yaml`);
        writeFileSync(file, text);
        // As the file holds it (a lone surrogate is written as U+FFFD).
        const expected = parsePlanText(readFileSync(file, 'utf8'), file);
        const r = await runCli(['plan', 'validate', file]);
        expectOrderlyExit(r);
        // The client's reader throws only the domain's ProblemError.
        let thrown: unknown;
        try {
          readPlanFile(file);
        } catch (e) {
          thrown = e;
        }
        if (expected.ok) {
          expect(r.code).toBe(EXIT.ok);
          expect(thrown).toBeUndefined();
          expect(r.stdout).toMatch(/^ok: .*program ly-2024|^ok: /);
          expect(r.stderr).toBe('');
        } else {
          expect(r.code).toBe(EXIT.refused);
          expect(thrown).toBeInstanceOf(ProblemError);
          expect(r.stdout).toBe('');
          expect(r.stderr).toBe(expected.problems.map((p) => `${formatProblem(p)}\n`).join(''));
        }
        rmSync(file, { force: true });
      }),
      { numRuns: 30 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// b. Command lines

/** Every command but the long-running ones (`dev`, `worker`, `codec-server` wait until stopped). */
const COMMANDS: string[][] = [
  ['plan', 'validate'],
  ['plan', 'apply'],
  ['status'],
  ['history'],
  ['milestone', 'complete'],
  ['milestone', 'verify'],
  ['milestone', 'reject-verification'],
  ['milestone', 'forecast'],
  ['milestone', 'replan'],
  ['replan', 'approve'],
  ['replan', 'reject'],
  ['measure', 'cancel'],
  ['measure', 'reassign'],
  ['report'],
  ['update', 'list'],
  ['update', 'compile'],
  ['update', 'approve'],
  ['update', 'reject'],
  ['simulate'],
  ['plan'],
  ['milestone'],
  ['help'],
  [],
];
const LONG_RUNNING = new Set(['dev', 'worker', 'codec-server']);

const OPTIONS = [
  '--as',
  '--evidence',
  '--date',
  '--reason',
  '--to',
  '--program',
  '--json',
  '--format',
  '--out',
  '--kind',
  '--from',
  '--until',
  '--actions',
  '--period',
  '--help',
  '-h',
  '--version',
  '--unknown-flag',
  '-x',
  '--',
  '--as=sato',
  '--date=2025-02-30',
];

const TOKENS = fc.oneof(
  fc.constantFrom(
    'auth-separation/head-company',
    'auth-separation',
    'a/b/c',
    '/',
    'a/',
    '/b',
    '//',
    '@reports/mic-2025-01',
    '@reports',
    'ly-2024/2025-01',
    'ly-2024/2025-W53',
    'ly-2024/2025-13',
    '__proto__/constructor',
    'constructor',
    '__proto__',
    EXAMPLE,
    path.join(ROOT, 'examples', 'small.yaml'),
    path.join(ROOT, 'examples'),
    'no-such-file.yaml',
    '2025-03-31',
    '2025-04-30',
    '2026-01-31',
    'sato',
    'suzuki',
    'kato',
    'nobody',
    'SATO',
    'public',
    'regulator',
    'md',
    'html',
    'csv',
    'json',
    'oscal',
    'text',
    '2025-06',
    '2025-W01',
    '',
    ' ',
    '-',
    '=',
  ),
  fc.constantFrom(...BAD_DATES),
  fc.string({ maxLength: 16 }),
  fc.string({ unit: 'binary', maxLength: 16 }),
  fc.constantFrom('\u0000', '\u001b[31mred\u001b[0m', 'a\r\nb', '\t', '\u202e', 'x'.repeat(100_000)),
);

/** Well-formed command lines with their arguments (`_`) filled in by any token: most get past commander. */
const TEMPLATES: string[][] = [
  ['plan', 'apply', '_', '--as', '_'],
  ['status', '--program', '_', '--json'],
  ['history', '_', '--format', '_'],
  ['history', '_', '--out', '_'],
  ['milestone', 'complete', '_', '--evidence', '_', '--as', '_'],
  ['milestone', 'verify', '_', '--as', '_'],
  ['milestone', 'reject-verification', '_', '--reason', '_', '--as', '_'],
  ['milestone', 'forecast', '_', '--date', '_', '--as', '_', '--json'],
  ['milestone', 'replan', '_', '--date', '_', '--reason', '_', '--as', '_'],
  ['replan', 'approve', '_', '--as', '_'],
  ['replan', 'reject', '_', '--reason', '_', '--as', '_'],
  ['measure', 'cancel', '_', '--reason', '_', '--as', '_'],
  ['measure', 'reassign', '_', '--to', '_', '--reason', '_', '--as', '_'],
  ['report', '--kind', '_', '--format', '_'],
  ['report', '--kind', '_', '--out', '_'],
  ['update', 'list', '--json'],
  ['update', 'compile', '--period', '_', '--as', '_'],
  ['update', 'approve', '_', '--as', '_'],
  ['update', 'reject', '_', '--reason', '_', '--as', '_'],
  ['plan', 'validate', '_', '--json'],
  ['simulate', '_', '--from', '_', '--until', '_', '--json'],
];

const extraArgs = fc.array(
  fc.oneof(
    TOKENS.map((t) => [t]),
    fc.constantFrom(...OPTIONS).map((o) => [o]),
    fc.tuple(fc.constantFrom(...OPTIONS), TOKENS),
  ),
  { maxLength: 8 },
);

const argvArb: fc.Arbitrary<string[]> = fc
  .oneof(
    fc.tuple(fc.constantFrom(...COMMANDS), extraArgs).map(([cmd, rest]) => [...cmd, ...rest.flat()]),
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(...TEMPLATES)
        .chain((t) =>
          fc.tuple(
            fc.tuple(...t.map((part) => (part === '_' ? TOKENS : fc.constant(part)))),
            fc.option(extraArgs, { freq: 4 }),
          ),
        )
        .map(([argv, rest]) => [...argv, ...(rest ?? []).flat()]),
    },
  )
  .filter((argv) => !argv.some((t) => LONG_RUNNING.has(t)));

describe('b. command lines', () => {
  it(
    'exit 0, 2 or 3 (Temporal unreachable), never 1, and no stack trace, for any command line',
    { timeout: 50_000 },
    async () => {
      const seen = new Set<number>();
      await fc.assert(
        // A command that reaches for Temporal waits out its 5 s connect timeout: run a batch at once.
        fc.asyncProperty(fc.array(argvArb, { minLength: 30, maxLength: 30 }), async (batch) => {
          const runs = await Promise.all(batch.map((argv) => runCli(argv)));
          for (const r of runs) {
            expectOrderlyExit(r);
            seen.add(r.code);
            if (r.code === EXIT.ok && r.argv.includes('--json') && !/Usage:/.test(r.stdout))
              expect(() => JSON.parse(r.stdout) as unknown, r.argv.join(' ')).not.toThrow();
          }
        }),
        { numRuns: 5, endOnFailure: true },
      );
      // The three answers all came up: the generator reaches past the argument checks.
      expect([...seen].sort()).toEqual([EXIT.ok, EXIT.refused, EXIT.unreachable]);
    },
  );

  it(
    'the edge cases by hand: bad targets, control characters, huge strings, a missing actor',
    { timeout: 30_000 },
    async () => {
      const cases: Array<{ argv: string[]; code: number; stderr?: RegExp }> = [
        {
          argv: ['milestone', 'complete', 'a/b/c', '--evidence', 'x', '--as', 'sato'],
          code: EXIT.refused,
          stderr: /^target: expected <measure>\/<milestone>, got: a\/b\/c/,
        },
        {
          argv: ['measure', 'reassign', 'a/b/c', '--to', 'x', '--reason', 'r', '--as', 's'],
          code: EXIT.refused,
          stderr: /^target: /,
        },
        {
          argv: ['milestone', 'complete', 'a/b', '--evidence', 'x'],
          code: EXIT.refused,
          stderr: /^--as: who is acting\?/,
        },
        { argv: ['milestone', 'complete', 'a/b'], code: EXIT.refused, stderr: /--evidence/ },
        { argv: ['update', 'approve', 'x/2025-13', '--as', 'kato'], code: EXIT.unreachable },
        {
          argv: ['simulate', EXAMPLE, '--until', '2025-02-30'],
          code: EXIT.refused,
          stderr: /^--until: not a date: 2025-02-30/,
        },
        {
          argv: ['simulate', EXAMPLE, '--from', '2025-01-01', '--until', '2024-01-01'],
          code: EXIT.refused,
          stderr: /^--until: must be after --from/,
        },
        { argv: ['plan', 'validate', 'x'.repeat(100_000)], code: EXIT.refused, stderr: /cannot read the plan file/ },
        { argv: ['plan', 'validate', '\u0000'], code: EXIT.refused },
        { argv: ['status', '--program', '\u001b[31m'], code: EXIT.unreachable },
        { argv: ['no-such-command'], code: EXIT.refused },
        { argv: ['--help'], code: EXIT.ok },
      ];
      const runs = await Promise.all(cases.map((c) => runCli(c.argv)));
      runs.forEach((r, i) => {
        const c = cases[i];
        if (!c) return;
        expectOrderlyExit(r);
        expect(r.code, c.argv.join(' ').slice(0, 100)).toBe(c.code);
        if (c.stderr) expect(r.stderr).toMatch(c.stderr);
      });
    },
  );
});

// ---------------------------------------------------------------------------------------------
// c. Update payloads

const AT = tokyo('2025-03-10T10:00');

function valid(raw: unknown): Plan {
  const r = validatePlan(raw);
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.plan;
}

/** The small plan: ito owns the first milestone, the second needs verification, the third is open. */
const plan = (() => {
  const raw = rawPlan({
    milestones: [
      { id: 'head-company', due: '2025-03-31', owner: 'ito' },
      { id: 'second', due: '2025-06-30' },
      { id: 'third', due: '2025-09-30' },
      { id: 'constructor', due: '2025-12-26' },
    ],
  });
  const ms = (raw.measures as Array<{ milestones: Array<Record<string, unknown>> }>)[0]?.milestones[1];
  if (ms) ms.verification = 'required';
  (raw.program as Record<string, unknown>).reports = [
    { id: 'mic-2025-04', title: { ja: '報告', en: 'Report' }, due: '2025-04-30', owner: 'suzuki' },
  ];
  return valid(raw);
})();

function give(s: MeasureState, type: CommandType, args: Record<string, unknown>, at: number): void {
  const parsed = parseUpdateArgs(type, args);
  if (!parsed.ok) throw new Error(parsed.problems.map(formatProblem).join('\n'));
  const env = { actor: parsed.actor, at, command: parsed.command };
  const problems = validateCommand(s, env);
  if (problems.length) throw new Error(problems.map(formatProblem).join('\n'));
  applyCommand(s, env);
}

/** Real states: as started; with a re-plan waiting and a completion awaiting verification; cancelled; the report track. */
const STATES: Record<string, MeasureState> = (() => {
  const fresh = statesFromPlan(plan, tokyo('2025-03-01T10:00'))[0];
  if (!fresh) throw new Error('no state');
  const busy = structuredClone(fresh);
  give(busy, 'replan', { actor: 'sato', milestone: 'head-company', date: '2025-05-30', reason: 'vendor' }, AT - 1000);
  give(busy, 'complete', { actor: 'sato', milestone: 'second', evidence: 'CHG-2' }, AT - 1000);
  const cancelled = structuredClone(fresh);
  give(cancelled, 'cancel', { actor: 'suzuki', reason: 'superseded' }, AT - 1000);
  const init = reportTrackInit(plan);
  if (!init) throw new Error('no track');
  const track = initialState({ ...init, startedAt: tokyo('2025-03-01T10:00'), actor: 'suzuki' });
  return { fresh, busy, cancelled, track };
})();

/** The amendment a later `plan apply` would send (one more milestone). */
const AMEND_FIELDS = (() => {
  const next = structuredClone(plan);
  next.measures[0]?.milestones.push({
    id: 'added',
    title: { ja: '追加', en: 'Added' },
    due: '2026-03-31',
    dependsOn: [],
  });
  const busy = STATES.busy as MeasureState;
  const diff = planApply(measureInits(valid(next)), new Map([[busy.measure.id, busy]]));
  const a = diff.amend[0];
  if (!a) throw new Error(`no amendment: ${diff.problems.map(formatProblem).join('; ')}`);
  const { type: _type, ...fields } = a.command;
  return fields;
})();

/** A valid argument of each Update on the `busy` state. */
const VALID_ARGS: Record<CommandType, Record<string, unknown>> = {
  complete: { actor: 'sato', milestone: 'third', evidence: 'CHG-3' },
  forecast: { actor: 'sato', milestone: 'third', date: '2025-10-01' },
  replan: { actor: 'suzuki', milestone: 'third', date: '2025-10-31', reason: 'vendor delay' },
  'approve-replan': { actor: 'suzuki', milestone: 'head-company' },
  'reject-replan': { actor: 'suzuki', milestone: 'head-company', reason: 'not now' },
  cancel: { actor: 'suzuki', reason: 'superseded' },
  verify: { actor: 'yamada', milestone: 'second' },
  'reject-verification': { actor: 'yamada', milestone: 'second', reason: 'no evidence' },
  reassign: { actor: 'suzuki', milestone: 'third', to: 'nakamura', reason: 'rotation' },
  amend: { actor: 'suzuki', ...AMEND_FIELDS },
};
const TYPES = Object.keys(UPDATE_NAMES) as CommandType[];

/** fc.anything with the shapes JSON can carry as own keys (`__proto__`) and a few it cannot. */
const anything = fc.anything({
  key: fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'actor', 'milestone', 'type', 'reason')),
  maxDepth: 4,
  withNullPrototype: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withBigInt: true,
  withTypedArray: true,
  withSparseArray: true,
});

/** An Update's argument: anything at all, or a valid one mutated. */
const payloadArb = (type: CommandType): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 1, arbitrary: anything },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
    {
      weight: 4,
      arbitrary: fc
        .array(
          fc.oneof(
            mutationArb,
            // The fields the rules look at, set to values that hit them.
            fc.record({
              op: fc.constant('field' as const),
              key: fc.constantFrom('actor', 'milestone', 'to', 'date', 'reason', 'evidence', 'type'),
              value: fc.oneof(
                fc.constantFrom('sato', 'suzuki', 'yamada', 'ito', 'kato', 'nakamura', 'head-company', 'second'),
                fc.constantFrom('third', 'constructor', '2025-03-10', '2025-03-09', '2051-01-01', ' '),
                fc.constantFrom(...HOSTILE_IDS, ...BAD_DATES),
                anyValue,
              ),
            }),
          ),
          { maxLength: 4 },
        )
        .map((ops) => {
          const args = structuredClone(VALID_ARGS[type]);
          const rest = ops.filter((o) => o.op !== 'field');
          for (const o of ops) if (o.op === 'field') setOwn(args, o.key, o.value);
          return mutated(args, rest);
        }),
    },
  );

/** Everything a person can send an Update: a command type, its argument, and the state it meets. */
const updateArb = fc.constantFrom(...TYPES).chain((type) =>
  fc.record({
    type: fc.constant(type),
    args: payloadArb(type),
    state: fc.constantFrom(...Object.keys(STATES)),
  }),
);

describe('c. Update payloads', () => {
  it('the valid arguments are accepted on the busy state, so mutations start from a command that applies', () => {
    for (const type of TYPES) {
      const parsed = parseUpdateArgs(type, VALID_ARGS[type]);
      expect(parsed.ok, type).toBe(true);
      if (!parsed.ok) continue;
      const problems = validateCommand(STATES.busy as MeasureState, {
        actor: parsed.actor,
        at: AT,
        command: parsed.command,
      });
      expect(problems.map(formatProblem), type).toEqual([]);
    }
  });

  it('parseUpdateArgs and validateCommand never throw nor change their input; what they accept applies and plans', () => {
    const outcomes = { malformed: 0, refused: 0, applied: 0 };
    fc.assert(
      fc.property(updateArb, ({ type, args, state: name }) => {
        const state = STATES[name] as MeasureState;
        const argsBefore = fc.stringify(args);
        const stateBefore = structuredClone(state);
        const parsed = parseUpdateArgs(type, args);
        expect(fc.stringify(args), 'the payload is not changed').toBe(argsBefore);
        if (!parsed.ok) {
          outcomes.malformed++;
          for (const p of parsed.problems) {
            expect(typeof p.path).toBe('string');
            expect(p.en.trim()).not.toBe('');
            expect(p.ja.trim()).not.toBe('');
          }
          expect(parsed.problems.length).toBeGreaterThan(0);
          return;
        }
        expect(parsed.command.type).toBe(type);
        const env = { actor: parsed.actor, at: AT, command: parsed.command };
        const problems = validateCommand(state, env);
        expect(state, 'validation changes nothing').toStrictEqual(stateBefore);
        if (problems.length) {
          outcomes.refused++;
          expectWellFormedProblems(problems, `${type} ${fc.stringify(args).slice(0, 200)}`);
          return;
        }
        outcomes.applied++;
        // Accepted: the handler applies it to a copy, then the notifier plans from it and the status reads it.
        const draft = JSON.parse(JSON.stringify(state)) as MeasureState;
        applyCommand(draft, env);
        expect(draft.actions.at(-1)?.actor).toBe(parsed.actor);
        expect(JSON.parse(JSON.stringify(draft))).toEqual(draft);
        const next = nextEngineAt(draft);
        if (next !== undefined) dueNotifications(draft, next);
        measureView(draft, AT);
      }),
      { numRuns: 1500 },
    );
    // The generator reaches every outcome often enough to mean something.
    expect(outcomes.malformed).toBeGreaterThan(100);
    expect(outcomes.refused).toBeGreaterThan(100);
    expect(outcomes.applied).toBeGreaterThan(100);
  });

  it('payloads nested ten thousand levels deep are refused, not thrown', () => {
    for (const type of TYPES) {
      let deep: unknown = 'x';
      for (let i = 0; i < 10_000; i++) deep = i % 2 ? [deep] : { a: deep };
      const r = parseUpdateArgs(type, { ...VALID_ARGS[type], extra: deep });
      expect(r.ok).toBe(false);
    }
  });

  /** Update states of every name, with and without a compiled context. */
  const UPDATE_STATES: UpdateState[] = (
    ['compiling', 'draft', 'rejected', 'approved', 'published'] as UpdateStateName[]
  ).flatMap((state) => {
    const init = programInit(plan, 'v1');
    const base: UpdateState = {
      program: plan.program.id,
      period: '2025-03',
      state,
      context: { program: init.program, people: init.people, policy: init.policy },
      revision: {
        n: 2,
        compiledAt: AT,
        dir: 'var/updates/x/2025-03/r2',
        files: {},
        measures: 1,
        changes: 0,
        since: null,
      },
      decisions: [],
      reminders: 0,
      publishedAt: null,
    };
    return [base, { ...base, context: null, revision: null }];
  });
  const DRAFT = UPDATE_STATES.find((u) => u.state === 'draft' && u.context) as UpdateState;

  it('parseDecisionArgs and decisionProblems never throw nor change their input; what they accept applies', () => {
    const decisionArb = fc.oneof(
      { weight: 1, arbitrary: anything },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
      {
        weight: 6,
        arbitrary: fc
          .tuple(
            fc.record(
              {
                decision: fc.oneof(
                  { weight: 5, arbitrary: fc.constantFrom('approve', 'reject', 'recompile') },
                  { weight: 1, arbitrary: anyValue },
                ),
                actor: fc.oneof(
                  { weight: 4, arbitrary: fc.constantFrom('kato', 'suzuki') },
                  { weight: 2, arbitrary: fc.constantFrom('sato', 'nobody', ...HOSTILE_IDS) },
                  { weight: 1, arbitrary: anyValue },
                ),
                reason: fc.oneof(
                  { weight: 5, arbitrary: fc.constantFrom('typo', 'typo in the summary', ' ', 'x'.repeat(2001)) },
                  { weight: 1, arbitrary: anyValue },
                ),
              },
              { requiredKeys: ['decision', 'actor'] },
            ),
            fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, fc.array(mutationArb, { maxLength: 2 })),
          )
          .map(([args, ms]) => mutated(args, ms)),
      },
    );
    const outcomes = { malformed: 0, refused: 0, applied: 0 };
    fc.assert(
      // The draft with its context is the state where decisions are taken: meet it more often.
      fc.property(
        decisionArb,
        fc.constantFrom(...UPDATE_STATES, ...Array<UpdateState>(4).fill(DRAFT)),
        (raw, state) => {
          const rawBefore = fc.stringify(raw);
          const parsed = parseDecisionArgs(raw);
          expect(fc.stringify(raw)).toBe(rawBefore);
          if (!parsed.ok) {
            outcomes.malformed++;
            expect(parsed.problems.length).toBeGreaterThan(0);
            for (const p of parsed.problems) expect(p.en.trim() && p.ja.trim()).not.toBe('');
            return;
          }
          const before = structuredClone(state);
          const problems = decisionProblems(state, parsed.args);
          expect(state).toStrictEqual(before);
          if (problems.length) {
            outcomes.refused++;
            for (const p of problems) expect(p.en.trim() && p.ja.trim()).not.toBe('');
            return;
          }
          outcomes.applied++;
          const draft = structuredClone(state);
          applyDecision(draft, parsed.args, AT);
          expect(draft.decisions.at(-1)?.by).toBe(parsed.args.actor);
        },
      ),
      { numRuns: 1000 },
    );
    expect(outcomes.malformed).toBeGreaterThan(50);
    expect(outcomes.refused).toBeGreaterThan(50);
    expect(outcomes.applied).toBeGreaterThan(20);
  });
});
