/**
 * `@hashline/node-worker`: where to start a worker thread or child process from, whether the code
 * runs compiled (dist/, plain Node) or from TypeScript sources (Vitest). Node only.
 * @packageDocumentation
 */
import { platform, setPriority } from 'node:os';

/** The .mjs bootstrap and hooks stay in src/ (shipped as they are), also when this file runs from dist/. */
const SOURCE_DIR = import.meta.url.endsWith('.ts')
  ? new URL('./', import.meta.url)
  : new URL('../src/', import.meta.url);

/** The script a worker runs and, from sources, the TypeScript module the bootstrap imports. */
export interface WorkerScript {
  /** Pass to `new Worker(url)` or `fork(fileURLToPath(url))`. */
  readonly url: URL;
  /**
   * Source mode only: the `.ts` module to run. Hand it to the worker as `workerData.entry`
   * (threads) or as `{"entry": ...}` JSON in `argv[2]` (child processes).
   */
  readonly entry?: string;
}

/**
 * Locates the worker module `name` (without extension) beside the calling module `moduleUrl`
 * (`import.meta.url`). From dist/ that is the compiled `name.js`. From sources, plain Node cannot
 * run `name.ts` and a worker does not inherit Vitest's module runner, so the script is a small
 * JavaScript bootstrap that registers transpiling module hooks in the worker, then imports the
 * `.ts` entry (see source-worker-bootstrap.mjs).
 */
export function workerScript(moduleUrl: string, name: string): WorkerScript {
  if (moduleUrl.endsWith('.ts')) {
    return {
      url: new URL('./source-worker-bootstrap.mjs', SOURCE_DIR),
      entry: new URL(`./${name}.ts`, moduleUrl).href,
    };
  }
  return { url: new URL(`./${name}.js`, moduleUrl) };
}

/**
 * The module hooks that let plain Node run the workspace from TypeScript sources: register them
 * with `node --import @hashline/node-worker/register-source-hooks` (tests of whole processes).
 */
export const SOURCE_HOOKS_URL: string = new URL('./source-loader-hooks.mjs', SOURCE_DIR).href;

/** The nice value background worker threads run at (see {@link lowerThreadPriority}). */
export const BACKGROUND_NICE = 10;

/**
 * Lowers the calling worker thread's CPU priority to {@link BACKGROUND_NICE}, so bulk work (an
 * index load or build) yields the cores to the event loop that answers requests: on a 2-core
 * machine, a 10M-entry load left `/healthz` waiting up to 120 ms for a core. On Linux the nice
 * value belongs to a thread, and `setPriority(0, ...)` sets the caller's; elsewhere it would
 * lower the whole process, so nothing is done there. A refusal (a sandbox) changes nothing else.
 */
export function lowerThreadPriority(): void {
  if (platform() !== 'linux') return;
  try {
    setPriority(0, BACKGROUND_NICE);
  } catch {
    // Priority is a nicety: the work runs the same at the default one.
  }
}
