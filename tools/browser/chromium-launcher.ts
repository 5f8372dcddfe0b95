import { accessSync, constants } from 'node:fs';
import { DEFAULT_CHROMIUM_PATH, HEADLESS_CHROMIUM_ARGS } from '@hashline/capture-node';
import { chromium, type Browser } from 'playwright-core';

// Debian's `chromium` (the only browser these tests use), started with the capture's quiet flags.
export { DEFAULT_CHROMIUM_PATH, HEADLESS_CHROMIUM_ARGS };

/** Thrown by {@link launchBrowser} when the Chromium executable is missing. */
export class ChromiumNotFoundError extends Error {
  override readonly name = 'ChromiumNotFoundError';

  constructor(readonly executablePath: string) {
    super(
      `Chromium not found: install Debian's chromium package (apt-get install chromium); looked for ${executablePath}`,
    );
  }
}

/** Options of {@link launchBrowser}. */
export interface LaunchBrowserOptions {
  /** Chromium executable; default {@link DEFAULT_CHROMIUM_PATH}. */
  readonly executablePath?: string;
  /** Extra command-line flags, appended to {@link HEADLESS_CHROMIUM_ARGS}. */
  readonly extraArgs?: readonly string[];
  /** How long to wait for the browser to start, in ms (default 30 000). */
  readonly timeoutMs?: number;
}

/**
 * Launches the system Chromium (never a downloaded one) headless through playwright-core.
 *
 * The caller owns the returned browser and must `close()` it (in a `finally` or an `afterAll`);
 * playwright-core also kills it if the Node process exits first.
 *
 * @throws {@link ChromiumNotFoundError} when the executable is missing: browser tests must fail
 *   loudly on a machine without Chromium rather than skip and look green.
 */
export async function launchBrowser(options: LaunchBrowserOptions = {}): Promise<Browser> {
  const executablePath = options.executablePath ?? DEFAULT_CHROMIUM_PATH;
  try {
    accessSync(executablePath, constants.X_OK);
  } catch {
    throw new ChromiumNotFoundError(executablePath);
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [...HEADLESS_CHROMIUM_ARGS, ...(options.extraArgs ?? [])],
    timeout: options.timeoutMs ?? 30_000,
  });
}
