import { Worker } from 'node:worker_threads';
import { workerScript } from '@hashline/node-worker';
import type { PdqIndexBuilder, PdqIndexRebuilder } from '@hashline/domain';
import type { IndexBuildRequest } from './index-build-worker.js';
import { PdqIndex, type SerializedPdqIndex } from '@hashline/matcher';

type BuildReply = { ok: true; serialized: SerializedPdqIndex } | { ok: false; message: string };

/** Runs one build request in a fresh worker thread and resolves with the index it sends back. */
function buildInWorker(request: IndexBuildRequest, transfer: readonly ArrayBufferLike[]): Promise<PdqIndex> {
  const location = workerScript(import.meta.url, 'index-build-worker');
  return new Promise<PdqIndex>((resolve, reject) => {
    const worker = new Worker(location.url, location.entry ? { workerData: { entry: location.entry } } : {});
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
    // Plain ArrayBuffers are moved; SharedArrayBuffers are shared by posting them as they are.
    const movable = transfer.filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
    worker.postMessage(request, [...new Set(movable)]);
  });
}

/**
 * A {@link PdqIndexBuilder} that builds each index in a fresh worker thread, so building millions
 * of entries (about 1 s per million) never blocks the event loop. Input arrays on plain
 * ArrayBuffers are transferred (the caller's arrays are detached: like `PdqIndex.build`, the
 * builder owns its inputs); shared ones are shared. The index tables come back on
 * SharedArrayBuffers. Nothing is copied.
 */
export function createWorkerIndexBuilder(): PdqIndexBuilder {
  return (ids, hashes) => buildInWorker({ kind: 'build', ids, hashes }, [ids.buffer, hashes.buffer]);
}

/**
 * A {@link PdqIndexRebuilder} that folds a live index's delta into a new base in a worker thread.
 * The base arrays must stay usable by the live index meanwhile, so they are never transferred:
 * load the engine into shared memory (`sharedMemory: true`) and they are shared, not copied.
 */
export function createWorkerIndexRebuilder(): PdqIndexRebuilder {
  return (source) =>
    buildInWorker({ kind: 'rebuild', source }, [
      source.removedIds.buffer,
      source.deltaIds.buffer,
      source.deltaHashes.buffer,
    ]);
}
