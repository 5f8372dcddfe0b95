// The CyberTipline builder for platform users (issue 5 part 4): XML in NCMEC's structure (DOMAIN.md
// §3.2), validated by parsing it back; wrong element order and missing fields reported; hostile
// strings escaped; fileViewedByEsp false without a view in the audit log and true after one;
// annotations from the hotline's own assessments; another key's match record stays invisible.
import { createHash } from 'node:crypto';
import { SaxesParser } from 'saxes';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  BankService,
  CYBERTIPLINE_INCIDENT_TYPES,
  CyberTiplineService,
  DomainError,
  HOTLINE_ASSESSMENT_SOURCE,
  annotationsFromAssessments,
  buildCyberTiplineDocuments,
  buildCyberTiplineReport,
  validateCyberTiplineXml,
  type CyberTiplineReportInput,
  type HashlineStore,
  type HotlineStore,
} from '../../src/index.js';
import {
  createManualClock,
  createMemoryHotlineStore,
  createMemoryStore,
  seedAssessedCase,
  type ManualClock,
} from '../../src/testing/index.js';

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const T0 = new Date(Date.UTC(2026, 5, 1, 8, 30));

const MINIMAL: CyberTiplineReportInput = {
  incidentType: 'csam',
  incidentDateTime: T0,
  internetDetails: [{ kind: 'web_page', urls: ['https://platform.example/u/123/upload/9'] }],
  reporter: { reportingPerson: { emails: [{ address: 'trust@platform.example' }] } },
  files: [
    {
      fileViewedByEsp: false,
      exifViewedByEsp: false,
      fileRelevance: 'Reported',
      annotations: [],
      hashes: [{ type: 'MD5', value: 'd41d8cd98f00b204e9800998ecf8427e' }],
    },
  ],
};

const FULL: CyberTiplineReportInput = {
  ...MINIMAL,
  incidentDateTimeDescription: 'Time of upload',
  escalateToHighPriority: 'The uploader says the child is with them now.',
  internetDetails: [
    {
      kind: 'web_page',
      urls: ['https://platform.example/u/123/upload/9', 'https://platform.example/u/123'],
      thirdPartyHostedContent: false,
    },
    { kind: 'chat_im', chatClient: 'Platform chat', chatRoomName: 'room-7' },
  ],
  reporter: {
    reportingPerson: {
      firstName: 'Trust',
      lastName: 'Safety',
      phone: '+32 2 000 00 00',
      emails: [{ address: 'trust@platform.example', verified: true }],
    },
    contactPerson: { firstName: 'Legal', emails: [{ address: 'legal@platform.example' }] },
    companyTemplate: 'Platform Inc. serves legal process at legal@platform.example.',
    termsOfService: 'https://platform.example/terms',
    legalUrl: 'https://platform.example/legal',
  },
  reportedUser: {
    person: { emails: [{ address: 'user@mail.example', verified: false }] },
    espIdentifier: 'user-123',
    espService: 'Uploads',
    screenName: 'user123',
    displayNames: ['User 123'],
    profileUrls: ['https://platform.example/u/123'],
    ipCaptureEvents: [
      { ipAddress: '203.0.113.7', eventName: 'Upload', dateTime: T0, possibleProxy: false, port: 443 },
    ],
    accountTemporarilyDisabled: true,
    accountPermanentlyDisabled: false,
  },
  additionalInfo: 'Matched a hash list.',
  files: [
    {
      originalFileName: 'IMG_0001.jpg',
      locationOfFile: 'https://cdn.platform.example/9.jpg',
      fileViewedByEsp: true,
      exifViewedByEsp: false,
      publiclyAvailable: false,
      fileRelevance: 'Reported',
      annotations: ['generativeAi', 'viral'],
      industryClassification: 'A2',
      hashes: [
        { type: 'MD5', value: 'd41d8cd98f00b204e9800998ecf8427e' },
        { type: 'PDQ', value: 'f'.repeat(64) },
      ],
      ipCaptureEvents: [{ ipAddress: '203.0.113.7', eventName: 'Upload' }],
      additionalInfo: 'Matched 1 entry.',
    },
  ],
};

/** The element names of the children of the first element with this name, in document order. */
function childNames(xml: string, parent: string): string[] {
  const parser = new SaxesParser();
  const stack: string[] = [];
  const out: string[] = [];
  let done = false;
  parser.on('opentag', (tag) => {
    if (!done && stack[stack.length - 1] === parent) out.push(tag.name);
    stack.push(tag.name);
  });
  parser.on('closetag', (tag) => {
    stack.pop();
    if (tag.name === parent && out.length > 0) done = true;
  });
  parser.write(xml).close();
  return out;
}

/** The text of every element with this name. */
function texts(xml: string, name: string): string[] {
  const parser = new SaxesParser();
  const out: string[] = [];
  let current: string | null = null;
  parser.on('opentag', (tag) => {
    current = tag.name === name ? '' : current;
  });
  parser.on('text', (t) => {
    if (current !== null) current += t;
  });
  parser.on('closetag', (tag) => {
    if (tag.name === name && current !== null) out.push(current);
    if (tag.name === name) current = null;
  });
  parser.write(xml).close();
  return out;
}

describe('buildCyberTiplineReport + validateCyberTiplineXml', () => {
  it('writes a minimal and a full report that validate, in schema order', () => {
    for (const input of [MINIMAL, FULL]) {
      const xml = buildCyberTiplineReport(input);
      expect(validateCyberTiplineXml(xml)).toEqual([]);
      expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
    }
    const xml = buildCyberTiplineReport(FULL);
    expect(childNames(xml, 'report')).toEqual([
      'incidentSummary',
      'internetDetails',
      'internetDetails',
      'reporter',
      'personOrUserReported',
      'additionalInfo',
    ]);
    expect(childNames(xml, 'incidentSummary')).toEqual([
      'incidentType',
      'escalateToHighPriority',
      'incidentDateTime',
      'incidentDateTimeDescription',
    ]);
    expect(childNames(xml, 'fileDetails')).toEqual([
      'originalFileName',
      'locationOfFile',
      'fileViewedByEsp',
      'exifViewedByEsp',
      'publiclyAvailable',
      'fileRelevance',
      'fileAnnotations',
      'industryClassification',
      'originalFileHash',
      'originalFileHash',
      'ipCaptureEvent',
      'additionalInfo',
    ]);
    // Annotations in the schema's order, whatever order they were given in.
    expect(childNames(xml, 'fileAnnotations')).toEqual(['viral', 'generativeAi']);
    expect(childNames(xml, 'ipCaptureEvent')).toEqual([
      'ipAddress',
      'eventName',
      'dateTime',
      'possibleProxy',
      'port',
    ]);
    expect(texts(xml, 'incidentType')).toEqual([CYBERTIPLINE_INCIDENT_TYPES.csam]);
    expect(texts(xml, 'incidentDateTime')).toEqual(['2026-06-01T08:30:00.000Z']);
    expect(xml).toContain('<originalFileHash hashType="PDQ">ffff');
  });

  it('writes standalone <report> and <fileDetails> documents for the API calls, each valid', () => {
    const docs = buildCyberTiplineDocuments(FULL, [{ reportId: 12, fileId: 'f1' }]);
    expect(validateCyberTiplineXml(docs.report)).toEqual([]);
    expect(docs.fileDetails).toHaveLength(1);
    expect(validateCyberTiplineXml(docs.fileDetails[0]!)).toEqual([]);
    expect(docs.report).toContain('xsi:noNamespaceSchemaLocation="https://report.cybertip.org/ispws/xsd"');
  });

  it('reports elements out of order in <report>, <incidentSummary> and <fileDetails>', () => {
    const xml = buildCyberTiplineReport(FULL);
    // Move <reporter> before <internetDetails>.
    const reporter = /\n {4}<reporter>[\s\S]*?\n {4}<\/reporter>/.exec(xml)![0];
    const swapped = xml
      .replace(reporter, '')
      .replace('\n    <internetDetails>', `${reporter}\n    <internetDetails>`);
    expect(validateCyberTiplineXml(swapped)).toContainEqual({
      at: '/cybertiplineExport/report/internetDetails',
      message: 'out of order: <internetDetails> must come before <reporter>',
    });
    const late = xml.replace(
      /(<incidentDateTime>[^<]*<\/incidentDateTime>)([\s\S]*?)(<escalateToHighPriority>[^<]*<\/escalateToHighPriority>)/,
      '',
    );
    const misordered = late.replace(
      '<incidentType>',
      '<incidentDateTime>2026-06-01T08:30:00Z</incidentDateTime><incidentType>',
    );
    expect(validateCyberTiplineXml(misordered).map((p) => p.message)).toContain(
      'out of order: <incidentType> must come before <incidentDateTime>',
    );
    const fileOrder = xml.replace(
      /(<fileViewedByEsp>true<\/fileViewedByEsp>)\s*(<exifViewedByEsp>false<\/exifViewedByEsp>)/,
      '$2$1',
    );
    expect(validateCyberTiplineXml(fileOrder)).toEqual([
      {
        at: '/cybertiplineExport/fileDetails/fileViewedByEsp',
        message: 'out of order: <fileViewedByEsp> must come before <exifViewedByEsp>',
      },
    ]);
  });

  it('reports missing required parts, bad values and unknown elements', () => {
    const xml = buildCyberTiplineReport(MINIMAL);
    const cases: [string, string, { at: string; message: string }][] = [
      [
        'no incident time',
        xml.replace(/<incidentDateTime>[^<]*<\/incidentDateTime>/, ''),
        {
          at: '/cybertiplineExport/report/incidentSummary/incidentDateTime',
          message: 'required element missing',
        },
      ],
      [
        'time without zone',
        xml.replace(/<incidentDateTime>[^<]*</, '<incidentDateTime>2026-06-01T08:30:00<'),
        {
          at: '/cybertiplineExport/report/incidentSummary/incidentDateTime',
          message: 'must be an xs:dateTime with a time zone, e.g. 2026-03-01T09:00:00Z',
        },
      ],
      [
        'unknown incident type',
        xml.replace(CYBERTIPLINE_INCIDENT_TYPES.csam, 'Something else'),
        {
          at: '/cybertiplineExport/report/incidentSummary/incidentType',
          message: expect.stringMatching(/^must be one of: Child/) as unknown as string,
        },
      ],
      [
        'no reporting person',
        xml.replace(/<reportingPerson>[\s\S]*?<\/reportingPerson>/, ''),
        { at: '/cybertiplineExport/report/reporter/reportingPerson', message: 'required element missing' },
      ],
      [
        'no internet details',
        xml.replace(/<internetDetails>[\s\S]*?<\/internetDetails>/, ''),
        {
          at: '/cybertiplineExport/report/internetDetails',
          message: 'required element missing (before <reporter>)',
        },
      ],
      [
        'hash without type',
        xml.replace(' hashType="MD5"', ''),
        { at: '/cybertiplineExport/fileDetails/originalFileHash', message: 'needs the hashType attribute' },
      ],
      [
        'bad relevance',
        xml.replace('>Reported<', '>Important<'),
        {
          at: '/cybertiplineExport/fileDetails/fileRelevance',
          message: 'must be one of: Reported | Supplemental Reported',
        },
      ],
      [
        'bad boolean',
        xml.replace('<fileViewedByEsp>false', '<fileViewedByEsp>no'),
        { at: '/cybertiplineExport/fileDetails/fileViewedByEsp', message: 'must be true or false' },
      ],
      [
        'unknown element',
        xml.replace('<fileRelevance>', '<fileColour>red</fileColour><fileRelevance>'),
        { at: '/cybertiplineExport/fileDetails/fileColour', message: 'unexpected element' },
      ],
      [
        'bad industry class',
        xml.replace(
          '<originalFileHash',
          '<industryClassification>C9</industryClassification><originalFileHash',
        ),
        {
          at: '/cybertiplineExport/fileDetails/industryClassification',
          message: 'must be one of: A1 | A2 | B1 | B2',
        },
      ],
    ];
    for (const [name, broken, problem] of cases) {
      expect(validateCyberTiplineXml(broken), name).toContainEqual(problem);
    }
    expect(validateCyberTiplineXml('<report><incidentSummary>')[0]!.message).toMatch(/^not well-formed XML/);
    expect(validateCyberTiplineXml('<notAReport/>')).toEqual([
      { at: '/notAReport', message: 'the root must be <report>, <fileDetails> or <cybertiplineExport>' },
    ]);
  });

  it('limits the escalation reason to 3,000 characters', () => {
    expect(
      validateCyberTiplineXml(
        buildCyberTiplineReport({ ...MINIMAL, escalateToHighPriority: 'x'.repeat(3000) }),
      ),
    ).toEqual([]);
    expect(
      validateCyberTiplineXml(
        buildCyberTiplineReport({ ...MINIMAL, escalateToHighPriority: 'x'.repeat(3001) }),
      ),
    ).toEqual([
      {
        at: '/cybertiplineExport/report/incidentSummary/escalateToHighPriority',
        message: 'must be at most 3000 characters',
      },
    ]);
  });

  it('escapes hostile strings: they come back as the same text, never as markup', () => {
    const hostile = '</screenName><script>alert("x")</script>&amp; ]]> \'quote\' <!-- -->\u0000\u0007';
    const xml = buildCyberTiplineReport({
      ...FULL,
      reportedUser: { ...FULL.reportedUser, screenName: hostile, displayNames: [hostile] },
      files: [{ ...FULL.files[0]!, originalFileName: hostile }],
      additionalInfo: hostile,
    });
    expect(validateCyberTiplineXml(xml)).toEqual([]);
    const expected = hostile.replaceAll('\u0000', '').replaceAll('\u0007', '');
    expect(texts(xml, 'screenName')).toEqual([expected]);
    expect(texts(xml, 'displayName')).toEqual([expected]);
    expect(texts(xml, 'originalFileName')).toEqual([expected]);
    expect(xml).not.toContain('<script>');
    expect(childNames(xml, 'personOrUserReported')).not.toContain('script');
  });

  it('maps assessments to annotations', () => {
    expect(
      annotationsFromAssessments([
        {
          flags: ['viral', 'sadism_violence', 'advert_or_link_only'],
          contentOrigin: 'ai_generated',
          selfGenerated: 'yes',
          ageBand: '0-2',
        },
        {
          flags: ['live_stream_capture', 'potential_meme', 'physical_harm', 'bestiality'],
          contentOrigin: 'computer_generated_drawn',
          selfGenerated: 'no',
          ageBand: '7-10',
        },
      ]),
    ).toEqual([
      'animeDrawingVirtualHentai',
      'potentialMeme',
      'viral',
      'possibleSelfProduction',
      'physicalHarm',
      'violenceGore',
      'bestiality',
      'liveStreaming',
      'infant',
      'generativeAi',
    ]);
    expect(
      annotationsFromAssessments([
        { flags: [], contentOrigin: 'photographic', selfGenerated: 'unknown', ageBand: '14-15' },
      ]),
    ).toEqual([]);
  });
});

describe('CyberTiplineService (match records of a platform)', () => {
  let clock: ManualClock;
  let store: HashlineStore;
  let hotline: HotlineStore;
  let service: CyberTiplineService;
  let recordId: number;
  let mediaId: number;

  const request = (extra: Record<string, unknown> = {}) => ({
    matchRecordId: recordId,
    incidentUrls: ['https://platform.example/upload/9'],
    reporter: { firstName: 'Trust', lastName: 'Safety', email: 'trust@platform.example' },
    reportedUser: {
      screenName: 'user123',
      ipCaptureEvents: [{ ipAddress: '203.0.113.7', eventName: 'Upload', dateTime: '2026-06-01T08:29:00Z' }],
    },
    file: { originalFileName: 'upload-9.jpg', annotations: ['potentialMeme'] },
    ...extra,
  });

  beforeEach(async () => {
    clock = createManualClock(T0);
    store = createMemoryStore();
    hotline = createMemoryHotlineStore({ clock, sha256Hex });
    service = new CyberTiplineService({ store, hotline, clock });
    // The hotline assessed an item (AI-generated, "self-generated") and published its hashes.
    const seeded = await seedAssessedCase(hotline, {
      receivedAt: T0,
      sha256Hex,
      urls: [
        {
          url: 'https://host.example/p',
          trace: { country: 'BE' },
          media: [
            {
              illegalBy: ['a1', 'a2'],
              assessment: {
                contentOrigin: 'ai_generated',
                selfGenerated: 'yes',
                industryClassification: 'A2',
              },
            },
          ],
        },
      ],
    });
    mediaId = seeded.media[0]!.id;
    const banks = new BankService(store);
    await banks.createBank({ name: 'hotline-known-csam', kind: 'known_csam' });
    const added = await banks.addEntries(
      'hotline-known-csam',
      [
        {
          signalType: 'md5',
          value: seeded.media[0]!.md5,
          classification: { industry: 'A2', uk: 'B' },
          provenance: { source: HOTLINE_ASSESSMENT_SOURCE, externalId: `media:${mediaId}` },
        },
        {
          signalType: 'sha256',
          value: sha256Hex('other'),
          classification: { industry: 'B1' },
          provenance: { source: 'ncmec', externalId: 'n-1' },
        },
      ],
      'test',
    );
    const record = await store.recordMatch({
      createdAt: T0,
      caller: 'key-platform',
      source: 'hash',
      signalType: 'md5',
      value: seeded.media[0]!.md5,
      matches: added.created.map((e) => ({ entryId: e.id, bankId: e.bankId, distance: 0 })),
      contentRef: 'upload-9',
    });
    recordId = record.id;
  });

  const platform = { id: 'key-platform', admin: false };

  it('exports valid XML from the match record: hash, classification, annotations from the assessments', async () => {
    const { xml, fileName } = await service.export(platform, request());
    expect(fileName).toBe(`cybertipline-match-record-${recordId}.xml`);
    expect(validateCyberTiplineXml(xml)).toEqual([]);
    expect(texts(xml, 'originalFileHash')).toEqual([(await hotline.getMedia(mediaId))!.md5]);
    expect(xml).toContain('hashType="MD5"');
    // A2 beats B1: the most severe matched classification.
    expect(texts(xml, 'industryClassification')).toEqual(['A2']);
    expect(childNames(xml, 'fileAnnotations')).toEqual([
      'potentialMeme',
      'possibleSelfProduction',
      'generativeAi',
    ]);
    expect(texts(xml, 'incidentDateTime')).toEqual([T0.toISOString()]);
    expect(texts(xml, 'screenName')).toEqual(['user123']);
    expect(texts(xml, 'additionalInfo')[0]).toContain('platform reference upload-9');
    const exported = (await hotline.listAudit({ action: 'cybertipline_exported', limit: 10 }))[0]!;
    expect(exported).toMatchObject({
      actor: 'apikey:key-platform',
      subjectType: 'match_record',
      subjectId: String(recordId),
      details: { fileViewedByEsp: false },
    });
  });

  it('sets fileViewedByEsp only after the audit log records a view (and exifViewedByEsp likewise)', async () => {
    const before = await service.export(platform, request());
    expect(texts(before.xml, 'fileViewedByEsp')).toEqual(['false']);
    expect(texts(before.xml, 'exifViewedByEsp')).toEqual(['false']);
    // Nothing in the request can claim a view.
    await expect(
      service.export(platform, request({ file: { fileViewedByEsp: true } })),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    clock.advance(60_000);
    const view = await service.recordFileViewed(platform, recordId, { reviewer: 'reviewer-7' });
    expect(view).toMatchObject({ fileViewed: true, exifViewed: false, views: 1 });
    const after = await service.export(platform, request());
    expect(texts(after.xml, 'fileViewedByEsp')).toEqual(['true']);
    expect(texts(after.xml, 'exifViewedByEsp')).toEqual(['false']);
    await service.recordFileViewed(platform, recordId, { exifViewed: true });
    expect(texts((await service.export(platform, request())).xml, 'exifViewedByEsp')).toEqual(['true']);
    const rows = await hotline.listAudit({ action: 'match_record_file_viewed', limit: 10 });
    expect(rows.map((r) => [r.actor, r.subjectId, r.details.reviewer])).toEqual([
      ['apikey:key-platform', String(recordId), 'reviewer-7'],
      ['apikey:key-platform', String(recordId), null],
    ]);
  });

  it('a view of another record does not count', async () => {
    const other = await store.recordMatch({
      createdAt: T0,
      caller: 'key-platform',
      source: 'hash',
      signalType: 'md5',
      value: 'a'.repeat(32),
      matches: [],
      contentRef: null,
    });
    await service.recordFileViewed(platform, other.id, {});
    expect(texts((await service.export(platform, request())).xml, 'fileViewedByEsp')).toEqual(['false']);
  });

  it("keeps another key's record invisible, except to an admin key", async () => {
    await expect(service.export({ id: 'key-other', admin: false }, request())).rejects.toMatchObject({
      code: 'MATCH_RECORD_NOT_FOUND',
    });
    await expect(
      service.recordFileViewed({ id: 'key-other', admin: false }, recordId, {}),
    ).rejects.toMatchObject({ code: 'MATCH_RECORD_NOT_FOUND' });
    expect((await service.export({ id: 'key-admin', admin: true }, request())).xml).toContain('<report>');
  });

  it('names every bad field of a request', async () => {
    const error = await service
      .export(platform, {
        matchRecordId: 'x',
        incidentType: 'not_an_incident',
        incidentDateTime: '2026-06-01 08:30',
        escalateToHighPriority: 'x'.repeat(3001),
        incidentUrls: ['javascript:alert(1)'],
        reporter: { email: 'nobody' },
        reportedUser: {
          ipCaptureEvents: [{ ipAddress: 'here', eventName: 'Lunch', port: 70000 }],
          profileUrls: ['ftp://x'],
        },
        file: { annotations: ['scary'], hashes: [{ type: 'CRC', value: 'zz' }] },
        extra: true,
      })
      .catch((e: unknown) => e as DomainError);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).details.map((d) => d.at).sort()).toEqual([
      '/escalateToHighPriority',
      '/extra',
      '/file/annotations/0',
      '/file/hashes/0',
      '/incidentDateTime',
      '/incidentType',
      '/incidentUrls',
      '/matchRecordId',
      '/reportedUser/ipCaptureEvents/0/eventName',
      '/reportedUser/ipCaptureEvents/0/ipAddress',
      '/reportedUser/ipCaptureEvents/0/port',
      '/reportedUser/profileUrls/0',
      '/reporter/email',
    ]);
  });

  it("refuses an address NCMEC's own e-mail pattern would reject", async () => {
    await expect(
      service.export(
        platform,
        request({
          reporter: { email: 'trust@platform.example' },
          reportedUser: { emails: [{ address: 'a..b@x.example' }] },
        }),
      ),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('/personOrUserReported/personOrUserReportedPerson/email'),
    });
  });
});
