import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// The fault suite (`npm run test:faults`, see tools/faults/run-faults.mjs): real server processes
// from apps/server/dist on real PostgreSQL and SQLite, under database faults and kill -9. Kept out
// of `npm test` (vitest.config.ts excludes *.fault.test.ts): it runs for minutes, one case at a
// time, and prints the fault table at the end (support/global-setup.ts).
const conditions = ['@hashline/source', ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@hashline/source'] } },
  test: {
    include: ['apps/server/test/faults/**/*.fault.test.ts'],
    globalSetup: ['apps/server/test/faults/support/global-setup.ts'],
    reporters: ['default', './tools/summary-reporter.ts'],
    // Cases start several servers each and time their recovery: one file at a time.
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
