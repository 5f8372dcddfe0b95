import { resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  test('defaults: loopback, SQLite in ./.data, process isolation, G10 rate limit', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      dataDir: resolve('.data'),
      databaseUrl: `sqlite:${resolve('.data/hashline.db')}`,
      host: '127.0.0.1',
      port: 8080,
      logLevel: 'info',
      rateLimit: { perSecond: 20, burstSeconds: 5, shared: true },
      hashingIsolation: 'process',
      pollIntervalMs: 250,
      changeNotifications: true,
      adminToken: null,
      trustProxy: false,
    });
    // Webhooks: retried for three days (at least 24 hours), in order per endpoint.
    expect(config.webhooks).toMatchObject({
      retryHours: 72,
      ordered: true,
      baseDelayMs: 10_000,
      maxDelayMs: 3_600_000,
    });
  });

  test('webhook retry horizon and ordering; the attempt count is gone, said out loud', () => {
    expect(
      loadConfig({ HASHLINE_WEBHOOK_RETRY_HOURS: '24', HASHLINE_WEBHOOK_ORDERED: 'false' }).webhooks,
    ).toMatchObject({ retryHours: 24, ordered: false });
    expect(() => loadConfig({ HASHLINE_WEBHOOK_RETRY_HOURS: '0' })).toThrow(/HASHLINE_WEBHOOK_RETRY_HOURS/);
    expect(() => loadConfig({ HASHLINE_WEBHOOK_MAX_ATTEMPTS: '10' })).toThrow(
      /HASHLINE_WEBHOOK_MAX_ATTEMPTS is gone.*HASHLINE_WEBHOOK_RETRY_HOURS/,
    );
  });

  test('match records: group size and retention days (90 by default; 0 or off keeps them)', () => {
    expect(loadConfig({}).matchRecords).toEqual({ groupSize: 256, retentionDays: 90 });
    expect(
      loadConfig({ HASHLINE_MATCH_RECORD_GROUP_SIZE: '1', HASHLINE_MATCH_RECORD_RETENTION_DAYS: '30' })
        .matchRecords,
    ).toEqual({ groupSize: 1, retentionDays: 30 });
    expect(loadConfig({ HASHLINE_MATCH_RECORD_RETENTION_DAYS: 'off' }).matchRecords.retentionDays).toBe(0);
    expect(loadConfig({ HASHLINE_MATCH_RECORD_RETENTION_DAYS: 'OFF' }).matchRecords.retentionDays).toBe(0);
    expect(loadConfig({ HASHLINE_MATCH_RECORD_RETENTION_DAYS: '0' }).matchRecords.retentionDays).toBe(0);
    for (const bad of ['-1', '1.5', 'never', '36501']) {
      expect(() => loadConfig({ HASHLINE_MATCH_RECORD_RETENTION_DAYS: bad })).toThrow(
        /HASHLINE_MATCH_RECORD_RETENTION_DAYS/,
      );
    }
    for (const bad of ['0', '10001', 'many']) {
      expect(() => loadConfig({ HASHLINE_MATCH_RECORD_GROUP_SIZE: bad })).toThrow(
        /HASHLINE_MATCH_RECORD_GROUP_SIZE/,
      );
    }
  });

  test('reads and converts every variable', () => {
    const config = loadConfig({
      HASHLINE_DATA_DIR: '/srv/hashline',
      HASHLINE_DATABASE_URL: 'postgres://hashline@db/hashline',
      HOST: '0.0.0.0',
      PORT: '9000',
      HASHLINE_LOG_LEVEL: 'WARN',
      HASHLINE_RATE_LIMIT_PER_SECOND: '200',
      HASHLINE_HASHING_ISOLATION: 'thread',
      HASHLINE_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1',
      HASHLINE_RATE_LIMIT_SHARED: 'false',
      HASHLINE_CHANGE_NOTIFY: 'off',
      HASHLINE_ADMIN_TOKEN: 'hl_0123456789abcdef_ABCDEFGHIJKLMNOPQRSTUVWXYZ',
    });
    expect(config).toMatchObject({
      dataDir: '/srv/hashline',
      databaseUrl: 'postgres://hashline@db/hashline',
      host: '0.0.0.0',
      port: 9000,
      logLevel: 'warn',
      rateLimit: { perSecond: 200, shared: false },
      changeNotifications: false,
      hashingIsolation: 'thread',
      trustProxy: ['10.0.0.0/8', '127.0.0.1', '::1'],
    });
  });

  test('HASHLINE_TRUST_PROXY: off, a hop count, or proxy addresses; true is refused with what to set (issue 15)', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ HASHLINE_TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ HASHLINE_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ HASHLINE_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ HASHLINE_TRUST_PROXY: 'loopback,192.168.1.5,fd00::/8' }).trustProxy).toEqual([
      'loopback',
      '192.168.1.5',
      'fd00::/8',
    ]);
    for (const unsafe of ['true', 'yes', 'on']) {
      expect(() => loadConfig({ HASHLINE_TRUST_PROXY: unsafe })).toThrow(
        /HASHLINE_TRUST_PROXY=.* would believe any X-Forwarded-For.*number of proxies.*\(e\.g\. 1\).*CIDRs/,
      );
    }
    for (const bad of ['10.0.0.0/33', 'proxy.example', '11', '1.2.3.4/x']) {
      expect(() => loadConfig({ HASHLINE_TRUST_PROXY: bad })).toThrow(/HASHLINE_TRUST_PROXY/);
    }
  });

  test('HSTS is off by default and takes a max-age and includeSubDomains (issue 15)', () => {
    expect(loadConfig({}).hsts).toEqual({ maxAgeSeconds: 0, includeSubDomains: false });
    expect(loadConfig({ HASHLINE_HSTS_MAX_AGE: '31536000', HASHLINE_HSTS_SUBDOMAINS: 'true' }).hsts).toEqual({
      maxAgeSeconds: 31_536_000,
      includeSubDomains: true,
    });
    expect(() => loadConfig({ HASHLINE_HSTS_MAX_AGE: '-1' })).toThrow(/HASHLINE_HSTS_MAX_AGE/);
  });

  test('reports every invalid variable at once', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: '70000',
        HASHLINE_LOG_LEVEL: 'loud',
        HASHLINE_DATABASE_URL: 'mysql://x',
        HASHLINE_RATE_LIMIT_PER_SECOND: '1.5',
        HASHLINE_TRUST_PROXY: 'maybe',
        HASHLINE_ADMIN_TOKEN: 'secret',
        HASHLINE_HASHING_ISOLATION: 'vm',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of [
      'PORT',
      'HASHLINE_LOG_LEVEL',
      'HASHLINE_DATABASE_URL',
      'HASHLINE_RATE_LIMIT_PER_SECOND',
      'HASHLINE_TRUST_PROXY',
      'HASHLINE_ADMIN_TOKEN',
      'HASHLINE_HASHING_ISOLATION',
    ]) {
      expect(message).toContain(name);
    }
    // The token itself is never echoed.
    expect(message).not.toContain('"secret"');
  });

  test('store timeouts: defaults, overrides, and bounds', () => {
    expect(loadConfig({}).store).toEqual({
      connectTimeoutMs: 5_000,
      queryTimeoutMs: 60_000,
      idleTimeoutMs: 30_000,
      keepAliveMs: 10_000,
      sqliteBusyTimeoutMs: 5_000,
      healthTimeoutMs: 1_000,
      healthIntervalMs: 1_000,
    });
    expect(
      loadConfig({
        HASHLINE_DB_CONNECT_TIMEOUT_MS: '2000',
        HASHLINE_DB_QUERY_TIMEOUT_MS: '0',
        HASHLINE_DB_IDLE_TIMEOUT_MS: '60000',
        HASHLINE_DB_KEEPALIVE_MS: '0',
        HASHLINE_SQLITE_BUSY_TIMEOUT_MS: '250',
        HASHLINE_STORE_CHECK_TIMEOUT_MS: '400',
        HASHLINE_STORE_CHECK_MS: '300',
      }).store,
    ).toEqual({
      connectTimeoutMs: 2_000,
      queryTimeoutMs: 0,
      idleTimeoutMs: 60_000,
      keepAliveMs: 0,
      sqliteBusyTimeoutMs: 250,
      healthTimeoutMs: 400,
      healthIntervalMs: 300,
    });
    expect(() =>
      loadConfig({ HASHLINE_DB_CONNECT_TIMEOUT_MS: '0', HASHLINE_STORE_CHECK_TIMEOUT_MS: 'soon' }),
    ).toThrow(/HASHLINE_DB_CONNECT_TIMEOUT_MS[\s\S]*HASHLINE_STORE_CHECK_TIMEOUT_MS/);
  });

  test('the index snapshot: in the data folder by default, a path, or off; none for an in-memory store', () => {
    expect(loadConfig({ HASHLINE_DATA_DIR: '/srv/hl' }).indexSnapshot).toBe(
      resolve('/srv/hl/match-index.snapshot'),
    );
    expect(loadConfig({ HASHLINE_INDEX_SNAPSHOT: '/var/cache/hl.snapshot' }).indexSnapshot).toBe(
      '/var/cache/hl.snapshot',
    );
    expect(loadConfig({ HASHLINE_INDEX_SNAPSHOT: 'off' }).indexSnapshot).toBeNull();
    expect(loadConfig({ HASHLINE_DATABASE_URL: 'sqlite::memory:' }).indexSnapshot).toBeNull();
  });

  test('the result is deeply frozen', () => {
    const config = loadConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.rateLimit)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow();
  });
});
