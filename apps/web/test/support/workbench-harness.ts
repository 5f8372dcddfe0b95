// What the workbench's browser tests share: the production build of the workbench page, the
// screenshot folder, a loopback site serving generated benign images, sign-in over HTTP (outside
// the browser) and sign-in in a fresh browser context. Each test keeps its own server set-up
// (settings differ by what it tests).
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { REPO_ROOT } from '../../../../tools/test-fixtures.js';

/** The password of every analyst the browser tests create. */
export const TEST_PASSWORD = 'correct horse battery staple';

/**
 * Where a test writes its screenshots: docs/screenshots with HASHLINE_UPDATE_SCREENSHOTS=1 (to
 * refresh the committed ones), otherwise a temporary folder (the shots are still taken, so the
 * code path stays tested).
 */
export function screenshotDir(name: string): string {
  return process.env.HASHLINE_UPDATE_SCREENSHOTS === '1'
    ? join(REPO_ROOT, 'docs', 'screenshots')
    : mkdtempSync(join(tmpdir(), `hashline-${name}-screenshots-`));
}

/** Builds only the workbench page into a temporary folder (the other pages are not under test). */
export async function buildWorkbench(name = 'workbench'): Promise<string> {
  const outDir = mkdtempSync(join(tmpdir(), `hashline-${name}-web-`));
  const { build } = await import('vite');
  // Vitest sets NODE_ENV=test, which would build React's development variant (effects run twice,
  // so every view would be audited twice): build what production serves.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: fileURLToPath(new URL('../../vite.config.ts', import.meta.url)),
      logLevel: 'warn',
      build: {
        outDir,
        emptyOutDir: true,
        // A string input replaces the config's three pages with this one.
        rollupOptions: { input: fileURLToPath(new URL('../../workbench.html', import.meta.url)) },
      },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  return outDir;
}

/** A loopback test site: fixed bodies by path, 404 for anything else. */
export interface TestSite {
  readonly server: Server;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  close(): Promise<void>;
}

/** Serves `routes` (path → content type and body) on a loopback port. */
export async function startTestSite(
  routes: ReadonlyMap<string, { readonly type: string; readonly body: Buffer | string }>,
): Promise<TestSite> {
  const server = createServer((request, response) => {
    const route = routes.get(request.url ?? '/');
    if (!route) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': route.type });
    response.end(route.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    server,
    base,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A workbench API session over HTTP: the session cookie and the CSRF token on every call. */
export interface ApiSession {
  call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<Response>;
}

/** Signs in over HTTP (outside the browser) as `username`. */
export async function apiSignIn(
  serverUrl: string,
  username: string,
  password = TEST_PASSWORD,
): Promise<ApiSession> {
  const response = await fetch(`${serverUrl}/v1/workbench/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  expect(response.status).toBe(200);
  const cookie = response.headers.get('set-cookie')!.split(';')[0]!;
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return {
    call: (method, path, body) =>
      fetch(`${serverUrl}${path}`, {
        method,
        headers: {
          cookie,
          ...(method === 'GET' ? {} : { 'x-csrf-token': csrfToken }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
  };
}

/** Options of {@link signInPage}. */
export interface SignInPageOptions {
  readonly username: string;
  readonly password?: string;
  /** The path to open (default `/workbench`). */
  readonly path?: string;
  readonly viewport?: { readonly width: number; readonly height: number };
  readonly locale?: string;
  /** Every context opened, to close after the tests. */
  readonly contexts?: BrowserContext[];
  /** Called with the text of every console error (e.g. to collect CSP violations). */
  readonly onConsoleError?: (text: string) => void;
}

/** A fresh browser context (its own cookies) on the workbench, signed in with the English form. */
export async function signInPage(
  browser: Browser,
  serverUrl: string,
  options: SignInPageOptions,
): Promise<Page> {
  const context = await browser.newContext({
    serviceWorkers: 'block',
    viewport: options.viewport ?? { width: 1280, height: 1000 },
    ...(options.locale ? { locale: options.locale } : {}),
  });
  options.contexts?.push(context);
  const page = await context.newPage();
  if (options.onConsoleError) {
    const report = options.onConsoleError;
    page.on('console', (message) => {
      if (message.type() === 'error') report(message.text());
    });
  }
  const response = await page.goto(`${serverUrl}${options.path ?? '/workbench'}`);
  expect(response?.status()).toBe(200);
  await page.getByLabel('Username').fill(options.username);
  await page.getByLabel('Password').fill(options.password ?? TEST_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return page;
}
