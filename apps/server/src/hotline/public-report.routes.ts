import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DomainError,
  MAX_REPORT_DESCRIPTION,
  MAX_REPORT_URLS,
  isHoneypotFilled,
  newReceiptCode,
} from '@hashline/domain';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../app.js';
import { RateLimiter } from '../auth/rate-limiter.js';
import { problems } from '../http/schemas.js';
import { WEB_CSP } from '../routes/self-submission.routes.js';
import type { Hotline } from './hotline-wiring.js';

/** Largest report body: 20 URLs of 2 KB, 3,000 characters of description, contact, with room. */
export const REPORT_BODY_LIMIT = 64 * 1024;

const tags = ['hotline (public)'];

const reportBody = {
  type: 'object',
  required: ['urls', 'concerns', 'language'],
  additionalProperties: false,
  properties: {
    urls: { type: 'array', minItems: 1, maxItems: MAX_REPORT_URLS, items: { type: 'string', format: 'uri' } },
    concerns: { type: 'array', minItems: 1, items: { type: 'string' } },
    description: { type: 'string', maxLength: MAX_REPORT_DESCRIPTION },
    seenWhere: { type: 'string' },
    imminentDanger: { type: 'boolean' },
    language: { type: 'string', enum: ['nl', 'fr', 'de', 'en'] },
    contact: {
      type: 'object',
      additionalProperties: false,
      properties: { name: { type: 'string' }, email: { type: 'string' }, phone: { type: 'string' } },
    },
    consentToContact: { type: 'boolean' },
    website: { type: 'string', description: 'Leave empty (a field people never see).' },
  },
} as const;

/**
 * The public side of the hotline: the report form's API (anonymous, idempotent, acknowledged after
 * commit), the receipt lookup, and the pages. Client addresses are used for rate limiting in
 * memory and never stored or logged with a report.
 */
export async function publicReportRoutes(
  app: FastifyInstance,
  context: AppContext,
  hotline: Hotline,
  onReport: (reportId: string) => void,
): Promise<void> {
  const { config } = context;
  // Reports and receipt lookups are limited apart: checking a status must not use up a report.
  const limitPerAddress = (perMinute: number, what: string) => {
    const limiter = new RateLimiter(60);
    return async (request: { ip: string }, reply: FastifyReply): Promise<void> => {
      const decision = limiter.take(request.ip, perMinute / 60);
      if (!decision.allowed) {
        void reply.header('retry-after', String(decision.retryAfterSeconds));
        throw new DomainError(
          'RATE_LIMITED',
          `Too many ${what} from this address; retry in ${decision.retryAfterSeconds} s.`,
        );
      }
    };
  };
  const limitReports = limitPerAddress(config.hotline.reportsPerMinute, 'reports');
  // Receipt codes carry 80 random bits: guessing is hopeless at any rate; this only stops floods.
  const limitLookups = limitPerAddress(Math.max(30, config.hotline.reportsPerMinute), 'status checks');

  app.get(
    '/v1/public/hotline/config',
    { schema: { tags, summary: 'What the report form shows: hotline name, helpline and police numbers' } },
    async () => ({
      hotlineName: config.hotline.name,
      helpline: config.web.helpline,
      police: config.web.police,
      selfSubmissionPath: '/',
      maxUrls: MAX_REPORT_URLS,
      maxDescription: MAX_REPORT_DESCRIPTION,
    }),
  );

  app.post(
    '/v1/public/reports',
    {
      bodyLimit: REPORT_BODY_LIMIT,
      onRequest: limitReports,
      schema: {
        tags,
        summary: 'Report URLs of suspected child sexual abuse material (anonymous)',
        description:
          'Send an `Idempotency-Key` header (a UUID made once per report): a retry with the same key ' +
          'returns the same receipt and stores nothing twice. The answer comes only after the report and ' +
          'its capture jobs are durably committed. Never send images: only addresses.',
        headers: {
          type: 'object',
          properties: { 'idempotency-key': { type: 'string', description: 'A UUID made once per report.' } },
        },
        documentedBody: reportBody,
        response: { ...problems(400, 413, 422, 429) },
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      if (isHoneypotFilled(request.body)) {
        // A bot filled the field people never see: it gets what looks like a receipt, and nothing is stored.
        return reply.code(201).send({
          receiptCode: newReceiptCode((n) => new Uint8Array(randomBytes(n))),
          status: 'received',
          receivedDay: context.clock.now().toISOString().slice(0, 10),
        });
      }
      const receipt = await hotline.intake.submit(request.body, typeof key === 'string' ? key : undefined);
      if (receipt.reportId !== null) onReport(receipt.reportId);
      if (receipt.replayed) void reply.header('idempotent-replayed', 'true');
      return reply.code(201).send({
        receiptCode: receipt.receiptCode,
        status: receipt.status,
        receivedDay: receipt.receivedDay,
      });
    },
  );

  app.post(
    '/v1/public/reports/status',
    {
      bodyLimit: 1024,
      onRequest: limitLookups,
      schema: {
        tags,
        summary: 'The status of a report by its receipt code',
        description: 'POST, so the code never appears in a URL or an access log.',
        documentedBody: {
          type: 'object',
          required: ['receiptCode'],
          additionalProperties: false,
          properties: { receiptCode: { type: 'string' } },
        },
        response: { ...problems(400, 404, 429) },
      },
    },
    async (request) => hotline.intake.status(request.body),
  );

  const securityHeaders = (reply: FastifyReply): void => {
    reply.header('content-security-policy', WEB_CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=()');
  };
  const page = (file: string) => async (_request: unknown, reply: FastifyReply) => {
    securityHeaders(reply);
    const path = join(config.web.dir, file);
    if (!existsSync(path)) {
      throw new DomainError('NOT_FOUND', 'The web app is not built (npm run build -w @hashline/web).');
    }
    void reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
    return readFileSync(path);
  };
  const pageSchema = (summary: string) => ({ schema: { tags, summary, produces: ['text/html'] } });
  app.get('/report', pageSchema('The public report form (HTML)'), page('report.html'));
  app.get('/workbench', pageSchema('The analyst workbench (HTML)'), page('workbench.html'));
}
