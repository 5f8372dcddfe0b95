// The shared vector checks (./vectors.body.ts) in Node, on the exact reference pixels decoded
// losslessly by sharp: the same body runs in Chromium in ./browser/pdq.browser.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, test } from 'vitest';
import type { ImagePixels } from '@hashline/pdq';
import { PDQ_FIXTURES } from '../../../tools/test-fixtures.js';
import {
  describeFailures,
  ENGINES,
  parseVectorsTsv,
  runPdqVectorChecks,
  type PixelLoader,
} from './vectors.body.js';

const rows = parseVectorsTsv(readFileSync(join(PDQ_FIXTURES, 'vectors.tsv'), 'utf8'));

const loadPng: PixelLoader = async (file) => {
  // From a buffer, not a path: media-node's loader allow-list (process-wide in libvips) blocks
  // file loaders once it has run in the same test worker.
  const bytes = readFileSync(join(PDQ_FIXTURES, file));
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels as ImagePixels['channels'] };
};

describe.each(ENGINES)('reference vectors in Node, %s engine', (engine) => {
  test('covers all 49 rows', () => {
    expect(rows).toHaveLength(49);
  });

  test('pixels512: hash, quality and all 8 dihedral hashes exact for every row', async () => {
    const results = await runPdqVectorChecks(loadPng, rows, 'pixels512', engine);
    expect(describeFailures(results)).toBe('');
    expect(results.filter((result) => result.ok)).toHaveLength(49);
  });

  test('pixels-full: the 512 pre-resize gives the exact hashes from full-size pixels', async () => {
    const fullSize = rows.filter((row) =>
      [
        'bridge-mods/aaa-orig.jpg',
        'misc-images/modes/RGB.jpg',
        'reg-test-input/dih/bridge-2-rotate-90.jpg',
      ].includes(row.path),
    );
    const results = await runPdqVectorChecks(loadPng, fullSize, 'pixels-full', engine);
    expect(describeFailures(results)).toBe('');
    expect(results.filter((result) => result.ok)).toHaveLength(3);
  });
});
