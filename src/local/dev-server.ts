/**
 * The local Temporal server: `temporal server start-dev` (Temporal CLI) with this product's custom
 * search attributes registered, bound to 127.0.0.1. Used by `remediate dev` (SQLite file under var/)
 * and by the test suite (in memory, headless, on a free port). Provisioning only: no business logic.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_REGISTRATIONS } from '../workflows/search-attributes';

export interface DevServerOptions {
  /** Path of the Temporal CLI binary (see `temporalCliPath` in ./tools). */
  cliPath: string;
  /** SQLite file for persistent state; omit for an in-memory server that forgets everything on exit. */
  dbFile?: string;
  /** gRPC port; default: a free port. */
  port?: number;
  /** Web UI port; default: gRPC port + 1000 if free, else a free port. Ignored when headless. */
  uiPort?: number;
  /** No Web UI. */
  headless?: boolean;
  /** The Web UI's remote codec endpoint (`--ui-codec-endpoint`), so it shows encrypted payloads in clear. */
  uiCodecEndpoint?: string;
  /** A namespace to create at start (`default` always exists). */
  namespace?: string;
  /** More namespaces to create at start. */
  extraNamespaces?: string[];
  /** Also append the server's output to this file. */
  logFile?: string;
  /** How long to wait for the server to answer before giving up (default 60 s). */
  startTimeoutMs?: number;
  /** Dynamic config values (`--dynamic-config-value KEY=JSON`), e.g. a low continue-as-new threshold in tests. */
  dynamicConfig?: Record<string, string | number | boolean>;
}

/**
 * Dynamic config every dev server gets: eager activity execution, so an activity a workflow task
 * schedules goes back to the same worker in the task's answer instead of through matching (one round
 * trip less per reminder: the 09:00 burst). A self-hosted cluster sets the same key in its dynamic config.
 */
export const SERVER_DYNAMIC_CONFIG: Readonly<Record<string, boolean | number>> = {
  'system.enableActivityEagerExecution': true,
  // Runs continue as new at 1,500 events (the server's default suggests it at thousands more): a
  // measure's run stays short to replay and to read, whatever its age.
  'limit.historyCount.suggestContinueAsNew': 1500,
};

export interface DevServer {
  /** `127.0.0.1:<port>`, for TEMPORAL_ADDRESS / Connection.connect. */
  address: string;
  /** `http://127.0.0.1:<uiPort>` unless headless. */
  uiAddress?: string;
  /** SIGTERM, wait for exit (SIGKILL after 10 s). Safe to call more than once. */
  stop(): Promise<void>;
  /** Settles when the server process ends, by stop() or otherwise (e.g. a crash), with its last output lines. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; lastLines: string[] }>;
}

const HOST = '127.0.0.1';
const LOG_LINES_KEPT = 40;
const STOP_GRACE_MS = 10_000;

/** Whether `port` can be bound on `host` right now. */
export function isPortFree(port: number, host: string = HOST): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

/** A port that is free on `host` right now (chosen by the OS). */
export function findFreePort(host: string = HOST): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => (port === undefined ? reject(new Error('could not determine a free port')) : resolve(port)));
    });
  });
}

/** The command-line arguments of `temporal server start-dev` for these options. */
function devServerArgs(opts: {
  port: number;
  uiPort?: number;
  headless?: boolean;
  uiCodecEndpoint?: string;
  dbFile?: string;
  namespace?: string;
  extraNamespaces?: string[];
  dynamicConfig?: Record<string, string | number | boolean>;
}): string[] {
  const args = ['server', 'start-dev', '--ip', HOST, '--port', String(opts.port), '--color', 'never'];
  if (opts.headless) args.push('--headless');
  else if (opts.uiPort !== undefined) args.push('--ui-port', String(opts.uiPort));
  if (!opts.headless && opts.uiCodecEndpoint !== undefined) args.push('--ui-codec-endpoint', opts.uiCodecEndpoint);
  if (opts.dbFile !== undefined) args.push('--db-filename', opts.dbFile);
  for (const ns of [opts.namespace, ...(opts.extraNamespaces ?? [])])
    if (ns !== undefined && ns !== 'default') args.push('--namespace', ns);
  for (const sa of SEARCH_ATTRIBUTE_REGISTRATIONS) args.push('--search-attribute', `${sa.name}=${sa.cliType}`);
  for (const [key, value] of Object.entries({ ...SERVER_DYNAMIC_CONFIG, ...opts.dynamicConfig }))
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  return args;
}

/** Starts `temporal server start-dev` and resolves once its gRPC frontend answers. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  // A busy port would let the readiness check below answer from whatever already listens there.
  if (opts.port !== undefined && !(await isPortFree(opts.port))) {
    throw new Error(
      `Cannot start the Temporal dev server: port ${opts.port} on ${HOST} is already in use (another Temporal server, or an earlier \`remediate dev\` still running?). Stop it or choose another port.`,
    );
  }
  const port = opts.port ?? (await findFreePort());
  let uiPort: number | undefined;
  if (!opts.headless) {
    if (opts.uiPort !== undefined && !(await isPortFree(opts.uiPort))) {
      throw new Error(
        `Cannot start the Temporal dev server: the Web UI port ${opts.uiPort} on ${HOST} is already in use. Stop what uses it or choose another port.`,
      );
    }
    uiPort = opts.uiPort ?? ((await isPortFree(port + 1000)) ? port + 1000 : await findFreePort());
  }
  if (opts.dbFile !== undefined) mkdirSync(dirname(opts.dbFile), { recursive: true });
  let log: WriteStream | undefined;
  if (opts.logFile !== undefined) {
    mkdirSync(dirname(opts.logFile), { recursive: true });
    log = createWriteStream(opts.logFile, { flags: 'a' });
  }

  const args = devServerArgs({
    port,
    uiPort,
    headless: opts.headless,
    uiCodecEndpoint: opts.uiCodecEndpoint,
    dbFile: opts.dbFile,
    namespace: opts.namespace,
    extraNamespaces: opts.extraNamespaces,
    dynamicConfig: opts.dynamicConfig,
  });
  const child = spawn(opts.cliPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });

  // The last lines of output, for the error message when the server does not come up.
  const lastLines: string[] = [];
  const collect = (chunk: Buffer) => {
    log?.write(chunk);
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      lastLines.push(line);
      if (lastLines.length > LOG_LINES_KEPT) lastLines.shift();
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve();
    });
    child.once('error', (err) => {
      spawnError = err;
      if (child.pid === undefined) resolve(); // never started: no 'exit' will come
    });
  });

  // If this process ends without stop(), do not leave the server behind.
  const killOnExit = () => {
    if (exit === undefined) child.kill('SIGTERM');
  };
  process.once('exit', killOnExit);

  const address = `${HOST}:${port}`;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (exit === undefined && child.pid !== undefined) {
        child.kill('SIGTERM');
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          exited.then(() => false),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(true), STOP_GRACE_MS);
          }),
        ]);
        clearTimeout(timer);
        if (timedOut) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      await new Promise<void>((resolve) => (log ? log.end(() => resolve()) : resolve()));
    })();
    return stopping;
  };

  const failure = (reason: string) => {
    const tail =
      lastLines.length > 0 ? `\nLast lines of its output:\n  ${lastLines.join('\n  ')}` : ' (it printed nothing)';
    return new Error(`Temporal dev server (${opts.cliPath} ${args.join(' ')}) ${reason}.${tail}`);
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  let lastError: unknown;
  for (;;) {
    if (spawnError !== undefined && child.pid === undefined) {
      await stop();
      throw failure(`could not be started: ${spawnError.message}`);
    }
    if (exit !== undefined) {
      await stop();
      throw failure(`exited before answering (${exit.signal ?? `exit code ${exit.code}`})`);
    }
    if (
      await answers(address, opts.namespace ?? 'default').then(
        () => true,
        (err: unknown) => ((lastError = err), false),
      )
    )
      break;
    if (Date.now() > deadline) {
      await stop();
      const why = lastError instanceof Error ? lastError.message.split('\n')[0] : String(lastError);
      throw failure(
        `did not answer on ${address} within ${Math.round((opts.startTimeoutMs ?? 60_000) / 1000)} s (${why})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  return {
    address,
    uiAddress: uiPort === undefined ? undefined : `http://${HOST}:${uiPort}`,
    stop,
    exited: exited.then(() => ({ code: exit?.code ?? null, signal: exit?.signal ?? null, lastLines: [...lastLines] })),
  };
}

/** Resolves when the frontend at `address` answers and `namespace` exists; rejects otherwise. */
async function answers(address: string, namespace: string): Promise<void> {
  const connection = Connection.lazy({ address, connectTimeout: '2s' });
  try {
    await connection.ensureConnected();
    await connection.workflowService.getSystemInfo({});
    await connection.workflowService.describeNamespace({ namespace });
  } finally {
    await connection.close();
  }
}
