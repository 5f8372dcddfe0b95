import { PdqError } from './pdq-error.js';
import type { PdqHash } from './types.js';

/** Bytes in a PDQ hash (256 bits). */
export const PDQ_HASH_BYTES = 32;

const HEX_DIGITS = '0123456789abcdef';
const HEX_PATTERN = /^[0-9a-fA-F]{64}$/;

/** Formats a hash as 64 lower-case hex digits, the form Meta's reference prints and exchanges use. */
export function toHex(hash: PdqHash): string {
  assertHash(hash, 'hash');
  let hex = '';
  for (let i = 0; i < PDQ_HASH_BYTES; i++) {
    const byte = hash[i]!;
    hex += HEX_DIGITS[byte >> 4]! + HEX_DIGITS[byte & 15]!;
  }
  return hex;
}

/**
 * Parses a hash from exactly 64 hex digits (either case, no prefix, no spaces).
 * @throws {PdqError} `PDQ_INVALID_HEX` with a message that says what is wrong.
 */
export function fromHex(hex: string): PdqHash {
  if (typeof hex !== 'string')
    throw new PdqError('PDQ_INVALID_HEX', 'A PDQ hash must be a string of 64 hex digits.');
  if (!HEX_PATTERN.test(hex)) {
    const detail =
      hex.length !== 64
        ? `it has ${hex.length} characters`
        : `character ${[...hex].findIndex((c) => !/[0-9a-fA-F]/.test(c)) + 1} is not a hex digit`;
    throw new PdqError('PDQ_INVALID_HEX', `A PDQ hash must be exactly 64 hex digits; ${detail}.`);
  }
  const hash = new Uint8Array(PDQ_HASH_BYTES);
  for (let i = 0; i < PDQ_HASH_BYTES; i++) hash[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return hash;
}

/** True when `hex` is a well-formed PDQ hash (64 hex digits). */
export function isPdqHex(hex: string): boolean {
  return typeof hex === 'string' && HEX_PATTERN.test(hex);
}

/** Number of set bits in a byte, precomputed. */
const BYTE_POPCOUNT = new Uint8Array(256).map((_, b) => {
  let n = 0;
  for (let v = b; v; v &= v - 1) n++;
  return n;
});

/** The Hamming distance (0–256) between two hashes: how many of the 256 bits differ. */
export function hammingDistance(a: PdqHash, b: PdqHash): number {
  assertHash(a, 'a');
  assertHash(b, 'b');
  let distance = 0;
  for (let i = 0; i < PDQ_HASH_BYTES; i++) distance += BYTE_POPCOUNT[a[i]! ^ b[i]!]!;
  return distance;
}

function assertHash(hash: PdqHash, name: string): void {
  if (!(hash instanceof Uint8Array) || hash.length !== PDQ_HASH_BYTES) {
    throw new PdqError('PDQ_INVALID_HASH', `${name} must be a PDQ hash of ${PDQ_HASH_BYTES} bytes.`);
  }
}
