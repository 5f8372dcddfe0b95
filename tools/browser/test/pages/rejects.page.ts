// Test page: its work fails.
import { reportToHarness } from '../../page-harness.js';

reportToHarness(() => {
  throw new Error('work failed on purpose');
});
