import type { HashRequest, HashResponse } from './hash.worker.js';
import type { ImageHashes } from './image-hashes.js';

/** The outcome of hashing one file. */
export type HashOutcome =
  | { readonly ok: true; readonly hashes: ImageHashes; readonly ms: number }
  | { readonly ok: false; readonly reason: 'unreadable' | 'too-small' };

/** Hashes files in one Web Worker, one at a time in the order asked (keeps the page responsive). */
export class HashClient {
  #worker: Worker | undefined;
  #next = 1;
  readonly #pending = new Map<number, (outcome: HashOutcome) => void>();

  hash(file: Blob): Promise<HashOutcome> {
    const worker = this.start();
    const id = this.#next++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      worker.postMessage({ id, file } satisfies HashRequest);
    });
  }

  /** Starts the worker now (on page load), so hashing needs no network later. */
  start(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('./hash.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (event: MessageEvent<HashResponse>) => {
      const response = event.data;
      const resolve = this.#pending.get(response.id);
      this.#pending.delete(response.id);
      resolve?.(response.ok ? { ok: true, hashes: response.hashes, ms: response.ms } : response);
    };
    worker.onerror = () => {
      for (const resolve of this.#pending.values()) resolve({ ok: false, reason: 'unreadable' });
      this.#pending.clear();
    };
    this.#worker = worker;
    return worker;
  }
}
