// Behaviour of the browser harness, including its failure paths: they are what keeps a broken
// browser test from hanging, leaking Chromium processes or passing silently.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  BrowserRunError,
  ChromiumNotFoundError,
  launchBrowser,
  runInBrowser,
  serveStatic,
} from '../index.js';

const page = (name: string) => fileURLToPath(new URL(`./pages/${name}.page.ts`, import.meta.url));
const staticDir = mkdtempSync(join(tmpdir(), 'hashline-harness-'));
writeFileSync(join(staticDir, 'hello.txt'), 'hello from disk');
afterAll(() => rmSync(staticDir, { recursive: true, force: true }));

/** Chromium processes started by this test process (Playwright spawns them as direct children). */
function childChromiums(): string[] {
  const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out.split('\n').filter((line) => /chrom/i.test(line));
}

describe('runInBrowser', () => {
  afterEach(() => {
    expect(childChromiums(), 'a Chromium process outlived its run').toEqual([]);
  });

  it('returns what the page reports, with params, served files and console errors', async () => {
    const run = await runInBrowser<{ params: unknown; status: number; text: string }>({
      entry: page('echo'),
      staticDir,
      params: { answer: 42, list: ['a'] },
      forwardConsole: false,
    });
    expect(run.value).toEqual({ params: { answer: 42, list: ['a'] }, status: 200, text: 'hello from disk' });
    expect(run.consoleErrors).toHaveLength(1);
    expect(run.consoleErrors[0]).toContain('expected console error from echo.page');
  });

  it('rejects with the page error when the work fails', async () => {
    await expect(runInBrowser({ entry: page('rejects') })).rejects.toThrow(
      /the page failed: .*work failed on purpose/,
    );
  });

  it('rejects at once on an uncaught error while the module loads', async () => {
    const failure = runInBrowser({ entry: page('uncaught'), timeoutMs: 20_000 });
    await expect(failure).rejects.toBeInstanceOf(BrowserRunError);
    await expect(failure).rejects.toThrow(/uncaught error in the page: .*module failed on purpose/);
  });

  it('times out when the page never reports', async () => {
    await expect(runInBrowser({ entry: page('silent'), timeoutMs: 1_000 })).rejects.toThrow(
      /reported nothing within 1000 ms/,
    );
  });

  it('rejects with esbuild messages when the entry does not build', async () => {
    await expect(runInBrowser({ entry: join(staticDir, 'missing.ts') })).rejects.toThrow(
      /bundling .*missing\.ts failed/,
    );
  });
});

describe('launchBrowser', () => {
  it('starts Chromium as a child process that close() ends (what the leak check above relies on)', async () => {
    const browser = await launchBrowser();
    try {
      expect(childChromiums()).not.toEqual([]);
      expect(browser.version()).toMatch(/^\d+\./);
    } finally {
      await browser.close();
    }
    expect(childChromiums()).toEqual([]);
  });

  it('fails loudly, naming the Debian package, when Chromium is missing', async () => {
    const launch = launchBrowser({ executablePath: join(staticDir, 'no-such-chromium') });
    await expect(launch).rejects.toBeInstanceOf(ChromiumNotFoundError);
    await expect(launch).rejects.toThrow(
      "Chromium not found: install Debian's chromium package (apt-get install chromium)",
    );
  });
});

describe('serveStatic', () => {
  it('serves files and routes but nothing outside its root', async () => {
    const server = await serveStatic({
      root: staticDir,
      routes: { '/mem.js': { body: 'export {}', contentType: 'text/javascript' } },
    });
    try {
      const get = (path: string) => fetch(`${server.origin}${path}`);
      expect(await (await get('/hello.txt')).text()).toBe('hello from disk');
      expect((await get('/mem.js')).headers.get('content-type')).toBe('text/javascript');
      expect((await get('/missing.txt')).status).toBe(404);
      // fetch normalises a literal `..`; encoded dots and slashes reach the server as they are.
      expect((await get('/%2e%2e/%2e%2e/etc/passwd')).status).toBe(404);
      expect((await get('/..%2f..%2fetc%2fpasswd')).status).toBe(404);
      expect((await fetch(`${server.origin}/hello.txt`, { method: 'POST' })).status).toBe(405);
    } finally {
      await server.close();
    }
  });
});
