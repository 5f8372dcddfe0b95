import type { WorkerScript } from '@hashline/node-worker';
// One pool worker, as a worker thread or as a child process, behind the same small interface.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { HashingRequest, HashingResponse, HashingWorkerData } from './hashing-protocol.js';

/**
 * Where a pool's workers run. `'thread'`: worker threads, cheap to start, with zero-copy
 * transfers; a native crash (a segfault in a codec) ends the whole process. `'process'`: child
 * processes, each with its own libvips; a native crash ends only that worker, and stopping one
 * frees all its memory; inputs are copied over IPC.
 */
export type PoolIsolation = 'thread' | 'process';

/** What a worker reports to its pool. */
export interface PoolWorkerEvents {
  message(response: HashingResponse): void;
  /** A diagnostic about a failure (uncaught exception, spawn error); an exit usually follows. */
  error(description: string): void;
  /** The worker is gone; `reason` is its exit code or signal and any last error line. */
  exit(reason: string): void;
}

/** A running pool worker. */
export interface PoolWorkerHandle {
  post(request: HashingRequest, transfer: readonly ArrayBuffer[]): void;
  /** Keep the parent process alive while this worker has work. */
  ref(): void;
  unref(): void;
  /** Stops the worker; resolves once it is gone. */
  terminate(): Promise<void>;
}

/**
 * The parent's Node flags minus those that belong to the main script only. A child forked from
 * `node -e CODE` would run CODE again (a fork bomb, if CODE starts a pool), `--input-type` stops a
 * worker file from loading, and a second inspector or watcher on the same port fails.
 */
export function workerExecArgv(parentFlags: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < parentFlags.length; i++) {
    const flag = parentFlags[i]!;
    if (['-e', '--eval', '-p', '--print', '-pe'].includes(flag)) {
      i++; // and its code
      continue;
    }
    if (/^(--eval|--print|--input-type|--inspect|--debug|--watch|--test)(\b|=|-)/.test(flag)) continue;
    kept.push(flag);
  }
  return kept;
}

const EXEC_ARGV = workerExecArgv(process.execArgv);

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Starts a worker thread. */
export function startThreadWorker(
  location: WorkerScript,
  data: HashingWorkerData,
  events: PoolWorkerEvents,
): PoolWorkerHandle {
  const worker = new Worker(location.url, { workerData: data, execArgv: EXEC_ARGV });
  let lastError: string | undefined;
  worker.on('message', (message: HashingResponse) => events.message(message));
  worker.on('error', (error) => {
    lastError = describe(error);
    events.error(lastError);
  });
  worker.on('messageerror', (error) => {
    // A reply that cannot be deserialised: the worker is unusable.
    events.error(describe(error));
    void worker.terminate();
  });
  worker.on('exit', (code) => events.exit(lastError ?? `exit code ${code}`));
  return {
    post(request, transfer) {
      try {
        worker.postMessage(request, [...transfer]);
      } catch {
        // Some buffers cannot be transferred (e.g. marked untransferable): copy them instead.
        worker.postMessage(request);
      }
    },
    ref: () => worker.ref(),
    unref: () => worker.unref(),
    terminate: async () => {
      await worker.terminate();
    },
  };
}

/** Starts a child process running the same worker script, talking over IPC. */
export function startProcessWorker(
  location: WorkerScript,
  data: HashingWorkerData,
  events: PoolWorkerEvents,
): PoolWorkerHandle {
  const child = fork(fileURLToPath(location.url), [JSON.stringify(data)], {
    serialization: 'advanced', // structured clone: Uint8Array arrives as Uint8Array
    execArgv: EXEC_ARGV,
    stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
  });
  // Keep the tail of stderr: after a crash, its error line says why. Everything is still
  // forwarded, as a worker thread's output would be.
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    process.stderr.write(chunk);
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4000);
  });
  let exited = false;
  const gone = new Promise<void>((resolve) => {
    // 'close', not 'exit': 'exit' may come before the last of stderr has been read, and then the
    // error line that says why the child died would be missing from the reason (load-dependent).
    child.on('close', (code, signal) => {
      exited = true;
      const errorLine = /^\w*Error\b.*$/m.exec(stderrTail)?.[0]?.slice(0, 300);
      const status = signal ? `signal ${signal}` : `exit code ${code}`;
      events.exit(errorLine ? `${errorLine}; ${status}` : status);
      resolve();
    });
  });
  child.on('message', (message: HashingResponse) => events.message(message));
  child.on('error', (error) => events.error(describe(error)));
  return {
    post(request) {
      child.send(request, (error) => {
        if (error) events.error(describe(error));
      });
    },
    ref() {
      child.ref();
      child.channel?.ref();
    },
    unref() {
      child.unref();
      child.channel?.unref();
    },
    async terminate() {
      if (!exited) {
        // Hold the event loop until the exit is seen, or an idle (unref'd) child's exit could be
        // missed by a parent that has nothing else to do.
        child.ref();
        child.kill('SIGKILL');
      }
      await gone;
    },
  };
}
