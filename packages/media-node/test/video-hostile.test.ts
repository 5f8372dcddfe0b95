// Hostile and broken videos end in a MediaDecodeError with a stable code, before or during
// decoding, and the hasher keeps working afterwards. The files are made here, with the bundled
// ffmpeg (it encodes too), or by cutting and forging bytes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PDQ_FIXTURES } from '../../../tools/test-fixtures.js';
import { createHashingPool, hashVideoFile, MediaDecodeError, type VideoHashOptions } from '../src/index.js';
import { writeHostileVideos } from './support/hostile-videos.js';

let dir: string;

async function failure(path: string, options: VideoHashOptions = {}): Promise<MediaDecodeError> {
  const error: unknown = await hashVideoFile(path, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MediaDecodeError);
  return error as MediaDecodeError;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hashline-video-hostile-'));
  await writeHostileVideos(dir);
}, 120_000);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('hostile videos', () => {
  test('a truncated file is refused as corrupt; lenient mode hashes what decodes, like the reference', async () => {
    const error = await failure(join(dir, 'truncated.mp4'));
    expect(error.code).toBe('MEDIA_CORRUPT');
    expect(error.message).toMatch(/damaged|partial|Invalid/);
    const lenient = await hashVideoFile(join(dir, 'truncated.mp4'), {
      failOnDecodeErrors: false,
      secondsPerHash: 0,
    });
    expect(lenient.frames.length).toBeGreaterThan(0);
    expect(lenient.frames.length).toBeLessThan(120);
  });

  test('a ZIP renamed .mp4 is not a supported video', async () => {
    const error = await failure(join(dir, 'archive.mp4'));
    expect(error.code).toBe('MEDIA_UNSUPPORTED_FORMAT');
  });

  test('an image renamed .mp4 is refused by the container allow-list', async () => {
    const error = await failure(join(dir, 'image.mp4'));
    expect(error.code).toBe('MEDIA_UNSUPPORTED_FORMAT');
  });

  test('huge dimensions are refused from the header, before decoding', async () => {
    const error = await failure(join(dir, 'huge.avi'));
    expect(error.code).toBe('MEDIA_TOO_MANY_PIXELS');
    expect(error.message).toContain('8192×8192');
  });

  test('an absurd frame rate is refused', async () => {
    const error = await failure(join(dir, 'absurd-rate.mp4'));
    expect(error.code).toBe('MEDIA_CORRUPT');
    expect(error.message).toMatch(/frames per second, over the limit of 1000/);
  });

  test('a thousand streams are refused while the header is parsed', async () => {
    const error = await failure(join(dir, 'streams.mp4'));
    expect(error.code).toBe('MEDIA_UNSUPPORTED_FORMAT');
    expect(error.message).toMatch(/streams/);
  });

  test('size, duration and frame limits, empty and missing files', async () => {
    expect((await failure(join(dir, 'empty.mp4'))).code).toBe('MEDIA_EMPTY');
    expect((await failure(join(dir, 'missing.mp4'))).code).toBe('MEDIA_READ_FAILED');
    expect((await failure(join(dir, 'good.mp4'), { maxBytes: 1000 })).code).toBe('MEDIA_TOO_LARGE');
    const long = await failure(join(dir, 'good.mp4'), { maxDurationSeconds: 2 });
    expect(long.code).toBe('MEDIA_TOO_LARGE');
    expect(long.message).toMatch(/lasts 4\.0 s/);
    const many = await failure(join(dir, 'good.mp4'), { maxFrames: 60 });
    expect(many.code).toBe('MEDIA_TOO_LARGE');
    expect(many.message).toMatch(/120 frames/);
    expect((await failure(join(dir, 'good.mp4'), { maxPixels: 1280 * 719 })).code).toBe(
      'MEDIA_TOO_MANY_PIXELS',
    );
  });

  test('an aborted job ends as MEDIA_TIMEOUT', async () => {
    const error = await failure(join(dir, 'good.mp4'), { signal: AbortSignal.abort() });
    expect(error.code).toBe('MEDIA_TIMEOUT');
  });

  test('after all of these, a good video still hashes', async () => {
    const result = await hashVideoFile(join(dir, 'good.mp4'));
    expect(result.frames.map((f) => f.frameNumber)).toEqual([0, 30, 60, 90]);
    expect(result.info).toMatchObject({ width: 1280, height: 720, frameRate: '30/1', codec: 'h264' });
  });
});

describe('in the hashing pool (process isolation)', () => {
  test('hostile videos fail with their codes and the pool keeps serving videos and images', async () => {
    const pool = createHashingPool({ threads: 1, isolation: 'process', video: { maxStreams: 16 } });
    try {
      const codeOf = (promise: Promise<unknown>): Promise<unknown> =>
        promise.then(
          () => 'resolved',
          (e: unknown) => (e as MediaDecodeError).code,
        );
      expect(await codeOf(pool.hashVideoFile(join(dir, 'truncated.mp4')))).toBe('MEDIA_CORRUPT');
      expect(await codeOf(pool.hashVideoFile(join(dir, 'archive.mp4')))).toBe('MEDIA_UNSUPPORTED_FORMAT');
      expect(await codeOf(pool.hashVideoFile(join(dir, 'huge.avi')))).toBe('MEDIA_TOO_MANY_PIXELS');
      expect(await codeOf(pool.hashVideoFile(join(dir, 'absurd-rate.mp4')))).toBe('MEDIA_CORRUPT');
      expect(await codeOf(pool.hashVideoFile(join(dir, 'streams.mp4')))).toBe('MEDIA_UNSUPPORTED_FORMAT');
      const video = await pool.hashVideoFile(join(dir, 'good.mp4'), { secondsPerHash: 2 });
      expect(video.frames.map((f) => f.frameNumber)).toEqual([0, 60]);
      const image = await pool.hashFile(join(PDQ_FIXTURES, 'data', 'bridge-mods', 'aaa-orig.jpg'));
      expect(image.pdq).toMatch(/^[0-9a-f]{64}$/);
      expect(pool.stats()).toMatchObject({ crashes: 0, timeouts: 0, completed: 2, failed: 5 });
    } finally {
      await pool.close();
    }
  });
});
