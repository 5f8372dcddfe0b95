// Issue 11 item 1: a server survives its database going away. Real server processes on real
// PostgreSQL, reached through the loopback fault proxy (tools/faults/tcp-proxy.ts), and on SQLite:
// - pg_terminate_backend of the server's connections (twice) and TCP resets: the process lives
//   and the next requests succeed;
// - a hung database (proxy paused): /readyz says 503 with the reason, store-backed requests answer
//   503 STORE_UNAVAILABLE with Retry-After instead of hanging, matching still answers from memory
//   (recorded: false, no record id) and /metrics counts it; after resume everything is back;
// - SQLite's write lock held elsewhere: writes answer 503, matching answers unrecorded;
// - a database that is down at start: one line on stderr, a non-zero exit.
// Every wait polls for a condition with a generous bound; no test asserts a speed.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TcpFaultProxy } from '../../../tools/faults/tcp-proxy.js';
import {
  dropSchema,
  freshSchemaName,
  POSTGRES_TEST_URL,
  requirePostgres,
} from '../../../packages/storage/test/support/postgres.js';
import {
  CLI_MAIN,
  SERVER_MAIN,
  TEST_ADMIN_TOKEN,
  freePort,
  killAllChildren,
  spawnNode,
  startServerChild,
  waitFor,
  type ServerChild,
} from './support/server-process.js';

/** Timeouts the servers under test run with: short, so the bounds below stay short too. */
const CONNECT_TIMEOUT_MS = 1_000;
const QUERY_TIMEOUT_MS = 2_000;
const CHECK_TIMEOUT_MS = 500;
/** The longest a store-backed request may take while the database hangs: the query timeout, its client slack, and a wide margin for a busy machine. */
const FAIL_FAST_BOUND_MS = QUERY_TIMEOUT_MS + 1_000 + 10_000;

const SERVER_ENV = {
  HASHLINE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
  HASHLINE_LOG_LEVEL: 'warn',
  HASHLINE_HASHING_THREADS: '1',
  HASHLINE_CAPTURE_WORKER: 'false',
  HASHLINE_TAKEDOWN_SCHEDULER: 'false',
  HASHLINE_POLL_MS: '100',
  HASHLINE_DB_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
  HASHLINE_DB_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
  HASHLINE_STORE_CHECK_TIMEOUT_MS: String(CHECK_TIMEOUT_MS),
  HASHLINE_STORE_CHECK_MS: '200',
  HASHLINE_SECRET_KEY: randomBytes(32).toString('base64'),
};

const randomPdq = (): string => randomBytes(32).toString('hex');

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  readonly ms: number;
}

/** One API call with the admin token; never throws for an HTTP status, times out after a minute. */
async function call(server: ServerChild, method: string, path: string, body?: unknown): Promise<Answer> {
  const started = Date.now();
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TEST_ADMIN_TOKEN}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // /metrics is text
  }
  return { status: response.status, headers: response.headers, body: parsed, ms: Date.now() - started };
}

async function createBankWithEntry(server: ServerChild, name: string): Promise<string> {
  const bank = await call(server, 'POST', '/v1/banks', {
    name,
    kind: 'known_csam',
    defaultActions: ['block'],
  });
  expect(bank.status).toBe(201);
  const hash = randomPdq();
  const added = await call(server, 'POST', `/v1/banks/${name}/entries`, {
    entries: [{ signalType: 'pdq', value: hash, classification: { industry: 'A1' } }],
  });
  expect(added.status).toBeLessThan(300);
  return hash;
}

type MatchResult = {
  matched: boolean;
  recorded: boolean;
  recordId: number | null;
  matches: { bank: string; classification: Record<string, unknown> }[];
};

async function matchOne(server: ServerChild, hash: string): Promise<{ answer: Answer; result: MatchResult }> {
  let answer: Answer | undefined;
  // The load of a test before may have spent the key's rate-limit bucket: wait until it refills
  // (a 429 is the limiter doing its job, not the outage's doing), then the answer must be 200.
  await waitFor(async () => {
    answer = await call(server, 'POST', '/v1/match', { hashes: [{ signalType: 'pdq', value: hash }] });
    return answer.status !== 429;
  }, "the API key's rate limit to refill");
  expect(answer!.status, JSON.stringify(answer!.body)).toBe(200);
  return { answer: answer!, result: (answer!.body as { results: MatchResult[] }).results[0]! };
}

async function readyStatus(
  server: ServerChild,
): Promise<{ status: number; body: Record<string, unknown>; ms: number }> {
  const started = Date.now();
  const response = await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(60_000) });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    ms: Date.now() - started,
  };
}

/** A burst of store-backed requests whose outcomes do not matter: it keeps pooled connections checked out. */
function keepBusy(server: ServerChild, until: () => boolean): Promise<void> {
  const worker = async (): Promise<void> => {
    while (!until()) {
      await call(server, 'GET', '/v1/banks').catch(() => undefined);
    }
  };
  return Promise.all(Array.from({ length: 6 }, worker)).then(() => undefined);
}

describe('a server on PostgreSQL survives its database going away', () => {
  let proxy: TcpFaultProxy;
  let schema: string;
  let admin: pg.Client;
  let server: ServerChild;
  let applicationName: string;

  beforeAll(async () => {
    await requirePostgres();
    admin = new pg.Client({ connectionString: POSTGRES_TEST_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
  });

  beforeEach(async () => {
    await requirePostgres();
    schema = freshSchemaName();
    await admin.query(`create schema "${schema}"`);
    const target = new URL(POSTGRES_TEST_URL);
    proxy = await TcpFaultProxy.start({
      targetHost: target.hostname,
      targetPort: Number(target.port || 5432),
    });
    applicationName = `hl_${schema}`;
    const url = new URL(POSTGRES_TEST_URL);
    url.host = `127.0.0.1:${proxy.port}`;
    url.searchParams.set('options', `-c search_path=${schema}`);
    url.searchParams.set('application_name', applicationName);
    server = await startServerChild({
      ...SERVER_ENV,
      HASHLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'hashline-outage-')),
      HASHLINE_DATABASE_URL: url.toString(),
    });
    await waitFor(async () => (await readyStatus(server)).status === 200, 'the index to load');
  });

  afterEach(async () => {
    killAllChildren();
    await proxy?.close();
    await dropSchema(schema);
  });

  it('pg_terminate_backend of its connections, twice, under load: alive, and the next requests succeed', async () => {
    const hash = await createBankWithEntry(server, 'known');
    for (let round = 1; round <= 2; round++) {
      let done = false;
      const load = keepBusy(server, () => done);
      // Terminate while requests hold connections (checked out, between statements, idle).
      await waitFor(async () => {
        const { rows } = await admin.query<{ count: string }>(
          'select count(*) from pg_stat_activity where application_name = $1',
          [applicationName],
        );
        return Number(rows[0]!.count) >= 2;
      }, 'the server to hold connections');
      const { rows } = await admin.query<{ terminated: boolean }>(
        'select pg_terminate_backend(pid) as terminated from pg_stat_activity where application_name = $1',
        [applicationName],
      );
      expect(rows.filter((r) => r.terminated).length).toBeGreaterThan(0);
      // The next requests succeed (the pool opens new connections).
      await waitFor(
        async () => (await call(server, 'GET', '/v1/banks')).status === 200,
        'a request to succeed',
      );
      done = true;
      await load;
      expect(server.alive(), server.output()).toBe(true);
    }
    await waitFor(async () => (await readyStatus(server)).status === 200, '/readyz to answer 200');
    const { result } = await matchOne(server, hash);
    expect(result).toMatchObject({ matched: true, recorded: true });
    expect(server.output()).not.toMatch(/Unhandled 'error' event/);
    expect(server.alive()).toBe(true);
  });

  it('a TCP reset of every connection: alive, and the next requests succeed', async () => {
    const hash = await createBankWithEntry(server, 'known');
    let done = false;
    const load = keepBusy(server, () => done);
    await waitFor(() => proxy.stats().active >= 2, 'open connections');
    expect(proxy.reset()).toBeGreaterThan(0);
    await waitFor(
      async () => (await call(server, 'GET', '/v1/banks')).status === 200,
      'a request to succeed',
    );
    done = true;
    await load;
    expect(proxy.reset()).toBeGreaterThan(0);
    await waitFor(async () => (await readyStatus(server)).status === 200, '/readyz to answer 200');
    const { result } = await matchOne(server, hash);
    expect(result).toMatchObject({ matched: true, recorded: true });
    expect(server.alive(), server.output()).toBe(true);
  });

  it('a hung database: /readyz 503 with the reason, 503 STORE_UNAVAILABLE fast, matching from memory; back after resume', async () => {
    const hash = await createBankWithEntry(server, 'known');
    const before = await matchOne(server, hash);
    expect(before.result).toMatchObject({ matched: true, recorded: true });
    expect(before.result.recordId).toBeGreaterThan(0);
    expect(before.result.matches[0]!.classification).toEqual({ industry: 'A1' });

    proxy.pause();
    const pausedAt = Date.now();
    // /readyz never waits on the hung store: each answer is bounded by the check's timeout.
    let ready = await readyStatus(server);
    await waitFor(async () => {
      ready = await readyStatus(server);
      expect(ready.ms).toBeLessThan(CHECK_TIMEOUT_MS + 10_000);
      return ready.status === 503;
    }, '/readyz to answer 503');
    console.log(`[outage] /readyz 503 after ${Date.now() - pausedAt} ms of a hung database`);
    expect(ready.body).toMatchObject({ ready: false, storeAvailable: false });
    expect(String(ready.body.reason)).toMatch(/^store unavailable: /);

    // A request that needs the store answers 503 problem+json with Retry-After, within its timeout.
    const banks = await call(server, 'GET', '/v1/banks/known');
    expect(banks.status).toBe(503);
    expect(banks.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(banks.body).toMatchObject({ code: 'STORE_UNAVAILABLE', status: 503 });
    expect(Number(banks.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(banks.ms).toBeLessThan(FAIL_FAST_BOUND_MS);
    const write = await call(server, 'POST', '/v1/banks', { name: 'during-outage', kind: 'known_csam' });
    expect(write.status).toBe(503);
    expect(write.body).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect(write.ms).toBeLessThan(FAIL_FAST_BOUND_MS);

    // Matching still answers the verdict from memory, and says it kept no record.
    const during = await matchOne(server, hash);
    expect(during.result).toMatchObject({ matched: true, recorded: false, recordId: null });
    expect(during.result.matches[0]).toMatchObject({ bank: 'known', classification: {} });
    expect(during.answer.ms).toBeLessThan(FAIL_FAST_BOUND_MS);
    const miss = await matchOne(server, randomPdq());
    expect(miss.result).toMatchObject({ matched: false, recordId: null });
    const metrics = await call(server, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(String(metrics.body)).toMatch(/hashline_match_store_unavailable_total\{lost="record"\} [1-9]/);
    expect(String(metrics.body)).toMatch(/hashline_store_available 0/);

    proxy.resume();
    const resumedAt = Date.now();
    await waitFor(async () => (await readyStatus(server)).status === 200, '/readyz to answer 200 again');
    console.log(`[outage] /readyz 200 ${Date.now() - resumedAt} ms after the database answered again`);
    const after = await matchOne(server, hash);
    expect(after.result).toMatchObject({ matched: true, recorded: true });
    // Exactly the two recorded matches are stored: the one answered from memory left none.
    const records = await call(server, 'GET', '/v1/match-records');
    expect(records.status).toBe(200);
    const ids = (records.body as { records: { id: number }[] }).records
      .map((r) => r.id)
      .sort((a, b) => a - b);
    expect(ids).toEqual([before.result.recordId, after.result.recordId]);
    // The bank created before the outage is there; the write refused during it is not.
    expect((await call(server, 'GET', '/v1/banks/during-outage')).status).toBe(404);
    expect(server.alive(), server.output()).toBe(true);
  });
});

describe('a server on SQLite whose write lock is held elsewhere', () => {
  let dataDir: string;
  afterEach(() => {
    killAllChildren();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers writes 503 STORE_UNAVAILABLE and matches unrecorded, then recovers', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'hashline-busy-'));
    const file = join(dataDir, 'hashline.db');
    const server = await startServerChild({
      ...SERVER_ENV,
      HASHLINE_DATA_DIR: dataDir,
      HASHLINE_DATABASE_URL: `sqlite:${file}`,
      HASHLINE_SQLITE_BUSY_TIMEOUT_MS: '200',
    });
    await waitFor(async () => (await readyStatus(server)).status === 200, 'the index to load');
    const hash = await createBankWithEntry(server, 'known');

    // Another process's writer holding the lock, as a long import or a stuck tool would.
    const other = new BetterSqlite3(file);
    other.pragma('busy_timeout = 0');
    other.exec('begin immediate');
    try {
      const write = await call(server, 'POST', '/v1/banks', { name: 'while-locked', kind: 'known_csam' });
      expect(write.status).toBe(503);
      expect(write.body).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(Number(write.headers.get('retry-after'))).toBeGreaterThan(0);
      const during = await matchOne(server, hash);
      expect(during.result).toMatchObject({ matched: true, recorded: false, recordId: null });
      // Reads do not wait for the writer (WAL).
      expect((await call(server, 'GET', '/v1/banks/known')).status).toBe(200);
    } finally {
      other.exec('rollback');
      other.close();
    }
    await waitFor(async () => {
      const { result } = await matchOne(server, hash);
      return result.recorded;
    }, 'matching to record again');
    const again = await call(server, 'POST', '/v1/banks', { name: 'known', kind: 'known_csam' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ code: 'BANK_NAME_TAKEN' });
    expect(server.alive(), server.output()).toBe(true);
  });
});

describe('starting without a reachable database', () => {
  afterEach(() => killAllChildren());

  async function expectOneLineFailure(run: ReturnType<typeof spawnNode>, pattern: RegExp): Promise<void> {
    const code = await run.exited;
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    const lines = run.stderr().trim().split('\n');
    expect(lines, run.stderr()).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
    expect(run.stderr()).not.toMatch(/^\s+at /m);
  }

  it('server main: a closed port gives one line and a non-zero exit', async () => {
    const port = await freePort();
    const run = spawnNode(SERVER_MAIN, [], {
      HASHLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'hashline-down-')),
      HASHLINE_DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/test`,
      PORT: '0',
    });
    await expectOneLineFailure(
      run,
      new RegExp(`^hashline: Cannot open PostgreSQL at 127\\.0\\.0\\.1:${port}/test: .*ECONNREFUSED`),
    );
  });

  it('server main: a database that accepts but never answers gives one line after the connect timeout', async () => {
    const target = new URL(POSTGRES_TEST_URL);
    const proxy = await TcpFaultProxy.start({
      targetHost: target.hostname,
      targetPort: Number(target.port || 5432),
    });
    try {
      proxy.pause();
      const run = spawnNode(SERVER_MAIN, [], {
        HASHLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'hashline-hung-')),
        HASHLINE_DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/test`,
        HASHLINE_DB_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
        PORT: '0',
      });
      await expectOneLineFailure(run, /^hashline: Cannot open PostgreSQL at 127\.0\.0\.1:\d+\/test: /);
    } finally {
      await proxy.close();
    }
  });

  it('hashline serve: a closed port gives one line and a non-zero exit', async () => {
    const port = await freePort();
    const cwd = mkdtempSync(join(tmpdir(), 'hashline-serve-down-'));
    const run = spawnNode(
      CLI_MAIN,
      ['serve', '--port', '0'],
      {
        HASHLINE_DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/test`,
      },
      cwd,
    );
    await expectOneLineFailure(
      run,
      new RegExp(`^hashline: Cannot open PostgreSQL at 127\\.0\\.0\\.1:${port}/test: .*ECONNREFUSED`),
    );
  });
});
