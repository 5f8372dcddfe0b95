#!/usr/bin/env node
// The server process: `node apps/server/dist/main.js` (or `npm start -w @hashline/server`).
// Configuration comes from the environment (see config.ts); SIGTERM/SIGINT stop it gracefully:
// in-flight requests finish, background loops stop, the store is closed.
import { ConfigError } from './config.js';
import { startServer } from './server.js';

/** Longest graceful shutdown before the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 15_000;

try {
  const server = await startServer();
  server.app.log.info({ url: server.url, store: server.store.engine }, 'hashline server listening');
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
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
