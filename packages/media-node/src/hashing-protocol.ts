// Messages between the hashing pool and its workers. Internal: not exported from the package.
import type { DecodeOptions } from './sharp-image-decoder.js';
import type { HashOptions, ImageHashes } from './image-hasher.js';
import type { MediaErrorCode } from './media-decode-error.js';
import type { VideoHashes, VideoHashOptions } from './video-hasher.js';

/** The per-job choices of a video job (limits come from the pool's `video` options). */
export type VideoJobOptions = Pick<
  VideoHashOptions,
  | 'secondsPerHash'
  | 'squareSize'
  | 'downscaleMethod'
  | 'rgbConversion'
  | 'digests'
  | 'failOnDecodeErrors'
  | 'contactSheet'
>;

/** Limits and decoder choices every video job of a pool gets. */
export type VideoPoolOptions = Omit<VideoHashOptions, keyof VideoJobOptions | 'signal' | 'engine'>;

/**
 * Faults a worker can be asked to simulate, only when the pool was created with `testHooks`:
 * an uncaught exception, a blocked event loop, or (child processes only; threads crash instead)
 * death by SIGSEGV as a codec bug would cause.
 */
export type InjectedFault = 'crash' | 'hang' | 'segfault';

/** Data every worker starts with. */
export interface HashingWorkerData {
  readonly decode: DecodeOptions;
  /** Limits of video jobs; `timeoutMs` is set per job from the pool's time limit. */
  readonly video: VideoPoolOptions;
  readonly testHooks: boolean;
  /**
   * The pool's thread already applied the libvips policy for the whole process (thread isolation):
   * the worker must not apply it again (see `adoptSharpPolicy`).
   */
  readonly sharpPolicyApplied: boolean;
  /** Source mode only: URL of the TypeScript worker module the bootstrap imports. */
  readonly entry?: string;
}

/** One job for a worker. */
export interface HashingRequest {
  readonly id: number;
  readonly source:
    { readonly kind: 'bytes'; readonly bytes: Uint8Array } | { readonly kind: 'file'; readonly path: string };
  readonly options: HashOptions;
  /** Present for a video job (the source is then a file): vPDQ instead of image hashing. */
  readonly video?: VideoJobOptions & { readonly timeoutMs: number };
  readonly fault?: InjectedFault;
}

/** What a worker sends back. */
export type HashingResponse =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly id: number; readonly hashes: ImageHashes }
  | { readonly type: 'video-result'; readonly id: number; readonly video: VideoHashes }
  | { readonly type: 'error'; readonly id: number; readonly code: MediaErrorCode; readonly message: string };
