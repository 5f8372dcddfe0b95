import { describe, expect, test } from 'vitest';
import {
  collapseGrey,
  DIHEDRAL_NAMES,
  hammingDistance,
  pdqHash,
  pdqHashDihedral,
  pdqHashFromLuma,
  PdqError,
  toHex,
  type ImagePixels,
} from '@hashline/pdq';

/** A deterministic, textured RGB test image (benign: smooth gradients plus a checker pattern). */
function texture(width: number, height: number, channels: 1 | 3 | 4 = 3, seed = 1): ImagePixels {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const base = (x * 255) / width;
      const checker = ((x >> 3) + (y >> 4) + seed) & 1 ? 60 : 0;
      for (let c = 0; c < channels; c++) {
        data[(y * width + x) * channels + c] = (base + checker + c * 40 * seed + y) & 0xff;
      }
    }
  }
  return { data, width, height, channels };
}

const ZERO = '0'.repeat(64);

describe('pdqHash', () => {
  test('images with a side under 5 px get the all-zero hash and quality 0, as in the reference', () => {
    for (const [w, h] of [
      [4, 4],
      [4, 100],
      [100, 4],
      [1, 1],
    ] as const) {
      const result = pdqHash(texture(w, h));
      expect(toHex(result.hash)).toBe(ZERO);
      expect(result.quality).toBe(0);
    }
    expect(toHex(pdqHash(texture(5, 5)).hash)).not.toBe(ZERO);
  });

  test('the pre-resize runs before the size guard: 1000×3 is upsampled and hashed, 500×3 is not', () => {
    expect(toHex(pdqHash(texture(1000, 3)).hash)).not.toBe(ZERO);
    expect(toHex(pdqHash(texture(500, 3)).hash)).toBe(ZERO);
    expect(toHex(pdqHash(texture(1000, 3), { preResize: false }).hash)).toBe(ZERO);
  });

  test('an image over 512 px hashes like its 512×512 nearest-neighbour resample, top-left aligned', () => {
    const big = texture(1600, 1004);
    const small = new Uint8Array(512 * 512 * 3);
    for (let y = 0; y < 512; y++) {
      for (let x = 0; x < 512; x++) {
        const src = (Math.floor((y * 1004) / 512) * 1600 + Math.floor((x * 1600) / 512)) * 3;
        small.set(big.data.subarray(src, src + 3), (y * 512 + x) * 3);
      }
    }
    const resized = { data: small, width: 512, height: 512, channels: 3 } as const;
    expect(pdqHash(big)).toEqual(pdqHash(resized));
    // Without the pre-resize the full-resolution blur gives a nearby but different hash.
    const full = pdqHash(big, { preResize: false });
    expect(hammingDistance(full.hash, pdqHash(resized).hash)).toBeGreaterThan(0);
    expect(hammingDistance(full.hash, pdqHash(resized).hash)).toBeLessThan(32);
  });

  test('honours the row stride and ignores padding bytes', () => {
    const image = texture(40, 30);
    const stride = 40 * 3 + 7;
    const padded = new Uint8Array(stride * 30).fill(255);
    for (let y = 0; y < 30; y++) padded.set(image.data.subarray(y * 120, y * 120 + 120), y * stride);
    expect(pdqHash({ ...image, data: padded, stride })).toEqual(pdqHash(image));
  });

  test('ignores the alpha channel (dropped, not composited)', () => {
    const rgb = texture(64, 48);
    const rgba = new Uint8Array(64 * 48 * 4);
    for (let i = 0; i < 64 * 48; i++) {
      rgba.set(rgb.data.subarray(i * 3, i * 3 + 3), i * 4);
      rgba[i * 4 + 3] = i % 2 ? 0 : 255;
    }
    expect(pdqHash({ data: rgba, width: 64, height: 48, channels: 4 })).toEqual(pdqHash(rgb));
  });

  test('accepts a canvas Uint8ClampedArray', () => {
    const image = texture(30, 30);
    expect(pdqHash({ ...image, data: new Uint8ClampedArray(image.data) })).toEqual(pdqHash(image));
  });

  test('grey input takes the unweighted luma path; collapseGrey picks it for R=G=B images', () => {
    const grey = texture(80, 80, 1);
    const rgb = new Uint8Array(80 * 80 * 3);
    for (let i = 0; i < 80 * 80; i++) rgb.fill(grey.data[i]!, i * 3, i * 3 + 3);
    const asRgb: ImagePixels = { data: rgb, width: 80, height: 80, channels: 3 };
    const collapsed = collapseGrey(asRgb);
    expect(collapsed.channels).toBe(1);
    expect(Array.from(collapsed.data)).toEqual(Array.from(grey.data));
    expect(pdqHash(collapsed)).toEqual(pdqHash(grey));
    // A colour image is left as it is.
    const colour = texture(80, 80, 3);
    expect(collapseGrey(colour)).toBe(colour);
  });

  test('is deterministic and near-identical under small edits, far apart for different images', () => {
    const image = texture(300, 200);
    const a = pdqHash(image);
    expect(pdqHash(image)).toEqual(a);
    const edited = image.data.slice();
    for (let i = 0; i < edited.length; i += 97) edited[i] = Math.min(255, edited[i]! + 3);
    const b = pdqHash({ ...image, data: edited });
    expect(hammingDistance(a.hash, b.hash)).toBeLessThanOrEqual(31);
    const other = pdqHash(texture(300, 200, 3, 2));
    expect(hammingDistance(a.hash, other.hash)).toBeGreaterThan(31);
  });

  test('a flat image has quality 0', () => {
    const flat = { data: new Uint8Array(100 * 100).fill(128), width: 100, height: 100, channels: 1 } as const;
    expect(pdqHash(flat).quality).toBe(0);
  });

  test.each<[string, ImagePixels]>([
    ['zero width', { data: new Uint8Array(0), width: 0, height: 10, channels: 3 }],
    ['fractional height', { data: new Uint8Array(300), width: 10, height: 9.5, channels: 3 }],
    ['2 channels', { data: new Uint8Array(200), width: 10, height: 10, channels: 2 as 3 }],
    ['short data', { data: new Uint8Array(299), width: 10, height: 10, channels: 3 }],
    [
      'stride shorter than a row',
      { data: new Uint8Array(300), width: 10, height: 10, channels: 3, stride: 20 },
    ],
    [
      'not bytes',
      { data: new Float32Array(300) as unknown as Uint8Array, width: 10, height: 10, channels: 3 },
    ],
  ])('rejects inconsistent pixels: %s', (_, pixels) => {
    expect(() => pdqHash(pixels)).toThrow(PdqError);
    expect(() => pdqHash(pixels)).toThrow(expect.objectContaining({ code: 'PDQ_INVALID_PIXELS' }));
  });
});

describe('pdqHashDihedral', () => {
  test('orig equals pdqHash, and each variant is the nearest to hashing the transformed pixels', () => {
    // Smooth content: the variants are only approximately the hashes of transformed files.
    const data = new Uint8Array(128 * 128 * 3);
    for (let y = 0; y < 128; y++) {
      for (let x = 0; x < 128; x++) {
        const v = 128 + 60 * Math.sin(x / 9) + 50 * Math.cos(y / 13 + x / 29);
        data.set([v, 255 - v, (v * y) / 128], (y * 128 + x) * 3);
      }
    }
    const image: ImagePixels = { data, width: 128, height: 128, channels: 3 };
    const { quality, hashes } = pdqHashDihedral(image);
    expect(quality).toBe(pdqHash(image).quality);
    expect(hashes.orig).toEqual(pdqHash(image).hash);
    expect(Object.keys(hashes)).toEqual([...DIHEDRAL_NAMES]);
    const transformed = {
      rot90: (x: number, y: number) => [127 - y, x], // counter-clockwise: new(x,y) = old(127−y, x)
      flipy: (x: number, y: number) => [127 - x, y],
      flipx: (x: number, y: number) => [x, 127 - y],
      rot180: (x: number, y: number) => [127 - x, 127 - y],
      flipp: (x: number, y: number) => [y, x],
      rot270: (x: number, y: number) => [y, 127 - x],
      flipm: (x: number, y: number) => [127 - y, 127 - x],
    } as const;
    for (const [name, map] of Object.entries(transformed)) {
      const out = new Uint8Array(128 * 128 * 3);
      for (let y = 0; y < 128; y++) {
        for (let x = 0; x < 128; x++) {
          const [sx, sy] = map(x, y) as [number, number];
          out.set(image.data.subarray((sy * 128 + sx) * 3, (sy * 128 + sx) * 3 + 3), (y * 128 + x) * 3);
        }
      }
      const direct = pdqHash({ data: out, width: 128, height: 128, channels: 3 }).hash;
      // Not exact (the even-window blur and the floor sampling are not mirror-symmetric), but the
      // variant of that name is the nearest of the eight.
      const distances = DIHEDRAL_NAMES.map((variant) => hammingDistance(direct, hashes[variant]));
      const nearest = DIHEDRAL_NAMES[distances.indexOf(Math.min(...distances))];
      expect(nearest, `${name}: distances ${distances.join(',')}`).toBe(name);
      expect(hammingDistance(direct, hashes[name as keyof typeof transformed])).toBeLessThan(64);
    }
  });
});

describe('pdqHashFromLuma', () => {
  test('equals hashing grey pixels without a pre-resize, and leaves the input untouched', () => {
    const grey = texture(700, 90, 1);
    const luma = Float32Array.from(grey.data);
    const before = luma.slice();
    expect(pdqHashFromLuma(luma, 700, 90)).toEqual(pdqHash(grey, { preResize: false }));
    expect(luma).toEqual(before);
  });

  test('rejects a buffer too short for its dimensions', () => {
    expect(() => pdqHashFromLuma(new Float32Array(10), 5, 5)).toThrow(PdqError);
  });
});
