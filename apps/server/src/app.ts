import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import {
  BankService,
  DomainError,
  HashExchangeService,
  type HashExchangeStore,
  MatchRecorder,
  MatchService,
  hasScope,
  systemClock,
  type ApiKey,
  type Clock,
  type HashlineStore,
  type ImportJobStore,
  type HashExchangeClientRegistry,
  type MatchEngine,
  type ProbingHistory,
} from '@hashline/domain';
import type { HashingPool } from '@hashline/media-node';
import { bypassStoreGate } from '@hashline/storage';
import { createSafeFetcher } from '@hashline/capture-node';
import { createMemoryImportJobStore } from '@hashline/domain/testing';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { ApiKeyAuthenticator } from './auth/authenticator.js';
import { ApiKeyRateLimit } from './auth/api-key-rate-limit.js';
import { enforceBankList } from './auth/bank-limits.js';
import { VerdictGuard } from './auth/verdict-guard.js';
import { MemoryProbingHistory } from './auth/memory-probing-history.js';
import { LocalKeyRateLimiter, type KeyRateLimiter } from './auth/shared-rate-limiter.js';
import type { ServerConfig } from './config.js';
import { PROBLEM_CONTENT_TYPE, routeNotFound, toProblem } from './http-errors.js';
import { SHARED_SCHEMAS } from './http/schemas.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { accessOf, type RouteAccess } from './route-scopes.js';
import { StoreHealth } from './store-health.js';
import { apiKeyRoutes } from './routes/api-keys.routes.js';
import { bankRoutes } from './routes/banks.routes.js';
import { createHotline, type Hotline, type HotlineOverrides } from './hotline/hotline-wiring.js';
import { publicReportRoutes } from './hotline/public-report.routes.js';
import { createForwarding, referralRoutes, type Forwarding } from './hotline/referral.routes.js';
import { createExchange } from './hotline/exchange-wiring.js';
import { exchangeRoutes } from './hotline/exchange.routes.js';
import { statisticsRoutes } from './hotline/statistics.routes.js';
import {
  createTakedownModule,
  type TakedownModule,
  type TakedownOverrides,
} from './hotline/takedown-wiring.js';
import { takedownRoutes } from './hotline/takedown.routes.js';
import { hashExchangeWorkbenchRoutes } from './hotline/hash-exchange-workbench.routes.js';
import { workbenchRoutes } from './hotline/workbench.routes.js';
import { securityAlertRoutes } from './hotline/security-alerts.routes.js';
import { matchRoutes } from './routes/match.routes.js';
import { mediaRoutes } from './routes/media.routes.js';
import { hmaRoutes } from './routes/hma.routes.js';
import { operationsRoutes } from './routes/operations.routes.js';
import { webhookRoutes } from './routes/webhooks.routes.js';
import { IMPORT_SCHEMAS, importRoutes } from './routes/imports.routes.js';
import { ImportJobRunner } from './imports/import-job-runner.js';
import { hashExchangeRoutes } from './routes/hash-exchanges.routes.js';
import { createHashExchangeClients } from './hash-exchanges/hash-exchange-clients.js';
import { FEED_CONTENT_TYPES } from './hash-exchanges/feed-exchange-client.js';
import { WEBHOOKS_OPENAPI } from './webhooks/webhook-openapi.js';
import {
  SELF_SUBMISSION_SCHEMAS,
  selfSubmissionOptionsFrom,
  selfSubmissionRoutes,
  type SelfSubmissionOptions,
} from './routes/self-submission.routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated API key; null on public routes. */
    apiKey: ApiKey | null;
  }
  interface FastifyInstance {
    /** Every route registered on the app (method and URL pattern), for the access-table test. */
    hashlineRoutes(): readonly { readonly method: string; readonly url: string }[];
    /** The hotline's services (the server runs its capture worker). */
    hashlineHotline: Hotline;
    /** Subscribes to new reports (the capture worker wakes at once instead of at its next poll). */
    onHashlineReport(listener: (reportId: string) => void): void;
    /** Notice and takedown, and retention (the server runs their scheduler). */
    hashlineTakedown: TakedownModule;
    /** Referrals and the CyberTipline export. */
    hashlineForwarding: Forwarding;
    /** Writes match records in group commits (closed, after a flush, when the app closes). */
    hashlineMatchRecorder: MatchRecorder;
    /** Scheduled hash exchanges (the server runs their scheduler); undefined on a store without them. */
    hashlineExchanges: HashExchangeService | undefined;
  }
  interface FastifySchema {
    /**
     * The request body as documented in OpenAPI. Bodies are validated by the domain services
     * (which list every bad item with its stable code), so it is kept out of Fastify's validator.
     */
    documentedBody?: unknown;
  }
}

/** What an app needs: configuration and the already-opened adapters. */
export interface AppDependencies {
  readonly config: ServerConfig;
  readonly store: HashlineStore;
  /** The match engine over `store`; the caller loads it (the app answers 503 until then). */
  readonly engine: MatchEngine;
  readonly hashingPool: HashingPool;
  readonly clock?: Clock;
  /** A pino-compatible logger (default: Fastify's pino at `config.logLevel`, secrets redacted). */
  readonly logger?: FastifyBaseLogger;
  /** Where the default logger writes (default stdout); tests capture lines with it. */
  readonly logStream?: { write(line: string): void };
  /** Metrics to record into (default: a new registry). */
  readonly metrics?: ServerMetrics;
  /** Self-submission and the web app (default: read from the environment, cases kept in memory). */
  readonly selfSubmission?: SelfSubmissionOptions;
  /** Hotline adapters to use instead of the configured ones (tests). */
  readonly hotline?: HotlineOverrides;
  /** Notice-and-takedown adapters to use instead of the configured ones (tests). */
  readonly takedown?: TakedownOverrides;
  /** Hash-exchange client types to use instead of the built-in ones (tests: loopback mocks over plain http). */
  readonly hashExchangeClients?: HashExchangeClientRegistry;
  /** The store's health check (default: a new one on `store`, started here and stopped on close). */
  readonly storeHealth?: StoreHealth;
  /**
   * Where API keys' token buckets live (default: in this process). The server passes the
   * PostgreSQL-backed limiter so the limit holds across replicas; the app closes it.
   */
  readonly rateLimiter?: KeyRateLimiter;
  /**
   * Where verdict-only keys' hourly and daily hash quotas live (default: in this process; the
   * server passes PostgreSQL-backed ones beside the shared rate limit). The app closes them.
   */
  readonly hashQuotas?: { readonly hourly: KeyRateLimiter; readonly daily: KeyRateLimiter };
  /**
   * Where verdict-only keys' recent queries live for probing detection (default: in this process;
   * the server passes the PostgreSQL one, shared by every process). The app closes it.
   */
  readonly probingHistory?: ProbingHistory;
}

/** Everything the route modules share. */
export interface AppContext {
  readonly config: ServerConfig;
  readonly store: HashlineStore;
  readonly engine: MatchEngine;
  readonly hashingPool: HashingPool;
  readonly clock: Clock;
  readonly banks: BankService;
  readonly matcher: MatchService;
  readonly metrics: ServerMetrics;
  readonly authenticator: ApiKeyAuthenticator;
  /** The hotline: public reports, capture, workbench, audit. */
  readonly hotline: Hotline;
  /** Whether the store answers (bounded checks): `/readyz`, and matching without the store. */
  readonly storeHealth: StoreHealth;
  /** API keys' rate limits: routes whose cost depends on the body charge the rest once it is parsed. */
  readonly rateLimit: ApiKeyRateLimit;
  /** Oracle resistance of verdict-only keys: batch size, hash quotas, probing detection (issue 15). */
  readonly verdict: VerdictGuard;
}

/** `Retry-After` of a 503 STORE_UNAVAILABLE: about when the health check will have looked again. */
export const STORE_RETRY_AFTER_SECONDS = 2;

/** Largest JSON body of any route but the bulk entry add (which allows `config.maxJsonBytes`). */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * Fastify's `trustProxy` for our setting. A hop count becomes the function proxy-addr itself
 * makes of a number (trust the `hops` nearest addresses), as Fastify's types accept no number.
 */
function trustProxyOption(
  setting: ServerConfig['trustProxy'],
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (setting === false) return false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return [...setting];
}

/** Fastify's errors raised before routing, sent as problem+json (see buildApp). */
function sendFrameworkError(error: Error, _request: FastifyRequest, reply: FastifyReply): void {
  const { problem } = toProblem(error);
  void reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

/** Headers that carry secrets: redacted from every log line. */
const REDACTED = ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'];

/**
 * Builds the HTTP API as a Fastify instance, without listening (tests use `app.inject()`).
 * Every error leaves as `application/problem+json` with a stable code; every route is guarded by
 * the access table in route-scopes.ts and by the per-key rate limit.
 */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { config, store, engine, hashingPool } = deps;
  const clock = deps.clock ?? systemClock;
  const app = Fastify({
    ...(deps.logger
      ? { loggerInstance: deps.logger }
      : {
          logger: {
            level: config.logLevel,
            redact: { paths: REDACTED, censor: '[redacted]' },
            ...(deps.logStream ? { stream: deps.logStream } : {}),
          },
        }),
    // One line per response (below) instead of Fastify's two; bodies are never logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: DEFAULT_BODY_LIMIT,
    // A hop count or the proxies' addresses (config.ts refuses `true`, which would believe any
    // X-Forwarded-For a client writes).
    trustProxy: trustProxyOption(config.trustProxy),
    return503OnClosing: true,
    // Errors Fastify raises before routing (a malformed URL, a path parameter over maxParamLength)
    // leave as our problem+json with a catalogue code, like every other error.
    frameworkErrors: sendFrameworkError,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true },
    },
  });

  let storeHealth = deps.storeHealth;
  if (!storeHealth) {
    const own = new StoreHealth({
      probe: () => bypassStoreGate(() => store.latestSeq()),
      timeoutMs: config.store.healthTimeoutMs,
      intervalMs: config.store.healthIntervalMs,
    });
    own.start();
    app.addHook('onClose', async () => own.stop());
    storeHealth = own;
  }
  const health = storeHealth;
  const exchangeStore = hashExchangeStoreOf(store);
  const metrics =
    deps.metrics ??
    createMetrics({
      engine,
      store,
      clock,
      hashingPool,
      storeHealth: health,
      ...(exchangeStore ? { hashExchanges: () => exchangeStore.listExchanges() } : {}),
    });
  // Every bank change is written to the hotline's audit chain with its actor (issue 15); the
  // hotline (created below, after the service it publishes through) owns that chain.
  const auditTo: { store?: Hotline['store'] } = {};
  const banks = new BankService(store, engine, {
    fourEyesBanks: [config.hotline.bank],
    audit: async (event) => {
      await auditTo.store?.appendAudit(
        {
          actor: event.actor,
          action: event.action,
          subjectType: 'bank',
          subjectId: event.bank,
          details: event.details,
        },
        clock.now(),
      );
    },
  });
  const context: AppContext = {
    config,
    store,
    engine,
    hashingPool,
    clock,
    banks,
    hotline: createHotline({
      config,
      store,
      engine,
      banks,
      hashingPool,
      clock,
      ...(deps.hotline ? { overrides: deps.hotline } : {}),
    }),
    matcher: new MatchService(engine, store, clock, {
      recorder: new MatchRecorder(store, {
        maxGroupSize: config.matchRecords.groupSize,
        onCommit: (records) => {
          metrics.matchRecordCommits.inc();
          metrics.matchRecordsCommitted.inc(records);
        },
      }),
      storeAvailable: () => health.available,
      onStoreUnavailable: (lost, error) => {
        metrics.storeUnavailableMatches.inc({ lost });
        health.reportUnavailable(error);
      },
    }),
    metrics,
    authenticator: new ApiKeyAuthenticator(store, config.apiKeyCacheMs, Date.now, () => health.available),
    storeHealth: health,
    rateLimit: new ApiKeyRateLimit(
      deps.rateLimiter ?? new LocalKeyRateLimiter(config.rateLimit.burstSeconds),
      config.rateLimit.perSecond,
      () => metrics.rateLimited.inc(),
    ),
    verdict: undefined as unknown as VerdictGuard,
  };
  const hashQuotas = deps.hashQuotas ?? {
    hourly: new LocalKeyRateLimiter(3_600),
    daily: new LocalKeyRateLimiter(86_400),
  };
  const probingHistory = deps.probingHistory ?? new MemoryProbingHistory();
  let probingHistoryLoggedAt = 0;
  (context as { verdict: VerdictGuard }).verdict = new VerdictGuard({
    settings: config.verdict,
    hourly: hashQuotas.hourly,
    daily: hashQuotas.daily,
    history: probingHistory,
    now: () => clock.now().getTime(),
    // A shared history lives in the database: while the store is away, answer without it.
    ...(deps.probingHistory ? { historyAvailable: () => health.available } : {}),
    onHistoryUnavailable: (error) => {
      metrics.probingHistoryUnavailable.inc();
      if (Date.now() - probingHistoryLoggedAt < 60_000) return;
      probingHistoryLoggedAt = Date.now();
      app.log.warn({ err: error }, 'probing history unavailable: answered without probing detection');
    },
    edgeEntries: (value, band) => engine.thresholdEdgeEntries(value, band).map((e) => e.entryId),
    onQuotaRefused: (period) => metrics.hashQuotaRefused.inc({ period }),
    onAlert: async (alert) => {
      metrics.probingAlerts.inc({ suspended: String(alert.suspended) });
      if (alert.suspended) {
        await store.revokeApiKey(alert.keyId);
        context.authenticator.forget(alert.keyId);
      }
      // Admin-visible: GET /v1/security/alerts and the workbench's audit log.
      await context.hotline.store.appendAudit(
        {
          actor: 'system:probing-detector',
          action: 'api_key_probing_suspected',
          subjectType: 'api_key',
          subjectId: alert.keyId,
          details: {
            rule: alert.rule,
            nearQueries: alert.nearQueries,
            radius: alert.radius,
            suspended: alert.suspended,
          },
        },
        clock.now(),
      );
      app.log.warn({ key: alert.keyId, rule: alert.rule, suspended: alert.suspended }, 'probing suspected');
    },
  });
  app.addHook('onClose', async () => {
    await hashQuotas.hourly.close();
    await hashQuotas.daily.close();
    await probingHistory.close();
  });
  auditTo.store = context.hotline.store;
  app.addHook('onClose', async () => context.rateLimit.close());
  // The capture browser (issue 16) closes with the app; a capture in flight fails and is retried.
  app.addHook('onClose', async () => context.hotline.close());
  // After the requests in flight have finished (onClose hooks run once the server has closed):
  // every queued match record commits before the store closes (server.ts closes it after the app).
  app.addHook('onClose', async () => context.matcher.recorder.close());
  app.decorate('hashlineMatchRecorder', context.matcher.recorder);

  const registered: { method: string; url: string }[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) registered.push({ method: String(method), url: route.url });
  });
  app.decorate('hashlineRoutes', () => registered);
  for (const schema of [...SHARED_SCHEMAS, ...SELF_SUBMISSION_SCHEMAS, ...IMPORT_SCHEMAS])
    app.addSchema(schema);
  app.decorateRequest('apiKey', null);

  app.setErrorHandler((error, request, reply) => {
    const { problem, internal } = toProblem(error);
    if (internal) request.log.error({ err: error }, 'unexpected error');
    // Media work is bounded (issue 15): a full queue or a key at its limit retries in a second.
    if (problem.code === 'MEDIA_BUSY') void reply.header('retry-after', '1');
    if (problem.code === 'STORE_UNAVAILABLE') {
      void reply.header('retry-after', String(STORE_RETRY_AFTER_SECONDS));
      // Matching and API keys stop waiting on the store at once; the health check sees its return.
      health.reportUnavailable(error);
    }
    void reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
  });
  app.setNotFoundHandler((request, reply) => {
    const { problem } = toProblem(routeNotFound(request.method, request.url));
    void reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
  });

  // Authentication, scope check and rate limit, before the body is read: an unauthenticated or
  // refused request never gets its upload parsed.
  app.addHook('onRequest', async (request, reply) => {
    if (request.is404) return;
    const access = accessOf(request.method, request.routeOptions.url ?? '');
    // Public routes need nothing; workbench routes check their session in their own hook.
    if (access === 'public' || access === 'session') return;
    if (access === undefined) {
      // Fail closed: a route without a row in the access table is refused to everyone.
      throw new DomainError('FORBIDDEN', 'This route has no access rule; nobody may call it.');
    }
    const key = await context.authenticator.authenticate(
      request.headers.authorization,
      headerValue(request.headers['x-api-key']),
    );
    request.apiKey = key;
    if (!allows(key, access)) {
      throw new DomainError('FORBIDDEN', `This operation needs the ${describeAccess(access)} scope.`);
    }
    await context.rateLimit.charge(key, reply, 1);
    // A key limited to named banks touches only those (issue 15); most keys have no list, and
    // skipping the call spares every request a promise.
    if (key.banks != null) {
      await enforceBankList(key, request.method, request.routeOptions.url ?? '', request.params, banks);
    }
  });

  // Graceful shutdown: once close() starts, responses to requests still in flight say
  // `Connection: close`, so their keep-alive connections end with them and the server's close
  // (which waits for every connection) finishes instead of waiting for idle clients.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  const hsts =
    config.hsts.maxAgeSeconds > 0
      ? `max-age=${config.hsts.maxAgeSeconds}${config.hsts.includeSubDomains ? '; includeSubDomains' : ''}`
      : null;
  // The hooks every request passes are callback-style, not async: an async hook costs each
  // request a promise and a microtask turn (measured with bench:matched's server profile).
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('connection', 'close');
    if (hsts !== null) void reply.header('strict-transport-security', hsts);
    done(null, payload);
  });

  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    // No body, query values or headers: method, route pattern, status, time and the key id.
    request.log.info(
      {
        method: request.method,
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        key: request.apiKey?.id,
      },
      'request',
    );
    done();
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Hashline API',
        version: '1.0.0',
        description: OPENAPI_DESCRIPTION,
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      tags: [
        { name: 'match', description: 'Match hashes or media against the banks.' },
        { name: 'banks', description: 'Hash banks, their entries and their change feed.' },
        { name: 'match-records', description: 'Stored records of queries that matched.' },
        {
          name: 'webhooks',
          description:
            'The webhook outbox: deliveries by status, and redelivery (one, or a bank from a seq on).',
        },
        { name: 'api-keys', description: 'API keys and their scopes (admin).' },
        { name: 'operations', description: 'Health, readiness and metrics.' },
        {
          name: 'self-submission',
          description: 'Public, no key: people submit hashes of their own images, computed on their device.',
        },
        {
          name: 'hotline (public)',
          description: 'Public, no key: anonymous reports of URLs and the receipt lookup.',
        },
        {
          name: 'hotline exchange',
          description:
            'Partner hotlines (API key with exchange:submit): cases forwarded between hotlines, never media.',
        },
        {
          name: 'hotline workbench',
          description: 'Hotline staff, signed in: the queue, assessments (four eyes), audit log.',
        },
      ],
      // Plain OpenAPI 3.1; the plugin types path items with its own object model.
      webhooks: WEBHOOKS_OPENAPI as never,
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key token `hl_<id>_<secret>`.',
          },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          sessionCookie: {
            type: 'apiKey',
            in: 'cookie',
            name: 'hl_session',
            description: 'A workbench session from POST /v1/workbench/session.',
          },
        },
      },
    },
    transformObject: (documentation) =>
      rawUploadBodies(
        ('openapiObject' in documentation
          ? documentation.openapiObject
          : documentation.swaggerObject) as ApiDocument,
      ) as never,
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
    transform: ({ schema, url, route }) => {
      const { documentedBody, ...rest } = (schema ?? {}) as Record<string, unknown>;
      const method = Array.isArray(route.method) ? String(route.method[0]) : String(route.method);
      const access = accessOf(method, url);
      const out: Record<string, unknown> =
        documentedBody === undefined ? rest : { ...rest, body: documentedBody };
      if (access === 'session') {
        out.security = [{ sessionCookie: [] }];
        const note =
          '**Access:** a signed-in workbench session (cookie `hl_session`); non-GET requests also send `X-CSRF-Token`.';
        out.description = out.description ? `${String(out.description)}\n\n${note}` : note;
      } else if (access !== undefined && access !== 'public') {
        out.security = [{ bearerAuth: [] }, { apiKeyHeader: [] }];
        const note = `**Access:** ${access === 'authenticated' ? 'any valid API key' : `scope ${describeAccess(access)}`}.`;
        out.description = out.description ? `${String(out.description)}\n\n${note}` : note;
      }
      // Fastify's JSON-schema dialect keeps `schema` objects typed loosely; the plugin accepts them.
      return { schema: out as never, url };
    },
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    logo: { type: 'image/svg+xml', content: Buffer.from(DOCS_LOGO) },
    staticCSP: true,
    // Everything the docs page loads is served from here: no CDN, no validator badge, no https:
    // wildcards, and no upgrade-insecure-requests (which would break the page on plain-HTTP loopback).
    // Swagger UI sets style attributes at run time, which style hashes cannot allow: inline styles
    // are allowed (scripts stay hash-locked).
    transformStaticCSP: (header) =>
      header
        .replace(' validator.swagger.io', '')
        .replace("font-src 'self' https: data:", "font-src 'self' data:")
        .replace(/style-src [^;]*;/, "style-src 'self' 'unsafe-inline';")
        .replace(' upgrade-insecure-requests;', ''),
    uiConfig: { deepLinking: true, validatorUrl: null, persistAuthorization: false },
  });

  await app.register(async (scope) => operationsRoutes(scope, context));
  await app.register(async (scope) => apiKeyRoutes(scope, context));
  await app.register(async (scope) => bankRoutes(scope, context));
  await app.register(async (scope) => webhookRoutes(scope, context));
  // Bulk imports (issue 12): jobs run in this process, one at a time; an unfinished job of this
  // spool directory resumes once the app is ready, and stops between batches on close.
  const importJobs = importJobStoreOf(store) ?? createMemoryImportJobStore();
  const importRunner = new ImportJobRunner({
    jobs: importJobs,
    banks,
    spoolDir: config.imports.spoolDir,
    batchSize: config.imports.batchSize,
    logger: app.log,
    clock,
    registry: metrics.registry,
  });
  app.addHook('onReady', async () => importRunner.start());
  app.addHook('onClose', async () => importRunner.stop());
  await app.register(async (scope) =>
    importRoutes(scope, context, { jobs: importJobs, runner: importRunner }),
  );
  // Scheduled hash exchanges (issue 14): configured over the API; server.ts runs the scheduler.
  const exchanges = exchangeStore
    ? new HashExchangeService({
        store: exchangeStore,
        banks,
        clients:
          deps.hashExchangeClients ??
          createHashExchangeClients({
            feedFetcher: createSafeFetcher({
              maxBytes: config.hashExchanges.feedMaxBytes,
              timeoutMs: config.hashExchanges.timeoutMs,
              allowLoopbackForTests: config.hotline.captureAllowLoopbackForTests,
              pageTypes: FEED_CONTENT_TYPES,
            }),
            timeoutMs: config.hashExchanges.timeoutMs,
          }),
        secrets: context.hotline.secrets,
        clock,
        claimant: `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
        settings: {
          leaseMs: config.hashExchanges.leaseMs,
          minIntervalSeconds: config.hashExchanges.minIntervalSeconds,
          maxPagesPerRun: config.hashExchanges.maxPagesPerRun,
          backoffBaseMs: config.hashExchanges.backoffBaseMs,
          backoffMaxMs: config.hashExchanges.backoffMaxMs,
        },
        audit: async (event) => {
          await context.hotline.store.appendAudit(
            {
              actor: event.actor,
              action: 'hash_exchange_changed',
              subjectType: 'hash_exchange',
              subjectId: event.exchange,
              details: { change: event.change, ...event.details },
            },
            clock.now(),
          );
        },
        onRunEnded: (outcome) => {
          const exchange = outcome.exchange.name;
          metrics.exchangeRuns.inc({
            exchange,
            outcome: outcome.leaseLost ? 'lease_lost' : outcome.ok ? 'ok' : 'failed',
          });
          if (outcome.errorKind) metrics.exchangeErrors.inc({ exchange, kind: outcome.errorKind });
          for (const [result, n] of [
            ['sent', outcome.feedbackSent],
            ['failed', outcome.feedbackFailed],
            ['refused', outcome.feedbackRefused],
          ] as const) {
            if (n > 0) metrics.exchangeFeedbackVotes.inc({ type: outcome.exchange.type, result }, n);
          }
          for (const [kind, n] of [
            ['added', outcome.added],
            ['updated', outcome.updated],
            ['withdrawn', outcome.withdrawn],
            ['skipped', outcome.skipped],
            ['error', outcome.errors],
          ] as const) {
            if (n > 0) metrics.exchangeRecords.inc({ exchange, kind }, n);
          }
          // Counts, kinds and our own messages only: never credentials, URLs' secrets or hash values.
          const details = {
            exchange,
            type: outcome.exchange.type,
            pages: outcome.pages,
            added: outcome.added,
            updated: outcome.updated,
            withdrawn: outcome.withdrawn,
            skipped: outcome.skipped,
            errors: outcome.errors,
            uploaded: outcome.uploaded,
          };
          if (outcome.ok || outcome.leaseLost) app.log.info(details, 'hash exchange run ended');
          else
            app.log.warn(
              { ...details, kind: outcome.errorKind, reason: outcome.errorMessage },
              'hash exchange run failed',
            );
        },
      })
    : undefined;
  app.decorate('hashlineExchanges', exchanges);
  app.addHook('onClose', async () => exchanges?.stop());
  await app.register(async (scope) => hashExchangeRoutes(scope, context, exchanges));
  await app.register(async (scope) => matchRoutes(scope, context));
  await app.register(async (scope) => mediaRoutes(scope, context));
  // HMA-compatible endpoints (issue 14): hash and match by URL, compare, add by media, index status.
  await app.register(async (scope) => hmaRoutes(scope, context));
  const selfSubmission = deps.selfSubmission ?? selfSubmissionOptionsFrom(deps.config);
  await app.register(async (scope) => selfSubmissionRoutes(scope, context, selfSubmission));
  const reportListeners: ((reportId: string) => void)[] = [];
  app.decorate('hashlineHotline', context.hotline);
  app.decorate(
    'onHashlineReport',
    (listener: (reportId: string) => void) => void reportListeners.push(listener),
  );
  await app.register(async (scope) =>
    publicReportRoutes(scope, context, context.hotline, (id) => reportListeners.forEach((l) => l(id))),
  );
  const takedown = createTakedownModule({
    config,
    store,
    hotline: context.hotline,
    clock,
    ...(deps.takedown ? { overrides: deps.takedown } : {}),
  });
  app.decorate('hashlineTakedown', takedown);
  app.addHook('onClose', async () => takedown.close());
  // The workbench scope: its hook signs analysts in (cookie + CSRF) for every route registered here.
  await app.register(async (scope) => {
    await workbenchRoutes(scope, context, context.hotline);
    await takedownRoutes(scope, context, context.hotline, takedown);
    await hashExchangeWorkbenchRoutes(scope, context, exchanges);
    await securityAlertRoutes(scope, context);
  });
  const forwarding = createForwarding({ context, hotline: context.hotline });
  app.decorate('hashlineForwarding', forwarding);
  await app.register(async (scope) => referralRoutes(scope, context, context.hotline, forwarding));
  await app.register(async (scope) =>
    statisticsRoutes(scope, context, context.hotline, context.hotline.statistics),
  );
  const exchange = createExchange({
    config,
    store,
    hotline: context.hotline,
    clock,
    referrals: forwarding.store,
  });
  await app.register(async (scope) =>
    exchangeRoutes(scope, context, context.hotline, {
      exchange,
      onReport: (id) => reportListeners.forEach((l) => l(id)),
    }),
  );
  return app;
}

/** The store's hash exchanges (`store.hashExchanges`, a `KyselyHashExchangeStore`), when it has them. */
function hashExchangeStoreOf(store: HashlineStore): HashExchangeStore | undefined {
  const candidate = (store as { hashExchanges?: unknown }).hashExchanges;
  return typeof candidate === 'object' && candidate !== null ? (candidate as HashExchangeStore) : undefined;
}

/** The store's import jobs (`store.importJobs`, a `KyselyImportJobStore`), when it has them. */
function importJobStoreOf(store: HashlineStore): ImportJobStore | undefined {
  const candidate = (store as { importJobs?: unknown }).importJobs;
  return typeof candidate === 'object' && candidate !== null ? (candidate as ImportJobStore) : undefined;
}

/** Whether `key` may call a route with `access`. */
export function allows(key: Pick<ApiKey, 'scopes'>, access: RouteAccess): boolean {
  if (access === 'public' || access === 'authenticated') return true;
  // Workbench routes take no API key at all.
  if (access === 'session') return false;
  return hasScope(key.scopes, access);
}

type ApiDocument = { paths?: Record<string, Record<string, unknown>> };

/** In the OpenAPI document, a raw upload body (octet-stream, image/*) is binary, not a form. */
function rawUploadBodies(doc: ApiDocument): ApiDocument {
  for (const operations of Object.values(doc.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      const content = (operation as { requestBody?: { content?: Record<string, { schema: unknown }> } })
        .requestBody?.content;
      for (const [type, media] of Object.entries(content ?? {})) {
        if (type === 'application/octet-stream' || type.startsWith('image/')) {
          media.schema = { type: 'string', format: 'binary', description: 'The image bytes.' };
        }
      }
    }
  }
  return doc;
}

function describeAccess(access: RouteAccess): string {
  return typeof access === 'string' ? access : access.map((s) => `\`${s}\``).join(' or ');
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The docs page's wordmark (served by the docs plugin itself, like every asset of the page). */
const DOCS_LOGO =
  '<svg xmlns="http://www.w3.org/2000/svg" width="150" height="40" viewBox="0 0 150 40">' +
  '<text x="0" y="29" font-family="sans-serif" font-size="26" font-weight="700" fill="#ffffff">Hashline</text></svg>';

const OPENAPI_DESCRIPTION = `Hashline matches images against hash banks of known child sexual abuse material (PDQ, MD5,
SHA-1, SHA-256), keeps a record of every match, and notifies bank owners by signed webhooks.

**Authentication.** Every \`/v1\` route needs an API key: \`Authorization: Bearer hl_<id>_<secret>\`
(or \`X-API-Key\`). Keys have scopes: \`admin\` (everything), \`banks:write\` (implies \`banks:read\`),
\`banks:read\`, \`match\` (full results) and \`match:verdict\` (matched yes/no only: no banks, entries or
distances; batches of at most 10 hashes, hourly and daily hash quotas, and probing detection that alerts
an admin and suspends the key make reading a banked hash out of yes/no answers slow and visible). A key
may be limited to named banks (\`banks\`). Banks that hold published material (\`fourEyes\`, the hotline's
bank) change only through the workbench's four-eyes publication: API keys get 403 \`FOUR_EYES_REQUIRED\`. Each key has a token-bucket rate limit, shared by every
server process: a request takes one token, and \`POST /v1/match\` one per hash; over it, 429 with
\`Retry-After\`.

**Errors.** Every error is \`application/problem+json\` with a stable \`code\` (e.g. \`INVALID_HASH\`,
\`LOW_QUALITY_HASH\`, \`BATCH_TOO_LARGE\`) and, for batches, \`errors[]\` naming each bad item
(\`/hashes/3/value\`). Any route that needs the database answers 503 \`STORE_UNAVAILABLE\` with \`Retry-After\`
while the database is down or does not answer in time; matching keeps answering from memory then, with
\`"recorded": false\` and no \`recordId\`.

**Freshness.** An entry added through this API matches on the very next request; changes committed by
other processes match within milliseconds on PostgreSQL (notifications) and within about a second on
SQLite. \`GET /readyz\` reports how far the index has applied the
change log.

**Webhooks.** Bodies are signed: \`Hashline-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>\`;
\`Idempotency-Key\` is stable across retries and redeliveries. Every body carries \`seq\`, the bank's
notification number (1, 2, 3… without gaps, in commit order; also in the \`Hashline-Seq\` header): order
and deduplicate by it, and ask for a redelivery from the first seq you miss. Deliveries to one endpoint go
out one at a time in seq order; failures are retried with exponential back-off and jitter for
\`HASHLINE_WEBHOOK_RETRY_HOURS\` (72 by default), then marked failed, listed and redeliverable.`;
