import { MatcherError } from './matcher-error.js';

/** Bytes in a PDQ hash. */
export const PDQ_HASH_BYTES = 32;

/** 32-bit words per packed PDQ hash. */
export const PDQ_HASH_WORDS = 8;

/** Largest query radius accepted (PDQ's recommended match threshold is 31). */
export const MAX_RADIUS = 64;

/** A PDQ hash as 32 bytes (byte 0 = the first two hex digits) or as its 64-digit hex form. */
export type PdqHashInput = Uint8Array | string;

const HEX_VALUE = /* @__PURE__ */ (() => {
  const table = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) table[48 + i] = i;
  for (let i = 0; i < 6; i++) {
    table[65 + i] = 10 + i;
    table[97 + i] = 10 + i;
  }
  return table;
})();

/**
 * Decodes hex digits (either case) into `out`, returning false on any non-hex character. The
 * caller has already checked that `hex.length === out.length * 2`.
 */
function decodeHexInto(hex: string, out: Uint8Array): boolean {
  for (let i = 0; i < out.length; i++) {
    const hi = hex.charCodeAt(2 * i);
    const lo = hex.charCodeAt(2 * i + 1);
    const h = hi < 128 ? (HEX_VALUE[hi] as number) : -1;
    const l = lo < 128 ? (HEX_VALUE[lo] as number) : -1;
    if (h < 0 || l < 0) return false;
    out[i] = (h << 4) | l;
  }
  return true;
}

/**
 * Parses `length` bytes given as bytes or hex; throws `MATCHER_INVALID_HASH` (naming `what`)
 * otherwise. Bytes are returned as given (not copied).
 */
export function toDigestBytes(input: Uint8Array | string, length: number, what: string): Uint8Array {
  if (typeof input === 'string') {
    const out = new Uint8Array(length);
    if (input.length !== length * 2 || !decodeHexInto(input, out)) {
      throw new MatcherError('MATCHER_INVALID_HASH', `${what} must be ${length * 2} hex digits`);
    }
    return out;
  }
  if (!(input instanceof Uint8Array) || input.length !== length) {
    throw new MatcherError('MATCHER_INVALID_HASH', `${what} must be ${length} bytes`);
  }
  return input;
}

/**
 * Packs a PDQ hash into 8 words at `out[offset..offset+8)`. Word `i` holds bytes `4i..4i+3`,
 * little-endian, so the same layout results from a `Uint32Array` view over the bytes on every
 * common CPU; Hamming distance does not depend on the order anyway, only on consistency.
 */
export function packPdqHash(hash: PdqHashInput, out: Uint32Array, offset: number): void {
  const b = toDigestBytes(hash, PDQ_HASH_BYTES, 'PDQ hash');
  for (let i = 0; i < PDQ_HASH_WORDS; i++) {
    const j = 4 * i;
    out[offset + i] =
      ((b[j] as number) |
        ((b[j + 1] as number) << 8) |
        ((b[j + 2] as number) << 16) |
        ((b[j + 3] as number) << 24)) >>>
      0;
  }
}

/** Packs one PDQ hash into a fresh 8-word array. */
export function pdqHashToWords(hash: PdqHashInput): Uint32Array {
  const out = new Uint32Array(PDQ_HASH_WORDS);
  packPdqHash(hash, out, 0);
  return out;
}

/** Unpacks the 8 words at `words[offset..)` back into the 32-byte form. */
export function wordsToPdqHash(words: Uint32Array, offset: number): Uint8Array {
  const out = new Uint8Array(PDQ_HASH_BYTES);
  for (let i = 0; i < PDQ_HASH_WORDS; i++) {
    const w = words[offset + i] as number;
    out[4 * i] = w & 0xff;
    out[4 * i + 1] = (w >>> 8) & 0xff;
    out[4 * i + 2] = (w >>> 16) & 0xff;
    out[4 * i + 3] = w >>> 24;
  }
  return out;
}

/** Lower-case hex of bytes. */
export function bytesToHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] as number).toString(16).padStart(2, '0');
  return s;
}

/**
 * Per-byte bit counts of `x` (each byte 0..8). Summing up to 31 of these cannot overflow a byte,
 * so callers add four and fold once with {@link foldBytes}.
 */
export function byteCounts(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (x + (x >>> 4)) & 0x0f0f0f0f;
}

/** Sum of the four bytes of `x` (each byte ≤ 63, so the sum fits in the top byte). */
export function foldBytes(x: number): number {
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Hamming distance between the packed hashes at `a[ai..)` and `b[bi..)`. */
export function wordsDistance(a: Uint32Array, ai: number, b: Uint32Array, bi: number): number {
  let lo = 0;
  let hi = 0;
  for (let k = 0; k < 4; k++) lo += byteCounts(((a[ai + k] as number) ^ (b[bi + k] as number)) >>> 0);
  for (let k = 4; k < 8; k++) hi += byteCounts(((a[ai + k] as number) ^ (b[bi + k] as number)) >>> 0);
  return foldBytes(lo) + foldBytes(hi);
}

/** Throws `MATCHER_INVALID_RADIUS` unless `radius` is an integer in 0..{@link MAX_RADIUS}. */
export function checkRadius(radius: number): void {
  if (!Number.isInteger(radius) || radius < 0 || radius > MAX_RADIUS) {
    throw new MatcherError('MATCHER_INVALID_RADIUS', `radius must be an integer from 0 to ${MAX_RADIUS}`);
  }
}

/** Throws `MATCHER_INVALID_ID` unless `id` is a uint32. */
export function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) {
    throw new MatcherError('MATCHER_INVALID_ID', 'entry ids must be integers from 0 to 4294967295');
  }
}

/**
 * Scans `count` packed hashes and calls `found(position, distance)` for each within `radius` of
 * the query at `q[qo..)`. The first half of each hash is checked before the second: a random
 * hash is ~64 bits away after 128 bits, so most are rejected after four words.
 */
export function scanWords(
  words: Uint32Array,
  count: number,
  q: Uint32Array,
  qo: number,
  radius: number,
  found: (position: number, distance: number) => void,
): void {
  const q0 = q[qo] as number;
  const q1 = q[qo + 1] as number;
  const q2 = q[qo + 2] as number;
  const q3 = q[qo + 3] as number;
  const q4 = q[qo + 4] as number;
  const q5 = q[qo + 5] as number;
  const q6 = q[qo + 6] as number;
  const q7 = q[qo + 7] as number;
  for (let p = 0, w = 0; p < count; p++, w += 8) {
    let d = foldBytes(
      byteCounts((words[w] as number) ^ q0) +
        byteCounts((words[w + 1] as number) ^ q1) +
        byteCounts((words[w + 2] as number) ^ q2) +
        byteCounts((words[w + 3] as number) ^ q3),
    );
    if (d > radius) continue;
    d += foldBytes(
      byteCounts((words[w + 4] as number) ^ q4) +
        byteCounts((words[w + 5] as number) ^ q5) +
        byteCounts((words[w + 6] as number) ^ q6) +
        byteCounts((words[w + 7] as number) ^ q7),
    );
    if (d <= radius) found(p, d);
  }
}
