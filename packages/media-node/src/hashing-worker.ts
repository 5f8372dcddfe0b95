// Entry of a hashing-pool worker, as a worker thread or as a child process (IPC): decodes and
// hashes one job at a time.
import { parentPort, workerData } from 'node:worker_threads';
import type { HashingRequest, HashingResponse, HashingWorkerData } from './hashing-protocol.js';
import { readImageFile } from './image-file-reader.js';
import { hashImageBytes } from './image-hasher.js';
import { isMediaDecodeError } from './media-decode-error.js';
import { DEFAULT_MAX_BYTES, adoptSharpPolicy, applySharpPolicy } from './sharp-image-decoder.js';
import { hashVideoFile } from './video-hasher.js';

interface Channel {
  /** `transfer`: buffers a worker thread hands over without copying (IPC always copies). */
  send(message: HashingResponse, transfer?: ArrayBuffer[]): void;
  onRequest(listener: (request: HashingRequest) => void): void;
}

function connect(): { channel: Channel; data: HashingWorkerData; isProcess: boolean } {
  if (parentPort !== null) {
    const port = parentPort;
    return {
      channel: {
        send: (m, transfer = []) => port.postMessage(m, transfer),
        onRequest: (l) => port.on('message', l),
      },
      data: workerData as HashingWorkerData,
      isProcess: false,
    };
  }
  const send = process.send?.bind(process);
  if (send === undefined)
    throw new Error('hashing-worker runs in a worker thread or a forked child process.');
  // A child whose parent is gone has nothing left to do.
  process.on('disconnect', () => process.exit(0));
  return {
    channel: {
      send: (m) => void send(m),
      onRequest: (l) => process.on('message', (m) => l(m as HashingRequest)),
    },
    data: JSON.parse(process.argv[2] ?? '{}') as HashingWorkerData,
    isProcess: true,
  };
}

const { channel, data, isProcess } = connect();

async function handle(request: HashingRequest): Promise<void> {
  try {
    if (data.testHooks && request.fault === 'segfault' && isProcess) {
      // What a codec's memory error looks like from outside: death by signal, no JS involved.
      process.kill(process.pid, 'SIGSEGV');
      return;
    }
    if (data.testHooks && (request.fault === 'crash' || request.fault === 'segfault')) {
      // An uncaught exception outside any promise chain, as a native-binding bug would surface.
      setImmediate(() => {
        throw new Error('Injected worker crash (test hook).');
      });
      return;
    }
    if (data.testHooks && request.fault === 'hang') {
      // Blocks this worker's event loop for good; only terminate() ends it.
      for (;;) {
        /* spin */
      }
    }
    if (request.video !== undefined) {
      if (request.source.kind !== 'file') throw new Error('A video job names a file.');
      // The decoder processes are killed by hashVideoFile's own limit, just as the pool gives up.
      const video = await hashVideoFile(request.source.path, { ...data.video, ...request.video });
      channel.send({ type: 'video-result', id: request.id, video });
      return;
    }
    const bytes =
      request.source.kind === 'bytes'
        ? request.source.bytes
        : await readImageFile(request.source.path, data.decode.maxBytes ?? DEFAULT_MAX_BYTES);
    const hashes = await hashImageBytes(bytes, { ...request.options, decode: data.decode });
    // The derivatives are fresh copies in ArrayBuffers of their own (never a pooled slab), so
    // handing them over detaches nothing else.
    const transfer = hashes.derivatives
      ? [hashes.derivatives.thumbnail.buffer as ArrayBuffer, hashes.derivatives.preview.buffer as ArrayBuffer]
      : [];
    channel.send({ type: 'result', id: request.id, hashes }, transfer);
  } catch (error) {
    if (isMediaDecodeError(error)) {
      channel.send({ type: 'error', id: request.id, code: error.code, message: error.message });
    } else {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      channel.send({ type: 'error', id: request.id, code: 'MEDIA_INTERNAL', message });
    }
  }
}

channel.onRequest((request) => {
  void handle(request);
});
// A worker thread shares libvips with the pool's thread, which applied the policy before starting
// any worker; re-applying it here would briefly block every loader under the other workers' decodes.
if (data.sharpPolicyApplied && !isProcess) adoptSharpPolicy();
else applySharpPolicy();
channel.send({ type: 'ready' });
