/** A problem with user input: where (a path like `measures[0].due`) and what, in English and Japanese. */
export interface Problem {
  path: string;
  en: string;
  ja: string;
}

/**
 * Control characters of echoed input (a line break, a terminal escape) as visible `\u....` escapes,
 * so one problem is always one line and input can never drive the reader's terminal.
 */
export function oneLine(s: string): string {
  return s.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** One line per problem, naming the path first: `measures[0].milestones[1].due: not a date: 2025-02-30 / 日付ではありません: 2025-02-30`. */
export function formatProblem(p: Problem): string {
  return oneLine(`${p.path ? `${p.path}: ` : ''}${p.en} / ${p.ja}`);
}

/** `['measures', 0, 'due']` -> `measures[0].due`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** Thrown by the domain when input is refused; carries every problem found. */
export class ProblemError extends Error {
  constructor(readonly problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ProblemError';
  }
}

/** Shorthand for one problem. */
export function problem(path: string, en: string, ja: string): Problem {
  return { path, en, ja };
}
