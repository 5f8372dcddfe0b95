// Runs inside the page, bundled into the test's entry module: it must not import anything from Node,
// and it uses only `globalThis` so it type-checks without the DOM library.

/** Name of the function {@link runInBrowser} exposes to the page to receive the outcome. */
export const REPORT_FUNCTION = '__hashlineReport';
/** Name of the global holding the JSON parameters {@link runInBrowser} passes to the page. */
export const PARAMS_GLOBAL = '__hashlineParams';

/** What a page hands back to the runner: its value, or the error that stopped it. */
export type PageOutcome =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly message: string; readonly stack?: string };

type HarnessGlobals = Record<string, unknown>;

/** The parameters the Node side passed to `runInBrowser({ params })` (`undefined` if none). */
export function pageParams<T>(): T {
  return (globalThis as unknown as HarnessGlobals)[PARAMS_GLOBAL] as T;
}

/**
 * Runs the page's work and hands its result (or its error) back to the Node side. Call it once,
 * from the entry module. The value must survive structured cloning as JSON does: plain objects,
 * arrays, strings, numbers, booleans and null (hex strings, not `Uint8Array`s).
 */
export function reportToHarness<T>(work: () => T | Promise<T>): void {
  const report = (globalThis as unknown as HarnessGlobals)[REPORT_FUNCTION];
  if (typeof report !== 'function') {
    throw new Error(`${REPORT_FUNCTION} is missing: open this page through runInBrowser()`);
  }
  const send = report as (outcome: PageOutcome) => Promise<void>;
  Promise.resolve()
    .then(work)
    .then(
      (value) => send({ ok: true, value }),
      (error: unknown) =>
        send(
          error instanceof Error
            ? {
                ok: false,
                message: error.message,
                ...(error.stack === undefined ? {} : { stack: error.stack }),
              }
            : { ok: false, message: String(error) },
        ),
    )
    .catch(() => {
      // The runner has gone (timeout, closed page): nobody is left to tell.
    });
}
