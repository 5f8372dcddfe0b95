// The capture service with a browser (issue 16), on memory stores with fake adapters: a rendered
// page's media and screenshot (sealed, its SHA-256 in the audit log), the HTTP fallback when the
// browser fails or is missing (the attempt's note says so), recapture with attempts listed, and a
// screenshot blurred until revealed, the reveal counted like any other.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CaptureReviewService,
  CaptureService,
  DomainError,
  ReportIntakeService,
  screenshotSubject,
  type Analyst,
  type CapturedMediaHasher,
  type FetchedResource,
  type PageRenderer,
  type RenderedPage,
  type SafeFetcher,
  type SecretBox,
} from '../../src/index.js';
import { createManualClock, createMemoryHotlineStore } from '../../src/testing/index.js';

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const random = (n: number) => new Uint8Array(n).map(() => Math.floor(Math.random() * 256));
// Marks sealed bytes so a test can tell them apart from plain ones.
const markingBox: SecretBox = {
  sealText: (p, t) => `${p}:${t}`,
  openText: (p, s) => s.slice(p.length + 1),
  sealBytes: (_p, b) => new Uint8Array([0x53, ...b]),
  openBytes: (_p, b) => b.subarray(1),
};
const hasher: CapturedMediaHasher = {
  hashCaptured: async (bytes) => ({
    md5: sha256(bytes).slice(0, 32),
    sha256: sha256(bytes),
    pdq: null,
    pdqQuality: null,
    width: 1280,
    height: 900,
    thumbnail: new Uint8Array([0xff, 0xd8, 1]),
    preview: new Uint8Array([0xff, 0xd8, 2]),
  }),
};
const bytes = (text: string) => new TextEncoder().encode(text);
const PNG = bytes('\x89PNG screenshot of the page');
const resource = (url: string, contentType: string, text: string): FetchedResource => ({
  finalUrl: url,
  status: 200,
  contentType,
  bytes: bytes(text),
  redirects: [url],
  remoteAddress: '192.0.2.10',
});
const analyst: Analyst = {
  id: 'analyst-1',
  username: 'a1',
  displayName: 'Analyst One',
  role: 'analyst',
  passwordHash: 'x',
  totpSecretSealed: null,
  disabled: false,
  createdAt: new Date(0),
  updatedAt: new Date(0),
};

function setup(options: {
  renderer?: PageRenderer | null;
  browserUnavailable?: string;
  fetcher?: SafeFetcher;
}) {
  const clock = createManualClock(Date.UTC(2026, 11, 7, 9));
  const store = createMemoryHotlineStore({ clock, sha256Hex });
  const intake = new ReportIntakeService({ store, clock, random, secrets: markingBox, sha256Hex });
  const fetcher: SafeFetcher = options.fetcher ?? {
    fetch: async (url) =>
      url.endsWith('.jpg')
        ? resource(url, 'image/jpeg', `jpeg at ${url}`)
        : resource(url, 'text/html', '<img src="https://host.example/a.jpg">'),
  };
  const capture = new CaptureService({
    store,
    fetcher,
    extractMedia: (page) =>
      [...new TextDecoder().decode(page).matchAll(/src="([^"]+)"/g)].map((m) => ({
        url: m[1]!,
        foundIn: 'img' as const,
      })),
    tracer: { trace: async () => Promise.reject(new Error('offline')) },
    hasher,
    lookupKnown: async () => null,
    secrets: markingBox,
    clock,
    keepMedia: false,
    ...(options.renderer !== undefined ? { renderer: options.renderer } : {}),
    ...(options.browserUnavailable !== undefined ? { browserUnavailable: options.browserUnavailable } : {}),
  });
  let woken = 0;
  const captures = new CaptureReviewService({
    store,
    clock,
    secrets: markingBox,
    exposure: { dailyLimit: 1, warnAt: 1, breakAfterReveals: 20, breakWindowMinutes: 60 },
    wakeCapture: () => woken++,
  });
  const submit = async (url: string) => {
    await intake.submit({ urls: [url], concerns: ['csam'], language: 'en' }, `key-${url}`);
    const [item] = await store.listQueue({ limit: 10 });
    return { reportId: item!.report.id, urlId: item!.urls[0]!.id };
  };
  return { clock, store, capture, captures, submit, woken: () => woken };
}

/** A browser that shows a gallery a script built: three images, one shown twice. */
const galleryBrowser = (calls: string[] = []): PageRenderer => ({
  render: async (url): Promise<RenderedPage> => {
    calls.push(url);
    return {
      finalUrl: url,
      contentType: 'text/html',
      media: [
        { url: 'https://host.example/1.jpg', foundIn: 'img', contentType: 'image/jpeg', bytes: bytes('one') },
        {
          url: 'https://host.example/bg.jpg',
          foundIn: 'css_background',
          contentType: 'image/jpeg',
          bytes: bytes('bg'),
        },
        { url: url, foundIn: 'blob', contentType: 'image/jpeg', bytes: bytes('blob') },
        {
          url: 'https://host.example/again.jpg',
          foundIn: 'img',
          contentType: 'image/jpeg',
          bytes: bytes('one'),
        },
      ],
      screenshot: PNG,
      refusedRequests: 2,
    };
  },
});

describe('browser capture in the capture service', () => {
  it("records the rendered page's media and its screenshot, sealed, with the SHA-256 in the audit log", async () => {
    const t = setup({ renderer: galleryBrowser() });
    const { reportId, urlId } = await t.submit('https://host.example/gallery');
    expect(await t.capture.runOnce()).toBe(1);
    const media = await t.store.listMedia(reportId);
    expect(media.map((m) => m.sha256)).toEqual([
      sha256(bytes('one')),
      sha256(bytes('bg')),
      sha256(bytes('blob')),
    ]);
    const [attempt] = await t.store.listCaptureAttempts(urlId);
    expect(attempt).toMatchObject({
      status: 'done',
      method: 'browser',
      note: null,
      mediaFound: 3,
      requestedBy: null,
    });
    expect(attempt!.screenshot).toMatchObject({
      sha256: sha256(PNG),
      byteLength: PNG.byteLength,
      storedContent: true,
    });
    // The PNG and the preview are stored sealed; the thumbnail is the server's blurred one.
    expect(Array.from((await t.store.getScreenshotImage(attempt!.jobId, 'original')) ?? [])).toEqual([
      0x53,
      ...PNG,
    ]);
    expect(Array.from((await t.store.getScreenshotImage(attempt!.jobId, 'thumbnail')) ?? [])).toEqual([
      0xff, 0xd8, 1,
    ]);
    const [row] = await t.store.listAudit({ action: 'capture_recorded', limit: 10 });
    expect(row).toMatchObject({
      actor: 'system:capture',
      subjectId: String(attempt!.jobId),
      details: { method: 'browser', media: 3, screenshotSha256: sha256(PNG), reportId, urlId, error: null },
    });
  });

  it('falls back to HTTP capture when the browser fails, and the attempt says so', async () => {
    const t = setup({
      renderer: {
        render: async () => {
          throw new DomainError('CAPTURE_BROWSER_FAILED', 'The page crashed the browser (out of memory?).');
        },
      },
    });
    const { reportId, urlId } = await t.submit('https://host.example/page');
    await t.capture.runOnce();
    expect((await t.store.listMedia(reportId)).map((m) => m.sourceUrl)).toEqual([
      'https://host.example/a.jpg',
    ]);
    const [attempt] = await t.store.listCaptureAttempts(urlId);
    expect(attempt).toMatchObject({ method: 'http', screenshot: null });
    expect(attempt!.note).toBe(
      'The page crashed the browser (out of memory?). Captured over plain HTTP instead.',
    );
  });

  it('without a browser, captures over HTTP with the reason in every attempt', async () => {
    const reason = 'Chromium is not installed at /usr/bin/chromium: captured over plain HTTP.';
    const t = setup({ renderer: null, browserUnavailable: reason });
    const { urlId } = await t.submit('https://host.example/page');
    await t.capture.runOnce();
    expect(await t.store.listCaptureAttempts(urlId)).toMatchObject([
      { method: 'http', note: reason, mediaFound: 1 },
    ]);
  });

  it("keeps the document's own refusal as the outcome (not a browser failure)", async () => {
    const t = setup({
      renderer: {
        render: async () => {
          throw new DomainError('CAPTURE_BLOCKED_ADDRESS');
        },
      },
    });
    const { urlId } = await t.submit('https://inside.example/');
    await t.capture.runOnce();
    expect((await t.store.listUrls((await t.store.listQueue({ limit: 1 }))[0]!.report.id))[0]).toMatchObject({
      captureError: 'CAPTURE_BLOCKED_ADDRESS',
    });
    expect(await t.store.listCaptureAttempts(urlId)).toMatchObject([
      { status: 'done', method: 'browser', error: 'CAPTURE_BLOCKED_ADDRESS', mediaFound: 0 },
    ]);
  });
});

describe('recapture', () => {
  it('queues one attempt at a time, lists the attempts, and records only media not seen before', async () => {
    let online = false;
    const t = setup({
      renderer: null,
      fetcher: {
        fetch: async (url) => {
          if (!online) throw new DomainError('CAPTURE_HTTP_STATUS', 'The host answered with status 404.');
          return url.endsWith('.jpg')
            ? resource(url, 'image/jpeg', `jpeg at ${url}`)
            : resource(url, 'text/html', '<img src="https://host.example/a.jpg">');
        },
      },
    });
    const { reportId, urlId } = await t.submit('https://host.example/gone');
    await t.capture.runOnce();
    expect(await t.store.listCaptureAttempts(urlId)).toMatchObject([
      { status: 'done', mediaFound: 0, error: 'CAPTURE_HTTP_STATUS' },
    ]);

    online = true;
    const first = await t.captures.recapture(analyst, reportId, urlId);
    expect(first).toMatchObject({ created: true, attempt: { status: 'pending', requestedBy: 'analyst-1' } });
    expect(t.woken()).toBe(1);
    // Asking again while it is queued returns the same attempt.
    const again = await t.captures.recapture(analyst, reportId, urlId);
    expect(again).toMatchObject({ created: false, attempt: { jobId: first.attempt.jobId } });
    await t.capture.runOnce();
    expect((await t.store.listUrls(reportId))[0]).toMatchObject({
      accessibility: 'online',
      captureError: null,
    });
    await t.captures.recapture(analyst, reportId, urlId);
    await t.capture.runOnce();
    const attempts = await t.captures.attempts(reportId, urlId);
    expect(attempts.map((a) => [a.requestedBy, a.status, a.mediaFound])).toEqual([
      [null, 'done', 0],
      ['analyst-1', 'done', 1],
      ['analyst-1', 'done', 0], // the same image again: not a second item to assess
    ]);
    expect(await t.store.listMedia(reportId)).toHaveLength(1);
    expect(await t.store.listAudit({ action: 'recapture_requested', limit: 10 })).toHaveLength(2);
  });

  it('refuses a URL of another report', async () => {
    const t = setup({ renderer: null });
    const a = await t.submit('https://host.example/a');
    await expect(t.captures.recapture(analyst, a.reportId, a.urlId + 100)).rejects.toMatchObject({
      code: 'URL_NOT_FOUND',
    });
    await expect(t.captures.recapture(analyst, 'nope', a.urlId)).rejects.toMatchObject({
      code: 'REPORT_NOT_FOUND',
    });
  });
});

describe('the screenshot in the workbench', () => {
  it('is blurred until revealed; a reveal counts against the daily budget and opens the preview', async () => {
    const t = setup({ renderer: galleryBrowser() });
    const { urlId } = await t.submit('https://host.example/gallery');
    await t.capture.runOnce();
    const { jobId } = (await t.store.listCaptureAttempts(urlId))[0]!;
    expect(Array.from(await t.captures.thumbnail(analyst, jobId))).toEqual([0xff, 0xd8, 1]);
    await expect(t.captures.preview(analyst, jobId)).rejects.toMatchObject({ code: 'REVEAL_REQUIRED' });
    const revealed = await t.captures.reveal(analyst, jobId);
    expect(revealed).toMatchObject({ previewAvailable: true, exposure: { today: 1, dailyLimit: 1 } });
    expect(Array.from(await t.captures.preview(analyst, jobId))).toEqual([0xff, 0xd8, 2]);
    // Counted like any reveal: the budget of 1 is used up.
    await expect(t.captures.reveal(analyst, jobId)).rejects.toMatchObject({ code: 'EXPOSURE_LIMIT_REACHED' });
    const reveals = await t.store.listAudit({ action: 'media_revealed', limit: 10 });
    expect(reveals).toMatchObject([
      { actor: 'analyst-1', subjectId: screenshotSubject(jobId), details: { sha256: sha256(PNG) } },
    ]);
  });

  it('after retention, the hash stays and the bytes are gone', async () => {
    const t = setup({ renderer: galleryBrowser() });
    const { reportId, urlId } = await t.submit('https://host.example/gallery');
    await t.capture.runOnce();
    await t.store.purgePersonalData(reportId, t.clock.now());
    const [attempt] = await t.store.listCaptureAttempts(urlId);
    expect(attempt!.screenshot).toMatchObject({ sha256: sha256(PNG), storedContent: false });
    await expect(t.captures.thumbnail(analyst, attempt!.jobId)).rejects.toMatchObject({
      code: 'SCREENSHOT_NOT_FOUND',
    });
  });
});
