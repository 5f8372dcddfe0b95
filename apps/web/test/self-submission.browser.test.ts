// The self-submission page in the system's headless Chromium, against a real server (SQLite in a
// temporary folder) serving the built web app: the privacy proof (no byte of the file leaves the
// device, and a deliberately leaky page is caught), offline hashing, reference vectors, withdrawal,
// the CSP, phone size and keyboard only.
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collapseGrey, fromHex, hammingDistance, pdqRobustVariants, toHex } from '@hashline/pdq';
import { loadConfig, startServer, type RunningServer } from '@hashline/server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchBrowser } from '../../../tools/browser/index.js';
import { PDQ_FIXTURES, REPO_ROOT } from '../../../tools/test-fixtures.js';
import { canaryJpeg, canaryPng, findCanary, type Canary } from './support/canary-images.js';

const WEB_DIST = fileURLToPath(new URL('../dist/index.html', import.meta.url));
// Committed screenshots are refreshed on request only (they change on every run: random images).
const SCREENSHOTS =
  process.env.HASHLINE_UPDATE_SCREENSHOTS === '1'
    ? join(REPO_ROOT, 'docs', 'screenshots')
    : mkdtempSync(join(tmpdir(), 'hashline-screenshots-'));
const CSP =
  "default-src 'self'; connect-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; " +
  "worker-src 'self' blob:; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

// Chromium shares two cores with the rest of the suite in CI: generous limits, no timed asserts.
vi.setConfig({ testTimeout: 90_000 });

async function serve(leaky = false): Promise<RunningServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hashline-web-test-'));
  const config = loadConfig({
    HASHLINE_DATA_DIR: dataDir,
    HASHLINE_LOG_LEVEL: 'silent',
    PORT: '0',
    HASHLINE_HASHING_THREADS: '1',
    ...(leaky ? { HASHLINE_TEST_LEAKY_PAGE: '1' } : {}),
  });
  const server = await startServer({ config, indexWorkers: false, webhooks: false });
  await server.indexLoaded;
  return server;
}

interface Capture {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Every URL, header block, body and WebSocket frame sent, in order. */
  sent(): Promise<{ where: string; data: Buffer }[]>;
  readonly urls: string[];
  /** Bytes of request bodies sent since {@link markSelection}. */
  bodyBytesSinceMark(): number;
  markSelection(): void;
  readonly posts: { url: string; body: Buffer; afterMark: boolean }[];
}

let browser: Browser;
let server: RunningServer;

async function open(
  target: RunningServer,
  path = '/',
  viewport = { width: 1000, height: 900 },
): Promise<Capture> {
  const context = await browser.newContext({ serviceWorkers: 'block', viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const pending: Promise<{ where: string; data: Buffer }[]>[] = [];
  const frames: { where: string; data: Buffer }[] = [];
  const urls: string[] = [];
  const posts: { url: string; body: Buffer; afterMark: boolean }[] = [];
  let marked = false;
  context.on('request', (request) => {
    urls.push(request.url());
    const body = request.postDataBuffer();
    if (body) posts.push({ url: request.url(), body, afterMark: marked });
    const where = `${request.method()} ${request.url()}`;
    pending.push(
      request
        .allHeaders()
        .then((headers) => [
          { where: `${where} (url)`, data: Buffer.from(request.url()) },
          { where: `${where} (headers)`, data: Buffer.from(JSON.stringify(headers)) },
          ...(body ? [{ where: `${where} (body)`, data: body }] : []),
        ]),
    );
  });
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  // Bodies Playwright does not expose (e.g. a Blob or a stream), read through the protocol.
  cdp.on('Network.requestWillBeSent', (event) => {
    if (!event.request.hasPostData || event.request.postDataEntries?.length) return;
    pending.push(
      cdp.send('Network.getRequestPostData', { requestId: event.requestId }).then(
        ({ postData }) => [
          { where: `${event.request.url} (protocol body)`, data: Buffer.from(postData, 'latin1') },
        ],
        () => [],
      ),
    );
  });
  cdp.on('Network.webSocketFrameSent', (event) => {
    const { opcode, payloadData } = event.response;
    frames.push({
      where: 'websocket frame',
      data: Buffer.from(payloadData, opcode === 2 ? 'base64' : 'utf8'),
    });
  });
  const response = await page.goto(`${target.url}${path}`);
  expect(response?.status()).toBe(200);
  // The worker starts with the page and the server's settings load: wait until both are in.
  await page.getByRole('button', { name: 'Choose pictures or videos' }).waitFor();
  await page.waitForLoadState('networkidle');
  return {
    context,
    page,
    urls,
    posts,
    sent: async () => [...(await Promise.all(pending)).flat(), ...frames],
    markSelection: () => {
      marked = true;
    },
    bodyBytesSinceMark: () => posts.filter((p) => p.afterMark).reduce((sum, p) => sum + p.body.length, 0),
  };
}

async function pick(page: Page, files: readonly (Canary | string)[]): Promise<void> {
  const input = page.getByTestId('file-input');
  if (files.every((f) => typeof f === 'string')) await input.setInputFiles(files as string[]);
  else
    await input.setInputFiles(
      (files as Canary[]).map(({ name, mimeType, buffer }) => ({ name, mimeType, buffer })),
    );
}

async function waitHashed(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    (n) =>
      document.querySelectorAll('li.item').length === n &&
      document.querySelectorAll('li.item[data-state="hashing"]').length === 0,
    count,
    { timeout: 60_000 },
  );
}

/** The bank-side robust variants Node computes for an image file (decoded by sharp). */
async function nodeBankVariants(bytes: Uint8Array): Promise<{ kind: string; value: string }[]> {
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const pixels = collapseGrey({ data, width: info.width, height: info.height, channels: 4 });
  return pdqRobustVariants(pixels, 'bank')
    .map((v) => ({ kind: v.name as string, value: toHex(v.hash) }))
    .filter((v) => !/^(0{64}|f{64})$/.test(v.value));
}

async function submit(page: Page): Promise<{ caseNumber: string; pin: string }> {
  await page.getByRole('button', { name: 'Send the codes' }).click();
  const caseNumber = (await page.getByTestId('case-number').textContent())!.replace(/\s/g, '');
  const pin = (await page.getByTestId('pin').textContent())!;
  return { caseNumber, pin };
}

async function matched(target: RunningServer, signalType: string, value: string): Promise<boolean> {
  const response = await fetch(`${target.url}/v1/match`, {
    method: 'POST',
    headers: { authorization: `Bearer ${target.initialAdminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ hashes: [{ signalType, value }] }),
  });
  expect(response.status).toBe(200);
  const { results } = (await response.json()) as { results: { matched: boolean }[] };
  return results[0]!.matched;
}

beforeAll(async () => {
  if (!existsSync(WEB_DIST)) {
    // `npm test` builds every workspace first; a direct vitest run may not have.
    const { build } = await import('vite');
    await build({
      configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)),
      logLevel: 'warn',
    });
  }
  browser = await launchBrowser();
  server = await serve();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('privacy', () => {
  it('sends no 32-byte window of the files, nor their names, only hashes (canary PNG and JPEG)', async () => {
    const files = [await canaryPng(), await canaryJpeg()];
    const c = await open(server);
    c.markSelection();
    await pick(c.page, files);
    await waitHashed(c.page, 2);
    await expect.poll(() => c.page.locator('li[data-state="ready"]').count()).toBe(2);
    await submit(c.page);
    const sent = await c.sent();
    for (const file of files) expect(findCanary(file, sent), file.name).toEqual([]);
    // Schema oracle: the one POST after selection is the submission, with hashes and nothing else.
    const after = c.posts.filter((p) => p.afterMark);
    expect(after.map((p) => new URL(p.url).pathname)).toEqual(['/v1/public/self-submissions']);
    const body = JSON.parse(after[0]!.body.toString()) as {
      caseType: string;
      images: { variants: { kind: string; value: string }[] }[];
    };
    expect(Object.keys(body).sort()).toEqual(['caseType', 'images']);
    for (const image of body.images) {
      expect(Object.keys(image).sort()).toEqual(['md5', 'pdq', 'quality', 'sha256', 'variants']);
      for (const v of image.variants) expect(Object.keys(v).sort()).toEqual(['kind', 'value']);
    }
    // The robust variants computed on the device are Node's for the same pixels (a PNG decodes
    // exactly in both): the server and the page share `pdqRobustVariants`.
    expect(body.images[0]!.variants).toEqual(await nodeBankVariants(files[0]!.buffer));
    expect(c.bodyBytesSinceMark()).toBeLessThan(2048 * files.length);
    // Only this origin.
    for (const url of c.urls) expect(new URL(url).origin).toBe(server.url);
    // Nothing persisted on the device either (no storage, no databases, no service worker).
    expect(
      await c.page.evaluate(async () => ({
        local: localStorage.length,
        session: sessionStorage.length,
        databases: (await indexedDB.databases()).length,
        workers: (await navigator.serviceWorker?.getRegistrations())?.length ?? 0,
      })),
    ).toEqual({ local: 0, session: 0, databases: 0, workers: 0 });
    await c.context.close();
  });

  it('catches a deliberately leaky page (test-only flag): the same check finds the file', async () => {
    const leaky = await serve(true);
    try {
      const file = await canaryJpeg();
      const c = await open(leaky, '/?leak=1');
      await pick(c.page, [file]);
      await waitHashed(c.page, 1);
      await expect.poll(() => c.posts.length, { timeout: 10_000 }).toBeGreaterThan(0);
      const hits = findCanary(file, await c.sent());
      expect(hits.map((h) => h.how)).toContain('raw');
      await c.context.close();
      // Without the server flag, ?leak=1 does nothing.
      const safe = await open(server, '/?leak=1');
      await pick(safe.page, [file]);
      await waitHashed(safe.page, 1);
      expect(findCanary(file, await safe.sent())).toEqual([]);
      await safe.context.close();
    } finally {
      await leaky.close();
    }
  });

  it('serves the page with the exact CSP header', async () => {
    for (const path of ['/', '/self-submission']) {
      const response = await fetch(`${server.url}${path}`);
      expect(response.headers.get('content-security-policy')).toBe(CSP);
    }
  });

  it('hashes with the network cut after the page has loaded', async () => {
    const c = await open(server);
    await c.context.setOffline(true);
    await pick(c.page, [await canaryPng()]);
    await waitHashed(c.page, 1);
    await expect.poll(() => c.page.locator('li[data-state="ready"]').count()).toBe(1);
    await expect.poll(() => c.page.getByTestId('pdq').textContent()).toMatch(/^[0-9a-f]{64}$/);
    await c.context.close();
  });
});

describe('hashes computed in the browser', () => {
  const rows = readFileSync(join(PDQ_FIXTURES, 'vectors.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t'))
    .map(([path, hash, quality]) => ({ path: path!, hash: hash!, quality: Number(quality) }));

  it('equal the reference vectors for pixels512 PNGs', async () => {
    const chosen = rows.filter((_, i) => i % 6 === 0).slice(0, 8);
    const c = await open(server);
    await pick(
      c.page,
      chosen.map((row) => join(PDQ_FIXTURES, 'pixels512', `${row.path.replace(/\//g, '_')}.png`)),
    );
    await waitHashed(c.page, chosen.length);
    const hashes = await c.page.getByTestId('pdq').allTextContents();
    expect(hashes).toEqual(chosen.map((row) => row.hash));
    await c.context.close();
  });

  it('are within 10 bits of the reference for the original JPEGs decoded by Chromium', async () => {
    const jpegs = rows.filter((row) => /\.jpe?g$/i.test(row.path)).slice(0, 10);
    const c = await open(server);
    await pick(
      c.page,
      jpegs.map((row) => join(PDQ_FIXTURES, 'data', row.path)),
    );
    await waitHashed(c.page, jpegs.length);
    const hashes = await c.page.getByTestId('pdq').allTextContents();
    const distances = jpegs.map((row, i) => ({
      path: row.path,
      distance: hammingDistance(fromHex(hashes[i]!), fromHex(row.hash)),
    }));
    console.log(
      `JPEG distances (browser vs reference): ${distances.map((d) => `${d.path} ${d.distance}`).join(', ')}`,
    );
    for (const d of distances) expect(d.distance, d.path).toBeLessThanOrEqual(10);
    await c.context.close();
  });

  it('hash a 12 MP photo (benchmark print, no timed assertion)', async () => {
    const small = await sharp(Buffer.from(Array.from({ length: 48 * 36 * 3 }, (_, i) => (i * 97) % 251)), {
      raw: { width: 48, height: 36, channels: 3 },
    })
      .png()
      .toBuffer();
    const photo = await sharp(small).resize(4000, 3000, { kernel: 'cubic' }).jpeg({ quality: 90 }).toBuffer();
    const c = await open(server);
    const start = Date.now();
    await pick(c.page, [{ name: 'photo.jpg', mimeType: 'image/jpeg', buffer: photo }]);
    await waitHashed(c.page, 1);
    const wall = Date.now() - start;
    const workerMs = Number(await c.page.locator('li.item').getAttribute('data-ms'));
    console.log(
      `12 MP JPEG (4000×3000, ${(photo.length / 1e6).toFixed(1)} MB): hashed in the worker in ${workerMs.toFixed(0)} ms (${wall} ms from pick to shown)`,
    );
    expect(workerMs).toBeGreaterThan(0);
    await c.context.close();
  });
});

describe('videos', () => {
  it('hashes one frame per second with a progress bar, near the vPDQ reference, and submits the frames', async () => {
    const name = 'chair-orig-22-sd-bar';
    const reference = readFileSync(join(PDQ_FIXTURES, 'vpdq-sample-hashes', `${name}.txt`), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(','))
      .map(([, quality, hash, timestamp]) => ({
        quality: Number(quality),
        hash: hash!,
        t: Number(timestamp),
      }));
    const c = await open(server);
    const start = Date.now();
    await pick(c.page, [join(PDQ_FIXTURES, 'vpdq-videos', `${name}.mp4`)]);
    await c.page.locator('li.item progress').waitFor();
    await waitHashed(c.page, 1);
    const wall = Date.now() - start;
    await expect.poll(() => c.page.locator('li.item').getAttribute('data-state')).toBe('ready');
    const lines = (await c.page.getByTestId('vpdq').textContent())!.trim().split('\n');
    const frames = lines
      .map((line) => line.split(','))
      .map(([frame, quality, hash, t]) => ({
        frame: Number(frame),
        quality: Number(quality),
        hash: hash!,
        t: Number(t),
      }));
    // One frame per second of a 22.4 s video, in the vPDQ line format.
    expect(frames.length).toBe(Math.ceil(reference.at(-1)!.t));
    for (const line of lines) expect(line).toMatch(/^\d+,\d+,[0-9a-f]{64},\d+\.\d{3}$/);
    // Numbered as the reference numbers them: the decode index (0, 30, 60… at 30 fps), with its time.
    const kept = readFileSync(join(PDQ_FIXTURES, 'vpdq-sample-hashes', `${name}.txt`), 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(','))
      .filter(([frame]) => Number(frame) % 30 === 0);
    expect(frames.map((f) => f.frame)).toEqual(kept.map(([frame]) => Number(frame)));
    expect(frames.map((f) => f.t.toFixed(3))).toEqual(kept.map(([, , , t]) => t));
    // Each frame against the reference frame nearest in time (Chromium's decoder and scaler
    // versus FFmpeg's): report the distances; most must be within Meta's match threshold.
    const distances = frames.map((f) => {
      const nearest = reference.reduce((a, b) => (Math.abs(b.t - f.t) < Math.abs(a.t - f.t) ? b : a));
      return hammingDistance(fromHex(f.hash), fromHex(nearest.hash));
    });
    console.log(
      `video ${name} (${frames.length} frames, one per second): hashed in ${wall} ms; distances to the reference frame nearest in time: ${distances.join(' ')}`,
    );
    expect(distances.filter((d) => d <= 31).length / distances.length).toBeGreaterThanOrEqual(0.8);

    await submit(c.page);
    const post = c.posts.find((p) => p.url.endsWith('/v1/public/self-submissions'))!;
    const body = JSON.parse(post.body.toString()) as {
      videos: { frames: { pdq: string; frameNumber: number; timestampSeconds: number }[] }[];
    };
    expect(body.videos[0]!.frames.length).toBeGreaterThan(0);
    expect(Object.keys(body.videos[0]!.frames[0]!).sort()).toEqual([
      'frameNumber',
      'pdq',
      'quality',
      'timestampSeconds',
    ]);
    // Stored as one vpdq entry: an image of one of its frames reports the video.
    expect(await matched(server, 'pdq', body.videos[0]!.frames[0]!.pdq)).toBe(true);
    await c.context.close();
  });
});

describe('withdrawal', () => {
  it("a withdrawn case's hashes stop matching on the very next match request", async () => {
    const c = await open(server);
    await pick(c.page, [await canaryJpeg()]);
    await waitHashed(c.page, 1);
    const pdq = (await c.page.getByTestId('pdq').textContent())!;
    const { caseNumber, pin } = await submit(c.page);
    expect(caseNumber).toMatch(/^\d{13}$/);
    expect(await matched(server, 'pdq', pdq)).toBe(true);

    await c.page.getByRole('button', { name: 'My case' }).click();
    await c.page.getByLabel('Case number').fill(caseNumber);
    await c.page.getByLabel('PIN').fill(pin);
    await c.page.getByRole('button', { name: 'Check' }).click();
    await expect.poll(() => c.page.getByTestId('case-status').getAttribute('data-status')).toBe('active');
    c.page.once('dialog', (dialog) => void dialog.accept());
    await c.page.getByRole('button', { name: 'Withdraw the codes' }).click();
    await expect.poll(() => c.page.getByTestId('case-status').getAttribute('data-status')).toBe('withdrawn');
    expect(await matched(server, 'pdq', pdq)).toBe(false);
    await c.context.close();
  });
});

describe('phone size and keyboard only', () => {
  it('completes the flow with the keyboard only at 390×844, with screenshots', async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const c = await open(server, '/self-submission', { width: 390, height: 844 });
    const { page } = c;
    await page.screenshot({ path: join(SCREENSHOTS, 'self-submission-phone.png') });
    const tabTo = async (label: string) => {
      const seen: string[] = [];
      for (let i = 0; i < 30; i++) {
        await page.keyboard.press('Tab');
        const text = await page.evaluate(() => document.activeElement?.textContent ?? '');
        seen.push(text.trim().slice(0, 30));
        if (text.trim() === label) return;
      }
      throw new Error(`Tab never reached "${label}": ${seen.join(' | ')}`);
    };
    // Listen first: Playwright turns on file-chooser interception asynchronously.
    const chooserEvent = page.waitForEvent('filechooser');
    await tabTo('Choose pictures or videos');
    await page.keyboard.press('Enter');
    const chooser = await chooserEvent;
    const file = await canaryPng();
    await chooser.setFiles({ name: file.name, mimeType: file.mimeType, buffer: file.buffer });
    await waitHashed(page, 1);
    await tabTo('Send the codes');
    await page.screenshot({ path: join(SCREENSHOTS, 'self-submission-keyboard.png') });
    await page.keyboard.press('Enter');
    await page.getByTestId('case-number').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'self-submission-receipt.png') });
    // Nothing overflows the phone's width.
    await expect
      .poll(() => page.evaluate(() => document.documentElement.scrollWidth))
      .toBeLessThanOrEqual(390);
    await c.context.close();
  }, 60_000);
});
