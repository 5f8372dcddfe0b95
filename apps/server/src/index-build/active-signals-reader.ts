import { Worker } from 'node:worker_threads';
import { workerScript } from '@hashline/node-worker';
import type { ActiveSignalsReader, PackedActiveSignals } from '@hashline/domain';
import type { ActiveSignalsRequest } from './active-signals-worker.js';

type Reply = { ok: true; packed: PackedActiveSignals } | { ok: false; message: string };

/**
 * An {@link ActiveSignalsReader} for a SQLite store file or a PostgreSQL store: a fresh worker
 * thread opens its own connection, reads every active entry in one read transaction and packs
 * the PDQ hashes into shared memory, sized to the count. better-sqlite3 is synchronous, so reading
 * 10M rows on the main thread would stop the event loop (and `/healthz`) for seconds, and parsing
 * 10M hex hashes from PostgreSQL would take seconds of it too; here neither does.
 */
export function createActiveSignalsReader(source: ActiveSignalsRequest): ActiveSignalsReader {
  return () => {
    const location = workerScript(import.meta.url, 'active-signals-worker');
    return new Promise<PackedActiveSignals>((resolve, reject) => {
      const worker = new Worker(
        location.url,
        location.entry ? { workerData: { entry: location.entry } } : {},
      );
      let settled = false;
      worker.once('message', (reply: Reply) => {
        settled = true;
        void worker.terminate();
        if (reply.ok) resolve(reply.packed);
        else reject(new Error(`Reading the active entries failed: ${reply.message}`));
      });
      worker.once('error', (error) => {
        settled = true;
        reject(error);
      });
      worker.once('exit', (code) => {
        if (!settled) reject(new Error(`The active-entries worker exited (code ${code}) before answering.`));
      });
      worker.postMessage(source);
    });
  };
}
