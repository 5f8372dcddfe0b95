// The shared vector checks (../vectors.body.ts), run in the system's headless Chromium on pixels
// decoded by the browser itself: proves @hashline/pdq is isomorphic and bit-exact in a real page.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runInBrowser, type BrowserRun } from '../../../../tools/browser/index.js';
import { PDQ_FIXTURES } from '../../../../tools/test-fixtures.js';
import {
  describeFailures,
  ENGINES,
  fixtureFile,
  parseVectorsTsv,
  type CheckResult,
} from '../vectors.body.js';
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
    const perEngine = value.engines
      .map(({ engine, ms }) => `${engine}: pixels512 ${ms.pixels512} ms, pixels-full ${ms.pixelsFull} ms`)
      .join('; ');
    console.log(
      `chromium run: bundle ${Math.round(timings.bundleMs)} ms, launch ${Math.round(timings.launchMs)} ms, ` +
        `page ${Math.round(timings.pageMs)} ms (${perEngine}); ${value.userAgent}`,
    );
  }, 110_000);

  it('covers every vector row and each full-size fixture', () => {
    expect(rows).toHaveLength(49);
    expect(fullSizePaths).toHaveLength(3);
    expect(run.value.engines.map(({ engine }) => engine)).toEqual(ENGINES);
    for (const { pixels512, pixelsFull } of run.value.engines) {
      expect(pixels512.map((result) => result.path)).toEqual(rows.map((row) => row.path));
      expect(pixelsFull.map((result) => result.path)).toEqual(fullSizePaths);
    }
  });

  it('logs no console errors', () => {
    expect(run.consoleErrors).toEqual([]);
  });

  const find = (engine: string, set: 'pixels512' | 'pixelsFull', path: string): CheckResult | undefined =>
    run.value.engines
      .find((result) => result.engine === engine)
      ?.[set].find((result) => result.path === path);

  // One test per engine and row, so a failure names the image and lists every mismatching column.
  const cases = (paths: readonly string[]) =>
    ENGINES.flatMap((engine) => paths.map((path) => [engine, path]));

  it.each(cases(rows.map((row) => row.path)))(
    '%s engine, pixels512 %s: hash, quality and 8 dihedral hashes exact',
    (engine, path) => {
      const result = find(engine, 'pixels512', path);
      expect(result, `no result for ${path}`).toBeDefined();
      expect(result && describeFailures([result])).toBe('');
    },
  );

  it.each(cases(fullSizePaths))(
    '%s engine, pixels-full %s: pre-resize in the browser gives the exact hashes',
    (engine, path) => {
      const result = find(engine, 'pixelsFull', path);
      expect(result, `no result for ${path}`).toBeDefined();
      expect(result && describeFailures([result])).toBe('');
    },
  );
});
