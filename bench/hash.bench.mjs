// Benchmark of image hashing end to end (read bytes → decode → PDQ) and of the PDQ core alone.
// Run with `npm run bench:hash` (builds first: this script imports the compiled dist/ of
// @hashline/pdq and @hashline/media-node, as the CLI does at run time).
//
// Baselines measured in the same run, so ratios are meaningful on any machine:
//   - "decode only": sharp(bytes).raw() with no limits, no checks: the floor for any decode path;
//   - "naive": readFile → sharp raw RGB → pdqHash, no limits, no pool, no grey handling.
// Test images are generated from a benign fixture (bridge photo) into a temp dir.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { pdqHash, pdqHashDihedral } from '@hashline/pdq';
import { createHashingPool, decodeImage, hashImageBytes } from '@hashline/media-node';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SHARED = resolve(process.env.HASHLINE_SHARED_DIR ?? join(ROOT, '../shared'));
const SOURCE = join(SHARED, 'pdq/data/bridge-mods/aaa-orig.jpg'); // 1600×1004, benign test photo
const THREADS = availableParallelism();
const CLI_FILES = 48;

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Median wall time in ms of each case, over `runs` rounds. The cases run interleaved (one call of
 * each per round, after `warmup` unmeasured rounds), so load from other processes on a shared
 * machine spreads over all cases instead of skewing whichever ran at the wrong moment.
 */
async function timeInterleaved(cases, runs, warmup = 2) {
  const samples = cases.map(() => []);
  for (let round = 0; round < warmup + runs; round++) {
    for (const [i, fn] of cases.entries()) {
      const start = performance.now();
      await fn();
      if (round >= warmup) samples[i].push(performance.now() - start);
    }
  }
  return samples.map(median);
}

/** Images per second with `count` jobs all in flight at once (pool throughput). */
async function throughput(submit, count) {
  const start = performance.now();
  await Promise.all(Array.from({ length: count }, () => submit()));
  return count / ((performance.now() - start) / 1000);
}

const rows = [];
function row(name, size, ms, perSecond, baselineMs, note = '') {
  rows.push({
    name,
    size,
    ms: ms === undefined ? '' : ms.toFixed(ms < 10 ? 2 : 1),
    perSecond: perSecond.toFixed(perSecond < 100 ? 1 : 0),
    ratio: baselineMs && ms !== undefined ? `${(ms / baselineMs).toFixed(2)}×` : '',
    note,
  });
}

const loadBefore = loadavg()[0];
const temp = mkdtempSync(join(tmpdir(), 'hashline-bench-'));
try {
  // 1 MP and 12 MP JPEGs (quality 90), aspect ratio of the source kept.
  const sizes = [
    { label: '1 MP', width: 1262, height: 792, runs: 40 },
    { label: '12 MP', width: 4372, height: 2744, runs: 15 },
  ];
  for (const size of sizes) {
    size.path = join(temp, `bridge-${size.width}x${size.height}.jpg`);
    await sharp(SOURCE)
      .resize(size.width, size.height, { fit: 'fill' })
      .jpeg({ quality: 90 })
      .toFile(size.path);
    size.bytes = readFileSync(size.path);
  }
  const libvipsThreads = sharp.concurrency();

  // libvips' own thread count for one decode: sharp picks 1 on glibc without jemalloc, else the core count.
  const libvipsOther = libvipsThreads === 1 ? THREADS : 1;
  const withLibvipsThreads = (threads, fn) => async () => {
    sharp.concurrency(threads);
    try {
      return await fn();
    } finally {
      sharp.concurrency(libvipsThreads);
    }
  };

  for (const size of sizes) {
    const { label, path, runs } = size;
    const hashInProcess = async () => hashImageBytes(await readFile(path), { crypto: false });
    const [decodeOnly, naive, inProcess, withCrypto, otherThreads] = await timeInterleaved(
      [
        async () =>
          sharp(await readFile(path))
            .raw()
            .toBuffer(),
        async () => {
          const { data, info } = await sharp(await readFile(path))
            .removeAlpha()
            .raw()
            .toBuffer({ resolveWithObject: true });
          return pdqHash({ data, width: info.width, height: info.height, channels: info.channels });
        },
        hashInProcess,
        async () => hashImageBytes(await readFile(path), { crypto: true }),
        withLibvipsThreads(libvipsOther, hashInProcess),
      ],
      runs,
    );
    row('baseline: decode only (readFile + sharp raw, no limits)', label, decodeOnly, 1000 / decodeOnly);
    row('baseline: naive (readFile → sharp RGB → pdqHash)', label, naive, 1000 / naive, decodeOnly);
    row(
      `hashline in-process, 1 JS thread (readFile → decodeImage → PDQ)`,
      label,
      inProcess,
      1000 / inProcess,
      decodeOnly,
    );
    row('  same + MD5/SHA-1/SHA-256', label, withCrypto, 1000 / withCrypto, decodeOnly);
    row(
      `  same, libvips with ${libvipsOther} thread(s) instead of ${libvipsThreads}`,
      label,
      otherThreads,
      1000 / otherThreads,
      decodeOnly,
    );

    const pool = createHashingPool({ threads: THREADS });
    try {
      await throughput(() => pool.hashFile(path, { crypto: false }), THREADS * 2); // start and warm every worker
      const [latency] = await timeInterleaved([() => pool.hashFile(path, { crypto: false })], runs);
      const perSecond = await throughput(() => pool.hashFile(path, { crypto: false }), runs * THREADS);
      row(
        `hashline pool, ${THREADS} threads (hashFile: read + decode + PDQ in a worker)`,
        label,
        latency,
        perSecond,
        decodeOnly,
        'ms: one job at a time; img/s: all jobs in flight',
      );
    } finally {
      await pool.close();
    }
  }

  // PDQ core alone, from decoded pixels.
  const pixels512 = await decodeImage(
    await sharp(sizes[0].bytes).resize(512, 512, { fit: 'fill' }).png().toBuffer(),
  );
  const pixels12 = await decodeImage(sizes[1].bytes);
  const [core512, coreDihedral, core12] = await timeInterleaved(
    [() => pdqHash(pixels512), () => pdqHashDihedral(pixels512), () => pdqHash(pixels12)],
    150,
    60, // V8 needs ~50-100 calls before the hot loops run fully optimised: measure steady state
  );
  row('PDQ core: pdqHash, 512×512 RGB pixels', '512²', core512, 1000 / core512);
  row('PDQ core: pdqHashDihedral, 512×512 RGB pixels', '512²', coreDihedral, 1000 / coreDihedral, core512);
  row(
    'PDQ core: pdqHash, 12 MP RGB pixels (pre-resize to 512² + hash)',
    '12 MP',
    core12,
    1000 / core12,
    core512,
  );
  const [core12Full] = await timeInterleaved([() => pdqHash(pixels12, { preResize: false })], 3, 1);
  row(
    'PDQ core: pdqHash, 12 MP, preResize off (full-size blur)',
    '12 MP',
    core12Full,
    1000 / core12Full,
    core512,
  );

  // The CLI as users run it: process start, walk, pool, output.
  const folder = join(temp, 'cli');
  mkdirSync(folder);
  for (let i = 0; i < CLI_FILES; i++)
    copyFileSync(sizes[0].path, join(folder, `${String(i).padStart(3, '0')}.jpg`));
  for (const threads of [1, THREADS]) {
    const start = performance.now();
    const result = spawnSync(
      process.execPath,
      [join(ROOT, 'apps/cli/bin/hashline.js'), 'hash', '-j', String(threads), folder],
      {
        encoding: 'utf8',
      },
    );
    const seconds = (performance.now() - start) / 1000;
    if (result.status !== 0) throw new Error(`hashline hash failed: ${result.stderr}`);
    row(
      `CLI: hashline hash -j ${threads}, ${CLI_FILES} × 1 MP files (process start included)`,
      '1 MP',
      undefined,
      CLI_FILES / seconds,
    );
  }

  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`\n## hashline hash benchmark\n`);
  console.log(
    `${THREADS} cores (${cpu}), Node ${process.version}, sharp ${sharp.versions.sharp} / libvips ${sharp.versions.vips}, libvips threads ${libvipsThreads}`,
  );
  // The machine is shared: a load average above the core count means other work competed for the CPU.
  console.log(
    `Load average (1 min): ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after the run`,
  );
  console.log(
    `Files: ${sizes.map((s) => `${s.label} ${s.width}×${s.height} JPEG q90 ${(statSync(s.path).size / 1024).toFixed(0)} KiB`).join(', ')}`,
  );
  console.log(
    `Medians of ${sizes.map((s) => `${s.runs} runs (${s.label})`).join(', ')}; "vs" = median ÷ the baseline named in the row group (decode only, or PDQ 512² for the core).\n`,
  );
  console.log('| case | image | median ms/image | images/s | vs baseline | note |');
  console.log('|---|---|---:|---:|---:|---|');
  for (const r of rows)
    console.log(`| ${r.name} | ${r.size} | ${r.ms} | ${r.perSecond} | ${r.ratio} | ${r.note} |`);
  console.log('');
} finally {
  rmSync(temp, { recursive: true, force: true });
}
