import sharp from 'sharp';

/** A benign generated image for demos and first-run seeding, with how it relates to the bank. */
export interface DemoImage {
  /** File name, e.g. `landscape.jpg`. */
  readonly name: string;
  /** `bank`: its hash goes into the demo bank; `query`: a file to try matching. */
  readonly role: 'bank' | 'query';
  /** What it is, for the instructions printed to a newcomer. */
  readonly description: string;
  readonly bytes: Buffer;
}

/** A small deterministic PRNG, so the demo images (and their hashes) are the same everywhere. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Paints a landscape (sky, sun, layered hills, a lake, grain) from a seed: benign, detailed
 * enough for a high PDQ quality, and different for every seed.
 */
function paintLandscape(width: number, height: number, seed: number): Buffer {
  const next = seeded(seed);
  const sun = {
    x: width * (0.2 + 0.6 * next()),
    y: height * (0.15 + 0.15 * next()),
    r: height * (0.07 + 0.05 * next()),
  };
  const hills = Array.from({ length: 4 }, (_, layer) => ({
    base: height * (0.45 + layer * 0.1),
    waves: Array.from({ length: 3 }, () => ({
      amp: height * 0.04 * next() + 8,
      freq: (1 + 4 * next()) / width,
      phase: next() * 6.28,
    })),
    colour: [40 + 30 * layer + 40 * next(), 90 + 25 * layer + 40 * next(), 40 + 15 * layer + 30 * next()],
  }));
  // Each hill's ridge depends on x only.
  const ridges = hills.map((hill) =>
    Float64Array.from({ length: width }, (_, x) =>
      hill.waves.reduce((sum, w) => sum + w.amp * Math.sin(x * w.freq * 6.28 + w.phase), hill.base),
    ),
  );
  const lakeTop = height * 0.86;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = y / height;
      let rgb = [90 + 120 * t, 150 + 70 * t, 235 - 40 * t];
      if (Math.hypot(x - sun.x, y - sun.y) < sun.r) rgb = [255, 220, 120];
      hills.forEach((hill, layer) => {
        const ridge = ridges[layer]![x]!;
        if (y > ridge) rgb = hill.colour.map((c) => c - (y - ridge) * 0.08);
      });
      if (y > lakeTop) rgb = [40, 90 + 40 * Math.sin(x / 13 + y / 3), 150];
      const grain = (next() - 0.5) * 18;
      const at = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) pixels[at + c] = Math.max(0, Math.min(255, Math.round(rgb[c]! + grain)));
    }
  }
  return pixels;
}

/**
 * Generates the demo set: two landscapes for the demo bank, and files to try against it — a
 * blurred and a resized, re-compressed copy of the first landscape (which match), and a third
 * landscape that is in no bank (which does not). Nothing here is, or resembles, real material.
 */
export async function renderDemoImages(): Promise<DemoImage[]> {
  const [width, height] = [1200, 800];
  const raw = { raw: { width, height, channels: 3 as const } };
  const first = paintLandscape(width, height, 2026);
  const second = paintLandscape(width, height, 1979);
  const stranger = paintLandscape(width, height, 4242);
  return [
    {
      name: 'landscape-1.jpg',
      role: 'bank',
      description: 'a generated landscape whose hash is in the demo bank',
      bytes: await sharp(first, raw).jpeg({ quality: 90 }).toBuffer(),
    },
    {
      name: 'landscape-2.jpg',
      role: 'bank',
      description: 'a second generated landscape in the demo bank',
      bytes: await sharp(second, raw).jpeg({ quality: 90 }).toBuffer(),
    },
    {
      name: 'landscape-1-blurred.jpg',
      role: 'query',
      description: 'landscape-1 blurred: matches at a small distance',
      bytes: await sharp(first, raw).blur(4).jpeg({ quality: 80 }).toBuffer(),
    },
    {
      name: 'landscape-1-small.jpg',
      role: 'query',
      description: 'landscape-1 resized to 480×320 and re-compressed: matches',
      bytes: await sharp(first, raw).resize(480, 320).jpeg({ quality: 50 }).toBuffer(),
    },
    {
      name: 'unrelated.jpg',
      role: 'query',
      description: 'a landscape in no bank: no match',
      bytes: await sharp(stranger, raw).jpeg({ quality: 90 }).toBuffer(),
    },
  ];
}
