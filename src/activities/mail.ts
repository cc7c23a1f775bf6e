/**
 * The notification activity and its mail plumbing: transports (SMTP, or `.eml` files in an outbox),
 * the sent ledger that makes retries idempotent, and configuration from the environment.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { createTransport } from 'nodemailer';
import type { NotificationPayload, Recipient } from '../domain/model';
import type { Lang } from '../domain/plan';
import { MAIL_TIMING } from '../domain/limits';
import { FAILURE } from '../domain/names';
import { notificationLinks, type LinkKeys } from '../links';
import { renderNotification, type MessageLinks, type Personal } from './messages';

/** One email as the activity hands it to a transport. */
export interface OutgoingMail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  messageId: string;
  headers: Record<string, string>;
  /** Files attached to the message (the progress update's drafts). */
  attachments?: Array<{ filename: string; content: string; contentType: string }>;
}

/** Delivers one email; throws when it could not (the activity then retries). */
export interface MailTransport {
  send(msg: OutgoingMail): Promise<void>;
  /** Closes open connections (the SMTP pool) when the worker stops. */
  close?(): Promise<void>;
}

/** Remembers which emails went out, across worker restarts, so a retried activity does not send them again. */
export interface SentLedger {
  has(key: string): Promise<boolean>;
  add(key: string): Promise<void>;
}

/** The sender when MAIL_FROM is not set. */
const DEFAULT_MAIL_FROM = 'remediation-tracker <noreply@remediation-tracker.invalid>';

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const isErrno = (err: unknown, code: string) => err instanceof Error && (err as NodeJS.ErrnoException).code === code;

/** A ledger in `dir`: one empty file per key, named by the key's sha256 (keys contain `/`). */
export function fileLedger(dir: string): SentLedger {
  const file = (key: string) => path.join(dir, sha256(key));
  return {
    async has(key) {
      try {
        await fs.access(file(key));
        return true;
      } catch (err) {
        if (isErrno(err, 'ENOENT')) return false;
        throw err;
      }
    },
    async add(key) {
      await fs.mkdir(dir, { recursive: true });
      try {
        await fs.writeFile(file(key), '', { flag: 'wx' });
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
      }
    },
  };
}

/** `work`, or an error naming `what` when it has not settled after `ms`. */
async function withDeadline<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer from the relay within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What every message gets: text and HTML in base64, not quoted-printable. Japanese text, all of it
 * outside ASCII, takes less than half the bytes so encoded, and is encoded natively: composing the
 * 09:00 burst's emails is one of the worker's largest costs.
 */
const MESSAGE_DEFAULTS = { textEncoding: 'base64' } as const;

/**
 * Real SMTP through a pool of `MAIL_TIMING.poolConnections` connections, so a burst of reminders
 * shares a few open connections instead of a handshake per email. Each email has a hard deadline
 * (`MAIL_TIMING`) shorter than the activity's timeouts; parameters in the URL win over the defaults.
 */
export function smtpTransport(url: string): MailTransport {
  const mailer = createTransport(
    {
      url,
      pool: true,
      maxConnections: MAIL_TIMING.poolConnections,
      connectionTimeout: MAIL_TIMING.connectionTimeoutMs,
      greetingTimeout: MAIL_TIMING.greetingTimeoutMs,
      socketTimeout: MAIL_TIMING.socketTimeoutMs,
    },
    MESSAGE_DEFAULTS,
  );
  return {
    async send(msg) {
      await withDeadline(MAIL_TIMING.sendDeadlineMs, `sending ${msg.messageId}`, mailer.sendMail(msg));
    },
    close() {
      mailer.close();
      return Promise.resolve();
    },
  };
}

/**
 * Runs `work` inside an activity, heartbeating every `MAIL_TIMING.heartbeatEveryMs` until it ends, so
 * the server notices a killed worker after the heartbeat timeout while a slow but live send is never
 * given up on (and never attempted a second time in parallel). Outside an activity (unit tests) it
 * just runs `work`.
 */
async function heartbeating<T>(work: () => Promise<T>): Promise<T> {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    return work();
  }
  // No beat at the start: the heartbeat timeout already counts from the attempt's start, and a first
  // beat would be one more call to the server for every email of the 09:00 burst.
  const beat = setInterval(() => ctx.heartbeat(), MAIL_TIMING.heartbeatEveryMs);
  try {
    return await work();
  } finally {
    clearInterval(beat);
  }
}

/** Characters safe in a file name on every platform. */
const safeName = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 160);

/**
 * The embedded default: each email as an RFC 5322 `.eml` file in `dir`, named
 * `<timestamp>-<key>-<lang>.eml`. Written to a hidden temp file and renamed, so a reader of the
 * outbox never sees a half-written message.
 */
export function outboxTransport(dir: string): MailTransport {
  const mailer = createTransport({ streamTransport: true, buffer: true, newline: 'windows' }, MESSAGE_DEFAULTS);
  return {
    async send(msg) {
      const info = await mailer.sendMail(msg);
      if (!Buffer.isBuffer(info.message)) throw new Error('outbox: nodemailer did not return the message as a buffer');
      const label =
        [msg.headers['X-Remediation-Key'], msg.headers['Content-Language']].filter(Boolean).join('-') || msg.messageId;
      const stamp = new Date().toISOString().replace(/[:.]/g, '-');
      const name = `${stamp}-${safeName(label)}.eml`;
      const tmp = path.join(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
      await fs.mkdir(dir, { recursive: true });
      try {
        await fs.writeFile(tmp, info.message, { flag: 'wx' });
        await fs.rename(tmp, path.join(dir, name));
      } catch (err) {
        await fs.rm(tmp, { force: true });
        throw err;
      }
    },
  };
}

// Deliberately strict: no whitespace, angle brackets, quotes or separators, so an address can never
// smuggle a second recipient or a header line into the message.
const EMAIL_RE = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:".]+(\.[^\s@<>()[\]\\,;:".]+)*$/;

/** True for a plain `local@domain` address. */
export function isEmailAddress(s: string): boolean {
  return EMAIL_RE.test(s);
}

/** `user:pass@` in a URL shown to people becomes `user:***@`. */
function redactUrl(u: URL): string {
  const copy = new URL(u.href);
  if (copy.password) copy.password = '***';
  return copy.href;
}

/**
 * Chooses the transport from the environment: `SMTP_URL` (smtp:// or smtps://) when set, else the
 * outbox `<varDir>/outbox`; the sender from `MAIL_FROM`. Throws one clear line naming the variable
 * when either is malformed, so a misconfigured worker fails at start, not at the first reminder.
 */
export function transportFromEnv(
  env: NodeJS.ProcessEnv,
  varDir: string,
): { transport: MailTransport; from: string; describe: string } {
  const from = (env.MAIL_FROM ?? '').trim() || DEFAULT_MAIL_FROM;
  const m = /^(?:[^<>\r\n]*<([^<>\r\n]+)>|([^<>\s]+))$/.exec(from);
  const address = m?.[1] ?? m?.[2];
  if (address === undefined || !isEmailAddress(address)) {
    throw new Error(
      `MAIL_FROM is not a valid sender (expected "Name <user@example.jp>" or "user@example.jp"): ${from}`,
    );
  }

  const raw = (env.SMTP_URL ?? '').trim();
  if (!raw) {
    const dir = path.join(varDir, 'outbox');
    return {
      transport: outboxTransport(dir),
      from,
      describe: `outbox ${dir} (.eml files; set SMTP_URL to send real mail), from ${from}`,
    };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('SMTP_URL is not a valid URL (expected smtp://[user:pass@]host[:port] or smtps://...)');
  }
  if ((url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || !url.hostname) {
    throw new Error(`SMTP_URL must be smtp://[user:pass@]host[:port] or smtps://..., got ${redactUrl(url)}`);
  }
  return { transport: smtpTransport(raw), from, describe: `SMTP ${redactUrl(url)}, from ${from}` };
}

/** `"Name" <address>`, with the name quoted so commas or brackets in it stay part of the name. */
/** What the mail activity needs to write web links: the web's public base URL and the link keys. */
export interface WebLinking {
  baseUrl: string;
  keys: LinkKeys;
}

/** The web links of one reader: signed action links for the milestone's responsible person, the measure's page for all. */
export function messageLinks(web: WebLinking, p: NotificationPayload, reader: string): MessageLinks {
  const measure = `${web.baseUrl}/p/${encodeURIComponent(p.program.id)}/m/${encodeURIComponent(p.measure.id)}`;
  if (reader !== p.owner.id) return { measure };
  const tokens = notificationLinks(web.keys, {
    program: p.program.id,
    measure: p.measure.id,
    milestone: p.milestone.id,
    notificationKey: p.notification.key,
    at: p.notification.at,
    person: reader,
  });
  const url = (t: string) => `${web.baseUrl}/a/${t}`;
  return {
    measure,
    actions: { complete: url(tokens.complete), forecast: url(tokens.forecast), replan: url(tokens.replan) },
  };
}

/** `"Name" <address>`, with the name quoted so commas or brackets in it stay part of the name. */
export function formatAddress(r: Recipient): string {
  const name = r.name.replace(/\s+/g, ' ').trim().replace(/[\\"]/g, '\\$&');
  return name ? `"${name}" <${r.email}>` : r.email;
}

function badNotification(message: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(message, FAILURE.badNotification);
}

/** Recipients grouped by language, languages in order of first appearance (the owner's usually first). */
export function byLanguage(recipients: readonly Recipient[]): Array<[Lang, Recipient[]]> {
  const groups = new Map<Lang, Recipient[]>();
  for (const r of recipients) {
    const list = groups.get(r.lang);
    if (list) list.push(r);
    else groups.set(r.lang, [r]);
  }
  return [...groups];
}

/**
 * The notification activity. One email per event and language, recipients of a language together in
 * To. Each email's ledger key is `<notification key>#<lang>`, and its Message-ID is derived from that
 * key, so a retried activity skips what already went out and a resent one is recognisably the same
 * message. Returns the ledger keys of the emails sent now and of those skipped as already sent.
 */
export function createNotificationActivities(deps: {
  transport: MailTransport;
  ledger: SentLedger;
  from: string;
  /** The web (its public base URL and the link keys): when set, every recipient gets a personal email with signed links. */
  web?: WebLinking;
}) {
  return {
    sendNotification(p: NotificationPayload): Promise<{ sent: string[]; skipped: string[] }> {
      return heartbeating(() => send(p));
    },
  };

  async function send(p: NotificationPayload): Promise<{ sent: string[]; skipped: string[] }> {
    const n = p.notification;
    if (p.recipients.length === 0) throw badNotification(`notification ${n.key} has no recipients`);
    const bad = p.recipients.filter((r) => !isEmailAddress(r.email) || (r.lang !== 'ja' && r.lang !== 'en'));
    if (bad.length) {
      throw badNotification(
        `notification ${n.key}: invalid email address or language for ${bad.map((r) => `${r.id} <${r.email}> (${String(r.lang)})`).join(', ')}`,
      );
    }

    const sent: string[] = [];
    const skipped: string[] = [];
    const web = deps.web;
    // With the web, one email a reader (their links are theirs alone); without, one a language.
    const emails: Array<{ key: string; lang: Lang; group: Recipient[]; personal?: Personal }> = web
      ? p.recipients.map((r) => ({
          key: `${p.program.id}/${n.key}#${r.lang}#${r.id}`,
          lang: r.lang,
          group: [r],
          personal: { reader: r.id, links: messageLinks(web, p, r.id) },
        }))
      : byLanguage(p.recipients).map(([lang, group]) => ({ key: `${p.program.id}/${n.key}#${lang}`, lang, group }));
    for (const { key, lang, group, personal } of emails) {
      // Programs share the ledger: the notification key is unique within a program only.
      if (await deps.ledger.has(key)) {
        skipped.push(key);
        continue;
      }
      const { subject, text, html } = renderNotification(p, lang, personal);
      await deps.transport.send({
        from: deps.from,
        to: group.map(formatAddress),
        subject,
        text,
        html,
        messageId: `<${sha256(key).slice(0, 32)}@remediation-tracker>`,
        headers: {
          'X-Remediation-Program': p.program.id,
          'X-Remediation-Key': n.key,
          'X-Remediation-Kind': n.kind,
          'X-Remediation-Level': String(n.level),
          'Content-Language': lang,
          // RFC 3834: tells mail servers and out-of-office responders not to auto-reply.
          'Auto-Submitted': 'auto-generated',
        },
      });
      await deps.ledger.add(key);
      sent.push(key);
    }
    return { sent, skipped };
  }
}
