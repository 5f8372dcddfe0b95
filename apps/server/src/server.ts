import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  MatchEngine,
  MatchRecordRetention,
  systemClock,
  type Clock,
  type HashlineStore,
  type HashExchangeStore,
} from '@hashline/domain';
import { createHashingPool, type HashingPool } from '@hashline/media-node';
import {
  bypassStoreGate,
  listenForChanges,
  openPostgresProbingHistory,
  openPostgresRateBuckets,
  openStore,
} from '@hashline/storage';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { Counter, Gauge } from 'prom-client';
import { buildApp } from './app.js';
import { apiKeyFromToken, createApiKey, parseToken, secretMatches } from './auth/api-key-tokens.js';
import { SharedRateLimiter } from './auth/shared-rate-limiter.js';
import { loadConfig, storeConnectionOptions, type ServerConfig } from './config.js';
import { createWorkerIndexBuilder, createWorkerIndexRebuilder } from './index-build/worker-index-builder.js';
import { createActiveSignalsReader } from './index-build/active-signals-reader.js';
import { createFileIndexSnapshots } from './index-snapshot/file-index-snapshots.js';
import { loadAnchorKey, publishAuditHead } from './hotline/audit-anchor-publisher.js';
import { startCaptureWorker } from './hotline/capture-worker.js';
import { startPollingLoop, throttledFailureLog } from './hotline/polling-loop.js';
import { startTakedownScheduler } from './hotline/takedown-scheduler.js';
import { hotlineStoreOf, type HotlineOverrides } from './hotline/hotline-wiring.js';
import { createMetrics } from './metrics.js';
import { hashingPoolOptions } from './media/hashing-pool-options.js';
import { StoreHealth } from './store-health.js';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher.js';

/** Options of {@link startServer}; everything defaults to what the environment configures. */
export interface StartServerOptions {
  /** Configuration (default: {@link loadConfig} of `process.env`). */
  readonly config?: ServerConfig;
  /** An open store to use instead of opening `config.databaseUrl` (it is not closed by `close()`). */
  readonly store?: HashlineStore;
  readonly clock?: Clock;
  readonly logger?: FastifyBaseLogger;
  /** Create an admin key when the store has none (default true); see {@link RunningServer.initialAdminToken}. */
  readonly bootstrapAdmin?: boolean;
  /** Build the index in worker threads (default true; false builds in the main thread). */
  readonly indexWorkers?: boolean;
  /** Deliver webhooks from this process (default true). */
  readonly webhooks?: boolean;
  /** Run the hotline's capture worker in this process (default: `config.hotline.captureWorker`). */
  readonly captureWorker?: boolean;
  /** Run due hash exchanges in this process (default: `config.hashExchanges.scheduler`). */
  readonly hashExchanges?: boolean;
  /** Run the takedown re-checks and the retention job in this process (default: `config.hotline.takedown.scheduler`). */
  readonly takedownScheduler?: boolean;
  /** Hotline adapters to use instead of the configured ones (tests). */
  readonly hotline?: HotlineOverrides;
  /**
   * Run the match-record retention job in this process (default true when
   * `config.matchRecords.retentionDays` > 0): at start, then every `HASHLINE_RETENTION_INTERVAL_MS`.
   */
  readonly matchRecordRetention?: boolean;
  /**
   * The index snapshot file when `store` is given (default none: `config.indexSnapshot` belongs to
   * the configured database, not to a store opened elsewhere).
   */
  readonly indexSnapshot?: string | null;
}

/** A listening server. */
export interface RunningServer {
  readonly app: FastifyInstance;
  /** `http://host:port` it listens on. */
  readonly url: string;
  readonly config: ServerConfig;
  readonly store: HashlineStore;
  readonly engine: MatchEngine;
  /**
   * The store's health check. A caller that opened the store itself (`options.store`) can gate it
   * with `gate: () => storeHealth.available` so its calls fail fast during an outage too.
   */
  readonly storeHealth: StoreHealth;
  /** Resolves when the index has loaded (failed loads are retried; rejects only if closed first). */
  readonly indexLoaded: Promise<void>;
  /**
   * The token of the admin key created because the store had no key, else null. It is also
   * written to `<dataDir>/initial-admin-token` (mode 0600); it is never logged.
   */
  readonly initialAdminToken: string | null;
  /** Where the initial admin token was written, when one was created. */
  readonly initialAdminTokenFile: string | null;
  /** Stops accepting requests, finishes those in flight, stops background work, closes what it opened. */
  close(): Promise<void>;
}

/**
 * Opens the store, starts listening, loads the match index in the background (`/readyz` answers
 * 503 until it is loaded), follows the change log (woken by PostgreSQL notifications, and every
 * `pollIntervalMs` as the fallback) so commits of other processes become matchable within
 * milliseconds (about a second on SQLite), and delivers webhooks. Installs no signal
 * handlers: {@link runServer} (run-server.ts) does, for `main.ts` and the CLI's `hashline serve`.
 */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const config = options.config ?? loadConfig();
  const clock = options.clock ?? systemClock;
  const ownsStore = options.store === undefined;
  let sqliteFile: string | null = null;
  if (ownsStore && config.databaseUrl.startsWith('sqlite:') && config.databaseUrl !== 'sqlite::memory:') {
    sqliteFile = config.databaseUrl.slice('sqlite:'.length).replace(/^\/\//, '');
    await mkdir(dirname(sqliteFile), { recursive: true, mode: 0o700 });
  }
  const snapshotPath = ownsStore ? config.indexSnapshot : (options.indexSnapshot ?? null);
  // Set once the health check exists: from then on, store calls fail at once while it finds the
  // database away, instead of each waiting for its own timeout.
  let gate: StoreHealth | undefined;
  const store =
    options.store ??
    (await openStore(config.databaseUrl, {
      clock,
      gate: () => gate?.available ?? true,
      connection: storeConnectionOptions(config),
    }));
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async (): Promise<void> => {
    for (const step of cleanups.splice(0).reverse()) await step().catch(() => undefined);
  };
  if (ownsStore) cleanups.push(() => store.close());
  try {
    // Set once the app (and its logger) exists, before the index starts loading.
    const engineLog: { current?: FastifyBaseLogger } = {};
    // Builds and rebuilds run in worker threads on shared memory, so a 10M-hash index never
    // blocks the event loop or gets copied between threads. The cold load reads the store in a
    // worker too (its own connection); the snapshot (when configured) spares the read and the build.
    const engine = new MatchEngine(store, {
      ...(options.indexWorkers === false
        ? {}
        : {
            buildIndex: createWorkerIndexBuilder(),
            rebuildIndex: createWorkerIndexRebuilder(),
            sharedMemory: true,
            ...(sqliteFile
              ? { readActive: createActiveSignalsReader({ kind: 'sqlite', file: sqliteFile }) }
              : ownsStore && /^postgres(ql)?:/.test(config.databaseUrl)
                ? {
                    readActive: createActiveSignalsReader({
                      kind: 'postgres',
                      url: config.databaseUrl,
                      connectTimeoutMs: config.store.connectTimeoutMs,
                    }),
                  }
                : {}),
          }),
      ...(snapshotPath
        ? { snapshots: createFileIndexSnapshots(snapshotPath, storeKeyOf(config.databaseUrl)) }
        : {}),
      yieldToEventLoop: () => new Promise<void>((resolve) => setImmediate(resolve)),
      // One line per event, with no hash in it.
      onEvent: (event) => {
        const log = engineLog.current;
        if (event.type === 'snapshot-rejected') {
          log?.warn(
            { snapshot: snapshotPath, reason: event.reason },
            'index snapshot not used; loading from the store',
          );
        } else if (event.type === 'snapshot-written') {
          log?.info({ snapshot: snapshotPath, seq: event.seq, ms: event.ms }, 'index snapshot written');
        } else if (event.type === 'snapshot-write-failed') {
          log?.error({ snapshot: snapshotPath, err: event.error }, 'writing the index snapshot failed');
        }
      },
    });
    const hashingPool: HashingPool = createHashingPool(hashingPoolOptions(config));
    cleanups.push(() => hashingPool.close());
    const hotlineStore = hotlineStoreOf(store);
    const exchangeStore = (store as { hashExchanges?: HashExchangeStore }).hashExchanges;
    // The app (and its logger) is built after the health check, which the app needs.
    const healthLog: { current?: FastifyBaseLogger } = {};
    const storeHealth = new StoreHealth({
      probe: () => bypassStoreGate(() => store.latestSeq()),
      timeoutMs: config.store.healthTimeoutMs,
      intervalMs: config.store.healthIntervalMs,
      // One line per change, never per check: an outage must not flood the log.
      onChange: (state) =>
        state.available
          ? healthLog.current?.info('the store answers again')
          : healthLog.current?.error({ reason: state.reason }, 'the store is unavailable'),
    });
    storeHealth.start();
    gate = storeHealth;
    cleanups.push(async () => storeHealth.stop());
    const metrics = createMetrics({
      engine,
      store,
      storeHealth,
      clock,
      hashingPool,
      ...(hotlineStore ? { captureJobs: () => hotlineStore.countCaptureJobs() } : {}),
      ...(exchangeStore ? { hashExchanges: () => exchangeStore.listExchanges() } : {}),
    });
    // Replica metrics live here, beside what they count (registered on the app's registry).
    const registers = [metrics.registry];
    const notificationsReceived = new Counter({
      name: 'hashline_change_notifications_total',
      help: 'Change-log notifications received from PostgreSQL (each wakes the index at once).',
      registers,
    });
    const listenerUp = new Gauge({
      name: 'hashline_change_listener_up',
      help: '1 while this process listens for change-log notifications; 0 while it relies on polling.',
      registers,
    });
    const listenerLosses = new Counter({
      name: 'hashline_change_listener_losses_total',
      help: 'Times the change-notification connection was lost (it reconnects with backoff; polling covers the gap).',
      registers,
    });
    const rateFallbacks = new Counter({
      name: 'hashline_rate_limit_fallbacks_total',
      help: 'Times the shared rate-limit buckets did not answer and this process counted in memory for 5 s.',
      registers,
    });
    // On PostgreSQL, API keys' buckets live in the database so the limit holds across replicas.
    const postgres = ownsStore && /^postgres(ql)?:/.test(config.databaseUrl);
    let rateFallbackLoggedAt = 0;
    const rateLimiter =
      postgres && config.rateLimit.shared
        ? new SharedRateLimiter({
            buckets: openPostgresRateBuckets({ connectionString: config.databaseUrl }),
            burstSeconds: config.rateLimit.burstSeconds,
            onFallback: (error) => {
              rateFallbacks.inc();
              if (Date.now() - rateFallbackLoggedAt < 60_000) return;
              rateFallbackLoggedAt = Date.now();
              app.log.warn(
                { err: error },
                'rate limits: the database did not answer; counting in this process for 5 s (fail open)',
              );
            },
          })
        : undefined;
    // Verdict-only keys' hash quotas (issue 15) in the same shared buckets, one pool each (small).
    const quotaLimiter = (burstSeconds: number) =>
      new SharedRateLimiter({
        buckets: openPostgresRateBuckets({ connectionString: config.databaseUrl, maxConnections: 2 }),
        burstSeconds,
        onFallback: () => rateFallbacks.inc(),
      });
    const hashQuotas =
      postgres && config.rateLimit.shared
        ? { hourly: quotaLimiter(3_600), daily: quotaLimiter(86_400) }
        : undefined;
    // Probing detection (issue 15) sees a key's queries in every process on the database.
    const probingHistory = postgres
      ? openPostgresProbingHistory({ connectionString: config.databaseUrl })
      : undefined;
    const app = await buildApp({
      config,
      store,
      engine,
      hashingPool,
      clock,
      metrics,
      storeHealth,
      ...(rateLimiter ? { rateLimiter } : {}),
      ...(hashQuotas ? { hashQuotas } : {}),
      ...(probingHistory ? { probingHistory } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.hotline ? { hotline: options.hotline } : {}),
    });
    cleanups.push(() => app.close());
    const log = app.log;
    healthLog.current = log;
    engineLog.current = log;
    // Background work stops inside app.close(), after the server has stopped listening and its
    // requests in flight have finished (Fastify runs onClose hooks last-registered first, its own
    // server close before all) and before the hooks that close what the work uses (the mailer): a
    // webhook delivery, capture or re-check in flight finishes, and nothing new starts.
    const background: (() => Promise<void>)[] = [];
    app.addHook('onClose', async () => {
      await Promise.all(background.splice(0).map((stop) => stop().catch(() => undefined)));
    });

    const bootstrap = await bootstrapAdminKey(store, config, options.bootstrapAdmin !== false);
    if (bootstrap.message) log.warn(bootstrap.message);

    await app.listen({ host: config.host, port: config.port });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;

    let polling = true;
    let pollTimer: NodeJS.Timeout | undefined;
    let lastPollError = 0;
    const poll = (): void => {
      pollTimer = setTimeout(() => {
        engine.catchUp().then(
          () => polling && poll(),
          (error: unknown) => {
            // Logged at most once a minute: a database outage must not flood the log.
            if (Date.now() - lastPollError > 60_000) {
              lastPollError = Date.now();
              log.error({ err: error }, 'following the change log failed; retrying');
            }
            if (polling) poll();
          },
        );
      }, config.pollIntervalMs);
    };
    const started = Date.now();
    // A failed load (the database briefly unreachable) is retried: the server stays unready
    // (503 on /readyz and on matching) until the index is loaded, never half-loaded.
    const load = async (): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        try {
          await engine.load();
          return;
        } catch (error) {
          if (!polling) throw error;
          log.error({ err: error, attempt }, 'loading the match index failed; retrying in 5 s');
          await new Promise((resolve) => setTimeout(resolve, 5_000).unref());
          if (!polling) throw error;
        }
      }
    };
    // On PostgreSQL, other processes' commits wake the index at once (NOTIFY, sent on commit);
    // the poll above stays as the fallback for a lost notification connection.
    const notified = (): void => {
      engine.catchUp().catch((error: unknown) => {
        if (Date.now() - lastPollError > 60_000) {
          lastPollError = Date.now();
          log.error({ err: error }, 'following the change log failed; retrying');
        }
      });
    };
    const indexLoaded = load().then(() => {
      const status = engine.status();
      log.info(
        {
          ms: Date.now() - started,
          source: status.source,
          pdqEntries: status.pdqEntries,
          appliedSeq: status.appliedSeq,
        },
        'match index loaded',
      );
      if (polling) poll();
      if (polling && config.changeNotifications && postgres) {
        let lostAt = 0;
        const listener = listenForChanges({
          connectionString: config.databaseUrl,
          onChange: (reason) => {
            if (reason === 'notification') notificationsReceived.inc();
            notified();
          },
          onStatus: (state) => {
            listenerUp.set(state.listening ? 1 : 0);
            if (!state.listening) listenerLosses.inc();
            if (state.listening) {
              if (state.attempt > 1) log.info('listening for change-log notifications again');
              lostAt = 0;
            } else if (lostAt === 0 || Date.now() - lostAt > 60_000) {
              // Once per outage (at most once a minute): polling carries on meanwhile.
              lostAt = Date.now();
              log.warn(
                { err: state.error, retryInMs: state.retryInMs },
                'change-log notifications lost; polling every HASHLINE_POLL_MS until they are back',
              );
            }
          },
        });
        background.push(() => listener.close());
      }
    });
    indexLoaded.catch(() => undefined);
    background.push(async () => {
      polling = false;
      clearTimeout(pollTimer);
    });

    if (options.webhooks !== false) {
      const dispatcher = new WebhookDispatcher({
        store,
        settings: config.webhooks,
        logger: log,
        clock,
        onOutcome: (outcome) => metrics.webhookDeliveries.inc({ outcome }),
      });
      dispatcher.start();
      background.push(() => dispatcher.stop());
    }

    if (config.hotline.captureWorker && options.captureWorker !== false) {
      const worker = startCaptureWorker({
        capture: app.hashlineHotline.capture,
        logger: log,
        pollMs: config.hotline.capturePollMs,
        // As many jobs at once as the browser has pages: one slow page does not stall the queue.
        batch: config.hotline.captureBrowserPages,
      });
      app.onHashlineReport(() => worker.wake());
      app.hashlineHotline.onCaptureQueued(() => worker.wake());
      // Stopped before the hashing pool closes (cleanups run in reverse, app.close() first).
      background.push(() => worker.stop());
    }
    if (config.hotline.takedown.scheduler && options.takedownScheduler !== false) {
      const scheduler = startTakedownScheduler({
        takedowns: app.hashlineTakedown.takedowns,
        retention: app.hashlineTakedown.retention,
        logger: log,
        pollMs: config.hotline.takedown.pollMs,
        retentionIntervalMs: config.hotline.takedown.retentionIntervalMs,
      });
      background.push(() => scheduler.stop());
    }
    // Scheduled hash exchanges (issue 14): due runs are claimed with a lease, so several
    // processes may run this loop and each exchange still runs in one process at a time.
    const exchanges = app.hashlineExchanges;
    if (exchanges && config.hashExchanges.scheduler && options.hashExchanges !== false) {
      const logFailure = throttledFailureLog(log);
      const loop = startPollingLoop({
        pollMs: config.hashExchanges.pollMs,
        round: async () => (await exchanges.runDue(5)) > 0,
        onError: (error) => logFailure(error, 'hash exchange round'),
      });
      background.push(() => {
        exchanges.stop();
        return loop.stop();
      });
    }
    const matchRetention = new MatchRecordRetention({
      store,
      clock,
      retentionDays: config.matchRecords.retentionDays,
    });
    if (matchRetention.enabled && options.matchRecordRetention !== false) {
      // Every process may run it: deletions are short bounded statements, and a row deleted by
      // one process is simply not found by another.
      const logFailure = throttledFailureLog(log);
      const loop = startPollingLoop({
        pollMs: config.hotline.takedown.retentionIntervalMs,
        round: async () => {
          const { records, deliveries } = await matchRetention.runOnce();
          metrics.matchRecordsDeleted.inc(records);
          if (records > 0 || deliveries > 0) {
            log.info(
              { records, deliveries, retentionDays: config.matchRecords.retentionDays },
              'match-record retention deleted old match records and finished webhook deliveries',
            );
          }
          return false;
        },
        onError: (error) => logFailure(error, 'match-record retention'),
      });
      background.push(() => loop.stop());
    }
    if (config.hotline.captureAllowLoopbackForTests) {
      log.warn(
        'HASHLINE_CAPTURE_ALLOW_LOOPBACK_FOR_TESTS is on: the capture may fetch this machine (127.0.0.1 and ::1). For trying capture on a local test site only; never in production',
      );
    }
    const browser = app.hashlineHotline.browser;
    if (browser.enabled) log.info('capture renders pages in headless Chromium (browser capture)');
    else log.warn({ reason: browser.reason }, 'capture runs over plain HTTP: no browser capture');
    if (config.hotline.auditAnchor.keyFile !== null && config.hotline.auditAnchor.target !== null) {
      const anchorKey = await loadAnchorKey(config.hotline.auditAnchor.keyFile);
      const target = config.hotline.auditAnchor.target;
      const logFailure = throttledFailureLog(log);
      const loop = startPollingLoop({
        pollMs: config.hotline.auditAnchor.intervalMs,
        round: async () => {
          const anchor = await publishAuditHead({
            store: app.hashlineHotline.store,
            key: anchorKey,
            target,
            clock,
          });
          if (anchor) log.info({ seq: anchor.seq, keyId: anchor.keyId }, 'audit anchor published');
          return false;
        },
        onError: (error) => logFailure(error, 'audit anchor publishing'),
      });
      background.push(() => loop.stop());
    }
    if (config.hotline.secretKey === null && config.databaseUrl.startsWith('postgres')) {
      log.warn(
        "HASHLINE_SECRET_KEY is not set: this process generated its own key file; every process on this database must share one key (set HASHLINE_SECRET_KEY), or they cannot read each other's sealed contacts, TOTP secrets and media",
      );
    }
    if (app.hashlineHotline.volatile) {
      log.warn('this store keeps no hotline tables: reports are kept in memory and lost at restart');
    }

    let closing: Promise<void> | undefined;
    return {
      app,
      url: `http://${host}:${port}`,
      config,
      store,
      engine,
      storeHealth,
      indexLoaded,
      initialAdminToken: bootstrap.token,
      initialAdminTokenFile: bootstrap.file,
      close: () => (closing ??= cleanup()),
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/**
 * Makes sure the store has an admin key: the one `HASHLINE_ADMIN_TOKEN` names (registered if
 * absent), else, when the store has no key at all, a new one whose token is written to
 * `<dataDir>/initial-admin-token` (mode 0600) and returned.
 */
async function bootstrapAdminKey(
  store: HashlineStore,
  config: ServerConfig,
  createIfNone: boolean,
): Promise<{ token: string | null; file: string | null; message?: string }> {
  if (config.adminToken) {
    const parsed = parseToken(config.adminToken)!;
    const existing = await store.getApiKey(parsed.id);
    if (!existing) {
      await store.createApiKey(apiKeyFromToken(config.adminToken, 'admin (HASHLINE_ADMIN_TOKEN)', ['admin']));
      return { token: null, file: null };
    }
    if (!secretMatches(parsed.secret, existing.secretHash) || existing.revokedAt) {
      return {
        token: null,
        file: null,
        message: `HASHLINE_ADMIN_TOKEN names key ${parsed.id}, which exists with another secret or is revoked; it was left as it is.`,
      };
    }
    return { token: null, file: null };
  }
  if (!createIfNone || (await store.listApiKeys()).length > 0) return { token: null, file: null };
  const { apiKey, token } = await createApiKey(store, {
    name: 'initial admin',
    scopes: ['admin'],
    rateLimitPerSecond: null,
  });
  const file = join(config.dataDir, 'initial-admin-token');
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return {
    token,
    file,
    message: `No API key existed: created admin key ${apiKey.id}; its token is in ${file} (readable by this user only). Move it to a secret store and delete the file.`,
  };
}

/**
 * Names the configured database for the snapshot file (a short SHA-256 of its URL without the
 * password), so a snapshot made for one database is never loaded against another.
 */
function storeKeyOf(databaseUrl: string): string {
  return createHash('sha256')
    .update(databaseUrl.replace(/:\/\/([^:@/]*):[^@/]*@/, '://$1@'))
    .digest('hex')
    .slice(0, 16);
}
