// Worker-thread entry of the hashing pool: decodes and hashes one job at a time.
import { parentPort, workerData } from 'node:worker_threads';
import type { HashingRequest, HashingResponse, HashingWorkerData } from './hashing-protocol.js';
import { readImageFile } from './image-file-reader.js';
import { hashImageBytes } from './image-hasher.js';
import { isMediaDecodeError } from './media-decode-error.js';
import { DEFAULT_MAX_BYTES, applySharpPolicy } from './sharp-image-decoder.js';

if (parentPort === null) throw new Error('hashing-worker must run in a worker thread.');
const port = parentPort;
const data = workerData as HashingWorkerData;

function send(message: HashingResponse): void {
  port.postMessage(message);
}

async function handle(request: HashingRequest): Promise<void> {
  try {
    if (data.testHooks && request.fault === 'crash') {
      // An uncaught exception outside any promise chain, as a native-binding bug would surface.
      setImmediate(() => {
        throw new Error('Injected worker crash (test hook).');
      });
      return;
    }
    if (data.testHooks && request.fault === 'hang') {
      // Blocks this thread's event loop for good; only terminate() ends it.
      for (;;) {
        /* spin */
      }
    }
    const bytes =
      request.source.kind === 'bytes'
        ? request.source.bytes
        : await readImageFile(request.source.path, data.decode.maxBytes ?? DEFAULT_MAX_BYTES);
    const hashes = await hashImageBytes(bytes, { ...request.options, decode: data.decode });
    send({ type: 'result', id: request.id, hashes });
  } catch (error) {
    if (isMediaDecodeError(error)) {
      send({ type: 'error', id: request.id, code: error.code, message: error.message });
    } else {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      send({ type: 'error', id: request.id, code: 'MEDIA_INTERNAL', message });
    }
  }
}

port.on('message', (request: HashingRequest) => {
  void handle(request);
});
applySharpPolicy();
send({ type: 'ready' });
