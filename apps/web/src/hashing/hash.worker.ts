// The hashing worker: receives a picked file, answers its hashes. The file never leaves the
// device: this worker has no network code at all.
import { HashImageError, hashImageFile, type ImageHashes } from './image-hashes.js';

/** A request to the worker. */
export interface HashRequest {
  readonly id: number;
  readonly file: Blob;
}

/** The worker's answer: hashes, or a failure reason, and how long hashing took. */
export type HashResponse =
  | {
      readonly id: number;
      readonly ok: true;
      readonly hashes: ImageHashes;
      readonly ms: number;
    }
  | { readonly id: number; readonly ok: false; readonly reason: 'unreadable' | 'too-small' };

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<HashRequest>) => void) | null;
  postMessage(message: HashResponse): void;
};

scope.onmessage = (event) => {
  const { id, file } = event.data;
  const start = performance.now();
  hashImageFile(file).then(
    (hashes) => scope.postMessage({ id, ok: true, hashes, ms: performance.now() - start }),
    (error: unknown) =>
      scope.postMessage({
        id,
        ok: false,
        reason: error instanceof HashImageError ? error.reason : 'unreadable',
      }),
  );
};
