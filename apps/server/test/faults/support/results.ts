// The fault table: every case appends one row to `.faults/results.jsonl` (pass or fail, written
// before the case's assertions throw), and the suite's global teardown prints the rows as a table
// and writes `.faults/report.md`.
import { appendFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where the suite writes its results (repository root, ignored by git). */
export const RESULTS_DIR = fileURLToPath(new URL('../../../../../.faults/', import.meta.url));
export const RESULTS_FILE = `${RESULTS_DIR}results.jsonl`;

/** One row of the table. */
export interface FaultResult {
  readonly fault: string;
  readonly engine: string;
  readonly servers: number;
  outcome: 'pass' | 'fail';
  /** Acknowledged writes: reports, entries (bank changes) and match records the case checked. */
  acknowledged: number;
  lost: number;
  duplicates: number;
  /** Worst seconds from the end of the fault (or the kill) to `/readyz` 200; null: never ready. */
  secondsToReady: number | null;
  /** Seconds from the start of the fault to the first 503 of `/readyz` (when it should flip). */
  secondsTo503: number | null;
  /** Anything the row needs to be read right: failed attempts, the first failing check. */
  notes: string[];
}

/** Appends a case's row. */
export function recordResult(result: FaultResult): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  appendFileSync(RESULTS_FILE, `${JSON.stringify(result)}\n`);
}

const seconds = (value: number | null): string => (value === null ? 'never' : value.toFixed(1));

/** The rows as a Markdown table. */
export function formatTable(rows: readonly FaultResult[]): string {
  const lines = [
    '| fault | engine | servers | outcome | acknowledged | lost | duplicates | 503 after (s) | ready again (s) | notes |',
    '| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${[
        r.fault,
        r.engine,
        String(r.servers),
        r.outcome === 'pass' ? 'pass' : '**FAIL**',
        String(r.acknowledged),
        String(r.lost),
        String(r.duplicates),
        r.secondsTo503 === null ? '–' : seconds(r.secondsTo503),
        seconds(r.secondsToReady),
        r.notes.join('; ').replace(/\|/g, '/').replace(/\s+/g, ' ').slice(0, 400),
      ].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}
