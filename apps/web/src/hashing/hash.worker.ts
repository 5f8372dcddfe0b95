// The hashing worker: receives a picked file (or a decoded video frame), answers its hashes. The
// file never leaves the device: this worker has no network code at all.
import { collapseGrey, pdqHash, toHex } from '@hashline/pdq';
import {
  HashImageError,
  fileDigests,
  hashImageFile,
  type FileDigests,
  type ImageHashes,
} from './image-hashes.js';

/** A request to the worker. */
export type HashRequest =
  | { readonly id: number; readonly kind: 'image'; readonly file: Blob }
  | { readonly id: number; readonly kind: 'digests'; readonly file: Blob }
  | {
      readonly id: number;
      readonly kind: 'frame';
      readonly data: Uint8ClampedArray;
      readonly width: number;
      readonly height: number;
    };

/** A video frame's PDQ. */
export interface FrameHash {
  readonly pdq: string;
  readonly quality: number;
}

/** The worker's answer: the result, or a failure reason, and how long it took. */
export type HashResponse =
  | {
      readonly id: number;
      readonly ok: true;
      readonly result: ImageHashes | FileDigests | FrameHash;
      readonly ms: number;
    }
  | { readonly id: number; readonly ok: false; readonly reason: 'unreadable' | 'too-small' };

const scope = self as unknown as {
  onmessage: ((event: MessageEvent<HashRequest>) => void) | null;
  postMessage(message: HashResponse): void;
};

async function run(request: HashRequest): Promise<ImageHashes | FileDigests | FrameHash> {
  switch (request.kind) {
    case 'image':
      return hashImageFile(request.file);
    case 'digests':
      return fileDigests(new Uint8Array(await request.file.arrayBuffer()));
    case 'frame': {
      // Video frames are hashed at their own size, without the 512 pre-resize (vPDQ, SPEC §8).
      const { data, width, height } = request;
      const { hash, quality } = pdqHash(collapseGrey({ data, width, height, channels: 4 }), {
        preResize: false,
      });
      return { pdq: toHex(hash), quality };
    }
  }
}

scope.onmessage = (event) => {
  const request = event.data;
  const start = performance.now();
  run(request).then(
    (result) => scope.postMessage({ id: request.id, ok: true, result, ms: performance.now() - start }),
    (error: unknown) =>
      scope.postMessage({
        id: request.id,
        ok: false,
        reason: error instanceof HashImageError ? error.reason : 'unreadable',
      }),
  );
};
