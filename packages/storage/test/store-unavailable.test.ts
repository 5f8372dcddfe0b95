// A database that is away becomes STORE_UNAVAILABLE, and nothing else does: the classification of
// driver errors, then real engines: PostgreSQL through the fault proxy (hung, reset, back) with a
// pool of one connection, so a client abandoned after a timeout would be reused if it were not
// discarded; SQLite with another connection holding the write lock.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TcpFaultProxy } from '../../../tools/faults/tcp-proxy.js';
import { openSqliteStore } from '../src/open-store.js';
import { openPostgresDatabase } from '../src/postgres/postgres-database.js';
import { StoreOpenError, bypassStoreGate, unavailableReason } from '../src/store-unavailable.js';
import { POSTGRES_TEST_URL, requirePostgres } from './support/postgres.js';

const withCode = (code: string, message = 'x'): Error => Object.assign(new Error(message), { code });

describe('unavailableReason', () => {
  it.each([
    [withCode('57P01', 'terminating connection due to administrator command'), 'connection'],
    [withCode('57P03'), 'connection'],
    [withCode('08006'), 'connection'],
    [withCode('57014', 'canceling statement due to statement timeout'), 'timeout'],
    [withCode('53300'), 'busy'],
    [withCode('53100'), 'storage'],
    [withCode('ECONNREFUSED'), 'connection'],
    [withCode('ECONNRESET'), 'connection'],
    [withCode('ETIMEDOUT'), 'timeout'],
    [new Error('Connection terminated unexpectedly'), 'connection'],
    [new Error('Query read timeout'), 'timeout'],
    [new Error('timeout exceeded when trying to connect'), 'timeout'],
    [
      new Error('Connection terminated due to connection timeout', { cause: new Error('timeout expired') }),
      'timeout',
    ],
    [new Error('wrapped', { cause: withCode('ECONNREFUSED') }), 'connection'],
    [withCode('SQLITE_BUSY'), 'busy'],
    [withCode('SQLITE_BUSY_SNAPSHOT'), 'busy'],
    [withCode('SQLITE_IOERR_WRITE'), 'storage'],
    [withCode('SQLITE_FULL'), 'storage'],
  ])('%s → %s', (error, reason) => {
    expect(unavailableReason(error)).toBe(reason);
  });

  it.each([
    withCode('23505', 'duplicate key value violates unique constraint'),
    withCode('23503'),
    withCode('42P01', 'relation does not exist'),
    withCode('40001', 'could not serialize access'),
    withCode('SQLITE_CONSTRAINT_UNIQUE'),
    withCode('SQLITE_ERROR'),
    new TypeError('Cannot read properties of undefined'),
    new Error('Connection string is invalid'),
    null,
    'a string',
  ])('%s is not an outage', (error) => {
    expect(unavailableReason(error)).toBeNull();
  });
});

describe('PostgreSQL through the fault proxy', () => {
  let proxy: TcpFaultProxy;

  beforeEach(async () => {
    await requirePostgres();
    const target = new URL(POSTGRES_TEST_URL);
    proxy = await TcpFaultProxy.start({
      targetHost: target.hostname,
      targetPort: Number(target.port || 5432),
    });
  });
  afterEach(async () => {
    await proxy.close();
  });

  function viaProxy(): string {
    const url = new URL(POSTGRES_TEST_URL);
    url.host = `127.0.0.1:${proxy.port}`;
    return url.toString();
  }

  it('a hung server fails queries as STORE_UNAVAILABLE and recovers after resume', async () => {
    const { db } = await openPostgresDatabase({
      connectionString: viaProxy(),
      maxConnections: 1,
      connectTimeoutMs: 500,
      queryTimeoutMs: 500,
    });
    try {
      const value = async (n: number): Promise<number> =>
        (await sql<{ v: number }>`select ${n}::int as v`.execute(db)).rows[0]!.v;
      expect(await value(1)).toBe(1);
      proxy.pause();
      for (const n of [2, 3]) {
        const error = await value(n).then(
          () => null,
          (e: unknown) => e,
        );
        expect(error).toMatchObject({ name: 'DomainError', code: 'STORE_UNAVAILABLE' });
      }
      proxy.resume();
      await expect.poll(() => value(4).catch(() => null), { timeout: 30_000 }).toBe(4);
    } finally {
      await db.destroy();
    }
  });

  it('a connection that went dead under a timed-out query is discarded: the next query gets a new one', async () => {
    const { db } = await openPostgresDatabase({
      connectionString: viaProxy(),
      maxConnections: 1,
      connectTimeoutMs: 2_000,
      queryTimeoutMs: 500,
    });
    try {
      const value = async (n: number): Promise<number> =>
        (await sql<{ v: number }>`select ${n}::int as v`.execute(db)).rows[0]!.v;
      expect(await value(1)).toBe(1);
      // The pool's only connection goes dead; the database and new connections are fine.
      expect(proxy.stall()).toBe(1);
      const hung = await value(2).then(
        () => null,
        (e: unknown) => e,
      );
      expect(hung).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      // Reused, the client would queue this behind the abandoned query and time out again.
      expect(await value(3)).toBe(3);
      expect(proxy.stats().accepted).toBe(2);
    } finally {
      proxy.reset();
      await db.destroy();
    }
  });

  it('a reset connection fails the query in flight as STORE_UNAVAILABLE, and the next one works', async () => {
    const { db } = await openPostgresDatabase({ connectionString: viaProxy(), maxConnections: 2 });
    try {
      const slow = sql`select pg_sleep(30)`.execute(db).then(
        () => null,
        (error: unknown) => error,
      );
      // Reset once the query is on the wire (the proxy has forwarded it).
      const before = proxy.stats().bytesUp;
      for (let i = 0; i < 2000 && proxy.stats().bytesUp === before; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      proxy.reset();
      expect(await slow).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect((await sql<{ v: number }>`select 7 as v`.execute(db)).rows[0]!.v).toBe(7);
    } finally {
      await db.destroy();
    }
  });

  it('a closed port fails to open with one line naming the server, not the password', async () => {
    const url = new URL(viaProxy());
    url.password = 'secret-password';
    await proxy.refuse();
    const error = await openPostgresDatabase({ connectionString: url.toString() }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StoreOpenError);
    const message = (error as Error).message;
    expect(message).toMatch(/^Cannot open PostgreSQL at 127\.0\.0\.1:\d+\/\w+: .*ECONNREFUSED/);
    expect(message).not.toContain('secret-password');
    expect(message).not.toContain('\n');
  });
});

describe('SQLite with the write lock held by another connection', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hashline-sqlite-busy-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a write fails as STORE_UNAVAILABLE after the busy timeout; a constraint violation stays what it is', async () => {
    const file = join(dir, 'store.db');
    const store = await openSqliteStore({ file, busyTimeoutMs: 50 });
    try {
      await store.createBank({ name: 'first', kind: 'known_csam' });
      const other = new BetterSqlite3(file);
      other.exec('begin immediate');
      try {
        const busy = await store.createBank({ name: 'second', kind: 'known_csam' }).then(
          () => null,
          (error: unknown) => error,
        );
        expect(busy).toMatchObject({ name: 'DomainError', code: 'STORE_UNAVAILABLE' });
      } finally {
        other.exec('rollback');
        other.close();
      }
      const duplicate = await store.createBank({ name: 'first', kind: 'known_csam' }).then(
        () => null,
        (error: unknown) => error,
      );
      expect(duplicate).toMatchObject({ code: 'BANK_NAME_TAKEN' });
    } finally {
      await store.close();
    }
  });
});

describe('the store gate', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hashline-gate-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('while closed, calls fail at once as STORE_UNAVAILABLE, except those run through bypassStoreGate', async () => {
    let open = true;
    const store = await openSqliteStore({ file: join(dir, 'store.db'), gate: () => open });
    try {
      await store.createBank({ name: 'first', kind: 'known_csam' });
      open = false;
      await expect(store.listBanks()).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
      await expect(store.createBank({ name: 'second', kind: 'known_csam' })).rejects.toMatchObject({
        code: 'STORE_UNAVAILABLE',
      });
      expect((await bypassStoreGate(() => store.listBanks())).map((b) => b.name)).toEqual(['first']);
      open = true;
      expect((await store.listBanks()).map((b) => b.name)).toEqual(['first']);
    } finally {
      await store.close();
    }
  });
});
