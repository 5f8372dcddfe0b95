import type { CaptureService } from '@hashline/domain';
import type { FastifyBaseLogger } from 'fastify';

/** Options of {@link startCaptureWorker}. */
export interface CaptureWorkerOptions {
  readonly capture: CaptureService;
  readonly logger: FastifyBaseLogger;
  /** How long to sleep when no job is due. */
  readonly pollMs: number;
  /** Jobs claimed per round (default 2: each fetch and decode is bounded, and the box has 2 cores). */
  readonly batch?: number;
}

/** A running capture worker. */
export interface CaptureWorker {
  /** Runs a round now instead of at the next poll (a report just arrived). */
  wake(): void;
  /** Stops after the job in progress; resolves when it has stopped. */
  stop(): Promise<void>;
}

/**
 * The in-process capture worker (the embedded default): claims due capture jobs from the outbox
 * and runs them, sleeping `pollMs` when there is nothing to do. Several processes may run one
 * each: jobs are leased, so each is captured by one worker at a time, and a crashed worker's
 * lease expires for another to take. Logs carry job counts and error codes, never URLs or media.
 */
export function startCaptureWorker(options: CaptureWorkerOptions): CaptureWorker {
  let running = true;
  let timer: NodeJS.Timeout | undefined;
  let wakeUp: (() => void) | undefined;
  let lastError = 0;
  const sleep = (): Promise<void> =>
    new Promise((resolve) => {
      wakeUp = resolve;
      timer = setTimeout(resolve, options.pollMs);
      timer.unref();
    });
  const loop = (async () => {
    while (running) {
      try {
        const ran = await options.capture.runOnce(options.batch ?? 2);
        if (ran > 0) continue;
      } catch (error) {
        if (Date.now() - lastError > 60_000) {
          lastError = Date.now();
          options.logger.error({ err: error }, 'capture round failed; retrying');
        }
      }
      if (running) await sleep();
    }
  })();
  return {
    wake() {
      clearTimeout(timer);
      wakeUp?.();
    },
    async stop() {
      running = false;
      clearTimeout(timer);
      wakeUp?.();
      await loop;
    },
  };
}
