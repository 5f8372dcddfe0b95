import { describe, expect, it } from 'vitest';
import { ballSize, chooseLayout, evenLayout, flipMasks, planQuery, substringKey } from '../src/mih-layout.js';

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

  it('chooses substrings of about log2 N bits, and a scan for tiny banks', () => {
    expect(chooseLayout(1e6, 31, 2)?.widths.length).toBe(13);
    expect(chooseLayout(1e7, 31, 2)?.widths.length).toBe(11);
    expect(chooseLayout(50, 31, 2)).toBeNull();
  });
});
