import type {
  ProbingHistory,
  ProbingQueryRecord,
  ProbingRule,
  ProbingWindow,
  ProbingWindowQuery,
} from '@hashline/domain';

/** Keys tracked at once; beyond it, the idlest are dropped. */
const MAX_KEYS = 10_000;

interface StoredQuery extends ProbingQueryRecord {
  readonly atMs: number;
}

interface KeyHistory {
  /** Oldest first. */
  queries: StoredQuery[];
  lastMs: number;
}

/**
 * The probing history of one process (SQLite deployments and tests; PostgreSQL shares one in the
 * database, `openPostgresProbingHistory`). Each key keeps its `recentLimit` newest queries and its
 * edge queries of the edge window; keys idle past both are swept.
 */
export class MemoryProbingHistory implements ProbingHistory {
  readonly #keys = new Map<string, KeyHistory>();
  readonly #alerts = new Set<string>();
  /** Observations run one after the other per key (the same guarantee as the database's lock). */
  #chain: Promise<unknown> = Promise.resolve();

  observe<T>(
    keyId: string,
    atMs: number,
    query: ProbingWindowQuery,
    decide: (window: ProbingWindow) => {
      readonly records: readonly ProbingQueryRecord[];
      readonly result: T;
    },
  ): Promise<T> {
    const run = this.#chain.then(() => this.#observe(keyId, atMs, query, decide));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  #observe<T>(
    keyId: string,
    atMs: number,
    query: ProbingWindowQuery,
    decide: (window: ProbingWindow) => {
      readonly records: readonly ProbingQueryRecord[];
      readonly result: T;
    },
  ): T {
    let history = this.#keys.get(keyId);
    if (!history) {
      this.#sweep(Math.min(query.nearSinceMs, query.edgeSinceMs));
      history = { queries: [], lastMs: atMs };
      this.#keys.set(keyId, history);
    }
    history.lastMs = atMs;
    const recent = history.queries.slice(-query.recentLimit);
    const wanted = new Set(query.edgeEntries);
    const edgeValues = new Map<number, Set<string>>();
    let nearCount = 0;
    for (const q of history.queries) {
      if (q.near && q.atMs >= query.nearSinceMs) nearCount++;
      if (q.edgeEntry !== null && wanted.has(q.edgeEntry) && q.atMs >= query.edgeSinceMs) {
        let values = edgeValues.get(q.edgeEntry);
        if (!values) edgeValues.set(q.edgeEntry, (values = new Set()));
        values.add(q.value);
      }
    }
    const { records, result } = decide({ recent: recent.map((q) => q.value), nearCount, edgeValues });
    for (const record of records) history.queries.push({ ...record, atMs });
    // Keep what a later window can read: the newest `recentLimit`, near queries of the near
    // window, and edge queries of the edge window.
    const keepFrom = history.queries.length - query.recentLimit;
    history.queries = history.queries.filter(
      (q, i) =>
        i >= keepFrom ||
        (q.near && q.atMs >= query.nearSinceMs) ||
        (q.edgeEntry !== null && q.atMs >= query.edgeSinceMs),
    );
    return result;
  }

  async claimAlert(keyId: string, rule: ProbingRule): Promise<boolean> {
    const claim = `${keyId}\u0000${rule}`;
    if (this.#alerts.has(claim)) return false;
    this.#alerts.add(claim);
    return true;
  }

  async forget(keyId: string): Promise<void> {
    this.#keys.delete(keyId);
    for (const claim of [...this.#alerts]) if (claim.startsWith(`${keyId}\u0000`)) this.#alerts.delete(claim);
  }

  async close(): Promise<void> {}

  /** Keys with a history now (tests, memory bound). */
  get trackedKeys(): number {
    return this.#keys.size;
  }

  /** Drops keys whose last query is older than both windows, then the idlest beyond the bound. */
  #sweep(oldestWindowMs: number): void {
    for (const [id, h] of this.#keys) if (h.lastMs < oldestWindowMs) this.#keys.delete(id);
    if (this.#keys.size < MAX_KEYS) return;
    const idlest = [...this.#keys].sort((a, b) => a[1].lastMs - b[1].lastMs);
    for (const [id] of idlest.slice(0, this.#keys.size - MAX_KEYS + 1)) this.#keys.delete(id);
  }
}
