/**
 * The one structure of the Markdown documents (the public update, the regulator report), as pure data:
 * headings, paragraphs, bullet lists and tables of inline runs (words of the program, plan texts, bold
 * words). A document is built once and written twice, and no Markdown is parsed at run time:
 *
 * - `documentMarkdown` writes the Markdown file, plan texts escaped by the document's `MarkdownDialect`;
 * - `blockHtml` writes the HTML of each block: the elements, and the line layout, that markdown-it
 *   (CommonMark, raw HTML off) gives for the block's Markdown, with every text escaped as markdown-it
 *   escapes it (`&amp; &lt; &gt; &quot;`), so that the page says exactly what the Markdown says. The
 *   tests render the Markdown with markdown-it and compare.
 *
 * Both writers are plain loops over arrays of lines: they run for every cell of 10,000 measures.
 */

/**
 * One run of inline text:
 * - a string: words of the program (labels, separators, dates, numbers, status words), written into the
 *   Markdown as they are, so they must hold nothing Markdown reads as markup;
 * - `{ text }`: a text from the plan, a command or a person (titles, reasons, names...), escaped for the
 *   Markdown by the document's dialect;
 * - `{ strong }`: words of the program in bold (no white space at either end).
 */
export type Inline = string | { readonly text: string } | { readonly strong: string };

/** What a heading, paragraph, list item or table cell holds: one run, or several in a row. */
export type Content = Inline | readonly Inline[];

/** One block of a document. */
export type Block =
  | { readonly kind: 'heading'; readonly level: 1 | 2 | 3; readonly content: Content }
  | { readonly kind: 'paragraph'; readonly content: Content }
  | { readonly kind: 'list'; readonly items: readonly Content[] }
  | { readonly kind: 'table'; readonly header: readonly Content[]; readonly rows: readonly (readonly Content[])[] };

/**
 * How a document writes plan texts (`{ text }` runs) into its Markdown, and what a reader then sees of
 * them: the text markdown-it shows for that Markdown, before HTML escaping.
 */
export interface MarkdownDialect {
  /** A plan text in a heading, paragraph or list item, as Markdown. */
  readonly text: (s: string) => string;
  /** What a reader sees of `text(s)`. */
  readonly shownText: (s: string) => string;
  /** A plan text in a table cell, as Markdown. */
  readonly cell: (s: string) => string;
  /** What a reader sees of `cell(s)`, with `\n` where the cell shows a line break (a `<br>` element). */
  readonly shownCell: (s: string) => string;
  /** The delimiter row under a table header of `columns` cells. */
  readonly delimiter: (columns: number) => string;
}

/** A document: its blocks, and the dialect its Markdown is written in. */
export interface MarkdownDocument {
  readonly dialect: MarkdownDialect;
  readonly blocks: readonly Block[];
}

/** A plan text (escaped by the dialect in the Markdown). */
export const text = (s: string): Inline => ({ text: s });

/** Words of the program in bold. */
export const strong = (s: string): Inline => ({ strong: s });

/** A heading of `level` (1 to 3). */
export const heading = (level: 1 | 2 | 3, content: Content): Block => ({ kind: 'heading', level, content });

/** A paragraph. */
export const paragraph = (content: Content): Block => ({ kind: 'paragraph', content });

/** A bullet list. */
export const list = (items: readonly Content[]): Block => ({ kind: 'list', items });

/** A table: a header row, and rows of as many cells. */
export const table = (header: readonly Content[], rows: readonly (readonly Content[])[]): Block => ({
  kind: 'table',
  header,
  rows,
});

// ---- Markdown

function runMarkdown(run: Inline, escape: (s: string) => string): string {
  if (typeof run === 'string') return run;
  return 'text' in run ? escape(run.text) : `**${run.strong}**`;
}

function contentMarkdown(content: Content, escape: (s: string) => string): string {
  if (!Array.isArray(content)) return runMarkdown(content as Inline, escape);
  let out = '';
  for (const run of content as readonly Inline[]) out += runMarkdown(run, escape);
  return out;
}

function rowMarkdown(cells: readonly Content[], d: MarkdownDialect): string {
  const out: string[] = [];
  for (const c of cells) out.push(contentMarkdown(c, d.cell));
  return `| ${out.join(' | ')} |`;
}

function writeMarkdown(b: Block, d: MarkdownDialect, lines: string[]): void {
  switch (b.kind) {
    case 'heading':
      lines.push(`${'#'.repeat(b.level)} ${contentMarkdown(b.content, d.text)}`);
      return;
    case 'paragraph':
      lines.push(contentMarkdown(b.content, d.text));
      return;
    case 'list':
      for (const item of b.items) lines.push(`- ${contentMarkdown(item, d.text)}`);
      return;
    case 'table':
      lines.push(rowMarkdown(b.header, d), d.delimiter(b.header.length));
      for (const r of b.rows) lines.push(rowMarkdown(r, d));
      return;
  }
}

/** The document as Markdown: its blocks separated by a blank line, and a final newline. */
export function documentMarkdown(doc: MarkdownDocument): string {
  const lines: string[] = [];
  doc.blocks.forEach((b, i) => {
    if (i > 0) lines.push('');
    writeMarkdown(b, doc.dialect, lines);
  });
  return `${lines.join('\n')}\n`;
}

// ---- HTML

const HTML_TEXT = /[&<>"\0]/g;
const HTML_TEXT_TEST = /[&<>"\0]/;
const HTML_TEXT_REPLACEMENTS: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  '\0': '\uFFFD',
};

/**
 * Text as HTML text, escaped as markdown-it escapes it (`&amp; &lt; &gt; &quot;`), with a NUL character
 * as U+FFFD (markdown-it replaces it in its input).
 */
export function escapeText(s: string): string {
  return HTML_TEXT_TEST.test(s) ? s.replace(HTML_TEXT, (c) => HTML_TEXT_REPLACEMENTS[c] ?? c) : s;
}

/** How markdown-it trims the edges of a block's text. */
interface Trim {
  start: (s: string) => string;
  end: (s: string) => string;
}

const isAsciiSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

/** Headings, paragraphs and list items lose spaces, tabs and line ends at their edges (markdown-it's `asciiTrim`). */
const ASCII_TRIM: Trim = {
  start: (s) => (isAsciiSpace(s.charCodeAt(0)) ? s.replace(/^[ \t\r\n]+/, '') : s),
  end: (s) => (isAsciiSpace(s.charCodeAt(s.length - 1)) ? s.replace(/[ \t\r\n]+$/, '') : s),
};
/** Table cells lose all white space at their edges (`String.prototype.trim`). */
const CELL_TRIM: Trim = { start: (s) => s.trimStart(), end: (s) => s.trimEnd() };

/** Markup between text pieces: like `**` and `<br>` in the Markdown, it is not trimmed away. */
interface Markup {
  html: string;
}

const STRONG_OPEN: Markup = { html: '<strong>' };
const STRONG_CLOSE: Markup = { html: '</strong>' };
const BREAK: Markup = { html: '<br>' };

/** What a reader sees of one run: text, or a line break in a table cell. */
function pushPieces(run: Inline, d: MarkdownDialect, inCell: boolean, out: Array<string | Markup>): void {
  if (typeof run === 'string') out.push(run);
  else if ('strong' in run) out.push(STRONG_OPEN, run.strong, STRONG_CLOSE);
  else if (!inCell) out.push(d.shownText(run.text));
  else {
    const lines = d.shownCell(run.text).split('\n');
    for (let i = 0; i < lines.length; i++) {
      if (i > 0) out.push(BREAK);
      out.push(lines[i] as string);
    }
  }
}

/** The text a reader sees of `content` when it is one run of text without a line break, else undefined. */
function plainOf(content: Content, d: MarkdownDialect, inCell: boolean): string | undefined {
  const run = Array.isArray(content)
    ? content.length === 1
      ? (content[0] as Inline)
      : undefined
    : (content as Inline);
  if (run === undefined) return undefined;
  if (typeof run === 'string') return run;
  if (!('text' in run)) return undefined;
  if (!inCell) return d.shownText(run.text);
  const shown = d.shownCell(run.text);
  return shown.includes('\n') ? undefined : shown;
}

/**
 * The HTML of a block's content: what a reader sees of each run (the dialect says it for plan texts),
 * the block's edges trimmed as markdown-it trims them, text escaped, bold words in `<strong>`, line
 * breaks in a cell as `<br>`.
 */
function contentHtml(content: Content, d: MarkdownDialect, inCell: boolean): string {
  const trim = inCell ? CELL_TRIM : ASCII_TRIM;
  const plain = plainOf(content, d, inCell);
  if (plain !== undefined) return escapeText(trim.end(trim.start(plain)));
  const pieces: Array<string | Markup> = [];
  if (Array.isArray(content)) for (const run of content as readonly Inline[]) pushPieces(run, d, inCell, pieces);
  else pushPieces(content as Inline, d, inCell, pieces);
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i];
    if (typeof p !== 'string') break;
    pieces[i] = trim.start(p);
    if (pieces[i] !== '') break;
  }
  for (let i = pieces.length - 1; i >= 0; i--) {
    const p = pieces[i];
    if (typeof p !== 'string') break;
    pieces[i] = trim.end(p);
    if (pieces[i] !== '') break;
  }
  let out = '';
  for (const p of pieces) out += typeof p === 'string' ? escapeText(p) : p.html;
  return out;
}

/**
 * Writes the HTML of one block of a document in `dialect` to `lines`, as markdown-it renders the block's
 * Markdown, one element a line: `<h1>`..`<h3>`, `<p>`, a `<ul>` of `<li>`, a `<table>` with a `<thead>`
 * and (when it has rows) a `<tbody>`; `<strong>` for bold words, `<br>` for a line break in a table
 * cell. A paragraph with nothing to show writes nothing (Markdown has no empty paragraph). Returns
 * whether it wrote anything.
 */
export function blockHtml(b: Block, dialect: MarkdownDialect, lines: string[]): boolean {
  const d = dialect;
  switch (b.kind) {
    case 'heading':
      lines.push(`<h${b.level}>${contentHtml(b.content, d, false)}</h${b.level}>`);
      return true;
    case 'paragraph': {
      const html = contentHtml(b.content, d, false);
      if (html === '') return false;
      lines.push(`<p>${html}</p>`);
      return true;
    }
    case 'list':
      lines.push('<ul>');
      for (const item of b.items) lines.push(`<li>${contentHtml(item, d, false)}</li>`);
      lines.push('</ul>');
      return true;
    case 'table':
      lines.push('<table>', '<thead>', '<tr>');
      for (const c of b.header) lines.push(`<th>${contentHtml(c, d, true)}</th>`);
      lines.push('</tr>', '</thead>');
      if (b.rows.length) {
        lines.push('<tbody>');
        for (const r of b.rows) {
          lines.push('<tr>');
          for (const c of r) lines.push(`<td>${contentHtml(c, d, true)}</td>`);
          lines.push('</tr>');
        }
        lines.push('</tbody>');
      }
      lines.push('</table>');
      return true;
  }
}
