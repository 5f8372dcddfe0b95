import { CompiledQuery } from 'kysely';
import type { Engine } from './store-dialect.js';

/** The SQL texts made so far, by engine, table, columns, row count and RETURNING. */
const texts = new Map<string, string>();

/**
 * A multi-row `INSERT` as a ready-to-run query, skipping Kysely's query builder.
 *
 * The builder parses every value of every row into an operation node, freezes it and compiles the
 * tree again for each insert: for the match-record group commit (a few hundred values per group,
 * on every matched request's path) that was most of the CPU the group's inserts cost. Here the SQL
 * text depends only on the table, the columns and the number of rows, so it is made once and
 * reused; the values go as parameters exactly as the builder would have bound them (no value is
 * ever written into the SQL text). Table and column names come from the caller's code, never
 * from input.
 *
 * @param engine placeholder style: `?` on SQLite, `$n` on PostgreSQL
 * @param table the table (an identifier from code)
 * @param columns the columns, in the order of each row's values
 * @param rows one array of values per row, in `columns` order
 * @param returning a column to return (e.g. `id`), or none
 */
export function rowInsertQuery<R = unknown>(
  engine: Engine,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  returning?: string,
): CompiledQuery<R> {
  if (rows.length === 0) throw new RangeError('rowInsertQuery needs at least one row.');
  const key = `${engine}\u0000${table}\u0000${columns.join(',')}\u0000${rows.length}\u0000${returning ?? ''}`;
  let text = texts.get(key);
  if (text === undefined) {
    let n = 0;
    const placeholder = engine === 'postgres' ? () => `$${++n}` : () => '?';
    const values = rows.map(() => `(${columns.map(placeholder).join(', ')})`).join(', ');
    text =
      `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${values}` +
      (returning ? ` returning "${returning}"` : '');
    // Row counts vary with the group: the texts stay few (one per count up to the chunk size).
    if (texts.size < 4096) texts.set(key, text);
  }
  const parameters: unknown[] = [];
  for (const row of rows) {
    if (row.length !== columns.length) throw new RangeError('A row has a wrong number of values.');
    for (const value of row) parameters.push(value);
  }
  return CompiledQuery.raw(text, parameters) as CompiledQuery<R>;
}

/**
 * `select <column> from <table> where <key> in (…values)` as a ready-to-run query, for the same
 * reason as {@link rowInsertQuery}: on the matched-request path, with one value per record of a
 * group. The text depends only on the names and the number of values; the values are parameters.
 */
export function inListSelectQuery<R = unknown>(
  engine: Engine,
  table: string,
  column: string,
  key: string,
  values: readonly unknown[],
): CompiledQuery<R> {
  if (values.length === 0) throw new RangeError('inListSelectQuery needs at least one value.');
  const cacheKey = `${engine}\u0000select\u0000${table}\u0000${column}\u0000${key}\u0000${values.length}`;
  let text = texts.get(cacheKey);
  if (text === undefined) {
    const list =
      engine === 'postgres' ? values.map((_, i) => `$${i + 1}`).join(', ') : values.map(() => '?').join(', ');
    text = `select "${column}" from "${table}" where "${key}" in (${list})`;
    if (texts.size < 4096) texts.set(cacheKey, text);
  }
  return CompiledQuery.raw(text, [...values]) as CompiledQuery<R>;
}
