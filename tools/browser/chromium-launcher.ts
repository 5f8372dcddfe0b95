import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where Debian's `chromium` package installs its launcher; the only browser these tests use. */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Flags for a quiet, offline, deterministic headless Chromium: no GPU (software rasterisation, so
 * canvas readbacks do not depend on a driver), no sandbox (tests run as root in containers), and no
 * background traffic (updates, sync, QUIC) that could reach the network or slow the start.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

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
  /** Extra command-line flags, appended to {@link CHROMIUM_ARGS}. */
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
    args: [...CHROMIUM_ARGS, ...(options.extraArgs ?? [])],
    timeout: options.timeoutMs ?? 30_000,
  });
}
