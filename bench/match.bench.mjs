// Benchmark of exact PDQ matching at radius 31 (`npm run bench:match`; builds @hashline/matcher
// first and imports its dist/, as the server does at run time).
//
// Data: N uniformly random 256-bit hashes, the last 1 % of them planted near-duplicates (distance
// 1..31) of earlier entries. Queries: half near-duplicates of bank entries at distance 0..31,
// half random (the usual case for uploads). Each size runs in its own child process so the
// resident-memory figures do not mix.
//
// Baseline in the same run: the brute-force linear scan (PdqIndex strategy 'scan' over the same
// arrays), on a sample of the same queries; its answers are compared with the index's, query by
// query. Sizes: BENCH_SIZES=1e6,1e7 (default both; 1e8 needs ~10 GB of RAM and ~3 minutes);
// BENCH_QUERIES overrides the query count. The live-index part (which builds a second index in a
// worker, doubling the memory) runs up to BENCH_LIVE_MAX entries (default 2e7).
import { fork } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { LiveIndex, PdqIndex } from '@hashline/matcher';
import { flip, rng } from './lib/random-words.mjs';

const RADIUS = 31;
const WORKER = fileURLToPath(new URL('./match-worker.mjs', import.meta.url));
const mb = (bytes) => bytes / 1024 / 1024;
const fmt = (x, digits = 0) =>
  x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

function sharedU32(length) {
  return new Uint32Array(new SharedArrayBuffer(length * 4));
}

/** Runs the query set in `threads` workers sharing one index; returns queries per second. */
async function allCores(index, queries, count, threads) {
  const go = new Int32Array(new SharedArrayBuffer(4));
  const serialized = index.serialize();
  const workers = Array.from({ length: threads }, () => new Worker(WORKER));
  const ready = workers.map((w) => new Promise((res) => w.once('message', res)));
  for (const w of workers)
    w.postMessage({ type: 'query', index: serialized, queries, count, radius: RADIUS, go });
  await Promise.all(ready);
  const done = workers.map((w) => new Promise((res) => w.once('message', res)));
  const start = performance.now();
  Atomics.store(go, 0, 1);
  Atomics.notify(go, 0);
  const results = await Promise.all(done);
  const wall = performance.now() - start;
  await Promise.all(workers.map((w) => w.terminate()));
  return (results.reduce((s, r) => s + r.queries, 0) / wall) * 1000;
}

async function measure(n, queryCount) {
  const next = rng(0x5eed ^ n);
  const rss0 = process.memoryUsage().rss;
  // Bank: shared memory, so the index and the workers use one copy.
  const ids = sharedU32(n);
  const hashes = sharedU32(n * 8);
  const planted = Math.floor(n / 100);
  for (let i = 0; i < n; i++) ids[i] = i;
  for (let i = 0; i < (n - planted) * 8; i++) hashes[i] = next();
  for (let i = n - planted; i < n; i++) {
    const src = next() % (n - planted);
    hashes.copyWithin(i * 8, src * 8, src * 8 + 8);
    flip(hashes, i * 8, 1 + (next() % 31), next);
  }
  // Queries: even = near-duplicate of a random entry at distance 0..31, odd = random.
  const queries = sharedU32(queryCount * 8);
  const sources = new Int32Array(queryCount).fill(-1);
  for (let i = 0; i < queryCount; i++) {
    if (i % 2 === 0) {
      const src = next() % n;
      sources[i] = src;
      queries.set(hashes.subarray(src * 8, src * 8 + 8), i * 8);
      flip(queries, i * 8, next() % 32, next);
    } else for (let k = 0; k < 8; k++) queries[i * 8 + k] = next();
  }
  const qbytes = new Uint8Array(queries.buffer);
  const queryBytes = (i) => qbytes.subarray(i * 32, i * 32 + 32);
  const rss1 = process.memoryUsage().rss;

  let t = performance.now();
  const index = PdqIndex.build(ids, hashes, { shared: true });
  const buildS = (performance.now() - t) / 1000;
  const rss2 = process.memoryUsage().rss;

  // One core: per-query latency.
  for (let i = 0; i < Math.min(200, queryCount); i++) index.query(queryBytes(i), RADIUS); // warm-up
  const lat = new Float64Array(queryCount);
  const answers = [];
  let plantedFound = 0;
  let plantedTotal = 0;
  const t1 = performance.now();
  const cpu1 = process.cpuUsage();
  for (let i = 0; i < queryCount; i++) {
    const s = performance.now();
    const res = index.query(queryBytes(i), RADIUS);
    lat[i] = performance.now() - s;
    answers.push(res);
  }
  const oneCoreQps = (queryCount / (performance.now() - t1)) * 1000;
  // Queries per CPU-second of this process (only this thread works here): robust to other jobs
  // sharing the cores, which stretch the wall-clock figure.
  const cpuUsed = process.cpuUsage(cpu1);
  const cpuQps = (queryCount / (cpuUsed.user + cpuUsed.system)) * 1e6;
  for (let i = 0; i < queryCount; i++) {
    if (sources[i] < 0) continue;
    plantedTotal++;
    if (answers[i].some((m) => m.id === sources[i])) plantedFound++;
  }
  lat.sort();

  // Brute force on a sample of the same queries, compared answer by answer.
  const scan = PdqIndex.build(ids, hashes, { strategy: 'scan' });
  const sample = n >= 5e7 ? 12 : n >= 5e6 ? 24 : 120;
  scan.query(queryBytes(0), RADIUS);
  let identical = 0;
  t = performance.now();
  const cpu2 = process.cpuUsage();
  const scanAnswers = [];
  for (let i = 0; i < sample; i++) scanAnswers.push(scan.query(queryBytes(i), RADIUS));
  const bruteQps = (sample / (performance.now() - t)) * 1000;
  const bruteCpu = process.cpuUsage(cpu2);
  const bruteCpuQps = (sample / (bruteCpu.user + bruteCpu.system)) * 1e6;
  for (let i = 0; i < sample; i++)
    if (JSON.stringify(scanAnswers[i]) === JSON.stringify(answers[i])) identical++;

  // Throughput through the same worker code path for 1 and for all cores (same JIT conditions).
  const threads = availableParallelism();
  const oneWorkerQps = await allCores(index, queries, queryCount, 1);
  const allQps = await allCores(index, queries, queryCount, threads);

  const result = {
    n,
    m: index.layout?.widths.length ?? 0,
    suffixBits: index.layout?.suffixBits ? Math.max(...index.layout.suffixBits) : 0,
    buildS,
    bytesPerHash: index.byteLength / n,
    indexMb: mb(index.byteLength),
    tablesMb: mb(index.byteLength - ids.byteLength - hashes.byteLength),
    rssBuildMb: mb(rss2 - rss1),
    rssTotalMb: mb(rss2 - rss0),
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    oneCoreQps,
    cpuQps,
    bruteCpuQps,
    oneWorkerQps,
    allQps,
    threads,
    bruteQps,
    identical,
    sample,
    plantedFound,
    plantedTotal,
    matchesPerQuery: answers.reduce((s, a) => s + a.length, 0) / queryCount,
  };
  const liveMax = Number(process.env.BENCH_LIVE_MAX ?? 2e7);
  result.live = n <= liveMax ? await liveRun(index, ids, hashes, queryBytes, queryCount, next) : null;
  return result;
}

/**
 * The live path at this size: additions and removals applied to a LiveIndex over the built base,
 * then a rebuild in a worker thread while this thread keeps querying and applying changes, then
 * the swap. Checks that every change is visible before and after the swap.
 */
async function liveRun(base, ids, hashes, queryBytes, queryCount, next) {
  const live = new LiveIndex(base);
  const n = base.size;
  const deltaAdds = 16_384;
  const h = new Uint32Array(8);
  const hb = new Uint8Array(h.buffer);
  let worstAddToMatch = 0;
  let checks = 0;
  const t0 = performance.now();
  for (let i = 0; i < deltaAdds; i++) {
    for (let k = 0; k < 8; k++) h[k] = next();
    const s = performance.now();
    live.add(n + i, hb);
    if (i % 512 === 0) {
      // Matchable immediately: the add plus a query that finds it.
      const found = live.query(hb, 0).some((m) => m.id === n + i);
      worstAddToMatch = Math.max(worstAddToMatch, performance.now() - s);
      if (!found) throw new Error('added entry not matchable');
      checks++;
    }
  }
  const addUs = ((performance.now() - t0) / deltaAdds) * 1000;
  for (let i = 0; i < 1000; i++) live.remove(next() % n);
  const lat = [];
  for (let i = 0; i < Math.min(queryCount, 1000); i++) {
    const s = performance.now();
    live.query(queryBytes(i), RADIUS);
    lat.push(performance.now() - s);
  }
  lat.sort((a, b) => a - b);
  const needs = live.needsRebuild();

  // Background rebuild: the source shares the base arrays (SharedArrayBuffer), so posting it
  // copies only the delta and tombstones.
  const worker = new Worker(WORKER);
  let s = performance.now();
  const source = live.rebuildSource();
  const sourceMs = performance.now() - s;
  const rebuilt = new Promise((res) => worker.once('message', res));
  const start = performance.now();
  worker.postMessage({ type: 'rebuild', source });
  let done = null;
  rebuilt.then((msg) => (done = msg));
  const during = [];
  const changedDuring = [];
  let q = 0;
  while (done === null) {
    for (let k = 0; k < 20; k++) {
      const qs = performance.now();
      live.query(queryBytes(q++ % queryCount), RADIUS);
      during.push(performance.now() - qs);
    }
    // Changes keep arriving while the rebuild runs.
    for (let k = 0; k < 8; k++) h[k] = next();
    const id = n + deltaAdds + changedDuring.length;
    live.add(id, hb);
    changedDuring.push([id, hb.slice()]);
    await new Promise((res) => setImmediate(res));
  }
  const rebuildWallS = (performance.now() - start) / 1000;
  s = performance.now();
  live.swapBase(PdqIndex.fromSerialized(done.index), source.version);
  const swapMs = performance.now() - s;
  await worker.terminate();
  for (const [id, bytes] of changedDuring) {
    if (!live.query(bytes, 0).some((m) => m.id === id)) throw new Error('change lost across the swap');
  }
  during.sort((a, b) => a - b);
  return {
    addUs,
    worstAddToMatch,
    checks,
    deltaP50: pct(lat, 50),
    deltaP99: pct(lat, 99),
    needs,
    sourceMs,
    rebuildS: done.ms / 1000,
    rebuildWallS,
    duringCount: during.length,
    duringP50: pct(during, 50),
    duringP99: pct(during, 99),
    duringMax: during[during.length - 1],
    changedDuring: changedDuring.length,
    swapMs,
    stats: live.stats(),
  };
}

if (process.argv[2] === '--child') {
  const n = Number(process.argv[3]);
  const queryCount = Number(process.env.BENCH_QUERIES ?? (n >= 5e6 ? 3000 : 6000));
  const result = await measure(n, queryCount);
  process.send(result, () => process.exit(0));
} else {
  const sizes = (process.env.BENCH_SIZES ?? '1e6,1e7').split(',').map(Number);
  const results = [];
  for (const n of sizes) {
    console.error(`measuring N = ${fmt(n)} …`);
    const child = fork(fileURLToPath(import.meta.url), ['--child', String(n)], {
      stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    });
    const result = await new Promise((res, rej) => {
      child.once('message', res);
      // 'message' resolves first; an exit without a result (e.g. killed for memory) rejects.
      child.once('exit', (code, signal) =>
        setTimeout(() => rej(new Error(`measuring ${n} failed: exit ${code ?? signal}`)), 100),
      );
    });
    results.push(result);
  }
  const threads = results[0]?.threads ?? availableParallelism();
  console.log(
    `\n## Exact PDQ matching, radius ${RADIUS} (node ${process.version}, ${threads} threads, load avg ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')})\n`,
  );
  console.log(
    '| N | m (suffix bits) | build s | bytes/hash | index MB (tables) | RSS Δ build MB | p50 ms | p99 ms | qps 1 core (main / worker) | q per CPU-s (index / brute force) | qps all cores | brute-force qps | speed-up | exact vs brute force | planted found |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${fmt(r.n)} | ${r.m} (${r.suffixBits}) | ${fmt(r.buildS, 1)} | ${fmt(r.bytesPerHash, 1)} | ${fmt(r.indexMb)} (${fmt(r.tablesMb)}) | ${fmt(r.rssBuildMb)} | ${fmt(r.p50, 3)} | ${fmt(r.p99, 3)} | ${fmt(r.oneCoreQps)} / ${fmt(r.oneWorkerQps)} | ${fmt(r.cpuQps)} / ${fmt(r.bruteCpuQps, 1)} | ${fmt(r.allQps)} (${r.threads} workers, 1 shared copy) | ${fmt(r.bruteQps, 1)} | ${fmt(r.oneCoreQps / r.bruteQps)}× | ${r.identical}/${r.sample} identical (${r.sample - r.identical} mismatches) | ${r.plantedFound}/${r.plantedTotal} |`,
    );
  }
  console.log(
    '\nbytes/hash and index MB (MiB) = byteLength of everything the index keeps (hashes, ids, sorted ids if the ids do not ascend, offset and position tables); tables in parentheses.',
  );
  console.log('RSS Δ build = resident memory added by PdqIndex.build (hashes were already resident).');
  console.log(
    'qps 1 core: main thread (timing each query) / one worker thread; speed-up = main-thread qps ÷ brute-force qps (both main thread).',
  );
  console.log(
    'q per CPU-s: the same main-thread runs divided by the CPU time they used (not stretched by other jobs on the machine).',
  );
  console.log(
    'qps all cores: one worker per core, each querying the same SharedArrayBuffer-backed index (no copies).',
  );
  console.log(`\n## Live index (LiveIndex over the same base): additions, removals, background rebuild\n`);
  console.log(
    '| N | add µs | add→matchable worst ms | query p50/p99 ms with 16K delta + 1K removals | rebuildSource ms | rebuild in worker s | queries during rebuild (p50/p99/max ms) | changes during rebuild | swap ms | all changes visible after swap |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const { n, live: l } of results) {
    if (l === null) {
      console.log(
        `| ${fmt(n)} | skipped (above BENCH_LIVE_MAX: the rebuild would hold a second index) |||||||||`,
      );
      continue;
    }
    console.log(
      `| ${fmt(n)} | ${fmt(l.addUs, 1)} | ${fmt(l.worstAddToMatch, 2)} | ${fmt(l.deltaP50, 3)} / ${fmt(l.deltaP99, 3)} | ${fmt(l.sourceMs, 1)} | ${fmt(l.rebuildS, 1)} | ${fmt(l.duringCount)} (${fmt(l.duringP50, 3)} / ${fmt(l.duringP99, 3)} / ${fmt(l.duringMax, 1)}) | ${fmt(l.changedDuring)} | ${fmt(l.swapMs, 1)} | yes |`,
    );
  }
}
