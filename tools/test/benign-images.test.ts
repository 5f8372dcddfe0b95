// Smoke test of the robustness evaluation's generator (the evaluation itself is
// `npm run eval:robustness`, outside the test budget): deterministic, every kind, and diverse
// enough that plain PDQ keeps unrelated originals far apart.
import { describe, expect, it } from 'vitest';
import { hammingDistance, pdqHash, PDQ_MATCH_THRESHOLD } from '@hashline/pdq';
import { benignImage, IMAGE_KINDS } from '../../bench/lib/benign-images.mjs';

describe('bench/lib/benign-images.mjs', () => {
  const images = Array.from({ length: 12 }, (_, i) => benignImage(i));

  it('gives the same pixels for the same index', () => {
    expect(Buffer.from(benignImage(5).data).equals(Buffer.from(images[5]!.data))).toBe(true);
  });

  it('cycles through every kind', () => {
    expect(images.slice(0, IMAGE_KINDS.length).map((img) => img.kind)).toEqual([...IMAGE_KINDS]);
  });

  it('gives unrelated images PDQ hashes far beyond the match threshold', () => {
    const hashes = images.map((img) => pdqHash(img).hash);
    for (let a = 0; a < hashes.length; a++)
      for (let b = a + 1; b < hashes.length; b++)
        expect(hammingDistance(hashes[a]!, hashes[b]!)).toBeGreaterThan(2 * PDQ_MATCH_THRESHOLD);
  });
});
