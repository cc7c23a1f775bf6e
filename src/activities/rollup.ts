/**
 * The roll-up's activities: compiling a progress update from one paged visibility listing of the
 * program's measures (their memo snapshots), mailing the draft to comms (and the confidential
 * regulator report to the managers), and publishing the approved revision as a static site.
 *
 * The documents are kept outside the workflow history (the claim-check pattern): each revision is a
 * directory `<varDir>/updates/<program>/<period>/r<n>/`, and the workflow holds the sha256 of every
 * file, so what is mailed and published is byte for byte what was compiled and approved.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { ApplicationFailure, type Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { escapeHtml } from '../domain/reports/public';
import type { MeasureState } from '../domain/model';
import { MEASURE_QUERY, MEMO, PROGRAM_QUERY, programWorkflowId, runningMeasuresQuery } from '../domain/names';
import type { Lang } from '../domain/plan';
import { renderSite, type PublishedUpdate } from '../domain/reports/site';
import { PUBLIC_FILES, updateDocuments, updateTitle } from '../domain/reports/update';
import {
  BASELINE_FILE,
  baselineFor,
  comparePeriods,
  type BaselineRef,
  type PublicBaseline,
  recipientsOf,
  reportingState,
  type ProgramState,
  type Revision,
  type UpdateContext,
} from '../domain/rollup';
import { startDataFilesJob, type RenderedFile } from './compile-thread';
import { byLanguage, formatAddress, sha256, type MailTransport, type SentLedger } from './mail';

/** Measures listed per page: memo snapshots are a few KB each, so a page stays far below gRPC's message limit. */
export const LISTING_PAGE_SIZE = 200;

/** A revision as the mail and publish activities get it. */
export type RevisionRef = Revision;

/** What the listing found: the reporting states, and how many had to be queried (no memo snapshot yet). */
export interface Listing {
  states: MeasureState[];
  queried: number;
  pages: number;
}

/** One page of a visibility listing, as the server sends it (memo payloads still encoded). */
type ListingPage = temporal.api.workflowservice.v1.IListWorkflowExecutionsResponse;

/**
 * The pages of a visibility listing of `query`, each asked for while the one before it is decoded:
 * the server's work on page n+1 overlaps the client's on page n.
 */
async function* listingPages(client: Client, query: string, pageSize: number): AsyncGenerator<ListingPage> {
  const ask = (nextPageToken?: Uint8Array) =>
    client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query,
      pageSize,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
  let next: Promise<ListingPage> | undefined = ask();
  while (next) {
    const page: ListingPage = await next;
    const token = page.nextPageToken;
    next = token && token.length > 0 ? ask(token) : undefined;
    // Should the consumer stop early, a failure of the page asked for ahead is nobody's: not unhandled.
    next?.catch(() => undefined);
    yield page;
  }
}

/**
 * Every running measure of `program`, from one paged visibility listing of memo snapshots. Only the
 * memo field the roll-up reads (its reporting state) is decoded, a page at a time through the client's
 * codecs, while the next page is on its way. A measure whose memo has no reporting state yet (a run
 * started before this version, not changed since) is queried instead, so a compile never leaves a
 * measure out.
 */
export async function listReportingStates(
  client: Client,
  program: string,
  pageSize = LISTING_PAGE_SIZE,
  /** Told the states of each page as it is decoded, and the queried ones (not yet sorted). */
  onStates?: (states: MeasureState[]) => void,
): Promise<Listing> {
  const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
  const found = new Map<string, MeasureState | null>();
  let pages = 0;
  for await (const page of listingPages(client, runningMeasuresQuery(program), pageSize)) {
    if (page.executions?.length) pages++;
    const ids: string[] = [];
    let payloads: Payload[] = [];
    for (const wf of page.executions ?? []) {
      const id = wf.execution?.workflowId;
      if (!id) continue;
      const payload = wf.memo?.fields?.[MEMO.report];
      if (payload) {
        ids.push(id);
        payloads.push(payload);
      } else found.set(id, null);
    }
    // Codecs decode in the reverse order of encoding, as the SDK does.
    for (const codec of [...payloadCodecs].reverse()) payloads = await codec.decode(payloads);
    const decoded = payloads.map((payload) => payloadConverter.fromPayload<MeasureState>(payload));
    decoded.forEach((state, i) => found.set(ids[i]!, state));
    onStates?.(decoded);
  }
  const states: MeasureState[] = [];
  let queried = 0;
  for (const [id, state] of found) {
    if (state) states.push(state);
    else {
      queried++;
      const live = reportingState(await client.workflow.getHandle(id).query<MeasureState>(MEASURE_QUERY));
      states.push(live);
      onStates?.([live]);
    }
  }
  states.sort((a, b) => (a.measure.id < b.measure.id ? -1 : a.measure.id > b.measure.id ? 1 : 0));
  return { states, queried, pages: Math.max(1, pages) };
}

async function writeAtomic(file: string, content: string | Uint8Array, mkdir = true): Promise<void> {
  if (mkdir) await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, content);
  await fs.rename(tmp, file);
}

/** Reads the files of a revision, refusing (not retrying) any whose bytes are not the ones compiled. */
async function readRevision(rev: RevisionRef, names: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const expected = rev.files[name];
    if (expected === undefined) throw ApplicationFailure.nonRetryable(`revision ${rev.n} has no file ${name}`);
    const text = await fs.readFile(path.join(rev.dir, name), 'utf8');
    if (sha256(text) !== expected)
      throw ApplicationFailure.nonRetryable(
        `${path.join(rev.dir, name)} is not the file that was compiled (sha256 differs): refusing to send or publish it`,
        'TamperedDraft',
      );
    out[name] = text;
  }
  return out;
}

/**
 * The baseline of the previous published update. Missing or altered, the compile fails (and is retried
 * for a day) rather than tell the public that nothing changed.
 */
async function readBaseline(ref: BaselineRef): Promise<PublicBaseline> {
  let text: string;
  try {
    text = await fs.readFile(ref.file, 'utf8');
  } catch (err) {
    throw new Error(
      `the baseline of the previous published update is missing (${ref.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}): restore it to compile what changed since`,
    );
  }
  if (sha256(text) !== ref.sha256)
    throw new Error(
      `${ref.file} is not the baseline that was published (sha256 differs): restore it to compile what changed since`,
    );
  return JSON.parse(text) as PublicBaseline;
}

/**
 * The most a draft mail carries, body and attachments together, before transfer encoding (base64 adds a
 * third): many relays refuse messages over 10 MB. What does not fit is named in the body, with the
 * folder that holds it.
 */
export const MAIL_MAX_BYTES = 6 * 1024 * 1024;

type Attachment = { filename: string; content: string; contentType: string };

function attachment(program: string, period: string, name: string, content: string): Attachment {
  const contentType = name.endsWith('.csv')
    ? 'text/csv; charset=utf-8'
    : name.endsWith('.json')
      ? 'application/json'
      : name.endsWith('.md')
        ? 'text/markdown; charset=utf-8'
        : 'text/html; charset=utf-8';
  return { filename: `${program}-${period}-${name}`, content, contentType };
}

const FIT_WORDS = {
  tooBig: {
    ja: (dir: string) => `文書が大きいため本文には載せていません。全文はここにあります: ${dir}`,
    en: (dir: string) => `The document is too large for the body of this mail. It is here in full: ${dir}`,
  },
  left: {
    ja: (dir: string, names: string) => `メールに収まらないため添付していないファイル（${dir} にあります）: ${names}`,
    en: (dir: string, names: string) =>
      `Not attached, to keep this mail small enough to deliver (they are in ${dir}): ${names}`,
  },
} as const;

/**
 * A mail of `head` (how to act) and the document `doc` (Markdown as text, HTML as the body), with as
 * many of `attachments` (in order) as fit in `MAIL_MAX_BYTES`; the rest, and the document itself when
 * it alone is too big, are named with the folder `dir` that holds them.
 */
function fitMail(
  lang: Lang,
  subject: string,
  head: string,
  doc: { text: string; html: string },
  attachments: readonly Attachment[],
  dir: string,
): { subject: string; text: string; html: string; attachments: Attachment[] } {
  const size = (t: string) => Buffer.byteLength(t, 'utf8');
  let budget = MAIL_MAX_BYTES - size(head) * 2 - 4096;
  const notes: string[] = [];
  let docText = doc.text;
  let docHtml = doc.html;
  if (size(docText) + size(docHtml) > budget / 2) {
    notes.push(FIT_WORDS.tooBig[lang](dir));
    docText = '';
    docHtml = '';
  }
  budget -= size(docText) + size(docHtml);
  const kept: Attachment[] = [];
  const left: string[] = [];
  for (const a of attachments) {
    const n = size(a.content);
    if (n <= budget) {
      kept.push(a);
      budget -= n;
    } else left.push(a.filename);
  }
  if (left.length) notes.push(FIT_WORDS.left[lang](dir, left.join(', ')));
  const top = [head, ...notes].join('\n\n');
  return {
    subject,
    text: `${top}\n\n${docText}`,
    html: `<!DOCTYPE html><html lang="${lang}"><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body><pre style="white-space:pre-wrap;background:#f6f6f6;padding:0.75rem">${escapeHtml(top)}</pre><hr>${docHtml}</body></html>`,
    attachments: kept,
  };
}

/** The inside of `<main>` of one of our pages. */
function mainOf(html: string): string {
  const m = /<main>([\s\S]*)<\/main>/.exec(html);
  return m?.[1] ?? '';
}

const WORDS = {
  draftSubject: {
    ja: (p: string, period: string, n: number) =>
      `[${p}] 進捗状況のお知らせ ${period} の下書き（第 ${n} 版）: 承認をお願いします`,
    en: (p: string, period: string, n: number) => `[${p}] Progress update ${period}, draft ${n}: please approve`,
  },
  reminderSubject: {
    ja: (p: string, period: string, n: number) =>
      `[${p}] 催促: 進捗状況のお知らせ ${period} の下書き（第 ${n} 版）が承認待ちです`,
    en: (p: string, period: string, n: number) =>
      `[${p}] Reminder: progress update ${period}, draft ${n}, awaits your decision`,
  },
  regulatorSubject: {
    ja: (p: string, period: string) => `[${p}] 【社外秘】規制当局向け報告 ${period}`,
    en: (p: string, period: string) => `[${p}] [Confidential] Regulator report ${period}`,
  },
  // The commands name the revision mailed: a draft compiled again since is refused, not decided on unread.
  act: {
    ja: (ref: string, n: number) =>
      `公開してよければ承認してください:\n  remediate update approve ${ref} --revision ${n} --as <あなたの ID>\n直す必要があれば理由を添えて差し戻してください:\n  remediate update reject ${ref} --revision ${n} --as <あなたの ID> --reason "<理由>"\n添付: 日本語と英語の Markdown と HTML。承認されると var/public/ に公開されます。`,
    en: (ref: string, n: number) =>
      `If it may be published, approve it:\n  remediate update approve ${ref} --revision ${n} --as <your id>\nIf it needs changes, reject it with a reason:\n  remediate update reject ${ref} --revision ${n} --as <your id> --reason "<reason>"\nAttached: the Markdown and HTML in Japanese and English. Once approved it is published under var/public/.`,
  },
  regulator: {
    ja: '規制当局向け報告（社外秘）を添付します。全マイルストーンの当初・現在・見込み・完了日、変更履歴（理由・申請者・決裁者）、遅延と督促段階、依存関係のリスクを含みます。',
    en: 'Attached is the confidential regulator report: every milestone with its original, current, forecast and completion dates, the change log with reasons, requesters and deciders, overdue items with their escalation level, and dependency risks.',
  },
} as const;

/** The roll-up activities, given the mail plumbing and the directory of drafts and the public site. */
export function createRollupActivities(deps: {
  transport: MailTransport;
  ledger: SentLedger;
  from: string;
  varDir: string;
  /** The address the public site is served at (REMEDIATE_PUBLIC_URL): the feed's links are then absolute. */
  publicBaseUrl?: string;
  /** The client to list and query with (default: the worker's, from the activity context). */
  client?: () => Client;
  /**
   * How the measures' reporting states are read (default: `listReportingStates`, a paged visibility
   * listing). The time-skipping test server has no listing: its tests pass the states they know.
   */
  listStates?: typeof listReportingStates;
}) {
  const clientOf = deps.client ?? (() => Context.current().client);
  const listStates = deps.listStates ?? listReportingStates;
  const draftsDir = (program: string, period: string, n: number) =>
    path.join(deps.varDir, 'updates', program, period, `r${n}`);

  async function send(
    key: string,
    to: ReturnType<typeof recipientsOf>,
    lang: Lang,
    msg: {
      subject: string;
      text: string;
      html: string;
      attachments: Array<{ filename: string; content: string; contentType: string }>;
    },
    headers: Record<string, string>,
  ): Promise<boolean> {
    if (await deps.ledger.has(key)) return false;
    await deps.transport.send({
      from: deps.from,
      to: to.map(formatAddress),
      ...msg,
      messageId: `<${sha256(key).slice(0, 32)}@remediation-tracker>`,
      headers: { ...headers, 'Content-Language': lang, 'Auto-Submitted': 'auto-generated' },
    });
    await deps.ledger.add(key);
    return true;
  }

  return {
    /** Compiles revision `revision` of the update of `period`: reads the program and its measures, writes the documents. */
    async compileDraft(input: {
      program: string;
      period: string;
      revision: number;
    }): Promise<{ context: UpdateContext; revision: Revision; listing: { pages: number; queried: number } }> {
      const client = clientOf();
      // The regulator report's data files are rendered on a second thread, fed while the listing runs.
      const job = startDataFilesJob();
      try {
        // The program's state and the measures' listing, one alongside the other.
        const [programState, { states, pages, queried }] = await Promise.all([
          client.workflow.getHandle(programWorkflowId(input.program)).query<ProgramState>(PROGRAM_QUERY),
          listStates(client, input.program, LISTING_PAGE_SIZE, (page) => job.add(page)),
        ]);
        const now = Date.now();
        const p = programState.program;
        const dataFiles = job.render(now, p.directive, programState.reports);
        // Should the pages fail first, the thread's answer is not waited for: not unhandled.
        dataFiles.catch(() => undefined);
        const since = baselineFor(programState, input.period);
        const docs = updateDocuments(
          states,
          now,
          { id: p.id, title: p.title, timezone: p.timezone, directive: p.directive },
          input.period,
          since ? await readBaseline(since.baseline) : null,
          programState.reports,
          { dataFiles: false },
        );
        const dir = draftsDir(input.program, input.period, input.revision);
        const files: Record<string, string> = {};
        await fs.mkdir(dir, { recursive: true });
        // Each file encoded once (hashed and written from the same bytes). The writes start together once
        // the thread's files are there too, so a compile that fails leaves no write running behind it.
        const encoded = (name: string, text: string): RenderedFile => {
          const bytes = Buffer.from(text, 'utf8');
          return { name, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
        };
        const rendered = Object.entries(docs.files).map(([name, text]) => encoded(name, text));
        const all = [...rendered, ...(await dataFiles), encoded(BASELINE_FILE, `${JSON.stringify(docs.baseline)}\n`)];
        for (const f of all) files[f.name] = f.sha256;
        await Promise.all(all.map((f) => writeAtomic(path.join(dir, f.name), f.bytes, false)));
        return {
          context: { program: programState.program, people: programState.people, policy: programState.policy },
          revision: {
            n: input.revision,
            compiledAt: now,
            dir,
            files,
            measures: states.length,
            changes: docs.changes.length,
            since: since?.period ?? null,
          },
          listing: { pages, queried },
        };
      } finally {
        job.drop();
      }
    },

    /**
     * Mails the draft (reminder 0) or a reminder about it to `to`, one message per language with the
     * page as the HTML body and the four public files attached; with the first mail, the managers get
     * the confidential regulator report. Idempotent: each message has a ledger key.
     */
    async mailDraft(input: {
      program: string;
      period: string;
      context: UpdateContext;
      revision: RevisionRef;
      reminder: number;
      to: string[];
    }): Promise<{ sent: number }> {
      const { context: ctx, revision: rev, program, period } = input;
      const files = await readRevision(rev, PUBLIC_FILES);
      const ref = `${program}/${period}`;
      const base = `update/${program}/${period}/r${rev.n}`;
      const headers = { 'X-Remediation-Program': program, 'X-Remediation-Update': ref };
      let sent = 0;
      const publicAttachments = PUBLIC_FILES.map((name) => attachment(program, period, name, files[name] ?? ''));
      for (const [lang, group] of byLanguage(recipientsOf(ctx, [...new Set(input.to)]))) {
        const subject = (input.reminder === 0 ? WORDS.draftSubject : WORDS.reminderSubject)[lang](
          program,
          period,
          rev.n,
        );
        const act = WORDS.act[lang](ref, rev.n);
        const msg = fitMail(
          lang,
          subject,
          act,
          { text: files[`${lang}.md`] ?? '', html: mainOf(files[`${lang}.html`] ?? '') },
          publicAttachments,
          rev.dir,
        );
        if (await send(`${base}/mail-${input.reminder}#${lang}`, group, lang, msg, headers)) sent++;
      }
      if (input.reminder === 0) {
        const names = Object.keys(rev.files).filter((n) => n.startsWith('regulator.'));
        const confidential = await readRevision(rev, names);
        // The readable forms first: what does not fit in one mail stays in the revision's folder.
        const order = (n: string) => (n.endsWith('.md') ? 0 : n.endsWith('.csv') ? 1 : n.endsWith('.html') ? 2 : 3);
        const regulatorAttachments = [...names]
          .sort((a, b) => order(a) - order(b) || (a < b ? -1 : 1))
          .map((name) => attachment(program, period, name, confidential[name] ?? ''));
        for (const [lang, group] of byLanguage(recipientsOf(ctx, ctx.program.managers))) {
          const subject = WORDS.regulatorSubject[lang](program, period);
          const msg = fitMail(
            lang,
            subject,
            WORDS.regulator[lang],
            {
              text: confidential[`regulator.${lang}.md`] ?? '',
              html: mainOf(confidential[`regulator.${lang}.html`] ?? ''),
            },
            regulatorAttachments,
            rev.dir,
          );
          if (
            await send(`${base}/regulator#${lang}`, group, lang, msg, {
              ...headers,
              'X-Remediation-Confidential': 'yes',
            })
          )
            sent++;
        }
      }
      return { sent };
    },

    /**
     * Publishes the approved revision under `<varDir>/public/<program>/`: its pages (`<period>/ja.html`,
     * ...), then the site's index and feed over every update published so far (`published.json` lists
     * them). Idempotent: publishing the same revision again writes the same files.
     */
    async publishUpdate(input: {
      program: string;
      period: string;
      revision: RevisionRef;
      publishedAt: number;
      title: { ja: string; en: string };
      timezone: string;
    }): Promise<{ dir: string; files: string[] }> {
      const files = await readRevision(input.revision, PUBLIC_FILES);
      const site = path.join(deps.varDir, 'public', input.program);
      const written: string[] = [];
      for (const name of PUBLIC_FILES) {
        const rel = path.join(input.period, name);
        await writeAtomic(path.join(site, rel), files[name] ?? '');
        written.push(rel);
      }
      const manifestFile = path.join(site, 'published.json');
      let manifest: PublishedEntry[] = [];
      try {
        manifest = JSON.parse(await fs.readFile(manifestFile, 'utf8')) as PublishedEntry[];
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      manifest = manifest.filter((e) => e.period !== input.period);
      manifest.push({
        period: input.period,
        publishedAt: input.publishedAt,
        revision: input.revision.n,
        titles: { ja: updateTitle(input, input.period, 'ja'), en: updateTitle(input, input.period, 'en') },
      });
      manifest.sort((a, b) => comparePeriods(a.period, b.period));
      await writeAtomic(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
      written.push('published.json');
      for (const [rel, text] of await siteFiles(
        site,
        { ...input, ...(deps.publicBaseUrl ? { baseUrl: deps.publicBaseUrl } : {}) },
        manifest,
      )) {
        await writeAtomic(path.join(site, rel), text);
        written.push(rel);
      }
      return { dir: site, files: written };
    },
  };
}

/** One published update in the site's manifest. */
export interface PublishedEntry {
  period: string;
  publishedAt: number;
  revision: number;
  titles: { ja: string; en: string };
}

/**
 * The site's index pages and feed over every published update of the manifest, rendered by
 * `renderSite` from the pages as published (read back from `site`). The pages themselves are already
 * written; only the other files are returned.
 */
async function siteFiles(
  site: string,
  program: { program: string; title: { ja: string; en: string }; timezone: string; baseUrl?: string },
  manifest: PublishedEntry[],
): Promise<Array<[string, string]>> {
  const updates: PublishedUpdate[] = [];
  for (const e of manifest) {
    const page = async (lang: Lang) => ({
      html: await fs.readFile(path.join(site, e.period, `${lang}.html`), 'utf8'),
      markdown: await fs.readFile(path.join(site, e.period, `${lang}.md`), 'utf8'),
      title: e.titles[lang],
    });
    updates.push({
      period: e.period,
      publishedAt: e.publishedAt,
      timezone: program.timezone,
      pages: { ja: await page('ja'), en: await page('en') },
    });
  }
  const files = renderSite({
    program: { id: program.program, title: program.title },
    ...(program.baseUrl ? { baseUrl: program.baseUrl } : {}),
    updates,
  });
  const pages = new Set(manifest.flatMap((e) => PUBLIC_FILES.map((n) => path.join(e.period, n))));
  return [...files].filter(([rel]) => !pages.has(path.normalize(rel)));
}
