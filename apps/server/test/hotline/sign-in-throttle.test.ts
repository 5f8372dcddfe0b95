// Issue 15, finding 4: sign-in throttling per account name (in the database, shared by every
// process) and per client address (in memory), with a back-off nobody can turn into a lockout of
// everyone: an analyst on a known device or with a TOTP code still gets in. Trust-proxy settings
// that make the client address unforgeable. On SQLite, and on PostgreSQL with two apps (two
// "servers") over one database.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MatchEngine, SIGN_IN_FREE_ATTEMPTS, type HashlineStore } from '@hashline/domain';
import { createManualClock } from '@hashline/domain/testing';
import { openPostgresStore, openStore } from '@hashline/storage';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { ServerConfig } from '../../src/config.js';
import { currentTotp } from '../../src/hotline/totp.js';
import { DEVICE_COOKIE, SIGN_IN_ADDRESS_BURST, cookieValue } from '../../src/hotline/workbench.routes.js';
import { NO_HASHING, problemBody, testConfig } from '../support/test-app.js';

const PASSWORD = 'correct horse battery';
/** The apps' clock, standing still; TOTP codes are made for it. */
const NOW = new Date('2026-12-07T09:00:00Z');
const POSTGRES_URL = process.env.HASHLINE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function appOver(
  store: HashlineStore,
  overrides: Partial<ServerConfig> = {},
): Promise<FastifyInstance> {
  const engine = new MatchEngine(store);
  await engine.load();
  // A clock that stands still: back-offs and address buckets never run out during a test.
  const app = await buildApp({
    config: testConfig(overrides),
    store,
    engine,
    hashingPool: NO_HASHING,
    clock: createManualClock(NOW),
  });
  await app.ready();
  return app;
}

/** One sign-in attempt from `address` (the TCP peer), with an optional device cookie and code. */
function signIn(
  app: FastifyInstance,
  username: string,
  options: {
    password?: string;
    address?: string;
    device?: string;
    totp?: string;
    forwardedFor?: string;
  } = {},
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/v1/workbench/session',
    remoteAddress: options.address ?? '192.0.2.1',
    headers: {
      ...(options.device ? { cookie: `${DEVICE_COOKIE}=${options.device}` } : {}),
      ...(options.forwardedFor ? { 'x-forwarded-for': options.forwardedFor } : {}),
    },
    payload: {
      username,
      password: options.password ?? PASSWORD,
      ...(options.totp ? { totp: options.totp } : {}),
    },
  });
}

/** The known-device cookie a successful sign-in set. */
function deviceOf(response: LightMyRequestResponse): string {
  const cookies = [response.headers['set-cookie'] ?? []].flat();
  const device = cookies.find((c) => c.startsWith(`${DEVICE_COOKIE}=`));
  expect(device).toMatch(/HttpOnly; SameSite=Strict/);
  expect(device).toMatch(/Path=\/v1\/workbench\/session;/);
  return cookieValue(device!.split(';')[0], DEVICE_COOKIE)!;
}

/** Makes `username`'s account name reach its back-off: the free attempts, from changing addresses. */
async function exhaust(app: FastifyInstance, username: string): Promise<void> {
  for (let i = 0; i < SIGN_IN_FREE_ATTEMPTS; i++) {
    const r = await signIn(app, username, { password: 'wrong password!', address: `198.51.100.${i + 1}` });
    expect(r.statusCode, r.body).toBe(401);
  }
}

describe('sign-in throttling on SQLite', () => {
  let store: HashlineStore;
  let app: FastifyInstance;
  let totpSecret: string;

  beforeAll(async () => {
    store = await openStore(`sqlite:${join(mkdtempSync(join(tmpdir(), 'hashline-signin-')), 'hashline.db')}`);
    app = await appOver(store);
    const auth = app.hashlineHotline.auth;
    for (const username of ['ana', 'bert', 'tina', 'dora', 'eve']) {
      await auth.createAnalyst(
        { username, displayName: username, role: 'analyst', password: PASSWORD },
        null,
      );
    }
    // Tina has TOTP.
    const first = await signIn(app, 'tina', { address: '192.0.2.50' });
    const signedIn = first.json<{ csrfToken: string }>();
    const cookie = String(first.headers['set-cookie']).split(';')[0]!;
    const started = await app.inject({
      method: 'POST',
      url: '/v1/workbench/session/totp',
      headers: { cookie, 'x-csrf-token': signedIn.csrfToken },
    });
    totpSecret = started.json<{ secret: string }>().secret;
    const confirmed = await app.inject({
      method: 'POST',
      url: '/v1/workbench/session/totp/confirm',
      headers: { cookie, 'x-csrf-token': signedIn.csrfToken },
      payload: { code: currentTotp(totpSecret, NOW) },
    });
    expect(confirmed.statusCode, confirmed.body).toBe(204);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  it('backs off per account name, whatever the address, for known and unknown names alike', async () => {
    await exhaust(app, 'ana');
    await exhaust(app, 'nobody-here');
    const blocked = await signIn(app, 'ana', { address: '203.0.113.7' }); // right password, new address
    const unknown = await signIn(app, 'nobody-here', { address: '203.0.113.8' });
    for (const r of [blocked, unknown]) {
      expect(r.statusCode).toBe(429);
      expect(problemBody(r).code).toBe('RATE_LIMITED');
      expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    // Same answer for a real and an unknown name (only the wait may differ by a second).
    expect(problemBody(blocked).title).toBe(problemBody(unknown).title);
    // Other accounts are not affected.
    expect((await signIn(app, 'bert', { address: '203.0.113.7' })).statusCode).toBe(200);
  });

  it('lets an analyst in from a known device while the account is in its back-off', async () => {
    const earlier = await signIn(app, 'dora', { address: '192.0.2.60' });
    expect(earlier.statusCode).toBe(200);
    const device = deviceOf(earlier);
    await exhaust(app, 'dora');
    expect((await signIn(app, 'dora', { address: '192.0.2.60' })).statusCode).toBe(429);
    // The cookie is bound to its account and cannot be forged or altered.
    expect((await signIn(app, 'ana', { address: '192.0.2.60', device })).statusCode).toBe(429);
    // One character of the sealed body changed (not the last, whose low bits base64 may ignore).
    const at = Math.floor(device.length / 2);
    const altered = device.slice(0, at) + (device[at] === 'A' ? 'B' : 'A') + device.slice(at + 1);
    expect((await signIn(app, 'dora', { address: '192.0.2.61', device: altered })).statusCode).toBe(429);
    // The right one lets Dora in (and her success clears the back-off).
    expect((await signIn(app, 'dora', { address: '192.0.2.60', device })).statusCode).toBe(200);
    expect((await signIn(app, 'dora', { address: '192.0.2.62' })).statusCode).toBe(200);
  });

  it('lets an analyst with TOTP in with the code; a code does not open the back-off of anyone else', async () => {
    await exhaust(app, 'tina');
    expect((await signIn(app, 'tina', { address: '192.0.2.70' })).statusCode).toBe(429);
    const wrongPassword = await signIn(app, 'tina', {
      address: '192.0.2.70',
      password: 'wrong password!',
      totp: currentTotp(totpSecret, NOW),
    });
    expect(problemBody(wrongPassword).code).toBe('INVALID_CREDENTIALS');
    const withCode = await signIn(app, 'tina', { address: '192.0.2.70', totp: currentTotp(totpSecret, NOW) });
    expect(withCode.statusCode, withCode.body).toBe(200);
    // Someone who knows Tina's password cannot guess codes through the back-off either: after the
    // free attempts, even the right code waits (her known device would still get in).
    await exhaust(app, 'tina');
    const valid = [-30_000, 0, 30_000].map((ms) => currentTotp(totpSecret, new Date(NOW.getTime() + ms)));
    const wrongCode = ['000000', '111111', '222222', '333333'].find((code) => !valid.includes(code))!;
    for (let i = 0; i < SIGN_IN_FREE_ATTEMPTS; i++) {
      const r = await signIn(app, 'tina', { address: `192.0.2.${80 + i}`, totp: wrongCode });
      expect(problemBody(r).code).toBe('TOTP_INVALID');
    }
    const guessed = await signIn(app, 'tina', { address: '192.0.2.90', totp: currentTotp(totpSecret, NOW) });
    expect(guessed.statusCode).toBe(429);
    // Eve has no TOTP: a made-up code in her back-off is refused even with her right password,
    // as for an unknown name.
    await exhaust(app, 'eve');
    for (const username of ['eve', 'nobody-here']) {
      const r = await signIn(app, username, { address: '192.0.2.71', totp: '123456' });
      expect([r.statusCode, problemBody(r).code]).toEqual([401, 'INVALID_CREDENTIALS']);
    }
  });

  it('limits attempts per address, without locking out analysts behind the same address', async () => {
    const office = '192.0.2.200';
    // The red-team scenario: 10 wrong passwords from one address no longer lock everyone out.
    for (let i = 0; i < 10; i++) {
      await signIn(app, `guess-${i}`, { address: office, password: 'wrong password!' });
    }
    expect((await signIn(app, 'bert', { address: office })).statusCode).toBe(200);
    // A flood from one address is cut off at the burst...
    let refusedAt = -1;
    for (let i = 0; i < SIGN_IN_ADDRESS_BURST + 5 && refusedAt < 0; i++) {
      const r = await signIn(app, `spray-${i}`, { address: '192.0.2.201', password: 'wrong password!' });
      if (r.statusCode === 429) refusedAt = i;
    }
    expect(refusedAt).toBe(SIGN_IN_ADDRESS_BURST);
    // ...while another address, and a known device at that address, still get in.
    expect((await signIn(app, 'bert', { address: '192.0.2.202' })).statusCode).toBe(200);
    const device = deviceOf(await signIn(app, 'bert', { address: '192.0.2.203' }));
    expect((await signIn(app, 'bert', { address: '192.0.2.201' })).statusCode).toBe(429);
    expect((await signIn(app, 'bert', { address: '192.0.2.201', device })).statusCode).toBe(200);
  });
});

describe('trusted proxies (HASHLINE_TRUST_PROXY as addresses or a hop count)', () => {
  let store: HashlineStore;
  beforeAll(async () => {
    store = await openStore(`sqlite:${join(mkdtempSync(join(tmpdir(), 'hashline-proxy-')), 'hashline.db')}`);
  });
  afterAll(async () => store?.close());

  for (const trustProxy of [['127.0.0.1'], 1] as const) {
    it(`believes only the address the proxy saw (${JSON.stringify(trustProxy)}): a forged X-Forwarded-For gets no new bucket`, async () => {
      const app = await appOver(store, { trustProxy });
      try {
        let refusedAt = -1;
        for (let i = 0; i < SIGN_IN_ADDRESS_BURST + 5 && refusedAt < 0; i++) {
          // The client writes a new address each time; the proxy appends the one it saw.
          const r = await signIn(app, `forger-${i}`, {
            address: '127.0.0.1',
            forwardedFor: `10.9.8.${i}, 203.0.113.99`,
            password: 'wrong password!',
          });
          if (r.statusCode === 429) refusedAt = i;
        }
        expect(refusedAt).toBe(SIGN_IN_ADDRESS_BURST);
        // Another client behind the same proxy is another address.
        const other = await signIn(app, 'forger-x', {
          address: '127.0.0.1',
          forwardedFor: '203.0.113.100',
          password: 'wrong password!',
        });
        expect(other.statusCode).toBe(401);
      } finally {
        await app.close();
      }
    });
  }
});

describe('sign-in throttling on PostgreSQL, two servers on one database', () => {
  const schema = `hl_signin_${randomBytes(6).toString('hex')}`;
  const stores: HashlineStore[] = [];
  const apps: FastifyInstance[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const store = await openPostgresStore({ connectionString: POSTGRES_URL, schema, maxConnections: 4 });
      stores.push(store);
      apps.push(await appOver(store));
    }
    await apps[0]!.hashlineHotline.auth.createAnalyst(
      { username: 'ana', displayName: 'Ana', role: 'analyst', password: PASSWORD },
      null,
    );
  }, 60_000);

  afterAll(async () => {
    for (const app of apps) await app.close();
    for (const store of stores) await store.close();
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  });

  it('shares the back-off: attempts through one server count on the other', async () => {
    const [a, b] = apps as [FastifyInstance, FastifyInstance];
    const device = deviceOf(await signIn(b, 'ana', { address: '192.0.2.9' }));
    await exhaust(a, 'ana');
    expect((await signIn(b, 'ana', { address: '192.0.2.10' })).statusCode).toBe(429);
    expect((await signIn(b, 'ana', { address: '192.0.2.10', device })).statusCode).toBe(200);
  });

  it('evaluates at most the free attempts of a concurrent burst, across both servers', async () => {
    const [a, b] = apps as [FastifyInstance, FastifyInstance];
    await apps[0]!.hashlineHotline.auth.createAnalyst(
      { username: 'burst', displayName: 'Burst', role: 'analyst', password: PASSWORD },
      null,
    );
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        signIn(i % 2 === 0 ? a : b, 'burst', {
          address: `198.51.100.${100 + i}`,
          password: 'wrong password!',
        }),
      ),
    );
    const codes = answers.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 401)).toHaveLength(SIGN_IN_FREE_ATTEMPTS);
    expect(codes.filter((c) => c === 429)).toHaveLength(40 - SIGN_IN_FREE_ATTEMPTS);
  });
});
