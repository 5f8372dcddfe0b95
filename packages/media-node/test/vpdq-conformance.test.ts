// vPDQ against Meta's sample hashes (SPEC §8): the 14 sample videos hashed every frame (r = 0) at
// native size and at 128×128, per-frame against vpdq/sample-hashes, and the pairwise match
// verdicts between the videos against the same rule applied to the reference hashes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex, hammingDistance, parseVpdqLines, vpdqMatch, type VpdqFrame } from '@hashline/pdq';
import { beforeAll, describe, expect, test } from 'vitest';
import { PDQ_FIXTURES } from '../../../tools/test-fixtures.js';
import { hashVideoFile, type VideoHashOptions } from '../src/index.js';

const VIDEOS = join(PDQ_FIXTURES, 'vpdq-videos');
const SAMPLES = join(PDQ_FIXTURES, 'vpdq-sample-hashes');
const NAMES = readdirSync(VIDEOS)
  .filter((f) => f.endsWith('.mp4'))
  .map((f) => f.slice(0, -4))
  .sort();

interface Comparison {
  readonly name: string;
  readonly frames: number;
  readonly identical: number;
  readonly maxDistance: number;
}

function compare(name: string, ours: readonly VpdqFrame[], reference: readonly VpdqFrame[]): Comparison {
  expect(
    ours.map((f) => f.frameNumber),
    name,
  ).toEqual(reference.map((f) => f.frameNumber));
  // The reference prints 3 decimals; ours must print the same.
  expect(
    ours.map((f) => f.timestampSeconds.toFixed(3)),
    name,
  ).toEqual(reference.map((f) => f.timestampSeconds.toFixed(3)));
  let identical = 0;
  let maxDistance = 0;
  for (let i = 0; i < reference.length; i++) {
    const distance = hammingDistance(fromHex(ours[i]!.pdqHex), fromHex(reference[i]!.pdqHex));
    if (distance === 0) identical++;
    maxDistance = Math.max(maxDistance, distance);
  }
  return { name, frames: reference.length, identical, maxDistance };
}

/** Hashes the videos two at a time (each decode is one process pair). */
async function hashAll(
  names: readonly string[],
  options: VideoHashOptions,
): Promise<Map<string, VpdqFrame[]>> {
  const results = new Map<string, VpdqFrame[]>();
  const queue = [...names];
  const worker = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const { frames } = await hashVideoFile(join(VIDEOS, `${name}.mp4`), { ...options, secondsPerHash: 0 });
      results.set(name, frames);
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

function reference(name: string, suffix: string): VpdqFrame[] {
  return parseVpdqLines(readFileSync(join(SAMPLES, `${name}${suffix}.txt`), 'utf8'));
}

function expectConformance(comparisons: readonly Comparison[], minShare: number): void {
  const frames = comparisons.reduce((sum, c) => sum + c.frames, 0);
  const identical = comparisons.reduce((sum, c) => sum + c.identical, 0);
  const table = comparisons.map(
    (c) => `${c.name}: ${c.identical}/${c.frames} identical, max ${c.maxDistance}`,
  );
  expect(identical / frames, table.join('\n')).toBeGreaterThanOrEqual(minShare);
  expect(Math.max(...comparisons.map((c) => c.maxDistance)), table.join('\n')).toBeLessThanOrEqual(8);
}

/** Every ordered pair: both percentages and the verdict equal the rule on the reference hashes. */
function expectSameVerdicts(ours: Map<string, VpdqFrame[]>, references: Map<string, VpdqFrame[]>): void {
  let matches = 0;
  for (const a of ours.keys()) {
    for (const b of ours.keys()) {
      if (a === b) continue;
      const mine = vpdqMatch(ours.get(a)!, ours.get(b)!);
      const theirs = vpdqMatch(references.get(a)!, references.get(b)!);
      expect(mine, `${a} vs ${b}`).toEqual(theirs);
      if (mine.isMatch) matches++;
    }
  }
  // The chair and pattern families match within themselves, not across: a matrix that matched
  // nothing (or everything) would prove little.
  expect(matches).toBeGreaterThan(0);
  expect(matches).toBeLessThan(ours.size * (ours.size - 1));
}

describe('vPDQ conformance, native size', () => {
  let ours: Map<string, VpdqFrame[]>;
  beforeAll(async () => {
    ours = await hashAll(NAMES, {});
  }, 600_000);

  test('14 videos: ≥ 98.5 % of frames bit-identical (measured 98.67 %), none more than 8 bits off', () => {
    expect(NAMES).toHaveLength(14);
    const comparisons = NAMES.map((name) => compare(name, ours.get(name)!, reference(name, '')));
    // Not the 99 %: test-padded-dimensions was made with the x86 SIMD conversion (72/150
    // identical here, at most 4 bits off; bit for bit with rgbConversion 'simd', below), the 13
    // others with the C conversion (docs/adr/0010-video-decoder.md).
    expectConformance(comparisons, 0.985);
    // The 13 files made with swscale's C conversion match bit for bit.
    for (const c of comparisons.filter((c) => c.name !== 'test-padded-dimensions')) {
      expect(c.identical, c.name).toBe(c.frames);
    }
  });

  test('pairwise verdicts and percentages equal the reference rule on the reference hashes', () => {
    expectSameVerdicts(ours, new Map(NAMES.map((name) => [name, reference(name, '')])));
  });
});

describe('vPDQ conformance, 128×128 (Lanczos, as the sample files were made)', () => {
  const names = NAMES.filter((name) => name !== 'test-padded-dimensions');
  let ours: Map<string, VpdqFrame[]>;
  beforeAll(async () => {
    ours = await hashAll(names, { squareSize: 128, downscaleMethod: 'lanczos' });
  }, 600_000);

  test('13 videos: ≥ 99 % of frames bit-identical, none more than 8 bits off', () => {
    expectConformance(
      names.map((name) => compare(name, ours.get(name)!, reference(name, '-128x128'))),
      0.99,
    );
  });

  test('pairwise verdicts and percentages equal the reference rule on the reference hashes', () => {
    expectSameVerdicts(ours, new Map(names.map((name) => [name, reference(name, '-128x128')])));
  });
});

describe('x86 SIMD conversion (rgbConversion: simd)', () => {
  test('reproduces the sample made with it bit for bit, and moves the others', async () => {
    const padded = await hashVideoFile(join(VIDEOS, 'test-padded-dimensions.mp4'), {
      secondsPerHash: 0,
      rgbConversion: 'simd',
    });
    const c = compare('test-padded-dimensions', padded.frames, reference('test-padded-dimensions', ''));
    expect(c.identical).toBe(c.frames);
    const doorknob = await hashVideoFile(join(VIDEOS, 'doorknob-hd-no-bar.mp4'), {
      secondsPerHash: 0,
      rgbConversion: 'simd',
    });
    const d = compare('doorknob-hd-no-bar', doorknob.frames, reference('doorknob-hd-no-bar', ''));
    expect(d.identical).toBeLessThan(d.frames / 2);
  });
});
