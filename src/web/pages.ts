/**
 * The pages of the web (design section 10), as functions of what the routes read: no Temporal, no
 * request here. Every interpolation is escaped (see html.ts); every input has a label, every form and
 * button a stable accessible name and a `data-testid`.
 */
import { detailsText, historyOmitted, historyRecords, type HistoryRecord } from '../domain/history';
import { own } from '../domain/limits';
import type { MeasureState } from '../domain/model';
import type { Lang, Person } from '../domain/plan';
import type { Problem } from '../domain/problems';
import type { PublicChange, PublicProgram } from '../domain/reports/public';
import type { ReportDeadline } from '../domain/report-track';
import type { UpdateRecord } from '../domain/rollup';
import type { MilestoneStatus } from '../domain/status';
import type { MeasureView, MilestoneView } from '../domain/view';
import type { ActionLink, LinkAction } from '../links';
import {
  dateCell,
  html,
  layout,
  loc,
  otherLang,
  problemList,
  statusBadge,
  type Html,
  type LayoutOptions,
} from './html';
import { t, type Word } from './words';

/** People by id, for names. */
export type People = Readonly<Record<string, Person>>;

/** `Name (id)`, or the id alone when the person is unknown. */
export function personName(people: People, id: string): string {
  const p = own(people, id);
  return p ? `${p.name} (${id})` : id;
}

type Base = Omit<LayoutOptions, 'title' | 'testid'>;

/** A page of one message (a refusal, a confirmation). */
export function messagePage(
  o: Base,
  m: {
    title: string;
    text: string;
    /** The same text in the other language (refusals of links, whose reader the web may not know). */
    alt?: string;
    testid: string;
    bad?: boolean;
    extra?: Html;
    problems?: readonly Problem[];
  },
): Html {
  return layout(
    { ...o, title: m.title, testid: m.testid },
    html`<h1>${m.title}</h1>
      <div class="notice${m.bad ? ' bad' : ''}" role="${m.bad ? 'alert' : 'status'}" data-testid="${m.testid}-message">
        <p>${m.text}</p>
        ${m.alt ? html`<p lang="${otherLang(o.lang)}">${m.alt}</p>` : ''}
        ${m.problems?.length ? problemList(o.lang, m.problems) : ''}
      </div>
      ${m.extra ?? ''}`,
  );
}

/** The four dates and the status of a milestone, as a definition list. */
function milestoneDates(lang: Lang, ms: MilestoneView): Html {
  return html`<dl class="dates" data-testid="milestone-dates">
    <dt>${t(lang, 'originalDue')}</dt>
    <dd data-testid="date-original">${dateCell(lang, ms.originalDue)}</dd>
    <dt>${t(lang, 'due')}</dt>
    <dd data-testid="date-due">${dateCell(lang, ms.due)}</dd>
    <dt>${t(lang, 'forecast')}</dt>
    <dd data-testid="date-forecast">${dateCell(lang, ms.forecast)}</dd>
    <dt>${t(lang, 'completedOn')}</dt>
    <dd data-testid="date-completed">${dateCell(lang, ms.completedOn)}</dd>
    <dt>${t(lang, 'status')}</dt>
    <dd data-testid="milestone-status">${statusBadge(lang, ms.status)}</dd>
  </dl>`;
}

/** What an action-link form was sent with, to show again after a problem. */
export interface ActionInput {
  evidence?: string;
  date?: string;
  reason?: string;
}

/** The page of a mailed action link: the measure and milestone, and the link's one form. */
export function actionPage(
  o: Base,
  a: {
    token: string;
    link: ActionLink;
    view: MeasureView;
    milestone: MilestoneView;
    people: People;
    csrf: string;
    zoneNow: string;
    expires: string;
    input?: ActionInput;
    problems?: readonly Problem[];
  },
): Html {
  const { lang } = o;
  const action: LinkAction = a.link.action;
  const heading = t(lang, `action.${action}`);
  const input = a.input ?? {};
  const field = (id: 'evidence' | 'date' | 'reason') => {
    if (id === 'evidence')
      return html`<label for="evidence">${t(lang, 'evidence')}</label>
        <textarea id="evidence" name="evidence" required maxlength="2000" data-testid="evidence">
${input.evidence ?? ''}</textarea>`;
    if (id === 'date')
      return html`<label for="date">${t(lang, 'newDate')}</label>
        <input
          id="date"
          name="date"
          type="date"
          required
          value="${input.date ?? ''}"
          min="${a.zoneNow}"
          data-testid="date"
        />`;
    return html`<label for="reason">${t(lang, 'reason')}</label>
      <textarea id="reason" name="reason" required maxlength="2000" data-testid="reason">
${input.reason ?? ''}</textarea>`;
  };
  const fields =
    action === 'complete'
      ? field('evidence')
      : action === 'forecast'
        ? field('date')
        : [field('date'), field('reason')];
  return layout(
    { ...o, title: heading, testid: 'action-page' },
    html`<h1>${loc(a.view.title, lang)}</h1>
      <p class="muted">${t(lang, 'measure')}: ${a.view.measure}</p>
      <section class="card" aria-labelledby="milestone-heading" data-testid="milestone">
        <h2 id="milestone-heading">${t(lang, 'milestone')}: ${loc(a.milestone.title, lang)}</h2>
        ${milestoneDates(lang, a.milestone)}
        <p>${t(lang, 'owner')}: ${personName(a.people, a.milestone.owner)}</p>
      </section>
      ${
        a.problems?.length
          ? html`<div class="notice bad" role="alert" data-testid="outcome-refused">
              <p>${t(lang, 'refused')}</p>
              ${problemList(lang, a.problems)}
            </div>`
          : ''
      }
      <form
        method="post"
        action="/a/${a.token}"
        class="card"
        aria-labelledby="action-heading"
        data-testid="action-form"
        data-action="${action}"
      >
        <h2 id="action-heading">${heading}</h2>
        <p>${t(lang, 'actingAs')}: <strong data-testid="link-person">${personName(a.people, a.link.person)}</strong></p>
        <input type="hidden" name="csrf" value="${a.csrf}" />
        ${fields}
        <div class="actions">
          <button type="submit" data-testid="submit-action">${t(lang, `submit.${action}`)}</button>
        </div>
        <p class="muted">${t(lang, 'linkExpires')}: ${a.expires}</p>
      </form>`,
  );
}

/** The page after an accepted action-link command. */
export function actionAccepted(o: Base, a: { view: MeasureView; milestone: MilestoneView | null; link: ActionLink }) {
  const { lang } = o;
  return layout(
    { ...o, title: t(lang, 'accepted'), testid: 'action-done' },
    html`<h1>${loc(a.view.title, lang)}</h1>
      <div class="notice" role="status" data-testid="outcome-accepted">
        <p>${t(lang, 'accepted')} ${t(lang, `action.${a.link.action}`)}</p>
      </div>
      ${
        a.milestone
          ? html`<section class="card" aria-labelledby="now-heading">
              <h2 id="now-heading">${t(lang, 'milestoneNow')}: ${loc(a.milestone.title, lang)}</h2>
              ${milestoneDates(lang, a.milestone)}
            </section>`
          : ''
      }
      <p>
        <a href="/p/${a.link.program}/m/${a.link.measure}" data-testid="open-measure">${t(lang, 'openMeasure')}</a>
      </p>`,
  );
}

/** The sign-in form of a program. */
export function loginPage(o: Base, p: { program: string; csrf: string; next: string }): Html {
  const { lang } = o;
  return layout(
    { ...o, title: t(lang, 'signIn'), testid: 'login-page' },
    html`<h1>${t(lang, 'signIn')}: ${p.program}</h1>
      <form
        method="post"
        action="/p/${p.program}/login"
        class="card"
        aria-labelledby="login-heading"
        data-testid="login-form"
      >
        <h2 id="login-heading">${t(lang, 'sendLink')}</h2>
        <p>${t(lang, 'signInIntro')}</p>
        <input type="hidden" name="csrf" value="${p.csrf}" />
        <input type="hidden" name="next" value="${p.next}" />
        <label for="email">${t(lang, 'email')}</label>
        <input id="email" name="email" type="email" required autocomplete="email" maxlength="254" data-testid="email" />
        <div class="actions"><button type="submit" data-testid="login-submit">${t(lang, 'sendLink')}</button></div>
      </form>`,
  );
}

/** The confirmation of a sign-in link: a button, so a mail scanner following the link does not use it up. */
export function loginConfirmPage(o: Base, p: { token: string; csrf: string; next: string; name: string }): Html {
  const { lang } = o;
  return layout(
    { ...o, title: t(lang, 'confirmSignIn'), testid: 'login-confirm-page' },
    html`<h1>${t(lang, 'confirmSignIn')}</h1>
      <form
        method="post"
        action="/login/${p.token}"
        class="card"
        aria-labelledby="confirm-heading"
        data-testid="login-confirm-form"
      >
        <h2 id="confirm-heading">${p.name}</h2>
        <p>${t(lang, 'confirmSignInText')}</p>
        <input type="hidden" name="csrf" value="${p.csrf}" />
        <input type="hidden" name="next" value="${p.next}" />
        <div class="actions"><button type="submit" data-testid="login-confirm">${t(lang, 'signInButton')}</button></div>
      </form>`,
  );
}

const STATUS_ORDER: Record<MilestoneStatus, number> = {
  overdue: 0,
  'at-risk': 1,
  'awaiting-verification': 2,
  'on-track': 3,
  done: 4,
  cancelled: 5,
};

/** Measures with the most urgent first: overdue, at risk, then by next due date and id. */
export function byUrgency(views: readonly MeasureView[]): MeasureView[] {
  return [...views].sort(
    (a, b) =>
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      (a.nextDue ?? '9999').localeCompare(b.nextDue ?? '9999') ||
      a.measure.localeCompare(b.measure),
  );
}

function measureTable(lang: Lang, program: string, views: readonly MeasureView[], people: People, labelledBy: string) {
  return html`<div class="scroll" tabindex="0">
    <table aria-labelledby="${labelledBy}">
      <thead>
        <tr>
          <th scope="col">${t(lang, 'measure')}</th>
          <th scope="col">${t(lang, 'status')}</th>
          <th scope="col">${t(lang, 'nextDue')}</th>
          <th scope="col">${t(lang, 'progress')}</th>
          <th scope="col">${t(lang, 'owner')}</th>
        </tr>
      </thead>
      <tbody>
        ${views.map(
          (v) =>
            html`<tr data-testid="measure-row-${v.measure}">
              <th scope="row"><a href="/p/${program}/m/${v.measure}">${loc(v.title, lang)}</a></th>
              <td>${statusBadge(lang, v.status)}</td>
              <td>${dateCell(lang, v.nextDue)}</td>
              <td>${v.milestones.filter((m) => m.status === 'done').length} / ${v.milestones.length}</td>
              <td>${personName(people, v.owner)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/** The changes since the last published update, in words. */
function changeList(lang: Lang, p: PublicProgram, changes: readonly PublicChange[]): Html {
  const measure = (id: string) => p.measures.find((m) => m.id === id);
  const title = (c: PublicChange) => {
    const m = measure(c.measure);
    const ms = 'milestone' in c ? m?.milestones.find((x) => x.id === c.milestone) : undefined;
    return `${m ? loc(m.title, lang) : c.measure}${ms ? ` — ${loc(ms.title, lang)}` : ''}`;
  };
  const dates = (c: PublicChange) =>
    c.kind === 'completed'
      ? ` (${c.on})`
      : c.kind === 'pulled-forward' || c.kind === 'moved-back'
        ? ` (${c.from} → ${c.to})`
        : c.kind === 'new-milestone'
          ? ` (${c.due})`
          : '';
  return html`<ul data-testid="change-list">
    ${changes.map(
      (c) =>
        html`<li data-kind="${c.kind}"><strong>${t(lang, `change.${c.kind}`)}</strong>: ${title(c)}${dates(c)}</li>`,
    )}
  </ul>`;
}

/** What the program page shows. */
export interface ProgramPageData {
  program: string;
  title: { ja: string; en: string };
  views: MeasureView[];
  people: People;
  timeline: { alt: string } | null;
  changes: { since: string; list: PublicChange[]; projection: PublicProgram } | 'none' | 'unreadable';
  deadlines: ReportDeadline[];
  /** The signed-in person's calendar feed (a signed URL: anyone holding it reads the due dates). */
  calendarUrl: string;
}

/** The program page: measures by directive item, most urgent first; timeline; changes; report deadlines. */
export function programPage(o: Base, d: ProgramPageData): Html {
  const { lang } = o;
  const groups = new Map<string, MeasureView[]>();
  const other: MeasureView[] = [];
  for (const v of byUrgency(d.views)) {
    if (v.directiveItems.length === 0) other.push(v);
    for (const item of new Set(v.directiveItems)) groups.set(item, [...(groups.get(item) ?? []), v]);
  }
  const items = [...groups].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }));
  const sections = items.map(
    ([item, views], i) =>
      html`<section aria-labelledby="item-${i}" data-testid="directive-item" data-item="${item}">
        <h3 id="item-${i}">${t(lang, 'directiveItems')} ${item}</h3>
        ${measureTable(lang, d.program, views, d.people, `item-${i}`)}
      </section>`,
  );
  if (other.length)
    sections.push(
      html`<section aria-labelledby="item-other" data-testid="directive-item" data-item="">
        <h3 id="item-other">${t(lang, 'otherMeasures')}</h3>
        ${measureTable(lang, d.program, other, d.people, 'item-other')}
      </section>`,
    );
  const changes =
    d.changes === 'none'
      ? html`<p>${t(lang, 'noPublished')}</p>`
      : d.changes === 'unreadable'
        ? html`<p>${t(lang, 'baselineMissing')}</p>`
        : html`<p class="muted">${t(lang, 'since')}: ${d.changes.since}</p>
            ${
              d.changes.list.length
                ? changeList(lang, d.changes.projection, d.changes.list)
                : html`<p>${t(lang, 'noChanges')}</p>`
            }`;
  return layout(
    { ...o, title: loc(d.title, lang), testid: 'program-page' },
    html`<h1>${loc(d.title, lang)}</h1>
      <section aria-labelledby="measures-heading" data-testid="measures">
        <h2 id="measures-heading">${t(lang, 'measuresByItem')}</h2>
        ${sections}
      </section>
      <section aria-labelledby="timeline-heading" class="timeline" data-testid="timeline">
        <h2 id="timeline-heading">${t(lang, 'timeline')}</h2>
        ${
          d.timeline
            ? html`<img src="/p/${d.program}/timeline.svg?lang=${lang}" alt="${t(lang, 'timeline')}" width="960" />
                <details>
                  <summary>${t(lang, 'timelineText')}</summary>
                  <pre class="draft">${d.timeline.alt}</pre>
                </details>`
            : html`<p>${t(lang, 'none')}</p>`
        }
      </section>
      <section aria-labelledby="changes-heading" data-testid="changes">
        <h2 id="changes-heading">${t(lang, 'changes')}</h2>
        ${changes}
      </section>
      <section aria-labelledby="reports-heading" data-testid="report-deadlines">
        <h2 id="reports-heading">${t(lang, 'reportDeadlines')}</h2>
        ${
          d.deadlines.length
            ? html`<div class="scroll" tabindex="0">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">${t(lang, 'report')}</th>
                      <th scope="col">${t(lang, 'due')}</th>
                      <th scope="col">${t(lang, 'submittedOn')}</th>
                      <th scope="col">${t(lang, 'outcome')}</th>
                      <th scope="col">${t(lang, 'owner')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${d.deadlines.map(
                      (r) =>
                        html`<tr data-testid="report-${r.id}">
                          <th scope="row">${loc(r.title, lang)}</th>
                          <td>${dateCell(lang, r.due)}</td>
                          <td>${dateCell(lang, r.submittedOn)}</td>
                          <td data-outcome="${r.outcome}">${t(lang, `outcome.${r.outcome}`)}</td>
                          <td>${personName(d.people, r.owner)}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
            : html`<p>${t(lang, 'noReports')}</p>`
        }
      </section>
      <section aria-labelledby="calendar-heading" data-testid="calendar">
        <h2 id="calendar-heading">${t(lang, 'calendarHeading')}</h2>
        <p>${t(lang, 'calendarText')}</p>
        <p><a href="${d.calendarUrl}" data-testid="calendar-feed">${t(lang, 'calendarLink')}</a></p>
      </section>`,
  );
}

function historyRow(lang: Lang, r: HistoryRecord, people: People): Html {
  const details =
    r.type === 'action'
      ? detailsText(r.details)
      : r.type === 'decision'
        ? `${r.from} → ${r.to}; ${t(lang, r.decision)}; ${t(lang, 'requestedBy')}: ${personName(people, r.requestedBy)}; ${t(lang, 'reason')}: ${r.reason}`
        : `${t(lang, 'to')}: ${r.to.map((id) => personName(people, id)).join(', ')}${r.failed ? `; failed: ${r.failed}` : ''}`;
  const actor = r.type === 'notification' ? '' : personName(people, r.actor);
  const kind = r.type === 'notification' && r.kind === 'escalation' ? `${r.kind} ${r.level}` : r.kind;
  return html`<tr data-testid="history-row" data-type="${r.type}" data-kind="${r.kind}">
    <td><time>${r.at}</time></td>
    <td>${t(lang, `type.${r.type}`)}</td>
    <td>${kind}</td>
    <td>${r.milestone ?? ''}</td>
    <td data-testid="history-actor">${actor}</td>
    <td data-testid="history-details">${details}</td>
  </tr>`;
}

/** The measure page: milestones with the four dates, change log, history, dependencies both ways. */
export function measurePage(o: Base, d: { state: MeasureState; view: MeasureView }): Html {
  const { lang } = o;
  const { state, view } = d;
  const people = state.people;
  const program = state.program.id;
  const omitted = historyOmitted(state);
  const records = historyRecords(state);
  const depRows: Html[] = [];
  for (const ms of state.milestones)
    for (const ref of ms.dependsOn) {
      const ext = own(state.external, ref);
      const [m, milestone] = ref.includes('/') ? ref.split('/') : [state.measure.id, ref];
      depRows.push(
        html`<li data-testid="depends-on">
          ${loc(ms.title, lang)} ← <a href="/p/${program}/m/${m}">${m}</a>/${milestone}
          ${ext ? html`(${t(lang, 'due')} ${ext.due}${ext.forecast ? `, ${t(lang, 'forecast')} ${ext.forecast}` : ''}; ${t(lang, ext.done ? 'done' : 'open')})` : ''}
        </li>`,
      );
    }
  const dependents: Html[] = [];
  for (const ms of state.milestones)
    for (const m of own(state.dependents, ms.id) ?? [])
      dependents.push(
        html`<li data-testid="dependent">${loc(ms.title, lang)} → <a href="/p/${program}/m/${m}">${m}</a></li>`,
      );
  return layout(
    { ...o, title: loc(view.title, lang), testid: 'measure-page' },
    html`<h1>${loc(view.title, lang)}</h1>
      <dl class="dates">
        <dt>${t(lang, 'status')}</dt>
        <dd data-testid="measure-status">${statusBadge(lang, view.status)}</dd>
        <dt>${t(lang, 'owner')}</dt>
        <dd>${personName(people, view.owner)}</dd>
        <dt>${t(lang, 'sponsor')}</dt>
        <dd>${view.sponsor ? personName(people, view.sponsor) : t(lang, 'none')}</dd>
        <dt>${t(lang, 'directiveItems')}</dt>
        <dd>${view.directiveItems.join(', ') || t(lang, 'none')}</dd>
      </dl>
      ${
        view.cancelled
          ? html`<p class="notice">
              ${t(lang, 'cancelledBy')}: ${personName(people, view.cancelled.by)} — ${view.cancelled.reason}
            </p>`
          : ''
      }
      <section aria-labelledby="ms-heading" data-testid="milestones">
        <h2 id="ms-heading">${t(lang, 'milestones')}</h2>
        <div class="scroll" tabindex="0">
          <table>
            <thead>
              <tr>
                <th scope="col">${t(lang, 'milestone')}</th>
                <th scope="col">${t(lang, 'originalDue')}</th>
                <th scope="col">${t(lang, 'due')}</th>
                <th scope="col">${t(lang, 'forecast')}</th>
                <th scope="col">${t(lang, 'completedOn')}</th>
                <th scope="col">${t(lang, 'status')}</th>
                <th scope="col">${t(lang, 'owner')}</th>
              </tr>
            </thead>
            <tbody>
              ${view.milestones.map(
                (ms) =>
                  html`<tr data-testid="milestone-${ms.id}">
                    <th scope="row">
                      ${loc(ms.title, lang)}
                      ${
                        ms.pendingReplan
                          ? html`<br /><span class="muted"
                                >${t(lang, 'pendingReplan')}: ${ms.pendingReplan.to}
                                (${personName(people, ms.pendingReplan.requestedBy)})</span
                              >`
                          : ''
                      }
                    </th>
                    <td>${dateCell(lang, ms.originalDue)}</td>
                    <td>${dateCell(lang, ms.due)}</td>
                    <td>${dateCell(lang, ms.forecast)}</td>
                    <td>${dateCell(lang, ms.completedOn)}</td>
                    <td>${statusBadge(lang, ms.status)}</td>
                    <td>${personName(people, ms.owner)}</td>
                  </tr>`,
              )}
            </tbody>
          </table>
        </div>
      </section>
      <section aria-labelledby="log-heading" data-testid="change-log">
        <h2 id="log-heading">${t(lang, 'changeLog')}</h2>
        ${
          state.changeLog.length
            ? html`<div class="scroll" tabindex="0">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">${t(lang, 'milestone')}</th>
                      <th scope="col">${t(lang, 'kind')}</th>
                      <th scope="col">${t(lang, 'from')}</th>
                      <th scope="col">${t(lang, 'to')}</th>
                      <th scope="col">${t(lang, 'reason')}</th>
                      <th scope="col">${t(lang, 'requestedBy')}</th>
                      <th scope="col">${t(lang, 'decidedBy')}</th>
                      <th scope="col">${t(lang, 'decision')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${state.changeLog.map(
                      (c) =>
                        html`<tr data-testid="change-${c.seq}">
                          <td>${c.milestone}</td>
                          <td>${t(lang, c.kind)}</td>
                          <td>${c.from}</td>
                          <td>${c.to}</td>
                          <td>${c.reason}</td>
                          <td>${personName(people, c.requestedBy)}</td>
                          <td>${personName(people, c.decidedBy)}</td>
                          <td>${t(lang, c.decision)}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
            : html`<p>${t(lang, 'none')}</p>`
        }
      </section>
      <section aria-labelledby="dep-heading" data-testid="dependencies">
        <h2 id="dep-heading">${t(lang, 'dependencies')}</h2>
        <h3>${t(lang, 'dependsOn')}</h3>
        ${
          depRows.length
            ? html`<ul>
                ${depRows}
              </ul>`
            : html`<p>${t(lang, 'none')}</p>`
        }
        <h3>${t(lang, 'dependents')}</h3>
        ${
          dependents.length
            ? html`<ul>
                ${dependents}
              </ul>`
            : html`<p>${t(lang, 'none')}</p>`
        }
      </section>
      <section aria-labelledby="history-heading" data-testid="history">
        <h2 id="history-heading">${t(lang, 'history')}</h2>
        <div class="scroll" tabindex="0">
          <table>
            <thead>
              <tr>
                <th scope="col">${t(lang, 'at')}</th>
                <th scope="col">${t(lang, 'type')}</th>
                <th scope="col">${t(lang, 'kind')}</th>
                <th scope="col">${t(lang, 'milestone')}</th>
                <th scope="col">${t(lang, 'actor')}</th>
                <th scope="col">${t(lang, 'details')}</th>
              </tr>
            </thead>
            <tbody>
              ${records.map((r) => historyRow(lang, r, people))}
            </tbody>
          </table>
        </div>
        ${
          omitted.actions + omitted.decisions + omitted.notifications > 0
            ? html`<p class="muted">
                ${t(lang, 'omitted')}: ${omitted.actions} / ${omitted.decisions} / ${omitted.notifications}
              </p>`
            : ''
        }
      </section>`,
  );
}

/** A pending re-plan, with its measure. */
export interface PendingItem {
  measure: MeasureView;
  milestone: MilestoneView;
  requestedBy: string;
  reason: string;
  to: string;
}

/** A draft awaiting a decision, with its text when readable here. */
export interface DraftItem {
  /** The update, at the revision whose text is shown (the one the form decides on). */
  record: UpdateRecord;
  text: string | null;
}

/** The approvals page: re-plans for managers, update drafts for comms (and managers). */
export function approvalsPage(
  o: Base,
  d: {
    program: string;
    person: string;
    managers: readonly string[];
    comms: readonly string[];
    pending: PendingItem[];
    drafts: DraftItem[];
    people: People;
    csrf: string;
  },
): Html {
  const { lang } = o;
  const manager = d.managers.includes(d.person);
  const decidesUpdates = manager || d.comms.includes(d.person);
  const reasonField = (id: string, word: Word) =>
    html`<label for="${id}">${t(lang, word)}</label>
      <textarea id="${id}" name="reason" maxlength="2000" data-testid="reason"></textarea>`;
  const replans = d.pending.map((p, i) => {
    const id = `replan-${p.measure.measure}-${p.milestone.id}`;
    return html`<section class="card" aria-labelledby="${id}-h" data-testid="${id}">
      <h3 id="${id}-h">${loc(p.measure.title, lang)} — ${loc(p.milestone.title, lang)}</h3>
      <dl class="dates">
        <dt>${t(lang, 'due')}</dt>
        <dd>${dateCell(lang, p.milestone.due)}</dd>
        <dt>${t(lang, 'requestedTo')}</dt>
        <dd data-testid="requested-date">${dateCell(lang, p.to)}</dd>
        <dt>${t(lang, 'requestedBy')}</dt>
        <dd>${personName(d.people, p.requestedBy)}</dd>
        <dt>${t(lang, 'reason')}</dt>
        <dd>${p.reason}</dd>
      </dl>
      ${
        manager
          ? html`<form method="post" action="/p/${d.program}/approvals/replan" aria-labelledby="${id}-h">
              <input type="hidden" name="csrf" value="${d.csrf}" />
              <input type="hidden" name="measure" value="${p.measure.measure}" />
              <input type="hidden" name="milestone" value="${p.milestone.id}" />
              <input type="hidden" name="lang" value="${lang}" />
              ${reasonField(`replan-reason-${i}`, 'reasonOptional')}
              <div class="actions">
                <button type="submit" name="decision" value="approve" data-testid="approve-replan">
                  ${t(lang, 'approve')}
                </button>
                <button type="submit" name="decision" value="reject" class="secondary" data-testid="reject-replan">
                  ${t(lang, 'reject')}
                </button>
              </div>
            </form>`
          : ''
      }
    </section>`;
  });
  const drafts = d.drafts.map((u, i) => {
    const id = `update-${u.record.period}`;
    return html`<section class="card" aria-labelledby="${id}-h" data-testid="${id}">
      <h3 id="${id}-h">${t(lang, 'period')} ${u.record.period}</h3>
      <dl class="dates">
        <dt>${t(lang, 'revision')}</dt>
        <dd>${u.record.revision}</dd>
        <dt>${t(lang, 'changeCount')}</dt>
        <dd>${u.record.changes ?? 0}</dd>
      </dl>
      ${
        u.text !== null
          ? html`<details>
              <summary>${t(lang, 'draftText')}</summary>
              <pre class="draft" lang="${lang}">${u.text}</pre>
            </details>`
          : html`<p class="muted">${t(lang, 'draftUnreadable')}</p>`
      }
      ${
        decidesUpdates
          ? html`<form method="post" action="/p/${d.program}/approvals/update" aria-labelledby="${id}-h">
              <input type="hidden" name="csrf" value="${d.csrf}" />
              <input type="hidden" name="period" value="${u.record.period}" />
              <input type="hidden" name="revision" value="${u.record.revision}" />
              <input type="hidden" name="lang" value="${lang}" />
              ${reasonField(`update-reason-${i}`, 'reasonToReject')}
              <div class="actions">
                <button type="submit" name="decision" value="approve" data-testid="approve-update">
                  ${t(lang, 'approve')}
                </button>
                <button type="submit" name="decision" value="reject" class="secondary" data-testid="reject-update">
                  ${t(lang, 'reject')}
                </button>
              </div>
            </form>`
          : ''
      }
    </section>`;
  });
  return layout(
    { ...o, title: t(lang, 'approvals'), testid: 'approvals-page' },
    html`<h1>${t(lang, 'approvals')}</h1>
      <section aria-labelledby="replans-heading" data-testid="replans">
        <h2 id="replans-heading">${t(lang, 'replans')}</h2>
        ${manager ? '' : html`<p class="muted">${t(lang, 'managersDecide')}</p>`}
        ${replans.length ? replans : html`<p>${t(lang, 'noReplans')}</p>`}
      </section>
      <section aria-labelledby="drafts-heading" data-testid="drafts">
        <h2 id="drafts-heading">${t(lang, 'updates')}</h2>
        ${decidesUpdates ? '' : html`<p class="muted">${t(lang, 'commsDecide')}</p>`}
        ${drafts.length ? drafts : html`<p>${t(lang, 'noDrafts')}</p>`}
      </section>`,
  );
}
