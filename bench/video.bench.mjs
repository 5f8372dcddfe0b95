// Benchmark of vPDQ hashing (issue 13): a 720p and a 1080p H.264 clip hashed at r = 1 (one frame
// per second), against a bare decode of the same file by the same ffmpeg in the same run (the
// floor: `ffmpeg -threads 1 -i clip -map 0:v:0 -f null -`). Target: vPDQ ≤ 1.3× the floor.
// Also vPDQ with the capture's contact sheet (ADR 0024: 9 frames of the same decode, tiled),
// to show what the sheet adds to a capture.
// Run with `npm run bench:video` (builds @hashline/pdq and @hashline/media-node first).
//
// Per core: the decoder runs with one thread in both. The clips are made here by the bundled
// ffmpeg (libx264, a moving test pattern with noise, 30 fps), so the run needs no fixture.
// Both measurements alternate run by run so that load from other processes spreads over them;
// each reports the median wall time and the CPU seconds (user + sys of every process involved,
// read from /usr/bin/time for the floor and from the child processes' rusage via a wrapper for
// vPDQ; see below). The load average is printed before and after: the machine is shared.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { hashVideoFile, resolveFfmpegBinaries } from '@hashline/media-node';

const run = promisify(execFile);
const RUNS = Number(process.env.VIDEO_BENCH_RUNS ?? 5);
const SECONDS = Number(process.env.VIDEO_BENCH_SECONDS ?? 20);
const CLIPS = [
  { name: '720p', size: '1280x720' },
  { name: '1080p', size: '1920x1080' },
];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');

/** ffmpeg's arguments for a bare decode of the clip's first video stream, one decoder thread. */
function bareDecodeArgs(clip) {
  return ['-nostdin', '-v', 'error', '-threads', '1', '-i', clip, '-map', '0:v:0', '-f', 'null', '-'];
}

/** Wall ms of a bare decode, one decoder thread. */
async function bareDecode(ffmpeg, clip) {
  const start = performance.now();
  await run(ffmpeg, bareDecodeArgs(clip));
  return performance.now() - start;
}

/** Wall ms of vPDQ at r = 1 (with the contact sheet when asked) and the number of hashed frames. */
async function vpdq(clip, contactSheet = false) {
  const start = performance.now();
  const result = await hashVideoFile(clip, { secondsPerHash: 1, decoderThreads: 1, contactSheet });
  if (contactSheet && result.contactSheet === undefined) throw new Error('no contact sheet was made');
  return { ms: performance.now() - start, frames: result.frames.length };
}

/** CPU seconds (user + sys) of a command and all its children, from GNU time. */
async function cpuSeconds(command, args) {
  const child = spawn('/usr/bin/time', ['-f', '%U %S', command, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  await new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  const [user, sys] = stderr.trim().split('\n').at(-1).split(' ').map(Number);
  return user + sys;
}

async function main() {
  const { ffmpeg, source } = resolveFfmpegBinaries();
  const dir = mkdtempSync(join(tmpdir(), 'hashline-video-bench-'));
  console.log(`vPDQ bench: r = 1, ${RUNS} runs each, ${SECONDS} s clips, ffmpeg ${source} (${ffmpeg})`);
  console.log(`CPU: ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}; load average before: ${load()}`);
  try {
    const rows = [];
    for (const { name, size } of CLIPS) {
      const clip = join(dir, `${name}.mp4`);
      await run(ffmpeg, [
        '-nostdin',
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        `testsrc2=s=${size}:r=30:d=${SECONDS}`,
        '-vf',
        'noise=alls=20:allf=t',
        '-c:v',
        'libx264',
        '-preset',
        'veryfast',
        '-crf',
        '23',
        '-pix_fmt',
        'yuv420p',
        clip,
      ]);
      await bareDecode(ffmpeg, clip); // warm the page cache and V8
      await vpdq(clip);
      const floor = [];
      const hashed = [];
      const sheeted = [];
      let frames = 0;
      for (let i = 0; i < RUNS; i++) {
        floor.push(await bareDecode(ffmpeg, clip));
        const result = await vpdq(clip);
        hashed.push(result.ms);
        frames = result.frames;
        sheeted.push((await vpdq(clip, true)).ms);
      }
      // CPU time, once each: the floor's ffmpeg, and vPDQ in a fresh Node (every process it starts
      // counts) minus a bare Node start, so both sides count only their own work.
      const floorCpu = await cpuSeconds(ffmpeg, bareDecodeArgs(clip));
      const script = `const m = await import('@hashline/media-node'); await m.hashVideoFile(${JSON.stringify(clip)}, { secondsPerHash: 1, decoderThreads: 1 });`;
      const nodeCpu = await cpuSeconds(process.execPath, ['--input-type=module', '-e', script]);
      const startCpu = await cpuSeconds(process.execPath, [
        '--input-type=module',
        '-e',
        `await import('@hashline/media-node');`,
      ]);
      rows.push({
        clip: name,
        frames: `${SECONDS * 30} decoded, ${frames} hashed`,
        floorMs: median(floor),
        vpdqMs: median(hashed),
        sheetMs: median(sheeted),
        floorCpu,
        vpdqCpu: nodeCpu - startCpu,
      });
    }
    console.log('');
    console.log(
      'clip   | frames                 | bare decode (median) | vPDQ r=1 (median) | ratio | CPU s bare | CPU s vPDQ | CPU ratio',
    );
    for (const r of rows) {
      console.log(
        `${r.clip.padEnd(6)} | ${r.frames.padEnd(22)} | ${r.floorMs.toFixed(0).padStart(17)} ms | ${r.vpdqMs.toFixed(0).padStart(14)} ms | ${(r.vpdqMs / r.floorMs).toFixed(2)}× | ${r.floorCpu.toFixed(2).padStart(10)} | ${r.vpdqCpu.toFixed(2).padStart(10)} | ${(r.vpdqCpu / r.floorCpu).toFixed(2)}×`,
      );
    }
    console.log('');
    console.log('clip   | vPDQ r=1 (median) | vPDQ + contact sheet (median) | sheet adds');
    for (const r of rows) {
      console.log(
        `${r.clip.padEnd(6)} | ${r.vpdqMs.toFixed(0).padStart(14)} ms | ${r.sheetMs.toFixed(0).padStart(26)} ms | ${(((r.sheetMs - r.vpdqMs) / r.vpdqMs) * 100).toFixed(1)} %`,
      );
    }
    console.log(`\nTarget: vPDQ ≤ 1.3× the bare decode. Load average after: ${load()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
