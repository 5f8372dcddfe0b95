// Entry module of csp.browser.test.ts: hashes one image with each engine under the page's
// Content-Security-Policy and leaves the outcome in globalThis.__cspResult.
import { PdqError, pdqHash, toHex, type PdqEngine } from '@hashline/pdq';
import { cspTestImage } from './csp-image.js';

/** What the page leaves for the test: the hex hash per engine, or the error code it threw. */
export type CspPageResult = Record<PdqEngine, string>;

const image = cspTestImage();
const result = {} as CspPageResult;
for (const engine of ['auto', 'js', 'wasm'] as const) {
  try {
    result[engine] = toHex(pdqHash(image, { engine }).hash);
  } catch (error) {
    result[engine] = error instanceof PdqError ? error.code : `threw ${String(error)}`;
  }
}
(globalThis as { __cspResult?: CspPageResult }).__cspResult = result;
