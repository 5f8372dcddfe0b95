// Browser capture in the workbench (issue 16), against a real server (SQLite in a temporary folder,
// the real capture worker rendering a loopback test site in headless Chromium, the real hashing
// pool): a gallery that JavaScript builds is captured with every image and a full-page screenshot;
// the screenshot is blurred and greyscale until revealed (a counted reveal); a URL that failed
// shows what happened as a sentence, and "Capture again" captures it once the site is back.
// Test images are generated here (shapes and a label): benign by construction.
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, startServer, type RunningServer } from '@hashline/server';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser } from '../../../tools/browser/index.js';
import { TEST_PASSWORD, buildWorkbench, screenshotDir } from './support/workbench-harness.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

const PASSWORD = TEST_PASSWORD;
const SCREENSHOTS = screenshotDir('capture');

/** A benign generated JPEG: a coloured tile with a shape and a label. */
async function tile(n: number): Promise<Buffer> {
  const colours = ['#1f5fbf', '#1d7a46', '#a12a2a', '#7a4fb0'];
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="180">
    <rect width="240" height="180" fill="${colours[n % colours.length]}"/>
    <circle cx="${60 + n * 30}" cy="80" r="${30 + n * 5}" fill="#f5c518"/>
    <text x="12" y="168" font-family="sans-serif" font-size="20" fill="#fff">GALLERY TILE ${n + 1}</text>
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer();
}

let server: RunningServer;
let site: Server;
let siteBase: string;
let browser: Browser;
let tiles: Buffer[];
let flakyOnline = false;
let reportId: string;

interface AttemptView {
  jobId: number;
  status: string;
  error: string | null;
  method: string | null;
  mediaFound: number | null;
  screenshot: { sha256: string } | null;
}

/** Signs in over HTTP and calls the workbench API with cookie and CSRF token. */
async function apiSession(username: string) {
  const response = await fetch(`${server.url}/v1/workbench/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  expect(response.status).toBe(200);
  const cookie = response.headers.get('set-cookie')!.split(';')[0]!;
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  return (method: 'GET' | 'POST', path: string) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: {
        cookie,
        ...(method === 'GET' ? {} : { 'x-csrf-token': csrfToken, 'content-type': 'application/json' }),
      },
      ...(method === 'GET' ? {} : { body: '{}' }),
    });
}

async function signInPage(username: string): Promise<Page> {
  const context = await browser.newContext({
    serviceWorkers: 'block',
    viewport: { width: 1280, height: 1000 },
  });
  const page = await context.newPage();
  await page.goto(`${server.url}/workbench`);
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  return page;
}

beforeAll(async () => {
  const webDir = await buildWorkbench('capture');
  tiles = await Promise.all([0, 1, 2].map(tile));
  site = createServer((request, response) => {
    const path = request.url ?? '/';
    if (path === '/gallery') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(
        `<!doctype html><title>Test gallery</title><h1>A gallery built by JavaScript</h1><div id="g"></div>
         <script src="/gallery.js"></script>`,
      );
    } else if (path === '/gallery.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' });
      response.end(`fetch('/photos.json').then((r) => r.json()).then((list) => {
        for (const src of list) { const img = document.createElement('img'); img.src = src; img.style.margin = '8px'; document.getElementById('g').append(img); }
      });`);
    } else if (path === '/photos.json') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(tiles.map((_, i) => `/tile/${i}.jpg`)));
    } else if (/^\/tile\/\d\.jpg$/.test(path)) {
      response.writeHead(200, { 'content-type': 'image/jpeg' });
      response.end(tiles[Number(path.slice(6, 7))]);
    } else if (path === '/flaky' && flakyOnline) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><title>Back</title><p>The page is back.</p><img src="/tile/2.jpg">');
    } else response.writeHead(404, { 'content-type': 'text/plain' }).end('not here');
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteBase = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  const config = loadConfig({
    HASHLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'hashline-capture-test-')),
    HASHLINE_WEB_DIR: webDir,
    HASHLINE_LOG_LEVEL: 'silent',
    PORT: '0',
    HASHLINE_HASHING_THREADS: '1',
    HASHLINE_CAPTURE_ALLOW_LOOPBACK_FOR_TESTS: '1',
    HASHLINE_CAPTURE_POLL_MS: '100',
    HASHLINE_KEEP_MEDIA: '1',
    HASHLINE_EXPOSURE_DAILY_LIMIT: '10',
  });
  server = await startServer({ config, indexWorkers: false, webhooks: false });
  await server.indexLoaded;
  await server.app.hashlineHotline.auth.createAnalyst(
    { username: 'ana', displayName: 'Ana Analyst', role: 'analyst', password: PASSWORD },
    null,
  );
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await new Promise((resolve) => (site ? site.close(resolve) : resolve(undefined)));
});

describe('browser capture in the workbench (issue 16)', () => {
  it('captures a JavaScript-built gallery with a screenshot, blurred until revealed', async () => {
    expect(server.app.hashlineHotline.browser.enabled).toBe(true);
    const reported = await fetch(`${server.url}/v1/public/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({
        urls: [`${siteBase}/gallery`, `${siteBase}/flaky`],
        concerns: ['csam'],
        language: 'en',
      }),
    });
    expect(reported.status).toBe(201);
    const api = await apiSession('ana');
    // Wait until both URLs were captured (their first attempt finished).
    await expect
      .poll(
        async () => {
          const queue = (await (await api('GET', '/v1/workbench/queue')).json()) as {
            items: { reportId: string; urls: { id: number }[] }[];
          };
          const item = queue.items[0];
          if (!item) return 'no report yet';
          reportId = item.reportId;
          const states = await Promise.all(
            item.urls.map(async (u) => {
              const body = (await (
                await api('GET', `/v1/workbench/reports/${reportId}/urls/${u.id}/captures`)
              ).json()) as { attempts: AttemptView[] };
              return body.attempts.at(-1)?.status;
            }),
          );
          return states.join(',');
        },
        { timeout: 180_000, interval: 250 },
      )
      .toBe('done,done');

    const page = await signInPage('ana');
    await page.getByTestId('loopback-banner').waitFor();
    await page.goto(`${server.url}/workbench#/reports/${reportId}`);
    const media = page.getByTestId('media-item');
    await expect.poll(() => media.count(), { timeout: 30_000 }).toBe(3);
    const shot = page.getByTestId('screenshot');
    await shot.waitFor();
    const image = shot.getByTestId('screenshot-image');
    await expect
      .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
      .toBeGreaterThan(0);
    expect(await image.evaluate((el) => getComputedStyle(el).filter)).toContain('blur');
    expect(await page.getByTestId('capture-attempt').first().textContent()).toContain(
      'rendered in the browser',
    );
    await page.screenshot({
      path: join(SCREENSHOTS, 'capture-gallery-screenshot-blurred.png'),
      fullPage: true,
    });

    await shot.getByTestId('screenshot-reveal').click();
    await expect.poll(() => shot.getAttribute('data-revealed')).toBe('true');
    await expect.poll(() => image.evaluate((el) => getComputedStyle(el).filter)).toBe('none');
    await expect
      .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
      .toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('exposure').textContent()).toContain('Revealed today: 1 / 10');
    await page.screenshot({
      path: join(SCREENSHOTS, 'capture-gallery-screenshot-revealed.png'),
      fullPage: true,
    });
  });

  it('shows a failure as a sentence, and "Capture again" captures the page once it is back', async () => {
    const page = await signInPage('ana');
    await page.goto(`${server.url}/workbench#/reports/${reportId}`);
    const flaky = page.getByTestId('report-url').nth(1);
    const error = flaky.getByTestId('capture-error');
    await error.waitFor();
    expect(await error.textContent()).toContain('The site answered with an error');
    expect(await error.textContent()).not.toContain('CAPTURE_');
    flakyOnline = true;
    await flaky.getByTestId('capture-again').click();
    await expect.poll(() => flaky.getByRole('status').textContent()).toContain('Queued');
    // The panel follows the attempt until it finishes, then the report reloads with the new media.
    await expect.poll(() => page.getByTestId('media-item').count(), { timeout: 120_000 }).toBe(4);
    const attempts = page.getByTestId('report-url').nth(1).getByTestId('capture-attempt');
    await expect.poll(() => attempts.count()).toBe(2);
    await expect.poll(() => attempts.nth(1).textContent()).toContain('asked for by');
    expect(await attempts.nth(1).textContent()).toContain('1 new media item(s)');
    await page.screenshot({ path: join(SCREENSHOTS, 'capture-recapture.png'), fullPage: true });
  });
});
