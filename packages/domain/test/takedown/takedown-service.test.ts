// The takedown and retention services on memory stores with a fake site (a SafeFetcher that
// answers like the real one, errors included), a recording mailer and a manual clock.
import { createHash, randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  CaptureService,
  DEFAULT_CHECK_SCHEDULE,
  DEFAULT_NOTICE_TEMPLATES,
  DomainError,
  ReportIntakeService,
  RetentionService,
  TakedownService,
  createFetchingProbe,
  removalBucketOf,
  type Analyst,
  type AssessmentInput,
  type FetchedResource,
  type HotlineStore,
  type NoticeEmail,
  type NoticeMailer,
  type SafeFetcher,
  type SecretBox,
  type TakedownSettings,
  type TakedownStore,
} from '../../src/index.js';
import {
  createManualClock,
  createMemoryHotlineStore,
  createMemoryTakedownStore,
  type ManualClock,
} from '../../src/testing/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const sha256Bytes = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const random = (n: number) => new Uint8Array(randomBytes(n));
const plainBox: SecretBox = {
  sealText: (p, t) => `${p}:${t}`,
  openText: (p, s) => s.slice(p.length + 1),
  sealBytes: (_p, b) => b,
  openBytes: (_p, b) => b,
};

/** A benign test site: pages and "images" (bytes of text), or the errors the real fetcher throws. */
class FakeSite implements SafeFetcher {
  readonly pages = new Map<string, FetchedResource | DomainError>();
  fetches = 0;

  serve(url: string, contentType: string, body: string): void {
    this.pages.set(url, {
      finalUrl: url,
      status: 200,
      contentType,
      bytes: new TextEncoder().encode(body),
      redirects: [url],
      remoteAddress: '192.0.2.10',
    });
  }

  fail(url: string, status: number): void {
    this.pages.set(
      url,
      Object.assign(new DomainError('CAPTURE_HTTP_STATUS', `The host answered with status ${status}.`), {
        httpStatus: status,
      }),
    );
  }

  async fetch(url: string): Promise<FetchedResource> {
    this.fetches++;
    const page = this.pages.get(url);
    if (page === undefined)
      throw Object.assign(new DomainError('CAPTURE_HTTP_STATUS', 'The host answered with status 404.'), {
        httpStatus: 404,
      });
    if (page instanceof DomainError) throw page;
    return page;
  }
}

class RecordingMailer implements NoticeMailer {
  readonly sent: NoticeEmail[] = [];
  failNext = 0;

  async send(email: NoticeEmail): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new DomainError('NOTICE_SEND_FAILED', 'The mail server refused the message (code 451).');
    }
    this.sent.push(email);
  }
}

const ILLEGAL: AssessmentInput = {
  internationalStatus: 'not_baseline',
  nationalStatus: 'illegal',
  jurisdiction: 'BE',
  legalBasis: null,
  severityUk: 'B',
  industryClassification: 'B1',
  ageBand: '11-13',
  sex: 'boys',
  victimCount: 1,
  selfGenerated: 'unknown',
  contentOrigin: 'photographic',
  flags: [],
  confidence: 'certain',
  notes: 'analyst note',
};

const extract = (page: Uint8Array) =>
  [...new TextDecoder().decode(page).matchAll(/src="([^"]+)"/g)].map((m) => ({
    url: m[1]!,
    foundIn: 'img' as const,
  }));

interface World {
  clock: ManualClock;
  hotline: HotlineStore;
  takedowns: TakedownStore;
  site: FakeSite;
  mailer: RecordingMailer;
  service: TakedownService;
  intake: ReportIntakeService;
  capture: CaptureService;
  ana: Analyst;
}

function settings(extra: Partial<TakedownSettings> = {}): TakedownSettings {
  return {
    hotlineName: 'Test Hotline',
    defaultLanguage: 'en',
    defaultVia: 'hotline',
    ownCountry: 'BE',
    policeEmail: null,
    contact: 'ntd@hotline.example',
    legalBasis: null,
    messageIdDomain: 'hotline.example',
    schedule: DEFAULT_CHECK_SCHEDULE,
    offlineChecksToConfirm: 1,
    templates: DEFAULT_NOTICE_TEMPLATES,
    ...extra,
  };
}

async function world(extra: Partial<TakedownSettings> = {}): Promise<World> {
  const clock = createManualClock(Date.UTC(2026, 10, 2, 9));
  const hotline = createMemoryHotlineStore({ clock, sha256Hex });
  const takedowns = createMemoryTakedownStore();
  const site = new FakeSite();
  const mailer = new RecordingMailer();
  const intake = new ReportIntakeService({ store: hotline, clock, random, secrets: plainBox, sha256Hex });
  const capture = new CaptureService({
    store: hotline,
    fetcher: site,
    extractMedia: extract,
    tracer: {
      trace: async (url) => ({
        host: new URL(url).hostname,
        ipAddress: '192.0.2.10',
        country: new URL(url).hostname.endsWith('.nl.example') ? 'NL' : 'BE',
        asn: 64500,
        network: 'Example',
        dataset: 'test',
        datasetDate: '2026-11-01',
        tracedAt: clock.now(),
      }),
    },
    hasher: {
      hashCaptured: async (bytes) => ({
        md5: createHash('md5').update(bytes).digest('hex'),
        sha256: sha256Bytes(bytes),
        pdq: null,
        pdqQuality: null,
        width: 1,
        height: 1,
        thumbnail: Uint8Array.from([0xff, 0xd8, 1]),
        preview: Uint8Array.from([0xff, 0xd8, 2]),
      }),
    },
    lookupKnown: async () => null,
    secrets: plainBox,
    clock,
    keepMedia: true,
  });
  const service = new TakedownService({
    store: takedowns,
    hotline,
    mailer,
    probe: createFetchingProbe({ fetcher: site, extractMedia: extract, sha256Bytes }),
    clock,
    random,
    settings: settings(extra),
  });
  const ana: Analyst = {
    id: 'analyst-ana',
    username: 'ana',
    displayName: 'Ana',
    role: 'analyst',
    passwordHash: 'x',
    totpSecretSealed: null,
    disabled: false,
    createdAt: clock.now(),
    updatedAt: clock.now(),
  };
  await hotline.createAnalyst(ana);
  return { clock, hotline, takedowns, site, mailer, service, intake, capture, ana };
}

let keys = 0;
/** A report of one page with an illegal image and a benign logo, captured and assessed. */
async function assessedReport(
  w: World,
  options: { contact?: boolean; assess?: boolean; host?: string } = {},
) {
  const n = keys++;
  const host = options.host ?? 'host.example';
  const page = `https://${host}/p${n}.html`;
  w.site.serve(
    page,
    'text/html',
    `<img src="https://${host}/i${n}.jpg"><img src="https://${host}/logo.png">`,
  );
  w.site.serve(`https://${host}/i${n}.jpg`, 'image/jpeg', `benign test bytes ${n}`);
  w.site.serve(`https://${host}/logo.png`, 'image/png', 'logo bytes');
  const receipt = await w.intake.submit(
    {
      urls: [page],
      concerns: ['csam'],
      language: 'nl',
      description: 'free text that must go',
      ...(options.contact ? { contact: { email: 'parent@example.org' }, consentToContact: true } : {}),
    },
    `service-key-${n}`,
  );
  await w.capture.runOnce(10);
  const report = (await w.hotline.getReportByReceiptHash(sha256Hex(receipt.receiptCode)))!;
  const [url] = await w.hotline.listUrls(report.id);
  const media = await w.hotline.listMedia(report.id);
  const image = media.find((m) => m.sourceUrl.endsWith(`i${n}.jpg`))!;
  if (options.assess !== false) await w.hotline.addAssessment(image.id, w.ana.id, ILLEGAL, w.clock.now());
  return { report, url: url!, image, page, imageUrl: `https://${host}/i${n}.jpg` };
}

describe('TakedownService', () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });

  it('sends the notice in the recipient language with the URLs of the illegal media only, then re-checks until removal', async () => {
    const { report, url, page, imageUrl } = await assessedReport(w, { contact: true });
    const noticeAt = w.clock.now();
    const created = await w.service.create(w.ana, report.id, {
      urlId: url.id,
      recipient: 'abuse@host.example',
      language: 'nl',
    });
    expect(created).toMatchObject({
      status: 'notice_sent',
      sentBy: 'hotline',
      sentTo: 'abuse@host.example',
      noticeSentAt: noticeAt,
      sendAttempts: 1,
      language: 'nl',
    });
    expect(created.nextCheckAt).toEqual(new Date(noticeAt.getTime() + HOUR));
    expect(w.mailer.sent).toHaveLength(1);
    const mail = w.mailer.sent[0]!;
    expect(mail).toMatchObject({ to: 'abuse@host.example', language: 'nl', messageId: created.messageId });
    expect(mail.messageId).toMatch(/^<takedown\.[0-9a-z]{26}@hotline\.example>$/);
    expect(mail.subject).toContain('materiaal van seksueel misbruik van kinderen');
    expect(mail.subject).toContain(created.id);
    expect(mail.text).toContain(page);
    expect(mail.text).toContain(imageUrl);
    expect(mail.text).not.toContain('logo.png');
    expect(mail.text).not.toContain('free text that must go');
    expect(mail.text).not.toContain('parent@example.org');
    expect(mail.text).not.toContain(report.id);
    expect((await w.hotline.getReport(report.id))!.status).toBe('ntd_sent');

    // Nothing is due before the first planned check.
    expect(await w.service.runDue()).toBe(0);
    w.clock.advance(HOUR);
    expect(await w.service.runDue()).toBe(1);
    let current = (await w.takedowns.getTakedown(created.id))!;
    expect(current.checks).toEqual([{ checkedAt: w.clock.now(), result: 'online', detail: 'media_present' }]);
    expect(current.nextCheckAt).toEqual(new Date(noticeAt.getTime() + 6 * HOUR));

    // The host removes the image but keeps the page (and its logo): gone is gone.
    w.site.fail(imageUrl, 404);
    w.clock.set(noticeAt.getTime() + 50 * HOUR);
    expect(await w.service.runDue()).toBe(1);
    current = (await w.takedowns.getTakedown(created.id))!;
    expect(current).toMatchObject({
      status: 'removed',
      removedConfirmedAt: w.clock.now(),
      nextCheckAt: null,
    });
    expect(current.checks.at(-1)).toMatchObject({ result: 'offline', detail: 'media_gone' });
    expect(removalBucketOf(current)).toBe('<=3d');
    // The only takedown of the report is removed: the report is closed, the contact deleted.
    const closed = (await w.hotline.getReport(report.id))!;
    expect(closed).toMatchObject({ status: 'removed_confirmed', closedAt: w.clock.now(), contactId: null });
    const all = await w.hotline.listAudit({ limit: 1000 });
    const audit = all.slice(all.findIndex((e) => e.action === 'takedown_created'));
    expect(audit.map((e) => e.action)).toEqual([
      'takedown_created',
      'takedown_notice_sent',
      'report_status_changed',
      'takedown_checked',
      'takedown_checked',
      'report_status_changed',
      'contact_deleted',
    ]);
    expect(audit[3]).toMatchObject({
      actor: 'system:takedown',
      subjectType: 'takedown',
      subjectId: created.id,
      details: { reportId: report.id, result: 'online' },
    });
    expect(JSON.stringify(audit)).not.toContain('host.example');
  });

  it('refuses bad requests, URLs without illegal media, closed reports and a second open takedown', async () => {
    const { report, url } = await assessedReport(w);
    const bad = await w.service
      .create(w.ana, report.id, {
        urlId: 'x',
        recipient: 'not an address',
        language: 'it',
        via: 'fax',
        extra: 1,
      })
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((bad as DomainError).details.map((d) => d.at).sort()).toEqual([
      '/extra',
      '/language',
      '/recipient',
      '/urlId',
      '/via',
    ]);
    await expect(
      w.service.create(w.ana, report.id, { urlId: 999, recipient: 'abuse@host.example' }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(
      w.service.create(w.ana, 'NOPE', { urlId: url.id, recipient: 'abuse@host.example' }),
    ).rejects.toMatchObject({ code: 'REPORT_NOT_FOUND' });
    const unassessed = await assessedReport(w, { assess: false });
    await expect(
      w.service.create(w.ana, unassessed.report.id, {
        urlId: unassessed.url.id,
        recipient: 'abuse@host.example',
      }),
    ).rejects.toMatchObject({ code: 'TAKEDOWN_NOT_ASSESSED' });
    await w.service.create(w.ana, report.id, { urlId: url.id, recipient: 'abuse@host.example' });
    await expect(
      w.service.create(w.ana, report.id, { urlId: url.id, recipient: 'other@host.example' }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await w.hotline.updateReport(unassessed.report.id, { status: 'closed_not_illegal' });
    await expect(
      w.service.create(w.ana, unassessed.report.id, {
        urlId: unassessed.url.id,
        recipient: 'abuse@host.example',
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(w.mailer.sent).toHaveLength(1);
  });

  it('keeps a failed send pending and retries it with the same Message-ID', async () => {
    const { report, url } = await assessedReport(w);
    w.mailer.failNext = 1;
    const created = await w.service.create(w.ana, report.id, {
      urlId: url.id,
      recipient: 'abuse@host.example',
    });
    expect(created).toMatchObject({
      status: 'pending',
      lastError: 'NOTICE_SEND_FAILED',
      sendAttempts: 1,
      noticeSentAt: null,
    });
    expect(created.nextCheckAt).toEqual(new Date(w.clock.now().getTime() + 5 * 60_000));
    expect(w.mailer.sent).toHaveLength(0);
    expect(await w.service.runDue()).toBe(0);
    w.clock.advance(5 * 60_000);
    expect(await w.service.runDue()).toBe(1);
    const sent = (await w.takedowns.getTakedown(created.id))!;
    expect(sent).toMatchObject({
      status: 'notice_sent',
      sendAttempts: 2,
      lastError: null,
      noticeSentAt: w.clock.now(),
    });
    expect(w.mailer.sent.map((m) => m.messageId)).toEqual([created.messageId]);
    const actions = (await w.hotline.listAudit({ limit: 100 })).map((e) => e.action);
    expect(actions.filter((a) => a.startsWith('takedown_'))).toEqual([
      'takedown_created',
      'takedown_send_failed',
      'takedown_notice_sent',
    ]);
  });

  it('re-sends after a crash between SMTP and the record (lease expired) with the same Message-ID', async () => {
    const { report, url } = await assessedReport(w);
    // A process that dies right after the SMTP server accepted: its send never returns.
    let accepted: () => void = () => {};
    const reached = new Promise<void>((resolve) => (accepted = resolve));
    const dying = new TakedownService({
      store: w.takedowns,
      hotline: w.hotline,
      mailer: {
        send: (mail) => {
          w.mailer.sent.push(mail);
          accepted();
          return new Promise<void>(() => {});
        },
      },
      probe: { check: async () => ({ result: 'error', detail: 'unused' }) },
      clock: w.clock,
      random,
      settings: settings(),
    });
    void dying.create(w.ana, report.id, { urlId: url.id, recipient: 'abuse@host.example' });
    await reached;
    const [left] = await w.takedowns.listTakedowns(report.id);
    expect(left).toMatchObject({ status: 'pending', sendAttempts: 1, noticeSentAt: null });
    // Its lease holds the takedown for 15 minutes; then the scheduler sends it again.
    w.clock.advance(14 * 60_000);
    expect(await w.service.runDue()).toBe(0);
    w.clock.advance(2 * 60_000);
    expect(await w.service.runDue()).toBe(1);
    const sent = (await w.takedowns.getTakedown(left!.id))!;
    expect(sent).toMatchObject({ status: 'notice_sent', sendAttempts: 2 });
    expect(w.mailer.sent.map((m) => m.messageId)).toEqual([left!.messageId, left!.messageId]);
    const notice = (await w.hotline.listAudit({ action: 'takedown_notice_sent', limit: 10 }))[0]!;
    expect(notice.details).toMatchObject({ attempt: 2 });
  });

  it('hands the notice to the police unit in Belgium: mailed to the unit with the referral reference, or only recorded', async () => {
    const police = await world({ defaultVia: 'police', policeEmail: 'child-abuse@police.example' });
    const a = await assessedReport(police);
    const handed = await police.service.create(police.ana, a.report.id, {
      urlId: a.url.id,
      recipient: 'abuse@host.example',
      language: 'fr',
      referralReference: 'PV 2026/123',
    });
    expect(handed).toMatchObject({
      status: 'notice_sent',
      via: 'police',
      sentBy: 'police',
      sentTo: 'child-abuse@police.example',
    });
    expect(police.mailer.sent).toHaveLength(1);
    expect(police.mailer.sent[0]!.to).toBe('child-abuse@police.example');
    expect(police.mailer.sent[0]!.text).toContain('PV 2026/123');
    expect(police.mailer.sent[0]!.text).toContain('abuse@host.example');
    expect(police.mailer.sent[0]!.subject).toContain("Matériel d'abus sexuels sur enfants");

    const recordOnly = await world({ defaultVia: 'police', policeEmail: null });
    const b = await assessedReport(recordOnly);
    const recorded = await recordOnly.service.create(recordOnly.ana, b.report.id, {
      urlId: b.url.id,
      recipient: 'abuse@host.example',
    });
    expect(recorded).toMatchObject({
      status: 'notice_sent',
      sentBy: 'police',
      sentTo: null,
      noticeSentAt: recordOnly.clock.now(),
    });
    expect(recordOnly.mailer.sent).toHaveLength(0);

    // Hosted abroad: the police route is for domestic hosting only; the hotline mails the host.
    const abroad = await assessedReport(recordOnly, { host: 'www.nl.example' });
    const direct = await recordOnly.service.create(recordOnly.ana, abroad.report.id, {
      urlId: abroad.url.id,
      recipient: 'abuse@nl.example',
    });
    expect(direct).toMatchObject({ via: 'hotline', sentBy: 'hotline', sentTo: 'abuse@nl.example' });
    expect(recordOnly.mailer.sent.map((m) => m.to)).toEqual(['abuse@nl.example']);
  });

  it('treats 5xx and timeouts as errors to retry, and 404/410/451 and DNS failures as offline', async () => {
    const probe = createFetchingProbe({ fetcher: w.site, extractMedia: extract, sha256Bytes });
    const target = [
      { sourceUrl: 'https://x.example/i.jpg', sha256: sha256Bytes(new TextEncoder().encode('img')) },
    ];
    w.site.serve('https://x.example/i.jpg', 'image/jpeg', 'img');
    w.site.serve('https://x.example/page', 'text/html', '<img src="https://x.example/i.jpg">');
    expect(await probe.check('https://x.example/page', target)).toEqual({
      result: 'online',
      detail: 'media_present',
    });
    expect(await probe.check('https://x.example/i.jpg', target)).toEqual({
      result: 'online',
      detail: 'media_present',
    });
    expect(await probe.check('https://x.example/page', [])).toEqual({
      result: 'online',
      detail: 'page_reachable',
    });
    for (const [status, result] of [
      [404, 'offline'],
      [410, 'offline'],
      [451, 'offline'],
      [503, 'error'],
      [403, 'error'],
    ] as const) {
      w.site.fail('https://x.example/gone', status);
      expect(await probe.check('https://x.example/gone', target)).toEqual({
        result,
        detail: `http_${status}`,
      });
    }
    w.site.pages.set('https://x.example/dns', new DomainError('CAPTURE_DNS_FAILED'));
    expect(await probe.check('https://x.example/dns', target)).toEqual({
      result: 'offline',
      detail: 'dns_failed',
    });
    w.site.pages.set('https://x.example/slow', new DomainError('CAPTURE_TIMEOUT'));
    expect(await probe.check('https://x.example/slow', target)).toEqual({
      result: 'error',
      detail: 'timeout',
    });
    // The page is there but its image times out: not proof of removal.
    w.site.pages.set('https://x.example/i.jpg', new DomainError('CAPTURE_TIMEOUT'));
    expect(await probe.check('https://x.example/page', target)).toEqual({
      result: 'error',
      detail: 'media_unverified',
    });
    w.site.fail('https://x.example/i.jpg', 404);
    expect(await probe.check('https://x.example/page', target)).toEqual({
      result: 'offline',
      detail: 'media_gone',
    });
  });

  it('checks now on request, refuses when not sent, removed or busy', async () => {
    const { report, url, page } = await assessedReport(w);
    w.mailer.failNext = 1;
    const pending = await w.service.create(w.ana, report.id, {
      urlId: url.id,
      recipient: 'abuse@host.example',
    });
    await expect(w.service.checkNow(w.ana, pending.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(w.service.checkNow(w.ana, 'NOPE')).rejects.toMatchObject({ code: 'TAKEDOWN_NOT_FOUND' });
    w.clock.advance(10 * 60_000);
    await w.service.runDue();
    const online = await w.service.checkNow(w.ana, pending.id);
    expect(online.checks.map((c) => c.result)).toEqual(['online']);
    await w.takedowns.lease(pending.id, w.clock.now(), 60_000);
    await expect(w.service.checkNow(w.ana, pending.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    w.clock.advance(2 * 60_000);
    w.site.fail(page, 410);
    const removed = await w.service.checkNow(w.ana, pending.id);
    expect(removed).toMatchObject({ status: 'removed', removedConfirmedAt: w.clock.now() });
    expect(removalBucketOf(removed)).toBe('same_day');
    await expect(w.service.checkNow(w.ana, pending.id)).rejects.toMatchObject({ code: 'CONFLICT' });
    const audit = await w.hotline.listAudit({ action: 'takedown_checked', limit: 10 });
    expect(audit.map((e) => e.actor)).toEqual([w.ana.id, w.ana.id]);
  });

  it('gives up as not removed when the content is still online after 14 days', async () => {
    const { report, url } = await assessedReport(w);
    const created = await w.service.create(w.ana, report.id, {
      urlId: url.id,
      recipient: 'abuse@host.example',
    });
    let rounds = 0;
    for (let hours = 1; hours <= 14 * 24; hours++) {
      w.clock.set(created.noticeSentAt!.getTime() + hours * HOUR);
      rounds += await w.service.runDue();
    }
    const done = (await w.takedowns.getTakedown(created.id))!;
    expect(rounds).toBe(16);
    expect(done).toMatchObject({ status: 'not_removed', nextCheckAt: null, removedConfirmedAt: null });
    expect(removalBucketOf(done)).toBe('not_removed');
    expect((await w.hotline.getReport(report.id))!.status).toBe('ntd_sent');
  });
});

describe('RetentionService', () => {
  it('deletes personal data N days after closing, audits each deletion, and keeps what statistics need', async () => {
    const w = await world();
    const retention = new RetentionService({ hotline: w.hotline, clock: w.clock, retentionDays: 30 });
    const closed = await assessedReport(w, { contact: true });
    const open = await assessedReport(w, { contact: true });
    const td = await w.service.create(w.ana, closed.report.id, {
      urlId: closed.url.id,
      recipient: 'abuse@host.example',
    });
    w.site.fail(closed.page, 404);
    w.clock.advance(HOUR);
    await w.service.runDue();
    const closedReport = (await w.hotline.getReport(closed.report.id))!;
    expect(closedReport.status).toBe('removed_confirmed');
    // Closing deleted the contact already (storage limitation); the retention job takes the rest.
    const counts = async () => ({
      queue: (await w.hotline.listQueue({ limit: 100 })).length,
      media: (await w.hotline.listMedia(closed.report.id)).map((m) => m.sha256),
      assessments: (await w.hotline.listAssessments(closed.image.id)).map((a) => [
        a.nationalStatus,
        a.ageBand,
        a.severityUk,
      ]),
      buckets: (await w.takedowns.listTakedowns(closed.report.id)).map(removalBucketOf),
      urls: (await w.hotline.listUrls(closed.report.id)).map((u) => u.trace?.country),
    });
    const before = await counts();
    expect(before.buckets).toEqual(['same_day']);

    w.clock.advance(30 * DAY - 2 * HOUR);
    expect(await retention.runOnce()).toEqual({ purged: 0 });
    w.clock.advance(DAY + 2 * HOUR);
    expect(await retention.runOnce()).toEqual({ purged: 1 });
    expect(await retention.runOnce()).toEqual({ purged: 0 });

    const purged = (await w.hotline.getReport(closed.report.id))!;
    expect(purged).toMatchObject({ description: null, contactId: null, status: 'removed_confirmed' });
    for (const m of await w.hotline.listMedia(closed.report.id)) {
      expect(await w.hotline.getThumbnail(m.id)).toBeUndefined();
      expect(await w.hotline.getSealedPreview(m.id)).toBeUndefined();
      expect(m.storedContent).toBe(false);
    }
    expect((await w.hotline.listAssessments(closed.image.id))[0]!.notes).toBeNull();
    expect(await counts()).toEqual(before);
    expect((await w.takedowns.getTakedown(td.id))!.status).toBe('removed');
    // The open report keeps everything.
    const stillOpen = (await w.hotline.getReport(open.report.id))!;
    expect(stillOpen.description).toBe('free text that must go');
    expect(stillOpen.contactId).not.toBeNull();

    const rows = await w.hotline.listAudit({ action: 'retention_deleted', limit: 10 });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor: 'system:retention',
      subjectType: 'report',
      subjectId: closed.report.id,
      details: {
        kinds: 'description,previews,thumbnails,assessment_notes',
        contact: false,
        description: true,
        previews: 2,
        thumbnails: 2,
        assessmentNotes: 1,
        retentionDays: 30,
      },
    });
    expect(JSON.stringify(rows)).not.toContain('free text');
  });

  it('does nothing when switched off (0 days)', async () => {
    const w = await world();
    const { report } = await assessedReport(w);
    await w.hotline.updateReport(report.id, { status: 'closed_not_illegal' });
    w.clock.advance(1000 * DAY);
    const off = new RetentionService({ hotline: w.hotline, clock: w.clock, retentionDays: 0 });
    expect(off.enabled).toBe(false);
    expect(await off.runOnce()).toEqual({ purged: 0 });
    expect((await w.hotline.getReport(report.id))!.description).not.toBeNull();
  });
});
