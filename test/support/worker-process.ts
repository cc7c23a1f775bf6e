/** `bin/remediate worker` as its own process, as deployed: configured only through its environment, killable. */
import { spawn } from 'node:child_process';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');
const bin = path.join(root, 'bin', 'remediate');
/** What the worker prints once it is built and about to poll (src/cli/main.ts). */
const READY = 'worker on ';
const LOG_KEPT = 200_000;

export interface WorkerProcess {
  pid: number;
  /** Settles once the worker printed that it runs; rejects if it ended before. */
  ready: Promise<void>;
  /** Settles when the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True until the process ended. */
  alive(): boolean;
  /** Its output so far (the tail). */
  log(): string;
  /** Sends `signal` (SIGKILL by default) and waits for the process to end. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Spawns `bin/remediate worker` with `env` (added to this process's environment). */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(bin, ['worker'], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not spawn ${bin}`);
  let out = '';
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      ended = true;
      resolve({ code, signal });
    }),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const collect = (chunk: Buffer) => {
      out = (out + chunk.toString('utf8')).slice(-LOG_KEPT);
      if (out.includes(READY)) resolve();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    void exited.then(({ code, signal }) =>
      reject(new Error(`worker ended before it ran (${signal ?? `exit code ${code}`}):\n${out.slice(-4000)}`)),
    );
  });
  // Callers that never await `ready` (a worker killed while it builds) must not see an unhandled rejection.
  ready.catch(() => undefined);
  return {
    pid: child.pid,
    ready,
    exited,
    alive: () => !ended,
    log: () => out,
    async kill(signal = 'SIGKILL') {
      if (!ended) child.kill(signal);
      await exited;
    },
  };
}
