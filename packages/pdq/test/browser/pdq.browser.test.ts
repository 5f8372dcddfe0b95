// The shared vector checks (../vectors.body.ts), run in the system's headless Chromium on pixels
// decoded by the browser itself: proves @hashline/pdq is isomorphic and bit-exact in a real page.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runInBrowser, type BrowserRun } from '../../../../tools/browser/index.js';
import { PDQ_FIXTURES } from '../../../../tools/test-fixtures.js';
import { describeFailures, fixtureFile, parseVectorsTsv, type CheckResult } from '../vectors.body.js';
import type { VectorsPageParams, VectorsPageReport } from './vectors.page.js';

const FIXTURES = PDQ_FIXTURES;
const ENTRY = fileURLToPath(new URL('./vectors.page.ts', import.meta.url));

const rows = parseVectorsTsv(readFileSync(join(FIXTURES, 'vectors.tsv'), 'utf8'));
const fullSizePaths = rows
  .map((row) => row.path)
  .filter((path) => existsSync(join(FIXTURES, fixtureFile('pixels-full', path))));

describe('pdq in headless Chromium (canvas-decoded fixtures)', () => {
  let run: BrowserRun<VectorsPageReport>;

  beforeAll(async () => {
    const params: VectorsPageParams = { fullSizePaths };
    run = await runInBrowser<VectorsPageReport>({
      entry: ENTRY,
      staticDir: FIXTURES,
      params,
      timeoutMs: 100_000,
    });
    const { timings, value } = run;
    console.log(
      `chromium run: bundle ${Math.round(timings.bundleMs)} ms, launch ${Math.round(timings.launchMs)} ms, ` +
        `page ${Math.round(timings.pageMs)} ms (pixels512 ${value.ms.pixels512} ms, pixels-full ${value.ms.pixelsFull} ms); ` +
        value.userAgent,
    );
  }, 110_000);

  it('covers every vector row and each full-size fixture', () => {
    expect(rows).toHaveLength(49);
    expect(fullSizePaths).toHaveLength(3);
    expect(run.value.pixels512.map((result) => result.path)).toEqual(rows.map((row) => row.path));
    expect(run.value.pixelsFull.map((result) => result.path)).toEqual(fullSizePaths);
  });

  it('logs no console errors', () => {
    expect(run.consoleErrors).toEqual([]);
  });

  const find = (results: readonly CheckResult[], path: string): CheckResult | undefined =>
    results.find((result) => result.path === path);

  // One test per row, so a failure names the image and lists every mismatching column.
  it.each(rows.map((row) => row.path))('pixels512 %s: hash, quality and 8 dihedral hashes exact', (path) => {
    const result = find(run.value.pixels512, path);
    expect(result, `no result for ${path}`).toBeDefined();
    expect(result && describeFailures([result])).toBe('');
  });

  it.each(fullSizePaths)('pixels-full %s: pre-resize in the browser gives the exact hashes', (path) => {
    const result = find(run.value.pixelsFull, path);
    expect(result, `no result for ${path}`).toBeDefined();
    expect(result && describeFailures([result])).toBe('');
  });
});
