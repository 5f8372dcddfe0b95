// Shared by robust-variants.test.ts (Node) and browser/robust-variants.page.ts (Chromium): a small
// deterministic set of generated benign images — pictures alone, padded, letterboxed and laid out
// like a phone screenshot, and a text-like page padded and in a dark screenshot — and the robust
// variants of each (query and bank side), as hex, for every engine.
import { pdqRobustVariants, toHex, type ImagePixels, type PdqEngine } from '@hashline/pdq';

/** One image's variants: name, hex hash and quality, in the order computed. */
export interface VariantsRow {
  readonly image: string;
  readonly engine: PdqEngine;
  readonly variants: readonly string[];
}

/** A seeded xorshift32 generator returning floats in [0, 1). */
function random(seed: number): () => number {
  let s = seed | 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** RGBA (as a canvas gives) picture of blended discs and rectangles over a two-colour gradient. */
export function picture(seed: number, width: number, height: number): ImagePixels {
  const next = random(seed);
  const data = new Uint8ClampedArray(width * height * 4);
  const a = [next() * 255, next() * 255, next() * 255];
  const b = [next() * 255, next() * 255, next() * 255];
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const t = (x / width + y / height) / 2;
      const p = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) data[p + c] = a[c]! + (b[c]! - a[c]!) * t;
      data[p + 3] = 255;
    }
  for (let i = 0; i < 12; i++) {
    const colour = [next() * 255, next() * 255, next() * 255];
    const cx = next() * width;
    const cy = next() * height;
    const r = (0.05 + next() * 0.2) * width;
    const disc = next() < 0.5;
    for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(height, cy + r); y++)
      for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(width, cx + r); x++) {
        if (disc && (x - cx) ** 2 + (y - cy) ** 2 > r * r) continue;
        const p = (y * width + x) * 4;
        for (let c = 0; c < 3; c++) data[p + c] = (data[p + c]! + colour[c]!) / 2;
      }
  }
  return { data, width, height, channels: 4 };
}

/**
 * RGBA text-like page: paper of one colour with margins of a tenth of the width, a heading and
 * lines of dark "words" with paragraph gaps — flat lines at its edges and between its lines.
 */
export function page(seed: number, width: number, height: number): ImagePixels {
  const next = random(seed);
  const data = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < data.length; p += 4) data.set([240, 236, 225, 255], p);
  const margin = Math.round(width / 10);
  const line = Math.max(4, Math.round(height / 25));
  const ink = (x0: number, y0: number, w: number, h: number) => {
    for (let y = y0; y < Math.min(height, y0 + h); y++)
      for (let x = x0; x < Math.min(width - margin, x0 + w); x++)
        data.set([30, 30, 40, 255], (y * width + x) * 4);
  };
  let y = margin;
  ink(margin, y, Math.round(width * 0.5), Math.round(line * 1.4));
  y += line * 3;
  while (y + line < height - margin) {
    for (let x = margin; x < width - margin;) {
      const w = Math.round(line * (1 + next() * 4));
      ink(x, y, w, Math.round(line * 0.55));
      x += w + Math.round(line * 0.5);
    }
    y += line + (next() < 0.2 ? line : 0);
  }
  return { data, width, height, channels: 4 };
}

/** `inner` centred on a `width` × `height` canvas of one colour, with optional bars drawn on it. */
export function onCanvas(
  inner: ImagePixels,
  width: number,
  height: number,
  background: readonly number[],
  top = Math.floor((height - inner.height) / 2),
  bars: readonly { y: number; h: number; colour: readonly number[] }[] = [],
): ImagePixels {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < data.length; p += 4) {
    data.set(background, p);
    data[p + 3] = 255;
  }
  for (const bar of bars)
    for (let y = bar.y; y < bar.y + bar.h; y++)
      for (let x = 0; x < width; x++) {
        // Icons: every other 12-pixel block of the bar is drawn dark.
        const colour = Math.floor(x / 12) % 2 === 0 && x > 10 && x < width - 10 ? [20, 20, 20] : bar.colour;
        data.set(colour, (y * width + x) * 4);
      }
  const left = Math.floor((width - inner.width) / 2);
  for (let y = 0; y < inner.height; y++) {
    const row = inner.data.subarray(y * inner.width * 4, (y + 1) * inner.width * 4);
    data.set(row, ((top + y) * width + left) * 4);
  }
  return { data, width, height, channels: 4 };
}

/** The named test images: three pictures, each alone, padded, letterboxed and in a screenshot. */
export function variantTestImages(): { name: string; pixels: ImagePixels }[] {
  const images: { name: string; pixels: ImagePixels }[] = [];
  for (const [seed, w, h] of [
    [1, 320, 240],
    [2, 240, 320],
    [3, 600, 400],
  ] as const) {
    const p = picture(seed, w, h);
    images.push({ name: `picture-${seed}`, pixels: p });
    images.push({ name: `padded-${seed}`, pixels: onCanvas(p, w + 64, h + 48, [30, 90, 200]) });
    images.push({
      name: `letterboxed-${seed}`,
      pixels: onCanvas(p, w, h + 2 * Math.round(h / 3), [0, 0, 0]),
    });
    images.push({
      name: `screenshot-${seed}`,
      pixels: onCanvas(p, w + 40, h * 2, [245, 245, 245], Math.round(h / 3), [
        { y: 4, h: 16, colour: [225, 225, 225] },
        { y: h * 2 - 24, h: 16, colour: [255, 255, 255] },
      ]),
    });
  }
  const text = page(4, 300, 400);
  images.push({ name: 'page-4', pixels: text });
  images.push({ name: 'padded-page-4', pixels: onCanvas(text, 360, 460, [216, 59, 106]) });
  images.push({
    name: 'screenshot-page-4',
    pixels: onCanvas(text, 340, 700, [18, 18, 18], 120, [
      { y: 4, h: 16, colour: [0, 0, 0] },
      { y: 660, h: 16, colour: [35, 35, 35] },
    ]),
  });
  return images;
}

/**
 * The robust variants of every test image with `engine`, query and bank side (`trim`, `frame`,
 * `screen`, the crops), as `name:hex:quality` strings.
 */
export function variantRows(engine: PdqEngine): VariantsRow[] {
  return variantTestImages().map(({ name, pixels }) => ({
    image: name,
    engine,
    variants: pdqRobustVariants(pixels, 'all', { engine }).map(
      (v) => `${v.name}:${toHex(v.hash)}:${v.quality}`,
    ),
  }));
}
