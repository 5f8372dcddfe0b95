/**
 * Browser test harness: run TypeScript that imports workspace packages in the system's headless
 * Chromium, from a Vitest test running in Node.
 *
 * - {@link runInBrowser}: bundle an entry, serve it with a static directory, run it in a page,
 *   return what the page reports (the page calls `reportToHarness()` from `./page-harness.js`).
 * - The parts, for other shapes of test (web pages, several pages per browser):
 *   {@link launchBrowser}, {@link bundle}, {@link serveStatic}.
 *
 * Import page-side helpers (`pageParams`, `reportToHarness`) from `tools/browser/page-harness.js`
 * directly in the page's entry, never from this module (which pulls in Node and Playwright).
 * @packageDocumentation
 */
export {
  runInBrowser,
  BrowserRunError,
  type BrowserRun,
  type RunInBrowserOptions,
} from './browser-runner.js';
export {
  launchBrowser,
  ChromiumNotFoundError,
  HEADLESS_CHROMIUM_ARGS,
  DEFAULT_CHROMIUM_PATH,
  type LaunchBrowserOptions,
} from './chromium-launcher.js';
export { bundle, type BundleOptions } from './esbuild-bundler.js';
export {
  serveStatic,
  type ServeStaticOptions,
  type StaticRoute,
  type StaticServer,
} from './static-server.js';
export type { PageOutcome } from './page-harness.js';
