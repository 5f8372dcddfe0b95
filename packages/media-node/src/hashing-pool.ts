import { availableParallelism } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { Worker } from 'node:worker_threads';
import type {
  HashingRequest,
  HashingResponse,
  HashingWorkerData,
  InjectedFault,
} from './hashing-protocol.js';
import type { HashOptions, ImageHashes } from './image-hasher.js';
import { MediaDecodeError } from './media-decode-error.js';
import type { DecodeOptions } from './sharp-image-decoder.js';

/** Default per-job time limit of a hashing pool. */
export const DEFAULT_POOL_TIMEOUT_MS = 30_000;

// After a job times out, its worker is replaced at once but the old one is only terminated once it
// comes back by itself, or after libvips' own time limit (which aborts a decode cooperatively)
// plus this grace. Terminating a worker while libvips still runs native work for it leaks that
// work's memory (about the size of the decoded image: measured ~105 MB for a 6000×6000 PNG), so
// a clean return is worth waiting for; terminate() is the last resort for a truly stuck thread.
const RETIRE_GRACE_MS = 2_000;
// Consecutive workers dying before they are ready: the script or its imports are broken.
const MAX_STARTUP_FAILURES = 3;

// Workers inherit the parent's Node flags, except those that only make sense for the main
// script (`node --input-type=module -e …` would otherwise stop every worker from starting).
const WORKER_EXEC_ARGV = process.execArgv.filter((flag) => !flag.startsWith('--input-type'));

/** Options of {@link createHashingPool}. */
export interface HashingPoolOptions {
  /** Worker threads (default `os.availableParallelism()`). Each decodes one image at a time. */
  readonly threads?: number;
  /**
   * Decoder limits for every job. Its `timeoutMs` defaults to the pool's `timeoutMs`, so libvips
   * gives up on its own at about the time the pool stops waiting.
   */
  readonly decode?: DecodeOptions;
  /** Per-job time limit in ms, from dispatch to result (default {@link DEFAULT_POOL_TIMEOUT_MS}). */
  readonly timeoutMs?: number;
  /** @internal Lets jobs inject faults (`fault`): for this package's own tests only. */
  readonly testHooks?: boolean;
}

/** Options of one pool job. */
export interface PoolHashOptions extends HashOptions {
  /**
   * Hand the input's memory to the worker instead of copying it (default `false`). Only done when
   * the `Uint8Array` spans its whole `ArrayBuffer`; the caller's array is then detached (empty).
   */
  readonly transfer?: boolean;
  /**
   * Time limit of this job in ms, from dispatch to result (default: the pool's `timeoutMs`). The
   * decoder's own limit stays the pool's `decode.timeoutMs`.
   */
  readonly timeoutMs?: number;
  /** @internal Fault to simulate, honoured only when the pool was created with `testHooks`. */
  readonly fault?: InjectedFault;
}

/** Counters of a hashing pool, for health checks and metrics. */
export interface HashingPoolStats {
  readonly threads: number;
  /** Jobs running now. */
  readonly busy: number;
  /** Jobs waiting for a worker. */
  readonly queued: number;
  readonly completed: number;
  /** Jobs that ended in an error (timeouts and crashes included). */
  readonly failed: number;
  readonly timeouts: number;
  readonly crashes: number;
  /** Replaced workers still finishing an abandoned job before they are stopped. */
  readonly retiring: number;
  /** Workers started to replace dead, crashed or timed-out ones. */
  readonly restarts: number;
}

/** A pool of worker threads that decode and hash images off the calling thread. */
export interface HashingPool {
  /**
   * Decodes and hashes image bytes in a worker.
   * @throws {MediaDecodeError} input errors, `MEDIA_TIMEOUT`, `MEDIA_WORKER_CRASHED`, `MEDIA_POOL_CLOSED`
   */
  hashBytes(bytes: Uint8Array, options?: PoolHashOptions): Promise<ImageHashes>;
  /**
   * Reads (in the worker, under the byte limit) and hashes an image file.
   * @throws {MediaDecodeError} as {@link HashingPool.hashBytes}, plus `MEDIA_READ_FAILED`
   */
  hashFile(path: string, options?: PoolHashOptions): Promise<ImageHashes>;
  /** Current counters. */
  stats(): HashingPoolStats;
  /**
   * Refuses new jobs, fails queued ones with `MEDIA_POOL_CLOSED`, waits for running ones (each is
   * bounded by the time limit), then stops every worker. Idempotent.
   */
  close(): Promise<void>;
}

interface Job {
  readonly id: number;
  readonly source: HashingRequest['source'];
  readonly options: HashOptions;
  readonly fault: InjectedFault | undefined;
  readonly timeoutMs: number;
  startedAt?: number;
  readonly transfer: ArrayBuffer[];
  readonly resolve: (hashes: ImageHashes) => void;
  readonly reject: (error: MediaDecodeError) => void;
  timer?: NodeJS.Timeout;
}

interface Slot {
  worker: Worker | undefined;
  ready: boolean;
  job: Job | undefined;
  lastError: string | undefined;
}

/**
 * Where the worker script is. From dist/ it is the compiled `hashing-worker.js` beside this file.
 * From sources (this module is a .ts file: Vitest, or any TypeScript runner) plain Node cannot
 * run the .ts worker, so a small JavaScript bootstrap registers a transpiling loader for the
 * worker thread first (see source-worker-bootstrap.mjs).
 */
function workerLocation(): { url: URL; entry?: string } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    return {
      url: new URL('./source-worker-bootstrap.mjs', here),
      entry: new URL('./hashing-worker.ts', here).href,
    };
  }
  return { url: new URL('./hashing-worker.js', here) };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

class WorkerHashingPool implements HashingPool {
  readonly #threads: number;
  readonly #timeoutMs: number;
  readonly #workerData: HashingWorkerData;
  readonly #location = workerLocation();
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  readonly #retiring = new Set<Worker>();
  readonly #running = new Set<Promise<unknown>>();
  #nextId = 1;
  #startupFailures = 0;
  #closing = false;
  #closed: Promise<void> | undefined;
  #counters = { completed: 0, failed: 0, timeouts: 0, crashes: 0, restarts: 0 };

  constructor(options: HashingPoolOptions) {
    const threads = options.threads ?? availableParallelism();
    if (!Number.isInteger(threads) || threads < 1) {
      throw new RangeError(`HashingPoolOptions.threads must be a positive integer, got ${String(threads)}.`);
    }
    const timeoutMs = options.timeoutMs ?? DEFAULT_POOL_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new RangeError(
        `HashingPoolOptions.timeoutMs must be a positive number, got ${String(timeoutMs)}.`,
      );
    }
    this.#threads = threads;
    this.#timeoutMs = timeoutMs;
    this.#workerData = {
      decode: { ...options.decode, timeoutMs: options.decode?.timeoutMs ?? timeoutMs },
      testHooks: options.testHooks === true,
      ...(this.#location.entry === undefined ? {} : { entry: this.#location.entry }),
    };
    for (let i = 0; i < threads; i++) {
      const slot: Slot = { worker: undefined, ready: false, job: undefined, lastError: undefined };
      this.#slots.push(slot);
      this.#spawn(slot);
    }
  }

  hashBytes(bytes: Uint8Array, options: PoolHashOptions = {}): Promise<ImageHashes> {
    if (!(bytes instanceof Uint8Array)) {
      return Promise.reject(new TypeError('hashBytes expects a Uint8Array (a Buffer works).'));
    }
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    const transfer =
      options.transfer === true && whole && bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : [];
    return this.#submit({ kind: 'bytes', bytes }, options, transfer);
  }

  hashFile(path: string, options: PoolHashOptions = {}): Promise<ImageHashes> {
    return this.#submit({ kind: 'file', path: resolvePath(path) }, options, []);
  }

  stats(): HashingPoolStats {
    return {
      threads: this.#threads,
      busy: this.#slots.filter((s) => s.job !== undefined).length,
      queued: this.#queue.length,
      retiring: this.#retiring.size,
      ...this.#counters,
    };
  }

  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    this.#closing = true;
    for (const job of this.#queue.splice(0)) {
      this.#fail(
        job,
        new MediaDecodeError('MEDIA_POOL_CLOSED', 'The hashing pool was closed before the job started.'),
      );
    }
    await Promise.allSettled([...this.#running]);
    const workers = [...this.#retiring, ...this.#slots.flatMap((s) => (s.worker ? [s.worker] : []))];
    for (const slot of this.#slots) slot.worker = undefined;
    this.#retiring.clear();
    await Promise.allSettled(workers.map((w) => w.terminate()));
  }

  #submit(
    source: HashingRequest['source'],
    options: PoolHashOptions,
    transfer: ArrayBuffer[],
  ): Promise<ImageHashes> {
    if (this.#closing) {
      return Promise.reject(new MediaDecodeError('MEDIA_POOL_CLOSED', 'The hashing pool is closed.'));
    }
    const { transfer: _transfer, fault, timeoutMs = this.#timeoutMs, ...hashOptions } = options;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      return Promise.reject(new RangeError(`timeoutMs must be a positive number, got ${String(timeoutMs)}.`));
    }
    const promise = new Promise<ImageHashes>((resolve, reject) => {
      this.#queue.push({
        id: this.#nextId++,
        source,
        options: hashOptions,
        fault,
        timeoutMs,
        transfer,
        resolve,
        reject,
      });
    });
    const settled = promise.then(
      () => undefined,
      () => undefined,
    );
    this.#running.add(settled);
    void settled.then(() => this.#running.delete(settled));
    // Workers that failed to start were not replaced; a new job gives them another chance.
    for (const slot of this.#slots) if (slot.worker === undefined) this.#spawn(slot);
    this.#dispatch();
    this.#updateRefs();
    return promise;
  }

  #spawn(slot: Slot): void {
    const worker = new Worker(this.#location.url, {
      workerData: this.#workerData,
      execArgv: WORKER_EXEC_ARGV,
    });
    slot.worker = worker;
    slot.ready = false;
    slot.lastError = undefined;
    worker.on('message', (message: HashingResponse) => this.#onMessage(slot, worker, message));
    worker.on('messageerror', (error) => {
      if (slot.worker === worker && slot.job) {
        this.#settle(slot, slot.job, undefined, new MediaDecodeError('MEDIA_INTERNAL', describe(error)));
      }
    });
    worker.on('error', (error) => {
      if (slot.worker === worker) slot.lastError = describe(error);
    });
    worker.on('exit', (code) => this.#onExit(slot, worker, code));
    this.#updateRefs();
  }

  // Workers keep the process alive only while jobs are queued or running, so a forgotten idle
  // pool does not hold a CLI open, and a queued job is never dropped by an exiting process.
  #updateRefs(): void {
    const pending = this.#queue.length > 0 || this.#slots.some((s) => s.job !== undefined);
    for (const slot of this.#slots) {
      if (pending) slot.worker?.ref();
      else slot.worker?.unref();
    }
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return;
      if (slot.worker === undefined || !slot.ready || slot.job !== undefined) continue;
      this.#start(slot, slot.worker, this.#queue.shift()!);
    }
  }

  #start(slot: Slot, worker: Worker, job: Job): void {
    slot.job = job;
    job.startedAt = Date.now();
    job.timer = setTimeout(() => this.#onTimeout(slot, job), job.timeoutMs);
    const request: HashingRequest = {
      id: job.id,
      source: job.source,
      options: job.options,
      ...(job.fault === undefined ? {} : { fault: job.fault }),
    };
    try {
      worker.postMessage(request, job.transfer);
    } catch {
      // Some buffers cannot be transferred (e.g. marked untransferable): copy them instead.
      worker.postMessage(request);
    }
  }

  #onMessage(slot: Slot, worker: Worker, message: HashingResponse): void {
    if (slot.worker !== worker) {
      // A retired worker finished its abandoned job: its native work is over, stop it cleanly.
      void this.#terminateRetired(worker);
      return;
    }
    if (message.type === 'ready') {
      slot.ready = true;
      this.#startupFailures = 0;
      this.#dispatch();
      return;
    }
    const job = slot.job;
    if (job === undefined || job.id !== message.id) return;
    if (message.type === 'result') this.#settle(slot, job, message.hashes, undefined);
    else this.#settle(slot, job, undefined, new MediaDecodeError(message.code, message.message));
  }

  #settle(slot: Slot, job: Job, hashes: ImageHashes | undefined, error: MediaDecodeError | undefined): void {
    clearTimeout(job.timer);
    slot.job = undefined;
    if (error) this.#fail(job, error);
    else {
      this.#counters.completed++;
      job.resolve(hashes!);
    }
    this.#dispatch();
    this.#updateRefs();
  }

  #fail(job: Job, error: MediaDecodeError): void {
    clearTimeout(job.timer);
    this.#counters.failed++;
    job.reject(error);
  }

  #onTimeout(slot: Slot, job: Job): void {
    if (slot.job !== job) return;
    const worker = slot.worker!;
    slot.job = undefined;
    this.#counters.timeouts++;
    this.#fail(
      job,
      new MediaDecodeError(
        'MEDIA_TIMEOUT',
        `Hashing took longer than ${job.timeoutMs} ms; the worker was replaced.`,
      ),
    );
    // libvips enforces its limit in whole seconds from about the start of the job.
    const decodeLimitMs = Math.ceil((this.#workerData.decode.timeoutMs ?? this.#timeoutMs) / 1000) * 1000;
    const elapsed = Date.now() - (job.startedAt ?? Date.now());
    this.#retire(worker, Math.max(RETIRE_GRACE_MS, decodeLimitMs - elapsed + RETIRE_GRACE_MS));
    if (!this.#closing) {
      this.#counters.restarts++;
      this.#spawn(slot);
    } else {
      slot.worker = undefined;
    }
  }

  #retire(worker: Worker, graceMs: number): void {
    this.#retiring.add(worker);
    worker.unref();
    setTimeout(() => void this.#terminateRetired(worker), graceMs).unref();
  }

  async #terminateRetired(worker: Worker): Promise<void> {
    if (!this.#retiring.has(worker)) return;
    this.#retiring.delete(worker);
    await worker.terminate();
  }

  #onExit(slot: Slot, worker: Worker, code: number): void {
    this.#retiring.delete(worker);
    if (slot.worker !== worker) return;
    const wasReady = slot.ready;
    const job = slot.job;
    slot.worker = undefined;
    slot.ready = false;
    slot.job = undefined;
    const reason = slot.lastError ?? `exit code ${code}`;
    if (job) {
      this.#counters.crashes++;
      this.#fail(
        job,
        new MediaDecodeError('MEDIA_WORKER_CRASHED', `The hashing worker died (${reason}); it was replaced.`),
      );
    } else if (!wasReady) {
      this.#startupFailures++;
    }
    if (this.#closing) return;
    if (this.#startupFailures >= MAX_STARTUP_FAILURES) {
      // Respawning a worker that cannot start would loop forever: fail what waits, and let the
      // next job try again.
      for (const queued of this.#queue.splice(0)) {
        this.#fail(
          queued,
          new MediaDecodeError('MEDIA_WORKER_CRASHED', `Hashing workers fail to start (${reason}).`),
        );
      }
      this.#startupFailures = 0;
      this.#updateRefs();
      return;
    }
    this.#counters.restarts++;
    this.#spawn(slot);
    this.#dispatch();
    this.#updateRefs();
  }
}

/**
 * Starts a pool of worker threads that decode (sharp, behind the decoder's limits) and hash
 * images. A job over the time limit fails with `MEDIA_TIMEOUT` and its worker is replaced; a
 * worker that dies fails its job with `MEDIA_WORKER_CRASHED` and is replaced; the pool keeps
 * serving. Idle workers do not keep the process alive, but call {@link HashingPool.close} when done.
 *
 * Isolation limit: worker threads share the process, so a native crash (segfault) in a codec
 * still ends the whole process. Run the pool in a separate process where that matters.
 */
export function createHashingPool(options: HashingPoolOptions = {}): HashingPool {
  return new WorkerHashingPool(options);
}
