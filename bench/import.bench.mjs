// Benchmark of bulk loading a hash list into a bank (`npm run bench:import`; builds the
// workspaces first and imports their dist/, as the CLI does at run time).
//
// Generates a CSV of BENCH_IMPORT_ROWS (default 1,000,000) random valid PDQ hashes, then imports
// it locally into SQLite (a temporary file) and PostgreSQL (a fresh schema at
// HASHLINE_TEST_POSTGRES_URL, dropped afterwards), each in a child process, and prints rows/s, the
// child's CPU seconds and peak RSS.
// Baseline in the same run: the previous code path, i.e. the same import run by the code of
// BENCH_BASELINE_REF (default: the merge base with `main`), built from git by
// lib/baseline-build.mjs. The two alternate, BENCH_IMPORT_RUNS times each (default 3), and the
// medians and their ratio are printed with the load average at start and end: on a busy machine
// absolute rates are floors, the ratio is what compares, and client CPU seconds are steadier than
// the wall clock. BENCH_IMPORT_PAIRED=1 starts each pair at the same moment instead, so both meet
// the same load. BENCH_IMPORT_SKIP_PREVIOUS=1 skips the baseline.
// Also: the engine's own bulk tool into a plain table without indexes (sqlite3 `.import`, psql
// `\copy`), the ceiling; and, unless BENCH_IMPORT_SKIP_BASELINE=1, two older paths time-boxed to
// BENCH_IMPORT_BASELINE_SECONDS (default 60: their rate over the rows they did): batch by batch
// (BankStore.applyImport per batch of 25,000, as before large imports were staged) and
// BankStore.addEntries in batches of 5,000 (the path before applyImport).
// BENCH_IMPORT_ENGINES=sqlite,postgres picks engines; BENCH_IMPORT_BATCH sets the import's batch
// size.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildBaseline } from './lib/baseline-build.mjs';
import { DEFAULT_POSTGRES_URL, loadAverage, measureImport, writeHashCsv } from './lib/import-measure.mjs';

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 1_000_000);
const ENGINES = (process.env.BENCH_IMPORT_ENGINES ?? 'sqlite,postgres').split(',');
const BASELINE_SECONDS = Number(process.env.BENCH_IMPORT_BASELINE_SECONDS ?? 60);
const BATCH = process.env.BENCH_IMPORT_BATCH ? Number(process.env.BENCH_IMPORT_BATCH) : undefined;
const RUNS = Math.max(1, Number(process.env.BENCH_IMPORT_RUNS ?? 3));
const PAIRED = process.env.BENCH_IMPORT_PAIRED === '1';
const n = (x) => x.toLocaleString('en');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

const dir = mkdtempSync(join(tmpdir(), 'hashline-import-bench-'));
try {
  const file = join(dir, 'bench.csv');
  let t = performance.now();
  const { bytes } = await writeHashCsv(file, ROWS);
  console.log(
    `bench:import: ${n(ROWS)} rows (${(bytes / 1e6).toFixed(0)} MB CSV, written in ${((performance.now() - t) / 1000).toFixed(1)} s); load average ${loadAverage()}`,
  );
  const previousBuild = process.env.BENCH_IMPORT_SKIP_PREVIOUS === '1' ? undefined : await buildBaseline();
  if (previousBuild)
    console.log(`previous code path: ${previousBuild.commit} (built in ${previousBuild.root})`);
  for (const engine of ENGINES) {
    const results = [];
    const run = async (mode, extra = {}, label = mode) => {
      const before = loadAverage();
      const r = await measureImport({
        mode,
        engine,
        file,
        rows: ROWS,
        postgresUrl: DEFAULT_POSTGRES_URL,
        ...extra,
      });
      results.push(r);
      console.log(
        `  ${engine.padEnd(8)} ${label.padEnd(10)} ${n(r.rows).padStart(11)} rows in ${r.seconds.toFixed(1).padStart(6)} s ` +
          `${n(r.rowsPerSecond).padStart(9)} rows/s  peak RSS ${r.maxRssMb === null ? '   (n/a)' : `${String(r.maxRssMb).padStart(4)} MB`}` +
          `${r.cpuSeconds == null ? '' : `  client CPU ${r.cpuSeconds.toFixed(1)} s`}` +
          `${r.timedOut ? `  (time-boxed at ${BASELINE_SECONDS} s)` : ''}  load ${before} → ${loadAverage()}`,
      );
      return r;
    };
    const current = [];
    const previous = [];
    const batchOption = BATCH ? { batchSize: BATCH } : {};
    for (let i = 0; i < RUNS; i++) {
      if (previousBuild && PAIRED) {
        // Started together, so both meet the same load (on a busy machine it swings by 2× within
        // minutes, more than the difference being measured).
        const [now, before] = await Promise.all([
          run('import', batchOption),
          run('import', { childRoot: previousBuild.root, ...batchOption }, 'previous'),
        ]);
        current.push(now);
        previous.push(before);
        continue;
      }
      current.push(await run('import', batchOption));
      if (previousBuild)
        previous.push(await run('import', { childRoot: previousBuild.root, ...batchOption }, 'previous'));
    }
    const ceiling = await run('ceiling');
    let batches;
    let addEntries;
    if (process.env.BENCH_IMPORT_SKIP_BASELINE !== '1') {
      batches = await run('batches', {
        maxSeconds: BASELINE_SECONDS,
        ...(BATCH ? { batchSize: BATCH } : {}),
      });
      addEntries = await run('addEntries', { maxSeconds: BASELINE_SECONDS });
    }
    const rate = median(current.map((r) => r.rowsPerSecond));
    const cpu = current[0].cpuSeconds == null ? null : median(current.map((r) => r.cpuSeconds));
    let line =
      `  ${engine}: import median ${n(rate)} rows/s` +
      (cpu == null ? '' : ` (client CPU ${cpu.toFixed(1)} s)`);
    if (previous.length > 0) {
      const before = median(previous.map((r) => r.rowsPerSecond));
      const cpuBefore = previous[0].cpuSeconds == null ? null : median(previous.map((r) => r.cpuSeconds));
      line +=
        `; previous code path median ${n(before)} rows/s` +
        (cpuBefore == null ? '' : ` (client CPU ${cpuBefore.toFixed(1)} s)`) +
        `; ratio ${(rate / before).toFixed(2)}×` +
        (cpu == null || cpuBefore == null ? '' : ` (CPU ${(cpuBefore / cpu).toFixed(2)}× less)`);
    }
    if (addEntries) {
      line +=
        `; ${(rate / batches.rowsPerSecond).toFixed(1)}× batch by batch, ` +
        `${(rate / addEntries.rowsPerSecond).toFixed(1)}× addEntries`;
    }
    line += `; ${((100 * rate) / ceiling.rowsPerSecond).toFixed(0)}% of the engine's own bulk tool (no indexes, no validation)`;
    console.log(line);
  }
  console.log(`bench:import: done; load average ${loadAverage()}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
