import { describe, expect, it } from 'vitest';
import {
  cropPixels,
  cropRects,
  findContentRect,
  hammingDistance,
  pdqHash,
  pdqRobustVariants,
  ROBUST_VARIANT_NAMES,
} from '@hashline/pdq';
import { onCanvas, picture, variantRows } from './robust-variants.body.js';

describe('findContentRect', () => {
  const p = picture(7, 300, 200);

  it('finds nothing to trim in a picture without borders', () => {
    expect(findContentRect(p)).toBeNull();
    expect(pdqRobustVariants(p, 'query')).toEqual([]);
  });

  it('recovers the exact picture from a uniform border, whatever its colour', () => {
    for (const colour of [
      [0, 0, 0],
      [255, 255, 255],
      [40, 160, 90],
    ]) {
      const padded = onCanvas(p, 380, 260, colour);
      expect(findContentRect(padded)).toEqual({ x: 40, y: 30, width: 300, height: 200 });
      const [trim] = pdqRobustVariants(padded, 'query');
      expect(trim?.name).toBe('trim');
      expect(hammingDistance(trim!.hash, pdqHash(p).hash)).toBe(0);
    }
  });

  it('finds the picture in a screenshot layout, between a status bar and a bottom bar', () => {
    const shot = onCanvas(p, 340, 500, [245, 245, 245], 120, [
      { y: 6, h: 20, colour: [225, 225, 225] },
      { y: 460, h: 20, colour: [255, 255, 255] },
    ]);
    expect(findContentRect(shot)).toEqual({ x: 20, y: 120, width: 300, height: 200 });
  });

  it('does not split lines of equal blocks (a text page) into one of them', () => {
    // Twelve dark stripes on white, evenly spaced: no block dominates, so only the margins go.
    const page = new Uint8Array(200 * 240 * 3).fill(255);
    for (let line = 0; line < 12; line++)
      for (let y = 20 + line * 18; y < 30 + line * 18; y++)
        for (let x = 20; x < 180; x += 1)
          if (x % 7 < 5) page.fill(30, (y * 200 + x) * 3, (y * 200 + x) * 3 + 3);
    const rect = findContentRect({ data: page, width: 200, height: 240, channels: 3 });
    expect(rect).toEqual({ x: 21, y: 20, width: 159, height: 208 });
  });
});

describe('pdqRobustVariants', () => {
  it('a banked image keeps 10 crops (and trim when bordered); a query only trim', () => {
    const p = picture(8, 320, 240);
    const bank = pdqRobustVariants(p, 'bank').map((v) => v.name);
    expect(bank).toEqual(ROBUST_VARIANT_NAMES.filter((n) => n !== 'trim'));
    const padded = onCanvas(p, 400, 300, [0, 0, 0]);
    expect(pdqRobustVariants(padded, 'bank').map((v) => v.name)).toEqual([...ROBUST_VARIANT_NAMES]);
    expect(pdqRobustVariants(padded, 'query').map((v) => v.name)).toEqual(['trim']);
  });

  it('a crop variant is the PDQ hash of that rectangle, and a cropped copy is near it', () => {
    const p = picture(9, 400, 300);
    const rect = cropRects(400, 300).get('crop-t5')!;
    expect(rect).toEqual({ x: 0, y: 15, width: 400, height: 285 });
    const variant = pdqRobustVariants(p, 'bank').find((v) => v.name === 'crop-t5')!;
    expect(variant.hash).toEqual(pdqHash(cropPixels(p, rect)).hash);
    const croppedCopy = pdqHash(cropPixels(p, { x: 0, y: 18, width: 400, height: 282 })).hash;
    expect(hammingDistance(croppedCopy, pdqHash(p).hash)).toBeGreaterThan(31);
    expect(hammingDistance(croppedCopy, variant.hash)).toBeLessThanOrEqual(31);
  });

  it('gives the same bits with the JavaScript and WebAssembly engines', () => {
    expect(variantRows('js').map((r) => r.variants)).toEqual(variantRows('wasm').map((r) => r.variants));
  });

  it('refuses a rectangle outside the image', () => {
    expect(() => cropPixels(picture(1, 50, 50), { x: 10, y: 10, width: 45, height: 10 })).toThrow(RangeError);
  });
});
