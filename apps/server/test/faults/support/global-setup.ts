// Global setup of the fault suite (vitest.faults.config.ts): clears the previous results, and at
// the end prints the fault table with the run's duration and load average and writes it to
// `.faults/report.md`.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { formatTable, RESULTS_DIR, RESULTS_FILE, type FaultResult } from './results.js';

export default function setup(): () => void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  rmSync(RESULTS_FILE, { force: true });
  const started = Date.now();
  const loadAtStart = loadavg();
  return () => {
    const rows: FaultResult[] = existsSync(RESULTS_FILE)
      ? readFileSync(RESULTS_FILE, 'utf8')
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as FaultResult)
      : [];
    const load = (values: number[]): string => values.map((v) => v.toFixed(2)).join(' ');
    const mode = process.env.HASHLINE_FAULTS_SMOKE === '1' ? 'smoke' : 'full';
    const failed = rows.filter((r) => r.outcome === 'fail').length;
    const report = [
      `# Fault suite (${mode})`,
      '',
      `${new Date(started).toISOString()}: ${rows.length} cases, ${failed} failed, ` +
        `${((Date.now() - started) / 1000).toFixed(0)} s; load average ${load(loadAtStart)} at the start, ` +
        `${load(loadavg())} at the end (1, 5, 15 min).`,
      '',
      formatTable(rows),
      '',
      'acknowledged: writes a client got a 2xx for (reports, entries, match records with their webhook); ' +
        'lost: acknowledged but not in the database afterwards; duplicates: acknowledged writes stored more ' +
        'than once; 503 after: from the start of the fault to the first 503 of /readyz (– where readiness ' +
        'need not flip); ready again: from the end of the fault (or the kill) to /readyz 200, worst server.',
      '',
    ].join('\n');
    writeFileSync(`${RESULTS_DIR}report.md`, report);
    console.log(`\n${report}\n(written to ${RESULTS_DIR}report.md)`);
  };
}
