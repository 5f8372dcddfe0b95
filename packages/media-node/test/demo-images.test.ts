import { describe, expect, test } from 'vitest';
import { fromHex, hammingDistance } from '@hashline/pdq';
import { hashImageBytes, renderDemoImages } from '@hashline/media-node';

describe('demo images', () => {
  test('the modified copies match their original and the unrelated image matches nothing', async () => {
    const images = await renderDemoImages();
    const hashes = new Map<string, { pdq: string; quality: number }>();
    for (const image of images) hashes.set(image.name, await hashImageBytes(image.bytes));
    const distance = (a: string, b: string) =>
      hammingDistance(fromHex(hashes.get(a)!.pdq), fromHex(hashes.get(b)!.pdq));
    for (const { quality } of hashes.values()) expect(quality).toBeGreaterThanOrEqual(80);
    expect(distance('landscape-1.jpg', 'landscape-1-blurred.jpg')).toBeLessThanOrEqual(31);
    expect(distance('landscape-1.jpg', 'landscape-1-small.jpg')).toBeLessThanOrEqual(31);
    for (const bank of ['landscape-1.jpg', 'landscape-2.jpg'])
      expect(distance(bank, 'unrelated.jpg')).toBeGreaterThan(63);
    expect(distance('landscape-1.jpg', 'landscape-2.jpg')).toBeGreaterThan(63);
    expect(images.filter((i) => i.role === 'bank').map((i) => i.name)).toEqual([
      'landscape-1.jpg',
      'landscape-2.jpg',
    ]);
  });

  test('are the same on every run (deterministic hashes for docs and tests)', async () => {
    const [a, b] = await Promise.all([renderDemoImages(), renderDemoImages()]);
    expect(a.map((i) => i.bytes.equals(b.find((j) => j.name === i.name)!.bytes))).toEqual(a.map(() => true));
  });
});
