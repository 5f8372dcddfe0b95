// The exchange message: what the builder puts in (confirmed and known items only, summaries,
// nothing personal) and what the parser lets through (strict, capped, hashes validated).
import { describe, expect, it } from 'vitest';
import {
  DomainError,
  MAX_EXCHANGE_MEDIA,
  buildExchangeMessage,
  isForwardable,
  parseExchangeMessage,
  type ExchangeMessage,
  type MediaItem,
} from '../../src/index.js';
import {
  capturedReport,
  captured,
  confirmIllegal,
  hotlineFixture,
  illegal,
  pdqOf,
} from './exchange-fixtures.js';

const sender = { name: 'Child Focus', country: 'BE' };
const sentAt = new Date(Date.UTC(2026, 10, 26, 10));

/** A report on two URLs (NL and unknown host) with confirmed, pending, not-illegal and known items. */
async function sourceReport() {
  const f = await hotlineFixture();
  const known = captured('known', {
    knownMatch: {
      source: 'iwf',
      bankName: 'iwf-list',
      entryId: 7,
      signalType: 'pdq',
      distance: 4,
      classification: { industry: 'A1', uk: 'A' },
    },
  });
  const { reportId, media } = await capturedReport(
    f,
    [
      {
        url: 'https://host.example.nl/gallery',
        country: 'NL',
        media: [captured('confirmed'), captured('pending'), captured('lowq', { pdqQuality: 30 })],
      },
      { url: 'https://other.example.com/page', country: null, media: [known, captured('not-illegal')] },
    ],
    { description: 'I saw this on a forum, my name is Jan', imminentDanger: true },
  );
  const m = (seed: string) => [...media.values()].find((x) => x.sourceUrl.endsWith(`/${seed}.jpg`))!;
  await confirmIllegal(
    f,
    m('confirmed'),
    { ageBand: '11-13', sex: 'girls', flags: ['viral'], internationalStatus: 'baseline' },
    { ageBand: '7-10', sex: 'boys', flags: ['physical_harm'], selfGenerated: 'no' },
  );
  await confirmIllegal(f, m('lowq'));
  await f.store.addAssessment(m('pending').id, 'ana', illegal(), f.clock.now());
  await f.store.addAssessment(
    m('not-illegal').id,
    'ana',
    illegal({ nationalStatus: 'not_illegal' }),
    f.clock.now(),
  );
  await f.store.addAssessment(
    m('not-illegal').id,
    'bert',
    illegal({ nationalStatus: 'not_illegal' }),
    f.clock.now(),
  );
  await f.store.setMediaStatus(m('not-illegal').id, 'assessed');
  const report = (await f.store.getReport(reportId))!;
  const urls = await f.store.listUrls(reportId);
  const items = await f.store.listMedia(reportId);
  const withAssessments = await Promise.all(
    items.map(async (x) => ({ media: x, assessments: await f.store.listAssessments(x.id) })),
  );
  return { f, report, urls, media: withAssessments, m };
}

describe('buildExchangeMessage', () => {
  it('forwards confirmed and known items only, at the URLs they were found, with summaries', async () => {
    const { report, urls, media, m } = await sourceReport();
    const message = buildExchangeMessage({ report, urls, media }, { sender, reference: 'EXREF1', sentAt });
    expect(message).toMatchObject({
      version: 1,
      sender,
      reference: 'EXREF1',
      sentAt: '2026-11-26T10:00:00.000Z',
      concerns: ['csam'],
      imminentDanger: true,
    });
    expect(message.urls.map((u) => u.url)).toEqual([
      'https://host.example.nl/gallery',
      'https://other.example.com/page',
    ]);
    expect(message.urls[0]!.trace).toEqual({
      ipAddress: '192.0.2.44',
      country: 'NL',
      asn: 64500,
      network: 'Example Hosting B.V.',
      dataset: 'test-geo',
      datasetDate: '2026-11-01',
      tracedAt: '2026-11-26T09:00:00.000Z',
    });
    expect(message.media.map((i) => i.sha256)).toEqual([
      m('confirmed').sha256,
      m('lowq').sha256,
      m('known').sha256,
    ]);
    const [confirmed, lowq, known] = message.media;
    expect(confirmed).toEqual({
      urlIndex: 0,
      mediaType: 'image',
      md5: m('confirmed').md5,
      sha256: m('confirmed').sha256,
      pdq: pdqOf('confirmed'),
      pdqQuality: 90,
      classification: { industry: 'B2', uk: 'B', baseline: false },
      knownMaterial: false,
      assessment: {
        // Baseline only when every assessor said so; the youngest band; both sexes seen; flags of anyone.
        internationalStatus: 'not_baseline',
        nationalStatus: 'illegal',
        jurisdiction: 'BE',
        ageBand: '7-10',
        sex: 'both',
        selfGenerated: 'unknown',
        contentOrigin: 'photographic',
        flags: ['physical_harm', 'viral'],
        assessedBy: 2,
      },
    });
    expect(lowq).toMatchObject({ pdq: null, pdqQuality: null, knownMaterial: false });
    expect(known).toEqual({
      urlIndex: 1,
      mediaType: 'image',
      md5: m('known').md5,
      sha256: m('known').sha256,
      pdq: pdqOf('known'),
      pdqQuality: 90,
      classification: { industry: 'A1', uk: 'A' },
      knownMaterial: true,
      assessment: null,
    });
  });

  it('never carries the report text, notes, analysts, legal basis, thumbnails or bytes', async () => {
    const { report, urls, media } = await sourceReport();
    const text = JSON.stringify(
      buildExchangeMessage({ report, urls, media }, { sender, reference: 'EXREF1', sentAt }),
    );
    for (const secret of [
      'forum',
      'Jan',
      'PRIVATE NOTE',
      'ana',
      'bert',
      'Analyst',
      '417/44',
      'thumbnail',
      'receipt',
      report.id,
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/\/9j\/|iVBORw0KGgo/); // base64 of JPEG and PNG starts
  });

  it('limits the URLs to a referral when one is given', async () => {
    const { report, urls, media, m } = await sourceReport();
    const message = buildExchangeMessage(
      { report, urls, media, urlIds: [urls[0]!.id] },
      { sender, reference: 'R', sentAt },
    );
    expect(message.urls.map((u) => u.url)).toEqual(['https://host.example.nl/gallery']);
    expect(message.media.map((i) => i.sha256)).toEqual([m('confirmed').sha256, m('lowq').sha256]);
  });

  it('says which items are forwardable', () => {
    const base = {
      status: 'pending_assessment',
      previouslyAssessed: false,
      knownMatch: null,
    } as unknown as MediaItem;
    expect(isForwardable(base)).toBe(false);
    expect(isForwardable({ ...base, status: 'assessed' })).toBe(false);
    expect(isForwardable({ ...base, status: 'published' })).toBe(true);
    expect(
      isForwardable({
        ...base,
        status: 'previously_assessed',
        previouslyAssessed: true,
        knownMatch: {} as never,
      }),
    ).toBe(true);
  });

  it('writes what the parser reads back unchanged', async () => {
    const { report, urls, media } = await sourceReport();
    const message = buildExchangeMessage({ report, urls, media }, { sender, reference: 'EXREF1', sentAt });
    expect(parseExchangeMessage(JSON.parse(JSON.stringify(message)))).toEqual(message);
  });
});

/** A valid message to break field by field. */
function valid(): ExchangeMessage & Record<string, unknown> {
  return {
    version: 1,
    sender: { name: 'Offlimits', country: 'NL' },
    reference: 'X7K2:case-1',
    sentAt: '2026-11-26T10:00:00+01:00',
    concerns: ['csam'],
    imminentDanger: false,
    urls: [
      {
        url: 'https://img.example.be/a',
        siteType: 'image_host',
        trace: {
          ipAddress: '2001:db8::1',
          country: 'BE',
          asn: 1,
          network: 'N',
          dataset: 'd',
          datasetDate: '2026-11-01',
          tracedAt: '2026-11-25T08:00:00Z',
        },
      },
      { url: 'https://img.example.be/b', siteType: null, trace: null },
    ],
    media: [
      {
        urlIndex: 1,
        mediaType: 'image',
        md5: 'A'.repeat(32),
        sha256: 'b'.repeat(64),
        pdq: pdqOf('x').toUpperCase(),
        pdqQuality: 80,
        classification: {},
        knownMaterial: false,
        assessment: null,
      },
    ],
  };
}

function problemsOf(body: unknown): { code: string; at: string[] } {
  try {
    parseExchangeMessage(body);
  } catch (error) {
    if (error instanceof DomainError)
      return { code: error.code, at: (error.details ?? []).map((d) => d.at).sort() };
    throw error;
  }
  throw new Error('expected the message to be refused');
}

describe('parseExchangeMessage', () => {
  it('accepts a valid message, normalising hashes and times', () => {
    const parsed = parseExchangeMessage(valid());
    expect(parsed.sentAt).toBe('2026-11-26T09:00:00.000Z');
    expect(parsed.media[0]).toMatchObject({ md5: 'a'.repeat(32), pdq: pdqOf('x') });
    expect(parsed.urls[0]!.trace!.ipAddress).toBe('2001:db8::1');
  });

  it('refuses unknown keys at every level, each with a pointer', () => {
    const body = valid();
    const withExtras = {
      ...body,
      description: 'free text',
      sender: { ...body.sender, email: 'x@example.org' },
      urls: [
        { ...body.urls[0]!, thumbnail: 'AAAA' },
        { ...body.urls[1]!, trace: { ...body.urls[0]!.trace!, host: 'h' } },
      ],
      media: [
        { ...body.media[0]!, bytes: '/9j/4AAQ', assessment: { ...summary(), notes: 'n' } },
        { ...body.media[0]!, classification: { industry: 'A1', extra: 1 } },
      ],
    };
    expect(problemsOf(withExtras)).toEqual({
      code: 'VALIDATION_FAILED',
      at: [
        '/description',
        '/media/0/assessment/notes',
        '/media/0/bytes',
        '/media/1/classification/extra',
        '/sender/email',
        '/urls/0/thumbnail',
        '/urls/1/trace/host',
      ],
    });
  });

  it('validates hashes with the bank rules', () => {
    const body = valid();
    const item = body.media[0]!;
    const bad = {
      ...body,
      media: [
        { ...item, md5: 'xyz' },
        { ...item, sha256: 'a'.repeat(63) },
        { ...item, pdqQuality: 20 },
        { ...item, pdq: '0'.repeat(64) },
        { ...item, pdq: null, pdqQuality: 80 },
      ],
    };
    const problems = problemsOf(bad);
    expect(problems.at).toEqual([
      '/media/0/md5',
      '/media/1/sha256',
      '/media/2/pdq',
      '/media/3/pdq',
      '/media/4/pdqQuality',
    ]);
    expect(problemsOf({ ...body, media: [{ ...item, pdqQuality: 20 }] }).code).toBe('LOW_QUALITY_HASH');
    expect(problemsOf({ ...body, media: [{ ...item, md5: 'xyz' }] }).code).toBe('INVALID_HASH');
  });

  it('caps sizes and checks structure', () => {
    const body = valid();
    const item = body.media[0]!;
    const url = (i: number) => ({ url: `https://e.example/${i}`, trace: null });
    expect(problemsOf({ ...body, urls: Array.from({ length: 21 }, (_, i) => url(i)) }).at).toContain('/urls');
    expect(
      problemsOf({ ...body, media: Array.from({ length: MAX_EXCHANGE_MEDIA + 1 }, () => item) }).at,
    ).toEqual(['/media']);
    expect(problemsOf({ ...body, urls: [] }).at).toContain('/urls');
    expect(problemsOf({ ...body, media: [{ ...item, urlIndex: 2 }] }).at).toEqual(['/media/0/urlIndex']);
    expect(problemsOf({ ...body, urls: [url(1), url(1)], media: [] }).at).toEqual(['/urls/1/url']);
    expect(problemsOf({ ...body, urls: [{ url: 'javascript:alert(1)' }], media: [] }).at).toEqual([
      '/urls/0/url',
    ]);
    expect(problemsOf({ ...body, version: 2 }).at).toEqual(['/version']);
    expect(problemsOf({ ...body, sentAt: 'yesterday' }).at).toEqual(['/sentAt']);
    expect(problemsOf({ ...body, reference: 'a b' }).at).toEqual(['/reference']);
    expect(problemsOf({ ...body, reference: 'x'.repeat(129) }).at).toEqual(['/reference']);
    expect(problemsOf({ ...body, concerns: ['ncii_adult'] }).at).toEqual(['/concerns']);
    expect(problemsOf({ ...body, concerns: ['not_a_concern'] }).at).toEqual(['/concerns/0']);
    expect(problemsOf({ ...body, sender: { name: 'a\u0000b', country: 'nl' } }).at).toEqual([
      '/sender/country',
      '/sender/name',
    ]);
    expect(
      problemsOf({
        ...body,
        urls: [{ ...body.urls[0]!, trace: { ...body.urls[0]!.trace!, ipAddress: '999.1.1.1' } }],
        media: [],
      }).at,
    ).toEqual(['/urls/0/trace/ipAddress']);
    expect(
      problemsOf({ ...body, media: [{ ...item, assessment: { ...summary(), ageBand: '12' } }] }).at,
    ).toEqual(['/media/0/assessment/ageBand']);
    expect(problemsOf([]).code).toBe('VALIDATION_FAILED');
  });
});

function summary() {
  return {
    internationalStatus: 'baseline',
    nationalStatus: 'illegal',
    jurisdiction: 'NL',
    ageBand: '3-6',
    sex: 'unidentified',
    selfGenerated: 'unknown',
    contentOrigin: 'ai_generated',
    flags: [],
    assessedBy: 2,
  };
}
