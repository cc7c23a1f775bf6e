/**
 * HTML that escapes by default: Hono's `html` tagged template escapes every interpolated string, and
 * inserts only what is already `Html` (another template's result) as it is. The page layout, shared by
 * every page: language switch, skip link, `main` landmark, one stylesheet, no script and no inline style
 * (the Content-Security-Policy forbids both).
 */
import { html as honoHtml } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Lang, Localized } from '../domain/plan';
import type { Problem } from '../domain/problems';
import type { MilestoneStatus } from '../domain/status';
import { statusWord, t } from './words';

/** Escaped HTML. */
export type Html = HtmlEscapedString;

/**
 * The escaping template. Hono types its result as possibly a Promise (for async children); these
 * templates never interpolate a Promise, so the result is always the string itself.
 */
export const html = (strings: TemplateStringsArray, ...values: unknown[]): Html => honoHtml(strings, ...values) as Html;

/** The other language. */
export const otherLang = (lang: Lang): Lang => (lang === 'ja' ? 'en' : 'ja');

/** A plan text in `lang` (the plan always has both). */
export const loc = (l: Localized, lang: Lang): string => l[lang];

/** A status badge: the word, and a class for its colour (never colour alone). */
export function statusBadge(lang: Lang, s: MilestoneStatus): Html {
  return html`<span class="badge badge-${s}" data-status="${s}">${statusWord(lang, s)}</span>`;
}

/** A date or "none". */
export const dateCell = (lang: Lang, d: string | null | undefined): Html =>
  d ? html`<time datetime="${d}">${d}</time>` : html`<span class="muted">${t(lang, 'none')}</span>`;

/** Problems from the workflows, in both languages (the page's first). */
export function problemList(lang: Lang, problems: readonly Problem[]): Html {
  const other = otherLang(lang);
  return html`<ul class="problems" data-testid="problems">
    ${problems.map(
      (p) =>
        html`<li data-path="${p.path}">
          <span lang="${lang}">${p[lang]}</span><br /><span class="muted" lang="${other}">${p[other]}</span>
        </li>`,
    )}
  </ul>`;
}

/** What the layout needs beyond the page's body. */
export interface LayoutOptions {
  lang: Lang;
  title: string;
  /** The request's path and query, for the language links. */
  path: string;
  /** The signed-in person, with the logout form's CSRF token. */
  session?: { person: string; name: string; program: string; csrf: string };
  testid: string;
}

/** The path with `lang=<l>` set in its query. */
export function withLang(path: string, l: Lang): string {
  const u = new URL(path, 'http://x');
  u.searchParams.set('lang', l);
  return `${u.pathname}${u.search}`;
}

/** The whole page around `body`. */
export function layout(o: LayoutOptions, body: Html): Html {
  const { lang, session } = o;
  const nav = session
    ? html`<nav aria-label="${t(lang, 'navProgram')}">
        <ul class="nav">
          <li><a href="/p/${session.program}" data-testid="nav-program">${t(lang, 'navProgram')}</a></li>
          <li><a href="/p/${session.program}/approvals" data-testid="nav-approvals">${t(lang, 'navApprovals')}</a></li>
        </ul>
      </nav>`
    : '';
  const who = session
    ? html`<form method="post" action="/logout" class="logout" data-testid="logout-form">
        <span>${t(lang, 'signedInAs')}: <strong data-testid="signed-in-as">${session.name}</strong></span>
        <input type="hidden" name="csrf" value="${session.csrf}" />
        <button type="submit" data-testid="logout">${t(lang, 'logout')}</button>
      </form>`
    : '';
  return html`<!doctype html>
    <html lang="${lang}">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="referrer" content="no-referrer" />
        <title>${o.title} — ${t(lang, 'appName')}</title>
        <link rel="stylesheet" href="/static/app.css" />
      </head>
      <body>
        <a class="skip" href="#main">${t(lang, 'skip')}</a>
        <header class="top">
          <span class="brand">${t(lang, 'appName')}</span>
          ${nav}
          <div class="tools">
            ${who}
            <ul class="langs" aria-label="${t(lang, 'language')}">
              <li>
                <a
                  href="${withLang(o.path, 'ja')}"
                  lang="ja"
                  hreflang="ja"
                  data-testid="lang-ja"
                  ${lang === 'ja' ? html`aria-current="true"` : ''}
                  >日本語</a
                >
              </li>
              <li>
                <a
                  href="${withLang(o.path, 'en')}"
                  lang="en"
                  hreflang="en"
                  data-testid="lang-en"
                  ${lang === 'en' ? html`aria-current="true"` : ''}
                  >English</a
                >
              </li>
            </ul>
          </div>
        </header>
        <main id="main" tabindex="-1" data-testid="${o.testid}">${body}</main>
      </body>
    </html>`;
}
