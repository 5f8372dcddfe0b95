// Hostile and broken videos end in a MediaDecodeError with a stable code, before or during
// decoding, and the hasher keeps working afterwards. The files are made here, with the bundled
// ffmpeg (it encodes too), or by cutting and forging bytes.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PDQ_FIXTURES } from '../../../tools/test-fixtures.js';
import {
  createHashingPool,
  hashVideoFile,
  MediaDecodeError,
  resolveFfmpegBinaries,
  type VideoHashOptions,
} from '../src/index.js';

const run = promisify(execFile);
const SAMPLE = join(PDQ_FIXTURES, 'vpdq-videos', 'doorknob-hd-no-bar.mp4');
let dir: string;

async function ffmpeg(...args: string[]): Promise<void> {
  await run(resolveFfmpegBinaries().ffmpeg, ['-nostdin', '-v', 'error', '-y', ...args], {
    maxBuffer: 1 << 20,
  });
}

/** A ZIP archive (one stored file), the bytes a renamed `.zip` would have. */
function zipBytes(): Buffer {
  const name = Buffer.from('notes.txt');
  const data = Buffer.from('not a video\n');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(10, 4);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(10, 6);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(local.length + name.length + data.length, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

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
  writeFileSync(join(dir, 'truncated.mp4'), readFileSync(SAMPLE).subarray(0, 100_000));
  writeFileSync(join(dir, 'archive.mp4'), zipBytes());
  writeFileSync(join(dir, 'empty.mp4'), Buffer.alloc(0));
  // 8192×8192 (67 MP a frame): one black MJPEG frame, 400 KB.
  await ffmpeg(
    '-f',
    'lavfi',
    '-i',
    'color=black:s=8192x8192:d=0.04',
    '-frames:v',
    '1',
    '-c:v',
    'mjpeg',
    join(dir, 'huge.avi'),
  );
  // 500 frames 1 µs apart: an average rate of about 1,000,000 frames per second.
  await ffmpeg(
    '-f',
    'lavfi',
    '-i',
    'testsrc=s=32x32:r=1000:d=0.5',
    '-vf',
    'setpts=N/1000000/TB',
    '-vsync',
    '0',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-video_track_timescale',
    '1000000',
    join(dir, 'absurd-rate.mp4'),
  );
  // 999 video streams in one MP4 (the muxer's own limit is 1000).
  await ffmpeg(
    '-f',
    'lavfi',
    '-i',
    'testsrc=s=16x16:r=1:d=1',
    ...Array.from({ length: 999 }, () => ['-map', '0:v']).flat(),
    '-c:v',
    'mjpeg',
    '-f',
    'mov',
    join(dir, 'streams.mp4'),
  );
  // An image in a video's clothes: the PNG demuxer is not on the container allow-list.
  await ffmpeg(
    '-f',
    'lavfi',
    '-i',
    'testsrc=s=64x64:d=0.04',
    '-frames:v',
    '1',
    '-f',
    'image2',
    '-c:v',
    'png',
    join(dir, 'image.mp4'),
  );
  copyFileSync(SAMPLE, join(dir, 'good.mp4'));
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
