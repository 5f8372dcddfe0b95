import pg from 'pg';
import type { ActiveSignalVisitor } from '../sqlite/sqlite-active-scan.js';

/** Options of {@link scanPostgresActiveSignals}. */
export interface PostgresActiveScanOptions {
  /** Rows per round trip (default 50,000). */
  readonly pageSize?: number;
  /** Connection timeout (default 5,000 ms). */
  readonly connectTimeoutMs?: number;
}

/**
 * Reads every active entry of a PostgreSQL store (the schema the URL's `search_path` names)
 * through one connection of its own, in one read-only REPEATABLE READ transaction (so the count
 * and the rows agree), in id-ordered pages. Meant for a worker thread: the rows are handed over
 * one by one, and whatever packs them stays off the server's event loop.
 */
export async function scanPostgresActiveSignals(
  connectionString: string,
  visit: ActiveSignalVisitor,
  options: PostgresActiveScanOptions = {},
): Promise<void> {
  const pageSize = options.pageSize ?? 50_000;
  const client = new pg.Client({
    connectionString,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
  });
  await client.connect();
  try {
    await client.query('begin transaction isolation level repeatable read read only');
    const from =
      'from bank_entries e join banks b on b.id = e.bank_id where e.disabled = false and b.enabled = true';
    const counted = await client.query<{ n: string; max: number }>(
      `select count(*)::text as n, coalesce(max(e.id), 0) as max ${from}`,
    );
    visit.count(Number(counted.rows[0]!.n), Number(counted.rows[0]!.max));
    let afterId = 0;
    for (;;) {
      const { rows } = await client.query<[number, number, string, string]>({
        text: `select e.id, e.bank_id, e.signal_type, e.value ${from} and e.id > $1 order by e.id limit $2`,
        values: [afterId, pageSize],
        rowMode: 'array',
      });
      for (const row of rows) visit.row(Number(row[0]), Number(row[1]), row[2], row[3]);
      if (rows.length < pageSize) break;
      afterId = Number(rows[rows.length - 1]![0]);
    }
    await client.query('commit');
  } finally {
    await client.end().catch(() => undefined);
  }
}
