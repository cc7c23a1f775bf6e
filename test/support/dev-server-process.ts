/**
 * A dev server of a test's own, on its own SQLite file and port, that the test may kill (SIGTERM or
 * SIGKILL) and start again on the same file and port, leaving the run's shared server alone.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { startDevServer, type DevServer, type DevServerOptions } from '../../src/local/dev-server';

/**
 * The pid of the `temporal server start-dev` process whose `--db-filename` is `dbFile` (Linux: /proc).
 * startDevServer does not expose its child, and the file is unique to the test, so it names the one
 * process this test started.
 */
export function devServerPid(dbFile: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // ended meanwhile, or not ours to read
    }
    const i = argv.indexOf('--db-filename');
    if (i >= 0 && argv[i + 1] === dbFile && argv.includes('start-dev')) return Number(entry);
  }
  throw new Error(`no running dev server on ${dbFile}`);
}

export interface OwnDevServer {
  address: string;
  port: number;
  /** The server process of the current incarnation. */
  pid(): number;
  /** Ends the current incarnation with `signal` and waits until it is gone (SIGTERM: the graceful stop()). */
  kill(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts a new incarnation on the same database file and port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a persistent dev server on `dbFile` (a free port), restartable on the same file and port. */
export async function startOwnDevServer(
  opts: Omit<DevServerOptions, 'dbFile' | 'port' | 'headless'> & { dbFile: string },
): Promise<OwnDevServer> {
  let server: DevServer = await startDevServer({ ...opts, headless: true });
  const address = server.address;
  const port = Number(address.split(':').at(-1));
  let pid = devServerPid(opts.dbFile);
  return {
    address,
    port,
    pid: () => pid,
    async kill(signal) {
      if (signal === 'SIGTERM') return server.stop();
      process.kill(pid, 'SIGKILL');
      await server.exited;
      await server.stop(); // the log stream and exit hook
    },
    async restart() {
      server = await startDevServer({ ...opts, headless: true, port });
      pid = devServerPid(opts.dbFile);
    },
    stop: () => server.stop(),
  };
}
