import type { CaptureService } from '@hashline/domain';
import type { FastifyBaseLogger } from 'fastify';
import { startPollingLoop, throttledFailureLog, type PollingLoop } from './polling-loop.js';

/** Options of {@link startCaptureWorker}. */
export interface CaptureWorkerOptions {
  readonly capture: CaptureService;
  readonly logger: FastifyBaseLogger;
  /** How long to sleep when no job is due. */
  readonly pollMs: number;
  /** Jobs claimed per round (default 2: each fetch and decode is bounded, and the box has 2 cores). */
  readonly batch?: number;
}

/** A running capture worker: `wake()` when a report arrives, `stop()` after the job in progress. */
export type CaptureWorker = PollingLoop;

/**
 * The in-process capture worker (the embedded default): claims due capture jobs from the outbox
 * and runs them, sleeping `pollMs` when there is nothing to do. Several processes may run one
 * each: jobs are leased, so each is captured by one worker at a time, and a crashed worker's
 * lease expires for another to take. Logs carry job counts and error codes, never URLs or media.
 */
export function startCaptureWorker(options: CaptureWorkerOptions): CaptureWorker {
  const logFailure = throttledFailureLog(options.logger);
  return startPollingLoop({
    pollMs: options.pollMs,
    round: async () => (await options.capture.runOnce(options.batch ?? 2)) > 0,
    onError: (error) => logFailure(error, 'capture round'),
  });
}
