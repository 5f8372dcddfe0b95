import { workerScript } from '@hashline/node-worker';
import { availableParallelism } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import type {
  HashingRequest,
  HashingResponse,
  HashingWorkerData,
  InjectedFault,
  VideoJobOptions,
  VideoPoolOptions,
} from './hashing-protocol.js';
import { DEFAULT_VIDEO_TIMEOUT_MS, type VideoHashes } from './video-hasher.js';
import type { HashOptions, ImageHashes } from './image-hasher.js';
import { MediaDecodeError } from './media-decode-error.js';
import {
  startProcessWorker,
  startThreadWorker,
  type PoolIsolation,
  type PoolWorkerHandle,
} from './pool-worker-handle.js';
import { applySharpPolicy, type DecodeOptions } from './sharp-image-decoder.js';

/** Default per-job time limit of a hashing pool. */
export const DEFAULT_POOL_TIMEOUT_MS = 30_000;

// After a job times out, its worker is replaced at once. A worker thread is only terminated once
// it comes back by itself, or after libvips' own time limit (which aborts a decode cooperatively)
// plus this grace: terminating a thread while libvips still runs native work for it leaks that
// work's memory (about the decoded image: ~105 MB measured terminating a 6000×6000 PNG decode), so a clean return
// is worth waiting for, and terminate() is the last resort for a truly stuck thread. A child
// process is killed at once: the OS takes all its memory back.
const RETIRE_GRACE_MS = 2_000;
// Consecutive workers dying before they are ready: the script or its imports are broken.
const MAX_STARTUP_FAILURES = 3;

/** Options of {@link createHashingPool}. */
export interface HashingPoolOptions {
  /** Workers (default `os.availableParallelism()`). Each decodes one image at a time. */
  readonly threads?: number;
  /** Worker threads (default) or child processes: see {@link PoolIsolation}. */
  readonly isolation?: PoolIsolation;
  /**
   * Decoder limits for every job. Its `timeoutMs` defaults to the pool's `timeoutMs`, so libvips
   * gives up on its own at about the time the pool stops waiting.
   */
  readonly decode?: DecodeOptions;
  /** Per-job time limit in ms, from dispatch to result (default {@link DEFAULT_POOL_TIMEOUT_MS}). */
  readonly timeoutMs?: number;
  /**
   * Limits of video jobs (bytes, pixels, duration, frames, frame rate, streams, FFmpeg paths);
   * their `timeoutMs` is the time limit of a video job (default `DEFAULT_VIDEO_TIMEOUT_MS`).
   */
  readonly video?: VideoPoolOptions;
  /** @internal Lets jobs inject faults (`fault`): for this package's own tests only. */
  readonly testHooks?: boolean;
  /**
   * Most jobs waiting for a worker (default 64); beyond it a job is refused at once with
   * `MEDIA_BUSY` (the server answers 503 with Retry-After) rather than queued without bound.
   */
  readonly maxQueued?: number;
  /**
   * Most jobs one owner (an API key) may have queued or running at once (default: half the
   * workers, at least one, so another owner always finds a worker when there are two or more);
   * beyond it, `MEDIA_BUSY`. Jobs without an owner are not limited this way.
   */
  readonly maxPerOwner?: number;
}

/** Options of one pool job. */
export interface PoolHashOptions extends HashOptions {
  /**
   * Hand the input's memory to a worker thread instead of copying it (default `false`). Only done
   * when the `Uint8Array` spans its whole `ArrayBuffer`; the caller's array is then detached
   * (empty). Child processes always receive a copy.
   */
  readonly transfer?: boolean;
  /**
   * Time limit of this job in ms, from dispatch to result (default: the pool's `timeoutMs`). The
   * decoder's own limit stays the pool's `decode.timeoutMs`.
   */
  readonly timeoutMs?: number;
  /** @internal Fault to simulate, honoured only when the pool was created with `testHooks`. */
  readonly fault?: InjectedFault;
  /**
   * Who asks (an API key id): jobs are dispatched fairly between owners (the owner with the
   * fewest jobs running goes first) and each owner has at most `maxPerOwner` jobs in flight.
   */
  readonly owner?: string;
}

/** Options of one video job: the vPDQ choices and an optional time limit. */
export interface PoolVideoHashOptions extends VideoJobOptions {
  /** Time limit of this job in ms (default: the pool's `video.timeoutMs`). */
  readonly timeoutMs?: number;
}

/** Counters of a hashing pool, for health checks and metrics. */
export interface HashingPoolStats {
  readonly threads: number;
  readonly isolation: PoolIsolation;
  /** Jobs running now. */
  readonly busy: number;
  /** Jobs waiting for a worker. */
  readonly queued: number;
  /** Replaced workers still finishing an abandoned job before they are stopped. */
  readonly retiring: number;
  readonly completed: number;
  /** Jobs that ended in an error (timeouts and crashes included). */
  readonly failed: number;
  readonly timeouts: number;
  readonly crashes: number;
  /** Workers started to replace dead, crashed or timed-out ones. */
  readonly restarts: number;
}

/** A pool of workers that decode and hash images off the calling thread. */
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

/**
 * Video jobs of a hashing pool (what {@link createHashingPool} returns also has them). Kept apart
 * from {@link HashingPool} so that image-only fakes of the pool stay valid.
 */
export interface VideoHashingPool {
  /**
   * Computes the vPDQ hash of a video file in a worker (FFmpeg runs in child processes of that
   * worker, behind the pool's video limits).
   * @throws {MediaDecodeError} as `hashVideoFile`, plus `MEDIA_TIMEOUT`, `MEDIA_WORKER_CRASHED`, `MEDIA_POOL_CLOSED`
   */
  hashVideoFile(path: string, options?: PoolVideoHashOptions): Promise<VideoHashes>;
}

interface Job {
  readonly id: number;
  readonly source: HashingRequest['source'];
  readonly options: HashOptions;
  readonly video: HashingRequest['video'];
  readonly fault: InjectedFault | undefined;
  readonly timeoutMs: number;
  readonly transfer: ArrayBuffer[];
  readonly resolve: (result: ImageHashes | VideoHashes) => void;
  readonly reject: (error: MediaDecodeError) => void;
  readonly owner: string | undefined;
  startedAt?: number;
  timer?: NodeJS.Timeout;
}

interface Slot {
  worker: PoolWorkerHandle | undefined;
  ready: boolean;
  job: Job | undefined;
}

class WorkerHashingPool implements HashingPool, VideoHashingPool {
  readonly #threads: number;
  readonly #isolation: PoolIsolation;
  readonly #timeoutMs: number;
  readonly #videoTimeoutMs: number;
  readonly #workerData: HashingWorkerData;
  readonly #location = workerScript(import.meta.url, 'hashing-worker');
  readonly #slots: Slot[] = [];
  readonly #queue: Job[] = [];
  readonly #retiring = new Set<PoolWorkerHandle>();
  readonly #running = new Set<Promise<unknown>>();
  readonly #maxQueued: number;
  readonly #maxPerOwner: number;
  /** Jobs queued or running, by owner. */
  readonly #inFlight = new Map<string, number>();
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
    const isolation = options.isolation ?? 'thread';
    if (isolation !== 'thread' && isolation !== 'process') {
      throw new RangeError(
        `HashingPoolOptions.isolation must be 'thread' or 'process', got ${String(isolation)}.`,
      );
    }
    this.#threads = threads;
    this.#isolation = isolation;
    this.#timeoutMs = timeoutMs;
    this.#maxQueued = options.maxQueued ?? 64;
    this.#maxPerOwner = options.maxPerOwner ?? Math.max(1, Math.ceil(threads / 2));
    this.#videoTimeoutMs = options.video?.timeoutMs ?? DEFAULT_VIDEO_TIMEOUT_MS;
    // Worker threads share this process's libvips: its loader policy is applied here, once, before
    // any worker starts, and never by a worker while another one decodes (see applySharpPolicy).
    // Child processes have a libvips of their own and apply it themselves.
    if (isolation === 'thread') applySharpPolicy();
    this.#workerData = {
      decode: { ...options.decode, timeoutMs: options.decode?.timeoutMs ?? timeoutMs },
      video: options.video ?? {},
      testHooks: options.testHooks === true,
      sharpPolicyApplied: isolation === 'thread',
      ...(this.#location.entry === undefined ? {} : { entry: this.#location.entry }),
    };
    for (let i = 0; i < threads; i++) {
      const slot: Slot = { worker: undefined, ready: false, job: undefined };
      this.#slots.push(slot);
      this.#spawn(slot);
    }
  }

  hashBytes(bytes: Uint8Array, options: PoolHashOptions = {}): Promise<ImageHashes> {
    if (!(bytes instanceof Uint8Array)) {
      return Promise.reject(new TypeError('hashBytes expects a Uint8Array (a Buffer works).'));
    }
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    const transferable =
      this.#isolation === 'thread' &&
      options.transfer === true &&
      whole &&
      bytes.buffer instanceof ArrayBuffer;
    return this.#submit(
      { kind: 'bytes', bytes },
      options,
      transferable ? [bytes.buffer as ArrayBuffer] : [],
    ) as Promise<ImageHashes>;
  }

  hashFile(path: string, options: PoolHashOptions = {}): Promise<ImageHashes> {
    return this.#submit({ kind: 'file', path: resolvePath(path) }, options, []) as Promise<ImageHashes>;
  }

  hashVideoFile(path: string, options: PoolVideoHashOptions = {}): Promise<VideoHashes> {
    const { timeoutMs = this.#videoTimeoutMs, ...choices } = options;
    return this.#submit({ kind: 'file', path: resolvePath(path) }, { timeoutMs }, [], {
      ...choices,
      timeoutMs,
    }) as Promise<VideoHashes>;
  }

  stats(): HashingPoolStats {
    return {
      threads: this.#threads,
      isolation: this.#isolation,
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
    video?: HashingRequest['video'],
  ): Promise<ImageHashes | VideoHashes> {
    if (this.#closing) {
      return Promise.reject(new MediaDecodeError('MEDIA_POOL_CLOSED', 'The hashing pool is closed.'));
    }
    const { transfer: _transfer, fault, timeoutMs = this.#timeoutMs, owner, ...hashOptions } = options;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      return Promise.reject(new RangeError(`timeoutMs must be a positive number, got ${String(timeoutMs)}.`));
    }
    // Bounded and fair (issue 15): a full queue or an owner at its limit is told at once.
    if (this.#queue.length >= this.#maxQueued) {
      return Promise.reject(
        new MediaDecodeError(
          'MEDIA_BUSY',
          `${this.#queue.length} images are waiting to be hashed; retry shortly.`,
        ),
      );
    }
    if (owner !== undefined && (this.#inFlight.get(owner) ?? 0) >= this.#maxPerOwner) {
      return Promise.reject(
        new MediaDecodeError(
          'MEDIA_BUSY',
          `This caller has ${this.#maxPerOwner} images being hashed already; retry when one is answered.`,
        ),
      );
    }
    if (owner !== undefined) this.#inFlight.set(owner, (this.#inFlight.get(owner) ?? 0) + 1);
    const release = () => {
      if (owner === undefined) return;
      const left = (this.#inFlight.get(owner) ?? 1) - 1;
      if (left <= 0) this.#inFlight.delete(owner);
      else this.#inFlight.set(owner, left);
    };
    const promise = new Promise<ImageHashes | VideoHashes>((resolve, reject) => {
      this.#queue.push({
        id: this.#nextId++,
        source,
        options: hashOptions,
        video,
        fault,
        timeoutMs,
        transfer,
        owner,
        resolve: (result) => {
          release();
          resolve(result);
        },
        reject: (error) => {
          release();
          reject(error);
        },
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
    const start = this.#isolation === 'process' ? startProcessWorker : startThreadWorker;
    let lastError: string | undefined;
    // Events arrive asynchronously, after start() has returned the handle they refer to.
    const handle: PoolWorkerHandle = start(this.#location, this.#workerData, {
      message: (message) => this.#onMessage(slot, handle, message),
      error: (description) => {
        lastError = description;
      },
      exit: (reason) =>
        this.#onExit(
          slot,
          handle,
          lastError && !reason.includes(lastError) ? `${lastError}; ${reason}` : reason,
        ),
    });
    slot.worker = handle;
    slot.ready = false;
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

  /**
   * The next job: the oldest of the owner with the fewest jobs running (jobs without an owner
   * count as one owner), so a caller with many uploads waiting cannot keep another's first
   * upload waiting behind all of them.
   */
  #takeFairly(): Job {
    const running = new Map<string | undefined, number>();
    for (const slot of this.#slots) {
      if (slot.job) running.set(slot.job.owner, (running.get(slot.job.owner) ?? 0) + 1);
    }
    let best = 0;
    for (let i = 1; i < this.#queue.length; i++) {
      if ((running.get(this.#queue[i]!.owner) ?? 0) < (running.get(this.#queue[best]!.owner) ?? 0)) best = i;
    }
    return this.#queue.splice(best, 1)[0]!;
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return;
      if (slot.worker === undefined || !slot.ready || slot.job !== undefined) continue;
      const job = this.#takeFairly();
      slot.job = job;
      job.startedAt = Date.now();
      job.timer = setTimeout(() => this.#onTimeout(slot, job), job.timeoutMs);
      slot.worker.post(
        {
          id: job.id,
          source: job.source,
          options: job.options,
          ...(job.video === undefined ? {} : { video: job.video }),
          ...(job.fault === undefined ? {} : { fault: job.fault }),
        },
        job.transfer,
      );
    }
  }

  #onMessage(slot: Slot, worker: PoolWorkerHandle, message: HashingResponse): void {
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
    clearTimeout(job.timer);
    slot.job = undefined;
    if (message.type === 'result') {
      this.#counters.completed++;
      job.resolve(message.hashes);
    } else if (message.type === 'video-result') {
      this.#counters.completed++;
      job.resolve(message.video);
    } else {
      this.#fail(job, new MediaDecodeError(message.code, message.message));
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
    if (slot.job !== job || slot.worker === undefined) return;
    const worker = slot.worker;
    slot.job = undefined;
    slot.worker = undefined;
    this.#counters.timeouts++;
    this.#fail(
      job,
      new MediaDecodeError(
        'MEDIA_TIMEOUT',
        `Hashing took longer than ${job.timeoutMs} ms; the worker was replaced.`,
      ),
    );
    this.#retiring.add(worker);
    worker.unref();
    if (this.#isolation === 'process') {
      void this.#terminateRetired(worker);
    } else {
      // libvips enforces its own limit in whole seconds from about the start of the job.
      const decodeLimitMs = Math.ceil((this.#workerData.decode.timeoutMs ?? this.#timeoutMs) / 1000) * 1000;
      const elapsed = Date.now() - (job.startedAt ?? Date.now());
      const graceMs = Math.max(RETIRE_GRACE_MS, decodeLimitMs - elapsed + RETIRE_GRACE_MS);
      setTimeout(() => void this.#terminateRetired(worker), graceMs).unref();
    }
    if (!this.#closing) {
      this.#counters.restarts++;
      this.#spawn(slot);
    }
    this.#dispatch();
    this.#updateRefs();
  }

  async #terminateRetired(worker: PoolWorkerHandle): Promise<void> {
    if (!this.#retiring.has(worker)) return;
    await worker.terminate();
    this.#retiring.delete(worker);
  }

  #onExit(slot: Slot, worker: PoolWorkerHandle, reason: string): void {
    this.#retiring.delete(worker);
    if (slot.worker !== worker) return;
    const wasReady = slot.ready;
    const job = slot.job;
    slot.worker = undefined;
    slot.ready = false;
    slot.job = undefined;
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
 * Starts a pool of workers that decode (sharp, behind the decoder's limits) and hash images. A job
 * over the time limit fails with `MEDIA_TIMEOUT` and its worker is replaced; a worker that dies
 * fails its job with `MEDIA_WORKER_CRASHED` and is replaced; the pool keeps serving. Idle workers
 * do not keep the process alive, but call {@link HashingPool.close} when done.
 *
 * Isolation: worker threads (the default) share the process, so a native crash (segfault) in a
 * codec ends the whole process; `isolation: 'process'` confines it to one child process.
 */
export function createHashingPool(options: HashingPoolOptions = {}): HashingPool & VideoHashingPool {
  return new WorkerHashingPool(options);
}
