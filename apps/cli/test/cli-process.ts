// Helpers for end-to-end tests: run the built `hashline` executable (bin/hashline.js → dist/main.js)
// as child processes, and start `hashline serve` in the background.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO_ROOT } from '../../../tools/test-fixtures.js';

/** The committed launcher of the CLI. */
export const BIN = resolve(REPO_ROOT, 'apps/cli/bin/hashline.js');

/** Fails with a clear message when a workspace the CLI runs from has not been built. */
export function assertBuilt(): void {
  for (const workspace of [
    'packages/pdq',
    'packages/matcher',
    'packages/domain',
    'packages/storage',
    'packages/media-node',
    'apps/server',
    'apps/cli',
  ]) {
    if (!existsSync(resolve(REPO_ROOT, workspace, 'dist/index.js'))) {
      throw new Error(
        `${workspace}/dist is missing: run \`npm run build\` in the repository root before these tests`,
      );
    }
  }
}

/** The environment of a child: this one without any HASHLINE_* setting, so tests are hermetic. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('HASHLINE_') && name !== 'PORT' && name !== 'HOST')
      env[name] = value;
  }
  return { ...env, ...extra };
}

/** What a finished command printed and returned. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `hashline args...` to completion. */
export function hashline(
  args: readonly string[],
  options: {
    cwd?: string;
    env?: Record<string, string>;
    input?: string;
    nodeArgs?: readonly string[];
    timeoutMs?: number;
  } = {},
): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BIN, ...args], {
      cwd: options.cwd ?? REPO_ROOT,
      env: options.env ?? cleanEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** A `hashline serve` running in the background. */
export interface ServeProcess {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<port>`, read from the start-up message. */
  readonly url: string;
  /** Everything printed on stdout so far (the banner, then the log). */
  output(): string;
  /** Sends SIGINT and resolves with the exit code and the full output. */
  stop(): Promise<CliResult>;
}

/**
 * Starts `hashline serve args...` (add `--port 0`) and resolves once the start-up message (printed
 * after the index has loaded) has appeared.
 */
export function startServe(
  args: readonly string[],
  options: { cwd: string; env?: Record<string, string> },
): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--log-format', 'json', ...args], {
    cwd: options.cwd,
    env: options.env ?? cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<CliResult>((done) =>
    child.on('close', (code) => done({ code, stdout, stderr })),
  );
  return new Promise((done, fail) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`hashline serve did not start in time:\n${stdout}\n${stderr}`));
    }, 90_000);
    const check = (): void => {
      const url = /Hashline is running at (http:\/\/\S+)/.exec(stdout)?.[1];
      if (url && stdout.includes('Ctrl-C stops the server')) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        done({
          child,
          url,
          output: () => stdout,
          stop: () => {
            if (child.exitCode === null) child.kill('SIGINT');
            return exited;
          },
        });
      }
    };
    child.stdout.on('data', check);
    void exited.then((result) => {
      clearTimeout(timer);
      fail(new Error(`hashline serve exited with ${result.code}:\n${result.stdout}\n${result.stderr}`));
    });
  });
}

/**
 * Retries `attempt` until it returns a value (not undefined) or `ms` have passed. The deadline is
 * generous because a busy machine may need many seconds per attempt; a passing test never waits it out.
 */
export async function eventually<T>(attempt: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await attempt();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
