// vPDQ's pure parts: frame selection, timestamps, the reference's line format and the match rule.
import { describe, expect, test } from 'vitest';
import {
  formatVpdqLines,
  parseVpdqLines,
  PdqError,
  vpdqFrameStep,
  vpdqHashFrame,
  vpdqMatch,
  vpdqUsableFrames,
  vpdqTimestamp,
  type VpdqFrame,
} from '../src/index.js';
import * as pdq from '../src/index.js';

const ZERO = '0'.repeat(64);
/** A hash `bits` bits away from ZERO (the first `bits` bits set). */
function withBits(bits: number): string {
  const bytes = new Uint8Array(32);
  for (let i = 0; i < bits; i++) bytes[i >> 3]! |= 0x80 >> (i & 7);
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}
function frame(frameNumber: number, pdqHex: string, quality = 100): VpdqFrame {
  return { frameNumber, quality, pdqHex, timestampSeconds: frameNumber / 30 };
}

describe('frame selection', () => {
  test('step is max(1, trunc(r · fps)), so r = 0 keeps every frame', () => {
    expect(vpdqFrameStep(0, 30)).toBe(1);
    expect(vpdqFrameStep(1, 30)).toBe(30);
    expect(vpdqFrameStep(1, 30000 / 1001)).toBe(29);
    expect(vpdqFrameStep(2.5, 24)).toBe(60);
    expect(vpdqFrameStep(1, 0.5)).toBe(1);
  });

  test('refuses a negative interval and a frame rate that is not positive', () => {
    expect(() => vpdqFrameStep(-1, 30)).toThrow(PdqError);
    expect(() => vpdqFrameStep(1, 0)).toThrow(PdqError);
    expect(() => vpdqFrameStep(Number.NaN, 30)).toThrow(PdqError);
  });

  test('timestamps are f32 frame / f32 fps, as the reference prints them', () => {
    expect(vpdqTimestamp(563, 30).toFixed(3)).toBe('18.767');
    expect(vpdqTimestamp(1, 30).toFixed(3)).toBe('0.033');
    expect(vpdqTimestamp(1001, 30000 / 1001).toFixed(3)).toBe('33.400');
  });
});

describe('line format', () => {
  test('round-trips the reference lines byte for byte', () => {
    const text =
      '0,100,dadb999c25266273529cadac89cb52c22324ad3bce99726c38668d93c799f07c,0.000\n' +
      '1,49,dadb999c25266273529cadac8dcb52c22324ad3bce99726c38660d93c799f07c,0.033\n';
    const frames = parseVpdqLines(text);
    expect(frames).toEqual([
      {
        frameNumber: 0,
        quality: 100,
        pdqHex: 'dadb999c25266273529cadac89cb52c22324ad3bce99726c38668d93c799f07c',
        timestampSeconds: 0,
      },
      {
        frameNumber: 1,
        quality: 49,
        pdqHex: 'dadb999c25266273529cadac8dcb52c22324ad3bce99726c38660d93c799f07c',
        timestampSeconds: 0.033,
      },
    ]);
    expect(formatVpdqLines(frames)).toBe(text);
  });

  test('skips blank and # lines, accepts CRLF and upper-case hex', () => {
    const frames = parseVpdqLines(`# clip.mp4\r\n\r\n3,90,${'A'.repeat(64)},0.100\r\n`);
    expect(frames).toEqual([{ frameNumber: 3, quality: 90, pdqHex: 'a'.repeat(64), timestampSeconds: 0.1 }]);
  });

  test.each([
    ['three fields', `0,100,${ZERO}`],
    ['a short hash', `0,100,${ZERO.slice(1)},0.000`],
    ['quality over 100', `0,101,${ZERO},0.000`],
    ['a negative frame', `-1,100,${ZERO},0.000`],
    ['no timestamp', `0,100,${ZERO},`],
  ])('refuses %s, naming the line', (_name, line) => {
    expect(() => parseVpdqLines(`0,100,${ZERO},0.000\n${line}\n`)).toThrow(/line 2/);
  });
});

describe('frame hashing', () => {
  test('hashes without the 512 pre-resize: a 600 px frame differs from its pre-resized hash', () => {
    const width = 600;
    const height = 40;
    const data = new Uint8Array(width * height * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 251;
    const hashed = vpdqHashFrame({ data, width, height, channels: 3 }, 30, 30);
    expect(hashed.frameNumber).toBe(30);
    expect(hashed.timestampSeconds).toBe(1);
    expect(hashed.pdqHex).toMatch(/^[0-9a-f]{64}$/);
    // Pre-resizing to 512×512 would stretch 40 rows to 512: a different hash.
    const { pdqHash, toHex } = pdq;
    expect(toHex(pdqHash({ data, width, height, channels: 3 }).hash)).not.toBe(hashed.pdqHex);
    expect(toHex(pdqHash({ data, width, height, channels: 3 }, { preResize: false }).hash)).toBe(
      hashed.pdqHex,
    );
  });
});

describe('match rule (ADR 0013: quality filter, degenerate hashes, dedup; then both shares)', () => {
  // BASE is one bit from ZERO, so withBits(n + 1) is exactly n bits from BASE (ZERO itself is
  // degenerate, as a blank frame's hash is, and never takes part).
  const BASE = withBits(1);
  const from = (bits: number) => withBits(bits + 1);

  test('distance ≤ 31 matches, 32 does not', () => {
    expect(vpdqMatch([frame(0, BASE)], [frame(0, from(31))]).queryMatchPercent).toBe(100);
    expect(vpdqMatch([frame(0, BASE)], [frame(0, from(32))]).queryMatchPercent).toBe(0);
    expect(vpdqMatch([frame(0, BASE)], [frame(0, from(32))], { distanceThreshold: 32 }).isMatch).toBe(true);
  });

  test('percentages are taken on each side after the quality filter and dedup', () => {
    const query = [
      frame(0, BASE),
      frame(1, BASE), // duplicate hash: counted once
      frame(2, from(100)),
      frame(3, from(200), 49), // below quality 50: dropped
    ];
    const compared = [frame(0, from(5)), frame(1, from(150)), frame(2, from(240)), frame(3, from(250))];
    const result = vpdqMatch(query, compared);
    // Query keeps {BASE, 100 bits}: BASE matches (5 bits away), 100 bits does not → 50 %.
    expect(result.queryMatchPercent).toBe(50);
    // Compared keeps 4 frames: only the 5-bit one is near a query frame → 25 %.
    expect(result.comparedMatchPercent).toBe(25);
    expect(result.isMatch).toBe(false);
    expect(vpdqMatch(query, compared, { queryMatchThresholdPercent: 50 }).isMatch).toBe(true);
    expect(
      vpdqMatch(query, compared, { queryMatchThresholdPercent: 50, comparedMatchThresholdPercent: 30 })
        .isMatch,
    ).toBe(false);
  });

  test('the quality filter runs before dedup: a good copy of a hash is not lost behind a bad first one', () => {
    const query = [frame(0, BASE, 10), frame(1, BASE, 100), frame(2, from(100))];
    expect(vpdqMatch(query, [frame(0, BASE)]).queryMatchPercent).toBe(50);
    expect(vpdqUsableFrames(query).map((f) => f.frameNumber)).toEqual([1, 2]);
  });

  test('degenerate hashes (blank frames) never take part', () => {
    const blank = [frame(0, ZERO), frame(1, 'f'.repeat(64))];
    expect(vpdqUsableFrames(blank)).toEqual([]);
    expect(vpdqMatch(blank, blank)).toEqual({
      queryMatchPercent: 0,
      comparedMatchPercent: 0,
      isMatch: false,
    });
  });

  test('a side with no frame left gives 0 % and no match', () => {
    const result = vpdqMatch([frame(0, BASE, 10)], [frame(0, BASE)]);
    expect(result).toEqual({ queryMatchPercent: 0, comparedMatchPercent: 0, isMatch: false });
  });
});
