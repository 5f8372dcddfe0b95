import { open, type FileHandle } from 'node:fs/promises';

/**
 * Makes SQLite commits durable without blocking the event loop.
 *
 * better-sqlite3 runs on the main thread, so a `synchronous = FULL` commit blocks every request
 * for the length of an fsync (~3 ms on a cloud disk): a ceiling of a few hundred commits a second
 * for the whole process. A transaction may instead commit with `synchronous = NORMAL` (in WAL
 * mode its frames are written to the `-wal` file but not flushed) and then call {@link sync},
 * which flushes that file with `fdatasync` in libuv's thread pool while the event loop goes on.
 * Once `sync()` resolves, every commit made before the call is on disk: the WAL holds them, and
 * recovery replays the WAL. A checkpoint in between is harmless: with NORMAL, SQLite flushes the
 * WAL before it checkpoints and the database after. Calls share flushes: a call waits for the
 * flush in flight only if that flush began after the call (one that began before may have missed
 * the caller's frames), so a burst of commits costs one or two flushes, not one each.
 */
export class SqliteWalSync {
  readonly #walPath: string;
  #handle: FileHandle | null = null;
  /** Calls made so far, and how many of them a finished flush covers. */
  #requested = 0;
  #covered = 0;
  #inFlight: Promise<void> | null = null;
  #flushes = 0;

  constructor(databaseFile: string) {
    this.#walPath = `${databaseFile}-wal`;
  }

  /** Resolves once every commit made before this call is on disk; rejects if the flush fails. */
  async sync(): Promise<void> {
    const ticket = ++this.#requested;
    while (this.#covered < ticket) {
      if (this.#inFlight) {
        // Started before this call (or by a call it does not cover): wait, then look again.
        await this.#inFlight;
        continue;
      }
      const covers = this.#requested;
      const flush = this.#flush().then(() => {
        this.#covered = Math.max(this.#covered, covers);
      });
      // Waiters only need to know when it ended; its failure is this call's to report.
      this.#inFlight = flush
        .catch(() => undefined)
        .finally(() => {
          this.#inFlight = null;
        });
      await flush;
    }
  }

  /** How many flushes ran (for tests and metrics: far fewer than calls under load). */
  get flushes(): number {
    return this.#flushes;
  }

  /** Closes the file handle (the database itself is closed by its owner). */
  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = null;
    await handle?.close();
  }

  async #flush(): Promise<void> {
    // Opened once, at the first flush (after a commit, so the WAL exists), and kept: the file is
    // the same for as long as the store's connection is open. SQLite removes the WAL only when the
    // last connection to the database closes, and changing the journal mode needs the database to
    // itself; a checkpoint rewinds (or, with TRUNCATE, truncates) the file in place. The store's
    // connection stays open until the store closes, and the store makes no commit after that, so
    // the handle never points at a WAL that commits no longer go to. (An earlier version stat'ed
    // the path before every flush to catch a replaced file: 2–4 % of a matched request's CPU.)
    this.#handle ??= await open(this.#walPath, 'r');
    this.#flushes++;
    await this.#handle.datasync();
  }
}
