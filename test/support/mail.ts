/** Mail fixtures for tests: an in-memory sent ledger, and a real SMTP server on loopback. */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { SentLedger } from '../../src/activities/mail';

/** A ledger that remembers keys for the life of the test. */
export function memoryLedger(): SentLedger {
  const keys = new Set<string>();
  return {
    has: async (key) => keys.has(key),
    add: async (key) => void keys.add(key),
  };
}

/** A real SMTP server on loopback that parses every message it receives. */
export interface LoopbackSmtp {
  url: string;
  received: ParsedMail[];
  close(): Promise<void>;
}

/** Starts a real SMTP server (the `smtp-server` package) on a free loopback port. */
export async function startLoopbackSmtp(): Promise<LoopbackSmtp> {
  const received: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // Pooled clients keep idle connections open: close them at once on close() instead of waiting 30 s.
    closeTimeout: 500,
    onData(stream, _session, callback) {
      simpleParser(stream).then(
        (mail) => {
          received.push(mail);
          callback();
        },
        (err: Error) => callback(err),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
