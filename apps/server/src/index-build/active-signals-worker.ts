// Worker thread: reads every active entry of the store (a SQLite file or a PostgreSQL schema,
// through a connection of its own, in one read transaction) and packs them for the match engine,
// so neither the big read nor the hex parsing runs on the server's event loop. Posts back shared
// arrays sized to the count (nothing copied, no doubling) and the few exact-hash entries.
import { parentPort } from 'node:worker_threads';
import { PdqEntryList } from '@hashline/matcher';
import { lowerThreadPriority } from '@hashline/node-worker';
import {
  scanPostgresActiveSignals,
  scanSqliteActiveSignals,
  type ActiveSignalVisitor,
} from '@hashline/storage';
import type { ActiveSignal, PackedActiveSignals } from '@hashline/domain';

/** Signal kinds as the engine's entry tables number them. */
const KIND_CODES: Readonly<Record<string, number>> = { pdq: 1, md5: 2, sha1: 3, sha256: 4, vpdq: 5 };

/** What the main thread sends: the store to read. */
export type ActiveSignalsRequest =
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly connectTimeoutMs: number };

// Background work: the server's event loop comes first.
lowerThreadPriority();

parentPort!.once('message', (request: ActiveSignalsRequest) => {
  void (async () => {
    try {
      let entryBanks: Int32Array<ArrayBufferLike> = new Int32Array(1);
      let entryKinds: Uint8Array<ArrayBufferLike> = new Uint8Array(1);
      let pdq = new PdqEntryList(1);
      const exact: ActiveSignal[] = [];
      const visitor: ActiveSignalVisitor = {
        count: (rows, maxId) => {
          // Tables indexed by entry id, as the engine keeps them: adopted there, not copied.
          entryBanks = new Int32Array(new SharedArrayBuffer((maxId + 1) * 4));
          entryKinds = new Uint8Array(new SharedArrayBuffer(maxId + 1));
          pdq = new PdqEntryList(Math.max(1, rows), { shared: true });
        },
        row: (entryId, bankId, signalType, value) => {
          entryBanks[entryId] = bankId + 1;
          entryKinds[entryId] = KIND_CODES[signalType] ?? 0;
          if (signalType === 'pdq') pdq.push(entryId, value);
          else exact.push({ entryId, bankId, signalType: signalType as ActiveSignal['signalType'], value });
        },
      };
      if (request.kind === 'sqlite') scanSqliteActiveSignals(request.file, visitor);
      else
        await scanPostgresActiveSignals(request.url, visitor, { connectTimeoutMs: request.connectTimeoutMs });
      const { ids, hashes } = pdq.finish();
      const packed: PackedActiveSignals = { entryBanks, entryKinds, pdqIds: ids, pdqHashes: hashes, exact };
      parentPort!.postMessage({ ok: true, packed });
    } catch (error) {
      parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
    }
  })();
});
