// Worker thread: builds a PdqIndex (from arrays posted by `createWorkerIndexBuilder`, or from a
// live index's rebuild source posted by `createWorkerIndexRebuilder`) and posts back its
// serialized form. Tables are allocated on SharedArrayBuffers, so nothing is copied on the way
// home; shared input arrays (the engine loads into shared memory) are not copied on the way out.
import { parentPort } from 'node:worker_threads';
import { PdqIndex, rebuildIndex, transferListOf, type RebuildSource } from '@hashline/matcher';
import { lowerThreadPriority } from '@hashline/node-worker';

/** What the main thread asks for. */
export type IndexBuildRequest =
  | { readonly kind: 'build'; readonly ids: Uint32Array; readonly hashes: Uint32Array }
  | { readonly kind: 'rebuild'; readonly source: RebuildSource };

// Background work: the server's event loop comes first.
lowerThreadPriority();

parentPort!.once('message', (request: IndexBuildRequest) => {
  try {
    const index =
      request.kind === 'build'
        ? PdqIndex.build(request.ids, request.hashes, { shared: true })
        : rebuildIndex(request.source, { shared: true });
    const serialized = index.serialize();
    parentPort!.postMessage({ ok: true, serialized }, transferListOf(serialized));
  } catch (error) {
    parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
  }
});
