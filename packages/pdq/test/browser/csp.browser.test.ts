// WebAssembly under a Content-Security-Policy in headless Chromium: without 'wasm-unsafe-eval' the
// module is refused, 'auto' quietly hashes in JavaScript (same bits) and 'wasm' throws
// PDQ_ENGINE_UNAVAILABLE; with it, the WebAssembly core runs.
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdqHash, toHex } from '@hashline/pdq';
import { bundle, launchBrowser, serveStatic, type StaticServer } from '../../../../tools/browser/index.js';
import { cspTestImage } from './csp-image.js';
import type { CspPageResult } from './csp.page.js';

const ENTRY = fileURLToPath(new URL('./csp.page.ts', import.meta.url));
const page = (policy: string): string =>
  `<!doctype html><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${policy}">` +
  `<title>pdq under CSP</title><script type="module" src="/bundle.js"></script>`;

describe('pdq under a Content-Security-Policy (headless Chromium)', () => {
  let browser: Browser;
  let server: StaticServer;
  const expected = toHex(pdqHash(cspTestImage(), { engine: 'js' }).hash);

  beforeAll(async () => {
    const code = await bundle({ entry: ENTRY });
    server = await serveStatic({
      routes: {
        '/strict.html': { body: page("default-src 'none'; script-src 'self'"), contentType: 'text/html' },
        '/wasm.html': {
          body: page("default-src 'none'; script-src 'self' 'wasm-unsafe-eval'"),
          contentType: 'text/html',
        },
        '/bundle.js': { body: code, contentType: 'text/javascript; charset=utf-8' },
        '/favicon.ico': { body: '', contentType: 'image/x-icon' },
      },
    });
    browser = await launchBrowser();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function run(path: string): Promise<{ result: CspPageResult; console: string[] }> {
    const context = await browser.newContext();
    try {
      const tab = await context.newPage();
      const messages: string[] = [];
      tab.on('console', (message) => messages.push(`${message.type()}: ${message.text()}`));
      tab.on('pageerror', (error) => messages.push(`pageerror: ${error.message}`));
      await tab.goto(`${server.origin}${path}`);
      await tab.waitForFunction(() => '__cspResult' in globalThis, undefined, { timeout: 30_000 });
      const result = await tab.evaluate(
        () => (globalThis as unknown as { __cspResult: CspPageResult }).__cspResult,
      );
      return { result, console: messages };
    } finally {
      await context.close();
    }
  }

  it("without 'wasm-unsafe-eval': auto falls back to JS with the same hash, wasm is unavailable", async () => {
    const { result, console: messages } = await run('/strict.html');
    expect(result).toEqual({ auto: expected, js: expected, wasm: 'PDQ_ENGINE_UNAVAILABLE' });
    expect(messages.filter((line) => line.startsWith('pageerror'))).toEqual([]);
  });

  it("with 'wasm-unsafe-eval': the WebAssembly core runs and gives the same hash", async () => {
    const { result, console: messages } = await run('/wasm.html');
    expect(result).toEqual({ auto: expected, js: expected, wasm: expected });
    expect(messages.filter((line) => line.startsWith('error') || line.startsWith('pageerror'))).toEqual([]);
  });
});
