#!/usr/bin/env node
// The server process: `node apps/server/dist/main.js` (or `npm start -w @hashline/server`).
// Configuration comes from the environment (see config.ts); SIGTERM/SIGINT stop it gracefully:
// in-flight requests finish, background loops stop, the store is closed.
import { ConfigError } from './config.js';
import { runServer } from './run-server.js';

try {
  await runServer();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
