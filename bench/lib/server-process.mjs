// The compiled server (apps/server/dist/main.js) in a child process for the benchmarks, logging at
// info to a file in its data folder; shared by bench/lib/matched-requests.mjs and import-api-measure.mjs.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/**
 * Starts the compiled server on `databaseUrl` with `env` on top of the benchmark's settings;
 * resolves once /readyz answers 200 (index loaded).
 * @returns {{ url: string, pid: number, stop: () => Promise<void> }}
 */
export async function startServerProcess({ databaseUrl, dataDir, env = {}, nodeArgs = [] }) {
  const logFile = join(dataDir, `server-${randomBytes(4).toString('hex')}.log`);
  const child = spawn(
    'sh',
    [
      '-c',
      `exec "${process.execPath}" ${nodeArgs.join(' ')} "${join(ROOT, 'apps/server/dist/main.js')}" >"${logFile}" 2>&1`,
    ],
    {
      env: {
        ...process.env,
        HASHLINE_DATA_DIR: dataDir,
        HASHLINE_DATABASE_URL: databaseUrl,
        HOST: '127.0.0.1',
        PORT: '0',
        HASHLINE_LOG_LEVEL: 'info',
        HASHLINE_HASHING_THREADS: '1',
        HASHLINE_WEBHOOK_ALLOW_PRIVATE: 'true',
        ...env,
      },
      stdio: 'ignore',
    },
  );
  const exited = new Promise((r) => child.once('exit', r));
  const stop = async () => {
    child.kill('SIGTERM');
    await exited;
  };
  let url;
  for (let i = 0; i < 600 && !url; i++) {
    await new Promise((r) => setTimeout(r, 100));
    url = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(readFileSync(logFile, 'utf8'))?.[1];
  }
  if (!url) {
    await stop();
    throw new Error(`the server did not start:\n${readFileSync(logFile, 'utf8')}`);
  }
  for (let i = 0; i < 600; i++) {
    if ((await fetch(`${url}/readyz`)).status === 200) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, pid: child.pid, stop };
}
