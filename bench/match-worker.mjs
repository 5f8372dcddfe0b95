// Worker thread of bench/match.bench.mjs. Two jobs:
//   - "query": rebuild a PdqIndex object around the (SharedArrayBuffer-backed) serialized index,
//     so every worker reads the same single copy, then run the query set when told to start;
//   - "rebuild": the background half of a LiveIndex rebuild, exactly as an app would do it:
//     rebuildIndex(source) in this thread, post the serialized result back (shared: no copy).
import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { PdqIndex, rebuildIndex, transferListOf } from '@hashline/matcher';

parentPort.on('message', (msg) => {
  if (msg.type === 'query') {
    const index = PdqIndex.fromSerialized(msg.index);
    const { queries, count, radius, go } = msg;
    const q = new Uint8Array(32);
    const bytes = new Uint8Array(queries.buffer, queries.byteOffset, queries.byteLength);
    const run = (n) => {
      let found = 0;
      for (let i = 0; i < n; i++) {
        q.set(bytes.subarray((i % count) * 32, (i % count) * 32 + 32));
        found += index.query(q, radius).length;
      }
      return found;
    };
    run(Math.min(count, 200)); // warm-up (JIT), not timed
    parentPort.postMessage({ type: 'ready' });
    Atomics.wait(go, 0, 0); // all workers start together
    const start = performance.now();
    const found = run(count);
    parentPort.postMessage({ type: 'done', ms: performance.now() - start, queries: count, found });
  } else if (msg.type === 'rebuild') {
    const start = performance.now();
    const index = rebuildIndex(msg.source, { shared: true });
    const serialized = index.serialize();
    parentPort.postMessage(
      { type: 'rebuilt', index: serialized, ms: performance.now() - start },
      transferListOf(serialized),
    );
  }
});
