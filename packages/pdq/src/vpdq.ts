import { fromHex, isPdqHex, toHex } from './hash-codec.js';
import { pdqHash } from './pdq-hasher.js';
import { PdqError } from './pdq-error.js';
import type { ImagePixels, PdqEngine } from './types.js';

/**
 * vPDQ, Meta's video hash (SPEC §8): a bag of per-frame PDQ hashes. This module is the pure part
 * (frame selection, frame hashing, the `frame,quality,hash,timestamp` format and the match rule);
 * decoding a video into RGB frames is the caller's (`@hashline/media-node` in Node).
 */

/** One hashed video frame, as one line of the reference's output. */
export interface VpdqFrame {
  /** 0-based index of the frame among all decoded frames of the video stream. */
  readonly frameNumber: number;
  /** PDQ quality 0–100 of the frame. */
  readonly quality: number;
  /** The frame's PDQ hash, 64 lower-case hex digits. */
  readonly pdqHex: string;
  /** `frameNumber / fps` in seconds, computed in f32 as the reference does. */
  readonly timestampSeconds: number;
}

/** Meta's recommended per-frame match distance (≤), as in python-threatexchange. */
export const VPDQ_DISTANCE_THRESHOLD = 31;
/** Frames of quality below this are dropped before matching. */
export const VPDQ_QUALITY_THRESHOLD = 50;
/** Default share (%) of the query's frames that must match (python-threatexchange). */
export const VPDQ_QUERY_MATCH_THRESHOLD_PERCENT = 80;
/** Default share (%) of the compared video's frames that must match (python-threatexchange). */
export const VPDQ_COMPARED_MATCH_THRESHOLD_PERCENT = 0;
/** Seconds between hashed frames by default: python-threatexchange and the Python bindings use 1. */
export const VPDQ_DEFAULT_SECONDS_PER_HASH = 1;

/**
 * The step between hashed frames: frame n is hashed when `n % step === 0`, with
 * `step = max(1, trunc(secondsPerHash · fps))` (C `int` conversion of a double, as the reference).
 * `secondsPerHash = 0` hashes every frame.
 */
export function vpdqFrameStep(secondsPerHash: number, framesPerSecond: number): number {
  if (!Number.isFinite(secondsPerHash) || secondsPerHash < 0) {
    throw new PdqError(
      'PDQ_INVALID_VPDQ',
      `secondsPerHash must be a finite number ≥ 0, got ${secondsPerHash}.`,
    );
  }
  if (!Number.isFinite(framesPerSecond) || framesPerSecond <= 0) {
    throw new PdqError(
      'PDQ_INVALID_VPDQ',
      `The frame rate must be a finite number > 0, got ${framesPerSecond}.`,
    );
  }
  return Math.max(1, Math.trunc(secondsPerHash * framesPerSecond));
}

/** Whether frame `frameNumber` is hashed at this step (see {@link vpdqFrameStep}). */
export function isVpdqFrameSelected(frameNumber: number, step: number): boolean {
  return frameNumber % step === 0;
}

/**
 * The reference's timestamp of a frame: `(float) frameNumber / (float) fps`, both in f32 (the
 * frame rate is stored as a float there), so the third decimal agrees with its files.
 */
export function vpdqTimestamp(frameNumber: number, framesPerSecond: number): number {
  return Math.fround(Math.fround(frameNumber) / Math.fround(framesPerSecond));
}

/** Options of {@link vpdqHashFrame}. */
export interface VpdqFrameOptions {
  readonly engine?: PdqEngine;
}

/**
 * Hashes one decoded frame (RGB at native or the chosen square size) the way vPDQ does: the PDQ
 * core without the 512 pre-resize. Frames with a side under 5 px hash to zeros with quality 0.
 */
export function vpdqHashFrame(
  pixels: ImagePixels,
  frameNumber: number,
  framesPerSecond: number,
  options: VpdqFrameOptions = {},
): VpdqFrame {
  const { hash, quality } = pdqHash(pixels, { preResize: false, engine: options.engine ?? 'auto' });
  return {
    frameNumber,
    quality,
    pdqHex: toHex(hash),
    timestampSeconds: vpdqTimestamp(frameNumber, framesPerSecond),
  };
}

/** Formats frames as the reference's file: one `frame,quality,hash,timestamp` line each (3 decimals). */
export function formatVpdqLines(frames: readonly VpdqFrame[]): string {
  let text = '';
  for (const frame of frames) text += formatVpdqLine(frame) + '\n';
  return text;
}

/** One `frame,quality,hash,timestamp` line, without the newline. */
export function formatVpdqLine(frame: VpdqFrame): string {
  return `${frame.frameNumber},${frame.quality},${frame.pdqHex},${frame.timestampSeconds.toFixed(3)}`;
}

/**
 * Parses the reference's `frame,quality,hash,timestamp` lines (blank lines ignored, CRLF accepted).
 * @throws {PdqError} `PDQ_INVALID_VPDQ` naming the line, for a malformed line or hash.
 */
export function parseVpdqLines(text: string): VpdqFrame[] {
  const frames: VpdqFrame[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(',');
    const [frameField, qualityField, hexField, timeField] = fields;
    const frameNumber = Number(frameField);
    const quality = Number(qualityField);
    const timestampSeconds = Number(timeField);
    if (
      fields.length !== 4 ||
      !/^\d+$/.test(frameField ?? '') ||
      !Number.isSafeInteger(frameNumber) ||
      !/^\d+$/.test(qualityField ?? '') ||
      quality > 100 ||
      !isPdqHex(hexField ?? '') ||
      timeField === undefined ||
      timeField.trim() === '' ||
      !Number.isFinite(timestampSeconds) ||
      timestampSeconds < 0
    ) {
      throw new PdqError(
        'PDQ_INVALID_VPDQ',
        `vPDQ line ${i + 1} is not 'frame,quality,hash,timestamp' (frame and quality 0–100 integers, 64 hex digits, seconds ≥ 0).`,
      );
    }
    frames.push({ frameNumber, quality, pdqHex: hexField!.toLowerCase(), timestampSeconds });
  }
  return frames;
}

/** Options of {@link vpdqMatch}; the defaults are python-threatexchange's. */
export interface VpdqMatchOptions {
  /** A frame matches when some frame of the other video is within this distance (≤). */
  readonly distanceThreshold?: number;
  /** Frames of lower quality are dropped first (kept when `quality ≥ this`). */
  readonly qualityThreshold?: number;
  /** The query's matched share must be at least this (%). */
  readonly queryMatchThresholdPercent?: number;
  /** The compared video's matched share must be at least this (%). */
  readonly comparedMatchThresholdPercent?: number;
}

/** Outcome of comparing two vPDQ hashes. */
export interface VpdqMatchResult {
  /** Share (%) of the query's kept frames that have a compared frame within the distance. */
  readonly queryMatchPercent: number;
  /** The same share seen from the compared video. */
  readonly comparedMatchPercent: number;
  /** Both shares reach their thresholds (and both videos kept at least one frame). */
  readonly isMatch: boolean;
}

/**
 * Hashline's one vPDQ match rule (docs/adr/0013-vpdq-match-rule.md), used by this function, by the
 * banks' frame index (`@hashline/domain`'s `usableVpdqFrames` is {@link vpdqUsableFrames}) and by
 * every test: on each side, frames of quality below the threshold are dropped, then degenerate
 * hashes (all zeros or all ones: blank frames, which would match every other blank frame), then
 * repeated hashes (the first is kept); each side's percentage is the share of its remaining frames
 * that have a frame of the other side within the distance (≤). A side with no frame left has a
 * share of 0 and matches nothing. Frame order and timestamps are ignored.
 *
 * python-threatexchange's brute-force matcher dedupes before the quality filter (its index filters
 * first, as here); the two orders differ only when one hash occurs at two qualities across the
 * threshold, which does not happen in Meta's sample hashes (checked by test). The default
 * thresholds are python-threatexchange's (query ≥ 80 %, compared ≥ 0 %); banks apply their own
 * (`vpdqMatchPercent` on the banked side, `vpdqQueryMatchPercent` on the query's).
 */
export function vpdqMatch(
  query: readonly VpdqFrame[],
  compared: readonly VpdqFrame[],
  options: VpdqMatchOptions = {},
): VpdqMatchResult {
  const distance = options.distanceThreshold ?? VPDQ_DISTANCE_THRESHOLD;
  const minQuality = options.qualityThreshold ?? VPDQ_QUALITY_THRESHOLD;
  const queryHashes = prepareVpdqHashes(query, minQuality);
  const comparedHashes = prepareVpdqHashes(compared, minQuality);
  const queryMatchPercent = matchedPercent(queryHashes, comparedHashes, distance);
  const comparedMatchPercent = matchedPercent(comparedHashes, queryHashes, distance);
  const isMatch =
    queryHashes.length > 0 &&
    comparedHashes.length > 0 &&
    queryMatchPercent >= (options.queryMatchThresholdPercent ?? VPDQ_QUERY_MATCH_THRESHOLD_PERCENT) &&
    comparedMatchPercent >= (options.comparedMatchThresholdPercent ?? VPDQ_COMPARED_MATCH_THRESHOLD_PERCENT);
  return { queryMatchPercent, comparedMatchPercent, isMatch };
}

/**
 * The frames that take part in matching under {@link vpdqMatch}'s rule: quality ≥ `minQuality`,
 * not degenerate (all zeros or all ones), one per distinct hash (the first). Order is kept; hashes
 * are compared in lower case.
 */
export function vpdqUsableFrames(
  frames: readonly VpdqFrame[],
  minQuality: number = VPDQ_QUALITY_THRESHOLD,
): VpdqFrame[] {
  const seen = new Set<string>();
  const out: VpdqFrame[] = [];
  for (const frame of frames) {
    if (frame.quality < minQuality) continue;
    const hex = frame.pdqHex.toLowerCase();
    if (seen.has(hex) || /^0+$/.test(hex) || /^f+$/.test(hex)) continue;
    seen.add(hex);
    out.push(frame);
  }
  return out;
}

/**
 * {@link vpdqUsableFrames} as eight 32-bit words each (big-endian over the hex), ready for
 * {@link vpdqMatch}'s comparisons. Exported so an index can prepare a video once.
 */
export function prepareVpdqHashes(frames: readonly VpdqFrame[], minQuality: number): Uint32Array[] {
  return vpdqUsableFrames(frames, minQuality).map((frame) => {
    const bytes = fromHex(frame.pdqHex.toLowerCase());
    const words = new Uint32Array(8);
    for (let w = 0; w < 8; w++) {
      words[w] =
        ((bytes[4 * w]! << 24) | (bytes[4 * w + 1]! << 16) | (bytes[4 * w + 2]! << 8) | bytes[4 * w + 3]!) >>>
        0;
    }
    return words;
  });
}

function matchedPercent(
  side: readonly Uint32Array[],
  other: readonly Uint32Array[],
  distance: number,
): number {
  if (side.length === 0) return 0;
  let matched = 0;
  for (const hash of side) {
    for (const candidate of other) {
      if (wordDistance(hash, candidate) <= distance) {
        matched++;
        break;
      }
    }
  }
  return (matched * 100) / side.length;
}

/** Hamming distance of two 8-word hashes (SWAR popcount). */
function wordDistance(a: Uint32Array, b: Uint32Array): number {
  let total = 0;
  for (let w = 0; w < 8; w++) {
    let v = (a[w]! ^ b[w]!) >>> 0;
    v -= (v >>> 1) & 0x55555555;
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    total += (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return total;
}
