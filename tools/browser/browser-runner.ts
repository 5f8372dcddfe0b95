import type { Browser, ConsoleMessage } from 'playwright-core';
import { launchBrowser, type LaunchBrowserOptions } from './chromium-launcher.js';
import { bundle, type BundleOptions } from './esbuild-bundler.js';
import { PARAMS_GLOBAL, REPORT_FUNCTION, type PageOutcome } from './page-harness.js';
import { serveStatic } from './static-server.js';

/** Options of {@link runInBrowser}. */
export interface RunInBrowserOptions {
  /**
   * Absolute path of the entry module run in the page. It must call `reportToHarness()` from
   * `tools/browser/page-harness.ts` exactly once.
   */
  readonly entry: string;
  /** Directory served read-only at the page's origin (fetch `/<relative path>` from the page). */
  readonly staticDir?: string;
  /** JSON-serialisable parameters, read in the page with `pageParams()`. */
  readonly params?: unknown;
  /** Give up when the page has not reported after this many ms (default 60 000). */
  readonly timeoutMs?: number;
  /** Bundler options other than the entry. */
  readonly bundle?: Omit<BundleOptions, 'entry'>;
  /** Browser launch options; ignored when `browser` is given. */
  readonly launch?: LaunchBrowserOptions;
  /** A browser to reuse (left open afterwards); by default a fresh one is launched and closed. */
  readonly browser?: Browser;
  /** Print the page's console errors and warnings on stderr as they come (default true). */
  readonly forwardConsole?: boolean;
}

/** The outcome of {@link runInBrowser}. */
export interface BrowserRun<T> {
  /** What the page reported. */
  readonly value: T;
  /** Text of every console error the page logged, in order. */
  readonly consoleErrors: readonly string[];
  /** Wall-clock milliseconds of each phase (for reports; never assert on them). */
  readonly timings: { readonly bundleMs: number; readonly launchMs: number; readonly pageMs: number };
}

/** Why {@link runInBrowser} failed, with the page's console errors up to that point. */
export class BrowserRunError extends Error {
  override readonly name = 'BrowserRunError';

  constructor(
    message: string,
    readonly consoleErrors: readonly string[],
    options?: ErrorOptions,
  ) {
    super(
      consoleErrors.length ? `${message}\npage console errors:\n  ${consoleErrors.join('\n  ')}` : message,
      options,
    );
  }
}

const PAGE_PATH = '/__harness/index.html';
const BUNDLE_PATH = '/__harness/bundle.js';

/**
 * Bundles `entry` with esbuild, serves it (and `staticDir`) on 127.0.0.1, opens it in headless
 * Chromium and resolves with the value the page reports through `reportToHarness()`.
 *
 * Everything it starts (server, browser, page) is closed before it settles, whether the page
 * succeeds, throws, crashes or times out. An uncaught page error or a crash rejects at once.
 *
 * @throws {@link BrowserRunError} when the page reports an error, throws, crashes or times out.
 * @throws `ChromiumNotFoundError` when Chromium is not installed.
 */
export async function runInBrowser<T>(options: RunInBrowserOptions): Promise<BrowserRun<T>> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const forward = options.forwardConsole ?? true;
  const consoleErrors: string[] = [];

  let start = performance.now();
  const code = await bundle({ ...options.bundle, entry: options.entry });
  const bundleMs = performance.now() - start;

  const html = `<!doctype html><meta charset="utf-8"><title>hashline browser test</title><script type="module" src="${BUNDLE_PATH}"></script>`;
  const server = await serveStatic({
    ...(options.staticDir === undefined ? {} : { root: options.staticDir }),
    routes: {
      [PAGE_PATH]: { body: html, contentType: 'text/html; charset=utf-8' },
      [BUNDLE_PATH]: { body: code, contentType: 'text/javascript; charset=utf-8' },
      // Chromium asks for it on every page; a 404 would show up as a console error.
      '/favicon.ico': { body: '', contentType: 'image/x-icon' },
    },
  });
  try {
    start = performance.now();
    const browser = options.browser ?? (await launchBrowser(options.launch));
    const launchMs = performance.now() - start;
    const context = await browser.newContext().catch(async (error: unknown) => {
      if (!options.browser) await browser.close();
      throw error;
    });
    try {
      const page = await context.newPage();
      start = performance.now();
      const outcome = await new Promise<PageOutcome>((settle, fail) => {
        const timer = setTimeout(
          () => fail(new BrowserRunError(`the page reported nothing within ${timeoutMs} ms`, consoleErrors)),
          timeoutMs,
        );
        const done = (finish: () => void) => {
          clearTimeout(timer);
          finish();
        };
        page.on('console', (message: ConsoleMessage) => {
          const type = message.type();
          if (type !== 'error' && type !== 'warning') return;
          const location = message.location();
          const text = `${message.text()}${location.url ? ` (${location.url}:${location.lineNumber})` : ''}`;
          if (type === 'error') consoleErrors.push(text);
          if (forward) console.error(`[chromium ${type}] ${text}`);
        });
        page.on('pageerror', (error) =>
          done(() =>
            fail(
              new BrowserRunError(
                `uncaught error in the page: ${error.stack ?? error.message}`,
                consoleErrors,
              ),
            ),
          ),
        );
        page.on('crash', () => done(() => fail(new BrowserRunError('the page crashed', consoleErrors))));
        page
          .exposeFunction(REPORT_FUNCTION, (reported: PageOutcome) => done(() => settle(reported)))
          .then(() =>
            page.addInitScript(
              ({ name, params }) => {
                (globalThis as unknown as Record<string, unknown>)[name] = params;
              },
              { name: PARAMS_GLOBAL, params: options.params },
            ),
          )
          .then(() => page.goto(`${server.origin}${PAGE_PATH}`))
          .catch((error: unknown) =>
            done(() => fail(new BrowserRunError(`could not open the page: ${String(error)}`, consoleErrors))),
          );
      });
      const pageMs = performance.now() - start;
      if (!outcome.ok) {
        throw new BrowserRunError(`the page failed: ${outcome.stack ?? outcome.message}`, consoleErrors);
      }
      return { value: outcome.value as T, consoleErrors, timings: { bundleMs, launchMs, pageMs } };
    } finally {
      await context.close().catch(() => undefined);
      if (!options.browser) await browser.close();
    }
  } finally {
    await server.close();
  }
}
