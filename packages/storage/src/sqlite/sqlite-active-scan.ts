import BetterSqlite3 from 'better-sqlite3';

/** What {@link scanSqliteActiveSignals} hands over, row by row. */
export interface ActiveSignalVisitor {
  /** Called once first with the number of rows that follow and the largest entry id among them (0: none). */
  count(rows: number, maxId: number): void;
  /** One active entry (entry and bank enabled). */
  row(entryId: number, bankId: number, signalType: string, value: string): void;
}

/**
 * Reads every active entry of a SQLite store file through its own read-only connection, in one
 * read transaction (so the count and the rows agree, and WAL writers carry on meanwhile). It is
 * synchronous, like better-sqlite3: run it in a worker thread, never on a server's event loop.
 * Rows come in no particular order (a full scan is the fastest read).
 */
export function scanSqliteActiveSignals(file: string, visit: ActiveSignalVisitor): void {
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    const from =
      'from bank_entries e join banks b on b.id = e.bank_id where e.disabled = 0 and b.enabled = 1';
    db.exec('begin');
    try {
      const counted = db.prepare(`select count(*), coalesce(max(e.id), 0) ${from}`).raw().get() as [
        number,
        number,
      ];
      visit.count(counted[0], counted[1]);
      const rows = db.prepare(`select e.id, e.bank_id, e.signal_type, e.value ${from}`).raw();
      for (const row of rows.iterate() as IterableIterator<[number, number, string, string]>) {
        visit.row(row[0], row[1], row[2], row[3]);
      }
    } finally {
      db.exec('commit');
    }
  } finally {
    db.close();
  }
}
