// Entry module run inside Chromium by robust-variants.browser.test.ts: computes the robust
// variants of the shared generated images with each engine and reports them.
import { reportToHarness } from '../../../../tools/browser/page-harness.js';
import { ENGINES } from '../vectors.body.js';
import { variantRows, type VariantsRow } from '../robust-variants.body.js';

/** What the page reports back. */
export interface RobustVariantsPageReport {
  readonly rows: readonly VariantsRow[];
}

reportToHarness(async (): Promise<RobustVariantsPageReport> => ({
  rows: ENGINES.flatMap((engine) => variantRows(engine)),
}));
