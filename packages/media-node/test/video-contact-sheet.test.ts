// The contact sheet of a video (issue #13 item 4): a few evenly spaced frames of the decode that
// hashed it, blurred and greyscale for the workbench's default view, in colour for a reveal. The
// video is generated here with FFmpeg's test pattern source (benign by construction).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  CONTACT_SHEET_FRAMES,
  EvenFrameSampler,
  PREVIEW_MAX_SIDE,
  contactSheetColumns,
  createCapturedMediaHasher,
  createHashingPool,
  hashVideoFile,
  resolveFfmpegBinaries,
  type HashingPool,
  type VideoHashingPool,
} from '../src/index.js';

const run = promisify(execFile);

/** Writes a benign H.264 test-pattern clip: `seconds` long, 10 fps, 320×240. */
export async function writeTestPatternVideo(path: string, seconds: number): Promise<void> {
  await run(
    resolveFfmpegBinaries().ffmpeg,
    [
      '-nostdin',
      '-v',
      'error',
      '-y',
      '-f',
      'lavfi',
      '-i',
      `testsrc=size=320x240:rate=10:duration=${seconds}`,
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-pix_fmt',
      'yuv420p',
      path,
    ],
    { maxBuffer: 1 << 20 },
  );
}

/** A rectangle of an image: left, top, width, height. */
type Region = readonly [number, number, number, number];

/**
 * Variance of the 4-neighbour Laplacian of a one-channel image inside `region`: high for sharp
 * detail.
 */
function laplacianVariance(data: Buffer, width: number, region: Region): number {
  const [left, top, w, h] = region;
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = Math.max(1, top); y < top + h - 1; y++) {
    for (let x = Math.max(1, left); x < left + w - 1; x++) {
      const at = y * width + x;
      const v = data[at - 1]! + data[at + 1]! + data[at - width]! + data[at + width]! - 4 * data[at]!;
      sum += v;
      sumSq += v * v;
      n++;
    }
  }
  return sumSq / n - (sum / n) ** 2;
}

/** The APPn markers (0xE1–0xEF: EXIF, XMP, ICC…) a JPEG carries before its scan. */
function appMarkers(jpeg: Uint8Array): number[] {
  const markers: number[] = [];
  let p = 2;
  while (p + 3 < jpeg.length && jpeg[p] === 0xff) {
    const marker = jpeg[p + 1]!;
    if (marker === 0xda) break;
    if (marker >= 0xe1 && marker <= 0xef) markers.push(marker);
    p += 2 + ((jpeg[p + 2]! << 8) | jpeg[p + 3]!);
  }
  return markers;
}

let dir: string;
let clip: string;
let shortClip: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hashline-contact-sheet-'));
  clip = join(dir, 'pattern-12s.mp4');
  shortClip = join(dir, 'pattern-2s.mp4');
  await writeTestPatternVideo(clip, 12);
  await writeTestPatternVideo(shortClip, 2);
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('EvenFrameSampler', () => {
  test('keeps evenly spaced frames of a stream of unknown length, in bounded memory', () => {
    for (const length of [1, 5, 9, 10, 19, 100, 1000, 14_401]) {
      const sampler = new EvenFrameSampler(9);
      let held = 0;
      for (let index = 0; index < length; index++) {
        if (!sampler.wants(index)) continue;
        sampler.add({ index, timestampSeconds: index, data: Buffer.alloc(0), width: 1, height: 1 });
        held = Math.max(held, sampler.held);
      }
      const picked = sampler.pick().map((f) => f.index);
      expect(picked).toHaveLength(Math.min(9, length));
      expect(picked).toEqual([...picked].sort((a, b) => a - b));
      expect(new Set(picked).size).toBe(picked.length);
      if (length >= 100) {
        // Each pick sits in its own ninth of the stream.
        picked.forEach((index, i) => {
          expect(index).toBeGreaterThanOrEqual(Math.floor((i * length) / 9));
          expect(index).toBeLessThan(Math.ceil(((i + 1) * length) / 9));
        });
      }
      expect(held).toBeLessThanOrEqual(18);
    }
  });

  test('lays sheets out in rows of at most three', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 9].map(contactSheetColumns)).toEqual([1, 2, 3, 2, 3, 3, 3, 3]);
  });
});

describe('hashVideoFile with a contact sheet', () => {
  test('the same frames hashed, plus a blurred greyscale sheet and a colour one, without metadata', async () => {
    const plain = await hashVideoFile(clip);
    const withSheet = await hashVideoFile(clip, { contactSheet: true });
    expect(withSheet.frames).toEqual(plain.frames);
    expect(plain.contactSheet).toBeUndefined();
    const sheet = withSheet.contactSheet!;
    expect(withSheet.contactSheetError).toBeUndefined();
    // 12 hashed frames (one a second): 9 of them, one in each ninth of the video, in order.
    expect(withSheet.frames).toHaveLength(12);
    expect(sheet).toMatchObject({ frames: CONTACT_SHEET_FRAMES, columns: 3, rows: 3 });
    expect(sheet.timestamps).toHaveLength(9);
    expect(sheet.timestamps).toEqual([...sheet.timestamps].sort((a, b) => a - b));
    expect(sheet.timestamps[0]).toBeLessThan(2);
    expect(sheet.timestamps[8]).toBeGreaterThan(9);

    for (const jpeg of [sheet.thumbnail, sheet.preview]) {
      expect([...jpeg.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
      const meta = await sharp(jpeg).metadata();
      expect(meta.format).toBe('jpeg');
      expect([meta.exif, meta.icc, meta.xmp]).toEqual([undefined, undefined, undefined]);
      expect(appMarkers(jpeg)).toEqual([]);
    }
    // The revealed sheet: colour, three 320×240 frames across with 4 px between, within the cap.
    const preview = await sharp(sheet.preview).raw().toBuffer({ resolveWithObject: true });
    expect([preview.info.width, preview.info.height, preview.info.channels]).toEqual([968, 728, 3]);
    expect(Math.max(preview.info.width, preview.info.height)).toBeLessThanOrEqual(PREVIEW_MAX_SIDE);
    let colourful = 0;
    for (let i = 0; i < preview.data.length; i += 3) {
      if (Math.abs(preview.data[i]! - preview.data[i + 2]!) > 40) colourful++;
    }
    expect(colourful).toBeGreaterThan(preview.data.length / 3 / 10);

    // The default sheet: one channel in the file, and far smoother than the revealed sheet made
    // the same size and grey without blur.
    expect((await sharp(sheet.thumbnail).metadata()).channels).toBe(1);
    const thumb = await sharp(sheet.thumbnail)
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(thumb.info.channels).toBe(1);
    expect([thumb.info.width, thumb.info.height]).toEqual([364, 274]);
    const reference = await sharp(sheet.preview)
      .resize(thumb.info.width, thumb.info.height, { fit: 'fill' })
      .greyscale()
      .toColourspace('b-w')
      .raw()
      .toBuffer();
    // Inside each frame (the lines between frames are drawn sharp on purpose).
    for (let i = 0; i < 9; i++) {
      const frame: Region = [(i % 3) * 122 + 8, Math.floor(i / 3) * 92 + 8, 104, 74];
      expect(laplacianVariance(thumb.data, thumb.info.width, frame)).toBeLessThan(
        laplacianVariance(reference, thumb.info.width, frame) / 20,
      );
    }
  }, 60_000);

  test('a video with fewer hashed frames than the sheet holds shows them all', async () => {
    const video = await hashVideoFile(shortClip, { contactSheet: true });
    expect(video.frames).toHaveLength(2);
    expect(video.contactSheet).toMatchObject({ frames: 2, columns: 2, rows: 1, timestamps: [0, 1] });
  }, 60_000);

  test('is made at native size only', async () => {
    await expect(hashVideoFile(shortClip, { contactSheet: true, squareSize: 128 })).rejects.toMatchObject({
      code: 'MEDIA_INTERNAL',
    });
  });
});

describe('the captured-media hasher on a video', () => {
  let pool: HashingPool & VideoHashingPool;
  beforeAll(() => {
    pool = createHashingPool({ threads: 1, isolation: 'process' });
  });
  afterAll(() => pool.close());

  test('gets vPDQ, the frame size and the contact sheet as thumbnail and preview, from the pool', async () => {
    const bytes = readFileSync(clip);
    const captured = await createCapturedMediaHasher(pool, { tempDir: dir }).hashCaptured(bytes);
    expect(captured.vpdq).toHaveLength(12);
    expect(captured).toMatchObject({ pdq: null, width: 320, height: 240 });
    expect(captured.contactSheet).toMatchObject({ frames: 9, columns: 3, rows: 3 });
    expect(captured.contactSheet!.durationSeconds).toBeCloseTo(12, 0);
    expect((await sharp(captured.thumbnail!).metadata()).channels).toBe(1);
    expect((await sharp(captured.preview!).metadata()).channels).toBe(3);
  }, 60_000);
});
