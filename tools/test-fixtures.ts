import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in tools/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The shared reference material (`../shared` beside the repository, as laid out on developer
 * machines and in CI); `HASHLINE_SHARED_DIR` overrides it.
 */
export const SHARED_DIR = resolve(process.env.HASHLINE_SHARED_DIR ?? resolve(REPO_ROOT, '../shared'));

/** PDQ reference vectors, exact pixels and the benign original test images. */
export const PDQ_FIXTURES = resolve(SHARED_DIR, 'pdq');

if (!existsSync(resolve(PDQ_FIXTURES, 'vectors.tsv'))) {
  throw new Error(
    `PDQ reference fixtures not found at ${PDQ_FIXTURES}: tests expect the shared folder beside the ` +
      'repository (../shared), or set HASHLINE_SHARED_DIR.',
  );
}
