import { defaultServerConditions } from 'vite';
import { configDefaults, defineConfig } from 'vitest/config';

// Workspace packages export their TypeScript sources under the `@hashline/source` condition, so
// tests run against src/ without a build; Node at run time (CLI, workers, server) uses dist/.
const conditions = ['@hashline/source', ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@hashline/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'tools/**/test/**/*.test.ts'],
    // The fault suite has its own command and config (npm run test:faults, vitest.faults.config.ts).
    exclude: [...configDefaults.exclude, '**/*.fault.test.ts'],
    reporters: ['default', './tools/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
