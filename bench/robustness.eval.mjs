// npm run eval:robustness — recall of plain PDQ, PDQ with dihedral queries, Hashline's query-side
// variants (dihedral + trim, frame, screen: what /v1/match/media, the CLI and the capture worker do
// today) and those plus bank-side variants (trim + crops of the banked image, stored with bank
// entries and probed by the query's own hash and its trim, frame and screen, as the matcher serves
// them: ADR 0021) under common
// edits, and false matches over all pairs of unrelated images, at the bank's threshold (31), in one run.
//
// Originals: deterministic generated benign images (bench/lib/benign-images.mjs), the distinct
// images of ../shared/pdq/data and images shipped by public npm packages. Every transform ends in a
// JPEG (quality 90 unless the transform sets one), as a re-shared copy would. Deterministic: the
// same code gives the same table. Options: --originals N (generated count, default 216),
// --json FILE (also write the figures as JSON).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import os from 'node:os';
import sharp from 'sharp';
import {
  DIHEDRAL_NAMES,
  collapseGrey,
  pdqHash,
  pdqHashDihedral,
  pdqRobustVariants,
  findContentRect,
  findFrameRects,
  PDQ_MATCH_THRESHOLD,
} from '@hashline/pdq';
import { benignImage } from './lib/benign-images.mjs';
import { decode, PHOTOMETRIC, rgb, TRANSFORMS } from './lib/robustness-transforms.mjs';

const { values } = parseArgs({
  options: {
    originals: { type: 'string', default: '216' },
    json: { type: 'string' },
    only: { type: 'string' },
    misses: { type: 'boolean', default: false },
  },
});
const GENERATED = Number(values.originals);
const T = PDQ_MATCH_THRESHOLD;
sharp.concurrency(1);
sharp.cache(false);

const repo = fileURLToPath(new URL('..', import.meta.url));
const shared = join(repo, '..', 'shared', 'pdq', 'data');
const FILE_ORIGINALS = [
  join(shared, 'reg-test-input/dih/bridge-1-original.jpg'),
  join(shared, 'reg-test-input/pen-and-coaster.png'),
  ...['q0003', 'q0004', 'q0122', 'q0291', 'q0746', 'q1050', 'q2821'].map((q) =>
    join(shared, `reg-test-input/labelme-subset/${q}.jpg`),
  ),
  join(shared, 'misc-images/c.png'),
  join(repo, 'node_modules/@fastify/static/example/public/images/sample.jpg'),
  join(repo, 'node_modules/playwright-core/lib/server/chromium/appIcon.png'),
];

function words(hash) {
  const w = new Uint32Array(8);
  for (let i = 0; i < 8; i++)
    w[i] = ((hash[4 * i] << 24) | (hash[4 * i + 1] << 16) | (hash[4 * i + 2] << 8) | hash[4 * i + 3]) >>> 0;
  return w;
}

function popcount(x) {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

function distance(a, b) {
  let d = 0;
  for (let i = 0; i < 8; i++) d += popcount(a[i] ^ b[i]);
  return d;
}

/** Smallest distance between any hash of `qs` and any of `bs` (arrays of word arrays). */
function minDistance(qs, bs) {
  let best = 256;
  for (const q of qs) for (const b of bs) best = Math.min(best, distance(q, b));
  return best;
}

const started = performance.now();
// 1. Originals: generated, then files; near-duplicates among them (≤ 31) are dropped and counted.
const originals = [];
for (let i = 0; i < GENERATED; i++)
  originals.push({ name: `generated-${i}-${benignImage(i).kind}`, img: benignImage(i) });
for (const file of FILE_ORIGINALS) {
  if (!existsSync(file)) continue;
  originals.push({ name: file.slice(file.lastIndexOf('/') + 1), img: rgb(await decode(readFileSync(file))) });
}

// Bank side: the primary hash, and the primary plus the bank variants.
const bank = [];
let variantCount = 0;
for (const { name, img } of originals) {
  const pixels = collapseGrey(img);
  const primary = words(pdqHash(pixels).hash);
  const variants = pdqRobustVariants(pixels, 'bank').map((v) => words(v.hash));
  variantCount += variants.length;
  bank.push({ name, img, primary, variants, all: [primary, ...variants] });
}
let minOriginalDistance = 256;
let originalFalse = 0;
let minOriginalMethodDistance = 256;
let originalMethodFalse = 0;
for (let a = 0; a < bank.length; a++)
  for (let b = a + 1; b < bank.length; b++) {
    const d = distance(bank[a].primary, bank[b].primary);
    minOriginalDistance = Math.min(minOriginalDistance, d);
    if (d <= T) originalFalse++;
    const m = minDistance(bank[a].all, bank[b].all);
    minOriginalMethodDistance = Math.min(minOriginalMethodDistance, m);
    if (m <= T) originalMethodFalse++;
  }

// 2. Queries: every transform of every original, hashed three ways.
const rows = [];
const wrong = {
  plain: { pairs: 0, false: 0, min: 256 },
  dihedral: { pairs: 0, false: 0, min: 256 },
  query: { pairs: 0, false: 0, min: 256 },
  method: { pairs: 0, false: 0, min: 256 },
};
const LABELS = {
  plain: 'plain PDQ',
  dihedral: 'PDQ + dihedral',
  query: 'query side only',
  method: 'query + bank variants (served)',
};
const queryVariantCounts = [];
for (const [tname, transform] of Object.entries(TRANSFORMS)) {
  if (values.only && !tname.startsWith(values.only)) continue;
  const hits = { plain: 0, dihedral: 0, query: 0, method: 0 };
  for (let i = 0; i < bank.length; i++) {
    const bytes = await transform(bank[i].img, i);
    const pixels = await decode(bytes);
    const dih = pdqHashDihedral(pixels);
    const primary = words(pdqHash(pixels).hash);
    const dihedral = [primary, ...DIHEDRAL_NAMES.slice(1).map((n) => words(dih.hashes[n]))];
    const variants = pdqRobustVariants(pixels, 'query').map((v) => words(v.hash));
    queryVariantCounts.push(variants.length);
    const method = [...dihedral, ...variants];
    // As the matcher serves bank variants (ADR 0021): only the query's own hash and its robust
    // variants (trim, frame, screen) probe them; the rotations and mirror images probe primary
    // hashes only.
    const straight = [primary, ...variants];
    for (let j = 0; j < bank.length; j++) {
      const plainD = distance(primary, bank[j].primary);
      const dihD = minDistance(dihedral, [bank[j].primary]);
      const queryD = minDistance(method, [bank[j].primary]);
      const methodD = Math.min(queryD, minDistance(straight, bank[j].variants));
      if (j === i) {
        if (plainD <= T) hits.plain++;
        if (dihD <= T) hits.dihedral++;
        if (queryD <= T) hits.query++;
        if (methodD <= T) hits.method++;
        else if (values.misses)
          console.log(
            `miss ${tname} ${bank[i].name} ${pixels.width}×${pixels.height} trim ${JSON.stringify(findContentRect(pixels))} ` +
              `${JSON.stringify(findFrameRects(pixels))} d ${methodD}`,
          );
        continue;
      }
      for (const [key, d] of [
        ['plain', plainD],
        ['dihedral', dihD],
        ['query', queryD],
        ['method', methodD],
      ]) {
        wrong[key].pairs++;
        wrong[key].min = Math.min(wrong[key].min, d);
        if (d <= T) wrong[key].false++;
      }
    }
  }
  const pct = (n) => (100 * n) / bank.length;
  rows.push({
    transform: tname,
    plain: pct(hits.plain),
    dihedral: pct(hits.dihedral),
    query: pct(hits.query),
    method: pct(hits.method),
  });
  process.stderr.write(`.${tname}`);
}
process.stderr.write('\n');

const seconds = (performance.now() - started) / 1000;
const fmt = (v) => `${v.toFixed(1).padStart(6)} %`;
console.log(
  `eval:robustness — ${bank.length} originals (${GENERATED} generated, ${bank.length - GENERATED} files) × ` +
    `${rows.length} transforms, threshold ${T}; ${seconds.toFixed(0)} s, load ${os.loadavg()[0].toFixed(2)}`,
);
console.log(
  `bank variants per original: ${(variantCount / bank.length).toFixed(2)} on average (besides the primary); ` +
    `query robust variants (trim, frame, screen): ${(queryVariantCounts.reduce((s, n) => s + n, 0) / queryVariantCounts.length).toFixed(2)} per query`,
);
console.log('');
console.log(`| transform | ${Object.values(LABELS).join(' | ')} |`);
console.log(`|---|---:|---:|---:|---:|`);
for (const r of rows)
  console.log(
    `| ${r.transform} | ${fmt(r.plain)} | ${fmt(r.dihedral)} | ${fmt(r.query)} | ${fmt(r.method)} |`,
  );
console.log('');
console.log(`| false matches at ≤ ${T} | pairs | false | min wrong distance |`);
console.log(`|---|---:|---:|---:|`);
console.log(
  `| originals, plain PDQ | ${(bank.length * (bank.length - 1)) / 2} | ${originalFalse} | ${minOriginalDistance} |`,
);
console.log(
  `| originals, with bank variants | ${(bank.length * (bank.length - 1)) / 2} | ${originalMethodFalse} | ${minOriginalMethodDistance} |`,
);
for (const key of Object.keys(LABELS))
  console.log(
    `| transformed vs unrelated, ${LABELS[key]} | ${wrong[key].pairs} | ${wrong[key].false} | ${wrong[key].min} |`,
  );
const worse = rows
  .filter((r) => PHOTOMETRIC.includes(r.transform) && Math.min(r.query, r.method) < r.plain)
  .map((r) => r.transform);
console.log('');
console.log(
  `photometric transforms where the method is below plain PDQ: ${worse.length ? worse.join(', ') : 'none'}`,
);
if (values.json) {
  writeFileSync(
    values.json,
    JSON.stringify(
      {
        originals: bank.length,
        rows,
        wrong,
        originalFalse,
        minOriginalDistance,
        originalMethodFalse,
        minOriginalMethodDistance,
      },
      null,
      2,
    ),
  );
}
