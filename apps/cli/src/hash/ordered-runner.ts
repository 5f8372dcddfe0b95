/** Options of {@link runInOrder}. */
export interface RunInOrderOptions {
  /** Tasks running at once (at least 1). */
  readonly concurrency: number;
  /**
   * How far ahead of the oldest unreported item work may start (≥ concurrency). Bounds the results
   * held back while one slow item blocks in-order reporting.
   */
  readonly window: number;
}

/**
 * Runs `task` over `items` with bounded concurrency and calls `report` strictly in item order, as
 * soon as each item and every item before it has settled. Task errors are passed to `report`, never
 * thrown, so one failing item cannot stop the run. `report` may be async (e.g. to respect stdout
 * back-pressure); the next report waits for it.
 */
export async function runInOrder<T, R>(
  items: readonly T[],
  task: (item: T, index: number) => Promise<R>,
  report: (
    outcome: { ok: true; value: R } | { ok: false; error: unknown },
    item: T,
    index: number,
  ) => unknown,
  options: RunInOrderOptions,
): Promise<void> {
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const window = Math.max(concurrency, Math.floor(options.window));
  const settled = new Map<number, { ok: true; value: R } | { ok: false; error: unknown }>();
  let nextToStart = 0;
  let nextToReport = 0;
  let running = 0;

  await new Promise<void>((resolveAll, rejectAll) => {
    let reporting = false;
    let failed = false;

    const pump = (): void => {
      if (failed) return;
      while (running < concurrency && nextToStart < items.length && nextToStart < nextToReport + window) {
        const index = nextToStart++;
        running++;
        let promise: Promise<R>;
        try {
          promise = task(items[index] as T, index);
        } catch (error) {
          promise = Promise.reject(error);
        }
        promise.then(
          (value) => settle(index, { ok: true, value }),
          (error: unknown) => settle(index, { ok: false, error }),
        );
      }
      if (nextToReport === items.length && running === 0) resolveAll();
    };

    const settle = (index: number, outcome: { ok: true; value: R } | { ok: false; error: unknown }): void => {
      running--;
      settled.set(index, outcome);
      void flush();
    };

    const flush = async (): Promise<void> => {
      if (reporting || failed) return; // the running flush picks this result up
      reporting = true;
      try {
        while (settled.has(nextToReport)) {
          const index = nextToReport;
          const outcome = settled.get(index)!;
          settled.delete(index);
          await report(outcome, items[index] as T, index);
          nextToReport++;
        }
      } catch (error) {
        failed = true;
        rejectAll(error);
        return;
      } finally {
        reporting = false;
      }
      pump();
    };

    pump();
  });
}
