/**
 * The words of a notification email: subject, plain text and HTML, in Japanese or English. Pure: the
 * same payload and language always render the same message, so a retried send is byte-identical.
 */
import { daysBetween, weekday, type LocalDate } from '../domain/dates';
import type { NotificationPayload, Recipient } from '../domain/model';
import type { Lang } from '../domain/plan';

/** A rendered email. */
export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

/** One block of a message; text and HTML are both rendered from the same blocks, so they cannot drift apart. */
type Block =
  | { kind: 'p'; text: string; strong?: boolean }
  | { kind: 'facts'; rows: Array<[label: string, value: string]> }
  | { kind: 'h'; text: string }
  | { kind: 'cmd'; label: string; command: string }
  | { kind: 'link'; label: string; text: string; href: string };

/**
 * The web links of one reader's email (src/links.ts): the signed action links when the reader is the
 * milestone's responsible person, and the measure's page (behind sign-in) for everyone.
 */
export interface MessageLinks {
  actions?: { complete: string; forecast: string; replan: string };
  measure: string;
}

interface Doc {
  /** The kind of message, e.g. `Escalation level 2` (the HTML eyebrow; the subject carries its own tag). */
  label: string;
  headline: string;
  blocks: Block[];
  footer: string[];
}

/** Everything the two languages' copy needs, computed once. */
interface Ctx {
  p: NotificationPayload;
  lang: Lang;
  program: string;
  measure: string;
  milestone: string;
  /** Calendar days from the notification date to the due date: negative when overdue. */
  days: number;
  date: (d: LocalDate) => string;
  /** The recipients of this language's email. */
  group: Recipient[];
  /** Whose id the commands carry: the responsible person when they read this email, else its first reader. */
  actor: { id: string; name: string };
  others: Recipient[];
  commands: { complete: string; forecast: string; replan: string };
  links?: MessageLinks;
}

const WEEKDAYS: Record<Lang, readonly string[]> = {
  ja: ['月', '火', '水', '木', '金', '土', '日'],
  en: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'],
};

/** A date with its weekday: `2025-03-31（月）` in Japanese, `Mon 2025-03-31` in English. */
function formatDate(date: LocalDate, lang: Lang): string {
  const day = WEEKDAYS[lang][weekday(date) - 1] ?? '';
  return lang === 'ja' ? `${date}（${day}）` : `${day} ${date}`;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Plan titles may contain line breaks; a subject line and an address name must not. */
function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim();
}

/** The literal commands that act on the milestone, for person `as`. */
function milestoneCommands(p: NotificationPayload, as: string): Ctx['commands'] {
  const target = `${p.measure.id}/${p.milestone.id}`;
  const tail = `--as ${as} --program ${p.program.id}`;
  return {
    complete: `remediate milestone complete ${target} --evidence "<ticket or URL>" ${tail}`,
    forecast: `remediate milestone forecast ${target} --date YYYY-MM-DD ${tail}`,
    replan: `remediate milestone replan ${target} --date YYYY-MM-DD --reason "<reason>" ${tail}`,
  };
}

function context(p: NotificationPayload, lang: Lang, personal?: Personal): Ctx {
  const links = personal?.links;
  const group = p.recipients.filter((r) => (personal ? r.id === personal.reader : r.lang === lang));
  const actor = group.find((r) => r.id === p.owner.id) ?? group[0] ?? p.owner;
  return {
    p,
    lang,
    program: oneLine(p.program.title[lang]),
    measure: oneLine(p.measure.title[lang]),
    milestone: oneLine(p.milestone.title[lang]),
    days: daysBetween(p.notifyDate, p.milestone.due),
    date: (d) => formatDate(d, lang),
    group,
    actor: { id: actor.id, name: actor.name },
    others: group.filter((r) => r.id !== actor.id),
    commands: milestoneCommands(p, actor.id),
    ...(links ? { links } : {}),
  };
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** English list: `A`, `A and B`, `A, B and C`. */
function andList(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}

function japanese(c: Ctx): { subject: string; doc: Doc } {
  const { p, days, date } = c;
  const n = p.notification;
  const ms = p.milestone;
  const sama = (names: readonly string[]) => (names.length ? names.map((x) => `${x} 様`).join('、') : '（送信先なし）');
  const level = `エスカレーション L${n.level}${n.repeat ? '・再通知' : ''}${n.catchUp ? '・追送' : ''}`;
  const tag = n.kind === 'reminder' ? '【リマインド】' : `【${level}】`;
  const clause =
    days > 0
      ? `の期限は ${date(ms.due)}です（あと ${days} 日）`
      : days === 0
        ? `の期限は本日 ${date(ms.due)}です`
        : `が期限超過です（期限 ${date(ms.due)}、${-days} 日超過）`;
  const headline = `${c.measure}「${c.milestone}」${clause}`;
  const where = `プログラム「${c.program}」の施策「${c.measure}」について、マイルストーン「${c.milestone}」`;

  const intro: Block[] = [{ kind: 'p', text: c.group.length ? sama(c.group.map((r) => r.name)) : 'ご担当者様' }];
  if (days > 0) {
    intro.push({
      kind: 'p',
      text: `${where}の期限 ${date(ms.due)}まで、あと ${days} 日となりましたのでお知らせいたします。完了しましたら、下記の手順で完了の登録をお願いいたします。`,
    });
  } else if (days === 0) {
    intro.push({
      kind: 'p',
      text: `${where}は、本日 ${date(ms.due)}が期限です。完了している場合は、本日中に完了の登録をお願いいたします。`,
    });
  } else {
    intro.push({
      kind: 'p',
      strong: true,
      text: `${where}は、期限の ${date(ms.due)}を過ぎても完了が登録されておらず、${-days} 日超過しています。エスカレーション（レベル ${n.level}）として関係者の皆様にお知らせいたします。至急、完了の登録、または完了見込み日の登録・再計画の申請をお願いいたします。`,
    });
  }
  if (n.repeat)
    intro.push({
      kind: 'p',
      text: '本メールは最終レベルのエスカレーションの再通知です。完了が登録されるまで、定期的にお送りします。',
    });
  if (n.catchUp)
    intro.push({
      kind: 'p',
      text: '本メールは、追跡の開始時点で既に送信予定日を過ぎていたエスカレーションを、開始後に 1 回だけお送りするものです。',
    });

  const facts: Array<[string, string]> = [
    ['プログラム', `${c.program}（${p.program.id}）`],
    ['施策', `${c.measure}（${p.measure.id}）`],
    ['マイルストーン', `${c.milestone}（${ms.id}）`],
    ['期限', date(ms.due)],
    days >= 0 ? ['残り日数', days === 0 ? '本日が期限' : `${days} 日`] : ['超過日数', `${-days} 日`],
  ];
  if (ms.originalDue !== ms.due) facts.push(['当初期限（当局に約束した期限）', date(ms.originalDue)]);
  if (ms.forecast) facts.push(['完了見込み日（担当者の見込み）', date(ms.forecast)]);
  facts.push(['責任者', `${p.owner.name} 様`], ['送信先', sama(p.recipients.map((r) => r.name))]);

  const next = p.next;
  const nextText = !next
    ? 'このマイルストーンについて、これ以降の通知の予定はありません。'
    : next.kind === 'reminder'
      ? `${date(next.date)}に、${sama(next.to)}へリマインドをお送りします。`
      : `${date(next.date)}に、エスカレーション（レベル ${next.level}）として ${sama(next.to)}へ通知します。`;

  const others = c.others.length
    ? `ほかの方は --as にご自身の ID を指定してください（${c.others.map((r) => `${r.name} 様: ${r.id}`).join('、')}）。`
    : '';
  return {
    subject: `${tag}${headline}`,
    doc: {
      label: n.kind === 'reminder' ? 'リマインド' : level,
      headline,
      blocks: [
        ...intro,
        { kind: 'facts', rows: facts },
        { kind: 'h', text: '対応がない場合' },
        { kind: 'p', text: nextText },
        { kind: 'p', text: '完了が登録されると、このマイルストーンのリマインドとエスカレーションは停止します。' },
        ...webBlocks(c.links, {
          heading: 'ブラウザで対応する',
          complete: ['完了を登録する（証跡を添えて）', '完了を登録'],
          forecast: ['完了見込み日を登録する', '見込み日を登録'],
          replan: ['期限の変更を申請する', '再計画を申請'],
          measure: ['施策のページを見る（サインインが必要です）', '施策のページ'],
          note: 'リンクはあなた専用で、1 回だけ使えます（有効期限 14 日）。転送しないでください。',
        }),
        { kind: 'h', text: c.links ? 'コマンドで対応する' : '対応方法' },
        {
          kind: 'cmd',
          label: '完了した場合は、証跡（チケット番号または URL）を添えて完了を登録してください。',
          command: c.commands.complete,
        },
        {
          kind: 'cmd',
          label: '期限に間に合わない見込みの場合は、完了見込み日を登録してください（期限そのものは変わりません）。',
          command: c.commands.forecast,
        },
        {
          kind: 'cmd',
          label:
            '期限の変更が必要な場合は、理由を添えて再計画を申請してください。プログラム管理者以外からの申請は、プログラム管理者の承認をもって有効になります。当初期限は変更履歴とともに記録に残ります。',
          command: c.commands.replan,
        },
        {
          kind: 'p',
          text: `上記のコマンドは ${c.actor.name} 様（ID: ${c.actor.id}）が実行する形で記載しています。${others}完了と完了見込み日の登録は、マイルストーンの担当者、施策の責任者、またはプログラム管理者が行えます。`,
        },
      ],
      footer: ['このメールは remediation-tracker から自動送信されています。', `通知キー: ${n.key}（${p.atIso}）`],
    },
  };
}

function english(c: Ctx): { subject: string; doc: Doc } {
  const { p, days, date } = c;
  const n = p.notification;
  const ms = p.milestone;
  const names = (list: readonly string[]) => (list.length ? andList(list) : 'nobody');
  const level = `Escalation level ${n.level}${n.repeat ? ', repeat' : ''}${n.catchUp ? ', catch-up' : ''}`;
  const tag = n.kind === 'reminder' ? '[Reminder]' : `[${level}]`;
  const clause =
    days > 0
      ? `is due ${date(ms.due)} (in ${plural(days, 'day', 'days')})`
      : days === 0
        ? `is due today, ${date(ms.due)}`
        : `has been overdue since ${date(ms.due)} (${plural(-days, 'day', 'days')})`;
  const headline = `${c.measure} – "${c.milestone}" ${clause}`;
  const what = `the milestone "${c.milestone}" of the measure "${c.measure}" in the program "${c.program}"`;

  const intro: Block[] = [
    { kind: 'p', text: c.group.length ? `Dear ${andList(c.group.map((r) => r.name))},` : 'Hello,' },
  ];
  if (days > 0) {
    intro.push({
      kind: 'p',
      text: `This is a reminder that ${what} is due on ${date(ms.due)}, in ${plural(days, 'day', 'days')}. Once it is done, please record the completion as shown below.`,
    });
  } else if (days === 0) {
    intro.push({
      kind: 'p',
      text: `This is a reminder that ${what} is due today, ${date(ms.due)}. If it is done, please record the completion today as shown below.`,
    });
  } else {
    intro.push({
      kind: 'p',
      strong: true,
      text: `${what.charAt(0).toUpperCase()}${what.slice(1)} was due on ${date(ms.due)} and has not been recorded as completed: it is now ${plural(-days, 'day', 'days')} overdue. This is escalation level ${n.level}, sent to everyone concerned. Please record the completion, or a forecast or re-plan, as soon as possible.`,
    });
  }
  if (n.repeat)
    intro.push({
      kind: 'p',
      text: 'This repeats the last escalation level. It is sent again at regular intervals until the milestone is recorded as completed.',
    });
  if (n.catchUp)
    intro.push({
      kind: 'p',
      text: 'Tracking started after this escalation was due, so it is sent once now, at the first notification time after the start.',
    });

  const facts: Array<[string, string]> = [
    ['Program', `${c.program} (${p.program.id})`],
    ['Measure', `${c.measure} (${p.measure.id})`],
    ['Milestone', `${c.milestone} (${ms.id})`],
    ['Due date', date(ms.due)],
    days >= 0
      ? ['Time left', days === 0 ? 'due today' : plural(days, 'day', 'days')]
      : ['Overdue by', plural(-days, 'day', 'days')],
  ];
  if (ms.originalDue !== ms.due) facts.push(['Original due date (committed to the regulator)', date(ms.originalDue)]);
  if (ms.forecast) facts.push(["Forecast (the owner's estimate)", date(ms.forecast)]);
  facts.push(['Responsible', p.owner.name], ['Sent to', names(p.recipients.map((r) => r.name))]);

  const next = p.next;
  const nextText = !next
    ? 'No further notification is scheduled for this milestone.'
    : next.kind === 'reminder'
      ? `On ${date(next.date)}, a reminder goes to ${names(next.to)}.`
      : `On ${date(next.date)}, escalation level ${next.level} goes to ${names(next.to)}.`;

  const others = c.others.length
    ? ` Others use their own person id with --as (${c.others.map((r) => `${r.name}: ${r.id}`).join(', ')}).`
    : '';
  return {
    subject: `${tag} ${headline}`,
    doc: {
      label: n.kind === 'reminder' ? 'Reminder' : level,
      headline,
      blocks: [
        ...intro,
        { kind: 'facts', rows: facts },
        { kind: 'h', text: 'If nothing is done' },
        { kind: 'p', text: nextText },
        { kind: 'p', text: 'Reminders and escalations for this milestone stop as soon as its completion is recorded.' },
        ...webBlocks(c.links, {
          heading: 'Act in your browser',
          complete: ['Record the completion, with evidence', 'Mark done'],
          forecast: ['Record a forecast date', 'Set a forecast'],
          replan: ['Ask for a new due date', 'Ask for a new date'],
          measure: ["See the measure's page (sign-in needed)", 'Measure page'],
          note: 'These links are yours alone and act once (they expire after 14 days): please do not forward this email.',
        }),
        { kind: 'h', text: c.links ? 'Act from the command line' : 'How to act' },
        {
          kind: 'cmd',
          label: 'If it is done, record the completion with evidence (a ticket number or URL):',
          command: c.commands.complete,
        },
        {
          kind: 'cmd',
          label: 'If it will be late, record a forecast date (the due date itself does not change):',
          command: c.commands.forecast,
        },
        {
          kind: 'cmd',
          label:
            'If the due date must change, request a re-plan with a reason. A re-plan requested by anyone other than a program manager takes effect only once a program manager approves it; the original due date stays on record:',
          command: c.commands.replan,
        },
        {
          kind: 'p',
          text: `The commands are written for ${c.actor.name} (person id ${c.actor.id}).${others} Completions and forecasts may be recorded by the milestone owner, the measure owner or a program manager.`,
        },
      ],
      footer: ['Sent automatically by remediation-tracker.', `Notification key: ${n.key} (${p.atIso})`],
    },
  };
}

/** The blocks of the web links, in the reader's words; none without links. */
function webBlocks(
  links: MessageLinks | undefined,
  w: {
    heading: string;
    complete: [string, string];
    forecast: [string, string];
    replan: [string, string];
    measure: [string, string];
    note: string;
  },
): Block[] {
  if (!links) return [];
  const out: Block[] = [{ kind: 'h', text: w.heading }];
  if (links.actions) {
    const a = links.actions;
    out.push(
      { kind: 'link', label: w.complete[0], text: w.complete[1], href: a.complete },
      { kind: 'link', label: w.forecast[0], text: w.forecast[1], href: a.forecast },
      { kind: 'link', label: w.replan[0], text: w.replan[1], href: a.replan },
      { kind: 'p', text: w.note },
    );
  }
  out.push({ kind: 'link', label: w.measure[0], text: w.measure[1], href: links.measure });
  return out;
}

function toText(doc: Doc, lang: Lang): string {
  const out: string[] = [doc.headline, ''];
  for (const b of doc.blocks) {
    if (b.kind === 'p') out.push(b.text, '');
    else if (b.kind === 'h') out.push(lang === 'ja' ? `■ ${b.text}` : `== ${b.text} ==`, '');
    else if (b.kind === 'cmd') out.push(b.label, `    ${b.command}`, '');
    else if (b.kind === 'link') out.push(`${b.label}:`, `    ${b.href}`, '');
    else out.push(...b.rows.map(([k, v]) => `${k}: ${v}`), '');
  }
  out.push('--', ...doc.footer);
  return `${out.join('\n')}\n`;
}

const FONT =
  "-apple-system,BlinkMacSystemFont,'Segoe UI','Hiragino Sans','Hiragino Kaku Gothic ProN',Meiryo,Arial,sans-serif";
const MONO = "Consolas,Menlo,'Courier New',monospace";

function toHtml(doc: Doc, lang: Lang, subject: string, urgent: boolean): string {
  const e = escapeHtml;
  // Contrast of both accents on white is above WCAG AA (4.5:1); the label says the same in words.
  const accent = urgent ? '#b42318' : '#0b5cad';
  const body = doc.blocks.map((b) => {
    if (b.kind === 'p') {
      return b.strong
        ? `<p style="margin:0 0 16px;padding:12px 16px;border-left:4px solid ${accent};background:#fdf3f2;font-weight:bold;">${e(b.text)}</p>`
        : `<p style="margin:0 0 16px;">${e(b.text)}</p>`;
    }
    if (b.kind === 'h')
      return `<h2 style="margin:28px 0 12px;font-size:17px;line-height:1.4;color:#1f2328;">${e(b.text)}</h2>`;
    if (b.kind === 'link')
      return `<p style="margin:0 0 6px;">${e(b.label)}</p>\n<p style="margin:0 0 18px;"><a href="${e(b.href)}" style="display:inline-block;padding:10px 18px;background:${accent};color:#ffffff;border-radius:6px;text-decoration:none;font-weight:bold;">${e(b.text)}</a></p>`;
    if (b.kind === 'cmd') {
      return `<p style="margin:0 0 6px;">${e(b.label)}</p>\n<pre style="margin:0 0 18px;padding:10px 12px;background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;white-space:pre-wrap;word-break:break-all;font-family:${MONO};font-size:13px;line-height:1.5;color:#1f2328;"><code>${e(b.command)}</code></pre>`;
    }
    const rows = b.rows
      .map(
        ([k, v]) =>
          `<tr><th scope="row" style="text-align:left;vertical-align:top;padding:6px 16px 6px 0;font-weight:normal;color:#57606a;border-bottom:1px solid #eaeef2;">${e(k)}</th><td style="vertical-align:top;padding:6px 0;border-bottom:1px solid #eaeef2;">${e(v)}</td></tr>`,
      )
      .join('\n');
    return `<table style="border-collapse:collapse;width:100%;margin:8px 0 8px;font-size:15px;">\n${rows}\n</table>`;
  });
  return [
    '<!DOCTYPE html>',
    `<html lang="${lang}">`,
    `<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(subject)}</title></head>`,
    '<body style="margin:0;padding:0;background:#f4f5f7;">',
    `<div role="article" aria-label="${e(subject)}" lang="${lang}" style="max-width:640px;margin:0 auto;padding:24px;background:#ffffff;color:#1f2328;font-family:${FONT};font-size:16px;line-height:1.7;">`,
    `<p style="margin:0 0 8px;font-size:13px;font-weight:bold;color:${accent};">${e(doc.label)}</p>`,
    `<h1 style="margin:0 0 20px;font-size:20px;line-height:1.4;">${e(doc.headline)}</h1>`,
    ...body,
    `<hr style="border:none;border-top:1px solid #d0d7de;margin:28px 0 12px;">`,
    ...doc.footer.map((f) => `<p style="margin:0 0 4px;font-size:12px;color:#57606a;">${e(f)}</p>`),
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** Renders the email for the recipients of `p` who read `lang`: subject, plain text and HTML with the same content. */
/** A personal email: to one reader (a recipient's id), with that reader's web links. */
export interface Personal {
  reader: string;
  links: MessageLinks;
}

/**
 * Renders the email for the recipients of `p` who read `lang` (or, `personal`, for one reader with
 * their web links): subject, plain text and HTML with the same content.
 */
export function renderNotification(p: NotificationPayload, lang: Lang, personal?: Personal): RenderedMessage {
  const c = context(p, lang, personal);
  const { subject, doc } = lang === 'ja' ? japanese(c) : english(c);
  return { subject: oneLine(subject), text: toText(doc, lang), html: toHtml(doc, lang, subject, c.days < 0) };
}
