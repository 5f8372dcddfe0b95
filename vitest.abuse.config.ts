import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// The fuzz and abuse suite (`npm run test:abuse`, issue 15): ≥ 100,000 mutated images and hostile
// hash lists, JSON and XML bodies against the hashing pool, the parsers and the HTTP API. Kept out
// of `npm test` (vitest.config.ts excludes *.abuse.test.ts), which runs abuse-smoke.test.ts instead.
const conditions = ['@hashline/source', ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@hashline/source'] } },
  test: {
    include: ['apps/server/test/abuse/**/*.abuse.test.ts'],
    reporters: ['default'],
    testTimeout: 3_600_000,
    pool: 'forks',
  },
});
