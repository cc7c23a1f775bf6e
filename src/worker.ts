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
import { createRollupActivities } from './activities/rollup';
import { TASK_QUEUE } from './domain/names';
import { encryptedDataConverter } from './client/codec';
import { connectionSettings, TemporalUnreachable } from './client/connection';
import { linkKeys } from './links';
import { loadSettings, requireKeys, SettingsError, type EncryptionKeys, type Settings } from './settings';

/** The mail of `settings`: SMTP_URL, else `.eml` files in `<varDir>/outbox/`; the ledger in `<varDir>/sent-ledger/`. */
export function mailOf(settings: Settings): {
  transport: MailTransport;
  ledger: SentLedger;
  from: string;
  describe: string;
} {
  const dir = settings.varDir;
  let mail;
  try {
    mail = transportFromEnv(settings.env, dir);
  } catch (e) {
    throw new SettingsError([e instanceof Error ? e.message : String(e)]);
  }
  const { transport, from, describe } = mail;
  return { transport, ledger: fileLedger(path.join(dir, 'sent-ledger')), from, describe };
}

/** The workflow entry module: the TypeScript source in a checkout (run through tsx), or compiled JavaScript. */
export const workflowsPath =
  [path.join(__dirname, 'workflows', 'index.ts'), path.join(__dirname, 'workflows', 'index.js')].find((f) =>
    existsSync(f),
  ) ?? path.join(__dirname, 'workflows');

/**
 * The worker's concurrency, chosen for the 09:00 burst (a thousand reminders due at one instant; see
 * the README's figures): enough activity slots that every due send is in flight at once, waiting for
 * one of the SMTP pool's connections (MAIL_TIMING.poolConnections) rather than for a slot, and a
 * workflow cache larger than the burst so no workflow is replayed from history in the middle of it.
 * A workflow task waits up to a minute on this worker's sticky queue (the SDK's default is 10 s):
 * in the burst, tasks queue for longer than 10 s, and each that timed out went to the shared queue
 * and was replayed from its whole history, which doubled the CPU of the worker and the server (see
 * the README). A worker that dies is still noticed within 10 s: the server stops using a sticky
 * queue nobody has polled for that long.
 */
export const WORKER_TUNING = {
  maxConcurrentActivityTaskExecutions: 200,
  maxConcurrentWorkflowTaskExecutions: 40,
  maxCachedWorkflows: 2000,
  stickyQueueScheduleToStartTimeout: '1 minute',
} as const;

/**
 * Modules of the workflow bundle evaluated once per worker and shared by every workflow, instead of
 * once per workflow (the reusable V8 context gives each workflow its own module instances, and a
 * module's evaluation stays in memory as long as the workflow is cached): the calendar with the
 * holiday data and its prefix tables, and the date arithmetic with luxon, its zones and formatters.
 * The SDK freezes their exports. Only modules whose state is pure memoization (same input, same
 * answer, whichever workflow asked first) may be listed here: anything a workflow could tell apart
 * would leak between workflows. zod is not shared (it writes to objects the SDK would freeze); it is
 * loaded on first use instead (see `zod` in src/domain/plan.ts).
 */
export const WORKFLOW_PRELOAD_MODULES = [
  path.join(__dirname, 'domain', 'calendar'),
  path.join(__dirname, 'domain', 'dates'),
];

/** Builds the worker for the measure, program and update workflows on `taskQueue`. */
export async function createWorker(opts: {
  connection: NativeConnection;
  namespace: string;
  taskQueue?: string;
  mail: { transport: MailTransport; ledger: SentLedger; from: string };
  /** Where drafts and the public site are written (default: REMEDIATE_VAR_DIR, else `var/`). */
  varDir?: string;
  /** The payload codec's keys (default: the configured ones; see `keys` in src/settings.ts). */
  keys?: EncryptionKeys;
  /** A prebuilt bundle must be built with `failureConverterPath` of src/client/codec, so workflow failures are encoded too (and `preloadModules: WORKFLOW_PRELOAD_MODULES`, so that it shares them). */
  workflowBundle?: WorkflowBundleOption;
  /** The web's public base URL for the links in mails (default: REMEDIATE_WEB_URL; none: no links). */
  webUrl?: string;
}): Promise<Worker> {
  // Defaults from the environment; the local key file is the one in `varDir`.
  const settings = () =>
    loadSettings(opts.varDir !== undefined ? { ...process.env, REMEDIATE_VAR_DIR: opts.varDir } : process.env);
  const varDir = opts.varDir ?? settings().varDir;
  const keys = opts.keys ?? requireKeys(settings());
  const webUrl = 'webUrl' in opts ? opts.webUrl : settings().webUrl;
  const web = webUrl ? { baseUrl: webUrl, keys: linkKeys(keys) } : undefined;
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    ...(opts.workflowBundle
      ? { workflowBundle: opts.workflowBundle }
      : { workflowsPath, bundlerOptions: { preloadModules: WORKFLOW_PRELOAD_MODULES } }),
    // The same converter encrypts for the activities' client (Context.current().client), which the SDK
    // builds from this option.
    dataConverter: encryptedDataConverter(keys),
    activities: {
      ...createNotificationActivities({ ...opts.mail, ...(web ? { web } : {}) }),
      ...createRollupActivities({ ...opts.mail, varDir }),
    },
    ...WORKER_TUNING,
  });
}

/** A worker connection for the configured server; throws TemporalUnreachable when it does not answer. */
export async function connectWorker(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ connection: NativeConnection; namespace: string; address: string }> {
  const s = connectionSettings(env);
  try {
    return { connection: await NativeConnection.connect(s.options), namespace: s.namespace, address: s.address };
  } catch (err) {
    throw new TemporalUnreachable(s.address, err);
  }
}
