import pg from 'pg';

/** Options of {@link openPostgresRateBuckets}. */
export interface PostgresRateBucketsOptions {
  /** The store's connection string (its search_path option, if any, names the store's schema). */
  readonly connectionString: string;
  /** Connections of the limiter's own pool (default 4). */
  readonly maxConnections?: number;
  /**
   * Longest a take may wait for a connection or an answer (default 1000 ms); the caller then
   * decides without the database (see the server's rate limiter).
   */
  readonly timeoutMs?: number;
}

/** The outcome of one take, as the database computed it. */
export interface BucketTake {
  readonly granted: boolean;
  /** Tokens left after the take (negative after a take larger than the bucket; see below). */
  readonly tokens: number;
}

/** Token buckets shared by every process on one PostgreSQL database. */
export interface PostgresRateBuckets {
  /**
   * Takes `cost` tokens from bucket `key` (created full on first use), refilled at `rate` tokens
   * per second up to `capacity`, in one atomic statement. Granted when the bucket holds at least
   * `need` (capped at `capacity`). Callers pass `min(cost, capacity)`, so a take larger than the
   * whole bucket is granted from a full bucket and leaves it in debt: possible at all, and the
   * key's long-run rate still holds.
   * @throws when the database does not answer within the timeout
   */
  take(key: string, cost: number, rate: number, capacity: number, need: number): Promise<BucketTake>;
  close(): Promise<void>;
}

// The refill, from the database server's clock so every process uses one clock. `now()` is the
// start of this statement's transaction: a take that waited on the row lock may see a row updated
// "after" its own now(), so the elapsed time is clamped at 0 and updated_at never moves back;
// otherwise the time between would be refilled twice.
const REFILLED = `least($4::float8, b.tokens + greatest(0, extract(epoch from (now() - b.updated_at))::float8) * $3::float8)`;
const NEED = `least($5::float8, $4::float8)`;

/**
 * One statement per take: INSERT … ON CONFLICT DO UPDATE locks the bucket's row, and a concurrent
 * take of the same key waits for it and then computes from the committed row, so concurrent
 * processes can never both spend the same tokens. Every SET expression reads the old row.
 */
const TAKE_SQL = `insert into rate_buckets as b (bucket_key, tokens, updated_at, granted)
  values ($1, $4::float8 - $2::float8, now(), true)
  on conflict (bucket_key) do update set
    tokens = case when ${REFILLED} >= ${NEED} then ${REFILLED} - $2::float8 else ${REFILLED} end,
    granted = ${REFILLED} >= ${NEED},
    updated_at = greatest(b.updated_at, now())
  returning tokens, granted`;

/**
 * Opens a small pool of its own for the rate limiter (migration 0008 made `rate_buckets`, an
 * UNLOGGED table: a take writes no WAL and waits for no disk flush, and after a database crash the
 * buckets simply start full again). A pool apart from the store's means a busy store never
 * delays the limiter, and the limiter's short timeouts never apply to the store's queries.
 */
export function openPostgresRateBuckets(options: PostgresRateBucketsOptions): PostgresRateBuckets {
  const timeoutMs = options.timeoutMs ?? 1_000;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 4,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    statement_timeout: timeoutMs,
    idleTimeoutMillis: 30_000,
  });
  // Idle clients that lose their connection emit 'error' on the pool, and a client can emit more
  // than one 'error' while checked out: without these listeners either would end the process.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  let closed: Promise<void> | undefined;
  return {
    async take(key, cost, rate, capacity, need) {
      const { rows } = await pool.query<{ tokens: number; granted: boolean }>(TAKE_SQL, [
        key,
        cost,
        rate,
        capacity,
        need,
      ]);
      const row = rows[0]!;
      return { granted: row.granted, tokens: Number(row.tokens) };
    },
    close: () => (closed ??= pool.end().catch(() => undefined)),
  };
}
