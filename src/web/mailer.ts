/**
 * The web's own mail: the one-time sign-in link. The server is given a `sendMail`; the CLI builds it
 * with `mailSender` over the worker's transport (SMTP or the `.eml` outbox), so the web needs no mail
 * configuration of its own.
 */
import type { MailTransport } from '../activities/mail';
import type { Lang } from '../domain/plan';
import { randomId } from '../links';
import { html } from './html';
import { t } from './words';

/** One email the web sends. */
export interface WebMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Content-Language; default none. */
  lang?: Lang;
}

/** Sends one email; throws when it could not. */
export type SendMail = (mail: WebMail) => Promise<void>;

/** `sendMail` over a mail transport, from `from`. */
export function mailSender(transport: Pick<MailTransport, 'send'>, from: string): SendMail {
  return (m) =>
    transport.send({
      from,
      to: [m.to],
      subject: m.subject,
      text: m.text,
      html: m.html,
      messageId: `<web-${randomId()}@remediation-tracker>`,
      headers: { 'X-Remediation-Key': 'web-sign-in', ...(m.lang ? { 'Content-Language': m.lang } : {}) },
    });
}

/** The sign-in mail to `name` in `lang` with `url`. */
export function loginMail(p: { to: string; name: string; lang: Lang; program: string; url: string }): WebMail {
  const subject = `${t(p.lang, 'mailSubject')}: ${p.program}`;
  const text = `${p.name}\n\n${t(p.lang, 'mailIntro')}\n\n${p.url}\n`;
  const body = html`<!doctype html>
    <html lang="${p.lang}">
      <body>
        <p>${p.name}</p>
        <p>${t(p.lang, 'mailIntro')}</p>
        <p><a href="${p.url}">${t(p.lang, 'signInButton')}</a></p>
        <p>${p.url}</p>
      </body>
    </html>`;
  return { to: p.to, subject, text, html: String(body), lang: p.lang };
}
