// npm run bench:robust-index — the index cost of robust variants (issue 18, ADR 0021), plain PDQ as
// the baseline in the same run: median query time at radius 31 and index memory, for
//   plain:            1 query hash → the primary index (N hashes, one per banked image)
//   query side:       9 query hashes (8 dihedral + trim) → the primary index (/v1/match/media
//                     without bank variants)
//   hash query, bank variants: the query hash → primary index, and → the variant index (V·N
//                     hashes: V variants per banked image, in their own index as the matcher keeps
//                     them: `VideoFrameIndex`, many hashes per entry)
//   media query, bank variants (served): 9 hashes → primary index, and the query hash and its
//                     trim (2) → the variant index (the rotations do not probe variants)
//   the same with all three query-side robust variants (trim, frame, screen: the most a query
//                     computes; `npm run eval:robustness` prints the average): 11 → primary index,
//                     4 → the variant index
// V = 11 by default (trim + 10 crops: an upper bound, since `trim` exists only for bordered
// images). Hashes are uniformly random (the matcher's own bench data); half the queries start
// near a banked hash (distance ≤ 31), half are random. N defaults to 500,000 (BENCH_N), V to 11
// (BENCH_VARIANTS). Memory is the growth of `process.memoryUsage().arrayBuffers` while building
// each index, per banked image. At 10M, multiply the plain figure of `npm run bench:match` by the
// ratios printed here (a derivation, not a measurement).
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { PdqIndex, VideoFrameIndex, wordsToPdqHash } from '@hashline/matcher';
import { flip, rng } from './lib/random-words.mjs';

const N = Number(process.env.BENCH_N ?? 500_000);
const V = Number(process.env.BENCH_VARIANTS ?? 11);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 400);
const RADIUS = 31;
const next = rng(18);

function randomHashes(count) {
  const words = new Uint32Array(count * 8);
  for (let i = 0; i < words.length; i++) words[i] = next();
  return words;
}

/** Runs `build` and returns its result with the array-buffer bytes it added. */
function measured(build) {
  globalThis.gc?.();
  const before = process.memoryUsage().arrayBuffers;
  const started = performance.now();
  const value = build();
  const buildMs = performance.now() - started;
  globalThis.gc?.();
  return { value, buildMs, bytes: process.memoryUsage().arrayBuffers - before };
}

/** `count` queries of `perQuery` hashes: in half of them the first starts near a hash of `near`. */
function queries(near, count, perQuery) {
  const size = near.length / 8;
  return Array.from({ length: count }, (_, q) =>
    Array.from({ length: perQuery }, (_, k) => {
      const words = randomHashes(1);
      if (q % 2 === 0 && k === 0) {
        const i = next() % size;
        words.set(near.subarray(i * 8, i * 8 + 8));
        flip(words, 0, next() % 32, next);
      }
      return wordsToPdqHash(words, 0);
    }),
  );
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Median time of `run(query)` over the queries, and how many found something. */
function measure(qs, run) {
  const times = [];
  let hits = 0;
  for (const q of qs) {
    const started = performance.now();
    const found = run(q);
    times.push(performance.now() - started);
    hits += found > 0 ? 1 : 0;
  }
  return { medianUs: median(times) * 1000, hits };
}

const load = loadavg()[0].toFixed(2);
const primaryHashes = randomHashes(N);
const primary = measured(() => {
  const ids = new Uint32Array(N);
  for (let i = 0; i < N; i++) ids[i] = i + 1;
  return PdqIndex.build(ids, primaryHashes);
});
const variantHashes = randomHashes(N * V);
const variants = measured(() => {
  const frameIds = new Uint32Array(N * V);
  for (let i = 0; i < frameIds.length; i++) frameIds[i] = i;
  const entryIds = new Uint32Array(N);
  for (let i = 0; i < N; i++) entryIds[i] = i + 1;
  return VideoFrameIndex.withBase(
    PdqIndex.build(frameIds, variantHashes),
    entryIds,
    new Uint32Array(N).fill(V),
  );
});
const p = primary.value;
const vi = variants.value;

const plainQ = queries(primaryHashes, QUERIES, 1);
const mediaQ = queries(primaryHashes, QUERIES, 9);
const hashNearVariantQ = queries(variantHashes, QUERIES, 1);
const mediaNearVariantQ = queries(variantHashes, QUERIES, 9);
const mediaAllRobustQ = queries(variantHashes, QUERIES, 11);
const served = (q) =>
  p.queryMany(q, RADIUS).length + vi.queryImage(q[0], RADIUS).length + vi.queryImage(q[8], RADIUS).length;
const servedFirst = measure(mediaNearVariantQ, served);
const rows = [
  ['plain PDQ (1 hash → N)', measure(plainQ, (q) => p.query(q[0], RADIUS).length)],
  ['query side: dihedral + trim (9 hashes → N)', measure(mediaQ, (q) => p.queryMany(q, RADIUS).length)],
  [`variant index alone (1 → ${V}·N)`, measure(hashNearVariantQ, (q) => vi.queryImage(q[0], RADIUS).length)],
  [
    `hash query with bank variants (1 → N, 1 → ${V}·N)`,
    measure(hashNearVariantQ, (q) => p.query(q[0], RADIUS).length + vi.queryImage(q[0], RADIUS).length),
  ],
  [`media query with bank variants, served (9 → N, 2 → ${V}·N)`, measure(mediaNearVariantQ, served)],
  [`the same, measured before the other rows`, servedFirst],
  [
    `media query, trim + frame + screen, served (11 → N, 4 → ${V}·N)`,
    measure(
      mediaAllRobustQ,
      (q) =>
        p.queryMany(q, RADIUS).length +
        [0, 8, 9, 10].reduce((n, k) => n + vi.queryImage(q[k], RADIUS).length, 0),
    ),
  ],
];
const plainUs = rows[0][1].medianUs;
console.log(
  `bench:robust-index — N = ${N.toLocaleString('en-US')} banked images, V = ${V} variants each, ${QUERIES} queries, radius ${RADIUS}, load ${load}`,
);
console.log('');
console.log('| configuration | median query (µs) | × plain | hits |');
console.log('|---|---:|---:|---:|');
for (const [name, r] of rows)
  console.log(
    `| ${name} | ${r.medianUs.toFixed(1)} | ${(r.medianUs / plainUs).toFixed(1)} | ${r.hits}/${QUERIES} |`,
  );
console.log('');
console.log('| index | hashes | build (s) | memory | bytes per banked image |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, m, size] of [
  ['primary (PdqIndex)', primary, N],
  [`bank variants (VideoFrameIndex, ${V} per image)`, variants, N * V],
]) {
  console.log(
    `| ${name} | ${size.toLocaleString('en-US')} | ${(m.buildMs / 1000).toFixed(1)} | ${(m.bytes / 2 ** 20).toFixed(0)} MiB | ${(m.bytes / N).toFixed(0)} |`,
  );
}
