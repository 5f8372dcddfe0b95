import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiKeyAuthenticator } from '../src/auth/authenticator.js';
import { hashSecret, issueApiKey, parseToken, secretMatches } from '../src/auth/api-key-tokens.js';
import { createTestApp, problemBody, type TestApp } from './support/test-app.js';
import { createMemoryStore } from '@hashline/domain/testing';

describe('tokens', () => {
  test('a token is hl_<id>_<secret>; only the SHA-256 of the secret is stored', () => {
    const { key, token } = issueApiKey('k', ['match']);
    const parsed = parseToken(token)!;
    expect(parsed.id).toBe(key.id);
    expect(token).toMatch(/^hl_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(key.secretHash).toBe(hashSecret(parsed.secret));
    expect(JSON.stringify(key)).not.toContain(parsed.secret);
    expect(secretMatches(parsed.secret, key.secretHash)).toBe(true);
    expect(secretMatches(`${parsed.secret}x`, key.secretHash)).toBe(false);
  });

  test('malformed tokens do not parse', () => {
    for (const bad of [
      '',
      'hl_',
      'hl_abc_short',
      'Bearer hl_0123456789abcdef_xxxxxxxxxxxxxxxxxxxx',
      'xx_0123_aaaaaaaaaaaaaaaaaaaa',
    ]) {
      expect(parseToken(bad), bad).toBeUndefined();
    }
  });

  test('a verified key is cached; forget() drops it', async () => {
    const store = createMemoryStore();
    const issued = issueApiKey('k', ['match']);
    await store.createApiKey(issued.key);
    let now = 0;
    const auth = new ApiKeyAuthenticator(store, 1000, () => now);
    await auth.authenticate(`Bearer ${issued.token}`, undefined);
    await store.revokeApiKey(issued.key.id);
    // Still cached: a revocation made elsewhere takes effect within the cache time.
    await expect(auth.authenticate(`Bearer ${issued.token}`, undefined)).resolves.toMatchObject({
      id: issued.key.id,
    });
    now = 1001;
    await expect(auth.authenticate(`Bearer ${issued.token}`, undefined)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    const other = issueApiKey('k2', ['match']);
    await store.createApiKey(other.key);
    await auth.authenticate(undefined, other.token);
    await store.revokeApiKey(other.key.id);
    auth.forget(other.key.id);
    await expect(auth.authenticate(undefined, other.token)).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });
});

describe('authentication over HTTP', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.key(['admin']);
  });
  afterAll(() => t.close());

  const me = (headers: Record<string, string>) => t.app.inject({ method: 'GET', url: '/v1/me', headers });

  test('Bearer and X-API-Key both work', async () => {
    expect((await me({ authorization: `Bearer ${admin}` })).statusCode).toBe(200);
    expect((await me({ authorization: `bearer ${admin}` })).statusCode).toBe(200);
    expect((await me({ 'x-api-key': admin })).statusCode).toBe(200);
    const body = (await me({ 'x-api-key': admin })).json();
    expect(body).toMatchObject({ id: parseToken(admin)!.id, scopes: ['admin'] });
    expect(body).not.toHaveProperty('secretHash');
  });

  test.each([
    ['missing', {}],
    ['garbled', { authorization: 'Bearer not-a-token' }],
    ['wrong scheme', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
    [
      'unknown id',
      { authorization: 'Bearer hl_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    ],
  ])('%s key → 401 problem+json', async (_name, headers) => {
    const response = await me(headers as Record<string, string>);
    expect(response.statusCode).toBe(401);
    expect(problemBody(response).code).toBe('UNAUTHENTICATED');
  });

  test('right id, wrong secret → 401', async () => {
    const { id } = parseToken(admin)!;
    const response = await me({ authorization: `Bearer hl_${id}_${'B'.repeat(43)}` });
    expect(response.statusCode).toBe(401);
    expect(problemBody(response).detail).toBe('The API key is not valid.');
  });

  test('a revoked key stops working at once', async () => {
    const token = await t.key(['match']);
    expect((await me({ authorization: `Bearer ${token}` })).statusCode).toBe(200);
    const revoke = await t.call(admin, { method: 'DELETE', url: `/v1/api-keys/${parseToken(token)!.id}` });
    expect(revoke.statusCode).toBe(200);
    expect(revoke.json().revokedAt).not.toBeNull();
    const response = await me({ authorization: `Bearer ${token}` });
    expect(response.statusCode).toBe(401);
    expect(problemBody(response).detail).toMatch(/revoked/);
  });
});

describe('API keys', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await createTestApp();
    admin = await t.key(['admin']);
  });
  afterAll(() => t.close());

  test('created once with a token, listed and read without secrets, revoked', async () => {
    const created = await t.call(admin, {
      method: 'POST',
      url: '/v1/api-keys',
      payload: { name: 'platform A', scopes: ['match:verdict'], rateLimitPerSecond: 5 },
    });
    expect(created.statusCode).toBe(201);
    const { apiKey, token } = created.json();
    expect(apiKey).toMatchObject({
      name: 'platform A',
      scopes: ['match:verdict'],
      rateLimitPerSecond: 5,
      revokedAt: null,
    });
    expect(created.headers.location).toBe(`/v1/api-keys/${apiKey.id}`);
    expect(parseToken(token)!.id).toBe(apiKey.id);
    const stored = await t.store.getApiKey(apiKey.id);
    expect(stored!.secretHash).toBe(hashSecret(parseToken(token)!.secret));

    const list = await t.call(admin, { method: 'GET', url: '/v1/api-keys' });
    expect(list.json().apiKeys.map((k: { id: string }) => k.id)).toContain(apiKey.id);
    expect(list.body).not.toContain('secretHash');
    expect(list.body).not.toContain(stored!.secretHash);
    const one = await t.call(admin, { method: 'GET', url: `/v1/api-keys/${apiKey.id}` });
    expect(one.json()).toEqual(apiKey);

    const mine = await t.call(token, { method: 'GET', url: '/v1/me' });
    expect(mine.json()).toMatchObject({ id: apiKey.id, rateLimitPerSecond: 5 });
    expect((await t.call(admin, { method: 'DELETE', url: `/v1/api-keys/${apiKey.id}` })).statusCode).toBe(
      200,
    );
    expect((await t.call(token, { method: 'GET', url: '/v1/me' })).statusCode).toBe(401);
  });

  test('invalid requests list every problem', async () => {
    const response = await t.call(admin, {
      method: 'POST',
      url: '/v1/api-keys',
      payload: { name: '', scopes: ['root'], rateLimitPerSecond: 0, extra: 1 },
    });
    expect(response.statusCode).toBe(400);
    const problem = problemBody(response);
    expect(problem.code).toBe('VALIDATION_FAILED');
    expect(problem.errors!.map((e) => e.at).sort()).toEqual([
      'extra',
      'name',
      'rateLimitPerSecond',
      'scopes',
    ]);
  });

  test('unknown ids → 404 API_KEY_NOT_FOUND', async () => {
    for (const method of ['GET', 'DELETE'] as const) {
      const response = await t.call(admin, { method, url: '/v1/api-keys/ffffffffffffffff' });
      expect(response.statusCode).toBe(404);
      expect(problemBody(response).code).toBe('API_KEY_NOT_FOUND');
    }
  });
});
