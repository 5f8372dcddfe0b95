// Bulk import over the API (issue 12): a hash list of random PDQ rows sent to a server process
// (compiled dist/, as in production) on SQLite and on PostgreSQL, two ways, measured in this run:
//   - baseline: what `hashline bank import --server` did before, JSON pages of 10,000 entries to
//     POST /v1/banks/{bank}/entries, one after the other;
//   - import job: the file streamed as the body of POST /v1/banks/{bank}/imports, then
//     GET /v1/imports/{id} polled every 100 ms until the job succeeded (upload + import).
// Each run imports fresh rows into a fresh bank. Prints rows/s per run, the medians, the ratio
// job/baseline, and the load average before and after (the machine is shared: rates are a floor).
//
// Run: `npm run bench:import-api` (builds first). BENCH_ROWS (100000), BENCH_RUNS (3),
// BENCH_ENGINES (sqlite,postgres), HASHLINE_TEST_POSTGRES_URL.
import { fmt, load, measureApiImport } from './lib/import-api-measure.mjs';

const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ENGINES = (process.env.BENCH_ENGINES ?? 'sqlite,postgres').split(',');

console.log(`bulk import over the API: ${fmt(ROWS)} random PDQ rows per import, ${RUNS} run(s) per way`);
console.log(`node ${process.version}; load average at start: ${load()}`);
const summary = [];
for (const engine of ENGINES) {
  const { job, paged, ratio } = await measureApiImport({ engine, rows: ROWS, runs: RUNS });
  summary.push(
    `${engine}: import job median ${fmt(job)} rows/s, baseline (JSON pages) median ${fmt(paged)} rows/s, ratio ${ratio.toFixed(2)}`,
  );
}
console.log(summary.join('\n'));
console.log(`load average at end: ${load()}`);
