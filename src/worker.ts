/** The composition root: the one place where workflows, activities, mail and the connection meet. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import {
  createNotificationActivities,
  fileLedger,
  transportFromEnv,
  type MailTransport,
  type SentLedger,
} from './activities/mail';
import { TASK_QUEUE } from './workflows/measure';

/** Where local state lives (outbox, sent ledger, the dev server's database): `var/` of the checkout unless REMEDIATE_VAR_DIR says otherwise. */
export function varDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.REMEDIATE_VAR_DIR ?? path.join(__dirname, '..', 'var'));
}

/** The default mail from the environment: SMTP_URL, else `.eml` files in `var/outbox/`. */
export function mailFromEnv(env: NodeJS.ProcessEnv = process.env): {
  transport: MailTransport;
  ledger: SentLedger;
  from: string;
  describe: string;
} {
  const dir = varDir(env);
  const { transport, from, describe } = transportFromEnv(env, dir);
  return { transport, ledger: fileLedger(path.join(dir, 'sent-ledger')), from, describe };
}

/** The workflow entry module: the TypeScript source in a checkout (run through tsx), or compiled JavaScript. */
export const workflowsPath =
  [path.join(__dirname, 'workflows', 'index.ts'), path.join(__dirname, 'workflows', 'index.js')].find((f) =>
    existsSync(f),
  ) ?? path.join(__dirname, 'workflows');

/** Builds the worker for the measure workflows on `taskQueue`. */
export async function createWorker(opts: {
  connection: NativeConnection;
  namespace: string;
  taskQueue?: string;
  mail: { transport: MailTransport; ledger: SentLedger; from: string };
  workflowBundle?: WorkflowBundleOption;
}): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
    activities: createNotificationActivities(opts.mail),
  });
}
