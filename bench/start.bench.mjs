// Start-up time of a server process with a large bank (issue 12 part 2): time to /readyz 200,
// worst /healthz latency meanwhile (polled every 20 ms), peak RSS (VmHWM), for a cold start (the
// index read from the store and built) and a start from the index snapshot the cold start wrote,
// on SQLite and PostgreSQL. Run with `npm run bench:start` (builds first); BENCH_START_ENTRIES
// (default 1,000,000) sets the bank size, BENCH_START_ENGINES (default "sqlite,postgres") the
// stores, BENCH_START_RUNS (default 1) the starts of each kind (the median is printed).
// Targets (issue 12): ready ≤ 20 s at 10M entries, RSS ≤ 1.6 GB, /healthz always < 100 ms.
import { loadavg } from 'node:os';
import { createBenchDatabase, measureStart, seedBank } from './lib/start-measure.mjs';

const ENTRIES = Number(process.env.BENCH_START_ENTRIES ?? 1_000_000);
const ENGINES = (process.env.BENCH_START_ENGINES ?? 'sqlite,postgres').split(',');
const RUNS = Number(process.env.BENCH_START_RUNS ?? 1);

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

console.log(`start-up with ${ENTRIES.toLocaleString('en')} PDQ entries; load average ${load()}`);
for (const engine of ENGINES) {
  const db = await createBenchDatabase(engine);
  try {
    // Baseline, same run and machine: the same process start with an empty database.
    const empty = await measureStart(db, { snapshot: 'remove' });
    console.log(
      `${engine}: baseline (no entries): ready ${(empty.readyMs / 1000).toFixed(2)} s, listening ${(empty.firstHealthMs / 1000).toFixed(2)} s, ` +
        `worst /healthz ${empty.worstHealthMs} ms, peak RSS ${empty.peakRssMb} MB; load average ${load()}`,
    );
    const seeded = await seedBank(db, ENTRIES);
    console.log(`${engine}: seeded in ${(seeded.ms / 1000).toFixed(1)} s; load average ${load()}`);
    const rows = [];
    for (const kind of ['cold', 'snapshot']) {
      const runs = [];
      for (let i = 0; i < RUNS; i++) {
        runs.push(await measureStart(db, { snapshot: kind === 'cold' ? 'remove' : 'keep' }));
      }
      const sources = new Set(runs.map((r) => r.source));
      const expected = kind === 'cold' ? 'store' : 'snapshot';
      if (sources.size !== 1 || !sources.has(expected))
        throw new Error(`${kind} start loaded from ${[...sources]}`);
      rows.push({
        engine,
        start: kind,
        'ready s': (median(runs.map((r) => r.readyMs)) / 1000).toFixed(2),
        'listening s': (median(runs.map((r) => r.firstHealthMs)) / 1000).toFixed(2),
        'load s': (median(runs.map((r) => r.loadMs)) / 1000).toFixed(2),
        'worst /healthz ms (loading)': Math.max(...runs.map((r) => r.worstHealthWhileLoadingMs)),
        'worst /healthz ms (incl. snapshot write)': Math.max(...runs.map((r) => r.worstHealthMs)),
        '/healthz checks': runs.reduce((s, r) => s + r.healthChecks, 0),
        '/healthz failures': runs.reduce((s, r) => s + r.healthFailures, 0),
        'peak RSS MB': Math.max(...runs.map((r) => r.peakRssMb)),
        'snapshot MB': ((runs.at(-1).snapshotBytes ?? 0) / 1e6).toFixed(0),
        entries: runs[0].pdqEntries,
        'load avg': load(),
      });
    }
    console.table(rows);
    const [cold, snap] = rows;
    console.log(`${engine}: snapshot start / cold start = ${(snap['ready s'] / cold['ready s']).toFixed(2)}`);
  } finally {
    await db.drop();
  }
}
