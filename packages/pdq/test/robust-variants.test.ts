import { describe, expect, it } from 'vitest';
import {
  cropPixels,
  cropRects,
  findContentRect,
  findFrameRects,
  hammingDistance,
  pdqHash,
  pdqRobustVariants,
  QUERY_VARIANT_NAMES,
  ROBUST_VARIANT_NAMES,
  type ImagePixels,
} from '@hashline/pdq';
import { onCanvas, page, picture, variantRows } from './robust-variants.body.js';

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

describe('findFrameRects', () => {
  const text = page(4, 300, 400);

  it('finds nothing in a picture without borders; a page alone is framed by its own margins', () => {
    expect(findFrameRects(picture(7, 300, 200))).toEqual({ frame: null, screen: null });
    // The page's lines are not split into blocks: the bands between them are its paper's colour.
    expect(findFrameRects(text)).toEqual({ frame: { x: 30, y: 30, width: 240, height: 329 }, screen: null });
  });

  it('keeps a padded page whole, margins included, where trim cuts into its margins', () => {
    const padded = onCanvas(text, 360, 460, [216, 59, 106]);
    const exact = { x: 30, y: 30, width: 300, height: 400 };
    expect(findFrameRects(padded)).toEqual({ frame: exact, screen: null });
    const trim = findContentRect(padded)!;
    expect(trim.width).toBeLessThan(270);
    const frame = pdqRobustVariants(padded, 'query').find((v) => v.name === 'frame')!;
    expect(hammingDistance(frame.hash, pdqHash(text).hash)).toBe(0);
  });

  it("finds a page between a dark screenshot's bars, and no frame (the bars span the width)", () => {
    const shot = onCanvas(text, 340, 700, [18, 18, 18], 120, [
      { y: 4, h: 16, colour: [0, 0, 0] },
      { y: 660, h: 16, colour: [35, 35, 35] },
    ]);
    expect(findFrameRects(shot)).toEqual({ frame: null, screen: { x: 20, y: 120, width: 300, height: 400 } });
    const screen = pdqRobustVariants(shot, 'query').find((v) => v.name === 'screen')!;
    expect(hammingDistance(screen.hash, pdqHash(text).hash)).toBe(0);
  });

  it('puts an edge on the picture, past lines of compression ringing between it and the border', () => {
    const p = picture(5, 300, 200);
    const padded = onCanvas(p, 380, 260, [0, 0, 0]);
    // Two lines above and two left of the picture: the border's brightness with coloured specks
    // every few pixels, as JPEG's chroma ringing leaves them (not flat, so no trim removes them).
    const ring = (x: number, y: number, i: number) =>
      (padded.data as Uint8ClampedArray).set(i % 3 === 0 ? [60, 0, 0] : [0, 12, 0], (y * 380 + x) * 4);
    for (const y of [28, 29]) for (let x = 38; x < 340; x++) ring(x, y, x);
    for (const x of [38, 39]) for (let y = 28; y < 230; y++) ring(x, y, y);
    expect(findContentRect(padded)).toEqual({ x: 38, y: 28, width: 302, height: 202 });
    expect(findFrameRects(padded).frame).toEqual({ x: 40, y: 30, width: 300, height: 200 });
  });
});

describe('pdqRobustVariants', () => {
  it('a query computes trim, frame and screen only; all is the query and bank sets, trim once', () => {
    const images: ImagePixels[] = [
      onCanvas(picture(8, 320, 240), 400, 300, [0, 0, 0]),
      onCanvas(page(4, 300, 400), 360, 460, [216, 59, 106]),
    ];
    for (const image of images) {
      const query = pdqRobustVariants(image, 'query').map((v) => v.name);
      const bank = pdqRobustVariants(image, 'bank').map((v) => v.name);
      expect(query.every((n) => (QUERY_VARIANT_NAMES as readonly string[]).includes(n))).toBe(true);
      const all = pdqRobustVariants(image, 'all').map((v) => v.name);
      expect(all).toEqual([...query, ...bank.filter((n) => n !== 'trim')]);
    }
  });

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
