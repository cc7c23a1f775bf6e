/**
 * The published static site of a program's public progress updates (design section 8, issue 6 §4), as
 * one pure function: `renderSite` returns every file of `var/public/<program>/` by relative path. The
 * caller writes them; nothing here touches the disk or the clock, so the same input gives the same bytes.
 *
 * Layout:
 * - `index.html` (ja) and `index.en.html` (en): every update, newest first, each link labelled with the
 *   period and the update's title, linking the other language's index and the feed;
 * - `<period>/ja.html`, `<period>/en.html`, `<period>/ja.md`, `<period>/en.md`: the update pages as given
 *   (rendered by `renderPublicHtml` and `renderPublicMarkdown`);
 * - `feed.xml`: an Atom feed with one entry per update and language (see `renderFeed`).
 *
 * The index pages come from Handlebars templates, which escape every value (no triple-stash here), and
 * carry the update pages' Content-Security-Policy: no script, no remote resource.
 */
import { Feed } from 'feed';
import Handlebars from 'handlebars';
import { v5 as uuidv5 } from 'uuid';
import { dateOf, formatInstant, isTimeZone } from '../dates';
import type { Lang, Localized } from '../plan';
import { isPeriod } from '../rollup';

/** One published progress update: its period, when it was published, and its pages in both languages. */
export interface PublishedUpdate {
  /** `YYYY-MM` (monthly) or `YYYY-Www` (weekly, ISO week): it names the update's folder. */
  period: string;
  /** When it was published, epoch milliseconds. */
  publishedAt: number;
  /** The program's time zone, in which the publication date is shown. */
  timezone: string;
  /** The complete HTML page, its Markdown and its title, per language. */
  pages: Record<Lang, { html: string; markdown: string; title: string }>;
}

/** What the site is rendered from. */
export interface SiteInput {
  program: { id: string; title: Localized };
  /**
   * The address the site is served at (e.g. `https://example.jp/progress/`): the feed's links and ids of
   * pages are then absolute. Without it the feed links are relative to the feed itself (`feed.xml` sits
   * at the root of the site, so `2025-06/ja.html` resolves as it should), with no `xml:base`.
   */
  baseUrl?: string;
  updates: PublishedUpdate[];
}

const LANGS: readonly Lang[] = ['ja', 'en'];

/** The update pages' policy (see `renderPublicHtml`): no script, no remote resource. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** Every word of the site's own pages and feed, in both languages. */
const SITE_WORDS = {
  heading: { ja: '進捗状況のお知らせ', en: 'Progress updates' },
  intro: {
    ja: 'これまでに公開した進捗状況のお知らせの一覧です（新しい順）。',
    en: 'Every progress update published so far, newest first.',
  },
  published: { ja: '公開日', en: 'Published' },
  markdown: { ja: 'Markdown 版', en: 'Markdown' },
  feed: { ja: 'Atom フィード（新しいお知らせの購読）', en: 'Atom feed (subscribe to new updates)' },
  otherIndex: { ja: 'English', en: '日本語' },
} as const satisfies Record<string, Localized>;

const INDEX_FILE: Record<Lang, string> = { ja: 'index.html', en: 'index.en.html' };
const FEED_FILE = 'feed.xml';

/** The namespace of the feed's `urn:uuid:` ids (a constant: changing it changes every id). */
const ID_NAMESPACE = 'b33c794c-54f0-46c0-8fc8-6f802a69f9b8';

const STYLE = [
  'body{font-family:system-ui,sans-serif;line-height:1.6;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}',
  'nav{text-align:right}',
  'ol.updates{padding-left:1.2rem}',
  'ol.updates li{margin:0.4rem 0}',
  '.meta{color:#555;font-size:0.9em;margin-left:0.5rem}',
].join('');

/**
 * One Handlebars environment of our own (no helper or partial registered elsewhere reaches it). The
 * policy (byte for byte the update pages' one) and the style sheet are constants written into the
 * template source; every `{{value}}` is HTML-escaped by Handlebars.
 */
const hbs = Handlebars.create();

interface IndexView {
  lang: Lang;
  heading: string;
  intro: string;
  feedHref: string;
  feedLabel: string;
  other: { lang: Lang; href: string; label: string };
  updates: Array<{
    href: string;
    label: string;
    markdownHref: string;
    markdownLabel: string;
    published: string;
    datetime: string;
    publishedLabel: string;
  }>;
}

const indexTemplate = hbs.compile<IndexView>(
  `<!DOCTYPE html>
<html lang="{{lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>{{heading}}</title>
<link rel="alternate" type="application/atom+xml" href="{{feedHref}}" title="{{feedLabel}}">
<link rel="alternate" hreflang="{{other.lang}}" href="{{other.href}}">
<style>${STYLE}</style>
</head>
<body>
<nav><a href="{{other.href}}" hreflang="{{other.lang}}" lang="{{other.lang}}">{{other.label}}</a></nav>
<main>
<h1>{{heading}}</h1>
<p>{{intro}}</p>
<ol class="updates">
{{#each updates}}
<li><a href="{{href}}">{{label}}</a><span class="meta">{{publishedLabel}} <time datetime="{{datetime}}">{{published}}</time> · <a href="{{markdownHref}}" type="text/markdown">{{markdownLabel}}</a></span></li>
{{/each}}
</ol>
<p><a href="{{feedHref}}" type="application/atom+xml">{{feedLabel}}</a></p>
</main>
</body>
</html>
`,
  // strict: a missing field is a bug, not an empty string; no helper beyond the built-in `each`.
  { strict: true, knownHelpersOnly: true },
);

/** The base URL as an absolute http(s) folder address ending in `/`; throws naming the fix. */
function siteBase(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new Error(
      `renderSite: baseUrl ${JSON.stringify(baseUrl)} is not an absolute URL (e.g. https://example.jp/progress/)`,
    );
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || url.search || url.hash)
    throw new Error(
      `renderSite: baseUrl ${JSON.stringify(baseUrl)} must be an http(s) address without credentials, query or fragment`,
    );
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url;
}

/** The updates, checked: periods valid (they become paths) and unique, times and zones usable. Newest first. */
function checkedUpdates(updates: readonly PublishedUpdate[]): PublishedUpdate[] {
  if (updates.length === 0) throw new Error('renderSite: no published update (the site starts with the first one)');
  const seen = new Set<string>();
  for (const u of updates) {
    if (!isPeriod(u.period))
      throw new Error(
        `renderSite: period ${JSON.stringify(u.period)} is not YYYY-MM (monthly) or YYYY-Www (weekly, ISO week)`,
      );
    if (seen.has(u.period)) throw new Error(`renderSite: period ${u.period} is published twice`);
    seen.add(u.period);
    if (!Number.isFinite(u.publishedAt))
      throw new Error(`renderSite: update ${u.period}: publishedAt is not an instant (epoch milliseconds)`);
    if (!isTimeZone(u.timezone)) throw new Error(`renderSite: update ${u.period}: unknown time zone ${u.timezone}`);
  }
  // Newest first: by publication, then by period (same kind of period within one program, so the text order is the time order).
  return [...updates].sort((a, b) => b.publishedAt - a.publishedAt || (a.period < b.period ? 1 : -1));
}

const pagePath = (period: string, lang: Lang, ext: 'html' | 'md') => `${period}/${lang}.${ext}`;

/** One index page (`index.html` in Japanese, `index.en.html` in English). */
function renderIndex(program: SiteInput['program'], updates: readonly PublishedUpdate[], lang: Lang): string {
  const other: Lang = lang === 'ja' ? 'en' : 'ja';
  const heading =
    lang === 'ja' ? `${program.title.ja} ${SITE_WORDS.heading.ja}` : `${program.title.en}: ${SITE_WORDS.heading.en}`;
  return indexTemplate({
    lang,
    heading,
    intro: SITE_WORDS.intro[lang],
    feedHref: FEED_FILE,
    feedLabel: SITE_WORDS.feed[lang],
    other: { lang: other, href: INDEX_FILE[other], label: SITE_WORDS.otherIndex[lang] },
    updates: updates.map((u) => ({
      href: pagePath(u.period, lang, 'html'),
      label: `${u.period}: ${u.pages[lang].title}`,
      markdownHref: pagePath(u.period, lang, 'md'),
      markdownLabel: SITE_WORDS.markdown[lang],
      publishedLabel: SITE_WORDS.published[lang],
      datetime: formatInstant(u.publishedAt, u.timezone),
      published: dateOf(u.publishedAt, u.timezone),
    })),
  });
}

/** True for a code point XML 1.0 can hold (not C0 controls but tab and line breaks, lone surrogates, U+FFFE/U+FFFF). */
const isXmlChar = (c: number) =>
  c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || c >= 0x10000;

/** A plan text fit for XML: a character XML cannot hold becomes U+FFFD (plan texts may hold controls). */
function xmlText(s: string): string {
  let out = '';
  for (const ch of s) out += isXmlChar(ch.codePointAt(0) ?? 0) ? ch : '\uFFFD';
  return out;
}

/** A text for the feed package's `type="html"` fields (titles): escaped once, so a reader shows it as text. */
const htmlText = (s: string) => xmlText(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The Atom feed, newest first, with one entry per update and language: an entry has one title in one
 * language and one `alternate` link, and a reader in either language sees the update in its own words
 * (the `feed` package writes a single link per entry, without `hreflang`). Ids are `urn:uuid:` (version 5)
 * of `<program>/<period>/<lang>`: stable across re-publishing and a move of the site, as Atom asks.
 * `updated` of an entry is its `publishedAt`, of the feed the newest one.
 *
 * Titles are `type="html"` in the package (CDATA), so they are HTML-escaped first. The feed's own title
 * is plain text, which the package XML-escapes itself (it reads a literal `&amp;` as `&`: harmless).
 */
function renderFeed(input: SiteInput, updates: readonly PublishedUpdate[]): string {
  const base = input.baseUrl === undefined ? undefined : siteBase(input.baseUrl);
  const href = (path: string) => (base ? new URL(path, base).href : path);
  const id = (name: string) => `urn:uuid:${uuidv5(`${input.program.id}/${name}`, ID_NAMESPACE)}`;
  const newest = updates[0]!;
  const title = xmlText(
    `${input.program.title.ja} ${SITE_WORDS.heading.ja} / ${input.program.title.en}: ${SITE_WORDS.heading.en}`,
  );
  const feed = new Feed({
    id: id('feed'),
    title,
    updated: new Date(newest.publishedAt),
    // The program speaks in its updates; no person is ever named in public.
    author: { name: xmlText(`${input.program.title.ja} / ${input.program.title.en}`) },
    link: href(INDEX_FILE.ja),
    feed: href(FEED_FILE),
    // A fixed generator (the package's default names its repository; fine, but ours says what wrote it).
    generator: 'remediation-tracker',
    copyright: '',
  });
  for (const u of updates)
    for (const lang of LANGS)
      feed.addItem({
        title: htmlText(u.pages[lang].title),
        id: id(`${u.period}/${lang}`),
        link: href(pagePath(u.period, lang, 'html')),
        date: new Date(u.publishedAt),
        published: new Date(u.publishedAt),
      });
  return `${feed.atom1()}\n`;
}

/**
 * Every file of the program's public site, by path relative to `var/public/<program>/` (see the module
 * comment for the layout), in a fixed order: the indexes, the feed, then each update newest first.
 * Throws, naming the fix, on a period that is not `YYYY-MM` or `YYYY-Www` (it becomes a path), a period
 * given twice, an unusable time or zone, a bad `baseUrl`, or no update at all.
 */
export function renderSite(input: SiteInput): Map<string, string> {
  const updates = checkedUpdates(input.updates);
  const files = new Map<string, string>();
  for (const lang of LANGS) files.set(INDEX_FILE[lang], renderIndex(input.program, updates, lang));
  files.set(FEED_FILE, renderFeed(input, updates));
  for (const u of updates) {
    for (const lang of LANGS) files.set(pagePath(u.period, lang, 'html'), u.pages[lang].html);
    for (const lang of LANGS) files.set(pagePath(u.period, lang, 'md'), u.pages[lang].markdown);
  }
  return files;
}
