import {
  systemClock,
  type Clock,
  type HashlineStore,
  type MatchEngine,
  type WebhookDeliveryStats,
} from '@hashline/domain';
import type { HashingPool } from '@hashline/media-node';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StoreHealth } from './store-health.js';

/** Longest a scrape waits for a store-backed gauge; past it the gauge keeps its last value. */
const STORE_GAUGE_TIMEOUT_MS = 1_000;

/** The server's Prometheus metrics, on a registry of its own (one per app, so tests do not clash). */
export interface ServerMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'method' | 'route' | 'status'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  readonly matchQueries: Counter<'source' | 'signal_type' | 'result'>;
  readonly webhookDeliveries: Counter<'outcome'>;
  readonly rateLimited: Counter<never>;
  /** Probing alerts raised on verdict-only keys (issue 15), by whether the key was suspended. */
  readonly probingAlerts: Counter<'suspended'>;
  /** Verdict-only requests answered without probing detection: the shared history did not answer (fail open). */
  readonly probingHistoryUnavailable: Counter;
  /** Match requests of verdict-only keys refused by their hourly or daily hash quota. */
  readonly hashQuotaRefused: Counter<'period'>;
  /**
   * Matched hashes the store could not take while it was unavailable: `record` (answered from
   * memory without a match record), `webhooks` (recorded, but the notifications were not queued).
   */
  readonly storeUnavailableMatches: Counter<'lost'>;
  /** Group commits of match records (each one transaction; see MatchRecorder). */
  readonly matchRecordCommits: Counter<never>;
  /** Match records committed (divided by the commits: the mean group size). */
  readonly matchRecordsCommitted: Counter<never>;
  /** Match records deleted by the retention job. */
  readonly matchRecordsDeleted: Counter<never>;
  /** Hash exchange runs (issue 14), by exchange name and outcome (`ok`, `failed`, `lease_lost`). */
  readonly exchangeRuns: Counter<'exchange' | 'outcome'>;
  /** Failed hash exchange runs by exchange and error kind (transient, unauthorized, protocol, internal). */
  readonly exchangeErrors: Counter<'exchange' | 'kind'>;
  /** Records hash exchanges applied, by exchange and what they did (added, updated, withdrawn, skipped, error). */
  readonly exchangeRecords: Counter<'exchange' | 'kind'>;
  /** Feedback votes sent back to exchanges' sources, by exchange type and result (sent, failed, refused). */
  readonly exchangeFeedbackVotes: Counter<'type' | 'result'>;
}

/** Sources the gauges read at scrape time. */
export interface MetricSources {
  readonly engine: MatchEngine;
  readonly store: Pick<HashlineStore, 'latestSeq' | 'webhookDeliveryStats'>;
  /**
   * The store's health check: when given, the change-log lag is read from its last check and the
   * availability is exported, so a scrape never waits on a store that hangs.
   */
  readonly storeHealth?: Pick<StoreHealth, 'current'>;
  /** For the age of the oldest pending webhook delivery (default: the system clock). */
  readonly clock?: Clock;
  readonly hashingPool?: HashingPool;
  /** The configured hash exchanges' last successes (for seconds since the last success). */
  readonly hashExchanges?: () => Promise<
    readonly { readonly name: string; readonly lastSuccessAt: Date | null; readonly createdAt: Date }[]
  >;
  /** The hotline's capture outbox, when the store keeps one. */
  readonly captureJobs?: () => Promise<Record<'pending' | 'done' | 'failed', number>>;
}

/** Creates the metrics; gauges of the index, change log and hashing pool are read at scrape time. */
export function createMetrics(
  sources: MetricSources,
  options: { defaultMetrics?: boolean } = {},
): ServerMetrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const httpRequests = new Counter({
    name: 'hashline_http_requests_total',
    help: 'HTTP requests answered, by route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'hashline_http_request_duration_seconds',
    help: 'Time from request to response, by route pattern and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers,
  });
  const matchQueries = new Counter({
    name: 'hashline_match_queries_total',
    help: 'Hashes matched against the banks, by source (hash or media), signal type and result.',
    labelNames: ['source', 'signal_type', 'result'] as const,
    registers,
  });
  const webhookDeliveries = new Counter({
    name: 'hashline_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome: delivered, retry (failed, will retry) or failed (gave up).',
    labelNames: ['outcome'] as const,
    registers,
  });
  const rateLimited = new Counter({
    name: 'hashline_rate_limited_total',
    help: 'Requests refused with 429 by the per-key rate limit.',
    registers,
  });
  const probingAlerts = new Counter({
    name: 'hashline_probing_alerts_total',
    help: "Verdict-only keys whose queries clustered in Hamming space or kept landing at a banked hash's threshold (probing it), by whether the key was suspended.",
    labelNames: ['suspended'] as const,
    registers,
  });
  const probingHistoryUnavailable = new Counter({
    name: 'hashline_probing_history_unavailable_total',
    help: 'Verdict-only match requests answered without probing detection because the shared probing history (the database) did not answer.',
    registers,
  });
  const hashQuotaRefused = new Counter({
    name: 'hashline_hash_quota_refused_total',
    help: 'Match requests of verdict-only keys refused by their hourly or daily hash quota.',
    labelNames: ['period'] as const,
    registers,
  });
  new Gauge({
    name: 'hashline_index_entries',
    help: 'Active entries in the in-memory match index, by signal type.',
    labelNames: ['signal_type'] as const,
    registers,
    collect() {
      const status = sources.engine.status();
      this.set({ signal_type: 'pdq' }, status.pdqEntries);
      for (const [type, count] of Object.entries(status.exactEntries)) this.set({ signal_type: type }, count);
    },
  });
  new Gauge({
    name: 'hashline_index_pdq_delta_size',
    help: 'PDQ entries in the scanned delta buffer, waiting for the next background rebuild.',
    registers,
    collect() {
      this.set(sources.engine.status().pdqDeltaSize);
    },
  });
  new Gauge({
    name: 'hashline_index_loaded',
    help: '1 once the match index is loaded.',
    registers,
    collect() {
      this.set(sources.engine.isLoaded ? 1 : 0);
    },
  });
  new Gauge({
    name: 'hashline_index_load_seconds',
    help: 'How long the last load of the match index took, by where it came from (snapshot file or store).',
    labelNames: ['source'] as const,
    registers,
    collect() {
      const status = sources.engine.status();
      this.reset();
      if (status.source !== null && status.loadMs !== null)
        this.set({ source: status.source }, status.loadMs / 1000);
    },
  });
  new Gauge({
    name: 'hashline_change_log_applied_seq',
    help: 'Last bank change-log seq applied by this process.',
    registers,
    collect() {
      this.set(sources.engine.seq);
    },
  });
  const storeUnavailableMatches = new Counter({
    name: 'hashline_match_store_unavailable_total',
    help: 'Matched hashes answered from memory while the store was unavailable, with no match record (lost="record"; a record and its webhook notifications commit together).',
    labelNames: ['lost'] as const,
    registers,
  });
  const matchRecordCommits = new Counter({
    name: 'hashline_match_record_commits_total',
    help: 'Commits of match records: each holds a group of records (with their webhook notifications) in one transaction.',
    registers,
  });
  const matchRecordsCommitted = new Counter({
    name: 'hashline_match_records_committed_total',
    help: 'Match records committed (divide by hashline_match_record_commits_total for the mean group size).',
    registers,
  });
  const matchRecordsDeleted = new Counter({
    name: 'hashline_match_records_deleted_total',
    help: 'Match records deleted by the retention job (HASHLINE_MATCH_RECORD_RETENTION_DAYS).',
    registers,
  });
  const health = sources.storeHealth;
  if (health) {
    new Gauge({
      name: 'hashline_store_available',
      help: '1 while the last store health check answered in time, else 0.',
      registers,
      collect() {
        this.set(health.current().available ? 1 : 0);
      },
    });
  }
  new Gauge({
    name: 'hashline_change_log_lag',
    help: 'Committed bank changes not yet applied by this process (latest seq − applied seq).',
    registers,
    async collect() {
      const latest = health ? health.current().latestSeq : await bounded(sources.store.latestSeq());
      if (latest !== null) this.set(Math.max(0, latest - sources.engine.seq));
    },
  });
  // prom-client collects every metric of a scrape at once: the two outbox gauges share one query.
  // Bounded like the other store gauges: while the store is away they keep their last values and
  // /metrics still answers.
  let outbox: Promise<WebhookDeliveryStats | null> | undefined;
  const outboxStats = (): Promise<WebhookDeliveryStats | null> =>
    (outbox ??= bounded(sources.store.webhookDeliveryStats()).finally(() => {
      outbox = undefined;
    }));
  new Gauge({
    name: 'hashline_webhook_outbox_deliveries',
    help: 'Webhook deliveries in the outbox by status: pending (not attempted yet), retrying, failed (gave up; redeliverable).',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      const stats = await outboxStats();
      if (stats === null) return;
      for (const status of ['pending', 'retrying', 'failed'] as const) this.set({ status }, stats[status]);
    },
  });
  new Gauge({
    name: 'hashline_webhook_outbox_oldest_pending_seconds',
    help: 'Age of the oldest webhook delivery not yet delivered (pending or retrying), since it was queued; 0 when none.',
    registers,
    async collect() {
      const stats = await outboxStats();
      if (stats === null) return;
      const { oldestQueuedAt } = stats;
      const now = (sources.clock ?? systemClock).now().getTime();
      this.set(oldestQueuedAt ? Math.max(0, (now - oldestQueuedAt.getTime()) / 1000) : 0);
    },
  });
  const captureJobs = sources.captureJobs;
  if (captureJobs) {
    new Gauge({
      name: 'hashline_capture_jobs',
      help: 'Capture jobs of reported URLs by status: pending (the outbox backlog), done, failed.',
      labelNames: ['status'] as const,
      registers,
      async collect() {
        // While the store is away the gauge keeps its last value: /metrics must still answer.
        const counts = await bounded(captureJobs());
        if (counts === null) return;
        for (const status of ['pending', 'done', 'failed'] as const) this.set({ status }, counts[status]);
      },
    });
  }
  const exchangeRuns = new Counter({
    name: 'hashline_exchange_runs_total',
    help: 'Hash exchange runs by exchange and outcome: ok, failed, lease_lost (another process took the run over).',
    labelNames: ['exchange', 'outcome'] as const,
    registers,
  });
  const exchangeErrors = new Counter({
    name: 'hashline_exchange_errors_total',
    help: 'Failed hash exchange runs by exchange and kind: transient (5xx, 429, timeout), unauthorized, protocol, internal.',
    labelNames: ['exchange', 'kind'] as const,
    registers,
  });
  const exchangeFeedbackVotes = new Counter({
    name: 'hashline_exchange_feedback_votes_total',
    help: "Feedback votes sent to hash exchanges' sources, by exchange type and result: sent, failed (tried again next run), refused (never repeated).",
    labelNames: ['type', 'result'] as const,
    registers,
  });
  const exchangeRecords = new Counter({
    name: 'hashline_exchange_records_total',
    help: 'Records hash exchanges applied, by exchange and kind: added, updated, withdrawn, skipped, error.',
    labelNames: ['exchange', 'kind'] as const,
    registers,
  });
  const hashExchanges = sources.hashExchanges;
  if (hashExchanges) {
    new Gauge({
      name: 'hashline_exchange_seconds_since_success',
      help: "Seconds since each hash exchange's last successful run (since it was configured, before its first).",
      labelNames: ['exchange'] as const,
      registers,
      async collect() {
        const list = await bounded(hashExchanges());
        if (list === null) return;
        this.reset();
        const now = (sources.clock ?? systemClock).now().getTime();
        for (const exchange of list) {
          const since = (exchange.lastSuccessAt ?? exchange.createdAt).getTime();
          this.set({ exchange: exchange.name }, Math.max(0, (now - since) / 1000));
        }
      },
    });
  }
  const pool = sources.hashingPool;
  if (pool) {
    new Gauge({
      name: 'hashline_hashing_pool_jobs',
      help: 'Hashing pool jobs by state: busy, queued.',
      labelNames: ['state'] as const,
      registers,
      collect() {
        const stats = pool.stats();
        this.set({ state: 'busy' }, stats.busy);
        this.set({ state: 'queued' }, stats.queued);
      },
    });
    new Gauge({
      name: 'hashline_hashing_pool_events',
      help: 'Hashing pool counters since start: completed, failed, timeouts, crashes, restarts.',
      labelNames: ['event'] as const,
      registers,
      collect() {
        const stats = pool.stats();
        for (const event of ['completed', 'failed', 'timeouts', 'crashes', 'restarts'] as const) {
          this.set({ event }, stats[event]);
        }
      },
    });
  }
  return {
    registry,
    httpRequests,
    httpDuration,
    matchQueries,
    webhookDeliveries,
    rateLimited,
    probingAlerts,
    probingHistoryUnavailable,
    hashQuotaRefused,
    storeUnavailableMatches,
    matchRecordCommits,
    matchRecordsCommitted,
    matchRecordsDeleted,
    exchangeRuns,
    exchangeErrors,
    exchangeRecords,
    exchangeFeedbackVotes,
  };
}

/** The value of a store read, or null when it fails or takes longer than a scrape should wait. */
async function bounded<T>(read: Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), STORE_GAUGE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([read.catch(() => null), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
