// The browser reads the frame rate from an MP4's boxes to number its vPDQ frames as the reference
// does (the decode index, not the sample index). Checked here in Node against the sample videos
// and the reference's own sample hashes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PDQ_FIXTURES } from '../../../tools/test-fixtures.js';
import { mp4FrameRate, vpdqSampleFrames } from '../src/hashing/mp4-frame-rate.js';

const VIDEOS = join(PDQ_FIXTURES, 'vpdq-videos');

describe('mp4FrameRate', () => {
  const names = readdirSync(VIDEOS).filter((n) => n.endsWith('.mp4'));
  it.each(names)(
    "%s: the frame numbers and times at one frame a second are the reference file's",
    async (name) => {
      const bytes = readFileSync(join(VIDEOS, name));
      const fps = await mp4FrameRate(new Blob([bytes]));
      expect(fps).toBeGreaterThan(0);
      // The reference's frames at r = 0 (every frame): its numbers at r = 1 are every step-th one.
      const reference = readFileSync(
        join(PDQ_FIXTURES, 'vpdq-sample-hashes', name.replace(/\.mp4$/, '.txt')),
        'utf8',
      )
        .trim()
        .split('\n')
        .map((line) => line.split(','));
      const step = Math.max(1, Math.trunc(fps!));
      const expected = reference.filter(([frame]) => Number(frame) % step === 0);
      const duration = reference.length / fps!;
      const sampled = vpdqSampleFrames(fps!, duration, 10_000);
      expect(sampled.map((s) => s.frameNumber)).toEqual(expected.map(([frame]) => Number(frame)));
      expect(sampled.map((s) => s.seconds.toFixed(3))).toEqual(expected.map(([, , , t]) => t));
    },
  );

  it('is undefined for what is not an MP4', async () => {
    expect(await mp4FrameRate(new Blob([Buffer.from('not a video at all')]))).toBeUndefined();
    expect(await mp4FrameRate(new Blob([]))).toBeUndefined();
  });
});
