// Benchmark of the PDQ core alone (decoded pixels in, hash out), the target being ≤ 5 ms per
// image. Run with `npm run bench:pdq` (builds @hashline/pdq first: this imports its dist/).
//
// Three implementations measured in the same run, interleaved call by call so that load from other
// processes on a shared machine spreads evenly over them:
//   - previous: a frozen copy of the package before the WebAssembly core (bench/pdq-previous-core.mjs);
//   - js: the current package with `engine: 'js'` (the pure-JS fallback, used where WebAssembly is refused);
//   - wasm: the current package with `engine: 'wasm'` (what `'auto'` picks in Node and browsers).
// Every case also checks that the three give the same hash, so a fast wrong answer cannot pass.
// Pixels come from a benign fixture photo (bridge) decoded by sharp.
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { pdqHash, pdqHashDihedral, toHex } from '@hashline/pdq';
import * as previous from './pdq-previous-core.mjs';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SHARED = resolve(process.env.HASHLINE_SHARED_DIR ?? join(ROOT, '../shared'));
const SOURCE = join(SHARED, 'pdq/data/bridge-mods/aaa-orig.jpg'); // 1600×1004, benign test photo
const RUNS = Number(process.env.PDQ_BENCH_RUNS ?? 150);
const WARMUP = 60; // V8 needs ~50-100 calls before the hot loops run fully optimised: measure steady state

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Median ms of each function over `runs` interleaved rounds, after `warmup` unmeasured ones. */
function timeInterleaved(fns, runs, warmup) {
  const samples = fns.map(() => []);
  for (let round = 0; round < warmup + runs; round++) {
    for (const [i, fn] of fns.entries()) {
      const start = performance.now();
      fn();
      if (round >= warmup) samples[i].push(performance.now() - start);
    }
  }
  return samples.map(median);
}

async function decode(pipeline) {
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

const loadBefore = loadavg()[0];
const rgb512 = await decode(sharp(SOURCE).resize(512, 512, { fit: 'fill' }).removeAlpha());
const grey512 = await decode(sharp(SOURCE).resize(512, 512, { fit: 'fill' }).greyscale());
const rgb12 = await decode(sharp(SOURCE).resize(4372, 2744, { fit: 'fill' }).removeAlpha());

const cases = [
  { name: 'pdqHash, 512×512 RGB', pixels: rgb512, hash: pdqHash, old: previous.pdqHash },
  { name: 'pdqHash, 512×512 grey', pixels: grey512, hash: pdqHash, old: previous.pdqHash },
  {
    name: 'pdqHash, 12 MP RGB (4372×2744, pre-resize to 512²)',
    pixels: rgb12,
    hash: pdqHash,
    old: previous.pdqHash,
  },
  {
    name: 'pdqHashDihedral, 512×512 RGB (8 hashes)',
    pixels: rgb512,
    hash: pdqHashDihedral,
    old: previous.pdqHashDihedral,
    dihedral: true,
  },
  {
    name: 'pdqHash, 12 MP RGB, preResize: false (full-size blur)',
    pixels: rgb12,
    hash: pdqHash,
    old: previous.pdqHash,
    options: { preResize: false },
    runs: 5,
    warmup: 2,
  },
];

// Every case and implementation checked first, then timed: the main cases all in one interleaved
// loop (each round calls every case on every implementation), so a burst of load from other
// processes hits them all alike; the slow full-size case separately, with few rounds.
const timed = cases.map((c) => {
  const options = c.options ?? {};
  const fns = [
    () => c.old(c.pixels, options),
    () => c.hash(c.pixels, { ...options, engine: 'js' }),
    () => c.hash(c.pixels, { ...options, engine: 'wasm' }),
  ];
  const fingerprint = (result) =>
    c.dihedral
      ? `${result.quality} ${Object.values(result.hashes).map(toHex).join(' ')}`
      : `${result.quality} ${toHex(result.hash)}`;
  const [expected, ...others] = fns.map((fn) => fingerprint(fn()));
  if (others.some((other) => other !== expected)) throw new Error(`${c.name}: the engines disagree`);
  return { case: c, fns };
});
const rows = [];
const groups = [timed.filter((t) => !t.case.runs), timed.filter((t) => t.case.runs)];
for (const group of groups) {
  if (group.length === 0) continue;
  const runs = group[0].case.runs ?? RUNS;
  const medians = timeInterleaved(
    group.flatMap((t) => t.fns),
    runs,
    group[0].case.warmup ?? WARMUP,
  );
  group.forEach((t, i) => {
    const [old, js, wasm] = medians.slice(i * 3, i * 3 + 3);
    rows.push({ name: t.case.name, old, js, wasm });
  });
}

const fmt = (ms) => ms.toFixed(ms < 10 ? 2 : 1);
console.log('\n## PDQ core benchmark (decoded pixels → hash)\n');
console.log(
  `${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}; ` +
    `load average (1 min) ${loadBefore.toFixed(2)} before, ${loadavg()[0].toFixed(2)} after`,
);
console.log(
  `Median ms per call over ${RUNS} interleaved rounds (5 for the full-size blur) after warm-up; ` +
    `"speed-up" = previous ÷ wasm. Same hashes from all three checked first.\n`,
);
console.log('| case | previous (JS, 9fc7b2c) | js engine | wasm engine | speed-up vs previous | js ÷ wasm |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${fmt(r.old)} | ${fmt(r.js)} | ${fmt(r.wasm)} | ${(r.old / r.wasm).toFixed(2)}× | ${(r.js / r.wasm).toFixed(2)}× |`,
  );
}
console.log('');
