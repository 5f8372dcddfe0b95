import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import {
  DomainError,
  compareVpdqBrute,
  formatVpdqCompactJson,
  formatVpdqReferenceLines,
  isVpdqMatch,
  normalizeVpdqFrames,
  parseVpdqCompactJson,
  parseVpdqReferenceLines,
  sha256Hex,
  usableVpdqFrames,
  vpdqSignalKey,
  type VpdqFrame,
} from '@hashline/domain';
import { PDQ_FIXTURES } from '../../../tools/test-fixtures.js';

const SAMPLES = resolve(PDQ_FIXTURES, 'vpdq-sample-hashes');
const sampleNames = readdirSync(SAMPLES)
  .filter((name) => name.endsWith('.txt'))
  .sort();
const sample = (name: string): VpdqFrame[] =>
  parseVpdqReferenceLines(readFileSync(resolve(SAMPLES, name), 'utf8'));

describe('vPDQ reference format', () => {
  test('the sample set is there (31 files)', () => {
    expect(sampleNames.length).toBe(31);
  });

  test.each(sampleNames)('%s parses, validates for banking and writes back byte for byte', (name) => {
    const text = readFileSync(resolve(SAMPLES, name), 'utf8');
    const frames = parseVpdqReferenceLines(text);
    expect(frames.length).toBe(text.trim().split('\n').length);
    expect(normalizeVpdqFrames(frames)).toEqual(frames);
    expect(formatVpdqReferenceLines(frames)).toBe(text.endsWith('\n') ? text : `${text}\n`);
    expect(parseVpdqCompactJson(formatVpdqCompactJson(frames)).map((f) => f.pdqHex)).toEqual(
      frames.map((f) => f.pdqHex),
    );
  });

  test('reads one line as frame, quality, hash, timestamp', () => {
    const [frame] = parseVpdqReferenceLines(
      '0,100,E2F1017837246BACC5DEA21B648FBFD62F435C89DB299A2497667E216C8D055C,0.033\n',
    );
    expect(frame).toEqual({
      frameNumber: 0,
      quality: 100,
      pdqHex: 'e2f1017837246bacc5dea21b648fbfd62f435c89db299a2497667e216c8d055c',
      timestampSeconds: 0.033,
    });
  });

  test.each([
    ['0,100,abc,0.000', 'INVALID_HASH'],
    ['0,101,' + 'a'.repeat(64) + ',0.000', 'VALIDATION_FAILED'],
    ['0,100,' + 'a'.repeat(64), 'IMPORT_FORMAT_ERROR'],
    ['x,100,' + 'a'.repeat(64) + ',0', 'IMPORT_FORMAT_ERROR'],
    ['0,100,' + 'a'.repeat(64) + ',-1', 'VALIDATION_FAILED'],
  ])('refuses %s (%s)', (line, code) => {
    expect(() => parseVpdqReferenceLines(line)).toThrow(expect.objectContaining({ code }) as Error);
  });

  test('a video for a bank needs increasing frame numbers and one usable frame', () => {
    const frame = (n: number, quality: number, hex = 'a'.repeat(63) + n.toString(16)): VpdqFrame => ({
      frameNumber: n,
      quality,
      pdqHex: hex,
      timestampSeconds: n,
    });
    expect(() => normalizeVpdqFrames([])).toThrow(DomainError);
    expect(() => normalizeVpdqFrames([frame(1, 90), frame(1, 90)])).toThrow(/increase/);
    expect(() => normalizeVpdqFrames([frame(0, 49), frame(1, 10)])).toThrow(
      expect.objectContaining({ code: 'LOW_QUALITY_HASH' }) as Error,
    );
    expect(() => normalizeVpdqFrames([frame(0, 90, '0'.repeat(64))])).toThrow(
      expect.objectContaining({ code: 'LOW_QUALITY_HASH' }) as Error,
    );
  });

  test("python-threatexchange's signal string: JSON array of hash,quality,timestamp", () => {
    const hex = 'e2f1017837246bacc5dea21b648fbfd62f435c89db299a2497667e216c8d055c';
    const frames = parseVpdqCompactJson(JSON.stringify([`${hex},100,0.0`, `${hex},80,1e+02`]));
    expect(frames.map((f) => [f.frameNumber, f.quality, f.timestampSeconds])).toEqual([
      [0, 100, 0],
      [1, 80, 100],
    ]);
    expect(formatVpdqCompactJson(frames)).toBe(JSON.stringify([`${hex},100,0.000`, `${hex},80,100.000`]));
    expect(() => parseVpdqCompactJson('{"0":{}}')).toThrow(
      expect.objectContaining({ code: 'IMPORT_FORMAT_ERROR' }) as Error,
    );
  });
});

describe('vPDQ match rule', () => {
  test('quality filter, then one frame per distinct hash, in order', () => {
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    const frames: VpdqFrame[] = [
      { frameNumber: 0, quality: 10, pdqHex: a, timestampSeconds: 0 },
      { frameNumber: 1, quality: 90, pdqHex: a, timestampSeconds: 1 },
      { frameNumber: 2, quality: 90, pdqHex: b, timestampSeconds: 2 },
      { frameNumber: 3, quality: 95, pdqHex: b, timestampSeconds: 3 },
    ];
    expect(usableVpdqFrames(frames).map((f) => f.frameNumber)).toEqual([1, 2]);
  });

  test('the same video matches itself fully; a re-encode of it matches; other videos do not', () => {
    const grey = sample('chair-22-sd-grey-bar.txt');
    expect(compareVpdqBrute(grey, grey)).toEqual({ queryMatchPercent: 100, comparedMatchPercent: 100 });
    const original = compareVpdqBrute(grey, sample('chair-orig-22-sd-bar.txt'));
    expect(isVpdqMatch(original)).toBe(true);
    const other = compareVpdqBrute(grey, sample('pattern-sd-grey-bar.txt'));
    expect(other).toEqual({ queryMatchPercent: 0, comparedMatchPercent: 0 });
    expect(isVpdqMatch(other, { comparedMatchPercent: 0 })).toBe(false);
    // A large logo changes most frames: about 10 % on both sides, below the 80 % default.
    const logo = compareVpdqBrute(grey, sample('chair-22-with-large-logo-bar.txt'));
    expect(logo.comparedMatchPercent).toBeGreaterThan(0);
    expect(isVpdqMatch(logo)).toBe(false);
    expect(isVpdqMatch(logo, { comparedMatchPercent: logo.comparedMatchPercent })).toBe(true);
  });

  test('a clip matches the long video it comes from on the query side only', () => {
    const full = sample('chair-22-sd-grey-bar.txt');
    const clip = full.slice(0, 40);
    const result = compareVpdqBrute(clip, full);
    expect(result.queryMatchPercent).toBe(100);
    expect(result.comparedMatchPercent).toBeLessThan(80);
    expect(isVpdqMatch(result)).toBe(false);
    expect(isVpdqMatch(result, { comparedMatchPercent: 0, queryMatchPercent: 80 })).toBe(true);
  });

  test('distance ≤ 31 counts, 32 does not', () => {
    const base = 'f0'.repeat(32);
    const flip = (bits: number): string => {
      const bytes = Buffer.from(base, 'hex');
      for (let i = 0; i < bits; i++) bytes[i >> 3]! ^= 1 << (i & 7);
      return bytes.toString('hex');
    };
    const one = (hex: string): VpdqFrame[] => [
      { frameNumber: 0, quality: 100, pdqHex: hex, timestampSeconds: 0 },
    ];
    expect(compareVpdqBrute(one(base), one(flip(31))).comparedMatchPercent).toBe(100);
    expect(compareVpdqBrute(one(base), one(flip(32))).comparedMatchPercent).toBe(0);
  });

  test('the signal key is the SHA-256 of the reference lines', () => {
    const frames = sample('doorknob-hd-no-bar.txt');
    const expected = createHash('sha256').update(formatVpdqReferenceLines(frames)).digest('hex');
    expect(vpdqSignalKey(frames)).toBe(expected);
    for (const length of [0, 1, 55, 56, 63, 64, 65, 1000]) {
      const bytes = new Uint8Array(length).map((_, i) => (i * 31 + 7) & 0xff);
      expect(sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
  });
});

describe('one match rule (ADR 0013)', () => {
  /** python-threatexchange's brute-force preparation, as an oracle: dedupe first, then drop low quality. */
  const pytxPrepared = (frames: readonly VpdqFrame[]): string[] => {
    const seen = new Set<string>();
    return frames
      .filter((f) => !seen.has(f.pdqHex) && seen.add(f.pdqHex))
      .filter((f) => f.quality >= 50)
      .map((f) => f.pdqHex);
  };

  test("on every one of Meta's sample files it keeps the frames the reference's brute force keeps", () => {
    // Percentages depend only on each side's kept hashes: equal sets give equal percentages and
    // verdicts for every pair of these videos.
    for (const name of sampleNames) {
      const frames = sample(name);
      expect(
        usableVpdqFrames(frames).map((f) => f.pdqHex),
        name,
      ).toEqual(pytxPrepared(frames));
    }
  });

  test('the orders differ only when one hash occurs below and above the quality threshold', () => {
    const hash = 'ab'.repeat(32);
    const query = [
      { frameNumber: 0, quality: 10, pdqHex: hash, timestampSeconds: 0 },
      { frameNumber: 1, quality: 90, pdqHex: hash, timestampSeconds: 1 },
    ];
    // Ours keeps the good copy; the brute force's dedupe kept the low-quality one and then dropped it.
    expect(usableVpdqFrames(query).map((f) => f.frameNumber)).toEqual([1]);
    expect(pytxPrepared(query)).toEqual([]);
    expect(compareVpdqBrute(query, query)).toEqual({ queryMatchPercent: 100, comparedMatchPercent: 100 });
  });
});
