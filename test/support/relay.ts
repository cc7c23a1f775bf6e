/**
 * A real SMTP relay on loopback (the `smtp-server` package) that a test can slow down or take down:
 * it answers `421` to every connection while `unavailable`, can hold a session before MAIL FROM or
 * before accepting the message, and keeps every message it accepted, in order, with the time it
 * accepted it. A message is accepted (kept) only when it arrived in full: one the client broke off
 * is never kept, as a real relay would not deliver it.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

/** One message the relay accepted. */
export interface RelayedMail {
  /** Epoch ms when the relay accepted it (just before its 250 reply). */
  at: number;
  /** `X-Remediation-Program`, `X-Remediation-Key`, `Content-Language` (empty when absent). */
  program: string;
  key: string;
  lang: string;
  messageId: string;
  from: string;
  /** Envelope recipients (RCPT TO). */
  rcpt: string[];
  mail: ParsedMail;
}

export interface Relay {
  port: number;
  url: string;
  received: RelayedMail[];
  /** While true, every new connection is answered `421` and closed (a relay in maintenance). */
  unavailable: boolean;
  /** Connections answered `421` so far. */
  refused: number;
  close(): Promise<void>;
}

export interface RelayOptions {
  /** Listen on this port (default: a free one). */
  port?: number;
  /** Milliseconds to hold a session at MAIL FROM (default none): the relay is slow to start a transaction. */
  mailFromDelayMs?: (session: SMTPServerSession) => number;
  /** Milliseconds to hold a message once received in full, before answering 250 (default none). */
  acceptDelayMs?: (mail: { program: string; key: string; lang: string }) => number;
}

const header = (mail: ParsedMail, name: string): string => {
  const v = mail.headers.get(name);
  return typeof v === 'string' ? v : '';
};

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the relay on 127.0.0.1. */
export async function startRelay(opts: RelayOptions = {}): Promise<Relay> {
  const relay = { received: [] as RelayedMail[], unavailable: false, refused: 0 };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // Pooled clients keep idle connections open: close them at once on close().
    closeTimeout: 500,
    onConnect(_session, callback) {
      if (!relay.unavailable) return callback();
      relay.refused++;
      callback(Object.assign(new Error('relay in maintenance, try again later'), { responseCode: 421 }));
    },
    onMailFrom(_address, session, callback) {
      const ms = opts.mailFromDelayMs?.(session) ?? 0;
      if (ms > 0) void wait(ms).then(() => callback());
      else callback();
    },
    onData(stream, session, callback) {
      simpleParser(stream).then(
        async (mail) => {
          const ids = {
            program: header(mail, 'x-remediation-program'),
            key: header(mail, 'x-remediation-key'),
            lang: header(mail, 'content-language'),
          };
          const ms = opts.acceptDelayMs?.(ids) ?? 0;
          if (ms > 0) await wait(ms);
          relay.received.push({
            at: Date.now(),
            ...ids,
            messageId: mail.messageId ?? '',
            from: mail.from?.value[0]?.address ?? '',
            rcpt: session.envelope.rcptTo.map((r) => r.address),
            mail,
          });
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.removeListener('error', reject);
      resolve();
    });
  });
  // A client that goes away mid-session (a killed worker) is normal here, not a failure of the relay.
  server.on('error', () => undefined);
  const { port } = server.server.address() as AddressInfo;
  return Object.assign(relay, {
    port,
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
