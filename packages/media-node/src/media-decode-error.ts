/**
 * Stable codes of {@link MediaDecodeError}. They are part of the public contract: callers map them
 * to HTTP statuses or job outcomes, so a code is never renamed, only added.
 */
export const MEDIA_ERROR_CODES = [
  /** The input has no bytes. */
  'MEDIA_EMPTY',
  /** The input has more bytes than `maxBytes`. */
  'MEDIA_TOO_LARGE',
  /** The header declares more pixels than `maxPixels` (checked before any pixel is decoded). */
  'MEDIA_TOO_MANY_PIXELS',
  /** Not one of the accepted formats (checked by magic bytes), or a codec this build lacks. */
  'MEDIA_UNSUPPORTED_FORMAT',
  /** A supported format whose data is truncated or damaged. */
  'MEDIA_CORRUPT',
  /** Decoding or hashing took longer than the time limit. */
  'MEDIA_TIMEOUT',
  /** The pool worker handling the job died; the pool has replaced it. */
  'MEDIA_WORKER_CRASHED',
  /** The hashing pool was closed before or while the job ran. */
  'MEDIA_POOL_CLOSED',
  /** The file could not be read (missing, unreadable, a directory…). */
  'MEDIA_READ_FAILED',
  /** An unexpected failure inside this package (a bug): the message says more. */
  'MEDIA_INTERNAL',
  /**
   * The pool's queue is full, or the job's owner has as many jobs in flight as it may: retry
   * shortly (issue 15: one caller's uploads must not starve everyone's).
   */
  'MEDIA_BUSY',
] as const;

/** One of {@link MEDIA_ERROR_CODES}. */
export type MediaErrorCode = (typeof MEDIA_ERROR_CODES)[number];

/**
 * The one error type of `@hashline/media-node`: every hostile, broken or oversized input ends in
 * one of these, with a stable {@link MediaErrorCode} and a message fit for logs (it never contains
 * media bytes).
 */
export class MediaDecodeError extends Error {
  /** Stable machine-readable reason. */
  readonly code: MediaErrorCode;

  /**
   * @param code stable reason
   * @param message human-readable detail (never media bytes)
   * @param options standard error options (`cause`)
   */
  constructor(code: MediaErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MediaDecodeError';
    this.code = code;
  }
}

/** True when `value` is a {@link MediaDecodeError} (also across realms, by name and code). */
export function isMediaDecodeError(value: unknown): value is MediaDecodeError {
  if (value instanceof MediaDecodeError) return true;
  if (!(value instanceof Error) || value.name !== 'MediaDecodeError') return false;
  const code: unknown = (value as Error & { code?: unknown }).code;
  return typeof code === 'string' && (MEDIA_ERROR_CODES as readonly string[]).includes(code);
}
