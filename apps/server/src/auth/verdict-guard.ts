import {
  DomainError,
  type ApiKey,
  type ProbingHistory,
  type ProbingQueryRecord,
  type ProbingRule,
} from '@hashline/domain';
import type { FastifyReply } from 'fastify';
import type { ServerConfig } from '../config.js';
import type { KeyRateLimiter } from './shared-rate-limiter.js';

/** What a probing alert says (written to the audit log, counted in /metrics). */
export interface ProbingAlert {
  readonly keyId: string;
  /** Which rule saw it: queries clustered in Hamming space, or queries on one entry's threshold edge. */
  readonly rule: ProbingRule;
  /** The queries the rule counted: near queries in the last hour, or edge queries on one entry in the edge window. */
  readonly nearQueries: number;
  /** The rule's distance: the cluster radius, or the band around the threshold. */
  readonly radius: number;
  /** Whether the key was suspended (revoked) for it. */
  readonly suspended: boolean;
}

/** Options of {@link VerdictGuard}. */
export interface VerdictGuardOptions {
  readonly settings: ServerConfig['verdict'];
  /** Hourly hash quotas: buckets of `hashesPerHour` refilled over an hour (burst 3,600 s). */
  readonly hourly: KeyRateLimiter;
  /** Daily hash quotas: buckets of `hashesPerDay` refilled over a day (burst 86,400 s). */
  readonly daily: KeyRateLimiter;
  /** The keys' recent queries: in this process, or shared by every process on PostgreSQL. */
  readonly history: ProbingHistory;
  /** The banked entries whose threshold a PDQ hash lies within `band` of (`MatchEngine.thresholdEdgeEntries`). */
  readonly edgeEntries: (value: string, band: number) => readonly number[];
  /** Raises the alert: audit row, metric, and the suspension itself when `alert.suspended`. */
  readonly onAlert: (alert: ProbingAlert) => Promise<void>;
  readonly onQuotaRefused?: (period: 'hour' | 'day') => void;
  /**
   * The history did not answer (a shared one whose database is away): the request is answered
   * without probing detection (fail open, as the shared rate limit does) and this is told.
   */
  readonly onHistoryUnavailable?: (error: unknown) => void;
  /** Whether to ask the history at all (default always; the server skips a shared one while the store is away). */
  readonly historyAvailable?: () => boolean;
  /** Wall-clock epoch milliseconds (shared histories compare times of several processes; tests move it by hand). */
  readonly now?: () => number;
}

const HOUR_MS = 3_600_000;
/** Recent PDQ queries a new query is compared with: enough to see a cluster, bounded (32 B each). */
const RECENT_PER_KEY = 512;

/**
 * Oracle resistance for verdict-only keys (issue 15, finding 2). Such a key learns one bit per
 * hash, matched or not, and with enough questions that bit reads a banked hash: flip bits of a
 * matching image's hash until it stops matching (the threshold's edge), then flip each bit once
 * from there, ~256 + 8 questions. This guard makes those questions expensive and visible:
 * - at most `maxBatch` hashes per request (BATCH_TOO_LARGE);
 * - at most `hashesPerHour` and `hashesPerDay` hashes per key, counted in hashes, in buckets
 *   shared by every process where the rate limit is (HASH_QUOTA_EXCEEDED, 429, Retry-After);
 * - probing detection, two rules, each raising an alert once per key and, with `probingSuspend`,
 *   revoking the key before the query is answered:
 *   - cluster: every query that says anything about one banked hash lies within the bank's
 *     threshold of it, so such queries lie within twice the threshold of each other, while
 *     unrelated PDQ hashes lie about 128 bits apart. A PDQ query within `probingRadius` of one of
 *     the key's 512 most recent queries is "near"; `probingNearQueries` near queries within an
 *     hour raise the alert. Fast attacks trip it; one that spreads its questions over hours and
 *     hides them among unrelated hashes does not.
 *   - threshold edge: only a question close to an entry's threshold tells anything about the
 *     entry (well inside it always matches, well outside never does), and reading one hash needs
 *     about 256 of them. A query within `probingEdgeBand` of an entry's threshold, on either side,
 *     is an edge query on that entry; `probingEdgeQueries` distinct edge queries on one entry
 *     within `probingEdgeWindowHours` raise the alert, however slowly they came and whatever was
 *     sent between them.
 * Identical hashes sent again count once (platforms see popular images over and over).
 *
 * The history is a {@link ProbingHistory}: in this process, or on PostgreSQL in the database,
 * where every server process sees every query of a key.
 */
export class VerdictGuard {
  readonly #settings: ServerConfig['verdict'];
  readonly #hourly: KeyRateLimiter;
  readonly #daily: KeyRateLimiter;
  readonly #history: ProbingHistory;
  readonly #edgeEntries: (value: string, band: number) => readonly number[];
  readonly #onAlert: (alert: ProbingAlert) => Promise<void>;
  readonly #onQuotaRefused: (period: 'hour' | 'day') => void;
  readonly #onHistoryUnavailable: (error: unknown) => void;
  readonly #historyAvailable: () => boolean;
  readonly #now: () => number;

  constructor(options: VerdictGuardOptions) {
    this.#settings = options.settings;
    this.#hourly = options.hourly;
    this.#daily = options.daily;
    this.#history = options.history;
    this.#edgeEntries = options.edgeEntries;
    this.#onAlert = options.onAlert;
    this.#onQuotaRefused = options.onQuotaRefused ?? (() => {});
    this.#onHistoryUnavailable = options.onHistoryUnavailable ?? (() => {});
    this.#historyAvailable = options.historyAvailable ?? (() => true);
    this.#now = options.now ?? Date.now;
  }

  /**
   * Admits one match request of a verdict-only key with these query hashes, or throws. Called
   * once the body is parsed and before anything is matched.
   * @throws {DomainError} BATCH_TOO_LARGE, HASH_QUOTA_EXCEEDED (Retry-After set), API_KEY_SUSPENDED
   */
  async admit(
    key: Pick<ApiKey, 'id'>,
    reply: FastifyReply,
    hashes: readonly { readonly signalType: string; readonly value: string }[],
    options: { readonly batch?: boolean } = {},
  ): Promise<void> {
    const s = this.#settings;
    // A video's frames are one query (`batch: false`): they count against the quotas, not the batch size.
    if (options.batch !== false && hashes.length > s.maxBatch) {
      throw new DomainError(
        'BATCH_TOO_LARGE',
        `A verdict-only key matches at most ${s.maxBatch} hashes per request; got ${hashes.length}.`,
      );
    }
    const n = hashes.length;
    const hour = await this.#hourly.take(`hashes-hour:${key.id}`, s.hashesPerHour / 3_600, n);
    if (!hour.allowed) throw this.#refused(reply, 'hour', hour.retryAfterSeconds);
    const day = await this.#daily.take(`hashes-day:${key.id}`, s.hashesPerDay / 86_400, n);
    if (!day.allowed) {
      // Give the hour back what it granted: the request is not answered.
      await this.#hourly.take(`hashes-hour:${key.id}`, s.hashesPerHour / 3_600, -n).catch(() => undefined);
      throw this.#refused(reply, 'day', day.retryAfterSeconds);
    }
    const pdq = [
      ...new Set(
        hashes
          .filter((h) => h.signalType === 'pdq' && /^[0-9a-f]{64}$/i.test(h.value))
          .map((h) => h.value.toLowerCase()),
      ),
    ];
    if (pdq.length === 0) return;
    let alerts: ProbingAlert[];
    try {
      if (!this.#historyAvailable()) throw new Error('the store is unavailable');
      alerts = await this.#observe(key.id, pdq);
    } catch (error) {
      // Matching keeps going while the database is away; so does this request, unwatched.
      this.#onHistoryUnavailable(error);
      return;
    }
    let suspended = false;
    for (const alert of alerts) {
      await this.#onAlert(alert);
      suspended ||= alert.suspended;
    }
    if (suspended) {
      throw new DomainError(
        'API_KEY_SUSPENDED',
        'This API key was suspended: its queries probed the edge of a banked hash, as reading one does. An admin has been alerted.',
      );
    }
  }

  /** The key starts afresh: its history and alerts are dropped (an admin lifted its suspension). */
  forget(keyId: string): Promise<void> {
    return this.#history.forget(keyId);
  }

  #refused(reply: FastifyReply, period: 'hour' | 'day', retryAfterSeconds: number): DomainError {
    this.#onQuotaRefused(period);
    void reply.header('retry-after', String(retryAfterSeconds));
    return new DomainError(
      'HASH_QUOTA_EXCEEDED',
      `This key may match ${period === 'hour' ? this.#settings.hashesPerHour : this.#settings.hashesPerDay} hashes per ${period}; retry in ${retryAfterSeconds} s.`,
    );
  }

  /** Records the queries; returns the alerts whose rule the key now meets for the first time. */
  async #observe(keyId: string, values: readonly string[]): Promise<ProbingAlert[]> {
    const s = this.#settings;
    const now = this.#now();
    const band = s.probingEdgeBand;
    const edgeOf = new Map(values.map((v) => [v, this.#edgeEntries(v, band)] as const));
    const edgeEntries = [...new Set([...edgeOf.values()].flat())];
    const seen = await this.#history.observe(
      keyId,
      now,
      {
        recentLimit: RECENT_PER_KEY,
        nearSinceMs: now - HOUR_MS,
        edgeSinceMs: now - s.probingEdgeWindowHours * HOUR_MS,
        edgeEntries,
      },
      (window) => {
        const recent = window.recent.map(toWords);
        const records: ProbingQueryRecord[] = [];
        let near = window.nearCount;
        const edgeValues = new Map([...window.edgeValues].map(([id, set]) => [id, new Set(set)]));
        for (const value of values) {
          const words = toWords(value);
          // The same hash again tells nothing new (a popular image uploaded over and over, beside
          // its other copies): only a hash not among the recent ones, close to one of them, is near.
          const distances = recent.map((q) => hamming(q, words));
          const isNear = !distances.includes(0) && distances.some((d) => d <= s.probingRadius);
          if (isNear) near++;
          recent.push(words);
          if (recent.length > RECENT_PER_KEY) recent.shift();
          const entries = edgeOf.get(value) ?? [];
          for (const entry of entries) {
            let set = edgeValues.get(entry);
            if (!set) edgeValues.set(entry, (set = new Set()));
            set.add(value);
          }
          // One record per entry the query is on the edge of (one with none when it is on no edge).
          if (entries.length === 0) records.push({ value, near: isNear, edgeEntry: null });
          entries.forEach((entry, i) => records.push({ value, near: isNear && i === 0, edgeEntry: entry }));
        }
        const edgeMost = Math.max(0, ...[...edgeValues.values()].map((set) => set.size));
        return { records, result: { near, edgeMost } };
      },
    );
    const alerts: ProbingAlert[] = [];
    const raise = async (rule: ProbingRule, counted: number, radius: number) => {
      if (!(await this.#history.claimAlert(keyId, rule, now))) return;
      alerts.push({ keyId, rule, nearQueries: counted, radius, suspended: s.probingSuspend });
    };
    // One alert per request: when both rules trip at once, the cluster rule's (the older) speaks.
    if (seen.near >= s.probingNearQueries) await raise('cluster', seen.near, s.probingRadius);
    if (alerts.length === 0 && seen.edgeMost >= s.probingEdgeQueries) {
      await raise('threshold_edge', seen.edgeMost, band);
    }
    return alerts;
  }
}

/** A 64-hex-digit PDQ hash as 8 words. */
function toWords(hex: string): Uint32Array {
  const words = new Uint32Array(8);
  for (let i = 0; i < 8; i++) words[i] = Number.parseInt(hex.slice(i * 8, i * 8 + 8), 16);
  return words;
}

function hamming(a: Uint32Array, b: Uint32Array): number {
  let d = 0;
  for (let i = 0; i < 8; i++) {
    let x = (a[i]! ^ b[i]!) >>> 0;
    x -= (x >>> 1) & 0x55555555;
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    d += Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  }
  return d;
}
