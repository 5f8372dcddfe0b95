import { accessSync, constants } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import {
  DomainError,
  isDomainError,
  type FetchedResource,
  type PageRenderer,
  type RenderedMedia,
  type RenderedMediaSource,
  type RenderedPage,
  type SafeFetcher,
} from '@hashline/domain';
import { chromium, type Browser, type BrowserContext, type BrowserServer, type Page } from 'playwright-core';

/** Where Debian's `chromium` package installs its launcher. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';
/** Browser pages rendered at once by default: each is a renderer process, so keep it small. */
export const DEFAULT_BROWSER_PAGES = 2;
/** A page's whole budget (load, settle, scroll, collect, screenshot), in ms. */
export const DEFAULT_PAGE_TIMEOUT_MS = 45_000;
/** The JavaScript heap of a page's renderer, in MiB (V8's old space); past it the renderer dies. */
export const DEFAULT_PAGE_MEMORY_MB = 512;

/**
 * Flags for a quiet, offline headless Chromium: no GPU (software rasterisation, so canvas
 * readbacks do not depend on a driver), no sandbox (containers run as root), and no background
 * traffic (updates, sync, QUIC) that could reach the network or slow the start. The browser tests
 * launch with these too (tools/browser).
 */
export const HEADLESS_CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The capture browser's flags: {@link HEADLESS_CHROMIUM_ARGS}, no extensions or audio, and two
 * walls behind the request routing: every connection the browser would make itself goes to a sink proxy on
 * loopback that drops it, and no host name resolves. Routed requests are answered by the
 * capture's fetcher inside the browser and never reach either.
 */
export function captureChromiumArgs(sinkPort: number, pageMemoryMb: number): string[] {
  return [
    ...HEADLESS_CHROMIUM_ARGS,
    '--disable-extensions',
    '--disable-default-apps',
    '--mute-audio',
    '--autoplay-policy=no-user-gesture-required',
    `--proxy-server=http://127.0.0.1:${sinkPort}`,
    // Chromium sends loopback directly unless told otherwise; "<-loopback>" sends it to the sink too.
    '--proxy-bypass-list=<-loopback>',
    '--host-resolver-rules=MAP * ~NOTFOUND',
    `--js-flags=--max-old-space-size=${pageMemoryMb}`,
  ];
}

/** Options of {@link createBrowserRenderer}. */
export interface BrowserRendererOptions {
  /** Answers every request the browser makes (the capture's SSRF-safe fetcher). */
  readonly fetcher: SafeFetcher;
  /** Chromium executable; default {@link DEFAULT_CHROMIUM_PATH}. */
  readonly executablePath?: string;
  /** Pages rendered at once (a pool); more wait their turn. Default {@link DEFAULT_BROWSER_PAGES}. */
  readonly maxPages?: number;
  /** A page's whole time budget in ms; past it the page is closed (the browser killed if it hangs). */
  readonly pageTimeoutMs?: number;
  /** V8 heap per renderer in MiB. */
  readonly pageMemoryMb?: number;
  /** How long the page must be without a request in flight to count as settled (ms, default 500). */
  readonly quietMs?: number;
  /** The longest wait for a page (or a scroll step) to settle, in ms (default 8 000). */
  readonly settleTimeoutMs?: number;
  /** Scroll steps of one viewport each, for lazy galleries (default 25). */
  readonly maxScrollSteps?: number;
  /** Requests answered per page before the rest are refused (default 400). */
  readonly maxRequestsPerPage?: number;
  /** Media items collected per page (default 50). */
  readonly maxMedia?: number;
  /** The tallest screenshot in CSS pixels; a longer page is cut there (default 12 000). */
  readonly maxScreenshotHeight?: number;
  /** Bytes read from one blob: or data: URL (default 20 MiB). */
  readonly maxInlineBytes?: number;
}

/** The browser capture, with what an operator and the tests need to see of its browser. */
export interface BrowserRenderer extends PageRenderer {
  /**
   * Renders one page; `timeoutMs` replaces the renderer's page budget for this page only (a
   * recapture someone waits for may allow longer than the background worker's pages).
   */
  render(url: string, options?: { readonly timeoutMs?: number }): Promise<RenderedPage>;
  /** The Chromium executable it launches. */
  readonly executablePath: string;
  /** Times the browser was started again after it crashed, hung or was killed. */
  readonly restarts: number;
  /** Connections that reached the sink proxy: requests that escaped the routing (should stay 0). */
  readonly escapedConnections: number;
  /** The running browser's process id, null when none runs. */
  browserPid(): number | null;
  /** Closes the browser and the sink; pages in flight fail. */
  close(): Promise<void>;
}

/** True when `path` is an executable file (Chromium is installed there). */
export function isChromiumInstalled(path: string = DEFAULT_CHROMIUM_PATH): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const MEDIA_TYPE = /^(image\/(?!svg)[a-z0-9.+-]+|video\/[a-z0-9.+-]+)$/;

/**
 * Creates the browser capture: headless Chromium (launched on first use, restarted after a crash
 * or a hang) renders each page in a fresh context with no storage, service workers blocked and
 * every request routed: GET http(s) requests are answered by the capture's {@link SafeFetcher}
 * (so the same address rules, caps and timeouts hold), everything else (other methods, other
 * schemes, WebSockets) is refused. It waits for the page to settle (no request in flight for a
 * quiet period, bounded), scrolls a viewport at a time so lazy galleries load, collects every
 * displayed image and video (img/currentSrc, CSS backgrounds, video src/source/poster, in every
 * frame; blob: and data: bytes read from the page) and takes a full-page PNG screenshot.
 */
export function createBrowserRenderer(options: BrowserRendererOptions): BrowserRenderer {
  return new ChromiumRenderer(options);
}

type Settings = Required<Omit<BrowserRendererOptions, 'fetcher'>>;

class ChromiumRenderer implements BrowserRenderer {
  readonly executablePath: string;
  restarts = 0;
  escapedConnections = 0;
  readonly #fetcher: SafeFetcher;
  readonly #settings: Settings;
  readonly #slots: Semaphore;
  #running: { server: BrowserServer; browser: Browser } | null = null;
  #starting: Promise<{ server: BrowserServer; browser: Browser }> | null = null;
  #sink: { server: Server; port: number } | null = null;
  #started = 0;
  #closed = false;

  constructor(options: BrowserRendererOptions) {
    this.#fetcher = options.fetcher;
    this.#settings = {
      executablePath: options.executablePath ?? DEFAULT_CHROMIUM_PATH,
      maxPages: options.maxPages ?? DEFAULT_BROWSER_PAGES,
      pageTimeoutMs: options.pageTimeoutMs ?? DEFAULT_PAGE_TIMEOUT_MS,
      pageMemoryMb: options.pageMemoryMb ?? DEFAULT_PAGE_MEMORY_MB,
      quietMs: options.quietMs ?? 500,
      settleTimeoutMs: options.settleTimeoutMs ?? 8_000,
      maxScrollSteps: options.maxScrollSteps ?? 25,
      maxRequestsPerPage: options.maxRequestsPerPage ?? 400,
      maxMedia: options.maxMedia ?? 50,
      maxScreenshotHeight: options.maxScreenshotHeight ?? 12_000,
      maxInlineBytes: options.maxInlineBytes ?? 20 * 1024 * 1024,
    };
    for (const key of ['maxPages', 'pageTimeoutMs', 'pageMemoryMb', 'settleTimeoutMs'] as const) {
      const value = this.#settings[key];
      if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${key} must be an integer ≥ 1`);
    }
    this.executablePath = this.#settings.executablePath;
    this.#slots = new Semaphore(this.#settings.maxPages);
  }

  browserPid(): number | null {
    return this.#running?.server.process().pid ?? null;
  }

  async render(url: string, options: { readonly timeoutMs?: number } = {}): Promise<RenderedPage> {
    await this.#slots.acquire();
    try {
      // The document first, outside the browser: its errors are the capture's own (blocked, 404, …).
      const document = await this.#fetcher.fetch(url, 'page');
      if (!isHtml(document.contentType)) {
        return {
          finalUrl: document.finalUrl,
          contentType: document.contentType,
          media: [
            {
              url: document.finalUrl,
              foundIn: 'document',
              contentType: document.contentType,
              bytes: document.bytes,
            },
          ],
          screenshot: null,
          refusedRequests: 0,
        };
      }
      const { browser } = await this.#browser();
      return await this.#renderWithDeadline(
        browser,
        document,
        options.timeoutMs ?? this.#settings.pageTimeoutMs,
      );
    } finally {
      this.#slots.release();
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const running = this.#running ?? (await this.#starting?.catch(() => null)) ?? null;
    this.#running = null;
    if (running) await running.server.close().catch(() => undefined);
    const sink = this.#sink;
    this.#sink = null;
    if (sink) await new Promise<void>((resolve) => sink.server.close(() => resolve()));
  }

  async #renderWithDeadline(
    browser: Browser,
    document: FetchedResource,
    timeoutMs: number,
  ): Promise<RenderedPage> {
    const context = await browser
      .newContext({
        serviceWorkers: 'block',
        acceptDownloads: false,
        javaScriptEnabled: true,
        viewport: { width: 1280, height: 900 },
        // No storage state: a fresh profile per page, thrown away with the context.
      })
      .catch((error: unknown) => {
        throw browserFailed('The capture browser could not open a page', error);
      });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new DomainError(
              'CAPTURE_BROWSER_FAILED',
              `The page did not finish rendering within ${timeoutMs} ms.`,
            ),
          ),
        timeoutMs,
      );
    });
    const work = this.#renderIn(context, document);
    work.catch(() => undefined); // settled below or abandoned after the deadline
    try {
      return await Promise.race([work, deadline]);
    } catch (error) {
      if (isDomainError(error) && error.code.startsWith('CAPTURE_')) throw error;
      throw browserFailed('The capture browser failed', error);
    } finally {
      clearTimeout(timer);
      await this.#closeContext(context);
    }
  }

  /** Closes a page's context; a browser that does not manage it within 5 s is killed and restarted. */
  async #closeContext(context: BrowserContext): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      context.close().then(
        () => true,
        () => true,
      ),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), 5_000);
      }),
    ]);
    clearTimeout(timer);
    if (!closed) this.#kill();
  }

  #kill(): void {
    const running = this.#running;
    this.#running = null;
    if (running) running.server.process().kill('SIGKILL');
  }

  async #renderIn(context: BrowserContext, document: FetchedResource): Promise<RenderedPage> {
    const settings = this.#settings;
    const fetcher = this.#fetcher;
    const answered = new Map<string, FetchedResource>([[document.finalUrl, document]]);
    let inFlight = 0;
    let lastActivity = Date.now();
    let requests = 0;
    let refused = 0;
    const refuse = (): void => {
      refused++;
    };

    await context.routeWebSocket(/.*/, (socket) => {
      refuse();
      void socket.close({ code: 1008, reason: 'not allowed during capture' }).catch(() => undefined);
    });
    await context.route('**/*', async (route) => {
      const request = route.request();
      const url = request.url();
      inFlight++;
      lastActivity = Date.now();
      try {
        if (
          request.method() !== 'GET' ||
          !/^https?:/i.test(url) ||
          ++requests > settings.maxRequestsPerPage
        ) {
          refuse();
          await route.abort('blockedbyclient');
          return;
        }
        let resource = answered.get(url);
        if (resource === undefined) {
          try {
            resource = await fetcher.fetch(url, 'resource');
          } catch {
            refuse();
            await route.abort('blockedbyclient');
            return;
          }
          answered.set(url, resource);
          answered.set(resource.finalUrl, resource);
        }
        if (resource.finalUrl !== url) {
          // The fetcher followed (and vetted) the redirects; the browser learns where it ended.
          await route.fulfill({
            status: 302,
            headers: { location: resource.finalUrl, 'cache-control': 'no-store' },
          });
          return;
        }
        await route.fulfill({
          status: 200,
          contentType: resource.contentType,
          headers: { 'cache-control': 'no-store' },
          body: Buffer.from(resource.bytes.buffer, resource.bytes.byteOffset, resource.bytes.byteLength),
        });
      } catch {
        // The page or context closed while the answer was on its way: nothing to do.
      } finally {
        inFlight--;
        lastActivity = Date.now();
      }
    });

    const page = await context.newPage();
    const crashed = new Promise<never>((_resolve, reject) => {
      page.once('crash', () =>
        reject(new DomainError('CAPTURE_BROWSER_FAILED', 'The page crashed the browser (out of memory?).')),
      );
    });
    crashed.catch(() => undefined);
    const guarded = <T>(promise: Promise<T>): Promise<T> => Promise.race([promise, crashed]);

    /** Waits until no routed request is in flight for the quiet period, at most the settle time. */
    const settle = async (): Promise<void> => {
      const until = Date.now() + settings.settleTimeoutMs;
      while (Date.now() < until) {
        if (inFlight === 0 && Date.now() - lastActivity >= settings.quietMs) return;
        await guarded(page.waitForTimeout(Math.min(50, settings.quietMs)));
      }
    };

    await guarded(
      page
        .goto(document.finalUrl, { waitUntil: 'load', timeout: settings.settleTimeoutMs * 2 })
        .catch((error: unknown) => {
          // A page whose load never fires (a stalled image) is still rendered as it stands.
          if (error instanceof Error && error.name === 'TimeoutError') return null;
          throw error;
        }),
    );
    await settle();
    for (let step = 0; step < settings.maxScrollSteps; step++) {
      const atBottom = await guarded(page.evaluate<boolean>(SCROLL_STEP_SCRIPT));
      await settle();
      if (atBottom) break;
    }
    await guarded(page.evaluate('window.scrollTo(0, 0)'));
    await settle();

    const found: { url: string; foundIn: RenderedMediaSource }[] = [];
    const seen = new Set<string>();
    for (const frame of page.frames()) {
      const items = await guarded(
        frame.evaluate<{ url: string; foundIn: RenderedMediaSource }[]>(COLLECT_MEDIA_SCRIPT).catch(() => []),
      );
      for (const item of items) {
        if (seen.has(item.url)) continue;
        seen.add(item.url);
        found.push(item);
      }
    }

    const media: RenderedMedia[] = [];
    for (const item of found) {
      if (media.length >= settings.maxMedia) break;
      const got = await guarded(this.#mediaBytes(page, item, answered, document.finalUrl));
      if (got !== null) media.push(got);
    }

    const height = await guarded(page.evaluate<number>(PAGE_HEIGHT_SCRIPT));
    const screenshot = await guarded(
      page.screenshot({
        type: 'png',
        fullPage: true,
        animations: 'disabled',
        ...(height > settings.maxScreenshotHeight
          ? { clip: { x: 0, y: 0, width: 1280, height: settings.maxScreenshotHeight } }
          : {}),
      }),
    );
    return {
      finalUrl: document.finalUrl,
      contentType: document.contentType,
      media,
      screenshot: new Uint8Array(screenshot),
      refusedRequests: refused,
    };
  }

  /** The bytes of one displayed item: as the browser got them, or read from the page (blob:, data:). */
  async #mediaBytes(
    page: Page,
    item: { url: string; foundIn: RenderedMediaSource },
    answered: Map<string, FetchedResource>,
    pageUrl: string,
  ): Promise<RenderedMedia | null> {
    if (item.url.startsWith('data:') || item.url.startsWith('blob:')) {
      const inline = await page
        .evaluate<{
          type: string;
          base64: string;
        } | null>(readInlineBytesScript(item.url, this.#settings.maxInlineBytes))
        .catch(() => null);
      if (inline === null) return null;
      const contentType = mediaTypeOf(inline.type);
      if (!MEDIA_TYPE.test(contentType)) return null;
      return {
        url: pageUrl,
        foundIn: item.url.startsWith('data:') ? 'data' : 'blob',
        contentType,
        bytes: new Uint8Array(Buffer.from(inline.base64, 'base64')),
      };
    }
    let resource = answered.get(item.url);
    if (resource === undefined) {
      // Displayed from the memory cache or not requested yet (a poster): fetched the same safe way.
      resource = await this.#fetcher.fetch(item.url, 'media').catch(() => undefined);
      if (resource === undefined) return null;
    }
    if (!MEDIA_TYPE.test(resource.contentType)) return null;
    return {
      url: resource.finalUrl,
      foundIn: item.foundIn,
      contentType: resource.contentType,
      bytes: resource.bytes,
    };
  }

  /** The running browser, launched (or relaunched after a crash) when needed. */
  async #browser(): Promise<{ server: BrowserServer; browser: Browser }> {
    if (this.#closed) throw new DomainError('CAPTURE_BROWSER_FAILED', 'The capture browser is shut down.');
    if (this.#running?.browser.isConnected()) return this.#running;
    if (this.#running) this.#kill();
    this.#starting ??= this.#launch().finally(() => {
      this.#starting = null;
    });
    return this.#starting;
  }

  async #launch(): Promise<{ server: BrowserServer; browser: Browser }> {
    if (!isChromiumInstalled(this.executablePath)) {
      throw new DomainError('CAPTURE_BROWSER_FAILED', `Chromium is not installed at ${this.executablePath}.`);
    }
    const sink = await this.#sinkProxy();
    try {
      const server = await chromium.launchServer({
        executablePath: this.executablePath,
        headless: true,
        host: '127.0.0.1',
        args: captureChromiumArgs(sink.port, this.#settings.pageMemoryMb),
        timeout: 30_000,
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
      const browser = await chromium.connect(server.wsEndpoint(), { timeout: 30_000 });
      const running = { server, browser };
      browser.on('disconnected', () => {
        if (this.#running === running) this.#running = null;
        void server.close().catch(() => undefined);
      });
      if (this.#started++ > 0) this.restarts++;
      this.#running = running;
      return running;
    } catch (error) {
      throw browserFailed('The capture browser did not start', error);
    }
  }

  /** A loopback listener that drops every connection: the browser's proxy, so nothing leaves it. */
  async #sinkProxy(): Promise<{ server: Server; port: number }> {
    if (this.#sink) return this.#sink;
    const server = createServer((socket: Socket) => {
      this.escapedConnections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    server.unref();
    this.#sink = { server, port: (server.address() as AddressInfo).port };
    return this.#sink;
  }
}

// Scripts run in the page, as source text: this package compiles without the DOM's types, and
// text keeps a bundler's helpers out of code that runs in another realm.

/** In the page: one viewport down, two frames later; true at the bottom. */
const SCROLL_STEP_SCRIPT = `(async () => {
  const before = window.scrollY;
  window.scrollBy(0, window.innerHeight);
  await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  const root = document.scrollingElement || document.documentElement;
  return window.scrollY === before || window.scrollY + window.innerHeight >= root.scrollHeight;
})()`;

/** In the page: the document's full height in CSS pixels. */
const PAGE_HEIGHT_SCRIPT = '(document.scrollingElement || document.documentElement).scrollHeight';

/** In each frame: the URL of every image and video it displays, with where it was found. */
const COLLECT_MEDIA_SCRIPT = `(() => {
  const out = [];
  const add = (raw, foundIn) => {
    if (!raw) return;
    try { out.push({ url: new URL(raw, document.baseURI).href, foundIn }); } catch { /* not a URL */ }
  };
  for (const img of Array.from(document.images)) {
    if (!img.complete || img.naturalWidth === 0) continue;
    const picture = img.parentElement && img.parentElement.tagName === 'PICTURE';
    add(img.currentSrc || img.src, img.srcset || picture ? 'srcset' : 'img');
  }
  for (const video of Array.from(document.querySelectorAll('video'))) {
    add(video.currentSrc || video.src, 'video');
    for (const source of Array.from(video.querySelectorAll('source'))) add(source.src, 'video_source');
    add(video.poster, 'video_poster');
  }
  for (const element of Array.from(document.querySelectorAll('*'))) {
    const background = getComputedStyle(element).backgroundImage;
    if (!background || background === 'none') continue;
    for (const match of background.matchAll(/url\\((?:"([^"]*)"|'([^']*)'|([^)]*))\\)/g)) {
      add(match[1] || match[2] || match[3], 'css_background');
    }
  }
  return out;
})()`;

/** In the page: the bytes of a blob: or data: URL it made, base64, or null past the cap. */
function readInlineBytesScript(url: string, maxBytes: number): string {
  return `(async () => {
  const response = await fetch(${JSON.stringify(url)});
  const blob = await response.blob();
  if (blob.size > ${maxBytes}) return null;
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { type: blob.type, base64: btoa(binary) };
})()`;
}

function mediaTypeOf(type: string): string {
  return (type.split(';')[0] ?? '').trim().toLowerCase();
}

function isHtml(contentType: string): boolean {
  return contentType === 'text/html' || contentType === 'application/xhtml+xml';
}

function browserFailed(what: string, error: unknown): DomainError {
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new DomainError('CAPTURE_BROWSER_FAILED', `${what}: ${reason}`);
}

/** At most `size` holders at once; the others wait in arrival order. */
class Semaphore {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next) next();
    else this.#free++;
  }
}
