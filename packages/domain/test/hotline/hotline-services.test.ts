// The capture and workbench services on memory stores with fake adapters: retries and final
// outcomes of captures, known material, duplicate folding in the queue, exposure budget.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BankService,
  CaptureService,
  DomainError,
  MatchEngine,
  ReportIntakeService,
  WorkbenchService,
  type Analyst,
  type CapturedMediaHasher,
  type ExposurePolicy,
  type FetchedResource,
  type HostTracer,
  type SafeFetcher,
  type SecretBox,
} from '../../src/index.js';
import { createManualClock, createMemoryHotlineStore, createMemoryStore } from '../../src/testing/index.js';

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const random = (n: number) => {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(Math.random() * 256);
  return out;
};
// Reversible, not secret: these tests are about flow, the AES box has its own tests.
const plainBox: SecretBox = {
  sealText: (p, t) => `${p}:${t}`,
  openText: (p, s) => s.slice(p.length + 1),
  sealBytes: (_p, b) => b,
  openBytes: (_p, b) => b,
};
const tracer: HostTracer = {
  trace: async (url) => ({
    host: new URL(url).hostname,
    ipAddress: '192.0.2.10',
    country: 'NL',
    asn: 64500,
    network: 'Example Hosting',
    dataset: 'test',
    datasetDate: '2026-11-01',
    tracedAt: new Date(),
  }),
};
const hasher: CapturedMediaHasher = {
  hashCaptured: async (bytes) => {
    const hex = createHash('sha256').update(bytes).digest('hex');
    return {
      md5: hex.slice(0, 32),
      sha256: hex,
      pdq: null,
      pdqQuality: null,
      width: 10,
      height: 10,
      thumbnail: new Uint8Array([0xff, 0xd8]),
      preview: new Uint8Array([0xff, 0xd8, 0x01]),
    };
  },
};

function setup(
  fetcher: SafeFetcher,
  {
    keepMedia = false,
    exposure = { dailyLimit: 2, warnAt: 1, breakAfterReveals: 2, breakWindowMinutes: 60 },
    mediaHasher = hasher,
  }: { keepMedia?: boolean; exposure?: ExposurePolicy; mediaHasher?: CapturedMediaHasher } = {},
) {
  const clock = createManualClock(Date.UTC(2026, 10, 26, 9));
  const bankStore = createMemoryStore();
  const engine = new MatchEngine(bankStore);
  const banks = new BankService(bankStore, engine);
  const store = createMemoryHotlineStore({ clock, sha256Hex });
  const intake = new ReportIntakeService({ store, clock, random, secrets: plainBox, sha256Hex });
  const capture = new CaptureService({
    store,
    fetcher,
    extractMedia: (page) =>
      [...new TextDecoder().decode(page).matchAll(/src="([^"]+)"/g)].map((m) => ({
        url: m[1]!,
        foundIn: 'img' as const,
      })),
    tracer,
    hasher: mediaHasher,
    lookupKnown: async () => null,
    secrets: plainBox,
    clock,
    keepMedia,
  });
  const workbench = new WorkbenchService({
    store,
    banks,
    clock,
    secrets: plainBox,
    sha256Hex,
    exposure,
    hotlineBank: 'hotline',
    hotlineName: 'Test hotline',
  });
  return { clock, store, intake, capture, workbench, banks };
}

const resource = (url: string, contentType: string, text: string): FetchedResource => ({
  finalUrl: url,
  status: 200,
  contentType,
  bytes: new TextEncoder().encode(text),
  redirects: [url],
  remoteAddress: '192.0.2.10',
});

let keys = 0;
const submit = (intake: ReportIntakeService, urls: string[], extra: Record<string, unknown> = {}) =>
  intake.submit({ urls, concerns: ['csam'], language: 'en', ...extra }, `test-key-${keys++}`);

describe('CaptureService', () => {
  it('records a refused address at once, without retrying', async () => {
    const t = setup({
      fetch: async () => {
        throw new DomainError('CAPTURE_BLOCKED_ADDRESS');
      },
    });
    await submit(t.intake, ['http://10.0.0.1/x']);
    expect(await t.capture.runOnce()).toBe(1);
    const [item] = await t.store.listQueue({ limit: 10 });
    expect(item!.urls[0]).toMatchObject({ accessibility: 'error', captureError: 'CAPTURE_BLOCKED_ADDRESS' });
    expect(await t.store.countCaptureJobs()).toMatchObject({ pending: 0, done: 1 });
  });

  it('retries a timeout with back-off, then records the error after the last attempt', async () => {
    let calls = 0;
    const t = setup({
      fetch: async () => {
        calls++;
        throw new DomainError('CAPTURE_TIMEOUT');
      },
    });
    await submit(t.intake, ['https://slow.example/']);
    for (let round = 0; round < 10; round++) {
      await t.capture.runOnce();
      t.clock.advance(10 * 60_000);
    }
    expect(calls).toBe(5);
    const [item] = await t.store.listQueue({ limit: 10 });
    expect(item!.urls[0]).toMatchObject({ accessibility: 'error', captureError: 'CAPTURE_TIMEOUT' });
  });

  it('captures the media of a page, skipping one that fails, and traces the host', async () => {
    const t = setup({
      fetch: async (url) => {
        if (url.endsWith('/page'))
          return resource(
            url,
            'text/html',
            '<img src="https://cdn.example/a.jpg"><img src="https://cdn.example/broken.jpg"><img src="https://cdn.example/a.jpg">',
          );
        if (url.endsWith('broken.jpg')) throw new DomainError('CAPTURE_HTTP_STATUS');
        return resource(url, 'image/jpeg', 'image-bytes');
      },
    });
    await submit(t.intake, ['https://host.example/page']);
    await t.capture.runOnce();
    const [item] = await t.store.listQueue({ limit: 10 });
    expect(item!.urls[0]).toMatchObject({ accessibility: 'online', trace: { country: 'NL', asn: 64500 } });
    expect(item!.report.status).toBe('triage');
    expect(await t.store.listMedia(item!.report.id)).toHaveLength(1);
  });
});

describe('WorkbenchService', () => {
  const analyst = (id: string): Analyst => ({
    id,
    username: id,
    displayName: id,
    role: 'analyst',
    passwordHash: 'x',
    totpSecretSealed: null,
    disabled: false,
    createdAt: new Date(),
    updatedAt: new Date(),
  });

  it('folds a report whose URLs repeat an earlier one, but never a child in danger', async () => {
    const t = setup({ fetch: async (url) => resource(url, 'image/jpeg', 'same-bytes') });
    await submit(t.intake, ['https://a.example/1']);
    t.clock.advance(1000);
    await submit(t.intake, ['HTTPS://A.EXAMPLE/1#again']);
    t.clock.advance(1000);
    await submit(t.intake, ['https://a.example/1'], { imminentDanger: true });
    t.clock.advance(1000);
    await submit(t.intake, ['https://b.example/other-url-same-image']);
    while ((await t.capture.runOnce()) > 0);
    const queue = await t.workbench.queue();
    expect(queue).toHaveLength(2);
    expect(queue[0]!.report.imminentDanger).toBe(true);
    expect(queue[1]!.duplicates.map((d) => d.reason)).toEqual(['same_url', 'same_media']);
  });

  it('puts the report with the most to assess on top: a failed first capture folds under the duplicate with media', async () => {
    let pageCalls = 0;
    const t = setup({
      fetch: async (url) => {
        if (url.endsWith('/gallery')) {
          // The first capture of the page is refused; a later report of it captures two images.
          if (pageCalls++ === 0) throw new DomainError('CAPTURE_BLOCKED_ADDRESS');
          return resource(
            url,
            'text/html',
            '<img src="https://g.example/1.jpg"><img src="https://g.example/2.jpg">',
          );
        }
        return resource(url, 'image/jpeg', `image ${url}`);
      },
    });
    const first = await submit(t.intake, ['https://g.example/gallery']);
    while ((await t.capture.runOnce()) > 0);
    t.clock.advance(60_000);
    const second = await submit(t.intake, ['https://g.example/gallery']);
    while ((await t.capture.runOnce()) > 0);

    const queue = await t.workbench.queue();
    expect(queue).toHaveLength(1);
    const [row] = queue;
    expect(row!.report.id).toBe(second.reportId);
    expect(row).toMatchObject({ pendingMediaCount: 2, mediaCount: 2, failedCaptures: 0 });
    expect(row!.duplicates).toEqual([
      {
        reportId: first.reportId,
        receivedAt: expect.any(Date),
        reason: 'same_url',
        mediaCount: 0,
        pendingMediaCount: 0,
        failedCaptures: 1,
      },
    ]);
  });

  it('keeps the earliest report on top when its duplicates have no more to assess', async () => {
    const t = setup({ fetch: async (url) => resource(url, 'image/jpeg', 'tie-bytes') });
    const first = await submit(t.intake, ['https://t.example/1']);
    t.clock.advance(1000);
    const second = await submit(t.intake, ['https://t.example/1']);
    while ((await t.capture.runOnce()) > 0);
    const [row] = await t.workbench.queue();
    expect(row!.report.id).toBe(first.reportId);
    expect(row!.duplicates.map((d) => [d.reportId, d.pendingMediaCount])).toEqual([[second.reportId, 1]]);
  });

  it('refuses reveals beyond the daily budget and counts again the next day', async () => {
    const t = setup({ fetch: async (url) => resource(url, 'image/jpeg', 'bytes') }, { keepMedia: true });
    await submit(t.intake, ['https://a.example/img.jpg']);
    await t.capture.runOnce();
    const [item] = await t.store.listQueue({ limit: 10 });
    const [media] = await t.store.listMedia(item!.report.id);
    const ana = analyst('ana');
    expect((await t.workbench.reveal(ana, media!.id)).exposure.today).toBe(1);
    await t.workbench.reveal(ana, media!.id);
    await expect(t.workbench.reveal(ana, media!.id)).rejects.toMatchObject({
      code: 'EXPOSURE_LIMIT_REACHED',
    });
    t.clock.advance(24 * 3600_000);
    expect((await t.workbench.reveal(ana, media!.id)).exposure.today).toBe(1);
  });

  it("counts the break reminder's run: reveals within the configured window, not the whole day", async () => {
    const t = setup(
      { fetch: async (url) => resource(url, 'image/jpeg', 'bytes-break') },
      {
        keepMedia: true,
        exposure: { dailyLimit: 50, warnAt: 40, breakAfterReveals: 3, breakWindowMinutes: 60 },
      },
    );
    await submit(t.intake, ['https://a.example/break.jpg']);
    await t.capture.runOnce();
    const [item] = await t.store.listQueue({ limit: 10 });
    const [media] = await t.store.listMedia(item!.report.id);
    const ana = analyst('ana');
    await t.workbench.reveal(ana, media!.id);
    t.clock.advance(30 * 60_000);
    await t.workbench.reveal(ana, media!.id);
    const third = await t.workbench.reveal(ana, media!.id);
    expect(third.exposure).toEqual({
      today: 3,
      dailyLimit: 50,
      warnAt: 40,
      recent: 3,
      breakAfterReveals: 3,
      breakWindowMinutes: 60,
    });
    // 31 minutes on, the first reveal has left the window; the day still counts all three.
    t.clock.advance(31 * 60_000);
    expect(await t.workbench.exposure(ana)).toMatchObject({ today: 3, recent: 2 });
    // Another analyst's run is their own.
    expect(await t.workbench.exposure(analyst('bo'))).toMatchObject({ today: 0, recent: 0 });
  });

  it('the 30-day exposure page: reveals per day and of illegal material; supervisors see all, an analyst their own', async () => {
    const t = setup(
      {
        fetch: async (url) =>
          url.endsWith('/pair')
            ? resource(
                url,
                'text/html',
                '<img src="https://p.example/1.jpg"><img src="https://p.example/2.jpg">',
              )
            : resource(url, 'image/jpeg', `pair ${url}`),
      },
      {
        keepMedia: true,
        exposure: { dailyLimit: 50, warnAt: 40, breakAfterReveals: 20, breakWindowMinutes: 60 },
      },
    );
    const { reportId } = await submit(t.intake, ['https://p.example/pair']);
    while ((await t.capture.runOnce()) > 0);
    const [first, second] = await t.store.listMedia(reportId!);
    const ana = await t.store.createAnalyst(analyst('ana'));
    const bo = await t.store.createAnalyst(analyst('bo'));
    const senior = await t.store.createAnalyst({ ...analyst('sam'), role: 'senior_analyst' });
    // 31 days ago: outside the page. Then today-2 and today.
    await t.workbench.reveal(ana, first!.id);
    t.clock.advance(29 * 86_400_000);
    await t.workbench.reveal(ana, first!.id);
    await t.workbench.reveal(ana, second!.id);
    await t.workbench.reveal(bo, second!.id);
    t.clock.advance(2 * 86_400_000);
    await t.workbench.reveal(ana, first!.id);
    const body = {
      internationalStatus: 'not_baseline',
      nationalStatus: 'illegal',
      jurisdiction: 'BE',
      ageBand: '14-15',
      sex: 'girls',
      selfGenerated: 'unknown',
      contentOrigin: 'unknown',
      flags: [],
      confidence: 'certain',
    };
    await t.workbench.assess(senior, first!.id, body);

    const all = await t.workbench.exposureHistory(senior);
    const today = new Date(t.clock.now()).toISOString().slice(0, 10);
    const twoDaysAgo = new Date(t.clock.now().getTime() - 2 * 86_400_000).toISOString().slice(0, 10);
    expect(all.to).toBe(today);
    expect(all.analysts.map((a) => a.username)).toEqual(['ana', 'bo', 'sam']);
    const anaHistory = all.analysts[0]!;
    expect(anaHistory.days).toHaveLength(30);
    expect(anaHistory.days[0]!.day).toBe(all.from);
    expect(anaHistory.days.filter((d) => d.reveals > 0)).toEqual([
      { day: twoDaysAgo, reveals: 2, illegal: 1 },
      { day: today, reveals: 1, illegal: 1 },
    ]);
    expect(anaHistory).toMatchObject({ reveals: 3, illegal: 2 });
    expect(all.analysts[1]).toMatchObject({ reveals: 1, illegal: 0 });
    expect(all.analysts[2]).toMatchObject({ reveals: 0, illegal: 0 });

    // An analyst sees their own only, and cannot ask for someone else's.
    const own = await t.workbench.exposureHistory(ana);
    expect(own.analysts.map((a) => a.username)).toEqual(['ana']);
    expect((await t.workbench.exposureHistory(ana, ana.id)).analysts).toHaveLength(1);
    await expect(t.workbench.exposureHistory(ana, bo.id)).rejects.toMatchObject({ code: 'ROLE_REQUIRED' });
    expect((await t.workbench.exposureHistory(senior, bo.id)).analysts.map((a) => a.username)).toEqual([
      'bo',
    ]);
    await expect(t.workbench.exposureHistory(senior, 'nobody')).rejects.toMatchObject({
      code: 'ANALYST_NOT_FOUND',
    });
  });

  it('neither counts nor audits a reveal when no preview is kept: the thumbnail is all there is', async () => {
    const t = setup({ fetch: async (url) => resource(url, 'image/jpeg', 'bytes-kept-not') });
    await submit(t.intake, ['https://a.example/not-kept.jpg']);
    await t.capture.runOnce();
    const [item] = await t.store.listQueue({ limit: 10 });
    const [media] = await t.store.listMedia(item!.report.id);
    expect(media!.storedContent).toBe(false);
    const ana = analyst('ana');
    await expect(t.workbench.reveal(ana, media!.id)).rejects.toMatchObject({ code: 'PREVIEW_NOT_KEPT' });
    expect((await t.workbench.exposure(ana)).today).toBe(0);
    expect(await t.store.listAudit({ action: 'media_revealed', limit: 10 })).toEqual([]);
  });

  it('bulk: one assessment per item, each audited, each still needing a second analyst', async () => {
    const t = setup({
      fetch: async (url) =>
        url.endsWith('/series')
          ? resource(
              url,
              'text/html',
              [1, 2, 3].map((n) => `<img src="https://s.example/${n}.jpg">`).join(''),
            )
          : resource(url, 'image/jpeg', `series ${url}`),
    });
    const { reportId } = await submit(t.intake, ['https://s.example/series']);
    while ((await t.capture.runOnce()) > 0);
    const other = await submit(t.intake, ['https://o.example/one.jpg']);
    while ((await t.capture.runOnce()) > 0);
    const ids = (await t.store.listMedia(reportId!)).map((m) => m.id);
    const [foreign] = await t.store.listMedia(other.reportId!);
    expect(ids).toHaveLength(3);
    for (const id of ['a', 'b']) await t.store.createAnalyst(analyst(id));
    const body = {
      internationalStatus: 'not_baseline',
      nationalStatus: 'illegal',
      jurisdiction: 'BE',
      ageBand: '14-15',
      sex: 'girls',
      selfGenerated: 'unknown',
      contentOrigin: 'unknown',
      flags: [],
      confidence: 'certain',
    };

    // A broken form records nothing at all.
    await expect(
      t.workbench.assessMany(analyst('a'), reportId!, ids, { ...body, confidence: 'maybe' }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(t.workbench.assessMany(analyst('a'), reportId!, [], body)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    expect(await t.store.listAudit({ action: 'assessment_recorded', limit: 10 })).toEqual([]);

    const first = await t.workbench.assessMany(analyst('a'), reportId!, [...ids, foreign!.id], body);
    expect(first.map((r) => [r.mediaId, r.recorded])).toEqual([
      [ids[0], true],
      [ids[1], true],
      [ids[2], true],
      [foreign!.id, false], // not this report's: refused, the others still recorded
    ]);
    for (const r of first)
      if (r.recorded) expect(r.result).toMatchObject({ published: false, awaitingSecondAssessment: true });
    const audited = await t.store.listAudit({ action: 'assessment_recorded', limit: 10 });
    expect(audited.map((e) => [e.actor, e.subjectId, e.details.bulk])).toEqual(
      ids.map((id) => ['a', String(id), 4]),
    );
    expect(await t.banks.listBanks()).toEqual([]); // one analyst alone never publishes

    // The same analyst again: each item refused on its own.
    const again = await t.workbench.assessMany(analyst('a'), reportId!, ids, body);
    expect(again.every((r) => !r.recorded && r.code === 'ALREADY_ASSESSED')).toBe(true);

    // A second analyst, also in bulk: every item now has its four eyes and is published.
    const second = await t.workbench.assessMany(analyst('b'), reportId!, ids, body);
    expect(second.every((r) => r.recorded && r.result.published)).toBe(true);
    expect((await t.store.listAudit({ action: 'assessment_recorded', limit: 20 })).length).toBe(6);
  });

  it('does not publish when two analysts disagree', async () => {
    const t = setup({ fetch: async (url) => resource(url, 'image/jpeg', 'bytes-2') });
    await submit(t.intake, ['https://a.example/img2.jpg']);
    await t.capture.runOnce();
    const [item] = await t.store.listQueue({ limit: 10 });
    const [media] = await t.store.listMedia(item!.report.id);
    for (const id of ['a', 'b']) await t.store.createAnalyst(analyst(id));
    const body = {
      internationalStatus: 'not_baseline',
      nationalStatus: 'illegal',
      jurisdiction: 'BE',
      legalBasis: null,
      severityUk: null,
      industryClassification: null,
      ageBand: 'unknown',
      sex: 'unidentified',
      victimCount: null,
      selfGenerated: 'unknown',
      contentOrigin: 'unknown',
      flags: [],
      confidence: 'uncertain',
      notes: null,
    };
    expect((await t.workbench.assess(analyst('a'), media!.id, body)).awaitingSecondAssessment).toBe(true);
    const second = await t.workbench.assess(analyst('b'), media!.id, {
      ...body,
      nationalStatus: 'not_illegal',
    });
    expect(second).toMatchObject({
      published: false,
      awaitingSecondAssessment: true,
      media: { media: { status: 'assessed' } },
    });
    expect(await t.banks.listBanks()).toEqual([]);
  });

  it('publishes an image with its robust variants: the PDQ entry keeps them (ADR 0021)', async () => {
    const pdq = 'a5'.repeat(32);
    const pdqBankVariants = [
      { kind: 'trim' as const, value: '3c'.repeat(32) },
      { kind: 'crop-c8' as const, value: '5a'.repeat(32) },
    ];
    const t = setup(
      { fetch: async (url) => resource(url, 'image/jpeg', 'bytes-3') },
      {
        mediaHasher: {
          hashCaptured: async (bytes) => ({
            ...(await hasher.hashCaptured(bytes)),
            pdq,
            pdqQuality: 90,
            pdqBankVariants,
          }),
        },
      },
    );
    await submit(t.intake, ['https://a.example/img3.jpg']);
    await t.capture.runOnce();
    const [item] = await t.store.listQueue({ limit: 10 });
    const [media] = await t.store.listMedia(item!.report.id);
    expect(media!.pdqVariants).toEqual(pdqBankVariants);
    for (const id of ['a', 'b']) await t.store.createAnalyst(analyst(id));
    const body = {
      internationalStatus: 'not_baseline',
      nationalStatus: 'illegal',
      jurisdiction: 'BE',
      ageBand: '14-15',
      sex: 'girls',
      selfGenerated: 'unknown',
      contentOrigin: 'unknown',
      flags: [],
      confidence: 'certain',
    };
    await t.workbench.assess(analyst('a'), media!.id, body);
    expect((await t.workbench.assess(analyst('b'), media!.id, body)).published).toBe(true);
    const { entries } = await t.banks.listEntries('hotline', { limit: 10 });
    expect(entries.find((e) => e.signalType === 'pdq')).toMatchObject({
      value: pdq,
      pdqVariants: pdqBankVariants,
    });
  });
});
