// Worker thread: builds a PdqIndex from the arrays posted by `createWorkerIndexBuilder` and posts
// back its serialized form. The tables are allocated on SharedArrayBuffers and the input arrays
// are transferred back, so nothing is copied on the way home.
import { parentPort } from 'node:worker_threads';
import { PdqIndex, transferListOf } from '@hashline/matcher';

interface BuildRequest {
  readonly ids: Uint32Array;
  readonly hashes: Uint32Array;
}

parentPort!.once('message', (request: BuildRequest) => {
  try {
    const serialized = PdqIndex.build(request.ids, request.hashes, { shared: true }).serialize();
    parentPort!.postMessage({ ok: true, serialized }, transferListOf(serialized));
  } catch (error) {
    parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
  }
});
