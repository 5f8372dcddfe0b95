// Starts a worker thread from TypeScript sources (Vitest, or any run from src/). Plain Node 20
// cannot run a .ts worker, and a worker does not inherit Vitest's module runner, so this plain
// JavaScript file registers module hooks for its thread, then imports the .ts entry named in
// workerData. Runs from dist/ start the compiled worker directly and never come here.
import { register } from 'node:module';
import { workerData } from 'node:worker_threads';

register('./source-loader-hooks.mjs', import.meta.url);
await import(workerData.entry);
