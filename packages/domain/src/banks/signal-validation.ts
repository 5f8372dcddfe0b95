import { PDQ_MIN_QUALITY } from '@hashline/pdq';
import { DomainError } from '../domain-error.js';
import { SIGNAL_TYPES, type SignalType } from '../vocabulary.js';

/** Hex digits of each signal type's value. */
export const SIGNAL_HEX_LENGTH: Readonly<Record<SignalType, number>> = {
  pdq: 64,
  md5: 32,
  sha1: 40,
  sha256: 64,
  // The key of a video signal (SHA-256 of its frame list); the frames travel beside it.
  vpdq: 64,
};

/** True when `value` names a supported signal type. */
export function isSignalType(value: unknown): value is SignalType {
  return typeof value === 'string' && (SIGNAL_TYPES as readonly string[]).includes(value);
}

/**
 * Validates a hash for storing or matching and returns it as lower-case hex.
 *
 * PDQ hashes are refused when their quality is known and below 50 (too unreliable to match on,
 * Meta's recommendation) and when all zeros or all ones (what a failed or degenerate hash looks
 * like: it would match unrelated images, or nothing). The same rule applies at insert and at query.
 *
 * @throws {DomainError} `INVALID_HASH`, `LOW_QUALITY_HASH` or `DEGENERATE_HASH`.
 */
export function normalizeSignal(signalType: SignalType, value: unknown, quality?: number | null): string {
  if (!isSignalType(signalType)) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `Unknown signal type ${JSON.stringify(signalType)}; use one of ${SIGNAL_TYPES.join(', ')}.`,
    );
  }
  const digits = SIGNAL_HEX_LENGTH[signalType];
  if (typeof value !== 'string' || value.length !== digits || !/^[0-9a-fA-F]+$/.test(value)) {
    const what = typeof value === 'string' ? `${value.length} characters` : typeof value;
    throw new DomainError(
      'INVALID_HASH',
      `A ${signalType} hash must be exactly ${digits} hex digits; got ${what}.`,
    );
  }
  const hex = value.toLowerCase();
  if (signalType === 'pdq') {
    if (quality != null) {
      if (!Number.isInteger(quality) || quality < 0 || quality > 100) {
        throw new DomainError(
          'VALIDATION_FAILED',
          `PDQ quality must be an integer from 0 to 100; got ${quality}.`,
        );
      }
      if (quality < PDQ_MIN_QUALITY) {
        throw new DomainError(
          'LOW_QUALITY_HASH',
          `PDQ quality ${quality} is below ${PDQ_MIN_QUALITY}: the image has too little detail to match reliably.`,
        );
      }
    }
    if (/^0+$/.test(hex) || /^f+$/.test(hex)) {
      throw new DomainError(
        'DEGENERATE_HASH',
        'A PDQ hash of all zeros or all ones matches nothing reliably.',
      );
    }
  }
  return hex;
}
