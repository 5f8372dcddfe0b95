import { randomBytes } from 'node:crypto';
import {
  CYBERTIPLINE_INCIDENT_LABELS,
  CyberTiplineService,
  MAX_SUBMISSION_KEY,
  ReferralService,
  referralPackageDocument,
  type Analyst,
  type Clock,
  type HashlineStore,
  type NcmecReportingPort,
  type Referral,
  type ReferralStore,
} from '@hashline/domain';
import { createMemoryReferralStore } from '@hashline/domain/testing';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app.js';
import { problems } from '../http/schemas.js';
import type { Hotline } from './hotline-wiring.js';
import { createNcmecReportingClient } from './ncmec-reporting-client.js';
import { renderPrintablePdf } from './referral-package-pdf.js';
import { workbenchSessionHook } from './workbench.routes.js';

/** Forwarding's services, wired: referrals (workbench) and the CyberTipline export (platforms). */
export interface Forwarding {
  readonly store: ReferralStore;
  readonly referrals: ReferralService;
  readonly cyberTipline: CyberTiplineService;
  /** True when referrals live in memory only (a store without the referrals table). */
  readonly volatile: boolean;
}

/** The referral store of a bank store that keeps one (`store.referrals`, set by the SQL stores once wired). */
export function referralStoreOf(store: HashlineStore): ReferralStore | undefined {
  const candidate = (store as { referrals?: unknown }).referrals;
  return typeof candidate === 'object' && candidate !== null ? (candidate as ReferralStore) : undefined;
}

/**
 * Wires forwarding: the referral service on the store's referrals table (or memory, for the
 * in-memory bank store, or an explicit `referrals` store), with the configured routing rules; the
 * CyberTipline service on the match records and the hotline's audit log.
 */
export function createForwarding(deps: {
  readonly context: Pick<AppContext, 'config' | 'store' | 'clock'>;
  readonly hotline: Pick<Hotline, 'store'>;
  readonly referrals?: ReferralStore;
  readonly clock?: Clock;
  /** NCMEC's Reporting API to use instead of the configured one (tests). */
  readonly ncmec?: NcmecReportingPort;
}): Forwarding {
  const { config, store } = deps.context;
  const clock = deps.clock ?? deps.context.clock;
  const sqlStore = deps.referrals ?? referralStoreOf(store);
  const referralStore = sqlStore ?? createMemoryReferralStore();
  const settings = config.ncmecReporting;
  const ncmec =
    deps.ncmec ??
    (settings
      ? createNcmecReportingClient({
          baseUrl: settings.url,
          username: settings.username,
          password: settings.password,
          timeoutMs: settings.timeoutMs,
          attempts: settings.attempts,
          retryDelayMs: (n) => Math.min(8_000, settings.retryDelayMs * 2 ** (n - 1)),
          allowHttpForTests: settings.allowHttpForTests,
        })
      : undefined);
  return {
    store: referralStore,
    volatile: sqlStore === undefined,
    referrals: new ReferralService({
      hotline: deps.hotline.store,
      referrals: referralStore,
      clock,
      random: (n) => new Uint8Array(randomBytes(n)),
      config: config.hotline.referrals,
      hotlineName: config.hotline.name,
    }),
    cyberTipline: new CyberTiplineService({
      store,
      hotline: deps.hotline.store,
      clock,
      ...(ncmec ? { ncmec } : {}),
    }),
  };
}

const workbenchTags = ['hotline workbench'];
const platformTags = ['match-records'];

/**
 * Forwarding's HTTP API (issue 5 parts 1 and 4).
 *
 * Workbench (signed-in session; every non-GET request echoes the session's CSRF token): the
 * referral plan of a report, recording referrals from it, updating a referral's status and
 * reference, a report's referrals, and the referral package as JSON and as a printable PDF
 * (hashes and trace only; audited as exports).
 *
 * Platforms (API key with the `match` scope): the CyberTipline export of one of their match
 * records, and the record of a human view of a matched file (which alone sets fileViewedByEsp).
 *
 * `forwarding` defaults to {@link createForwarding} on the context's store; pass the one other
 * parts use (the exchange records referrals too) so all share one referral store.
 */
export async function referralRoutes(
  app: FastifyInstance,
  context: Pick<AppContext, 'config' | 'store' | 'clock'>,
  hotline: Pick<Hotline, 'auth' | 'store'>,
  forwarding: Forwarding = createForwarding({ context, hotline }),
): Promise<void> {
  const { referrals, cyberTipline } = forwarding;

  // ---- workbench: its own scope, with the session and CSRF check of workbench.routes.ts ----
  await app.register(async (scope) => {
    scope.decorateRequest('analyst', null);
    scope.addHook('onRequest', workbenchSessionHook(hotline.auth));
    const me = (request: FastifyRequest): Analyst => request.analyst!.analyst;
    const noStore = (reply: FastifyReply): void => void reply.header('cache-control', 'no-store');

    scope.get<{ Params: { id: string } }>(
      '/v1/workbench/reports/:id/referrals/plan',
      {
        schema: {
          tags: workbenchTags,
          summary: 'Where the routing rules send this report (referrals, takedowns, manual traces)',
          response: problems(401, 404),
        },
      },
      async (request, reply) => {
        const view = await referrals.plan(request.params.id);
        noStore(reply);
        return {
          reportId: view.report.id,
          reportStatus: view.report.status,
          plan: view.plan.map((item, i) => ({
            ...item,
            ...(item.action === 'refer' ? { referralId: view.recorded[i]?.id ?? null } : {}),
          })),
          referrals: view.referrals.map(referralView),
        };
      },
    );

    scope.post<{ Params: { id: string } }>(
      '/v1/workbench/reports/:id/referrals',
      {
        bodyLimit: 1024,
        schema: {
          tags: workbenchTags,
          summary: 'Record the referrals the plan proposes (one per recipient; again creates nothing new)',
          response: problems(401, 403, 404, 409),
        },
      },
      async (request, reply) => {
        const result = await referrals.create(me(request), request.params.id);
        return reply.code(result.created.length > 0 ? 201 : 200).send({
          reportId: result.report.id,
          reportStatus: result.report.status,
          created: result.created.map(referralView),
          existing: result.existing.map(referralView),
          plan: result.plan,
        });
      },
    );

    scope.get<{ Params: { id: string } }>(
      '/v1/workbench/reports/:id/referrals',
      {
        schema: {
          tags: workbenchTags,
          summary: "A report's referrals, oldest first",
          response: problems(401, 404),
        },
      },
      async (request, reply) => {
        noStore(reply);
        return { items: (await referrals.list(request.params.id)).map(referralView) };
      },
    );

    scope.post<{ Params: { id: string } }>(
      '/v1/workbench/referrals/:id',
      {
        bodyLimit: 4096,
        schema: {
          tags: workbenchTags,
          summary:
            "Change a referral's status (pending, sent, acknowledged, rejected, closed) and/or external reference",
          documentedBody: {
            type: 'object',
            properties: {
              status: { type: 'string', enum: ['pending', 'sent', 'acknowledged', 'rejected', 'closed'] },
              externalRef: { type: ['string', 'null'], maxLength: 200 },
            },
          },
          response: problems(400, 401, 403, 404),
        },
      },
      async (request) => referralView(await referrals.update(me(request), request.params.id, request.body)),
    );

    scope.get<{ Params: { id: string } }>(
      '/v1/workbench/reports/:id/package.json',
      {
        schema: {
          tags: workbenchTags,
          summary: 'The referral package as JSON: trace, hashes, assessments, referrals; no media (audited)',
          response: problems(401, 404),
        },
      },
      async (request, reply) => {
        const pkg = await referrals.package(me(request), request.params.id, 'json');
        void reply
          .header('cache-control', 'no-store')
          .header('content-disposition', `attachment; filename="referral-package-${pkg.report.id}.json"`)
          .type('application/json; charset=utf-8');
        return JSON.stringify(pkg, null, 2);
      },
    );

    scope.get<{ Params: { id: string } }>(
      '/v1/workbench/reports/:id/package.pdf',
      {
        schema: {
          tags: workbenchTags,
          summary: 'The referral package as a printable PDF summary (text only; audited)',
          produces: ['application/pdf'],
        },
      },
      async (request, reply) => {
        const pkg = await referrals.package(me(request), request.params.id, 'pdf');
        // The labels in the analyst's language (their stored choice; English until they choose).
        const pdf = await renderPrintablePdf(
          referralPackageDocument(pkg, me(request).language ?? 'en'),
          new Date(pkg.generatedAt),
        );
        void reply
          .header('cache-control', 'no-store')
          .header('content-disposition', `attachment; filename="referral-package-${pkg.report.id}.pdf"`)
          .type('application/pdf');
        return Buffer.from(pdf);
      },
    );
  });

  // ---- platforms: API keys (the app's hook checks the `match` scope from route-scopes.ts) ----
  await app.register(async (scope) => {
    const caller = (request: FastifyRequest) => {
      const key = request.apiKey!;
      return { id: key.id, admin: key.scopes.includes('admin') };
    };

    scope.post(
      '/v1/cybertipline/reports',
      {
        bodyLimit: 256 * 1024,
        schema: {
          tags: platformTags,
          summary:
            "Build NCMEC's CyberTipline report XML for one of your match records (a file; nothing is sent)",
          description:
            "From the match record, the entries it matched (industry classification; file annotations from the hotline's assessments) " +
            'and what you supply (reporter, reported user, URLs), returns the `<report>` and its `<fileDetails>` in one XML file, ' +
            "elements in NCMEC's schema order. `fileViewedByEsp` is true only when a view of the file was recorded with " +
            '`POST /v1/cybertipline/match-records/{id}/file-views`. With `Accept: application/json` it answers the ' +
            "documents NCMEC's Reporting API takes instead: `report` (for /submit) and, when `ncmecReportId` and " +
            '`ncmecFileId` (from /submit and /upload) are given, `fileDetails` (for /fileinfo), with `incidentType` as ' +
            'our key and `incidentTypeLabel` in our words.',
          documentedBody: {
            type: 'object',
            required: ['matchRecordId', 'incidentUrls', 'reporter'],
            properties: {
              matchRecordId: { type: 'integer', minimum: 1 },
              incidentType: {
                type: 'string',
                description: 'Hashline key of the incident type (default `csam`).',
              },
              incidentDateTime: {
                type: 'string',
                format: 'date-time',
                description: 'Default: the time of the match.',
              },
              incidentDateTimeDescription: { type: 'string' },
              escalateToHighPriority: {
                type: 'string',
                maxLength: 3000,
                description: 'Only when a child is in imminent danger.',
              },
              incidentUrls: {
                type: 'array',
                minItems: 1,
                maxItems: 20,
                items: { type: 'string', format: 'uri' },
              },
              thirdPartyHostedContent: { type: 'boolean' },
              reporter: { type: 'object', required: ['email'] },
              reportedUser: { type: 'object' },
              file: { type: 'object' },
              additionalInfo: { type: 'string' },
              ncmecReportId: {
                type: 'string',
                description: "NCMEC's report id from /submit (JSON answer only).",
              },
              ncmecFileId: {
                type: 'string',
                description: "NCMEC's file id from /upload (JSON answer only).",
              },
            },
          },
          produces: ['application/xml', 'application/json'],
          response: problems(400, 401, 403, 404, 429),
        },
      },
      async (request, reply) => {
        const exported = await cyberTipline.export(caller(request), request.body);
        if (wantsJson(request)) {
          // The documents NCMEC's Reporting API takes, for a platform that submits them itself.
          void reply.header('cache-control', 'no-store');
          return {
            matchRecordId: exported.matchRecordId,
            incidentType: exported.incidentType,
            incidentTypeLabel: CYBERTIPLINE_INCIDENT_LABELS[exported.incidentType],
            report: exported.documents.report,
            fileDetails: exported.documents.fileDetails,
            next:
              exported.documents.fileDetails === null
                ? 'POST report to NCMEC /submit, upload the file to /upload, then call again with ncmecReportId and ncmecFileId for the /fileinfo document, then /finish.'
                : 'POST fileDetails to NCMEC /fileinfo, then /finish.',
          };
        }
        void reply
          .header('cache-control', 'no-store')
          .header('content-disposition', `attachment; filename="${exported.fileName}"`)
          .type('application/xml; charset=utf-8');
        return exported.xml;
      },
    );

    scope.post(
      '/v1/cybertipline/submissions',
      {
        bodyLimit: 256 * 1024,
        schema: {
          tags: platformTags,
          summary: 'Submit the CyberTipline report for one of your match records to NCMEC (when configured)',
          description:
            "Takes the body of `POST /v1/cybertipline/reports` and submits the report through NCMEC's Reporting API: " +
            "`/submit` with the `<report>` (incident type: `csam` is child sexual abuse material; the matched file's " +
            'hashes are declared in the report, as Hashline never holds the media), then `/finish`. Each call is ' +
            'retried on 5xx, 429 and timeouts. Send an `Idempotency-Key` header: every step is kept in the audit log ' +
            "with NCMEC's report id, so repeating the request with the same key resumes a failed attempt without " +
            'opening a second report, and after success answers the same report id again (`replayed: true`). ' +
            '409 CYBERTIPLINE_NOT_CONFIGURED when the server has no NCMEC credentials.',
          headers: {
            type: 'object',
            properties: { 'idempotency-key': { type: 'string', maxLength: MAX_SUBMISSION_KEY } },
          },
          documentedBody: { type: 'object', description: 'As for POST /v1/cybertipline/reports.' },
          response: {
            201: {
              type: 'object',
              required: ['matchRecordId', 'ncmecReportId', 'incidentType', 'declaredFiles', 'replayed'],
              properties: {
                matchRecordId: { type: 'integer' },
                ncmecReportId: { type: 'string', description: "NCMEC's report id (also in the audit log)." },
                incidentType: {
                  type: 'string',
                  description: 'Hashline key of the incident type, e.g. `csam`.',
                },
                declaredFiles: { type: 'integer' },
                replayed: { type: 'boolean' },
              },
            },
            ...problems(400, 401, 403, 404, 409, 429, 502),
          },
        },
      },
      async (request, reply) => {
        const submitted = await cyberTipline.submit(
          caller(request),
          request.body,
          request.headers['idempotency-key'],
        );
        return reply.code(201).header('cache-control', 'no-store').send(submitted);
      },
    );

    scope.post<{ Params: { id: string } }>(
      '/v1/cybertipline/match-records/:id/file-views',
      {
        bodyLimit: 4096,
        schema: {
          tags: platformTags,
          summary:
            'Record that a person at your organisation viewed the matched file (audited; sets fileViewedByEsp)',
          documentedBody: {
            type: 'object',
            properties: {
              reviewer: {
                type: 'string',
                maxLength: 100,
                description: 'Your own pseudonymous reviewer reference, never a name.',
              },
              exifViewed: { type: 'boolean' },
            },
          },
          response: problems(400, 401, 403, 404, 429),
        },
      },
      async (request, reply) => {
        const id = Number(request.params.id);
        const views = await cyberTipline.recordFileViewed(caller(request), id, request.body);
        return reply.code(201).send({
          matchRecordId: id,
          fileViewed: views.fileViewed,
          exifViewed: views.exifViewed,
          views: views.views,
          at: views.at.toISOString(),
        });
      },
    );
  });
}

/** Whether the client asked for JSON rather than the XML file. */
function wantsJson(request: FastifyRequest): boolean {
  const accept = String(request.headers.accept ?? '');
  return /application\/json/i.test(accept) && !/application\/xml/i.test(accept);
}

/** A referral as the API shows it. */
export function referralView(r: Referral) {
  return {
    id: r.id,
    reportId: r.reportId,
    target: r.target,
    targetName: r.targetName,
    targetCountry: r.targetCountry,
    basis: r.basis,
    actionable: r.actionable,
    status: r.status,
    externalRef: r.externalRef,
    createdAt: r.createdAt.toISOString(),
    createdBy: r.createdBy,
    sentAt: r.sentAt?.toISOString() ?? null,
    updatedAt: r.updatedAt.toISOString(),
    urlIds: [...r.urlIds],
  };
}
