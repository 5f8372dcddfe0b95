#!/usr/bin/env node
// Launcher for the `hashline` command (package.json "bin"). It is committed, not compiled, on purpose:
// npm links a workspace's bins into node_modules/.bin at install time and silently skips any bin
// whose file does not exist yet, and dist/ only appears after `npm run build`. Pointing "bin" at
// this file makes `npx hashline` work after `npm ci && npm run build` on a fresh clone.
import { existsSync } from 'node:fs';

const main = new URL('../dist/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('hashline: the CLI is not built yet: run `npm run build` in the repository root\n');
  process.exit(2);
}
await import(main.href);
