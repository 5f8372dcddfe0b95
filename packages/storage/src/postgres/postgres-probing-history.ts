import type {
  ProbingHistory,
  ProbingQueryRecord,
  ProbingRule,
  ProbingWindow,
  ProbingWindowQuery,
} from '@hashline/domain';
import pg from 'pg';

/** Options of {@link openPostgresProbingHistory}. */
export interface PostgresProbingHistoryOptions {
  /** The store's connection string (its search_path option, if any, names the store's schema). */
  readonly connectionString: string;
  /** Connections of the history's own pool (default 2). */
  readonly maxConnections?: number;
  /** Longest one statement may take (default 5000 ms). */
  readonly timeoutMs?: number;
}

/** Observations between two sweeps of rows older than every window. */
const SWEEP_EVERY = 1_000;

/**
 * Probing detection's history in PostgreSQL (migration 0018), shared by every server process on
 * the database. One observation is one transaction that first takes a transaction-scoped advisory
 * lock on the key, so two requests of one key, in any processes, are observed one after the
 * other and each sees the other's queries. The history has a small pool of its own, as the rate
 * buckets do: a busy store never delays it.
 */
export function openPostgresProbingHistory(options: PostgresProbingHistoryOptions): ProbingHistory {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 2,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    statement_timeout: timeoutMs,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  let observations = 0;
  let closed: Promise<void> | undefined;

  return {
    async observe<T>(
      keyId: string,
      atMs: number,
      query: ProbingWindowQuery,
      decide: (window: ProbingWindow) => {
        readonly records: readonly ProbingQueryRecord[];
        readonly result: T;
      },
    ): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('begin');
        // Serialises the key's observations across processes (released at commit or rollback).
        await client.query(`select pg_advisory_xact_lock(hashtextextended('probing:' || $1, 0))`, [keyId]);
        const recent = await client.query<{ value: string }>(
          `select value from (select id, value from probing_queries where key_id = $1 order by id desc limit $2) r order by id`,
          [keyId, query.recentLimit],
        );
        const near = await client.query<{ n: string }>(
          `select count(*) as n from probing_queries where key_id = $1 and near and at >= $2`,
          [keyId, new Date(query.nearSinceMs)],
        );
        const edgeValues = new Map<number, Set<string>>();
        if (query.edgeEntries.length > 0) {
          const edge = await client.query<{ edge_entry: string; value: string }>(
            `select distinct edge_entry, value from probing_queries
              where key_id = $1 and edge_entry = any($2::bigint[]) and at >= $3`,
            [keyId, query.edgeEntries, new Date(query.edgeSinceMs)],
          );
          for (const row of edge.rows) {
            const entry = Number(row.edge_entry);
            let values = edgeValues.get(entry);
            if (!values) edgeValues.set(entry, (values = new Set()));
            values.add(row.value);
          }
        }
        const { records, result } = decide({
          recent: recent.rows.map((r) => r.value),
          nearCount: Number(near.rows[0]!.n),
          edgeValues,
        });
        if (records.length > 0) {
          await client.query(
            `insert into probing_queries (key_id, value, at, near, edge_entry)
             select $1, v, $2, n, e from unnest($3::text[], $4::boolean[], $5::bigint[]) as t(v, n, e)`,
            [
              keyId,
              new Date(atMs),
              records.map((r) => r.value),
              records.map((r) => r.near),
              records.map((r) => r.edgeEntry),
            ],
          );
        }
        // Keep what a later window can read: the newest `recentLimit`, near queries of the near
        // window, edge queries of the edge window.
        await client.query(
          `delete from probing_queries
            where key_id = $1
              and id < coalesce((select id from probing_queries where key_id = $1 order by id desc offset $2 limit 1), 0)
              and not (near and at >= $3)
              and not (edge_entry is not null and at >= $4)`,
          [keyId, query.recentLimit - 1, new Date(query.nearSinceMs), new Date(query.edgeSinceMs)],
        );
        await client.query('commit');
        if (++observations % SWEEP_EVERY === 0) {
          // Keys that went quiet: nothing of theirs is read once it is older than both windows.
          const oldest = new Date(Math.min(query.nearSinceMs, query.edgeSinceMs));
          await pool.query(`delete from probing_queries where at < $1`, [oldest]).catch(() => undefined);
        }
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },

    async claimAlert(keyId: string, rule: ProbingRule, atMs: number): Promise<boolean> {
      const { rowCount } = await pool.query(
        `insert into probing_alerts (key_id, rule, at) values ($1, $2, $3) on conflict do nothing`,
        [keyId, rule, new Date(atMs)],
      );
      return rowCount === 1;
    },

    async forget(keyId: string): Promise<void> {
      await pool.query(`delete from probing_queries where key_id = $1`, [keyId]);
      await pool.query(`delete from probing_alerts where key_id = $1`, [keyId]);
    },

    close: () => (closed ??= pool.end().catch(() => undefined)),
  };
}
