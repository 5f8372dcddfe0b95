import type { Reporter, TestModule, TestSuite } from 'vitest/node';

/** A suite that failed (e.g. in `beforeAll`) while none of its own tests did. */
function failedOutsideTests(suite: TestSuite): boolean {
  return (
    suite.state() === 'failed' && ![...suite.children.allTests()].some((t) => t.result().state === 'failed')
  );
}

/** How many of the slowest test files the summary lists (CI must stay under 30 minutes). */
const SLOWEST_FILES = 15;

/**
 * Prints the slowest test files, then the closing `N passed, N failed, N skipped` line that CI
 * reads, counting individual tests (not files). A file or suite that failed outside its tests (a syntax error, a failing
 * `beforeAll` whose tests Vitest then reports as skipped) counts as one failure, so a broken setup
 * can never pass as "skipped".
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const testModule of testModules) {
      let failedHere = 0;
      for (const test of testModule.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else skipped++;
      }
      for (const suite of testModule.children.allSuites()) if (failedOutsideTests(suite)) failedHere++;
      if (failedHere === 0 && testModule.state() === 'failed') failedHere++;
      failed += failedHere;
    }
    failed += unhandledErrors.length;
    const durations = testModules
      .map((m) => ({ file: m.moduleId.replace(`${process.cwd()}/`, ''), ms: m.diagnostic().duration }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, SLOWEST_FILES);
    if (durations.length > 1) {
      process.stdout.write(`\nslowest test files:\n`);
      for (const { file, ms } of durations)
        process.stdout.write(`${(ms / 1000).toFixed(1).padStart(8)} s  ${file}\n`);
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
