import type { Reporter, TestModule, TestSuite } from 'vitest/node';

/** A suite that failed (e.g. in `beforeAll`) while none of its own tests did. */
function failedOutsideTests(suite: TestSuite): boolean {
  return (
    suite.state() === 'failed' && ![...suite.children.allTests()].some((t) => t.result().state === 'failed')
  );
}

/**
 * Prints the closing `N passed, N failed, N skipped` line that CI reads, counting individual tests
 * (not files). A file or suite that failed outside its tests (a syntax error, a failing
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
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
