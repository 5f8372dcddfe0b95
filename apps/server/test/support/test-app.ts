import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MatchEngine,
  type ApiScope,
  type Clock,
  type HashlineStore,
  type HashExchangeClientRegistry,
  type ProbingHistory,
} from '@hashline/domain';
import { createMemoryStore } from '@hashline/domain/testing';
import { MediaDecodeError, type HashingPool, type HashingPoolStats } from '@hashline/media-node';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.js';
import { createApiKey } from '../../src/auth/api-key-tokens.js';
import { loadConfig, type ServerConfig } from '../../src/config.js';

/** A hashing pool for tests that never upload media: every job fails as a closed pool would. */
export const NO_HASHING: HashingPool = {
  hashBytes: () => Promise.reject(new MediaDecodeError('MEDIA_POOL_CLOSED', 'no hashing in this test')),
  hashFile: () => Promise.reject(new MediaDecodeError('MEDIA_POOL_CLOSED', 'no hashing in this test')),
  stats: () =>
    ({
      threads: 0,
      busy: 0,
      queued: 0,
      completed: 0,
      failed: 0,
      timeouts: 0,
      crashes: 0,
      restarts: 0,
    }) as HashingPoolStats,
  close: async () => {},
};

/** A configuration for tests: a temporary data folder and a rate limit tests do not reach. */
export function testConfig(overrides: Partial<ServerConfig> = {}): ServerConfig {
  const dataDir = mkdtempSync(join(tmpdir(), 'hashline-server-test-'));
  return loadConfig(
    { HASHLINE_DATA_DIR: dataDir, HASHLINE_LOG_LEVEL: 'silent', HASHLINE_RATE_LIMIT_PER_SECOND: '100000' },
    overrides,
  );
}

/** An app under test with its store, engine and a helper to mint keys. */
export interface TestApp {
  readonly app: FastifyInstance;
  readonly store: HashlineStore;
  readonly engine: MatchEngine;
  readonly config: ServerConfig;
  /** Log lines written by the app (JSON strings). */
  readonly logs: string[];
  /** Creates a key with these scopes and returns its token. */
  key(
    scopes: readonly ApiScope[],
    rateLimitPerSecond?: number | null,
    banks?: readonly string[] | null,
  ): Promise<string>;
  /** Injects a request with `token` as Bearer. */
  call(token: string | null, options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** Builds an app over a memory store (or `store`), with the engine loaded. */
export async function createTestApp(
  options: {
    store?: HashlineStore;
    config?: ServerConfig;
    hashingPool?: HashingPool;
    captureLogs?: boolean;
    /** The app's clock (metrics ages, redelivery times); default the system clock. */
    clock?: Clock;
    /** Verdict-only keys' probing history (default: in the app's memory). */
    probingHistory?: ProbingHistory;
    /** Hash-exchange client types (default: the built-in ones, which speak https only). */
    hashExchangeClients?: HashExchangeClientRegistry;
  } = {},
): Promise<TestApp> {
  const store = options.store ?? createMemoryStore();
  const engine = new MatchEngine(store);
  await engine.load();
  const base = options.config ?? testConfig();
  const config = options.captureLogs ? { ...base, logLevel: 'info' as const } : base;
  const logs: string[] = [];
  const app = await buildApp({
    config,
    store,
    engine,
    hashingPool: options.hashingPool ?? NO_HASHING,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.probingHistory ? { probingHistory: options.probingHistory } : {}),
    ...(options.hashExchangeClients ? { hashExchangeClients: options.hashExchangeClients } : {}),
    ...(options.captureLogs ? { logStream: { write: (line: string) => void logs.push(line) } } : {}),
  });
  await app.ready();
  return {
    app,
    store,
    engine,
    config,
    logs,
    key: async (scopes, rate = null, banks = null) =>
      (
        await createApiKey(store, {
          name: `test ${scopes.join(' ')}`,
          scopes,
          rateLimitPerSecond: rate,
          banks,
        })
      ).token,
    call: (token, request) =>
      app.inject({
        ...request,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(request.headers ?? {}) },
      }),
    close: () => app.close(),
  };
}

/** A random PDQ hash (64 hex digits), never all zeros or all ones. */
export function randomPdq(random: () => number = Math.random): string {
  let hex = '';
  for (let i = 0; i < 64; i++) hex += Math.floor(random() * 16).toString(16);
  return /^(0+|f+)$/.test(hex) ? randomPdq(random) : hex;
}

/** `hex` with its first `bits` bits flipped: a hash at exactly that Hamming distance. */
export function flipBits(hex: string, bits: number): string {
  const digits = hex.split('').map((d) => parseInt(d, 16));
  for (let b = 0; b < bits; b++) digits[b >> 2]! ^= 8 >> (b & 3);
  return digits.map((d) => d.toString(16)).join('');
}

/** Asserts the RFC 9457 shape of an error response and returns its body. */
export function problemBody(response: LightMyRequestResponse): {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { at: string; code: string; message: string }[];
} {
  const type = String(response.headers['content-type'] ?? '');
  if (!type.startsWith('application/problem+json')) {
    throw new Error(
      `expected application/problem+json, got ${type} (${response.statusCode}): ${response.body}`,
    );
  }
  const body = response.json();
  for (const field of ['type', 'title', 'status', 'detail', 'code']) {
    if (!(field in body)) throw new Error(`problem lacks ${field}: ${response.body}`);
  }
  if (body.status !== response.statusCode)
    throw new Error(`problem status ${body.status} ≠ ${response.statusCode}`);
  return body;
}
