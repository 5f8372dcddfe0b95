#!/usr/bin/env node
// Entry point of the `hashline` command (package.json "bin"). All logic is in cli.ts so tests can
// run it in-process; this file only binds the real process streams and sets the exit code.
import process from 'node:process';
import { runCli } from './cli.js';

// `hashline hash dir | head` closes stdout early: stop quietly instead of crashing with EPIPE.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  cwd: process.cwd(),
  env: process.env,
});
// Set the code instead of calling process.exit, so buffered output still drains.
process.exitCode = code;
