import {
  VPDQ_DISTANCE_THRESHOLD,
  VPDQ_QUALITY_THRESHOLD,
  vpdqMatch,
  vpdqUsableFrames,
  type VpdqFrame,
} from '@hashline/pdq';
import { DomainError } from '../domain-error.js';
import { sha256HexOfAscii } from './sha256.js';

// vPDQ (video PDQ): a video is the list of PDQ hashes of frames sampled from it (typically one a
// second), each with the frame's number, its PDQ quality and its timestamp. Two videos are
// compared by the share of each one's frames that has a close frame in the other. This module is
// pure (no I/O): the frame type, the reference's file formats, and the reference's match rule.
//
// The rule, as facebook/ThreatExchange's vPDQ defines it (vpdq/README and python-threatexchange's
// vpdq extension): drop frames whose quality is below the quality threshold (50) on both sides,
// keep one frame per distinct hash, then
//   query percentage    = matched distinct query frames / distinct query frames × 100
//   compared percentage = matched distinct compared frames / distinct compared frames × 100
// where a frame matches when some frame of the other video is within Hamming distance 31 (≤).
// The reference's brute-force matcher dedupes before it filters by quality, its index filters
// first; we filter first everywhere (a high-quality copy of a hash is never lost behind a
// low-quality first occurrence), which is what the index, i.e. real bank matching, does, and drop
// degenerate (blank-frame) hashes. One implementation: @hashline/pdq's vpdqMatch and
// vpdqUsableFrames (ADR 0013).

// The frame type and the two frame thresholds are @hashline/pdq's (its vpdq.ts: the hasher and the
// pure rule); this module adds what banks need: validation, pytx's JSON shape, the bank's default
// percentages (the rule: the banked side ≥ 80 %), usable frames, the signal key.
export { VPDQ_DISTANCE_THRESHOLD, VPDQ_QUALITY_THRESHOLD, type VpdqFrame } from '@hashline/pdq';

/** Default share of a banked video's frames a query must cover to match it (vpdq/README: 80 %). */
export const VPDQ_COMPARED_MATCH_PERCENT = 80;
/** Default share of the query's own frames that must match (vpdq/README: 0 %, i.e. any). */
export const VPDQ_QUERY_MATCH_PERCENT = 0;

/** Most frames one video may hold, banked or queried (a frame a second: 10 hours). */
export const MAX_VIDEO_FRAMES = 36_000;

/** A banked video signal: its frames and, when known, the digests of the video file. */
export interface VpdqSignal {
  readonly frames: readonly VpdqFrame[];
  /** MD5 of the video file's bytes, lower-case hex, when the contributor knew it. */
  readonly fileMd5?: string | null;
  /** SHA-256 of the video file's bytes, lower-case hex, when known. */
  readonly fileSha256?: string | null;
}

/** Both sides of a comparison of two videos (percentages 0–100). */
export interface VpdqMatchPercentages {
  /** Share of the query's distinct usable frames that match some frame of the compared video. */
  readonly queryMatchPercent: number;
  /** Share of the compared (e.g. banked) video's distinct usable frames matched by the query. */
  readonly comparedMatchPercent: number;
}

/** Thresholds of the match rule; each defaults to the reference's value. */
export interface VpdqMatchRule {
  readonly qualityThreshold?: number;
  readonly distanceThreshold?: number;
  /** A match needs the compared video's percentage at least this (default 80). */
  readonly comparedMatchPercent?: number;
  /** A match needs the query's percentage at least this (default 0). */
  readonly queryMatchPercent?: number;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Checks one frame's fields and returns it with its hash lower-cased.
 * @throws {DomainError} `INVALID_HASH` or `VALIDATION_FAILED`, naming `where`.
 */
export function normalizeVpdqFrame(frame: VpdqFrame, where = 'frame'): VpdqFrame {
  const { frameNumber, quality, timestampSeconds } = frame;
  const pdqHex = typeof frame.pdqHex === 'string' ? frame.pdqHex.toLowerCase() : '';
  if (!HEX64.test(pdqHex)) {
    throw new DomainError('INVALID_HASH', `${where}: a vPDQ frame hash must be exactly 64 hex digits.`);
  }
  if (!Number.isSafeInteger(frameNumber) || frameNumber < 0) {
    throw new DomainError('VALIDATION_FAILED', `${where}: the frame number must be a non-negative integer.`);
  }
  if (!Number.isInteger(quality) || quality < 0 || quality > 100) {
    throw new DomainError('VALIDATION_FAILED', `${where}: the quality must be an integer from 0 to 100.`);
  }
  if (!Number.isFinite(timestampSeconds) || timestampSeconds < 0) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `${where}: the timestamp must be a non-negative number of seconds.`,
    );
  }
  return { frameNumber, quality, pdqHex, timestampSeconds };
}

/**
 * Checks a whole frame list for banking: at least one frame, frame numbers strictly increasing
 * (as the reference's hasher writes them), and at least one frame usable for matching (quality ≥
 * 50, not all zeros or all ones): a video with none would match nothing, ever.
 * @throws {DomainError} `VALIDATION_FAILED`, `INVALID_HASH` or `LOW_QUALITY_HASH`.
 */
export function normalizeVpdqFrames(frames: readonly VpdqFrame[]): VpdqFrame[] {
  if (frames.length === 0)
    throw new DomainError('VALIDATION_FAILED', 'A vPDQ signal needs at least one frame.');
  const out: VpdqFrame[] = [];
  let previous = -1;
  for (const [i, frame] of frames.entries()) {
    const normal = normalizeVpdqFrame(frame, `frame ${i + 1}`);
    if (normal.frameNumber <= previous) {
      throw new DomainError('VALIDATION_FAILED', `frame ${i + 1}: frame numbers must increase.`);
    }
    previous = normal.frameNumber;
    out.push(normal);
  }
  if (usableVpdqFrames(out).length === 0) {
    throw new DomainError(
      'LOW_QUALITY_HASH',
      `No frame of this video has PDQ quality ${VPDQ_QUALITY_THRESHOLD} or more: it would match nothing.`,
    );
  }
  return out;
}

/**
 * Parses the reference hasher's output (vpdq's `vpdq-hash-video` and the files of
 * vpdq/sample-hashes): one frame per line, `frameNumber,quality,pdqHex,timestampSeconds`. Blank
 * lines and `#` comments are skipped.
 * @throws {DomainError} `IMPORT_FORMAT_ERROR` naming the line, or a frame's validation error.
 */
export function parseVpdqReferenceLines(text: string): VpdqFrame[] {
  const frames: VpdqFrame[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const parts = line.split(',');
    if (parts.length !== 4 || !/^\d+$/.test(parts[0]!) || !/^\d+$/.test(parts[1]!)) {
      throw new DomainError(
        'IMPORT_FORMAT_ERROR',
        `line ${i + 1}: expected "frameNumber,quality,pdqHex,timestampSeconds".`,
      );
    }
    const timestamp = Number(parts[3]);
    frames.push(
      normalizeVpdqFrame(
        {
          frameNumber: Number(parts[0]),
          quality: Number(parts[1]),
          pdqHex: parts[2]!,
          timestampSeconds: parts[3]!.trim() === '' ? Number.NaN : timestamp,
        },
        `line ${i + 1}`,
      ),
    );
  }
  return frames;
}

/** Writes frames in the reference hasher's line format (timestamps with 3 decimals). */
export function formatVpdqReferenceLines(frames: readonly VpdqFrame[]): string {
  let out = '';
  for (const f of frames)
    out += `${f.frameNumber},${f.quality},${f.pdqHex},${f.timestampSeconds.toFixed(3)}\n`;
  return out;
}

/**
 * Parses python-threatexchange's / HMA's `vpdq` signal string: a JSON array of
 * `"pdqHex,quality,timestamp"` strings (frame numbers are not kept there: frames are numbered by
 * position). Timestamps in any float notation are accepted (pytx writes e.g. `1e+02`).
 * @throws {DomainError} `IMPORT_FORMAT_ERROR` or a frame's validation error.
 */
export function parseVpdqCompactJson(signal: string): VpdqFrame[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(signal === '' ? '[]' : signal);
  } catch {
    throw new DomainError(
      'IMPORT_FORMAT_ERROR',
      'A vpdq signal must be a JSON array of "hash,quality,timestamp".',
    );
  }
  if (!Array.isArray(parsed)) {
    throw new DomainError(
      'IMPORT_FORMAT_ERROR',
      'A vpdq signal must be a JSON array of "hash,quality,timestamp".',
    );
  }
  return parsed.map((item: unknown, i) => {
    const parts = typeof item === 'string' ? item.split(',') : [];
    if (parts.length !== 3 || !/^\d+$/.test(parts[1]!) || parts[2]!.trim() === '') {
      throw new DomainError(
        'IMPORT_FORMAT_ERROR',
        `vpdq feature ${i + 1}: expected "pdqHex,quality,timestamp".`,
      );
    }
    return normalizeVpdqFrame(
      { frameNumber: i, quality: Number(parts[1]), pdqHex: parts[0]!, timestampSeconds: Number(parts[2]) },
      `vpdq feature ${i + 1}`,
    );
  });
}

/** Writes python-threatexchange's / HMA's `vpdq` signal string (timestamps with 3 decimals). */
export function formatVpdqCompactJson(frames: readonly VpdqFrame[]): string {
  return JSON.stringify(frames.map((f) => `${f.pdqHex},${f.quality},${f.timestampSeconds.toFixed(3)}`));
}

/**
 * The frames that take part in matching: `@hashline/pdq`'s {@link vpdqUsableFrames} (quality ≥
 * `qualityThreshold`, not degenerate, one per distinct hash, in order): the one rule of ADR 0013.
 */
export function usableVpdqFrames(
  frames: readonly VpdqFrame[],
  qualityThreshold = VPDQ_QUALITY_THRESHOLD,
): VpdqFrame[] {
  return vpdqUsableFrames(frames, qualityThreshold);
}

/**
 * Compares two videos frame by frame with `@hashline/pdq`'s {@link vpdqMatch} (O(n·m): for tests,
 * small sets and as the benchmark's baseline; banks use the frame index, which applies the same
 * rule). Percentages are 0 for a side with no usable frame.
 */
export function compareVpdqBrute(
  query: readonly VpdqFrame[],
  compared: readonly VpdqFrame[],
  rule: VpdqMatchRule = {},
): VpdqMatchPercentages {
  const { queryMatchPercent, comparedMatchPercent } = vpdqMatch(query, compared, {
    qualityThreshold: rule.qualityThreshold ?? VPDQ_QUALITY_THRESHOLD,
    distanceThreshold: rule.distanceThreshold ?? VPDQ_DISTANCE_THRESHOLD,
  });
  return { queryMatchPercent, comparedMatchPercent };
}

/** Whether two percentages satisfy a rule's thresholds (defaults: compared ≥ 80, query ≥ 0). */
export function isVpdqMatch(percentages: VpdqMatchPercentages, rule: VpdqMatchRule = {}): boolean {
  return (
    percentages.comparedMatchPercent > 0 &&
    percentages.comparedMatchPercent >= (rule.comparedMatchPercent ?? VPDQ_COMPARED_MATCH_PERCENT) &&
    percentages.queryMatchPercent >= (rule.queryMatchPercent ?? VPDQ_QUERY_MATCH_PERCENT)
  );
}

/**
 * The value a vpdq entry is stored and deduplicated under (`bank_entries.value`, the change log):
 * the SHA-256 of the frames in the reference's line format. The frame list itself can be long
 * (a frame a second: 3,600 lines an hour), too long for the unique index a bank keeps on values.
 */
export function vpdqSignalKey(frames: readonly VpdqFrame[]): string {
  return sha256HexOfAscii(formatVpdqReferenceLines(frames));
}
