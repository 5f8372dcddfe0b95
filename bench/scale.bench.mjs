// The scale table of issue 12 in one run: what a platform or hotline meets with a bank of
// millions of hashes, each figure next to its baseline measured in the same run.
//   - import rows/s: local `hashline bank import` path (BankStore.applyImport) into SQLite and
//     PostgreSQL; baseline the previous path (BankStore.addEntries in batches of 5,000, time-boxed)
//     and, as the ceiling, the engine's own bulk tool into a plain table (sqlite3 .import, psql \copy);
//   - import over the API: the streamed import job; baseline JSON pages of 10,000 entries;
//   - start to /readyz 200 at each size, on both engines: from the index snapshot, and cold (from
//     the store, the previous code path's source); peak RSS and the worst /healthz latency while
//     the process started;
//   - matched requests per second on SQLite: group commit; baseline one commit per record, and
//     unmatched requests as the reference of the same server.
// Run: `npm run bench:scale` (builds first). Settings: BENCH_SCALE_IMPORT_ROWS (1,000,000),
// BENCH_SCALE_API_ROWS (200,000), BENCH_SCALE_START_SIZES (1e6,1e7), BENCH_SCALE_ENGINES
// (sqlite,postgres), BENCH_SCALE_SECTIONS (import,api,start,matched), BENCH_SCALE_BASELINE_SECONDS (60).
// The machine is shared: figures are printed with the load average at the time of each.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { measureApiImport } from './lib/import-api-measure.mjs';
import { loadAverage, measureImport, writeHashCsv } from './lib/import-measure.mjs';
import { measureMatchedRequests } from './lib/matched-requests.mjs';
import { createBenchDatabase, measureStart, seedBank } from './lib/start-measure.mjs';

const IMPORT_ROWS = Number(process.env.BENCH_SCALE_IMPORT_ROWS ?? 1_000_000);
const API_ROWS = Number(process.env.BENCH_SCALE_API_ROWS ?? 200_000);
const START_SIZES = (process.env.BENCH_SCALE_START_SIZES ?? '1e6,1e7').split(',').map(Number);
const ENGINES = (process.env.BENCH_SCALE_ENGINES ?? 'sqlite,postgres').split(',');
const SECTIONS = new Set((process.env.BENCH_SCALE_SECTIONS ?? 'import,api,start,matched').split(','));
const BASELINE_SECONDS = Number(process.env.BENCH_SCALE_BASELINE_SECONDS ?? 60);

const fmt = (n) =>
  n === undefined || n === null || Number.isNaN(n) ? '–' : Math.round(n).toLocaleString('en');
const size = (n) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
const table = [];
const add = (what, engine, figure, baseline, ratio) =>
  table.push({ what, engine, figure, baseline, ratio, load: loadAverage().split(' ')[0] });
const log = (line) => console.log(`  ${line}`);

console.log(`bench:scale — ${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores, Node ${process.version}`);
console.log(`load average at start: ${loadAverage()}`);

const temp = mkdtempSync(join(tmpdir(), 'hashline-scale-'));
try {
  if (SECTIONS.has('import')) {
    const file = join(temp, 'list.csv');
    await writeHashCsv(file, IMPORT_ROWS);
    for (const engine of ENGINES) {
      const now = await measureImport({ mode: 'import', engine, file, rows: IMPORT_ROWS });
      log(`${engine} import: ${fmt(now.rowsPerSecond)} rows/s, ${now.maxRssMb} MB RSS`);
      const before = await measureImport({
        mode: 'addEntries',
        engine,
        file,
        rows: IMPORT_ROWS,
        maxSeconds: BASELINE_SECONDS,
      });
      log(
        `${engine} previous path: ${fmt(before.rowsPerSecond)} rows/s${before.timedOut ? ' (time-boxed)' : ''}`,
      );
      let ceiling = null;
      try {
        ceiling = await measureImport({ mode: 'ceiling', engine, file, rows: IMPORT_ROWS });
      } catch (error) {
        log(`${engine} ceiling not measured: ${error.message.split('\n')[0]}`);
      }
      add(
        `import ${size(IMPORT_ROWS)} rows, local (rows/s; RSS ${now.maxRssMb} MB)`,
        engine,
        fmt(now.rowsPerSecond),
        `previous ${fmt(before.rowsPerSecond)}${ceiling ? `; engine tool ${fmt(ceiling.rowsPerSecond)}` : ''}`,
        `${(now.rowsPerSecond / before.rowsPerSecond).toFixed(1)}× previous`,
      );
    }
  }

  if (SECTIONS.has('api')) {
    for (const engine of ENGINES) {
      const result = await measureApiImport({ engine, rows: API_ROWS, runs: 1, log });
      add(
        `import ${size(API_ROWS)} rows over the API (rows/s)`,
        engine,
        fmt(result.job),
        `JSON pages ${fmt(result.paged)}`,
        `${result.ratio.toFixed(1)}×`,
      );
    }
  }

  if (SECTIONS.has('start')) {
    for (const entries of START_SIZES) {
      for (const engine of ENGINES) {
        const db = await createBenchDatabase(engine);
        try {
          await seedBank(db, entries);
          // The first start is cold and writes the snapshot; the second starts from it.
          const cold = await measureStart(db, { snapshot: 'remove' });
          const warm = await measureStart(db, { snapshot: 'keep' });
          log(`${engine} ${size(entries)} cold: ${JSON.stringify(cold)}`);
          log(`${engine} ${size(entries)} snapshot: ${JSON.stringify(warm)}`);
          add(
            `start to /readyz ${size(entries)} from the snapshot (s; RSS MB; worst /healthz ms)`,
            engine,
            `${(warm.readyMs / 1000).toFixed(1)} s; ${fmt(warm.peakRssMb)} MB; ${fmt(warm.worstHealthMs)} ms`,
            `cold ${(cold.readyMs / 1000).toFixed(1)} s; ${fmt(cold.peakRssMb)} MB; ${fmt(cold.worstHealthMs)} ms`,
            `${(cold.readyMs / warm.readyMs).toFixed(1)}× faster`,
          );
        } finally {
          await db.drop();
        }
      }
    }
  }

  if (SECTIONS.has('matched')) {
    const result = await measureMatchedRequests({ engine: 'sqlite', rounds: 2, seconds: 8, log });
    const by = (prefix) => result.rows.find((row) => row.mode.startsWith(prefix));
    const grouped = by('group commit');
    const single = by('one commit per record');
    const unmatched = by('reference');
    add(
      'matched requests/s, SQLite (one hash each, webhook on the bank)',
      'sqlite',
      fmt(grouped['matched req/s (median)']),
      `one commit per record ${fmt(single['matched req/s (median)'])}; unmatched ${fmt(unmatched['matched req/s (median)'])}`,
      `${(grouped['matched req/s (median)'] / single['matched req/s (median)']).toFixed(1)}×`,
    );
  }
} finally {
  rmSync(temp, { recursive: true, force: true });
}

console.log(
  '\nScale (issue 12): each figure with its baseline from this run; load = 1-minute load average then',
);
console.table(table);
console.log(`load average at end: ${loadAverage()}`);
