/**
 * The one stylesheet, served as `/static/app.css` (the Content-Security-Policy allows no inline
 * style). Mobile first: one column, wide tables scroll inside their box; colours meet WCAG AA contrast
 * on white, and statuses are always words too, never colour alone.
 */
export const APP_CSS = `
:root { --fg: #1a1a1a; --muted: #555; --line: #c8c8c8; --accent: #0b4f9c; --bg: #fff; --soft: #f3f5f8; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; font: 16px/1.6 system-ui, -apple-system, "Hiragino Sans", "Noto Sans CJK JP", "Yu Gothic", sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
a:focus, button:focus, input:focus, textarea:focus, main:focus-visible { outline: 3px solid #f5a623; outline-offset: 2px; }
.skip { position: absolute; left: -9999px; top: 0; background: #fff; padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: .5rem; }
.top { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; padding: .75rem 1rem; border-bottom: 1px solid var(--line); background: var(--soft); }
.brand { font-weight: 700; }
.nav, .langs { list-style: none; display: flex; gap: 1rem; margin: 0; padding: 0; }
.tools { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; margin-left: auto; }
.logout { display: flex; gap: .5rem; align-items: center; margin: 0; }
.langs a[aria-current] { font-weight: 700; color: var(--fg); text-decoration: none; }
main { padding: 1rem; max-width: 72rem; margin: 0 auto; }
h1 { font-size: 1.5rem; line-height: 1.3; margin: .5rem 0 1rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .75rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .5rem; }
.muted { color: var(--muted); }
.scroll { overflow-x: auto; -webkit-overflow-scrolling: touch; border: 1px solid var(--line); border-radius: 4px; margin: .5rem 0 1rem; }
table { border-collapse: collapse; width: 100%; min-width: 36rem; }
th, td { text-align: left; vertical-align: top; padding: .4rem .6rem; border-bottom: 1px solid var(--line); }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
caption { text-align: left; padding: .4rem .6rem; font-weight: 600; }
dl.dates { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: .5rem 0 1rem; }
dl.dates dt { font-weight: 600; }
dl.dates dd { margin: 0; }
.badge { display: inline-block; padding: 0 .5rem; border-radius: 1rem; border: 1px solid currentColor; font-size: .9rem; white-space: nowrap; }
.badge-overdue { color: #a30000; background: #fff0f0; }
.badge-at-risk { color: #7a4b00; background: #fff7e6; }
.badge-on-track { color: #1d5e20; background: #eefaef; }
.badge-done { color: #1a1a1a; background: #eef1f5; }
.badge-cancelled { color: #555; background: #f4f4f4; }
.badge-awaiting-verification { color: #3b2a8a; background: #f2effc; }
form.card, section.card { border: 1px solid var(--line); border-radius: 6px; padding: 1rem; margin: 1rem 0; background: #fff; }
label { display: block; font-weight: 600; margin: .75rem 0 .25rem; }
input[type=email], input[type=date], input[type=text], textarea { width: 100%; max-width: 32rem; font: inherit; padding: .5rem; border: 1px solid #767676; border-radius: 4px; }
textarea { min-height: 6rem; }
button { font: inherit; padding: .5rem 1rem; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; min-height: 44px; white-space: nowrap; }
button.secondary { background: #fff; color: var(--accent); }
.actions { display: flex; flex-wrap: wrap; gap: .75rem; margin-top: 1rem; }
.notice { border-left: 4px solid var(--accent); background: var(--soft); padding: .75rem 1rem; margin: 1rem 0; }
.notice.bad { border-color: #a30000; background: #fff0f0; }
.problems { margin: .5rem 0; padding-left: 1.25rem; }
.timeline img { max-width: 100%; height: auto; }
pre.draft { white-space: pre-wrap; word-break: break-word; background: var(--soft); padding: .75rem; border-radius: 4px; max-height: 30rem; overflow: auto; }
@media (max-width: 40rem) { .tools { margin-left: 0; } h1 { font-size: 1.3rem; } }
`;
