import { Worker } from 'node:worker_threads';
import { workerScript } from '@hashline/node-worker';
import type { PdqIndexBuilder } from '@hashline/domain';
import { PdqIndex, type SerializedPdqIndex } from '@hashline/matcher';

type BuildReply = { ok: true; serialized: SerializedPdqIndex } | { ok: false; message: string };

/**
 * A {@link PdqIndexBuilder} that builds each index in a fresh worker thread, so building millions
 * of entries (about 1 s per million) never blocks the event loop. The input arrays are
 * transferred to the worker and back (the caller's arrays are detached: like `PdqIndex.build`, the
 * builder owns its inputs); the index tables come back on SharedArrayBuffers. Nothing is copied.
 */
export function createWorkerIndexBuilder(): PdqIndexBuilder {
  const location = workerScript(import.meta.url, 'index-build-worker');
  return (ids, hashes) =>
    new Promise<PdqIndex>((resolve, reject) => {
      const worker = new Worker(
        location.url,
        location.entry ? { workerData: { entry: location.entry } } : {},
      );
      let settled = false;
      worker.once('message', (reply: BuildReply) => {
        settled = true;
        void worker.terminate();
        if (reply.ok) resolve(PdqIndex.fromSerialized(reply.serialized));
        else reject(new Error(`Index build failed: ${reply.message}`));
      });
      worker.once('error', (error) => {
        settled = true;
        reject(error);
      });
      worker.once('exit', (code) => {
        if (!settled) reject(new Error(`The index build worker exited (code ${code}) before answering.`));
      });
      const transfer = [ids.buffer, hashes.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
      worker.postMessage({ ids, hashes }, [...new Set(transfer)]);
    });
}
