/** Stable codes of the errors the pdq package throws. */
export type PdqErrorCode =
  | 'PDQ_INVALID_HEX'
  | 'PDQ_INVALID_HASH'
  | 'PDQ_INVALID_PIXELS'
  | 'PDQ_ENGINE_UNAVAILABLE'
  /** A malformed vPDQ line, or a vPDQ parameter out of range (seconds per hash, frame rate). */
  | 'PDQ_INVALID_VPDQ';

/**
 * Thrown on malformed input (a bad hex string, a pixel buffer that does not match its dimensions),
 * or when `engine: 'wasm'` is asked for where WebAssembly is unavailable.
 */
export class PdqError extends Error {
  /** A stable, machine-readable code; the message is for people. */
  readonly code: PdqErrorCode;

  constructor(code: PdqErrorCode, message: string) {
    super(message);
    this.name = 'PdqError';
    this.code = code;
  }
}
