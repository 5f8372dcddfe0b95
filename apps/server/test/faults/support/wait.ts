// Waiting on conditions, never on the clock: every wait polls a condition with a generous upper
// bound, so a busy machine makes the suite slower, not red.

/** Resolves after `ms` (for back-off between polls and the length of a fault, never as a check). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `condition` until it returns true; rejects naming `what` after `timeoutMs`. A condition
 * that throws ends the wait with its error (e.g. a process that died while we waited).
 */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  options: { readonly timeoutMs?: number; readonly intervalMs?: number } = {},
): Promise<void> {
  const { timeoutMs = 120_000, intervalMs = 100 } = options;
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > giveUpAt) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(intervalMs);
  }
}
