// Test page: echoes its params, fetches a served file and logs one console error.
import { pageParams, reportToHarness } from '../../page-harness.js';

reportToHarness(async () => {
  const response = await fetch('/hello.txt');
  console.error('expected console error from echo.page');
  return { params: pageParams<unknown>(), status: response.status, text: await response.text() };
});
