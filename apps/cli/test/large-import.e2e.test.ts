// End-to-end: a 200,000-row CSV, generated here as a stream, imported by the built CLI in a child
// process. Asserts the count and that the importer's peak memory stays bounded (it streams the
// file in batches; the file is never held in memory).
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../tools/test-fixtures.js';
import { assertBuilt, hashline } from './cli-process.js';

const ROWS = 200_000;
/** Peak resident memory allowed to the importing process (node itself takes ~80 MB). */
const MAX_PEAK_RSS_MB = 300;
const PRELOAD = resolve(REPO_ROOT, 'apps/cli/test/support/report-peak-memory.mjs');

let dir: string;

/** Writes `rows` random hashes (9 PDQ with quality, then 1 MD5, repeating) as a CSV, streamed. */
async function writeCsv(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('signal_type,value,quality,source\n');
  for (let i = 0; i < rows; i++) {
    const line =
      i % 10 === 9
        ? `md5,${randomBytes(16).toString('hex')},,bulk\n`
        : `pdq,${randomBytes(32).toString('hex')},${50 + (i % 51)},bulk\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

beforeAll(async () => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'hashline-large-import-'));
  await writeCsv(join(dir, 'bulk.csv'), ROWS);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hashline bank import of a large file (built CLI)', () => {
  it(`imports ${ROWS.toLocaleString('en')} rows with bounded memory`, { timeout: 600_000 }, async () => {
    const result = await hashline(
      ['bank', 'import', 'bulk', 'bulk.csv', '--create-kind', 'test', '--data-dir', 'data'],
      // The heap cap keeps V8 from growing its heap lazily far beyond what is live, so the peak
      // RSS reflects what the importer holds (an importer that kept the rows would run out of it).
      { cwd: dir, nodeArgs: ['--max-old-space-size=128', '--import', PRELOAD], timeoutMs: 600_000 },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`${ROWS.toLocaleString('en')} records read`);
    expect(result.stderr).toContain(`${ROWS.toLocaleString('en')} added, 0 already in the bank`);
    // The measured rate, for the record (not asserted: the machine is shared).
    console.log(result.stderr.split('\n').find((l) => l.includes('records/s')));

    const list = await hashline(['bank', 'list', '--format', 'json', '--data-dir', 'data'], { cwd: dir });
    expect(JSON.parse(list.stdout)).toMatchObject([{ name: 'bulk', entryCount: ROWS }]);

    const peak = /PEAK_RSS_KB=(\d+)/.exec(result.stderr)?.[1];
    if (existsSync('/proc/self/status')) {
      expect(peak).toBeDefined();
      console.log(`peak RSS of the import: ${Math.round(Number(peak) / 1024)} MB`);
      expect(Number(peak) / 1024).toBeLessThan(MAX_PEAK_RSS_MB);
    }
  });
});
