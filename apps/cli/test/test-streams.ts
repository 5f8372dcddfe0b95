import { PassThrough, Readable } from 'node:stream';
import type { CommandContext } from '../src/commands/command.js';

/** A CommandContext whose stdout/stderr are captured as strings, for in-process command tests. */
export function captureContext(options: { cwd?: string; stdin?: string; stderrTTY?: boolean } = {}): {
  context: CommandContext;
  stdout: () => string;
  stderr: () => string;
} {
  const out: string[] = [];
  const err: string[] = [];
  const stdout = new PassThrough();
  const stderr = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  if (options.stderrTTY) {
    stderr.isTTY = true;
    stderr.columns = 80;
  }
  stdout.on('data', (chunk: Buffer) => out.push(chunk.toString('utf8')));
  stderr.on('data', (chunk: Buffer) => err.push(chunk.toString('utf8')));
  return {
    context: {
      stdout,
      stderr,
      stdin: Readable.from([options.stdin ?? '']),
      cwd: options.cwd ?? process.cwd(),
    },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}
