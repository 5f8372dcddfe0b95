import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '@hashline/storage';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { issueApiKey } from '../src/auth/api-key-tokens.js';
import { loadConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { PDQ_FIXTURES } from '../../../tools/test-fixtures.js';
import { randomPdq } from './support/test-app.js';

function env(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HASHLINE_DATA_DIR: dataDir,
    PORT: '0',
    HASHLINE_LOG_LEVEL: 'silent',
    HASHLINE_POLL_MS: '100',
    ...extra,
  };
}

async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('startServer over a real port, on SQLite', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hashline-serve-'));
  let server: RunningServer;
  let admin: string;
  const get = (path: string, token?: string) =>
    fetch(`${server.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const post = (path: string, token: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    server = await startServer({ config: loadConfig(env(dataDir)) });
    await server.indexLoaded;
    admin = server.initialAdminToken!;
  });
  afterAll(() => server?.close());

  test('creates an initial admin key once, its token in a file only its user can read', async () => {
    expect(admin).toMatch(/^hl_/);
    expect(server.initialAdminTokenFile).toBe(join(dataDir, 'initial-admin-token'));
    expect(readFileSync(server.initialAdminTokenFile!, 'utf8').trim()).toBe(admin);
    expect(statSync(server.initialAdminTokenFile!).mode & 0o777).toBe(0o600);
    expect((await get('/v1/me', admin)).status).toBe(200);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  test('health and readiness', async () => {
    expect(await (await get('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, store: 'sqlite', lag: 0 });
  });

  test('reports the capture outbox in /metrics', async () => {
    const metrics = await (await get('/metrics')).text();
    expect(metrics).toMatch(/hashline_capture_jobs\{status="pending"\} \d+/);
    expect(metrics).toMatch(/hashline_capture_jobs\{status="failed"\} \d+/);
  });

  test('a change committed by another process becomes matchable (change-log polling)', async () => {
    const bank = (await (await post('/v1/banks', admin, { name: 'shared', kind: 'test' })).json()) as {
      id: number;
    };
    const other = await openStore(server.config.databaseUrl);
    try {
      const hash = randomPdq();
      const committed = Date.now();
      await other.addEntries(bank.id, [{ signalType: 'pdq', value: hash }], 'other-process');
      const latency = await waitFor('the entry to match', async () => {
        const response = await post('/v1/match', admin, { hashes: [{ signalType: 'pdq', value: hash }] });
        const body = (await response.json()) as { results: { matched: boolean }[] };
        return body.results[0]?.matched ? Date.now() - committed : undefined;
      });
      console.log(`cross-process change matchable after ${latency} ms (poll interval 100 ms)`);
      const ready = (await (await get('/readyz')).json()) as { appliedSeq: number; latestSeq: number };
      expect(ready.appliedSeq).toBe(ready.latestSeq);
    } finally {
      await other.close();
    }
  });

  test('a second start on the same data creates no new key; close() stops listening', async () => {
    const second = await startServer({ config: loadConfig(env(dataDir)) });
    expect(second.initialAdminToken).toBeNull();
    await second.indexLoaded;
    const url = second.url;
    expect((await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${admin}` } })).status).toBe(200);
    await second.close();
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});

describe('HASHLINE_ADMIN_TOKEN', () => {
  test('registers the provisioned admin token and creates no other key', async () => {
    const { token } = issueApiKey('x', ['admin']);
    const dataDir = mkdtempSync(join(tmpdir(), 'hashline-serve-'));
    const server = await startServer({ config: loadConfig(env(dataDir, { HASHLINE_ADMIN_TOKEN: token })) });
    try {
      expect(server.initialAdminToken).toBeNull();
      const me = await fetch(`${server.url}/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(await me.json()).toMatchObject({ scopes: ['admin'] });
      expect(await server.store.listApiKeys()).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});

describe('the server process (src/main.ts)', () => {
  test('listens, answers, and exits 0 on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hashline-main-'));
    const hooks = fileURLToPath(
      new URL('../../../packages/node-worker/src/register-source-hooks.mjs', import.meta.url),
    );
    const main = fileURLToPath(new URL('../src/main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', hooks, main], {
      env: { ...process.env, ...env(dataDir, { HASHLINE_LOG_LEVEL: 'info' }) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await waitFor(
        'the server to listen',
        async () => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output)?.[1],
        60_000,
      );
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      await waitFor(
        'readiness',
        async () => ((await fetch(`${url}/readyz`)).status === 200 ? true : undefined),
        30_000,
      );
      // Media is hashed in a child process (the default isolation) of the server process.
      const token = readFileSync(join(dataDir, 'initial-admin-token'), 'utf8').trim();
      const hashed = await fetch(`${url}/v1/hash`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'image/jpeg' },
        body: readFileSync(join(PDQ_FIXTURES, 'data/bridge-mods/aaa-orig.jpg')),
      });
      expect(hashed.status).toBe(200);
      expect(((await hashed.json()) as { usable: boolean }).usable).toBe(true);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('shutting down');
      expect(output).toContain(`its token is in ${join(dataDir, 'initial-admin-token')}`);
      expect(output).not.toContain(token);
    } finally {
      child.kill('SIGKILL');
    }
  }, 90_000);
});
