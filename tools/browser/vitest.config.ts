// Runs the harness's own tests, which the root config does not collect (it includes only
// packages/*/test and apps/*/test): npx vitest run -c tools/browser/vitest.config.ts
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

export default defineConfig({
  ...base,
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: { ...base.test, include: ['tools/browser/test/**/*.test.ts'] },
});
