// Benchmark of bulk loading a hash list into a bank (`npm run bench:import`; builds the
// workspaces first and imports their dist/, as the CLI does at run time).
//
// Generates a CSV of BENCH_IMPORT_ROWS (default 1,000,000) random valid PDQ hashes, then imports
// it locally into SQLite (a temporary file) and PostgreSQL (a fresh schema at
// HASHLINE_TEST_POSTGRES_URL, dropped afterwards), each in a child process, and prints rows/s and
// the child's peak RSS. Baselines in the same run: the previous path (the same import applied
// batch by batch, BankStore.applyImport per batch of 25,000, as before large imports were staged;
// on PostgreSQL, which has no stage, the same path as 'import'), then BankStore.addEntries in
// batches of 5,000 (the path before applyImport), both time-boxed to BENCH_IMPORT_BASELINE_SECONDS
// (default 60: their rate over the rows they did), and the engine's own bulk tool into a plain
// table without indexes (sqlite3 `.import`, psql `\copy`), the ceiling.
// BENCH_IMPORT_ENGINES=sqlite,postgres picks engines; BENCH_IMPORT_BATCH sets the import's batch
// size; BENCH_IMPORT_SKIP_BASELINE=1 skips both previous paths.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_POSTGRES_URL, loadAverage, measureImport, writeHashCsv } from './lib/import-measure.mjs';

const ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 1_000_000);
const ENGINES = (process.env.BENCH_IMPORT_ENGINES ?? 'sqlite,postgres').split(',');
const BASELINE_SECONDS = Number(process.env.BENCH_IMPORT_BASELINE_SECONDS ?? 60);
const BATCH = process.env.BENCH_IMPORT_BATCH ? Number(process.env.BENCH_IMPORT_BATCH) : undefined;
const n = (x) => x.toLocaleString('en');

const dir = mkdtempSync(join(tmpdir(), 'hashline-import-bench-'));
try {
  const file = join(dir, 'bench.csv');
  let t = performance.now();
  const { bytes } = await writeHashCsv(file, ROWS);
  console.log(
    `bench:import: ${n(ROWS)} rows (${(bytes / 1e6).toFixed(0)} MB CSV, written in ${((performance.now() - t) / 1000).toFixed(1)} s); load average ${loadAverage()}`,
  );
  for (const engine of ENGINES) {
    const results = [];
    const run = async (mode, extra = {}) => {
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
        `  ${engine.padEnd(8)} ${mode.padEnd(10)} ${n(r.rows).padStart(11)} rows in ${r.seconds.toFixed(1).padStart(6)} s ` +
          `${n(r.rowsPerSecond).padStart(9)} rows/s  peak RSS ${r.maxRssMb === null ? '   (n/a)' : `${String(r.maxRssMb).padStart(4)} MB`}` +
          `${r.cpuSeconds == null ? '' : `  client CPU ${r.cpuSeconds.toFixed(1)} s`}` +
          `${r.timedOut ? `  (time-boxed at ${BASELINE_SECONDS} s)` : ''}  load ${before} → ${loadAverage()}`,
      );
      return r;
    };
    const imported = await run('import', BATCH ? { batchSize: BATCH } : {});
    const ceiling = await run('ceiling');
    let batches;
    let previous;
    if (process.env.BENCH_IMPORT_SKIP_BASELINE !== '1') {
      batches = await run('batches', {
        maxSeconds: BASELINE_SECONDS,
        ...(BATCH ? { batchSize: BATCH } : {}),
      });
      previous = await run('addEntries', { maxSeconds: BASELINE_SECONDS });
    }
    console.log(
      `  ${engine}: import ${n(imported.rowsPerSecond)} rows/s = ` +
        (previous
          ? `${(imported.rowsPerSecond / batches.rowsPerSecond).toFixed(1)}× batch by batch, ` +
            `${(imported.rowsPerSecond / previous.rowsPerSecond).toFixed(1)}× addEntries, `
          : '') +
        `${((100 * imported.rowsPerSecond) / ceiling.rowsPerSecond).toFixed(0)}% of the engine's own bulk tool (no indexes, no validation)`,
    );
  }
  console.log(`bench:import: done; load average ${loadAverage()}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
