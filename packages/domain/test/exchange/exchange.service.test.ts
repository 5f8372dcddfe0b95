// The exchange service between two hotlines on memory stores: A forwards, B receives through a
// client that hands the JSON over as the HTTP adapter would. Outcomes, idempotency, referrals,
// report statuses, audit rows and the partner's assessment beside B's own capture.
import { describe, expect, it } from 'vitest';
import {
  DomainError,
  ExchangeService,
  type ExchangeDelivery,
  type ExchangeMessage,
  type ExchangePartner,
  type PartnerExchangeClient,
  type ReferralStore,
} from '../../src/index.js';
import { createMemoryExchangeStore, createMemoryReferralStore } from '../../src/testing/index.js';
import {
  analyst,
  captured,
  capturedReport,
  confirmIllegal,
  hotlineFixture,
  plainBox,
  random,
  sha256Hex,
  type HotlineFixture,
} from './exchange-fixtures.js';

const PARTNER_TOKEN = 'partner-token-0123456789';

async function twoHotlines(options: { referrals?: ReferralStore; partners?: ExchangePartner[] } = {}) {
  const a = await hotlineFixture();
  const b = await hotlineFixture();
  const serviceOf = (
    f: HotlineFixture,
    client: PartnerExchangeClient,
    partners: ExchangePartner[],
    sender: { name: string; country: string },
    referrals?: ReferralStore,
  ) =>
    new ExchangeService({
      store: f.store,
      exchanges: createMemoryExchangeStore(),
      ...(referrals ? { referrals } : {}),
      client,
      partners,
      sender,
      clock: f.clock,
      random,
      secrets: plainBox,
      sha256Hex,
    });
  const sent: { body: string; key: string; token: string }[] = [];
  // What B answers; a test may make the next answers fail.
  const failures: ExchangeDelivery[] = [];
  const client: PartnerExchangeClient = {
    async deliver(target, message: ExchangeMessage, key) {
      const body = JSON.stringify(message);
      sent.push({ body, key, token: target.token });
      const failure = failures.shift();
      if (failure) return failure;
      const receipt = await receiver.receive('partner-key-a', JSON.parse(body));
      return { delivered: true, receiptReference: receipt.receiptReference, attempts: 1 };
    },
  };
  const receiver = serviceOf(b, client, [], { name: 'Offlimits', country: 'NL' });
  const partners = options.partners ?? [
    { country: 'NL', name: 'Offlimits', baseUrl: 'https://offlimits.example', token: PARTNER_TOKEN },
    { country: 'DE', name: 'eco', email: 'hotline@eco.example' },
  ];
  const senderService = serviceOf(
    a,
    client,
    partners,
    { name: 'Child Focus', country: 'BE' },
    options.referrals,
  );
  return { a, b, sender: senderService, receiver, sent, failures };
}

/** A report on A with one confirmed item at an NL-hosted URL. */
async function confirmedReport(a: HotlineFixture) {
  const { reportId, media, urlIds } = await capturedReport(
    a,
    [
      {
        url: 'https://img.example.nl/gallery',
        country: 'NL',
        media: [captured('shared-1'), captured('pending-1')],
      },
    ],
    { description: 'seen on a forum by Jan' },
  );
  const confirmed = [...media.values()].find((m) => m.sourceUrl.endsWith('/shared-1.jpg'))!;
  await confirmIllegal(a, confirmed);
  return { reportId, confirmed, urlIds };
}

const ana = analyst('ana');

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  return error as DomainError;
}

describe('ExchangeService.forward', () => {
  it('refuses unknown partners, partners without an API, malformed bodies and reports with nothing confirmed', async () => {
    const { a, sender, sent } = await twoHotlines();
    const { reportId } = await confirmedReport(a);
    expect((await refusal(sender.forward(ana, reportId, { partner: 'FR' }))).code).toBe('PARTNER_NOT_FOUND');
    expect((await refusal(sender.forward(ana, reportId, { partner: 'DE' }))).code).toBe(
      'PARTNER_API_NOT_CONFIGURED',
    );
    expect((await refusal(sender.forward(ana, reportId, { partner: 'NL', extra: 1 }))).code).toBe(
      'VALIDATION_FAILED',
    );
    expect((await refusal(sender.forward(ana, 'NO-SUCH-REPORT', { partner: 'NL' }))).code).toBe(
      'REPORT_NOT_FOUND',
    );
    const pendingOnly = await capturedReport(a, [
      { url: 'https://x.example.nl/', country: 'NL', media: [captured('only-pending')] },
    ]);
    expect((await refusal(sender.forward(ana, pendingOnly.reportId, { partner: 'offlimits' }))).code).toBe(
      'NOTHING_TO_EXCHANGE',
    );
    expect(sent).toHaveLength(0);
    expect(sender.partners()).toEqual([
      { country: 'NL', name: 'Offlimits', exchangeApi: true },
      { country: 'DE', name: 'eco', exchangeApi: false },
    ]);
  });

  it('delivers the case, records the receipt, marks the report forwarded and audits it', async () => {
    const { a, b, sender, sent } = await twoHotlines();
    const { reportId, confirmed } = await confirmedReport(a);
    const exchange = await sender.forward(ana, reportId, { partner: 'nl' });
    expect(exchange).toMatchObject({
      reportId,
      partnerCountry: 'NL',
      partnerName: 'Offlimits',
      status: 'delivered',
      attempts: 1,
      urlCount: 1,
      mediaCount: 1,
      lastError: null,
    });
    expect(exchange.receiptReference).toMatch(/^HL-/);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.key).toBe(exchange.id);
    expect(sent[0]!.token).toBe(PARTNER_TOKEN);
    const message = JSON.parse(sent[0]!.body) as ExchangeMessage;
    expect(message.reference).toBe(exchange.id);
    expect(message.reference).not.toBe(reportId);
    expect(message.media.map((m) => m.sha256)).toEqual([confirmed.sha256]);
    expect(sent[0]!.body).not.toContain('Jan');
    expect((await a.store.getReport(reportId))!.status).toBe('forwarded');
    const audit = await a.store.listAudit({ limit: 100 });
    const sentRow = audit.find((e) => e.action === 'exchange_sent')!;
    expect(sentRow).toMatchObject({
      actor: 'ana',
      subjectId: reportId,
      details: { outcome: 'delivered', partner: 'Offlimits', exchangeId: exchange.id, media: 1 },
    });
    expect(JSON.stringify(sentRow.details)).not.toContain(PARTNER_TOKEN);
    expect(audit.some((e) => e.action === 'report_status_changed' && e.details.to === 'forwarded')).toBe(
      true,
    );
    // B has the case once.
    const queue = await b.store.listQueue({ limit: 10 });
    expect(queue).toHaveLength(1);
    expect(queue[0]!.report).toMatchObject({
      channel: 'iccam_incoming',
      reporterType: 'other_hotline',
      partnerReference: `Child Focus:${exchange.id}`,
      description: null,
      contactId: null,
    });
  });

  it('resends under the same exchange id, and the partner makes no second case', async () => {
    const { a, b, sender, sent } = await twoHotlines();
    const { reportId } = await confirmedReport(a);
    const first = await sender.forward(ana, reportId, { partner: 'NL' });
    const second = await sender.forward(analyst('bert'), reportId, { partner: 'Offlimits' });
    expect(second.id).toBe(first.id);
    expect(second.receiptReference).toBe(first.receiptReference);
    expect(second.attempts).toBe(2);
    expect(sent.map((s) => s.key)).toEqual([first.id, first.id]);
    expect(await b.store.listQueue({ limit: 10 })).toHaveLength(1);
    expect(await sender.outgoing(ana, reportId)).toEqual([second]);
  });

  it('records a failed delivery, refuses with EXCHANGE_DELIVERY_FAILED, and succeeds on the next try', async () => {
    const { a, b, sender, failures } = await twoHotlines();
    const { reportId } = await confirmedReport(a);
    failures.push({ delivered: false, attempts: 3, error: 'http_503' });
    const error = await refusal(sender.forward(ana, reportId, { partner: 'NL' }));
    expect(error.code).toBe('EXCHANGE_DELIVERY_FAILED');
    expect(error.message).toContain('http_503');
    const [failed] = await sender.outgoing(ana, reportId);
    expect(failed).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastError: 'http_503',
      receiptReference: null,
    });
    expect((await a.store.getReport(reportId))!.status).not.toBe('forwarded');
    expect(
      (await a.store.listAudit({ limit: 100 })).find((e) => e.action === 'exchange_sent')!.details,
    ).toMatchObject({ outcome: 'failed', error: 'http_503' });
    expect(await b.store.listQueue({ limit: 10 })).toHaveLength(0);
    const retried = await sender.forward(ana, reportId, { partner: 'NL' });
    expect(retried).toMatchObject({ id: failed!.id, status: 'delivered', attempts: 4, lastError: null });
  });

  it('updates the referral to the partner with the receipt, or records one', async () => {
    const referrals = createMemoryReferralStore();
    const { a, sender } = await twoHotlines({ referrals });
    const { reportId, urlIds } = await confirmedReport(a);
    const exchange = await sender.forward(ana, reportId, { partner: 'NL' });
    const [referral] = await referrals.listReferrals(reportId);
    expect(referral).toMatchObject({
      target: 'inhope_hotline_via_iccam',
      targetCountry: 'NL',
      targetName: 'Offlimits',
      basis: 'hosted_abroad_inhope',
      actionable: 'referral',
      status: 'acknowledged',
      externalRef: exchange.receiptReference,
      urlIds,
      createdBy: 'ana',
    });
    expect(referral!.sentAt).toEqual(a.clock.now());
    const actions = (await a.store.listAudit({ limit: 100 })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['referral_created', 'referral_sent', 'exchange_sent']));
  });

  it('sends only the URLs of an existing referral to that partner', async () => {
    const referrals = createMemoryReferralStore();
    const { a, sender, sent } = await twoHotlines({ referrals });
    const { reportId, media, urlIds } = await capturedReport(a, [
      { url: 'https://one.example.nl/', country: 'NL', media: [captured('r-1')] },
      { url: 'https://two.example.de/', country: 'DE', media: [captured('r-2')] },
    ]);
    for (const m of media.values()) await confirmIllegal(a, m);
    await referrals.createReferral({
      id: 'REF1',
      reportId,
      target: 'inhope_hotline_via_iccam',
      targetName: 'Offlimits',
      targetCountry: 'NL',
      basis: 'hosted_abroad_inhope',
      actionable: 'referral',
      createdAt: a.clock.now(),
      createdBy: 'ana',
      urlIds: [urlIds[0]!],
    });
    await sender.forward(ana, reportId, { partner: 'NL' });
    const message = JSON.parse(sent[0]!.body) as ExchangeMessage;
    expect(message.urls.map((u) => u.url)).toEqual(['https://one.example.nl/']);
    expect((await referrals.getReferral('REF1'))!.status).toBe('acknowledged');
  });
});

describe('ExchangeService.receive', () => {
  it('makes one report per sender reference, with capture jobs, audited once', async () => {
    const { a, b, sender, receiver, sent } = await twoHotlines();
    const { reportId } = await confirmedReport(a);
    await sender.forward(ana, reportId, { partner: 'NL' });
    const body = JSON.parse(sent[0]!.body) as unknown;
    const replay = await receiver.receive('partner-key-a', body);
    expect(replay.replayed).toBe(true);
    const [item] = await b.store.listQueue({ limit: 10 });
    expect(replay.reportId).toBe(item!.report.id);
    expect(item!.urls.map((u) => u.url)).toEqual(['https://img.example.nl/gallery']);
    expect(item!.report).toMatchObject({
      concerns: ['csam'],
      priority: 1,
      status: 'received',
      anonymous: true,
    });
    expect(await b.store.countCaptureJobs()).toMatchObject({ pending: 1 });
    const received = (await b.store.listAudit({ limit: 100 })).filter(
      (e) => e.action === 'exchange_received',
    );
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      actor: 'api-key:partner-key-a',
      subjectId: item!.report.id,
      details: { sender: 'Child Focus', senderCountry: 'BE', urls: 1, media: 1 },
    });
    // The same reference with another key: refused, and its receipt is not given away.
    expect((await refusal(receiver.receive('another-key', body))).code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await b.store.listQueue({ limit: 10 })).toHaveLength(1);
    // Issue 15: a resend may carry a new sentAt, but another body under the same reference is
    // refused instead of answered with the first receipt (its content would be silently dropped).
    const message = body as { sentAt: string; urls: { url: string }[] };
    const restamped = { ...message, sentAt: new Date(Date.parse(message.sentAt) + 60_000).toISOString() };
    expect((await receiver.receive('partner-key-a', restamped)).replayed).toBe(true);
    const changed = { ...message, urls: [{ ...message.urls[0]!, url: 'https://img.example.nl/other' }] };
    const refused = await refusal(receiver.receive('partner-key-a', changed));
    expect(refused.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(refused.message).toMatch(/other content/);
    const [kept] = await b.store.listQueue({ limit: 10 });
    expect(kept!.urls.map((u) => u.url)).toEqual(['https://img.example.nl/gallery']);
  });

  it('refuses a malformed message with pointers and stores nothing', async () => {
    const { b, receiver } = await twoHotlines();
    const error = await refusal(
      receiver.receive('k', {
        version: 1,
        sender: { name: 'X', country: 'NL' },
        reference: 'r',
        sentAt: '2026-11-26T10:00:00Z',
        concerns: ['csam'],
        urls: [{ url: 'ftp://x' }],
        media: [{ md5: 'no' }],
      }),
    );
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.details.map((d) => d.at)).toEqual(
      expect.arrayContaining(['/urls/0/url', '/media/0/md5', '/media/0/sha256']),
    );
    expect(await b.store.listQueue({ limit: 10 })).toHaveLength(0);
  });

  it("shows the partner's assessment beside the media B captured itself", async () => {
    const { a, b, sender, receiver } = await twoHotlines();
    const { reportId } = await confirmedReport(a);
    await sender.forward(ana, reportId, { partner: 'NL' });
    const [item] = await b.store.listQueue({ limit: 10 });
    const bReport = item!.report.id;
    expect((await receiver.partnerAssessments(bReport))!.items[0]!.matches).toEqual([]);
    // B captures the URL itself: the same image (same bytes), and a re-encoded one (same PDQ, other bytes).
    const [job] = await b.store.claimCaptureJobs(new Date(b.clock.now().getTime() + 1000), 10, 60_000);
    const stored = await b.store.completeCapture(job!.id, {
      accessibility: 'online',
      capturedAt: b.clock.now(),
      captureError: null,
      trace: null,
      media: [
        captured('shared-1'),
        captured('reencoded', { pdq: captured('shared-1').pdq }),
        captured('unrelated'),
      ],
    });
    const view = (await receiver.partnerAssessments(bReport))!;
    expect(view).toMatchObject({
      senderName: 'Child Focus',
      senderCountry: 'BE',
      urls: [{ url: 'https://img.example.nl/gallery' }],
    });
    expect(view.items).toHaveLength(1);
    expect(view.items[0]).toMatchObject({
      url: 'https://img.example.nl/gallery',
      classification: { industry: 'B2', uk: 'B', baseline: false },
      summary: { nationalStatus: 'illegal', jurisdiction: 'BE', assessedBy: 2, ageBand: '14-15' },
    });
    const byId = new Map(stored.map((m) => [m.id, m.sourceUrl]));
    expect(view.items[0]!.matches.map((m) => [byId.get(m.mediaId), m.by, m.distance])).toEqual([
      ['https://img.example.org/shared-1.jpg', 'sha256', 0],
      ['https://img.example.org/reencoded.jpg', 'pdq', 0],
    ]);
    expect(await receiver.partnerAssessments(reportId)).toBeNull();
  });
});
