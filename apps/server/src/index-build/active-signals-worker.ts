// Worker thread: reads every active entry of the store (a SQLite file or a PostgreSQL schema,
// through a connection of its own, in one read transaction) and packs them for the match engine,
// so neither the big read nor the hex parsing runs on the server's event loop. Posts back shared
// arrays sized to the count (nothing copied, no doubling) and the few exact-hash entries.
import { parentPort } from 'node:worker_threads';
import { PdqEntryList } from '@hashline/matcher';
import {
  scanPostgresActiveSignals,
  scanSqliteActiveSignals,
  type ActiveSignalVisitor,
} from '@hashline/storage';
import type { ActiveSignal, PackedActiveSignals } from '@hashline/domain';

/** What the main thread sends: the store to read. */
export type ActiveSignalsRequest =
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly connectTimeoutMs: number };

parentPort!.once('message', (request: ActiveSignalsRequest) => {
  void (async () => {
    try {
      let entryIds: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
      let bankIds: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
      let pdq = new PdqEntryList(1);
      const exact: ActiveSignal[] = [];
      let n = 0;
      const visitor: ActiveSignalVisitor = {
        count: (rows) => {
          entryIds = new Uint32Array(new SharedArrayBuffer(rows * 4));
          bankIds = new Uint32Array(new SharedArrayBuffer(rows * 4));
          pdq = new PdqEntryList(Math.max(1, rows), { shared: true });
        },
        row: (entryId, bankId, signalType, value) => {
          entryIds[n] = entryId;
          bankIds[n++] = bankId;
          if (signalType === 'pdq') pdq.push(entryId, value);
          else exact.push({ entryId, bankId, signalType: signalType as ActiveSignal['signalType'], value });
        },
      };
      if (request.kind === 'sqlite') scanSqliteActiveSignals(request.file, visitor);
      else
        await scanPostgresActiveSignals(request.url, visitor, { connectTimeoutMs: request.connectTimeoutMs });
      const { ids, hashes } = pdq.finish();
      const packed: PackedActiveSignals = { entryIds, bankIds, pdqIds: ids, pdqHashes: hashes, exact };
      parentPort!.postMessage({ ok: true, packed });
    } catch (error) {
      parentPort!.postMessage({ ok: false, message: error instanceof Error ? error.message : String(error) });
    }
  })();
});
