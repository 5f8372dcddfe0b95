import { describe, expect, it } from 'vitest';
import {
  MAX_SUBSTRING_BITS,
  ballSize,
  chooseLayout,
  evenLayout,
  flipMasks,
  layoutSlots,
  maxSuffixBits,
  planQuery,
  substringKey,
} from '../src/mih-layout.js';

describe('MIH layout', () => {
  it('flip masks list each key of the ball exactly once', () => {
    for (const [bits, r] of [
      [8, 3],
      [16, 2],
      [21, 2],
      [13, 4],
    ] as const) {
      const masks = flipMasks(bits, r);
      expect(masks.length).toBe(ballSize(bits, r));
      expect(new Set(masks).size).toBe(masks.length);
      for (const m of masks) {
        expect(m < 2 ** bits).toBe(true);
        let c = 0;
        for (let x = m; x; x >>>= 1) c += x & 1;
        expect(c).toBeLessThanOrEqual(r);
      }
    }
  });

  it('plans satisfy the refined pigeonhole Σ (r_j + 1) = r + 1 for every radius', () => {
    for (const m of [10, 11, 13, 16, 32]) {
      for (let r = 0; r <= 64; r++) {
        const plan = planQuery(evenLayout(m), 1e6, r);
        expect(plan.radii.reduce((s, rj) => s + rj + 1, 0)).toBe(r + 1);
      }
    }
  });

  it('even layouts cover the 256 bits contiguously', () => {
    for (let m = 10; m <= 32; m++) {
      const { widths, starts } = evenLayout(m);
      expect(widths.reduce((a, b) => a + b, 0)).toBe(256);
      widths.forEach((w, j) => expect(starts[j]! + w).toBe(j + 1 < m ? starts[j + 1] : 256));
    }
  });

  it('substring keys read bits across word boundaries', () => {
    const words = new Uint32Array([0x80000000, 0x00000001, 0, 0, 0, 0, 0, 0]);
    expect(substringKey(words, 0, 31, 2)).toBe(0b11);
    expect(substringKey(words, 0, 30, 4)).toBe(0b0110);
    expect(substringKey(words, 0, 0, 23)).toBe(0);
  });

  it('chooses substrings of about log2 N bits within the offset-slot bound, and a scan for tiny banks', () => {
    // The measured layouts (docs/adr/0009): m = 11 with 2 suffix bits at 10M, m = 9 with 4 at 100M.
    const at10M = chooseLayout(1e7, 31, 3)!;
    expect([at10M.widths.length, at10M.suffixBits[0]]).toEqual([11, 2]);
    const at100M = chooseLayout(1e8, 31, 3)!;
    expect([at100M.widths.length, at100M.suffixBits[0]]).toEqual([9, 4]);
    for (const n of [5e3, 1e5, 1e6, 1e7, 1e8, 4e8]) {
      const layout = chooseLayout(n, 31, 3)!;
      expect(layoutSlots(layout)).toBeLessThanOrEqual(3 * n);
      layout.suffixBits.forEach((k) => expect(k).toBeLessThanOrEqual(maxSuffixBits(n)));
      layout.widths.forEach((w, j) =>
        expect(w - layout.suffixBits[j]!).toBeLessThanOrEqual(MAX_SUBSTRING_BITS),
      );
    }
    expect(chooseLayout(50, 31, 3)).toBeNull();
    // A fixed m gets a layout even where a scan is cheaper, and even past the slot bound.
    expect(chooseLayout(50, 31, 3, { onlySubstrings: 16 })?.widths.length).toBe(16);
  });

  it('keeps suffixes beside positions in 32 bits', () => {
    expect(maxSuffixBits(1)).toBe(8);
    expect(maxSuffixBits(2 ** 24)).toBe(8);
    expect(maxSuffixBits(2 ** 24 + 1)).toBe(7);
    expect(maxSuffixBits(1e8)).toBe(5);
    expect(maxSuffixBits(2 ** 32)).toBe(0);
    const { widths, suffixBits } = evenLayout(9, 4);
    expect(widths).toEqual([29, 29, 29, 29, 28, 28, 28, 28, 28]);
    expect(suffixBits.every((k) => k === 4)).toBe(true);
    // A bucket key wider than 28 bits is narrowed (the rest of the substring is not indexed).
    expect(evenLayout(8, 0).widths.every((w) => w === MAX_SUBSTRING_BITS)).toBe(true);
  });
});
