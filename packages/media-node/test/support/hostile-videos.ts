// Hostile and broken video files for tests, made on the spot: with the bundled ffmpeg (it encodes
// too), or by cutting and forging bytes. Benign content only (test patterns, a sample clip cut short).
import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PDQ_FIXTURES } from '../../../../tools/test-fixtures.js';
import { resolveFfmpegBinaries } from '../../src/index.js';

const run = promisify(execFile);

/** A benign sample clip: 1280×720, 30 fps, 120 frames. */
export const SAMPLE_VIDEO = join(PDQ_FIXTURES, 'vpdq-videos', 'doorknob-hd-no-bar.mp4');

/** The files {@link writeHostileVideos} writes, by name. */
export const HOSTILE_VIDEOS = {
  /** The sample's first 100,000 bytes. */
  truncated: 'truncated.mp4',
  /** A ZIP archive named .mp4. */
  archive: 'archive.mp4',
  empty: 'empty.mp4',
  /** One 8192×8192 MJPEG frame (67 MP). */
  huge: 'huge.avi',
  /** 500 frames 1 µs apart: about 1,000,000 frames per second. */
  absurdRate: 'absurd-rate.mp4',
  /** 999 video streams. */
  streams: 'streams.mp4',
  /** A PNG image named .mp4. */
  image: 'image.mp4',
  /** A copy of the sample. */
  good: 'good.mp4',
} as const;

async function ffmpeg(...args: string[]): Promise<void> {
  await run(resolveFfmpegBinaries().ffmpeg, ['-nostdin', '-v', 'error', '-y', ...args], {
    maxBuffer: 1 << 20,
  });
}

/** A ZIP archive (one stored file), the bytes a renamed `.zip` would have. */
export function zipBytes(): Buffer {
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

/** Writes every file of {@link HOSTILE_VIDEOS} into `dir` (a few seconds of ffmpeg). */
export async function writeHostileVideos(dir: string): Promise<void> {
  writeFileSync(join(dir, HOSTILE_VIDEOS.truncated), readFileSync(SAMPLE_VIDEO).subarray(0, 100_000));
  writeFileSync(join(dir, HOSTILE_VIDEOS.archive), zipBytes());
  writeFileSync(join(dir, HOSTILE_VIDEOS.empty), Buffer.alloc(0));
  await ffmpeg(
    '-f',
    'lavfi',
    '-i',
    'color=black:s=8192x8192:d=0.04',
    '-frames:v',
    '1',
    '-c:v',
    'mjpeg',
    join(dir, HOSTILE_VIDEOS.huge),
  );
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
    join(dir, HOSTILE_VIDEOS.absurdRate),
  );
  // The MP4 muxer's own limit is 1000 streams.
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
    join(dir, HOSTILE_VIDEOS.streams),
  );
  // The PNG demuxer is not on the container allow-list.
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
    join(dir, HOSTILE_VIDEOS.image),
  );
  copyFileSync(SAMPLE_VIDEO, join(dir, HOSTILE_VIDEOS.good));
}
