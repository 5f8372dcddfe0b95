#!/usr/bin/env node
// The server process: `node apps/server/dist/main.js` (or `npm start -w @hashline/server`).
// Configuration comes from the environment (see config.ts); SIGTERM/SIGINT stop it gracefully:
// in-flight requests finish, background loops stop, the store is closed.
import { ConfigError } from './config.js';
import { runServer } from './run-server.js';

try {
  await runServer();
} catch (error) {
  console.error(expectedFailure(error) ?? error);
  process.exit(1);
}

/**
 * One line for a failure an operator can fix (bad configuration, database unreachable at start);
 * undefined for a bug, whose stack trace is worth printing.
 */
function expectedFailure(error: unknown): string | undefined {
  if (error instanceof ConfigError) return error.message;
  if (!(error instanceof Error)) return undefined;
  // By name: @hashline/storage and @hashline/domain are separate packages.
  if (error.name === 'StoreOpenError') return `hashline: ${error.message}`;
  const code = (error as { code?: unknown }).code;
  if (error.name === 'DomainError' && code === 'STORE_UNAVAILABLE') return `hashline: ${error.message}`;
  return undefined;
}
