/**
 * The recent match queries of verdict-only API keys, which probing detection reads (issue 15,
 * finding 2). In one process it can live in memory; on PostgreSQL every server process shares one
 * history, so an attack split across processes behind a balancer is seen whole.
 *
 * Stored per query: the hash value (a PDQ hash the key sent: sensitive, kept only as long as the
 * windows below need it), when, whether it was "near" an earlier query of the key (the cluster
 * rule), and the banked entry whose match threshold it lay close to (the threshold-edge rule).
 */

/** One query to record. */
export interface ProbingQueryRecord {
  /** The query's PDQ hash, 64 lowercase hex digits. */
  readonly value: string;
  /** Whether it lay within the probing radius of an earlier, different query of the key. */
  readonly near: boolean;
  /** The banked entry whose threshold edge it lay on, or null. */
  readonly edgeEntry: number | null;
}

/** What the detection rules read of one key's history, before the new queries are recorded. */
export interface ProbingWindow {
  /** The key's most recent query values, oldest first (at most `recentLimit`). */
  readonly recent: readonly string[];
  /** The key's near queries since `nearSinceMs`. */
  readonly nearCount: number;
  /** For each entry asked about: the distinct values of the key's edge queries on it since `edgeSinceMs`. */
  readonly edgeValues: ReadonlyMap<number, ReadonlySet<string>>;
}

/** Which part of the history one observation reads. */
export interface ProbingWindowQuery {
  readonly recentLimit: number;
  /** Epoch milliseconds. */
  readonly nearSinceMs: number;
  /** Epoch milliseconds. */
  readonly edgeSinceMs: number;
  /** The entries whose edge queries to read (those the new queries lie on the edge of). */
  readonly edgeEntries: readonly number[];
}

/** The detection rules (also the `rule` of an alert). */
export type ProbingRule = 'cluster' | 'threshold_edge';

export interface ProbingHistory {
  /**
   * Reads the key's window, lets `decide` turn the new queries into records, and stores them, with
   * no other observation of the same key in between (in any process sharing the history), so two
   * requests of one key never miss each other.
   * @returns what `decide` returned
   */
  observe<T>(
    keyId: string,
    atMs: number,
    window: ProbingWindowQuery,
    decide: (window: ProbingWindow) => {
      readonly records: readonly ProbingQueryRecord[];
      readonly result: T;
    },
  ): Promise<T>;
  /**
   * Claims the alert of `rule` on this key: true for the first claim only (across processes), so
   * an alert is raised once until {@link forget}.
   */
  claimAlert(keyId: string, rule: ProbingRule, atMs: number): Promise<boolean>;
  /** Drops the key's history and alert claims (its suspension was lifted: it starts afresh). */
  forget(keyId: string): Promise<void>;
  close(): Promise<void>;
}
