/**
 * The published static site of the public progress updates (design section 8, issue 6 §4): `renderSite`'s
 * files, indexes, Atom feed, escaping and refusals; then the real thing in a browser: two updates built
 * by the public pipeline from fixture states, written to a temporary folder, served over HTTP on
 * 127.0.0.1 and read in Debian's Chromium (installed by scripts/ensure-browser.sh) through
 * playwright-core. Screenshots go to var/test-artifacts/site/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xml2js, type Element } from 'xml-js';
import type { MeasureState } from '../../src/domain/model';
import { validatePlan, type Plan } from '../../src/domain/plan';
import { formatProblem } from '../../src/domain/problems';
import { timelineChart } from '../../src/domain/reports/chart';
import {
  publicChanges,
  publicDocument,
  publicProjection,
  renderPublicHtml,
  renderPublicMarkdown,
  type PublicProgram,
} from '../../src/domain/reports/public';
import { renderSite, type PublishedUpdate, type SiteInput } from '../../src/domain/reports/site';
import { updateTitle } from '../../src/domain/reports/update';
import { accept, rawPlan, statesAt, tokyo, ZONE } from '../domain/fixtures';

// ---------------------------------------------------------------------------------------------
// Helpers

/** Text of HTML or XML text (the entities Handlebars, `escapeHtml` and XML writers use). */
function decode(s: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (_, e: string) =>
    e.startsWith('#x') || e.startsWith('#X')
      ? String.fromCodePoint(parseInt(e.slice(2), 16))
      : e.startsWith('#')
        ? String.fromCodePoint(Number(e.slice(1)))
        : named[e.toLowerCase()]!,
  );
}

/** The links of an index page's list of updates: href and label (as text). */
function indexLinks(html: string): Array<{ href: string; label: string }> {
  const list = html.slice(html.indexOf('<ol class="updates">'), html.indexOf('</ol>'));
  return [...list.matchAll(/<li><a href="([^"]*)">([^<]*)<\/a>/g)].map((m) => ({
    href: decode(m[1]!),
    label: decode(m[2]!),
  }));
}

/** The child elements of `e` named `name`. */
const children = (e: Element | undefined, name: string): Element[] =>
  (e?.elements ?? []).filter((c) => c.type === 'element' && c.name === name);

/** The text of element `e` (text and CDATA children joined). */
const textOf = (e: Element | undefined): string =>
  (e?.elements ?? []).map((c) => (c.type === 'cdata' ? c.cdata : c.type === 'text' ? String(c.text) : '')).join('');

interface FeedEntry {
  id: string;
  /** As a reader shows it: `type="html"` titles are HTML-decoded. */
  title: string;
  href: string;
  updated: string;
}

/** The Atom feed parsed by a strict XML parser (throws on malformed XML). */
function parseFeed(xml: string): {
  id: string;
  title: string;
  updated: string;
  links: Element[];
  entries: FeedEntry[];
} {
  const doc = xml2js(xml, { compact: false }) as Element;
  const feed = children(doc, 'feed')[0];
  expect(feed?.attributes?.xmlns).toBe('http://www.w3.org/2005/Atom');
  const entries = children(feed, 'entry').map((e) => {
    const title = children(e, 'title')[0];
    const raw = textOf(title);
    return {
      id: textOf(children(e, 'id')[0]),
      title: title?.attributes?.type === 'html' ? decode(raw) : raw,
      href: String(children(e, 'link')[0]?.attributes?.href),
      updated: textOf(children(e, 'updated')[0]),
    };
  });
  return {
    id: textOf(children(feed, 'id')[0]),
    title: textOf(children(feed, 'title')[0]),
    updated: textOf(children(feed, 'updated')[0]),
    links: children(feed, 'link'),
    entries,
  };
}

/** A minimal update whose pages are stand-ins (the unit tests are about the site, not the pages). */
function stubUpdate(period: string, publishedAt: number, title = (lang: string) => `Update ${period} ${lang}`) {
  const page = (lang: 'ja' | 'en') => ({
    html: `<!DOCTYPE html>\n<html lang="${lang}"><title>${period}</title></html>\n`,
    markdown: `# ${period} ${lang}\n`,
    title: title(lang),
  });
  return { period, publishedAt, timezone: ZONE, pages: { ja: page('ja'), en: page('en') } } satisfies PublishedUpdate;
}

const PROGRAM = { id: 'test-program', title: { ja: 'テスト', en: 'Test' } };

/** Three updates, given oldest last but one (the site sorts them). */
function stubSite(extra: Partial<SiteInput> = {}): SiteInput {
  return {
    program: PROGRAM,
    updates: [
      stubUpdate('2025-02', tokyo('2025-02-03T15:00')),
      stubUpdate('2025-01', tokyo('2025-01-10T15:00')),
      stubUpdate('2025-03', tokyo('2025-03-03T15:00')),
    ],
    ...extra,
  };
}

const CSP_META = /<meta http-equiv="Content-Security-Policy" content="[^"]*">/;

// ---------------------------------------------------------------------------------------------
// renderSite

describe('renderSite', () => {
  it('writes the indexes, the feed and four pages per update, newest first', () => {
    const files = renderSite(stubSite());
    expect([...files.keys()]).toEqual([
      'index.html',
      'index.en.html',
      'feed.xml',
      ...['2025-03', '2025-02', '2025-01'].flatMap((p) => [`${p}/ja.html`, `${p}/en.html`, `${p}/ja.md`, `${p}/en.md`]),
    ]);
    const u = stubSite().updates[0]!;
    expect(files.get('2025-02/ja.html')).toBe(u.pages.ja.html);
    expect(files.get('2025-02/en.md')).toBe(u.pages.en.markdown);
  });

  it('is deterministic: same input (in any order), same bytes', () => {
    const a = renderSite(stubSite());
    const input = stubSite();
    input.updates.reverse();
    expect([...renderSite(input).entries()]).toEqual([...a.entries()]);
    expect([...renderSite(stubSite()).entries()]).toEqual([...a.entries()]);
  });

  it('lists every update newest first in both languages, with working relative links', () => {
    const files = renderSite(stubSite());
    for (const [file, lang, other] of [
      ['index.html', 'ja', 'index.en.html'],
      ['index.en.html', 'en', 'index.html'],
    ] as const) {
      const html = files.get(file)!;
      expect(html.startsWith(`<!DOCTYPE html>\n<html lang="${lang}">\n`)).toBe(true);
      expect(html).toContain('<meta charset="utf-8">');
      const links = indexLinks(html);
      expect(links).toEqual(
        ['2025-03', '2025-02', '2025-01'].map((p) => ({
          href: `${p}/${lang}.html`,
          label: `${p}: Update ${p} ${lang}`,
        })),
      );
      // Every link of the page (updates, Markdown, feed, the other language) resolves to a file of the site.
      const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => decode(m[1]!));
      expect(hrefs).toContain(other);
      expect(hrefs).toContain('feed.xml');
      expect(hrefs).toContain(`2025-03/${lang}.md`);
      for (const href of hrefs) {
        const resolved = new URL(href, `http://site.test/p/${file}`);
        expect(resolved.origin, href).toBe('http://site.test');
        expect(files.has(resolved.pathname.replace(/^\/p\//, '')), href).toBe(true);
      }
      // The other language's link is marked as such.
      expect(html).toContain(
        `<a href="${other}" hreflang="${lang === 'ja' ? 'en' : 'ja'}" lang="${lang === 'ja' ? 'en' : 'ja'}">`,
      );
      // Publication dates in the program's time zone.
      expect(html).toContain('<time datetime="2025-03-03T15:00:00+09:00">2025-03-03</time>');
    }
    expect(files.get('index.html')).toContain('<h1>テスト 進捗状況のお知らせ</h1>');
    expect(files.get('index.en.html')).toContain('<h1>Test: Progress updates</h1>');
  });

  it('gives the indexes the update pages’ Content-Security-Policy, and no script', () => {
    const doc = publicDocument(publicProjection(statesAt(sitePlan(), START), tokyo(FIRST)), [], 'ja', '2025-01');
    const page = renderPublicHtml(doc, 'ja', 'x');
    const policy = CSP_META.exec(page)?.[0];
    expect(policy).toContain("default-src 'none'");
    const files = renderSite(stubSite());
    for (const file of ['index.html', 'index.en.html']) {
      expect(CSP_META.exec(files.get(file)!)?.[0]).toBe(policy);
      expect(files.get(file)).not.toMatch(/<script/i);
    }
  });

  it('writes one Atom entry per update and language, newest first, with stable ids and publication times', () => {
    const feed = parseFeed(renderSite(stubSite()).get('feed.xml')!);
    const order: Array<[string, string]> = [
      ['2025-03', '2025-03-03T15:00'],
      ['2025-02', '2025-02-03T15:00'],
      ['2025-01', '2025-01-10T15:00'],
    ];
    expect(feed.entries.map((e) => e.href)).toEqual(order.flatMap(([p]) => [`${p}/ja.html`, `${p}/en.html`]));
    expect(feed.entries.map((e) => e.title)).toEqual(order.flatMap(([p]) => [`Update ${p} ja`, `Update ${p} en`]));
    const updated = order.map(([, at]) => new Date(tokyo(at)).toISOString());
    expect(feed.entries.map((e) => e.updated)).toEqual(updated.flatMap((u) => [u, u]));
    expect(feed.updated).toBe(new Date(tokyo('2025-03-03T15:00')).toISOString());
    expect(feed.title).toBe('テスト 進捗状況のお知らせ / Test: Progress updates');
    // Ids: URNs (version 5 UUIDs of program/period/lang), all different, and pinned: a change would make
    // every reader show every update again.
    const ids = feed.entries.map((e) => e.id);
    for (const id of [feed.id, ...ids])
      expect(id).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set([feed.id, ...ids]).size).toBe(ids.length + 1);
    expect(feed.entries[1]).toMatchObject({
      href: '2025-03/en.html',
      id: 'urn:uuid:e8cd9d98-1fd0-59ec-bd98-97e97a46ad63',
    });
    // Without baseUrl the links are relative to the feed, which sits at the root of the site.
    expect(feed.links.map((l) => l.attributes)).toEqual([
      { rel: 'alternate', href: 'index.html' },
      { rel: 'self', href: 'feed.xml' },
    ]);
  });

  it('makes the feed links absolute with baseUrl, ids unchanged', () => {
    const plain = parseFeed(renderSite(stubSite()).get('feed.xml')!);
    for (const baseUrl of ['https://example.jp/progress', 'https://example.jp/progress/']) {
      const feed = parseFeed(renderSite(stubSite({ baseUrl })).get('feed.xml')!);
      expect(feed.entries[0]!.href).toBe('https://example.jp/progress/2025-03/ja.html');
      expect(feed.links.map((l) => l.attributes?.href)).toEqual([
        'https://example.jp/progress/index.html',
        'https://example.jp/progress/feed.xml',
      ]);
      expect(feed.entries.map((e) => e.id)).toEqual(plain.entries.map((e) => e.id));
      expect(feed.id).toBe(plain.id);
    }
    // The indexes stay relative (the site can be moved as a folder).
    expect(renderSite(stubSite({ baseUrl: 'https://example.jp/x/' })).get('index.html')).toBe(
      renderSite(stubSite()).get('index.html'),
    );
  });

  it('escapes hostile titles everywhere: index pages and feed', () => {
    const EVIL = `</title><script>alert(1)</script> <b onmouseover="x">&'"\` ]]> ]]> {{lang}} \u0001`;
    const files = renderSite({
      program: { id: 'test-program', title: { ja: EVIL, en: EVIL } },
      baseUrl: 'https://example.jp/progress/',
      updates: [stubUpdate('2025-01', tokyo('2025-01-10T15:00'), (lang) => `${EVIL} ${lang}`)],
    });
    for (const [file, lang] of [
      ['index.html', 'ja'],
      ['index.en.html', 'en'],
    ] as const) {
      const html = files.get(file)!;
      expect(html).not.toMatch(/<script|<b[\s>]|onmouseover="/i);
      expect(indexLinks(html)).toEqual([{ href: `2025-01/${lang}.html`, label: `2025-01: ${EVIL} ${lang}` }]);
      const title = /<title>([^<]*)<\/title>/.exec(html)?.[1];
      expect(decode(title!)).toContain(EVIL);
      expect(decode(/<h1>([^<]*)<\/h1>/.exec(html)![1]!)).toContain(EVIL);
    }
    const xml = files.get('feed.xml')!;
    expect(xml).not.toMatch(/<script|<b[\s>]/i);
    const feed = parseFeed(xml); // a strict parser: the CDATA, the control character and the quotes did not break it
    const shown = EVIL.replace('\u0001', '\uFFFD'); // XML cannot hold U+0001
    expect(feed.entries.map((e) => e.title)).toEqual([`${shown} ja`, `${shown} en`]);
    expect(feed.title).toBe(`${shown} 進捗状況のお知らせ / ${shown}: Progress updates`);
  });

  it('refuses a period that is not YYYY-MM or YYYY-Www (it becomes a path)', () => {
    const bad = ['2025-13', '2025-00', '2025-1', '2025-W00', '2025-W54', '2025-W53', '../etc', '2025-06/../../x'];
    bad.push('2025-06\n', ' 2025-06', '', '2025-06/ja', '2025-W1', '2025-w01', 'constructor', '２０２５-06');
    for (const period of bad)
      expect(() => renderSite({ program: PROGRAM, updates: [stubUpdate(period, 0)] }), JSON.stringify(period)).toThrow(
        /period .* is not YYYY-MM \(monthly\) or YYYY-Www \(weekly, ISO week\)/,
      );
    // 2026 has a week 53 (2025 has not). Newest first by publication: 2025-W01 was published after 2026-W53.
    const files = renderSite({ program: PROGRAM, updates: [stubUpdate('2026-W53', 0), stubUpdate('2025-W01', 1)] });
    expect([...files.keys()].filter((f) => f.endsWith('/ja.html'))).toEqual(['2025-W01/ja.html', '2026-W53/ja.html']);
  });

  it('refuses a period published twice, no update, a bad time, zone or baseUrl', () => {
    const one = stubUpdate('2025-01', 0);
    expect(() => renderSite({ program: PROGRAM, updates: [one, stubUpdate('2025-01', 1)] })).toThrow(/published twice/);
    expect(() => renderSite({ program: PROGRAM, updates: [] })).toThrow(/no published update/);
    expect(() => renderSite({ program: PROGRAM, updates: [{ ...one, publishedAt: NaN }] })).toThrow(/publishedAt/);
    expect(() => renderSite({ program: PROGRAM, updates: [{ ...one, timezone: 'Mars/Base' }] })).toThrow(/time zone/);
    for (const baseUrl of [
      'example.jp/progress',
      'javascript:alert(1)',
      'https://example.jp/?q=1',
      'https://u:p@x.jp/',
    ])
      expect(() => renderSite({ program: PROGRAM, baseUrl, updates: [one] }), baseUrl).toThrow(/baseUrl/);
  });
});

// ---------------------------------------------------------------------------------------------
// The site in a browser

const START = '2025-01-06T09:00';
const FIRST = '2025-01-10T12:00';
const SECOND = '2025-02-03T09:00';

const t = (ja: string, en: string) => ({ ja, en });

/** A realistic program: authentication work under item (1), a finished SOC move, a user page added later. */
function sitePlan(): Plan {
  const raw = rawPlan() as { program: Record<string, unknown>; measures: unknown[] };
  raw.program.title = t('情報セキュリティ改善計画', 'Information security remediation program');
  raw.measures = [
    {
      id: 'auth-separation',
      title: t('認証基盤の分離', 'Separate the authentication infrastructure'),
      publicSummary: t(
        'グループ各社の認証基盤を分離します。',
        'We separate the authentication infrastructure of each group company.',
      ),
      directiveItems: ['(1)'],
      owner: 'sato',
      sponsor: 'yamada',
      policy: 'standard',
      milestones: [
        { id: 'head-company', title: t('本体', 'Head company'), due: '2025-01-31' },
        { id: 'domestic', title: t('国内子会社', 'Domestic subsidiaries'), due: '2025-01-24' },
        { id: 'overseas', title: t('海外子会社', 'Overseas subsidiaries'), due: '2026-12-31' },
      ],
    },
    {
      id: 'soc',
      title: t('SOC の国内移管', 'Move SOC Tier 1 to a domestic vendor'),
      directiveItems: ['(2)'],
      owner: 'sato',
      policy: 'standard',
      milestones: [
        {
          id: 'end-contract',
          title: t('委託契約の終了', 'End the contract'),
          due: '2024-10-31',
          completed: { on: '2024-10-25', by: 'sato', evidence: 'CHG-1234' },
        },
      ],
    },
    {
      id: 'user-page',
      title: t('利用者向け特設ページ', 'Special page for users'),
      directiveItems: ['(3)'],
      owner: 'sato',
      policy: 'standard',
      milestones: [{ id: 'publish', title: t('公開', 'Publish'), due: '2025-04-30' }],
    },
  ];
  const r = validatePlan(raw);
  if (!r.ok) throw new Error(`invalid test plan:\n${r.problems.map(formatProblem).join('\n')}`);
  return r.plan;
}

/** A published update of `p` for `period`, through the real renderers (pages with the timeline chart). */
function published(
  p: PublicProgram,
  changes: ReturnType<typeof publicChanges>,
  period: string,
  at: string,
): PublishedUpdate {
  const page = (lang: 'ja' | 'en') => {
    const markdown = renderPublicMarkdown(p, changes, lang, period);
    const title = updateTitle(p, period, lang);
    const html = renderPublicHtml(publicDocument(p, changes, lang, period), lang, title, timelineChart(p, lang));
    return { html, markdown, title };
  };
  return { period, publishedAt: tokyo(at), timezone: ZONE, pages: { ja: page('ja'), en: page('en') } };
}

/**
 * Two updates: 2025-01 (the auth work and the SOC move, all on time) and 2025-02 (head company completed,
 * domestic subsidiaries late, overseas moved back, the user page new).
 */
function realisticSite(): SiteInput {
  const plan = sitePlan();
  const states = statesAt(plan, START);
  const [auth, soc] = states as [MeasureState, MeasureState, MeasureState];
  const previous = publicProjection([auth, soc], tokyo(FIRST), plan.program);
  accept(auth, 'sato', '2025-01-20T10:00', { type: 'complete', milestone: 'head-company', evidence: 'CHG-9' });
  accept(auth, 'suzuki', '2025-01-21T10:00', {
    type: 'replan',
    milestone: 'overseas',
    date: '2027-03-31',
    reason: 'r',
  });
  const current = publicProjection(states, tokyo(SECOND), plan.program);
  return {
    program: { id: plan.program.id, title: plan.program.title },
    updates: [
      published(previous, publicChanges(undefined, previous), '2025-01', '2025-01-10T15:00'),
      published(current, publicChanges(previous, current), '2025-02', '2025-02-03T15:00'),
    ],
  };
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = path.join('var', 'test-artifacts', 'site');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.xml': 'application/atom+xml; charset=utf-8',
};

/** A static file server over `root` on 127.0.0.1 (a free port); `/` is `index.html`. */
async function serve(root: string): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const rel = decodeURIComponent(url.pathname).replace(/\/$/, '/index.html');
    const file = path.resolve(root, `.${rel}`);
    const type = CONTENT_TYPES[path.extname(file)];
    if (!file.startsWith(root + path.sep) || !type || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': type }).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Width and height of a PNG, from its IHDR chunk. */
function pngSize(file: string): { width: number; height: number; bytes: number } {
  const b = readFileSync(file);
  expect(b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20), bytes: b.length };
}

describe('the published site in Chromium', () => {
  let dir: string;
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  /** Console errors and warnings (Chromium reports CSP violations there) and uncaught page errors. */
  const problems: string[] = [];
  const site = realisticSite();

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`no Chromium at ${CHROMIUM}: run scripts/ensure-browser.sh (or set CHROMIUM_PATH)`);
    dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-site-'));
    for (const [rel, content] of renderSite(site)) {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), content);
    }
    ({ server, base } = await serve(dir));
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 30_000 });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(30_000);
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const lang = () => page.evaluate<string>('document.documentElement.lang');

  /** A full-page screenshot in the artifacts folder; asserts it is a real picture of a page. */
  async function screenshot(name: string): Promise<void> {
    const file = path.join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    const png = pngSize(file);
    expect(png.width).toBe(1280);
    expect(png.height).toBeGreaterThanOrEqual(400);
    expect(png.bytes).toBeGreaterThan(20_000);
  }

  it('has the Japanese font installed', () => {
    // Without it, Japanese text is drawn as empty boxes ("tofu"): scripts/ensure-browser.sh installs it.
    expect(execFileSync('fc-list', [':lang=ja', 'family'], { encoding: 'utf8' })).toContain('Noto Sans CJK JP');
  });

  it('opens the Japanese index and the newest update, in Japanese', async () => {
    await page.goto(`${base}/`);
    expect(await lang()).toBe('ja');
    await expect(page.title()).resolves.toBe('情報セキュリティ改善計画 進捗状況のお知らせ');
    const links = page.locator('ol.updates > li > a:first-child');
    await expect(links.allInnerTexts()).resolves.toEqual([
      '2025-02: 情報セキュリティ改善計画 進捗状況のお知らせ（2025-02）',
      '2025-01: 情報セキュリティ改善計画 進捗状況のお知らせ（2025-01）',
    ]);
    await screenshot('index-ja');

    await links.first().click();
    await page.waitForURL(`${base}/2025-02/ja.html`);
    expect(await lang()).toBe('ja');
    await expect(page.title()).resolves.toBe('情報セキュリティ改善計画 進捗状況のお知らせ（2025-02）');
    const text = await page.locator('main').innerText();
    expect(text).toContain('情報セキュリティ改善計画 進捗状況のお知らせ（2025-02）');
    for (const w of ['完了', '実施中', '遅延', '計画変更', '認証基盤の分離', '利用者向け特設ページ'])
      expect(text).toContain(w);
    const changes = page.locator('h2', { hasText: '前回の更新からの変更' });
    await expect(changes.isVisible()).resolves.toBe(true);
    const changeItems = await page.locator('h2:has-text("前回の更新からの変更") + ul > li').allInnerTexts();
    expect(changeItems).toEqual([
      '完了: 認証基盤の分離 — 本体（2025-01-20）',
      '延期: 認証基盤の分離 — 海外子会社: 2026-12-31 → 2027-03-31',
      '新しい施策: 利用者向け特設ページ',
    ]);
    // The font face is known to the page (a weak check on its own: true for any font with nothing to load).
    await expect(page.evaluate<boolean>('document.fonts.check(\'16px "Noto Sans CJK JP"\')')).resolves.toBe(true);
    // Real glyphs, not tofu: missing glyphs are all the same box, so two different words of the same length
    // in the same table column would render identically.
    const done = await page
      .locator('td', { hasText: /^完了$/ })
      .first()
      .screenshot();
    const late = await page
      .locator('td', { hasText: /^遅延$/ })
      .first()
      .screenshot();
    expect(done.equals(late)).toBe(false);
    await checkChart('ja');
    await screenshot('update-ja');
  });

  it('opens the English index and the newest update, in English', async () => {
    await page.goto(`${base}/index.html`);
    await page.locator('nav a[hreflang="en"]').click();
    await page.waitForURL(`${base}/index.en.html`);
    expect(await lang()).toBe('en');
    await expect(page.locator('ol.updates > li > a:first-child').allInnerTexts()).resolves.toEqual([
      '2025-02: Information security remediation program: Progress update 2025-02',
      '2025-01: Information security remediation program: Progress update 2025-01',
    ]);
    await screenshot('index-en');

    await page.locator('ol.updates > li > a:first-child').first().click();
    await page.waitForURL(`${base}/2025-02/en.html`);
    expect(await lang()).toBe('en');
    const text = await page.locator('main').innerText();
    expect(text).toContain('Information security remediation program: Progress update 2025-02');
    for (const w of ['Completed', 'In progress', 'Delayed', 'Rescheduled', 'Special page for users'])
      expect(text).toContain(w);
    expect(text).not.toMatch(/完了|実施中|遅延/);
    await expect(
      page.locator('h2:has-text("What changed since the previous update") + ul > li').allInnerTexts(),
    ).resolves.toEqual([
      'Completed: Separate the authentication infrastructure — Head company (2025-01-20)',
      'Date moved back: Separate the authentication infrastructure — Overseas subsidiaries: 2026-12-31 → 2027-03-31',
      'New measure: Special page for users',
    ]);
    await checkChart('en');
    await screenshot('update-en');
  });

  it('shows the first update with nothing changed', async () => {
    await page.goto(`${base}/index.en.html`);
    await page.locator('ol.updates > li > a:first-child').nth(1).click();
    await page.waitForURL(`${base}/2025-01/en.html`);
    await expect(page.locator('main').innerText()).resolves.toContain('Nothing changed since the previous update.');
  });

  it('serves the Atom feed the indexes point at, well-formed for the browser’s XML parser', async () => {
    await page.goto(`${base}/`);
    const href = await page.locator('link[rel="alternate"][type="application/atom+xml"]').getAttribute('href');
    const res = await page.request.get(new URL(href!, page.url()).href);
    expect(res.status()).toBe(200);
    expect(res.headers()['content-type']).toBe('application/atom+xml; charset=utf-8');
    const xml = await res.text();
    const parsed = await page.evaluate(
      `(() => {
        const d = new DOMParser().parseFromString(${JSON.stringify(xml)}, 'application/xml');
        return {
          errors: d.getElementsByTagName('parsererror').length,
          root: d.documentElement.namespaceURI + ' ' + d.documentElement.localName,
          entries: [...d.getElementsByTagName('entry')].map((e) => [
            e.getElementsByTagName('link')[0].getAttribute('href'),
            e.getElementsByTagName('updated')[0].textContent,
          ]),
        };
      })()`,
    );
    const at = (s: string) => new Date(tokyo(s)).toISOString();
    expect(parsed).toEqual({
      errors: 0,
      root: 'http://www.w3.org/2005/Atom feed',
      entries: [
        ['2025-02/ja.html', at('2025-02-03T15:00')],
        ['2025-02/en.html', at('2025-02-03T15:00')],
        ['2025-01/ja.html', at('2025-01-10T15:00')],
        ['2025-01/en.html', at('2025-01-10T15:00')],
      ],
    });
    // Each entry link, resolved against the feed's address, is a page of the site.
    for (const [link] of (parsed as { entries: string[][] }).entries) {
      const r = await page.request.get(new URL(link!, res.url()).href);
      expect(r.status(), link).toBe(200);
      expect(r.headers()['content-type']).toBe('text/html; charset=utf-8');
    }
  });

  it('shows a hostile title as text: no markup, no script', async () => {
    const EVIL = '<img src=x onerror="console.error(1)"><script>console.error(2)</script>&amp;';
    const files = renderSite({
      program: { id: 'evil', title: { ja: EVIL, en: EVIL } },
      updates: [stubUpdate('2025-01', 0, () => EVIL)],
    });
    await page.setContent(files.get('index.html')!);
    await expect(page.locator('ol.updates > li > a').first().innerText()).resolves.toBe(`2025-01: ${EVIL}`);
    await expect(page.locator('h1').innerText()).resolves.toBe(`${EVIL} 進捗状況のお知らせ`);
    await expect(page.locator('main img, main script').count()).resolves.toBe(0);
  });

  it('logged no console error, no CSP violation and no page error', () => {
    expect(problems).toEqual([]);
  });

  /** The timeline chart: an inline SVG in a `<figure>`, drawn, announced as an image, with its text alternative. */
  async function checkChart(l: 'ja' | 'en'): Promise<void> {
    const svg = page.locator('main figure svg');
    await expect(svg.count()).resolves.toBe(1);
    await expect(svg.isVisible()).resolves.toBe(true);
    await expect(svg.getAttribute('role')).resolves.toBe('img');
    await expect(svg.getAttribute('aria-label')).resolves.toContain(
      l === 'ja' ? 'マイルストーンのタイムライン' : 'Timeline of the milestones',
    );
    const box = await svg.boundingBox();
    expect(box?.width).toBeGreaterThan(300);
    expect(box?.height).toBeGreaterThan(100);
    // The text alternative names every milestone, in the page's language.
    const alt = await page.locator('main figure details pre').textContent();
    expect(alt).toContain(l === 'ja' ? '海外子会社' : 'Overseas subsidiaries');
  }
});
