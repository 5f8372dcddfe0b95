import { AsyncLocalStorage } from 'node:async_hooks';

// Some writes need not survive a power cut, because losing them only repeats work that is safe to
// repeat: the webhook outbox's bookkeeping (a claim's lease, "delivered", "attempt failed"). If
// such a commit is lost, the delivery is sent again, which receivers already expect (at-least-once,
// deduplicated by Idempotency-Key). Their commits skip the wait for the disk: on SQLite the
// transaction runs with `synchronous = NORMAL` (the WAL is fsynced by the next durable commit),
// on PostgreSQL with `synchronous_commit = off`. On SQLite this matters most: better-sqlite3 is
// synchronous, so every fsync blocks the event loop (~3 ms each on a cloud disk), and a busy
// dispatcher making two durable commits per delivery would leave little time to answer requests.
// A crash of the process (kill -9) loses nothing either way: only the OS or the machine can.

const relaxed = new AsyncLocalStorage<true>();

/**
 * Runs `work` so that the transactions it begins commit without waiting for the disk (see above).
 * Only for writes whose loss is harmless; everything an answer acknowledges stays durable.
 */
export function relaxedCommit<T>(work: () => Promise<T>): Promise<T> {
  return relaxed.run(true, work);
}

/** True inside {@link relaxedCommit}: the drivers read it when a transaction begins. */
export function isRelaxedCommit(): boolean {
  return relaxed.getStore() === true;
}
