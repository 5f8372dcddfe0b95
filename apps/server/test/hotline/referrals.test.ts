// Forwarding over HTTP (issue 5 parts 1 and 4), in process on a memory store: the referral plan,
// recording referrals (session + CSRF, idempotent, report forwarded), status updates, the package
// as JSON and as a PDF parsed back (hashes and trace in it, no image in it), and the CyberTipline
// export for a platform's match record, whose fileViewedByEsp follows the audit log.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  MatchEngine,
  REFERRAL_DOCUMENT_LABELS,
  validateCyberTiplineXml,
  type HashlineStore,
} from '@hashline/domain';
import { createMemoryStore, seedAssessedCase, type SeededCase } from '@hashline/domain/testing';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import {
  PDFDict,
  PDFDocument,
  PDFName,
  PDFRawStream,
  decodePDFRawStream,
  type PDFArray,
  type PDFRef,
} from 'pdf-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createApiKey } from '../../src/auth/api-key-tokens.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { renderPrintablePdf } from '../../src/hotline/referral-package-pdf.js';
import { referralRoutes } from '../../src/hotline/referral.routes.js';
import { NO_HASHING, problemBody, testConfig } from '../support/test-app.js';

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const PASSWORD = 'correct horse battery';

let app: FastifyInstance;
let store: HashlineStore;
let session: { cookie: string; csrf: string };
let mixed: SeededCase;
let untraced: SeededCase;

const call = (
  method: 'GET' | 'POST',
  url: string,
  payload?: unknown,
  options: { csrf?: boolean; cookie?: boolean } = {},
) =>
  app.inject({
    method,
    url,
    headers: {
      ...(options.cookie === false ? {} : { cookie: session.cookie }),
      ...(method !== 'GET' && options.csrf !== false ? { 'x-csrf-token': session.csrf } : {}),
    },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });

beforeAll(async () => {
  store = createMemoryStore();
  const engine = new MatchEngine(store);
  await engine.load();
  const base = testConfig();
  const referrals = loadConfig({
    HASHLINE_DATA_DIR: base.dataDir,
    HASHLINE_PARTNER_HOTLINES: JSON.stringify([
      { country: 'NL', name: 'Offlimits', email: 'reports@offlimits.example' },
    ]),
  }).hotline.referrals;
  app = await buildApp({
    config: { ...base, hotline: { ...base.hotline, referrals } },
    store,
    engine,
    hashingPool: NO_HASHING,
  });
  // Until the lead registers forwarding in app.ts, the test registers it the way app.ts will.
  if (!app.hashlineRoutes().some((r) => r.url === '/v1/workbench/reports/:id/referrals/plan')) {
    const context = {
      config: { ...base, hotline: { ...base.hotline, referrals } },
      store,
      clock: { now: () => new Date() },
    };
    await app.register(async (scope) => referralRoutes(scope, context, app.hashlineHotline));
  }
  await app.ready();
  await app.hashlineHotline.auth.createAnalyst(
    { username: 'ana', displayName: 'Ana Analyst', role: 'analyst', password: PASSWORD },
    null,
  );
  const signIn = await app.inject({
    method: 'POST',
    url: '/v1/workbench/session',
    payload: { username: 'ana', password: PASSWORD },
  });
  expect(signIn.statusCode, signIn.body).toBe(200);
  session = {
    cookie: String(signIn.headers['set-cookie']).split(';')[0]!,
    csrf: signIn.json().csrfToken as string,
  };

  const hotline = app.hashlineHotline.store;
  const receivedAt = new Date(Date.UTC(2026, 2, 3, 8));
  mixed = await seedAssessedCase(hotline, {
    receivedAt,
    sha256Hex,
    description: 'The reporter wrote their own name here: Jo Example',
    urls: [
      {
        url: 'https://be-host.example/gallery',
        trace: { country: 'BE', ipAddress: '192.0.2.44', network: 'Belgian Hosting NV' },
        media: [{ illegalBy: ['a1', 'a2'], assessment: { notes: 'analyst-only remark' } }],
      },
      {
        url: 'https://nl-host.example/page',
        trace: { country: 'NL', ipAddress: '198.51.100.7' },
        media: [{ illegalBy: ['a1', 'a2'] }],
      },
    ],
  });
  untraced = await seedAssessedCase(hotline, {
    receivedAt,
    sha256Hex,
    urls: [{ url: 'https://unknown.example/x', trace: null, media: [{ illegalBy: ['a1', 'a2'] }] }],
  });
}, 60_000);

afterAll(async () => {
  await app?.close();
});

/** A font's ToUnicode CMap (pdf-lib writes `<glyph> <utf-16>` pairs between beginbfchar/endbfchar). */
function toUnicodeMap(pdf: PDFDocument, font: PDFDict): Map<string, string> {
  const map = new Map<string, string>();
  const stream = pdf.context.lookup(font.get(PDFName.of('ToUnicode')));
  if (!(stream instanceof PDFRawStream)) return map;
  const cmap = Buffer.from(decodePDFRawStream(stream).decode()).toString('latin1');
  for (const block of cmap.matchAll(/beginbfchar\n([\s\S]*?)\nendbfchar/g)) {
    for (const pair of block[1]!.matchAll(/<([0-9a-fA-F]+)> <([0-9a-fA-F]+)>/g)) {
      map.set(pair[1]!.toLowerCase(), Buffer.from(pair[2]!, 'hex').swap16().toString('utf16le'));
    }
  }
  return map;
}

/**
 * The text a PDF draws, page by page: pdf-lib shows glyph ids as hex strings with Tj after a Tf
 * naming the font; each font's ToUnicode CMap turns the ids back into characters (a glyph with no
 * mapping comes out as U+FFFD, so a missing character cannot pass for a present one).
 */
async function pdfText(bytes: Uint8Array): Promise<{ text: string; raw: string; pdf: PDFDocument }> {
  const pdf = await PDFDocument.load(bytes);
  const lines: string[] = [];
  for (const page of pdf.getPages()) {
    const fontDict = page.node.Resources()?.lookup(PDFName.of('Font'), PDFDict);
    const maps = new Map<string, Map<string, string>>();
    for (const [name, ref] of fontDict?.entries() ?? []) {
      maps.set(name.asString().slice(1), toUnicodeMap(pdf, pdf.context.lookup(ref, PDFDict)));
    }
    const contents = page.node.Contents();
    const streams =
      contents instanceof PDFRawStream
        ? [contents]
        : ((contents as PDFArray | undefined)?.asArray() ?? []).map((ref) =>
            pdf.context.lookup(ref as PDFRef),
          );
    for (const stream of streams) {
      const decoded = Buffer.from(decodePDFRawStream(stream as PDFRawStream).decode()).toString('latin1');
      let font = new Map<string, string>();
      for (const match of decoded.matchAll(/\/(\S+) [\d.]+ Tf|<([0-9A-Fa-f]*)> Tj/g)) {
        if (match[1] !== undefined) {
          font = maps.get(match[1]) ?? new Map();
          continue;
        }
        const hex = match[2]!.toLowerCase();
        let line = '';
        for (let i = 0; i < hex.length; i += 4) line += font.get(hex.slice(i, i + 4)) ?? '\uFFFD';
        lines.push(line);
      }
    }
  }
  return { text: lines.join('\n'), raw: Buffer.from(bytes).toString('latin1'), pdf };
}

describe('referrals in the workbench', () => {
  it('needs a session, and the CSRF token for changes', async () => {
    const noSession = await call(
      'GET',
      `/v1/workbench/reports/${mixed.report.id}/referrals/plan`,
      undefined,
      { cookie: false },
    );
    expect(problemBody(noSession).code).toBe('SESSION_REQUIRED');
    const noCsrf = await call(
      'POST',
      `/v1/workbench/reports/${mixed.report.id}/referrals`,
      {},
      { csrf: false },
    );
    expect(problemBody(noCsrf).code).toBe('CSRF_FAILED');
    expect(await app.hashlineHotline.store.getReport(mixed.report.id)).toMatchObject({ status: 'assessed' });
  });

  it('shows the plan: police and takedown via police for BE, the partner for NL', async () => {
    const response = await call('GET', `/v1/workbench/reports/${mixed.report.id}/referrals/plan`);
    expect(response.statusCode, response.body).toBe(200);
    const [be, nl] = mixed.urls;
    expect(response.json()).toEqual({
      reportId: mixed.report.id,
      reportStatus: 'assessed',
      plan: [
        {
          action: 'refer',
          target: 'federal_police_child_abuse',
          targetName: 'Federal Police – Child Abuse team',
          targetCountry: 'BE',
          basis: 'hosted_in_country',
          actionable: 'referral',
          urlIds: [be!.id],
          hostingCountries: ['BE'],
          delivery: 'manual',
          referralId: null,
        },
        {
          action: 'refer',
          target: 'inhope_hotline_via_iccam',
          targetName: 'Offlimits',
          targetCountry: 'NL',
          basis: 'hosted_abroad_inhope',
          actionable: 'referral',
          urlIds: [nl!.id],
          hostingCountries: ['NL'],
          delivery: 'email',
          referralId: null,
        },
        {
          action: 'takedown',
          via: 'police',
          urlId: be!.id,
          country: 'BE',
          hostingNetwork: 'Belgian Hosting NV',
        },
      ],
      referrals: [],
    });
  });

  it('records referrals once, moves the report to forwarded, and tracks status and reference', async () => {
    const first = await call('POST', `/v1/workbench/reports/${mixed.report.id}/referrals`);
    expect(first.statusCode, first.body).toBe(201);
    const body = first.json();
    expect(body.reportStatus).toBe('forwarded');
    expect(
      body.created.map((r: { targetCountry: string; status: string }) => [r.targetCountry, r.status]),
    ).toEqual([
      ['BE', 'pending'],
      ['NL', 'pending'],
    ]);
    const again = await call('POST', `/v1/workbench/reports/${mixed.report.id}/referrals`);
    expect(again.statusCode).toBe(200);
    expect(again.json().created).toEqual([]);
    expect(again.json().existing.map((r: { id: string }) => r.id)).toEqual(
      body.created.map((r: { id: string }) => r.id),
    );

    const police = body.created[0] as { id: string };
    const sent = await call('POST', `/v1/workbench/referrals/${police.id}`, {
      status: 'sent',
      externalRef: 'PV-2026-0042',
    });
    expect(sent.statusCode, sent.body).toBe(200);
    expect(sent.json()).toMatchObject({
      id: police.id,
      status: 'sent',
      externalRef: 'PV-2026-0042',
      createdBy: expect.any(String),
    });
    expect(sent.json().sentAt).toEqual(expect.any(String));
    const bad = await call('POST', `/v1/workbench/referrals/${police.id}`, { status: 'lost', colour: 'red' });
    expect(
      problemBody(bad)
        .errors!.map((e) => e.at)
        .sort(),
    ).toEqual(['/colour', '/status']);
    expect(
      problemBody(
        await call('POST', '/v1/workbench/referrals/01NOSUCH000000000000000000', { status: 'sent' }),
      ).code,
    ).toBe('REFERRAL_NOT_FOUND');

    const list = await call('GET', `/v1/workbench/reports/${mixed.report.id}/referrals`);
    expect(list.json().items.map((r: { status: string }) => r.status)).toEqual(['sent', 'pending']);
    const plan = await call('GET', `/v1/workbench/reports/${mixed.report.id}/referrals/plan`);
    expect(
      plan
        .json()
        .plan.slice(0, 2)
        .map((p: { referralId: string }) => p.referralId),
    ).toEqual(body.created.map((r: { id: string }) => r.id));
  });

  it('answers 409 NOTHING_TO_REFER for a host nobody traced, and 404 for an unknown report', async () => {
    const response = await call('POST', `/v1/workbench/reports/${untraced.report.id}/referrals`);
    expect(problemBody(response).code).toBe('NOTHING_TO_REFER');
    expect(response.statusCode).toBe(409);
    expect(
      problemBody(await call('GET', '/v1/workbench/reports/01NOSUCH000000000000000000/referrals/plan')).code,
    ).toBe('REPORT_NOT_FOUND');
  });

  it('exports the package as JSON: trace and hashes, never the description, notes or bytes', async () => {
    const response = await call('GET', `/v1/workbench/reports/${mixed.report.id}/package.json`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-disposition']).toBe(
      `attachment; filename="referral-package-${mixed.report.id}.json"`,
    );
    expect(response.headers['cache-control']).toBe('no-store');
    const pkg = response.json();
    expect(pkg.media.map((m: { hashes: { sha256: string } }) => m.hashes.sha256)).toEqual(
      mixed.media.map((m) => m.sha256),
    );
    expect(pkg.urls[0].trace).toMatchObject({
      ipAddress: '192.0.2.44',
      country: 'BE',
      network: 'Belgian Hosting NV',
    });
    expect(pkg.referrals).toHaveLength(2);
    for (const absent of ['Jo Example', 'analyst-only remark', 'thumbnail', 'description'])
      expect(response.body).not.toContain(absent);
  });

  it('exports the package as a text-only PDF with the hashes and the trace, and audits both exports', async () => {
    const response = await call('GET', `/v1/workbench/reports/${mixed.report.id}/package.pdf`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    const bytes = response.rawPayload;
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const { text, raw, pdf } = await pdfText(new Uint8Array(bytes));
    for (const media of mixed.media) {
      // Hashes are drawn whole or wrapped; either way, joined lines hold them.
      expect(text.replace(/\n/g, '')).toContain(media.sha256);
      expect(text).toContain(media.md5);
      expect(text.replace(/\n/g, '')).toContain(media.pdq!);
    }
    expect(text).toContain('192.0.2.44');
    expect(text).toContain('Belgian Hosting NV (AS64500)');
    expect(text).toContain('fixture-dataset, 2026-01-01');
    // The recipient's name is a label (wrapped in its column), its details the value beside it;
    // label and value lines alternate when both wrap.
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.startsWith('Federal Police'));
    expect(at).toBeGreaterThan(0);
    expect(`${lines[at]} ${lines[at + 2]}`).toBe('Federal Police – Child Abuse team (BE)');
    expect(`${lines[at + 1]} ${lines[at + 3]}`).toBe(
      'federal_police_child_abuse; hosted_in_country; referral; sent; ref PV-2026-0042; URLs 1',
    );
    expect(text.replace(/\n/g, ' ')).toContain(`Referral package: report ${mixed.report.id}`);
    expect(text).not.toContain('Jo Example');
    // No image anywhere: no image stream, and every page's XObject resources empty.
    const images = pdf.context
      .enumerateIndirectObjects()
      .filter(
        ([, object]) =>
          object instanceof PDFRawStream && object.dict.get(PDFName.of('Subtype')) === PDFName.of('Image'),
      );
    expect(images).toEqual([]);
    expect(raw).not.toMatch(/\/Subtype\s*\/Image/);
    expect([...raw.matchAll(/\/XObject\s*<<([^>]*)>>/g)].map((m) => m[1]!.trim())).toEqual(
      pdf.getPages().map(() => ''),
    );
    expect(pdf.getTitle()).toBe(`Referral package: report ${mixed.report.id}`);

    const audit = await app.hashlineHotline.store.listAudit({ action: 'export_created', limit: 50 });
    expect(audit.filter((e) => e.subjectId === mixed.report.id).map((e) => e.details.format)).toEqual([
      'json',
      'pdf',
    ]);
  });

  it("prints the PDF's labels in the analyst's chosen language (nl, fr, de), English until they choose", async () => {
    const setLanguage = async (language: string) => {
      const response = await app.inject({
        method: 'PUT',
        url: '/v1/workbench/session/language',
        headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
        payload: { language },
      });
      expect(response.statusCode, response.body).toBeLessThan(300);
    };
    const pdfIn = async () => {
      const response = await call('GET', `/v1/workbench/reports/${mixed.report.id}/package.pdf`);
      expect(response.statusCode).toBe(200);
      const { text, pdf } = await pdfText(new Uint8Array(response.rawPayload));
      return { text: text.replace(/\n/g, ' '), title: pdf.getTitle(), subject: pdf.getSubject() };
    };
    const expected = {
      nl: ['Doorverwijspakket: melding', 'Ontvangen', 'IP-adres', 'Land van hosting', 'Pagina 1 van'],
      fr: ['Dossier de transmission : signalement', 'Reçu', 'Adresse IP', 'Pays d’hébergement', 'Page 1 sur'],
      de: ['Weiterleitungspaket: Meldung', 'Eingegangen', 'IP-Adresse', 'Hosting-Land', 'Seite 1 von'],
    } as const;
    try {
      for (const [language, words] of Object.entries(expected)) {
        await setLanguage(language);
        const { text, title, subject } = await pdfIn();
        for (const word of words) expect(text, `${language}: ${word}`).toContain(word);
        expect(title).toBe(
          REFERRAL_DOCUMENT_LABELS[language as keyof typeof expected].title.replace('{id}', mixed.report.id),
        );
        expect(subject).toBe(REFERRAL_DOCUMENT_LABELS[language as keyof typeof expected].subject);
        // The English labels are gone; the facts are the same (hashes, trace, codes).
        expect(text).not.toContain('Hosting country');
        expect(text).not.toContain('Received');
        expect(text).toContain('192.0.2.44');
        expect(text.replace(/ /g, '')).toContain(mixed.media[0]!.sha256);
      }
    } finally {
      await setLanguage('en');
    }
    const english = await pdfIn();
    expect(english.text).toContain('Hosting country');
    expect(english.text).toContain('Page 1 of');
  });
});

describe('CyberTipline export for platforms', () => {
  let platform: string;
  let otherPlatform: string;
  let verdictOnly: string;
  let recordId: number;
  const md5 = createHash('md5').update('benign test upload').digest('hex');

  beforeAll(async () => {
    const admin = (await createApiKey(store, { name: 'admin', scopes: ['admin'], rateLimitPerSecond: null }))
      .token;
    platform = (await createApiKey(store, { name: 'platform', scopes: ['match'], rateLimitPerSecond: null }))
      .token;
    otherPlatform = (
      await createApiKey(store, { name: 'other', scopes: ['match'], rateLimitPerSecond: null })
    ).token;
    verdictOnly = (
      await createApiKey(store, { name: 'verdict', scopes: ['match:verdict'], rateLimitPerSecond: null })
    ).token;
    const headers = { authorization: `Bearer ${admin}` };
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/v1/banks',
          headers,
          payload: { name: 'known', kind: 'known_csam' },
        })
      ).statusCode,
    ).toBe(201);
    const added = await app.inject({
      method: 'POST',
      url: '/v1/banks/known/entries',
      headers,
      payload: { entries: [{ signalType: 'md5', value: md5, classification: { industry: 'B1' } }] },
    });
    expect(added.statusCode, added.body).toBe(201);
    const matched = await app.inject({
      method: 'POST',
      url: '/v1/match',
      headers: { authorization: `Bearer ${platform}` },
      payload: { hashes: [{ signalType: 'md5', value: md5, contentRef: 'upload-77' }] },
    });
    expect(matched.statusCode, matched.body).toBe(200);
    const records = await app.inject({
      method: 'GET',
      url: '/v1/match-records',
      headers: { authorization: `Bearer ${platform}` },
    });
    recordId = records.json().records[0].id as number;
  });

  const exportFor = (
    token: string | null,
    extra: Record<string, unknown> = {},
  ): Promise<LightMyRequestResponse> =>
    app.inject({
      method: 'POST',
      url: '/v1/cybertipline/reports',
      headers: token ? { authorization: `Bearer ${token}` } : {},
      payload: {
        matchRecordId: recordId,
        incidentUrls: ['https://platform.example/upload/77'],
        reporter: { firstName: 'Trust', lastName: 'Safety', email: 'trust@platform.example' },
        reportedUser: {
          screenName: '<b>user & co</b>',
          ipCaptureEvents: [
            { ipAddress: '203.0.113.9', eventName: 'Upload', dateTime: '2026-03-03T08:00:00Z' },
          ],
        },
        ...extra,
      },
    });

  it('returns valid report XML as a file; fileViewedByEsp false until a view is recorded, then true', async () => {
    const before = await exportFor(platform);
    expect(before.statusCode, before.body).toBe(200);
    expect(before.headers['content-type']).toBe('application/xml; charset=utf-8');
    expect(before.headers['content-disposition']).toBe(
      `attachment; filename="cybertipline-match-record-${recordId}.xml"`,
    );
    expect(validateCyberTiplineXml(before.body)).toEqual([]);
    expect(before.body).toContain('<fileViewedByEsp>false</fileViewedByEsp>');
    expect(before.body).toContain(`<originalFileHash hashType="MD5">${md5}</originalFileHash>`);
    expect(before.body).toContain('<industryClassification>B1</industryClassification>');
    expect(before.body).toContain('<screenName>&lt;b&gt;user &amp; co&lt;/b&gt;</screenName>');

    const viewed = await app.inject({
      method: 'POST',
      url: `/v1/cybertipline/match-records/${recordId}/file-views`,
      headers: { authorization: `Bearer ${platform}` },
      payload: { reviewer: 'reviewer-3' },
    });
    expect(viewed.statusCode, viewed.body).toBe(201);
    expect(viewed.json()).toMatchObject({
      matchRecordId: recordId,
      fileViewed: true,
      exifViewed: false,
      views: 1,
    });
    const after = await exportFor(platform);
    expect(after.body).toContain('<fileViewedByEsp>true</fileViewedByEsp>');
    expect(validateCyberTiplineXml(after.body)).toEqual([]);
  });

  it("hides another key's record, refuses verdict-only and anonymous callers, and names bad fields", async () => {
    expect(problemBody(await exportFor(otherPlatform)).code).toBe('MATCH_RECORD_NOT_FOUND');
    expect(problemBody(await exportFor(verdictOnly)).code).toBe('FORBIDDEN');
    expect(problemBody(await exportFor(null)).code).toBe('UNAUTHENTICATED');
    const bad = await exportFor(platform, { incidentUrls: [], reporter: {} });
    expect(
      problemBody(bad)
        .errors!.map((e) => e.at)
        .sort(),
    ).toEqual(['/incidentUrls', '/reporter/email']);
    const otherView = await app.inject({
      method: 'POST',
      url: `/v1/cybertipline/match-records/${recordId}/file-views`,
      headers: { authorization: `Bearer ${otherPlatform}` },
      payload: {},
    });
    expect(problemBody(otherView).code).toBe('MATCH_RECORD_NOT_FOUND');
  });
});

describe('referral configuration', () => {
  const env = (extra: Record<string, string>) => ({ HASHLINE_DATA_DIR: testConfig().dataDir, ...extra });

  it('defaults to the Belgian protocol and reads partners from a JSON file', () => {
    const dir = testConfig().dataDir;
    const file = join(dir, 'partners.json');
    writeFileSync(
      file,
      JSON.stringify([
        {
          country: 'nl',
          name: 'Offlimits',
          baseUrl: 'https://offlimits.example/',
          token: 'a-long-partner-token-123',
        },
      ]),
    );
    const config = loadConfig(
      env({ HASHLINE_PARTNER_HOTLINES_FILE: file, HASHLINE_POLICE_UNIT_EMAIL: 'cat@police.example' }),
    ).hotline.referrals;
    expect(config).toEqual({
      ownCountry: 'BE',
      policeUnit: { name: 'Federal Police – Child Abuse team', email: 'cat@police.example' },
      takedownVia: 'police',
      partners: [
        {
          country: 'NL',
          name: 'Offlimits',
          baseUrl: 'https://offlimits.example',
          token: 'a-long-partner-token-123',
        },
      ],
      noPartnerRoute: 'national_police',
      packageIncludesDescription: false,
    });
    const nl = loadConfig(
      env({
        HASHLINE_JURISDICTION: 'NL',
        HASHLINE_NO_PARTNER_ROUTE: 'interpol',
        HASHLINE_PACKAGE_INCLUDE_DESCRIPTION: 'true',
      }),
    ).hotline.referrals;
    expect(nl).toMatchObject({
      ownCountry: 'NL',
      takedownVia: 'hotline',
      noPartnerRoute: 'interpol',
      packageIncludesDescription: true,
      policeUnit: { name: 'National police' },
    });
  });

  it('reports every referral problem at once, naming the variables', () => {
    const attempt = () =>
      loadConfig(
        env({
          HASHLINE_TAKEDOWN_VIA: 'registrar',
          HASHLINE_POLICE_UNIT_EMAIL: 'nope',
          HASHLINE_PARTNER_HOTLINES: '[{"country":"BE","name":"Us"}]',
        }),
      );
    expect(attempt).toThrow(ConfigError);
    const message = (() => {
      try {
        attempt();
        return '';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message).toContain('HASHLINE_POLICE_UNIT_EMAIL must be an e-mail address.');
    expect(message).toContain('HASHLINE_TAKEDOWN_VIA must be one of hotline, police; got "registrar".');
    expect(message).toContain("HASHLINE_PARTNER_HOTLINES[0].country is the hotline's own country (BE)");
    expect(() => loadConfig(env({ HASHLINE_PARTNER_HOTLINES: '[{oops' }))).toThrow(
      'HASHLINE_PARTNER_HOTLINES is not valid JSON',
    );
    expect(() =>
      loadConfig(env({ HASHLINE_PARTNER_HOTLINES: '[]', HASHLINE_PARTNER_HOTLINES_FILE: '/x.json' })),
    ).toThrow('not both');
    expect(() =>
      loadConfig(env({ HASHLINE_PARTNER_HOTLINES_FILE: join(testConfig().dataDir, 'missing.json') })),
    ).toThrow(/cannot be read: ENOENT/);
  });
});

describe('renderPrintablePdf', () => {
  it('prints Latin, Greek and Cyrillic as written (embedded DejaVu), a character it lacks as ?', async () => {
    const bytes = await renderPrintablePdf(
      {
        title: 'Łódź ő ű – Ελληνικά – Пример.рф',
        subtitle: 'Zürich, Kraków, Αθήνα, Київ, Москва',
        sections: [
          {
            heading: 'Host',
            rows: [
              { label: 'Host', value: 'пример.испытание', mono: true },
              { label: 'Page title', value: 'Γειά σου Κόσμε — Őrség Łęczyca' },
            ],
          },
        ],
        footer: '中 한',
      },
      new Date(Date.UTC(2026, 0, 1)),
    );
    const { text, raw } = await pdfText(bytes);
    expect(text).toContain('Łódź ő ű – Ελληνικά – Пример.рф');
    expect(text).toContain('Zürich, Kraków, Αθήνα, Київ, Москва');
    expect(text).toContain('пример.испытание');
    expect(text).toContain('Γειά σου Κόσμε — Őrség Łęczyca');
    expect(text).toContain('? ?'); // DejaVu has no CJK nor Hangul: visible, not silently dropped
    expect(text).not.toContain('\uFFFD');
    // The fonts are embedded (subsets), not referenced: the printout reads the same everywhere.
    expect(raw).toContain('/BaseFont /HLDJVA+DejaVuSans');
    expect(raw).toMatch(/\/FontFile2 \d+ 0 R/);
  });

  it('prints what the fonts cannot encode as ?, wraps unbreakable values, and adds pages', async () => {
    const long = 'x'.repeat(700);
    const bytes = await renderPrintablePdf(
      {
        title: 'Référence ≤ Привет 中',
        subtitle: 'tabs\tand\nnewlines',
        sections: Array.from({ length: 30 }, (_, i) => ({
          heading: `Section ${i}`,
          rows: [
            { label: 'Long', value: long, mono: true },
            { label: 'Text', value: 'ümlaut – en dash' },
          ],
        })),
        footer: 'end',
      },
      new Date(Date.UTC(2026, 0, 1)),
    );
    const { text, pdf } = await pdfText(bytes);
    expect(pdf.getPageCount()).toBeGreaterThan(2);
    expect(text).toContain('Référence ≤ Привет ?\n'); // one ? per code point the fonts lack
    expect(text).toContain('tabs and newlines');
    expect(text).toContain('ümlaut – en dash');
    // The 700 characters survive wrapping, split over lines of the value column.
    expect(
      text
        .split('\n')
        .filter((l) => /^x+$/.test(l))
        .join('').length,
    ).toBe(700 * 30);
    expect(text).toContain(`Page ${pdf.getPageCount()} of ${pdf.getPageCount()}`);
    // Deterministic: the same document and time give the same bytes.
    const again = await renderPrintablePdf(
      { title: 'A', subtitle: 'B', sections: [], footer: 'C' },
      new Date(Date.UTC(2026, 0, 1)),
    );
    const twice = await renderPrintablePdf(
      { title: 'A', subtitle: 'B', sections: [], footer: 'C' },
      new Date(Date.UTC(2026, 0, 1)),
    );
    expect(Buffer.from(again).equals(Buffer.from(twice))).toBe(true);
  });
});
