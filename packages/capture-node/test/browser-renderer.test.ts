// The browser capture against loopback pages that build their galleries with JavaScript, load
// images as they scroll into view, play a video, and try to reach other addresses from script.
// Every wait is on a condition (a request the site saw, a process gone), never on a sleep.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ffmpeg from '@ffmpeg-installer/ffmpeg';
import type { FetchedResource, SafeFetcher } from '@hashline/domain';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PDQ_FIXTURES } from '../../../tools/test-fixtures.js';
import { createBrowserRenderer, createSafeFetcher, type BrowserRenderer } from '../src/index.js';
import { codeOf, startTestSite, tableResolver, type Handler, type TestSite } from './support/test-site.js';

const JPEGS = [
  'aaa-orig.jpg',
  'blur-a-lot.jpg',
  'high-contrast.jpg',
  'sharpen-a-lot.jpg',
  'shrink-a-lot.jpg',
].map((name) => readFileSync(join(PDQ_FIXTURES, 'data/bridge-mods', name)));
const SMALL = readFileSync(join(PDQ_FIXTURES, 'data/misc-images/small.jpg'));
const WEE = readFileSync(join(PDQ_FIXTURES, 'data/misc-images/wee.jpg'));
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

const send =
  (contentType: string, body: Buffer | string): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'content-type': contentType }).end(body);
  };
const page = (body: string): Handler =>
  send('text/html; charset=utf-8', `<!doctype html><meta charset="utf-8">${body}`);

let site: TestSite;
let base: string;
let video: Buffer;
let renderer: BrowserRenderer;
/** Requests to `/held.jpg` wait here until the test lets them go. */
const held: (() => void)[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hashline-capture-video-'));
  try {
    execFileSync(ffmpeg.path, [
      '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=10', '-t', '2',
      '-c:v', 'libvpx', '-b:v', '200k', join(dir, 'clip.webm'),
    ]); // prettier-ignore
    video = readFileSync(join(dir, 'clip.webm'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const lazyImages = JPEGS.map((_, i) => `<div class="slot" data-src="/lazy/${i}.jpg"></div>`).join('');
  const routes: Record<string, Handler> = {
    // A gallery with nothing in its HTML: a script asks an API for the photos and builds it.
    '/gallery': page(
      `<title>gallery</title><link rel="stylesheet" href="/gallery.css"><div class="hero"></div>
       <div id="photos"></div><img srcset="/small.jpg 1x, /wee.jpg 2x" alt="">
       <script src="/gallery.js"></script>`,
    ),
    '/gallery.css': send('text/css', '.hero{width:200px;height:100px;background-image:url("/hero.jpg")}'),
    '/gallery.js': send(
      'text/javascript',
      `fetch('/api/photos.json').then((r) => r.json()).then(async (photos) => {
         for (const src of photos) {
           const img = document.createElement('img'); img.src = src; img.width = 120;
           document.getElementById('photos').append(img);
         }
         const bytes = await (await fetch('/raw/blob-source')).arrayBuffer();
         const img = document.createElement('img');
         img.src = URL.createObjectURL(new Blob([bytes], { type: 'image/jpeg' }));
         document.getElementById('photos').append(img);
       });`,
    ),
    '/api/photos.json': send('application/json', JSON.stringify(['/photo/0.jpg', '/photo/1.jpg'])),
    '/photo/0.jpg': send('image/jpeg', JPEGS[0]!),
    '/photo/1.jpg': send('image/jpeg', JPEGS[1]!),
    '/raw/blob-source': send('image/jpeg', JPEGS[2]!),
    '/hero.jpg': send('image/jpeg', JPEGS[3]!),
    '/small.jpg': send('image/jpeg', SMALL),
    '/wee.jpg': send('image/jpeg', WEE),
    // A long page whose images load only when scrolled into view.
    '/lazy': page(
      `<style>.slot{height:1200px}</style>${lazyImages}
       <script>
         const io = new IntersectionObserver((entries) => {
           for (const e of entries) if (e.isIntersecting && !e.target.firstChild) {
             const img = document.createElement('img'); img.src = e.target.dataset.src; e.target.append(img);
           }
         });
         document.querySelectorAll('.slot').forEach((s) => io.observe(s));
       </script>`,
    ),
    ...Object.fromEntries(JPEGS.map((bytes, i) => [`/lazy/${i}.jpg`, send('image/jpeg', bytes)])),
    // A video player built by script, with a poster.
    '/video': page(
      `<div id="player"></div><script>
         const v = document.createElement('video');
         v.muted = true; v.poster = '/poster.jpg'; v.src = '/clip.webm';
         document.getElementById('player').append(v); v.play().catch(() => {});
       </script>`,
    ),
    '/clip.webm': (_req, res) => res.writeHead(200, { 'content-type': 'video/webm' }).end(video),
    '/poster.jpg': send('image/jpeg', JPEGS[4]!),
    '/data-uri': page(`<img src="data:image/jpeg;base64,${WEE.toString('base64')}">`),
    '/direct.jpg': send('image/jpeg', SMALL),
    '/hang': page('<p>before</p><script>while (true) {}</script>'),
    '/held': page('<img src="/held.jpg">'),
    '/held.jpg': (_req, res) => {
      held.push(() => res.writeHead(200, { 'content-type': 'image/jpeg' }).end(SMALL));
    },
    '/memory': page(
      `<script>const keep = []; for (;;) keep.push(new Array(1e6).fill(Math.random()));</script>`,
    ),
  };
  site = await startTestSite(routes);
  base = `http://127.0.0.1:${site.port}`;
  renderer = createBrowserRenderer({
    fetcher: createSafeFetcher({ allowLoopbackForTests: true }),
    pageTimeoutMs: 60_000,
    pageMemoryMb: 64,
  });
}, 60_000);

afterAll(async () => {
  for (const release of held.splice(0)) release();
  await renderer?.close();
  await site?.close();
});

/**
 * A test's deadline: room for a page at the shared renderer's full budget (60 s) plus a browser
 * restart, so on a busy machine a page fails as CAPTURE_BROWSER_FAILED, not as a test timeout.
 */
const PAGE_DEADLINE_MS = 180_000;

const shas = (media: readonly { bytes: Uint8Array }[]): string[] => media.map((m) => sha256(m.bytes));

describe('browser capture', { timeout: PAGE_DEADLINE_MS }, () => {
  test('a gallery built by script: XHR-listed photos, a CSS background, srcset and a blob: image', async () => {
    const result = await renderer.render(`${base}/gallery`);
    const found = new Map(result.media.map((m) => [sha256(m.bytes), m]));
    for (const bytes of [JPEGS[0]!, JPEGS[1]!]) expect(found.get(sha256(bytes))?.foundIn).toBe('img');
    expect(found.get(sha256(JPEGS[3]!))).toMatchObject({
      foundIn: 'css_background',
      url: `${base}/hero.jpg`,
    });
    expect(found.get(sha256(JPEGS[2]!))).toMatchObject({ foundIn: 'blob', contentType: 'image/jpeg' });
    // srcset: the candidate the browser displayed (1x at the default scale), not every candidate.
    expect(found.get(sha256(SMALL))?.foundIn).toBe('srcset');
    expect(found.has(sha256(WEE))).toBe(false);
    // The screenshot is a PNG of the rendered page.
    expect(Buffer.from(result.screenshot!.subarray(0, 8)).toString('hex')).toBe('89504e470d0a1a0a');
    expect(renderer.escapedConnections).toBe(0);
  });

  test('a lazy gallery: scrolling loads every image that appears on the way down', async () => {
    const result = await renderer.render(`${base}/lazy`);
    expect(new Set(shas(result.media))).toEqual(new Set(JPEGS.map(sha256)));
    // Each was requested once, through the capture's fetcher.
    for (let i = 0; i < JPEGS.length; i++) {
      expect(site.seen.filter((r) => r.path === `/lazy/${i}.jpg`)).toHaveLength(1);
    }
  });

  test('a video the page plays, with its poster', async () => {
    const result = await renderer.render(`${base}/video`);
    const byUrl = new Map(result.media.map((m) => [m.url, m]));
    expect(byUrl.get(`${base}/clip.webm`)).toMatchObject({ foundIn: 'video', contentType: 'video/webm' });
    expect(sha256(byUrl.get(`${base}/clip.webm`)!.bytes)).toBe(sha256(video));
    expect(byUrl.get(`${base}/poster.jpg`)?.foundIn).toBe('video_poster');
  });

  test('a data: image is read from the page; a direct image link is its own media, not rendered', async () => {
    const inline = await renderer.render(`${base}/data-uri`);
    expect(inline.media.map((m) => [m.foundIn, sha256(m.bytes)])).toEqual([['data', sha256(WEE)]]);
    const direct = await renderer.render(`${base}/direct.jpg`);
    expect(direct.screenshot).toBeNull();
    expect(direct.media.map((m) => m.foundIn)).toEqual(['document']);
  });

  test("the document's own errors stay the capture's errors", async () => {
    expect(await codeOf(renderer.render(`${base}/missing`))).toBe('CAPTURE_HTTP_STATUS');
    expect(await codeOf(renderer.render('http://10.0.0.1/'))).toBe('CAPTURE_BLOCKED_ADDRESS');
  });
});

describe('the browser never connects anywhere itself', { timeout: PAGE_DEADLINE_MS }, () => {
  let canaries: { server: Server; port: number; host: string; connections: number }[] = [];

  beforeAll(async () => {
    canaries = await Promise.all(
      ['127.0.0.1', '127.0.0.2'].map(async (host) => {
        const canary = { server: createServer(), port: 0, host, connections: 0 };
        canary.server.on('connection', (socket) => {
          canary.connections++;
          socket.destroy();
        });
        await new Promise<void>((resolve) => canary.server.listen(0, host, resolve));
        canary.port = (canary.server.address() as AddressInfo).port;
        return canary;
      }),
    );
  });
  afterAll(async () => {
    await Promise.all(canaries.map((c) => new Promise((resolve) => c.server.close(resolve))));
  });

  test('script on a public page reaching for loopback ports, private and metadata addresses is refused', async () => {
    const targets = [
      ...canaries.flatMap((c) => [`http://${c.host}:${c.port}/`, `http://localhost:${c.port}/`]),
      'http://10.0.0.1/',
      'http://192.168.1.1/',
      'http://169.254.169.254/latest/meta-data/',
      `http://[::ffff:127.0.0.1]:${canaries[0]!.port}/`,
    ];
    const canaryWs = `ws://127.0.0.1:${canaries[0]!.port}/`;
    const html = `<!doctype html><title>public page</title><p>hello</p>
      <iframe src="${targets[0]}"></iframe><img src="${targets[1]}">
      <link rel="prefetch" href="${targets[2]}">
      <script>
        for (const t of ${JSON.stringify(targets)}) fetch(t).catch(() => {});
        fetch('/form', { method: 'POST', body: 'x' }).catch(() => {});
        navigator.sendBeacon('${targets[0]}', 'x');
        try { new WebSocket('${canaryWs}'); } catch {}
      </script>`;
    // The page looks public (the document comes from memory); everything else goes through the
    // real fetcher with production rules: no loopback switch, and names resolved from a table.
    const real = createSafeFetcher({ resolver: tableResolver({ localhost: ['127.0.0.1'] }) });
    const fetcher: SafeFetcher = {
      fetch: (url, purpose) =>
        url === 'http://public.example/escape'
          ? Promise.resolve<FetchedResource>({
              finalUrl: url,
              status: 200,
              contentType: 'text/html',
              bytes: new TextEncoder().encode(html),
              redirects: [url],
              remoteAddress: '192.0.2.10',
            })
          : real.fetch(url, purpose),
    };
    const isolated = createBrowserRenderer({ fetcher });
    try {
      const result = await isolated.render('http://public.example/escape');
      expect(result.screenshot).not.toBeNull();
      expect(result.refusedRequests).toBeGreaterThanOrEqual(targets.length + 2);
      expect(isolated.escapedConnections).toBe(0);
    } finally {
      await isolated.close();
    }
    expect(canaries.map((c) => c.connections)).toEqual([0, 0]);
  });
});

describe(
  'a browser that crashes, hangs or runs out of memory is replaced',
  { timeout: PAGE_DEADLINE_MS },
  () => {
    test('killed mid-page: that page fails as CAPTURE_BROWSER_FAILED, the next one renders in a new browser', async () => {
      const before = renderer.restarts;
      const rendering = codeOf(renderer.render(`${base}/held`));
      // Wait until the browser is really on the page (it asked for the held image), then kill it.
      await expect.poll(() => held.length, { timeout: 30_000, interval: 20 }).toBeGreaterThan(0);
      const pid = renderer.browserPid()!;
      process.kill(pid, 'SIGKILL');
      expect(await rendering).toBe('CAPTURE_BROWSER_FAILED');
      for (const release of held.splice(0)) release();
      const next = await renderer.render(`${base}/data-uri`);
      expect(next.media).toHaveLength(1);
      expect(renderer.restarts).toBe(before + 1);
      expect(renderer.browserPid()).not.toBe(pid);
    });

    test('a page that never yields is cut off at its time limit and does not stall the next page', async () => {
      const quick = createBrowserRenderer({
        fetcher: createSafeFetcher({ allowLoopbackForTests: true }),
        pageTimeoutMs: 5_000,
        maxPages: 1,
      });
      try {
        expect(await codeOf(quick.render(`${base}/hang`))).toBe('CAPTURE_BROWSER_FAILED');
        // The next page gets the slot; its own budget is generous, so a busy machine cannot make
        // an ordinary page miss the 5 s meant for the hanging one.
        const next = await quick.render(`${base}/data-uri`, { timeoutMs: 60_000 });
        expect(next.media).toHaveLength(1);
      } finally {
        await quick.close();
      }
    });

    test('a page past its memory limit fails alone', async () => {
      expect(await codeOf(renderer.render(`${base}/memory`))).toBe('CAPTURE_BROWSER_FAILED');
      expect((await renderer.render(`${base}/data-uri`)).media).toHaveLength(1);
    });

    test('without Chromium the renderer says so with CAPTURE_BROWSER_FAILED', async () => {
      const missing = createBrowserRenderer({
        fetcher: createSafeFetcher({ allowLoopbackForTests: true }),
        executablePath: '/nonexistent/chromium',
      });
      expect(await codeOf(missing.render(`${base}/gallery`))).toBe('CAPTURE_BROWSER_FAILED');
      await missing.close();
    });
  },
);
