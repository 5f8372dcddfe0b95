// node bench/robust-crops.explore.mjs — how the bank-side crop set was chosen (issue 18): hashes
// every original of the robustness evaluation under a wide set of candidate bank variants (trim,
// centred crops c2…c14, edge crops t/b/l/r 2…14 %), every transformed copy on the query side
// (dihedral + trim, as served), and writes, per transform and original, the distance from the
// query to each candidate variant of its own original, plus a histogram per candidate of the
// distances to unrelated originals. `bench/robust-crops.choose.mjs` then scores any subset
// without hashing again. Two probing rules are recorded: "all" (every query hash probes the
// variants) and "straight" (only the query's primary and trim hashes probe them; the dihedral
// hashes probe primaries only). Options: --originals N (generated, default 216), --out FILE.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import os from 'node:os';
import sharp from 'sharp';
import {
  DIHEDRAL_NAMES,
  collapseGrey,
  cropPixels,
  findContentRect,
  pdqHash,
  pdqHashDihedral,
} from '@hashline/pdq';
import { benignImage } from './lib/benign-images.mjs';
import { decode, rgb, TRANSFORMS } from './lib/robustness-transforms.mjs';

const { values } = parseArgs({
  options: {
    originals: { type: 'string', default: '216' },
    out: { type: 'string', default: 'robust-crops.json' },
    only: { type: 'string' }, // comma-separated transform name prefixes
  },
});
const GENERATED = Number(values.originals);
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

const PERCENTS = Array.from({ length: 13 }, (_, i) => i + 2);

/** Candidate crop rectangles (same rounding as `cropRects` in @hashline/pdq). */
function candidateRects(width, height) {
  const rects = [];
  for (const p of PERCENTS) {
    const cutX = Math.round((width * p) / 100);
    const cutY = Math.round((height * p) / 100);
    rects.push([
      `crop-c${p}`,
      { x: Math.round(cutX / 2), y: Math.round(cutY / 2), width: width - cutX, height: height - cutY },
    ]);
    rects.push([`crop-t${p}`, { x: 0, y: cutY, width, height: height - cutY }]);
    rects.push([`crop-b${p}`, { x: 0, y: 0, width, height: height - cutY }]);
    rects.push([`crop-l${p}`, { x: cutX, y: 0, width: width - cutX, height }]);
    rects.push([`crop-r${p}`, { x: 0, y: 0, width: width - cutX, height }]);
  }
  return rects;
}

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
const NONE = 256;

const started = performance.now();
const originals = [];
for (let i = 0; i < GENERATED; i++) originals.push({ name: `generated-${i}`, img: benignImage(i) });
for (const file of FILE_ORIGINALS) {
  if (!existsSync(file)) continue;
  originals.push({ name: file.slice(file.lastIndexOf('/') + 1), img: rgb(await decode(readFileSync(file))) });
}

const KINDS = ['primary', 'trim', ...candidateRects(100, 100).map(([n]) => n)];
const bank = originals.map(({ name, img }) => {
  const pixels = collapseGrey(img);
  const hashes = new Array(KINDS.length).fill(null);
  hashes[0] = words(pdqHash(pixels).hash);
  const content = findContentRect(pixels);
  if (content) hashes[1] = words(pdqHash(cropPixels(pixels, content)).hash);
  for (const [name, rect] of candidateRects(pixels.width, pixels.height)) {
    const r = pdqHash(cropPixels(pixels, rect));
    if (r.quality > 0) hashes[KINDS.indexOf(name)] = words(r.hash);
  }
  return { name, img, hashes };
});
process.stderr.write(`bank hashed in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);

// own[transform][i] = { dihedral: d to primary over all 9 query hashes, straight: [d per kind], all: [d per kind] }
const own = {};
const hist = {
  straight: KINDS.map(() => new Array(257).fill(0)),
  all: KINDS.map(() => new Array(257).fill(0)),
};
const queryTrims = {};
for (const [tname, transform] of Object.entries(TRANSFORMS)) {
  if (values.only && !values.only.split(',').some((prefix) => tname.startsWith(prefix))) continue;
  own[tname] = [];
  queryTrims[tname] = 0;
  for (let i = 0; i < bank.length; i++) {
    const pixels = await decode(await transform(bank[i].img, i));
    const dih = pdqHashDihedral(pixels);
    const primary = words(pdqHash(pixels).hash);
    const dihedral = DIHEDRAL_NAMES.slice(1).map((n) => words(dih.hashes[n]));
    const content = findContentRect(pixels);
    const straight = [primary];
    if (content) {
      const r = pdqHash(cropPixels(pixels, content));
      if (r.quality > 0) {
        straight.push(words(r.hash));
        queryTrims[tname]++;
      }
    }
    for (let j = 0; j < bank.length; j++) {
      const s = new Array(KINDS.length).fill(NONE);
      const a = new Array(KINDS.length).fill(NONE);
      for (let k = 0; k < KINDS.length; k++) {
        const b = bank[j].hashes[k];
        if (!b) continue;
        let ds = NONE;
        for (const q of straight) ds = Math.min(ds, distance(q, b));
        let da = ds;
        for (const q of dihedral) da = Math.min(da, distance(q, b));
        s[k] = ds;
        a[k] = da;
      }
      if (j === i) own[tname].push({ straight: s, all: a });
      else
        for (let k = 0; k < KINDS.length; k++) {
          if (!bank[j].hashes[k]) continue;
          hist.straight[k][s[k]]++;
          hist.all[k][a[k]]++;
        }
    }
  }
  process.stderr.write(`.${tname}`);
  save();
}
process.stderr.write('\n');
save();
console.log(`wrote ${values.out}: ${bank.length} originals, ${Object.keys(own).length} transforms`);

/** Writes what is measured so far (after every transform: a long run killed midway keeps its part). */
function save() {
  writeFileSync(
    values.out,
    JSON.stringify({
      originals: bank.length,
      kinds: KINDS,
      own,
      hist,
      queryTrims,
      seconds: (performance.now() - started) / 1000,
      load: os.loadavg()[0],
    }),
  );
}
