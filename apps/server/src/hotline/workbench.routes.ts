import { timingSafeEqual } from 'node:crypto';
import {
  DomainError,
  auditActorName,
  KNOWN_DEVICE_MS,
  SignInThrottled,
  requireRole,
  type Analyst,
  type AnalystSession,
  type AuditAction,
  type AuditActorDirectory,
  type AuditEvent,
  type CaptureAttempt,
  type DuplicateRef,
  type MediaWithAssessments,
  type ReportDetail,
  type WorkbenchQueueItem,
} from '@hashline/domain';
import { HOST_TRACE_ATTRIBUTION } from '@hashline/capture-node';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app.js';
import { RateLimiter } from '../auth/rate-limiter.js';
import { problems } from '../http/schemas.js';
import type { Hotline } from './hotline-wiring.js';

/** The session cookie: HttpOnly, SameSite=Strict, scoped to the workbench API. */
export const SESSION_COOKIE = 'hl_session';
/** The known-device cookie: set at a successful sign-in, sent only to the sign-in route. */
export const DEVICE_COOKIE = 'hl_device';
/** Sign-in attempts one client address may make at once; refilled over {@link SIGN_IN_ADDRESS_WINDOW_S}. */
export const SIGN_IN_ADDRESS_BURST = 30;
/** Seconds over which an address's sign-in attempts refill (15 minutes). */
const SIGN_IN_ADDRESS_WINDOW_S = 15 * 60;
const COOKIE_PATH = '/v1/workbench';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in analyst on workbench routes. */
    analyst: {
      readonly analyst: Analyst;
      readonly session: AnalystSession;
      readonly sessionId: string;
    } | null;
  }
}

const tags = ['hotline workbench'];

/** The value of one cookie from the Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/**
 * The onRequest hook of every workbench scope: the session cookie must name a live session of an
 * enabled analyst, and every non-GET request must echo the session's CSRF token; the analyst is
 * then on `request.analyst`. Routes listed in `open` (`METHOD /url`) skip it (sign-in). The scope
 * must `decorateRequest('analyst', null)` first.
 */
export function workbenchSessionHook(
  auth: Hotline['auth'],
  open: readonly string[] = [],
): (request: FastifyRequest) => Promise<void> {
  return async (request) => {
    if (request.is404) return;
    if (open.includes(`${request.method} ${request.routeOptions.url ?? ''}`)) return;
    const sessionId = cookieValue(request.headers.cookie, SESSION_COOKIE);
    const found = await auth.authenticate(sessionId);
    if (!found || sessionId === undefined) throw new DomainError('SESSION_REQUIRED');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      const sent = request.headers['x-csrf-token'];
      const expected = Buffer.from(found.session.csrfToken);
      if (
        typeof sent !== 'string' ||
        sent.length !== expected.length ||
        !timingSafeEqual(Buffer.from(sent), expected)
      ) {
        throw new DomainError('CSRF_FAILED');
      }
    }
    request.analyst = { ...found, sessionId };
  };
}

/**
 * The analyst workbench API: sign-in with sessions and CSRF tokens, the queue, reports, audited
 * media views and reveals under the exposure budget, assessments with the four-eyes rule, report
 * statuses, the audit browser and staff accounts. Never reachable with an API key; the cookie is
 * the only credential, and every state-changing request must echo the session's CSRF token.
 */
export async function workbenchRoutes(
  app: FastifyInstance,
  context: AppContext,
  hotline: Hotline,
): Promise<void> {
  const { auth, workbench } = hotline;
  const settings = context.config.hotline;
  // Sign-in attempts per client address (in memory, never stored): a token bucket of
  // SIGN_IN_ADDRESS_BURST attempts refilled over 15 minutes. Per account name, the back-off is in
  // the database (shared by every process); see AnalystAuthService.signIn.
  const addressAttempts = new RateLimiter(SIGN_IN_ADDRESS_WINDOW_S, () => context.clock.now().getTime());
  // TOTP secrets being enrolled, per session, until confirmed (never stored unconfirmed).
  const pendingTotp = new Map<string, { secret: string; until: number }>();

  app.decorateRequest('analyst', null);
  app.addHook('onRequest', workbenchSessionHook(auth, ['POST /v1/workbench/session']));
  const me = (request: FastifyRequest): Analyst => request.analyst!.analyst;
  const noStore = (reply: FastifyReply): void => {
    reply.header('cache-control', 'no-store');
  };

  const sessionView = async (analyst: Analyst, session: AnalystSession) => ({
    analyst: analystView(analyst),
    csrfToken: session.csrfToken,
    exposure: await workbench.exposure(analyst),
    jurisdiction: settings.jurisdiction,
    hotlineName: settings.name,
    // Issue 16: the workbench shows a banner while the capture may fetch this machine.
    captureLoopbackForTests: settings.captureAllowLoopbackForTests,
    browserCapture: hotline.browser.enabled,
  });

  app.post(
    '/v1/workbench/session',
    {
      bodyLimit: 4096,
      schema: {
        tags,
        summary: 'Sign in (user name, password, and the one-time code when TOTP is enrolled)',
        documentedBody: {
          type: 'object',
          required: ['username', 'password'],
          properties: {
            username: { type: 'string' },
            password: { type: 'string' },
            totp: { type: 'string' },
          },
        },
        response: problems(400, 401, 429),
      },
    },
    async (request, reply) => {
      const signedIn = await auth
        .signIn(request.body, {
          deviceToken: cookieValue(request.headers.cookie, DEVICE_COOKIE),
          takeAddressAttempt: () => {
            const decision = addressAttempts.take(
              request.ip,
              SIGN_IN_ADDRESS_BURST / SIGN_IN_ADDRESS_WINDOW_S,
            );
            return decision.allowed ? 0 : decision.retryAfterSeconds;
          },
        })
        .catch((error: unknown) => {
          if (error instanceof SignInThrottled) {
            void reply.header('retry-after', String(error.retryAfterSeconds));
          }
          throw error;
        });
      const secure = settings.cookieSecure ? '; Secure' : '';
      const maxAge = Math.round(
        (signedIn.session.expiresAt.getTime() - signedIn.session.createdAt.getTime()) / 1000,
      );
      void reply.header(
        'set-cookie',
        `${SESSION_COOKIE}=${signedIn.sessionId}; Path=${COOKIE_PATH}; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`,
      );
      // Second (clients that read one cookie read the session's): the known-device cookie, sent
      // only to the sign-in route, outliving the session.
      void reply.header(
        'set-cookie',
        `${DEVICE_COOKIE}=${signedIn.deviceToken}; Path=${COOKIE_PATH}/session; HttpOnly; SameSite=Strict; Max-Age=${Math.round(KNOWN_DEVICE_MS / 1000)}${secure}`,
      );
      noStore(reply);
      return sessionView(signedIn.analyst, signedIn.session);
    },
  );

  app.get(
    '/v1/workbench/session',
    { schema: { tags, summary: 'The signed-in analyst, CSRF token and exposure' } },
    async (request, reply) => {
      noStore(reply);
      return sessionView(me(request), request.analyst!.session);
    },
  );

  app.delete('/v1/workbench/session', { schema: { tags, summary: 'Sign out' } }, async (request, reply) => {
    await auth.signOut(request.analyst!.sessionId, me(request));
    void reply.header(
      'set-cookie',
      `${SESSION_COOKIE}=; Path=${COOKIE_PATH}; HttpOnly; SameSite=Strict; Max-Age=0`,
    );
    return reply.code(204).send();
  });

  app.put(
    '/v1/workbench/session/language',
    {
      bodyLimit: 256,
      schema: {
        tags,
        summary: 'Keep the workbench language (nl, fr, de, en) with the signed-in analyst',
        documentedBody: {
          type: 'object',
          required: ['language'],
          properties: { language: { type: 'string', enum: ['nl', 'fr', 'de', 'en'] } },
        },
        response: problems(400),
      },
    },
    async (request, reply) => {
      const updated = await workbench.setLanguage(
        me(request),
        (request.body as { language?: unknown } | null)?.language,
      );
      noStore(reply);
      return { language: updated.language ?? null };
    },
  );

  app.post(
    '/v1/workbench/session/totp',
    { schema: { tags, summary: 'Start TOTP enrolment' } },
    async (request, reply) => {
      const started = auth.startTotp(me(request));
      pendingTotp.set(request.analyst!.session.idHash, {
        secret: started.secret,
        until: Date.now() + 10 * 60_000,
      });
      noStore(reply);
      return started;
    },
  );

  app.post(
    '/v1/workbench/session/totp/confirm',
    {
      bodyLimit: 1024,
      schema: {
        tags,
        summary: 'Confirm TOTP enrolment with a code from the app',
        response: problems(400, 401),
      },
    },
    async (request, reply) => {
      const pending = pendingTotp.get(request.analyst!.session.idHash);
      if (!pending || pending.until < Date.now()) {
        throw new DomainError(
          'VALIDATION_FAILED',
          'Start the enrolment first (it expires after 10 minutes).',
        );
      }
      await auth.confirmTotp(me(request), pending.secret, (request.body as { code?: unknown } | null)?.code);
      pendingTotp.delete(request.analyst!.session.idHash);
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/workbench/queue',
    { schema: { tags, summary: 'Open reports, most urgent first, duplicates folded' } },
    async (_request, reply) => {
      noStore(reply);
      return { items: (await workbench.queue()).map(queueView) };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/workbench/reports/:id',
    {
      schema: {
        tags,
        summary: 'A report with URLs, trace, captured media and assessments',
        response: problems(404),
      },
    },
    async (request, reply) => {
      noStore(reply);
      const detail = await workbench.report(me(request), request.params.id);
      return reportView(
        detail,
        me(request),
        await hotline.captures.attemptsOf(detail.urls),
        await staffNames(),
      );
    },
  );

  // ---- recapture, attempts, screenshots (issue 16) ----

  /** Staff display names by id: an attempt shows who asked for it. */
  const staffNames = async (): Promise<ReadonlyMap<string, string>> =>
    new Map((await hotline.store.listAnalysts()).map((a) => [a.id, a.displayName]));

  app.post<{ Params: { id: string; urlId: string } }>(
    '/v1/workbench/reports/:id/urls/:urlId/recapture',
    {
      schema: {
        tags,
        summary: 'Capture a reported URL again (one attempt at a time per URL; audited)',
        response: problems(404),
      },
    },
    async (request, reply) => {
      const { attempt, created } = await hotline.captures.recapture(
        me(request),
        request.params.id,
        Number(request.params.urlId),
      );
      return reply
        .code(created ? 202 : 200)
        .send({ created, attempt: attemptView(attempt, await staffNames()) });
    },
  );

  app.get<{ Params: { id: string; urlId: string } }>(
    '/v1/workbench/reports/:id/urls/:urlId/captures',
    {
      schema: {
        tags,
        summary: 'The capture attempts of a reported URL, oldest first',
        response: problems(404),
      },
    },
    async (request, reply) => {
      noStore(reply);
      const attempts = await hotline.captures.attempts(request.params.id, Number(request.params.urlId));
      const names = await staffNames();
      return { attempts: attempts.map((a) => attemptView(a, names)) };
    },
  );

  app.get<{ Params: { jobId: string } }>(
    '/v1/workbench/captures/:jobId/screenshot/thumbnail',
    {
      schema: {
        tags,
        summary: "The blurred greyscale thumbnail of a capture's screenshot (audited)",
        produces: ['image/jpeg'],
      },
    },
    async (request, reply) => {
      const bytes = await hotline.captures.thumbnail(me(request), Number(request.params.jobId));
      void reply.header('cache-control', 'no-store').type('image/jpeg');
      return Buffer.from(bytes);
    },
  );

  app.post<{ Params: { jobId: string } }>(
    '/v1/workbench/captures/:jobId/screenshot/reveal',
    {
      schema: {
        tags,
        summary: "Reveal a capture's screenshot (counted against the daily exposure limit, audited)",
        response: problems(404, 429),
      },
    },
    async (request) => {
      const jobId = Number(request.params.jobId);
      const revealed = await hotline.captures.reveal(me(request), jobId);
      return {
        exposure: revealed.exposure,
        previewUrl: revealed.previewAvailable ? `/v1/workbench/captures/${jobId}/screenshot/preview` : null,
      };
    },
  );

  app.get<{ Params: { jobId: string } }>(
    '/v1/workbench/captures/:jobId/screenshot/preview',
    {
      schema: {
        tags,
        summary: "The server-re-encoded preview of a revealed capture's screenshot",
        produces: ['image/jpeg'],
      },
    },
    async (request, reply) => {
      const bytes = await hotline.captures.preview(me(request), Number(request.params.jobId));
      void reply.header('cache-control', 'no-store').type('image/jpeg');
      return Buffer.from(bytes);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/workbench/reports/:id/status',
    {
      bodyLimit: 1024,
      schema: {
        tags,
        summary: 'Change the status of a report (closing deletes the reporter contact)',
        response: problems(400, 404),
      },
    },
    async (request) => {
      await workbench.setStatus(
        me(request),
        request.params.id,
        (request.body as { status?: unknown } | null)?.status,
      );
      const detail = await workbench.report(me(request), request.params.id);
      return reportView(
        detail,
        me(request),
        await hotline.captures.attemptsOf(detail.urls),
        await staffNames(),
      );
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/workbench/media/:id/thumbnail',
    {
      schema: {
        tags,
        summary: 'The blurred greyscale thumbnail of an item (audited)',
        produces: ['image/jpeg'],
      },
    },
    async (request, reply) => {
      const bytes = await workbench.thumbnail(me(request), Number(request.params.id));
      void reply.header('cache-control', 'no-store').type('image/jpeg');
      return Buffer.from(bytes);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/workbench/media/:id/reveal',
    {
      schema: {
        tags,
        summary:
          'Reveal an item (counted against the daily exposure limit, audited); 404 PREVIEW_NOT_KEPT when only the blurred thumbnail exists, not counted',
        response: problems(404, 429),
      },
    },
    async (request) => {
      const id = Number(request.params.id);
      const revealed = await workbench.reveal(me(request), id);
      return {
        exposure: revealed.exposure,
        previewUrl: revealed.previewAvailable ? `/v1/workbench/media/${id}/preview` : null,
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/workbench/media/:id/preview',
    {
      schema: {
        tags,
        summary: 'The server-re-encoded preview of a revealed item (when media is kept)',
        produces: ['image/jpeg'],
      },
    },
    async (request, reply) => {
      const bytes = await workbench.preview(me(request), Number(request.params.id));
      void reply.header('cache-control', 'no-store').type('image/jpeg');
      return Buffer.from(bytes);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/workbench/analysts/:id/exposure-raise',
    {
      bodyLimit: 2048,
      schema: {
        tags,
        summary:
          "Raise an analyst's daily reveal limit for today, with a reason (senior analysts and admins; audited; not your own)",
        documentedBody: {
          type: 'object',
          required: ['extra', 'reason'],
          properties: {
            extra: { type: 'integer', minimum: 1, maximum: 1000 },
            reason: { type: 'string', minLength: 10, maxLength: 500 },
          },
        },
        response: problems(400, 403, 404),
      },
    },
    async (request) => ({
      exposure: await workbench.raiseExposureLimit(me(request), request.params.id, request.body),
    }),
  );

  app.post<{ Params: { id: string } }>(
    '/v1/workbench/reports/:id/assessments',
    {
      bodyLimit: 32 * 1024,
      schema: {
        tags,
        summary:
          'Record your same assessment of several items of a report (bulk): one assessment per item, each audited, each still needing a second analyst',
        documentedBody: {
          type: 'object',
          required: ['mediaIds', 'assessment'],
          properties: {
            mediaIds: { type: 'array', items: { type: 'integer' }, minItems: 1, maxItems: 200 },
            assessment: { type: 'object', description: 'The fields of one assessment (DOMAIN.md §8.4)' },
          },
        },
        response: problems(400, 404),
      },
    },
    async (request, reply) => {
      const body = request.body as { mediaIds?: unknown; assessment?: unknown } | null;
      const results = await workbench.assessMany(
        me(request),
        request.params.id,
        body?.mediaIds,
        body?.assessment,
      );
      return reply.code(201).send({
        items: results.map((r) =>
          r.recorded
            ? {
                mediaId: r.mediaId,
                recorded: true,
                media: mediaView(r.result.media),
                published: r.result.published,
                awaitingSecondAssessment: r.result.awaitingSecondAssessment,
              }
            : { mediaId: r.mediaId, recorded: false, code: r.code },
        ),
      });
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/workbench/media/:id/assessments',
    {
      bodyLimit: 16 * 1024,
      schema: {
        tags,
        summary: 'Record your assessment (DOMAIN.md §8.4); two analysts assessing illegal publish the hashes',
        response: problems(400, 404, 409),
      },
    },
    async (request, reply) => {
      const result = await workbench.assess(me(request), Number(request.params.id), request.body);
      return reply.code(201).send({
        media: mediaView(result.media),
        published: result.published,
        bankEntryIds: result.bankEntryIds,
        awaitingSecondAssessment: result.awaitingSecondAssessment,
      });
    },
  );

  app.get<{
    Querystring: { afterSeq?: string; beforeSeq?: string; limit?: string; actor?: string; action?: string };
  }>(
    '/v1/workbench/audit',
    {
      schema: {
        tags,
        summary: 'The audit log and the verification of its hash chain (admins)',
        response: problems(403),
      },
    },
    async (request, reply) => {
      const q = request.query;
      // Whole numbers only: `afterSeq=abc` is the caller's mistake, not "no filter".
      const num = (name: string, v: string | undefined): number | undefined => {
        if (v === undefined || v === '') return undefined;
        if (!/^\d{1,15}$/.test(v)) {
          throw new DomainError(
            'VALIDATION_FAILED',
            `${name} must be a whole number; got ${JSON.stringify(v)}.`,
            [{ at: `query/${name}`, code: 'VALIDATION_FAILED', message: 'a whole number' }],
          );
        }
        return Number(v);
      };
      const afterSeq = num('afterSeq', q.afterSeq);
      const beforeSeq = num('beforeSeq', q.beforeSeq);
      const limit = num('limit', q.limit);
      const result = await workbench.auditLog(me(request), {
        ...(afterSeq !== undefined ? { afterSeq } : {}),
        ...(beforeSeq !== undefined ? { beforeSeq } : {}),
        ...(limit !== undefined ? { limit } : {}),
        ...(q.actor ? { actor: q.actor } : {}),
        ...(q.action ? { action: q.action as AuditAction } : {}),
      });
      noStore(reply);
      const directory: AuditActorDirectory = {
        analysts: (await workbench.analysts(me(request))).map(({ analyst }) => analyst),
        apiKeys: await context.store.listApiKeys(),
      };
      return {
        items: result.items.map((e) => ({ ...auditView(e), actorName: auditActorName(e.actor, directory) })),
        verified: result.verified,
      };
    },
  );

  app.get<{ Querystring: { analystId?: string } }>(
    '/v1/workbench/exposure',
    {
      schema: {
        tags,
        summary:
          'Reveals per day over the last 30 UTC days and how many showed material assessed illegal: every analyst for senior analysts and admins, your own otherwise',
        querystring: {
          type: 'object',
          properties: { analystId: { type: 'string', minLength: 1, maxLength: 64 } },
          additionalProperties: false,
        },
        response: problems(400, 403, 404),
      },
    },
    async (request, reply) => {
      noStore(reply);
      return workbench.exposureHistory(me(request), request.query.analystId);
    },
  );

  app.get(
    '/v1/workbench/analysts',
    {
      schema: {
        tags,
        summary: "Staff accounts with today's exposure (senior analysts and admins)",
        response: problems(403),
      },
    },
    async (request) => ({
      items: (await workbench.analysts(me(request))).map(({ analyst, exposureToday, dailyLimit }) => ({
        ...analystView(analyst),
        disabled: analyst.disabled,
        exposureToday,
        dailyLimit,
      })),
    }),
  );

  app.post(
    '/v1/workbench/analysts',
    {
      bodyLimit: 4096,
      schema: { tags, summary: 'Create a staff account (admins)', response: problems(400, 403, 409) },
    },
    async (request, reply) => {
      requireRole(me(request), 'admin');
      const created = await auth.createAnalyst(request.body, me(request));
      return reply.code(201).send(analystView(created));
    },
  );
}

function analystView(analyst: Analyst) {
  return {
    id: analyst.id,
    username: analyst.username,
    displayName: analyst.displayName,
    role: analyst.role,
    totpEnabled: analyst.totpSecretSealed !== null,
    language: analyst.language ?? null,
  };
}

function duplicateView(d: DuplicateRef) {
  return { reportId: d.reportId, receivedAt: d.receivedAt.toISOString(), reason: d.reason };
}

function queueView(item: WorkbenchQueueItem) {
  const r = item.report;
  return {
    reportId: r.id,
    receivedAt: r.receivedAt.toISOString(),
    channel: r.channel,
    concerns: r.concerns,
    imminentDanger: r.imminentDanger,
    status: r.status,
    priority: r.priority,
    urls: item.urls.map((u) => ({
      id: u.id,
      url: u.url,
      normalizedUrl: u.normalizedUrl,
      accessibility: u.accessibility,
      captureError: u.captureError,
      hostingCountry: u.trace?.country ?? null,
    })),
    mediaCount: item.mediaCount,
    pendingMediaCount: item.pendingMediaCount,
    previouslyAssessedCount: item.previouslyAssessedCount,
    failedCaptures: item.failedCaptures,
    duplicates: item.duplicates.map((d) => ({
      ...duplicateView(d),
      mediaCount: d.mediaCount,
      pendingMediaCount: d.pendingMediaCount,
      failedCaptures: d.failedCaptures,
    })),
  };
}

function mediaView(item: MediaWithAssessments) {
  const m = item.media;
  return {
    id: m.id,
    urlId: m.urlId,
    sourceUrl: m.sourceUrl,
    mediaType: m.mediaType,
    width: m.width,
    height: m.height,
    byteLength: m.byteLength,
    md5: m.md5,
    sha256: m.sha256,
    pdq: m.pdq,
    pdqQuality: m.pdqQuality,
    status: m.status,
    previouslyAssessed: m.previouslyAssessed,
    knownMatch: m.knownMatch
      ? {
          source: m.knownMatch.source,
          bankName: m.knownMatch.bankName,
          distance: m.knownMatch.distance,
          classification: m.knownMatch.classification,
        }
      : null,
    // Known material is never shown: nobody has to see it again.
    thumbnailUrl: m.previouslyAssessed ? null : `/v1/workbench/media/${m.id}/thumbnail`,
    previewAvailable: m.storedContent,
    // A video's thumbnail and preview are its contact sheet: what the sheet shows, for its label.
    contactSheet: m.contactSheet
      ? {
          durationSeconds: m.contactSheet.durationSeconds,
          frames: m.contactSheet.frames,
          columns: m.contactSheet.columns,
          rows: m.contactSheet.rows,
          timestamps: m.contactSheet.timestamps,
        }
      : null,
    assessments: item.assessments.map((a) => ({
      analystId: a.analystId,
      analystName: a.analystName,
      assessedAt: a.assessedAt.toISOString(),
      nationalStatus: a.nationalStatus,
      internationalStatus: a.internationalStatus,
    })),
    myAssessment: item.myAssessment,
    bankEntryIds: m.bankEntryIds,
  };
}

/** One capture attempt as the workbench shows it (error codes are turned into sentences there). */
function attemptView(a: CaptureAttempt, names: ReadonlyMap<string, string>) {
  return {
    jobId: a.jobId,
    urlId: a.urlId,
    status: a.status,
    tries: a.tries,
    requestedBy: a.requestedBy,
    requestedByName: a.requestedBy === null ? null : (names.get(a.requestedBy) ?? a.requestedBy),
    requestedAt: a.requestedAt.toISOString(),
    finishedAt: a.finishedAt?.toISOString() ?? null,
    error: a.error,
    method: a.method,
    note: a.note,
    mediaFound: a.mediaFound,
    screenshot: a.screenshot
      ? {
          sha256: a.screenshot.sha256,
          byteLength: a.screenshot.byteLength,
          width: a.screenshot.width,
          height: a.screenshot.height,
          capturedAt: a.screenshot.capturedAt.toISOString(),
          thumbnailUrl: a.screenshot.storedContent
            ? `/v1/workbench/captures/${a.jobId}/screenshot/thumbnail`
            : null,
        }
      : null,
  };
}

function reportView(
  detail: ReportDetail,
  _viewer: Analyst,
  attempts: ReadonlyMap<number, readonly CaptureAttempt[]> = new Map(),
  names: ReadonlyMap<string, string> = new Map(),
) {
  const r = detail.report;
  return {
    reportId: r.id,
    receivedAt: r.receivedAt.toISOString(),
    channel: r.channel,
    reporterType: r.reporterType,
    concerns: r.concerns,
    description: r.description,
    seenWhere: r.seenWhere,
    imminentDanger: r.imminentDanger,
    language: r.language,
    status: r.status,
    hasContact: r.contactId !== null,
    duplicates: detail.duplicates.map(duplicateView),
    urls: detail.urls.map((u) => ({
      id: u.id,
      url: u.url,
      normalizedUrl: u.normalizedUrl,
      siteType: u.siteType,
      accessibility: u.accessibility,
      capturedAt: u.capturedAt?.toISOString() ?? null,
      captureError: u.captureError,
      trace: u.trace ? { ...u.trace, tracedAt: u.trace.tracedAt.toISOString() } : null,
      attempts: (attempts.get(u.id) ?? []).map((a) => attemptView(a, names)),
    })),
    media: detail.media.map(mediaView),
    // The IP data's licence asks for this credit wherever its results are shown.
    traceAttribution: HOST_TRACE_ATTRIBUTION,
  };
}

function auditView(e: AuditEvent) {
  return {
    seq: e.seq,
    at: e.at.toISOString(),
    actor: e.actor,
    action: e.action,
    subjectType: e.subjectType,
    subjectId: e.subjectId,
    details: e.details,
    prevHash: e.prevHash,
    hash: e.hash,
  };
}
