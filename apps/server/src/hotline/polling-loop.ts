import type { FastifyBaseLogger } from 'fastify';

/** A background loop of rounds (capture jobs, takedown re-checks). */
export interface PollingLoop {
  /** Runs a round now instead of at the next poll. */
  wake(): void;
  /** Stops after the round in progress; resolves when it has stopped. */
  stop(): Promise<void>;
}

/**
 * Runs `round` again at once while it reports more work, else sleeps `pollMs` (or until woken).
 * A failed round is reported to `onError` and retried at the next poll: a database outage never
 * stops the loop.
 */
export function startPollingLoop(options: {
  readonly pollMs: number;
  /** One round; true when there may be more work right away. */
  readonly round: () => Promise<boolean>;
  readonly onError: (error: unknown) => void;
}): PollingLoop {
  let running = true;
  let timer: NodeJS.Timeout | undefined;
  let wakeUp: (() => void) | undefined;
  const sleep = (): Promise<void> =>
    new Promise((resolve) => {
      wakeUp = resolve;
      timer = setTimeout(resolve, options.pollMs);
      timer.unref();
    });
  const loop = (async () => {
    while (running) {
      try {
        if (await options.round()) continue;
      } catch (error) {
        options.onError(error);
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

/**
 * Logs a failure at most once a minute (an outage must not flood the log), with the error's
 * stable code when it has one; never URLs, addresses or report text (errors carry none).
 */
export function throttledFailureLog(logger: FastifyBaseLogger): (error: unknown, what: string) => void {
  let last = 0;
  return (error, what) => {
    if (Date.now() - last <= 60_000) return;
    last = Date.now();
    const code = (error as { code?: unknown } | null)?.code;
    logger.error(
      { code: typeof code === 'string' ? code : undefined, err: error },
      `${what} failed; retrying`,
    );
  };
}
