/**
 * The second thread of a roll-up compile: it renders the regulator report's data files (CSV, JSON and
 * OSCAL JSON, about 60% of a compile's bytes) while the activity's own thread renders the pages, so
 * a compile of thousands of measures uses two cores and leaves the worker's event loop free for the
 * other activities (reminders, heartbeats) sooner. The measures' reporting states come a listing page
 * at a time while the listing still runs; the files go back encoded and hashed, their bytes
 * transferred, not copied.
 *
 * One thread per process, started at the first compile and kept (it does not keep the process
 * alive): its modules load once, not at every compile. Compiles at the same time (two programs) are
 * jobs of their own in it. Should it die, the compiles it was serving fail (the activity retries) and
 * the next one starts another. It runs this module through tsx (as `bin/remediate` runs the CLI): no
 * build step.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { MeasureState } from '../domain/model';
import type { PublicDirective } from '../domain/reports/public';
import { regulatorDataFiles } from '../domain/reports/update';

/** What the activity's thread sends for a job: states (any number of times), then render or drop. */
type ToThread =
  | { type: 'states'; job: number; states: MeasureState[] }
  | { type: 'render'; job: number; now: number; directive: PublicDirective; reports: MeasureState | null }
  | { type: 'drop'; job: number };

/** One rendered file: its name, its UTF-8 bytes and their sha256. */
export interface RenderedFile {
  name: string;
  bytes: Uint8Array;
  sha256: string;
}

type FromThread =
  | { type: 'files'; job: number; files: RenderedFile[] }
  | { type: 'error'; job: number; message: string; stack?: string };

/** The thread's side: keeps each job's states, renders a job when asked and forgets it. */
function serve(): void {
  const port = parentPort;
  if (!port) return;
  const jobs = new Map<number, MeasureState[]>();
  port.on('message', (m: ToThread) => {
    if (m.type === 'states') {
      const states = jobs.get(m.job) ?? [];
      for (const s of m.states) states.push(s);
      jobs.set(m.job, states);
      return;
    }
    const states = jobs.get(m.job) ?? [];
    jobs.delete(m.job);
    if (m.type === 'drop') return;
    let answer: FromThread;
    const transfer: ArrayBuffer[] = [];
    try {
      const files = Object.entries(regulatorDataFiles(states, m.now, { directive: m.directive }, m.reports)).map(
        ([name, text]) => {
          const bytes = Buffer.from(text, 'utf8');
          // A Buffer of a few bytes may share a pooled ArrayBuffer with others: only a whole one is moved.
          if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) transfer.push(bytes.buffer);
          return { name, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
        },
      );
      answer = { type: 'files', job: m.job, files };
    } catch (err) {
      answer = {
        type: 'error',
        job: m.job,
        message: err instanceof Error ? err.message : String(err),
        ...(err instanceof Error && err.stack ? { stack: err.stack } : {}),
      };
    }
    port.postMessage(answer, transfer);
  });
}

/** Marks the threads this module starts, so that no other thread (a test runner's) serves by mistake. */
const THREAD_MARK = 'remediationCompileThread';

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[THREAD_MARK] === true) serve();

/** Loads this module in a new thread, through tsx with the project's tsconfig. */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
require('tsx/cjs/api').register({ tsconfig: workerData.tsconfig });
require(workerData.module);
`;

/** The data files of one compile, rendered on the compile thread (see the module comment). */
export interface DataFilesJob {
  /** Reporting states of the compile (a listing page's, or queried ones), in any order. */
  add(states: MeasureState[]): void;
  /** Renders the files of every state added, at `now`; the job ends. */
  render(now: number, directive: PublicDirective, reports: MeasureState | null): Promise<RenderedFile[]>;
  /** Ends the job without rendering (a compile that failed first); nothing once it rendered. */
  drop(): void;
}

/** The running thread and the jobs waiting for its answer. */
interface Shared {
  worker: Worker;
  waiting: Map<number, { resolve(files: RenderedFile[]): void; reject(err: Error): void }>;
}

let shared: Shared | undefined;
let jobs = 0;

function thread(): Shared {
  if (shared) return shared;
  const worker = new Worker(BOOTSTRAP, {
    eval: true,
    workerData: {
      [THREAD_MARK]: true,
      module: __filename,
      tsconfig: path.join(__dirname, '..', '..', 'tsconfig.json'),
    },
  });
  // Idle, it does not keep the process alive; a render waited for does (see `render`).
  worker.unref();
  const s: Shared = { worker, waiting: new Map() };
  const fail = (err: Error) => {
    if (shared === s) shared = undefined;
    for (const w of s.waiting.values()) w.reject(err);
    s.waiting.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the compile thread ended (exit code ${code})`)));
  worker.on('message', (m: FromThread) => {
    const w = s.waiting.get(m.job);
    if (!w) return;
    s.waiting.delete(m.job);
    if (s.waiting.size === 0) worker.unref();
    if (m.type === 'files')
      w.resolve(
        m.files.map((f) => ({ ...f, bytes: Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength) })),
      );
    else w.reject(Object.assign(new Error(m.message), m.stack ? { stack: m.stack } : {}));
  });
  shared = s;
  return s;
}

/** Starts a job on the compile thread (starting the thread first, if need be: it loads while the listing runs). */
export function startDataFilesJob(): DataFilesJob {
  const s = thread();
  const job = ++jobs;
  let open = true;
  const send = (m: ToThread) => {
    if (shared === s) s.worker.postMessage(m);
  };
  return {
    add(states) {
      if (open && states.length) send({ type: 'states', job, states });
    },
    render(now, directive, reports) {
      if (!open) return Promise.reject(new Error('this compile job has ended'));
      open = false;
      if (shared !== s) return Promise.reject(new Error('the compile thread ended before the job rendered'));
      return new Promise<RenderedFile[]>((resolve, reject) => {
        s.waiting.set(job, { resolve, reject });
        s.worker.ref();
        send({ type: 'render', job, now, directive, reports });
      });
    },
    drop() {
      if (!open) return;
      open = false;
      send({ type: 'drop', job });
    },
  };
}

/** Stops the compile thread, failing any job it was serving (tests; a process about to exit need not). */
export async function stopCompileThread(): Promise<void> {
  const s = shared;
  if (!s) return;
  shared = undefined;
  await s.worker.terminate();
}
