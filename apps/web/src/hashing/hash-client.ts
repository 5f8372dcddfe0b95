import type { FrameHash, HashRequest, HashResponse } from './hash.worker.js';
import type { FileDigests, ImageHashes } from './image-hashes.js';

/** The outcome of a hashing job. */
export type HashOutcome<T> =
  | { readonly ok: true; readonly result: T; readonly ms: number }
  | { readonly ok: false; readonly reason: 'unreadable' | 'too-small' };

type Job = HashRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** Hashes in one Web Worker, one job at a time in the order asked (keeps the page responsive). */
export class HashClient {
  #worker: Worker | undefined;
  #next = 1;
  readonly #pending = new Map<number, (outcome: HashOutcome<unknown>) => void>();

  /** PDQ, MD5 and SHA-256 of an image file. */
  hashImage(file: Blob): Promise<HashOutcome<ImageHashes>> {
    return this.#run({ kind: 'image', file });
  }

  /** MD5 and SHA-256 of any file (a video). */
  digests(file: Blob): Promise<HashOutcome<FileDigests>> {
    return this.#run({ kind: 'digests', file });
  }

  /** PDQ of one decoded video frame (RGBA); the pixels are moved to the worker, not copied. */
  hashFrame(data: Uint8ClampedArray, width: number, height: number): Promise<HashOutcome<FrameHash>> {
    return this.#run({ kind: 'frame', data, width, height }, [data.buffer as ArrayBuffer]);
  }

  /** Starts the worker now (on page load), so hashing needs no network later. */
  start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('./hash.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<HashResponse>) => {
      const response = event.data;
      const resolve = this.#pending.get(response.id);
      this.#pending.delete(response.id);
      resolve?.(response.ok ? { ok: true, result: response.result, ms: response.ms } : response);
    };
    worker.onerror = () => {
      for (const resolve of this.#pending.values()) resolve({ ok: false, reason: 'unreadable' });
      this.#pending.clear();
    };
    this.#worker = worker;
    return worker;
  }

  #run<T>(job: Job, transfer: Transferable[] = []): Promise<HashOutcome<T>> {
    const worker = this.start();
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve as (outcome: HashOutcome<unknown>) => void);
      worker.postMessage({ ...job, id } as HashRequest, transfer);
    });
  }
}
