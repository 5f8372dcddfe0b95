// The real server as a child process (src/main.ts under the source hooks, or any entry), for tests
// whose behaviour is about the process: it must not crash, must exit with the right code, must
// print one clear line. Each child runs in its own process group so a kill takes its helpers too.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/** Loads TypeScript sources in a plain Node child (the packages' `@hashline/source` condition). */
export const SOURCE_HOOKS = fileURLToPath(
  new URL('../../../../packages/node-worker/src/register-source-hooks.mjs', import.meta.url),
);
/** The server's entry, from sources. */
export const SERVER_MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
/** The CLI's entry, from sources. */
export const CLI_MAIN = fileURLToPath(new URL('../../../cli/src/main.ts', import.meta.url));

/** An admin token the tests provision through HASHLINE_ADMIN_TOKEN. */
export const TEST_ADMIN_TOKEN = 'hl_faulttest_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6';

/** A child process and what it printed. */
export interface ChildRun {
  readonly child: ChildProcess;
  /** stdout and stderr so far (the last 50 kB). */
  output(): string;
  /** stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  readonly exited: Promise<number | string | null>;
  /** True while the process runs. */
  alive(): boolean;
  /** kill -9 of the whole process group (whatever is left). */
  killGroup(): void;
}

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** This environment without any Hashline setting, plus `env`: children are configured by `env` only. */
export function childEnv(env: Record<string, string>): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith('HASHLINE_') && name !== 'PORT' && name !== 'HOST')
      clean[name] = value;
  }
  return { ...clean, ...env };
}

const children = new Set<ChildRun>();

/** Kills every child still running (call from afterEach/afterAll). */
export function killAllChildren(): void {
  for (const run of children) run.killGroup();
  children.clear();
}

/** Spawns `node --import <source hooks> <entry> ...args` with `env` (plus a clean environment). */
export function spawnNode(
  entry: string,
  args: readonly string[],
  env: Record<string, string>,
  cwd?: string,
): ChildRun {
  const child = spawn(process.execPath, ['--import', SOURCE_HOOKS, entry, ...args], {
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    ...(cwd ? { cwd } : {}),
  });
  let output = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-50_000)));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    output = (output + chunk).slice(-50_000);
    stderr = (stderr + chunk).slice(-50_000);
  });
  const exited = new Promise<number | string | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  const run: ChildRun = {
    child,
    output: () => output,
    stderr: () => stderr,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    killGroup: () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    },
  };
  children.add(run);
  void exited.then(() => children.delete(run));
  return run;
}

/** A running server child. */
export interface ServerChild extends ChildRun {
  readonly url: string;
  readonly port: number;
}

/** Starts the server (src/main.ts) with `env` and resolves once `/healthz` answers. */
export async function startServerChild(env: Record<string, string>): Promise<ServerChild> {
  const port = await freePort();
  const run = spawnNode(SERVER_MAIN, [], { ...env, PORT: String(port), HOST: '127.0.0.1' });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (!run.alive()) {
        throw new Error(`the server exited with ${await run.exited} while starting:\n${run.output()}`);
      }
      return fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
        (response) => response.status === 200,
        () => false,
      );
    },
    'the server to answer /healthz',
    120_000,
  ).catch((error: unknown) => {
    run.killGroup();
    throw error;
  });
  return { ...run, url, port };
}

/** Polls `condition` every 50 ms until it holds; fails after `timeoutMs` (generous: the machine is shared). */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
