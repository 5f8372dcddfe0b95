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
    // So does the abuse suite (npm run test:abuse, vitest.abuse.config.ts; abuse-smoke.test.ts is its short version).
    exclude: [...configDefaults.exclude, '**/*.fault.test.ts', '**/*.abuse.test.ts'],
    reporters: ['default', './tools/summary-reporter.ts'],
    // Deadlines, not speed targets: CI may share the machine with other work, so a test that
    // waits on a condition gets room to wait (a passing test never uses it up).
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll's own default (1 s) decided outcomes on a busy machine.
    expect: { poll: { timeout: 20_000, interval: 50 } },
    pool: 'forks',
  },
});
