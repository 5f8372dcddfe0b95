// A captured video in the workbench (issue #13 item 4), against a real server (SQLite in a
// temporary folder, the real capture worker, the real hashing pool with FFmpeg in its child
// processes) in the system's headless Chromium: the item is its contact sheet of still frames,
// blurred and greyscale, labelled as a video with its duration and frame count, and never a
// <video> element; Reveal shows the sheet in colour and counts once against the exposure budget.
// The video is FFmpeg's test pattern, made here: benign by construction.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { resolveFfmpegBinaries } from '@hashline/media-node';
import { loadConfig, startServer, type RunningServer } from '@hashline/server';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser } from '../../../tools/browser/index.js';
import { buildWorkbench, screenshotDir, TEST_PASSWORD } from './support/workbench-harness.js';

vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

const run = promisify(execFile);
const PASSWORD = TEST_PASSWORD;
const SCREENSHOTS = screenshotDir('video');

/** Waits until an <img> has decoded (it loaded under the CSP) and returns its natural width. */
async function loadedWidth(image: Locator): Promise<number> {
  await expect
    .poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), {
      timeout: 30_000,
    })
    .toBeGreaterThan(0);
  return image.evaluate((img: HTMLImageElement) => img.naturalWidth);
}

let server: RunningServer;
let site: Server;
let videoUrl: string;
let browser: Browser;

beforeAll(async () => {
  const webDir = await buildWorkbench('video');
  const videoPath = join(mkdtempSync(join(tmpdir(), 'hashline-video-clip-')), 'pattern.mp4');
  // 12 s of FFmpeg's test pattern at 10 fps, 320×240: 12 hashed frames, 9 on the sheet.
  await run(resolveFfmpegBinaries().ffmpeg, [
    '-nostdin',
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240:rate=10:duration=12',
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-pix_fmt',
    'yuv420p',
    videoPath,
  ]);
  const video = readFileSync(videoPath);
  site = createServer((request, response) => {
    if (request.url === '/clip.mp4') {
      response.writeHead(200, { 'content-type': 'video/mp4' });
      response.end(video);
    } else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  // The reported URL is the video itself: its own media, captured without rendering a page.
  videoUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/clip.mp4`;
  const config = loadConfig({
    HASHLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'hashline-video-test-')),
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

describe('a video item in the workbench (issue #13)', () => {
  it('is a blurred greyscale contact sheet labelled with duration and frames, never a player; Reveal counts once', async () => {
    const reported = await fetch(`${server.url}/v1/public/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
      body: JSON.stringify({ urls: [videoUrl], concerns: ['csam'], language: 'en' }),
    });
    expect(reported.status).toBe(201);
    const store = server.app.hashlineHotline.store;
    // Wait until the capture worker has hashed the video and drawn its sheet.
    let reportId = '';
    await expect
      .poll(
        async () => {
          const [item] = await store.listQueue({ limit: 10 });
          if (!item) return 0;
          reportId = item.report.id;
          return (await store.listMedia(reportId)).length;
        },
        { timeout: 180_000, interval: 250 },
      )
      .toBe(1);
    const [media] = await store.listMedia(reportId);
    expect(media).toMatchObject({ mediaType: 'video', storedContent: true, contactSheet: { frames: 9 } });

    const context = await browser.newContext({
      serviceWorkers: 'block',
      viewport: { width: 1280, height: 1000 },
    });
    const page = await context.newPage();
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
        cspViolations.push(message.text());
    });
    await page.goto(`${server.url}/workbench`);
    await page.getByLabel('Username').fill('ana');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    await page.goto(`${server.url}/workbench#/reports/${reportId}`);

    const card = page.locator(`[data-testid="media-item"][data-media-id="${media!.id}"]`);
    await card.waitFor();
    const sheet = card.getByTestId('video-contact-sheet');
    // The blurred greyscale sheet the server drew: 3 × 120 px frames with 2 px between.
    expect(await loadedWidth(sheet)).toBe(364);
    expect(await sheet.getAttribute('src')).toBe(`/v1/workbench/media/${media!.id}/thumbnail`);
    expect(await sheet.evaluate((el) => getComputedStyle(el).filter)).toContain('blur');
    expect(await sheet.getAttribute('alt')).toContain('9 still frames');
    expect(await card.getByTestId('video-label').textContent()).toBe('Video · 0:12 · 9 frames shown');
    // Never a player, on the card or anywhere on the page.
    expect(await page.locator('video').count()).toBe(0);
    await card.screenshot({ path: join(SCREENSHOTS, 'workbench-video-sheet-blurred.png') });

    await card.getByTestId('reveal').click();
    await expect.poll(() => card.getAttribute('data-revealed')).toBe('true');
    await expect.poll(() => sheet.getAttribute('src')).toBe(`/v1/workbench/media/${media!.id}/preview`);
    // The revealed sheet in colour: 3 × 320 px frames with 4 px between.
    expect(await loadedWidth(sheet)).toBe(968);
    await expect.poll(() => sheet.evaluate((el) => getComputedStyle(el).filter)).toBe('none');
    await expect.poll(() => page.getByTestId('exposure').textContent()).toContain('Revealed today: 1 / 10');
    expect(await page.locator('video').count()).toBe(0);
    await card.screenshot({ path: join(SCREENSHOTS, 'workbench-video-sheet-revealed.png') });

    // One reveal for the whole sheet, audited once.
    const reveals = await store.listAudit({
      action: 'media_revealed',
      subjectId: String(media!.id),
      limit: 10,
    });
    expect(reveals).toHaveLength(1);
    expect(cspViolations).toEqual([]);
    await context.close();
  });
});
