// Notice and takedown at the HTTP level, in-process: a loopback test site (benign generated
// image), the real capture (SafeFetcher with allowLoopbackForTests, hashing pool), a local SMTP
// sink that captures every message, the workbench's session + CSRF hook with the takedown routes
// in its scope (as the server mounts them), a manual clock for the re-check schedule, and the
// scheduler running send retries, re-checks and the retention job.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BankService,
  MatchEngine,
  MatchService,
  type HashlineStore,
  type HostTracer,
} from '@hashline/domain';
import { createManualClock, createMemoryStore, type ManualClock } from '@hashline/domain/testing';
import { createHashingPool, renderDemoImages, type HashingPool } from '@hashline/media-node';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AppContext } from '../../src/app.js';
import { ApiKeyAuthenticator } from '../../src/auth/authenticator.js';
import { StoreHealth } from '../../src/store-health.js';
import { ApiKeyRateLimit } from '../../src/auth/api-key-rate-limit.js';
import { VerdictGuard } from '../../src/auth/verdict-guard.js';
import { MemoryProbingHistory } from '../../src/auth/memory-probing-history.js';
import { LocalKeyRateLimiter } from '../../src/auth/shared-rate-limiter.js';
import type { ServerConfig } from '../../src/config.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../../src/http-errors.js';
import { SHARED_SCHEMAS } from '../../src/http/schemas.js';
import { createHotline, type Hotline } from '../../src/hotline/hotline-wiring.js';
import { loadNoticeTemplates } from '../../src/hotline/notice-template-overrides.js';
import { startTakedownScheduler } from '../../src/hotline/takedown-scheduler.js';
import { createTakedownModule, type TakedownModule } from '../../src/hotline/takedown-wiring.js';
import { takedownRoutes } from '../../src/hotline/takedown.routes.js';
import { workbenchRoutes } from '../../src/hotline/workbench.routes.js';
import { createMetrics } from '../../src/metrics.js';
import { accessOf } from '../../src/route-scopes.js';
import { problemBody, testConfig } from '../support/test-app.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const PASSWORD = 'correct horse battery';

/** A local SMTP sink: accepts (or refuses, when told) and keeps every message, parsed. */
interface Sink {
  readonly url: string;
  readonly messages: { readonly rcpt: string[]; readonly raw: string; readonly mail: ParsedMail }[];
  refuse: boolean;
  close(): Promise<void>;
}

async function startSink(): Promise<Sink> {
  const messages: Sink['messages'] = [];
  const sink = { refuse: false } as { refuse: boolean };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo(_address, _session, callback) {
      if (sink.refuse) {
        const error = new Error('Mailbox unavailable') as Error & { responseCode: number };
        error.responseCode = 550;
        callback(error);
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (mail) => {
            messages.push({
              rcpt: session.envelope.rcptTo.map((r) => r.address),
              raw: raw.toString('utf8'),
              mail,
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return Object.assign(sink, {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

let site: Server;
let siteUrl: string;
let photo: Buffer;
const dropped = new Set<string>();
let sink: Sink;
let pool: HashingPool;
let clock: ManualClock;
let app: FastifyInstance;
let hotline: Hotline;
let takedown: TakedownModule;
let config: ServerConfig;
let tracedCountry = 'NL';

const tracer: HostTracer = {
  trace: async (url) => ({
    host: new URL(url).hostname,
    ipAddress: '127.0.0.1',
    country: tracedCountry,
    asn: 64500,
    network: 'Test Hosting',
    dataset: 'test',
    datasetDate: '2026-11-01',
    tracedAt: clock.now(),
  }),
};

beforeAll(async () => {
  const images = await renderDemoImages();
  photo = images.find((i) => i.name === 'landscape-2.jpg')!.bytes;
  site = createServer((request, response) => {
    const path = request.url ?? '/';
    if (dropped.has(path)) {
      response.writeHead(404).end();
    } else if (path.startsWith('/page-')) {
      const n = path.slice('/page-'.length, -'.html'.length);
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(`<html><body><img src="/photo-${n}.jpg"><p>benign test page</p></body></html>`);
    } else if (path.startsWith('/photo-')) {
      response.writeHead(200, { 'content-type': 'image/jpeg' });
      response.end(photo);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
  sink = await startSink();
  pool = createHashingPool({ threads: 1, isolation: 'thread' });
  clock = createManualClock(Date.UTC(2026, 10, 2, 9));

  const base = testConfig();
  config = {
    ...base,
    hotline: {
      ...base.hotline,
      name: 'Test Hotline',
      captureAllowLoopbackForTests: true,
      keepMedia: true,
      referrals: {
        ...base.hotline.referrals,
        ownCountry: 'BE',
        takedownVia: 'police',
        policeUnit: { name: 'Federal Police – Child Abuse team', email: 'child-abuse@police.example' },
      },
      takedown: {
        ...base.hotline.takedown,
        smtpUrl: sink.url,
        noticeFrom: 'ntd@hotline.example',
        noticeContact: 'ntd-replies@hotline.example',
        retentionDays: 30,
      },
    },
  };
  const store: HashlineStore = createMemoryStore();
  const engine = new MatchEngine(store);
  await engine.load();
  const banks = new BankService(store, engine);
  hotline = createHotline({ config, store, engine, banks, hashingPool: pool, clock, overrides: { tracer } });
  takedown = createTakedownModule({ config, store, hotline, clock });
  const context: AppContext = {
    config,
    store,
    engine,
    hashingPool: pool,
    clock,
    banks,
    matcher: new MatchService(engine, store, clock),
    metrics: createMetrics({ engine, store, hashingPool: pool }),
    authenticator: new ApiKeyAuthenticator(store, 0),
    hotline,
    // Never started: these routes do not read it.
    storeHealth: new StoreHealth({ probe: () => store.latestSeq(), timeoutMs: 1_000, intervalMs: 1_000 }),
    rateLimit: new ApiKeyRateLimit(new LocalKeyRateLimiter(5), 100_000),
    // Never called: these routes match nothing.
    verdict: new VerdictGuard({
      settings: config.verdict,
      hourly: new LocalKeyRateLimiter(3_600),
      daily: new LocalKeyRateLimiter(86_400),
      history: new MemoryProbingHistory(),
      edgeEntries: () => [],
      onAlert: async () => {},
    }),
  };
  // The app's error handling and shared schemas, and the workbench scope as the server mounts it.
  app = Fastify({ logger: false });
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  app.setErrorHandler((error, _request, reply) => {
    void reply
      .code(toProblem(error).problem.status)
      .type(PROBLEM_CONTENT_TYPE)
      .send(toProblem(error).problem);
  });
  await app.register(async (scope) => {
    await workbenchRoutes(scope, context, hotline);
    await takedownRoutes(scope, context, hotline, takedown);
  });
  await app.ready();
  await hotline.auth.createAnalyst(
    { username: 'ana', displayName: 'Ana Analyst', role: 'analyst', password: PASSWORD },
    null,
  );
}, 60_000);

afterAll(async () => {
  await app?.close();
  takedown?.close();
  await pool?.close();
  await sink?.close();
  await new Promise((resolve) => site?.close(resolve));
});

interface Session {
  call(
    method: 'GET' | 'POST',
    url: string,
    payload?: unknown,
    csrf?: boolean,
  ): Promise<LightMyRequestResponse>;
}

async function signIn(): Promise<Session> {
  const response = await app.inject({
    method: 'POST',
    url: '/v1/workbench/session',
    payload: { username: 'ana', password: PASSWORD },
  });
  expect(response.statusCode, response.body).toBe(200);
  const cookie = String(response.headers['set-cookie']).split(';')[0]!;
  const csrf = response.json().csrfToken as string;
  return {
    call: (method, url, payload, withCsrf = true) =>
      app.inject({
        method,
        url,
        headers: { cookie, ...(withCsrf && method === 'POST' ? { 'x-csrf-token': csrf } : {}) },
        ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
      }),
  };
}

const ILLEGAL = {
  internationalStatus: 'not_baseline',
  nationalStatus: 'illegal',
  jurisdiction: 'BE',
  legalBasis: null,
  severityUk: 'B',
  industryClassification: 'B2',
  ageBand: '14-15',
  sex: 'girls',
  victimCount: 1,
  selfGenerated: 'unknown',
  contentOrigin: 'photographic',
  flags: [],
  confidence: 'certain',
  notes: 'an analyst note',
};

let reports = 0;
/** A report of one test page, captured and its image assessed illegal by Ana. */
async function assessedReport(session: Session, extra: Record<string, unknown> = {}) {
  const n = reports++;
  const page = `${siteUrl}/page-${n}.html`;
  const receipt = await hotline.intake.submit(
    { urls: [page], concerns: ['csam'], language: 'nl', description: `free text ${n}`, ...extra },
    `takedown-key-${n}`,
  );
  while ((await hotline.capture.runOnce()) > 0);
  const reportId = (await hotline.store.listQueue({ limit: 1000 })).find((q) => q.urls[0]?.url === page)!
    .report.id;
  void receipt;
  const detail = (await session.call('GET', `/v1/workbench/reports/${reportId}`)).json();
  expect(detail.media).toHaveLength(1);
  const assessed = await session.call(
    'POST',
    `/v1/workbench/media/${detail.media[0].id}/assessments`,
    ILLEGAL,
  );
  expect(assessed.statusCode, assessed.body).toBe(201);
  return {
    reportId,
    urlId: detail.urls[0].id as number,
    page,
    photo: `${siteUrl}/photo-${n}.jpg`,
    pagePath: `/page-${n}.html`,
  };
}

describe('notice and takedown over HTTP', () => {
  it('has its routes in the access table as workbench (session) routes', () => {
    expect(accessOf('POST', '/v1/workbench/reports/:id/takedowns')).toBe('session');
    expect(accessOf('GET', '/v1/workbench/reports/:id/takedowns')).toBe('session');
    expect(accessOf('POST', '/v1/workbench/takedowns/:id/check')).toBe('session');
  });

  it('sends the notice by SMTP, re-checks the URL, and confirms the removal when the site drops the page', async () => {
    let ana = await signIn();
    const {
      reportId,
      urlId,
      page,
      photo: photoUrl,
      pagePath,
    } = await assessedReport(ana, { contact: { email: 'parent@example.org' }, consentToContact: true });
    const body = { urlId, recipient: 'abuse@site.example', language: 'de' };

    // Never without a session, never without the CSRF token.
    const anonymous = await app.inject({
      method: 'POST',
      url: `/v1/workbench/reports/${reportId}/takedowns`,
      payload: body,
    });
    expect(problemBody(anonymous).code).toBe('SESSION_REQUIRED');
    expect(
      problemBody(await ana.call('POST', `/v1/workbench/reports/${reportId}/takedowns`, body, false)).code,
    ).toBe('CSRF_FAILED');
    expect(sink.messages).toHaveLength(0);

    const noticeAt = clock.now();
    const created = await ana.call('POST', `/v1/workbench/reports/${reportId}/takedowns`, body);
    expect(created.statusCode, created.body).toBe(201);
    const td = created.json();
    expect(td).toMatchObject({
      reportId,
      urlId,
      url: page,
      recipient: 'abuse@site.example',
      language: 'de',
      via: 'hotline', // hosted abroad (NL): the police route is for domestic hosting only
      status: 'notice_sent',
      sentBy: 'hotline',
      sentTo: 'abuse@site.example',
      noticeSentAt: noticeAt.toISOString(),
      removalBucket: 'not_removed',
      timeToRemovalHours: null,
      nextCheckAt: new Date(noticeAt.getTime() + HOUR).toISOString(),
      checks: [],
    });

    // Exactly one message, to the abuse desk, in German, plain text, no attachment, no media.
    expect(sink.messages).toHaveLength(1);
    const { rcpt, raw, mail } = sink.messages[0]!;
    expect(rcpt).toEqual(['abuse@site.example']);
    expect(mail.messageId).toBe(td.messageId);
    expect(mail.headers.get('content-language')).toBe('de');
    expect(mail.from?.text).toBe('ntd@hotline.example');
    expect(mail.replyTo?.text).toBe('ntd-replies@hotline.example');
    expect(mail.subject).toBe(
      `Meldung von Darstellungen sexuellen Missbrauchs von Kindern auf Ihrem Dienst – Referenz ${td.id}`,
    );
    expect(mail.attachments).toEqual([]);
    expect(mail.html).toBe(false);
    expect(raw).not.toMatch(/content-disposition:\s*attachment|content-type:\s*image\//i);
    expect(raw.length).toBeLessThan(photo.length);
    const text = mail.text!;
    for (const expected of [
      'Test Hotline',
      page,
      photoUrl,
      td.id,
      noticeAt.toISOString().slice(0, 10),
      'Richtlinie 2011/93/EU',
      'ntd-replies@hotline.example',
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toMatch(/\{\{|\}\}/);
    // Nothing of the reporter or the report's text.
    expect(raw).not.toContain('parent@example.org');
    expect(raw).not.toContain('free text');
    expect(raw).not.toContain(reportId);

    // 1 h: the page and its image are there.
    clock.advance(HOUR);
    const online = await ana.call('POST', `/v1/workbench/takedowns/${td.id}/check`);
    expect(online.statusCode, online.body).toBe(200);
    expect(online.json()).toMatchObject({
      status: 'notice_sent',
      checks: [{ result: 'online', detail: 'media_present' }],
    });

    // The site drops the page; 50 h after the notice the next check finds it gone.
    dropped.add(pagePath);
    clock.set(noticeAt.getTime() + 50 * HOUR);
    ana = await signIn(); // the first session expired meanwhile
    const removed = (await ana.call('POST', `/v1/workbench/takedowns/${td.id}/check`)).json();
    expect(removed).toMatchObject({
      status: 'removed',
      removedConfirmedAt: clock.now().toISOString(),
      timeToRemovalHours: 50,
      removalBucket: '<=3d',
      nextCheckAt: null,
    });
    expect(removed.checks.map((c: { result: string; detail: string }) => [c.result, c.detail])).toEqual([
      ['online', 'media_present'],
      ['offline', 'http_404'],
    ]);
    const list = (await ana.call('GET', `/v1/workbench/reports/${reportId}/takedowns`)).json();
    expect(list.items).toEqual([removed]);
    const report = (await ana.call('GET', `/v1/workbench/reports/${reportId}`)).json();
    expect(report).toMatchObject({ status: 'removed_confirmed', hasContact: false });
    expect(problemBody(await ana.call('POST', `/v1/workbench/takedowns/${td.id}/check`)).code).toBe(
      'CONFLICT',
    );
    expect(problemBody(await ana.call('POST', '/v1/workbench/takedowns/NOPE/check')).code).toBe(
      'TAKEDOWN_NOT_FOUND',
    );

    // Audited, without the URL or the recipient's address.
    const audit = await hotline.store.listAudit({ limit: 1000 });
    const mine = audit.filter((e) => e.subjectId === td.id);
    expect(mine.map((e) => e.action)).toEqual([
      'takedown_created',
      'takedown_notice_sent',
      'takedown_checked',
      'takedown_checked',
    ]);
    expect(JSON.stringify(mine)).not.toMatch(/127\.0\.0\.1|site\.example/);
  });

  it('hands a domestic notice to the police unit with the referral reference, and refuses what it must', async () => {
    tracedCountry = 'BE';
    try {
      const ana = await signIn();
      const { reportId, urlId, page } = await assessedReport(ana);
      const before = sink.messages.length;
      const handed = await ana.call('POST', `/v1/workbench/reports/${reportId}/takedowns`, {
        urlId,
        recipient: 'abuse@site.example',
        language: 'nl',
        referralReference: 'PV 2026/4711',
      });
      expect(handed.statusCode, handed.body).toBe(201);
      expect(handed.json()).toMatchObject({
        via: 'police',
        sentBy: 'police',
        sentTo: 'child-abuse@police.example',
        referralReference: 'PV 2026/4711',
      });
      expect(sink.messages).toHaveLength(before + 1);
      const { rcpt, mail } = sink.messages.at(-1)!;
      expect(rcpt).toEqual(['child-abuse@police.example']);
      expect(mail.subject).toContain(
        'Materiaal van seksueel misbruik van kinderen gehost in uw rechtsgebied',
      );
      expect(mail.text).toContain('PV 2026/4711');
      expect(mail.text).toContain('abuse@site.example');
      expect(mail.text).toContain(page);

      expect(
        problemBody(
          await ana.call('POST', `/v1/workbench/reports/${reportId}/takedowns`, {
            urlId,
            recipient: 'x@site.example',
          }),
        ).code,
      ).toBe('CONFLICT');
      const invalid = await ana.call('POST', `/v1/workbench/reports/${reportId}/takedowns`, {
        urlId,
        recipient: 'nobody',
        language: 'xx',
      });
      expect(invalid.statusCode).toBe(400);
      expect(
        problemBody(invalid)
          .errors!.map((e) => e.at)
          .sort(),
      ).toEqual(['/language', '/recipient']);
      expect(
        problemBody(
          await ana.call('POST', '/v1/workbench/reports/NOPE/takedowns', { urlId, recipient: 'a@b.example' }),
        ).code,
      ).toBe('REPORT_NOT_FOUND');
      expect(sink.messages).toHaveLength(before + 1);
    } finally {
      tracedCountry = 'NL';
    }
  });

  it('keeps a refused notice pending, retries it from the scheduler with the same Message-ID, and re-checks on schedule', async () => {
    const ana = await signIn();
    const { reportId, urlId } = await assessedReport(ana);
    const before = sink.messages.length;
    sink.refuse = true;
    const created = await ana.call('POST', `/v1/workbench/reports/${reportId}/takedowns`, {
      urlId,
      recipient: 'abuse@site.example',
    });
    sink.refuse = false;
    expect(created.statusCode).toBe(201);
    const td = created.json();
    expect(td).toMatchObject({
      status: 'pending',
      lastError: 'NOTICE_SEND_FAILED',
      sendAttempts: 1,
      noticeSentAt: null,
    });
    expect(sink.messages).toHaveLength(before);

    const scheduler = startTakedownScheduler({
      takedowns: takedown.takedowns,
      retention: takedown.retention,
      logger: app.log,
      pollMs: 20,
      retentionIntervalMs: DAY,
    });
    try {
      clock.advance(5 * 60_000);
      scheduler.wake();
      await vi.waitFor(
        async () => expect((await takedown.store.getTakedown(td.id))!.status).toBe('notice_sent'),
        { timeout: 20_000, interval: 25 },
      );
      expect(sink.messages).toHaveLength(before + 1);
      expect(sink.messages.at(-1)!.mail.messageId).toBe(td.messageId);
      const sentAt = (await takedown.store.getTakedown(td.id))!.noticeSentAt!;
      clock.set(sentAt.getTime() + HOUR);
      scheduler.wake();
      await vi.waitFor(
        async () => expect((await takedown.store.getTakedown(td.id))!.checks).toHaveLength(1),
        { timeout: 20_000, interval: 25 },
      );
      expect((await takedown.store.getTakedown(td.id))!.checks[0]).toMatchObject({
        result: 'online',
        checkedAt: clock.now(),
      });
    } finally {
      await scheduler.stop();
    }
    // Still exactly one notice for this takedown.
    expect(sink.messages.filter((m) => m.mail.messageId === td.messageId)).toHaveLength(1);
  });

  it('runs the retention job: N days after closing, personal data goes, audited; statistics stay', async () => {
    const ana = await signIn();
    const { reportId, urlId, pagePath } = await assessedReport(ana, {
      contact: { email: 'someone@example.org' },
      consentToContact: true,
    });
    const created = (
      await ana.call('POST', `/v1/workbench/reports/${reportId}/takedowns`, {
        urlId,
        recipient: 'abuse@site.example',
      })
    ).json();
    dropped.add(pagePath);
    clock.advance(2 * HOUR);
    const removed = (await ana.call('POST', `/v1/workbench/takedowns/${created.id}/check`)).json();
    expect(removed).toMatchObject({ status: 'removed', removalBucket: 'same_day' });
    const closed = (await hotline.store.getReport(reportId))!;
    expect(closed.status).toBe('removed_confirmed');
    const media = await hotline.store.listMedia(reportId);
    expect(await hotline.store.getSealedPreview(media[0]!.id)).toBeDefined();
    const snapshot = async () => ({
      reports: (await hotline.store.getReport(reportId))!.status,
      media: (await hotline.store.listMedia(reportId)).map((m) => [m.sha256, m.md5, m.pdq]),
      assessments: (await hotline.store.listAssessments(media[0]!.id)).map((a) => [
        a.nationalStatus,
        a.ageBand,
        a.severityUk,
      ]),
      takedowns: (await takedown.store.listTakedowns(reportId)).map((t) => [
        t.status,
        t.noticeSentAt,
        t.removedConfirmedAt,
      ]),
      trace: (await hotline.store.listUrls(reportId)).map((u) => u.trace?.country),
    });
    const before = await snapshot();

    clock.set(closed.closedAt!.getTime() + 31 * DAY);
    const scheduler = startTakedownScheduler({
      takedowns: takedown.takedowns,
      retention: takedown.retention,
      logger: app.log,
      pollMs: 20,
      retentionIntervalMs: DAY,
    });
    try {
      await vi.waitFor(
        async () => expect((await hotline.store.getReport(reportId))!.description).toBeNull(),
        { timeout: 20_000, interval: 25 },
      );
    } finally {
      await scheduler.stop();
    }
    expect(await hotline.store.getSealedPreview(media[0]!.id)).toBeUndefined();
    expect(await hotline.store.getThumbnail(media[0]!.id)).toBeUndefined();
    expect((await hotline.store.listAssessments(media[0]!.id))[0]!.notes).toBeNull();
    expect(await snapshot()).toEqual(before);
    const rows = (await hotline.store.listAudit({ action: 'retention_deleted', limit: 100 })).filter(
      (e) => e.subjectId === reportId,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor: 'system:retention',
      details: { description: true, previews: 1, thumbnails: 1, assessmentNotes: 1, retentionDays: 30 },
    });
  });
});

describe('notice template overrides', () => {
  it('replaces a built-in template from a folder, and refuses a bad one at start-up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hashline-templates-'));
    writeFileSync(
      join(dir, 'host_notice.en.txt'),
      'Subject: Removal request {{reference}}\n\nPlease remove:\n{{urls}}\n-- {{hotlineName}}\n',
    );
    const templates = loadNoticeTemplates(dir);
    expect(templates.host_notice.en).toEqual({
      subject: 'Removal request {{reference}}',
      body: 'Please remove:\n{{urls}}\n-- {{hotlineName}}\n',
    });
    expect(templates.host_notice.nl.subject).toContain('materiaal van seksueel misbruik van kinderen');
    writeFileSync(join(dir, 'police_handover.fr.txt'), 'Subject: {{reporterEmail}}\n\nbody\n');
    expect(() => loadNoticeTemplates(dir)).toThrow(
      /police_handover\.fr: unknown placeholder \{\{reporterEmail\}\}/,
    );
    const other = mkdtempSync(join(tmpdir(), 'hashline-templates-'));
    writeFileSync(join(other, 'notice.en.txt'), 'Subject: x\n\ny');
    expect(() => loadNoticeTemplates(other)).toThrow(/name it <kind>\.<language>\.txt/);
  });
});
