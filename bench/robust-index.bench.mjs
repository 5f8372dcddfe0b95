// npm run bench:robust-index — the index cost of robust variants, plain PDQ as the baseline in the
// same run: median query time at radius 31 and index bytes for
//   plain:        1 query hash   against N hashes (one per banked image)
//   query side:   9 query hashes (8 dihedral + trim) against N hashes (what /v1/match/media does)
//   with bank variants: 9 query hashes against 15·N hashes (primary + trim + 13 crops on average
//                 would be 14–15 per image; 15 is the upper bound used here)
// Hashes are uniformly random (the matcher's own bench data); queries are half near-duplicates
// (distance ≤ 31) and half random. N defaults to 500 000 (BENCH_N). At 10M images, multiply the
// plain figure of `npm run bench:match` by the ratios printed here (a derivation, not a measurement).
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { PdqIndex, wordsToPdqHash } from '@hashline/matcher';
import { flip, rng } from './lib/random-words.mjs';

const N = Number(process.env.BENCH_N ?? 500_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 400);
const RADIUS = 31;
const next = rng(18);

function randomHashes(count) {
  const words = new Uint32Array(count * 8);
  for (let i = 0; i < words.length; i++) words[i] = next();
  return words;
}

function build(count) {
  const ids = new Uint32Array(count);
  for (let i = 0; i < count; i++) ids[i] = i + 1;
  const hashes = randomHashes(count);
  const started = performance.now();
  const index = PdqIndex.build(ids, hashes);
  return { index, hashes, buildMs: performance.now() - started };
}

/** `count` queries of `perQuery` hashes each: half start near a bank hash, the rest random. */
function queries(bank, count, perQuery, bankSize) {
  return Array.from({ length: count }, (_, q) =>
    Array.from({ length: perQuery }, (_, k) => {
      const words = randomHashes(1);
      if (q % 2 === 0 && k === 0) {
        const i = next() % bankSize;
        words.set(bank.subarray(i * 8, i * 8 + 8));
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

function measure(index, qs) {
  const times = [];
  let hits = 0;
  for (const q of qs) {
    const started = performance.now();
    const found = q.length === 1 ? index.query(q[0], RADIUS) : index.queryMany(q, RADIUS);
    times.push(performance.now() - started);
    hits += found.length > 0 ? 1 : 0;
  }
  return { medianUs: median(times) * 1000, hits };
}

const load = loadavg()[0].toFixed(2);
const plain = build(N);
const plainQ = queries(plain.hashes, QUERIES, 1, N);
const robustQ = queries(plain.hashes, QUERIES, 9, N);
const a = measure(plain.index, plainQ);
const b = measure(plain.index, robustQ);
plain.index = null;
const full = build(N * 15);
const c = measure(full.index, queries(full.hashes, QUERIES, 9, N * 15));
const rows = [
  ['plain PDQ (1 hash → N)', a, N],
  ['query side: dihedral + trim (9 hashes → N)', b, N],
  ['with bank variants (9 hashes → 15·N)', c, N * 15],
];
console.log(
  `bench:robust-index — N = ${N.toLocaleString('en-US')} banked images, ${QUERIES} queries, radius ${RADIUS}, load ${load}`,
);
console.log('');
console.log('| configuration | indexed hashes | median query (µs) | × plain | hash bytes per banked image |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, r, size] of rows) {
  const perImage = (size / N) * 32;
  console.log(
    `| ${name} | ${size.toLocaleString('en-US')} | ${r.medianUs.toFixed(1)} | ${(r.medianUs / a.medianUs).toFixed(1)} | ${perImage} |`,
  );
}
console.log('');
console.log(`hits: ${rows.map(([name, r]) => `${name}: ${r.hits}/${QUERIES}`).join('; ')}`);
