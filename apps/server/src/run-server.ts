import { loadConfig, type ServerConfig } from './config.js';
import { startServer, type RunningServer, type StartServerOptions } from './server.js';

/** Longest graceful shutdown before the process exits anyway. */
export const SHUTDOWN_TIMEOUT_MS = 15_000;

/** Options of {@link runServer}. */
export interface RunServerOptions extends Omit<StartServerOptions, 'config'> {
  /** Environment to configure from (default `process.env`); ignored when `config` is given. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Configuration overrides on top of the environment (e.g. the CLI's `--port`). */
  readonly overrides?: Partial<ServerConfig>;
  /** Where to say where the initial admin token was written (default: stderr). */
  readonly announce?: (line: string) => void;
}

/**
 * Runs the server as the main thing a process does (`main.ts`, the CLI's `hashline serve`):
 * starts it, tells where the initial admin token is when one was created, and on SIGTERM or
 * SIGINT shuts down gracefully and exits (code 0, or 1 if shutdown fails or takes longer than
 * {@link SHUTDOWN_TIMEOUT_MS}).
 * @throws {ConfigError} (config.ts) for an invalid configuration: nothing was started
 */
export async function runServer(options: RunServerOptions = {}): Promise<RunningServer> {
  const { env, overrides, announce = (line) => process.stderr.write(`${line}\n`), ...start } = options;
  const config = loadConfig(env ?? process.env, overrides);
  const server = await startServer({ ...start, config });
  server.app.log.info({ url: server.url, store: server.store.engine }, 'hashline server listening');
  if (server.initialAdminTokenFile) {
    announce(
      `Created an initial admin API key; its token is in ${server.initialAdminTokenFile} (readable by this user only).`,
    );
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    setTimeout(() => {
      server.app.log.error('graceful shutdown timed out; exiting');
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS).unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.app.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return server;
}
