// The robust variants (trim, frame, screen, crops) computed in headless Chromium equal those computed in Node,
// bit for bit, with every engine: the browser's self-submission and the server share the code.
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runInBrowser, type BrowserRun } from '../../../../tools/browser/index.js';
import { PDQ_FIXTURES } from '../../../../tools/test-fixtures.js';
import { ENGINES } from '../vectors.body.js';
import { variantRows } from '../robust-variants.body.js';
import type { RobustVariantsPageReport } from './robust-variants.page.js';

const ENTRY = fileURLToPath(new URL('./robust-variants.page.ts', import.meta.url));

describe('robust variants in headless Chromium', () => {
  let run: BrowserRun<RobustVariantsPageReport>;

  beforeAll(async () => {
    run = await runInBrowser<RobustVariantsPageReport>({
      entry: ENTRY,
      staticDir: PDQ_FIXTURES,
      params: {},
      timeoutMs: 100_000,
    });
  }, 110_000);

  it('logs no console errors', () => {
    expect(run.consoleErrors).toEqual([]);
  });

  it('gives exactly the variants Node gives, with every engine', () => {
    const node = ENGINES.flatMap((engine) => variantRows(engine));
    expect(run.value.rows).toEqual(node);
    // Not vacuous: every bordered image has a trim variant and every image its crops; the padded
    // page has a frame (its own margins kept) and the page's screenshot a screen.
    for (const row of node) {
      expect(row.variants.length).toBeGreaterThanOrEqual(10);
      if (!/^(picture|page)/.test(row.image)) expect(row.variants[0]).toMatch(/^trim:/);
    }
    const names = (image: string) =>
      node.find((r) => r.image === image)!.variants.map((v) => v.slice(0, v.indexOf(':')));
    expect(names('padded-page-4')).toContain('frame');
    expect(names('screenshot-page-4')).toContain('screen');
  });
});
