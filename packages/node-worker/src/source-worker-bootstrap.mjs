// Starts the hashing worker from TypeScript sources (tests, `vitest`, any run from src/).
//
// Plain Node 20 cannot run the .ts worker, and a worker thread does not inherit Vitest's module
// runner. So, only when the pool itself was loaded from a .ts file, the pool starts this plain
// JavaScript bootstrap instead of dist/hashing-worker.js. It registers module hooks for this
// thread or child process (see source-loader-hooks.mjs) and then imports the .ts worker named in
// workerData (threads) or in the JSON argument (child processes).
// Runs from dist/ never come here; the transpiler it needs (esbuild or TypeScript) is a dev dependency.
import { register } from 'node:module';
import { MessageChannel, workerData } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
register('./source-loader-hooks.mjs', {
  parentURL: import.meta.url,
  data: { port: port2 },
  transferList: [port2],
});
await import((workerData ?? JSON.parse(process.argv[2])).entry);
port1.postMessage('loaded');
port1.close();
