/**
 * The world of a web test on the run's dev server: a real SMTP server on loopback, a client, the web
 * server (its sign-in mails to that SMTP server) and a worker, on a task queue of the program's own
 * (other files run workers on the shared queue of the same namespace at the same time, and one of
 * theirs could run this program's activities without our SMTP server or web links).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { smtpTransport, type MailTransport } from '../../src/activities/mail';
import { TASK_QUEUE } from '../../src/domain/names';
import { mailSender } from '../../src/web/mailer';
import { startWebServer, type WebServer } from '../../src/web/server';
import { createWorker } from '../../src/worker';
import { memoryLedger, startLoopbackSmtp, type LoopbackSmtp } from '../support/mail';
import { TEST_KEYS, testDataConverter } from '../support/temporal';

export interface WebWorld {
  smtp: LoopbackSmtp;
  client: Client;
  web: WebServer;
  /** The worker's and the web's folder (drafts, site, spent sign-in links). */
  dir: string;
  /** Terminates `workflowIds` (the test's program) and stops everything, removing the folder. */
  stop(workflowIds: readonly string[]): Promise<void>;
}

export async function startWebWorld(o: {
  program: string;
  namespace: string;
  /** Reminders carry the web's action links (the worker gets the web's URL). */
  linksInMail: boolean;
}): Promise<WebWorld> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'remediate-web-'));
  const taskQueue = `${TASK_QUEUE}-${o.program}`;
  const ownQueue: WorkflowClientInterceptor = {
    startWithDetails: (input, next) => next({ ...input, options: { ...input.options, taskQueue } }),
  };
  const smtp = await startLoopbackSmtp();
  const workerMail: MailTransport = smtpTransport(smtp.url);
  const webMail: MailTransport = smtpTransport(smtp.url);
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  const client = new Client({
    connection,
    namespace: o.namespace,
    dataConverter: testDataConverter,
    interceptors: { workflow: [ownQueue] },
  });
  // The web first, so that the worker knows its URL for the links in the reminders.
  const web = await startWebServer({
    client,
    keys: TEST_KEYS,
    port: 0,
    host: '127.0.0.1',
    varDir: dir,
    sendMail: mailSender(webMail, 'web@example.jp'),
  });
  const native = await NativeConnection.connect({ address: inject('temporalAddress') });
  const worker: Worker = await createWorker({
    connection: native,
    namespace: o.namespace,
    taskQueue,
    keys: TEST_KEYS,
    varDir: dir,
    ...(o.linksInMail ? { webUrl: web.url } : {}),
    mail: { transport: workerMail, ledger: memoryLedger(), from: 'tracker@example.jp' },
  });
  const running = worker.run();
  return {
    smtp,
    client,
    web,
    dir,
    async stop(workflowIds) {
      await web.close();
      for (const id of workflowIds)
        await client.workflow
          .getHandle(id)
          .terminate('test over')
          .catch(() => undefined);
      worker.shutdown();
      await running;
      await workerMail.close?.();
      await webMail.close?.();
      await native.close();
      await connection.close();
      await smtp.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
