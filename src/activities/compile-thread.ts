/**
 * The second thread of a roll-up compile: it renders the regulator report's data files (CSV, JSON and
 * OSCAL JSON, about 60% of a compile's bytes) while the activity's own thread renders the pages, so
 * a compile of thousands of measures uses two cores and leaves the worker's event loop free for the
 * other activities (reminders, heartbeats) sooner. The measures' reporting states come a listing page
 * at a time while the listing still runs; the files go back encoded and hashed, their bytes
 * transferred, not copied.
 *
 * The thread runs this module through tsx (as `bin/remediate` runs the CLI): no build step.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { MeasureState } from '../domain/model';
import type { PublicDirective } from '../domain/reports/public';
import { regulatorDataFiles } from '../domain/reports/update';

/** What the activity's thread sends: states (any number of times), then one request to render. */
type ToThread =
  | { type: 'states'; states: MeasureState[] }
  | { type: 'render'; now: number; directive: PublicDirective; reports: MeasureState | null };

/** One rendered file: its name, its UTF-8 bytes and their sha256. */
export interface RenderedFile {
  name: string;
  bytes: Uint8Array;
  sha256: string;
}

type FromThread = { type: 'files'; files: RenderedFile[] } | { type: 'error'; message: string; stack?: string };

/** The thread's side: keeps the states it is sent, renders once asked, answers, and ends. */
function serve(): void {
  const port = parentPort;
  if (!port) return;
  const states: MeasureState[] = [];
  port.on('message', (m: ToThread) => {
    if (m.type === 'states') {
      for (const s of m.states) states.push(s);
      return;
    }
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
      answer = { type: 'files', files };
    } catch (err) {
      answer = {
        type: 'error',
        message: err instanceof Error ? err.message : String(err),
        ...(err instanceof Error && err.stack ? { stack: err.stack } : {}),
      };
    }
    port.postMessage(answer, transfer);
    port.close();
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

/** The data files of one compile, rendered on a thread of their own (see the module comment). */
export interface DataFilesThread {
  /** Reporting states of the compile (a listing page's, or queried ones), in any order. */
  add(states: MeasureState[]): void;
  /** Renders the files of every state added, at `now`; the thread ends afterwards. */
  render(now: number, directive: PublicDirective, reports: MeasureState | null): Promise<RenderedFile[]>;
  /** Ends the thread (when the compile fails before `render`); safe to call at any time. */
  close(): Promise<void>;
}

/** Starts the thread; it loads its modules while the listing runs. */
export function startDataFilesThread(): DataFilesThread {
  const worker = new Worker(BOOTSTRAP, {
    eval: true,
    workerData: {
      [THREAD_MARK]: true,
      module: __filename,
      tsconfig: path.join(__dirname, '..', '..', 'tsconfig.json'),
    },
  });
  // A failure of the thread (it could not load, it ended) is kept for `render`, or given to it.
  let failed: Error | undefined;
  let waiting: ((err: Error) => void) | undefined;
  const fail = (err: Error) => {
    failed ??= err;
    waiting?.(failed);
  };
  worker.on('error', fail);
  worker.once('exit', (code) => fail(new Error(`the compile's second thread ended (exit code ${code})`)));
  const send = (m: ToThread) => worker.postMessage(m);
  return {
    add(states) {
      if (states.length && !failed) send({ type: 'states', states });
    },
    render(now, directive, reports) {
      return new Promise<RenderedFile[]>((resolve, reject) => {
        if (failed) return reject(failed);
        waiting = reject;
        worker.once('message', (m: FromThread) => {
          if (m.type === 'files')
            resolve(
              m.files.map((f) => ({
                ...f,
                bytes: Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength),
              })),
            );
          else reject(Object.assign(new Error(m.message), m.stack ? { stack: m.stack } : {}));
        });
        send({ type: 'render', now, directive, reports });
      });
    },
    async close() {
      await worker.terminate();
    },
  };
}
