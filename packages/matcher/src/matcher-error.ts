/** Stable error codes of `@hashline/matcher` (the server maps them to HTTP statuses at the edge). */
export type MatcherErrorCode =
  | 'MATCHER_INVALID_HASH'
  | 'MATCHER_INVALID_RADIUS'
  | 'MATCHER_INVALID_ID'
  | 'MATCHER_INVALID_SEQ'
  | 'MATCHER_INVALID_INPUT'
  | 'MATCHER_STALE_REBUILD'
  | 'MATCHER_SHARED_MEMORY_UNAVAILABLE';

/** An error raised by the matcher, with a stable {@link MatcherErrorCode}. */
export class MatcherError extends Error {
  /** Stable, machine-readable reason. */
  readonly code: MatcherErrorCode;

  constructor(code: MatcherErrorCode, message: string) {
    super(message);
    this.name = 'MatcherError';
    this.code = code;
  }
}
