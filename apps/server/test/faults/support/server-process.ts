// Real server processes for the fault suite: `node apps/server/dist/main.js`, each in its own
// process group (so kill -9 takes its helpers too), configured by the environment only. The
// suite watches every process it starts: an exit nobody asked for is a crash, and the test that
// owns the process fails with the last lines the process wrote.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { childEnv, freePort } from '../../support/server-process.js';
import { sleep, waitFor } from './wait.js';

/** The compiled server entry: the suite runs what operators run (`npm run build` first). */
export const SERVER_MAIN = fileURLToPath(new URL('../../../dist/main.js', import.meta.url));

/** How a server process ended, when it did. */
export interface ServerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when the suite killed or stopped it on purpose. */
  readonly expected: boolean;
}

/** One running server process. */
export interface ServerProcess {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** Set once the process has exited. */
  exit(): ServerExit | undefined;
  /** The last 20,000 characters the process wrote (stdout and stderr). */
  output(): string;
  /** kill -9 of the whole process group; resolves once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM; resolves with the exit code (null after 30 s without an exit, then killed). */
  stop(): Promise<number | null>;
}

const running = new Set<ChildProcess>();
/** Processes {@link killAllServers} ended (after a timeout, say): not crashes. */
const killedOnPurpose = new WeakSet<ChildProcess>();

export { freePort };

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Kills every server process the suite started and has not stopped (afterEach/afterAll). */
export function killAllServers(): void {
  for (const child of running) {
    killedOnPurpose.add(child);
    killGroup(child);
  }
}

/**
 * Starts a server and resolves once `/healthz` answers (it listens before its index is loaded;
 * wait for `/readyz` separately). Rejects with the process output if it exits while starting.
 */
export async function startServerProcess(
  name: string,
  env: Readonly<Record<string, string>>,
  options: { readonly port?: number } = {},
): Promise<ServerProcess> {
  if (!existsSync(SERVER_MAIN)) {
    throw new Error(`${SERVER_MAIN} is missing: run \`npm run build\` before the fault suite.`);
  }
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [SERVER_MAIN], {
    env: childEnv({ ...env, PORT: String(port), HOST: '127.0.0.1' }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  running.add(child);
  let output = '';
  const append = (chunk: string): void => {
    output = (output + chunk).slice(-20_000);
  };
  child.stdout!.setEncoding('utf8').on('data', append);
  child.stderr!.setEncoding('utf8').on('data', append);
  let expected = false;
  let exit: ServerExit | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      exit = { code, signal, expected: expected || killedOnPurpose.has(child) };
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(
      `${name} to answer /healthz`,
      async () => {
        if (exit) {
          throw new Error(
            `${name} exited with ${exit.code ?? exit.signal} while starting:\n${output.slice(-4000)}`,
          );
        }
        return fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
          (response) => response.status === 200,
          () => false,
        );
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    );
  } catch (error) {
    expected = true;
    killGroup(child);
    throw error;
  }
  return {
    name,
    url,
    pid: child.pid!,
    exit: () => exit,
    output: () => output,
    async kill9() {
      expected = true;
      killGroup(child);
      await exited;
    },
    async stop() {
      expected = true;
      child.kill('SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), sleep(30_000).then(() => false)]);
      killGroup(child); // whatever it left behind (it should be nothing)
      if (!stopped) {
        await exited;
        return null;
      }
      return exit?.code ?? null;
    },
  };
}

/** The servers among `servers` that exited without being asked to, with their last output. */
export function crashes(servers: readonly ServerProcess[]): string[] {
  return servers
    .filter((server) => server.exit() !== undefined && !server.exit()!.expected)
    .map((server) => {
      const { code, signal } = server.exit()!;
      const output = server.output();
      // The first line that names an error, for the one-line summary in the fault table.
      const cause = output
        .split('\n')
        .find((line) => /error|ECONN|57P0/i.test(line))
        ?.trim()
        .slice(0, 160);
      return (
        `${server.name} exited by itself (${code ?? signal})${cause ? `: ${cause}` : ''}\n` +
        `its last output:\n${output.slice(-3000)}`
      );
    });
}
