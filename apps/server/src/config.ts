import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Pino log levels the server accepts. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The server's configuration: parsed once from the environment, validated, frozen. */
export interface ServerConfig {
  /** Folder for the embedded database and the initial admin token (`HASHLINE_DATA_DIR`, `./.data`). */
  readonly dataDir: string;
  /** `sqlite:<path>`, `sqlite::memory:` or `postgres://...` (`HASHLINE_DATABASE_URL`). */
  readonly databaseUrl: string;
  /** Interface to listen on (`HOST`, default 127.0.0.1: loopback until told otherwise). */
  readonly host: string;
  /** TCP port (`PORT`, default 8080; 0 picks a free port). */
  readonly port: number;
  /** `HASHLINE_LOG_LEVEL` (default `info`). */
  readonly logLevel: LogLevel;
  /** Default token bucket of an API key without its own rate. */
  readonly rateLimit: {
    /** Requests per second refilled (`HASHLINE_RATE_LIMIT_PER_SECOND`, default 20). */
    readonly perSecond: number;
    /** Bucket size as seconds of the key's rate (`HASHLINE_RATE_LIMIT_BURST_SECONDS`, default 5). */
    readonly burstSeconds: number;
  };
  /** Largest uploaded media file (`HASHLINE_MAX_UPLOAD_BYTES`, default 32 MiB). */
  readonly maxUploadBytes: number;
  /** Largest JSON body (`HASHLINE_MAX_JSON_BYTES`, default 32 MiB: 10,000 entries with metadata). */
  readonly maxJsonBytes: number;
  /** Largest decoded image, width × height (`HASHLINE_MAX_PIXELS`, default 40 MP). */
  readonly maxPixels: number;
  /** Hashing worker threads (`HASHLINE_HASHING_THREADS`, default: one per core, at most 4). */
  readonly hashingThreads: number;
  /**
   * Where images are decoded (`HASHLINE_HASHING_ISOLATION`): `process` (default: child processes, so
   * a crash in a native codec ends one child, never the API) or `thread` (worker threads: faster to
   * start, uploads transferred without a copy, but a native crash ends the server).
   */
  readonly hashingIsolation: 'process' | 'thread';
  /** Time limit of one decode + hash (`HASHLINE_HASHING_TIMEOUT_MS`, default 10 s). */
  readonly hashingTimeoutMs: number;
  /** How often the index polls the change log for other processes' commits (`HASHLINE_POLL_MS`, 250). */
  readonly pollIntervalMs: number;
  /** How long a verified API key is trusted before it is re-read (`HASHLINE_API_KEY_CACHE_MS`, 5000). */
  readonly apiKeyCacheMs: number;
  /** Webhook delivery. */
  readonly webhooks: {
    /** Attempts before a delivery is marked failed (`HASHLINE_WEBHOOK_MAX_ATTEMPTS`, default 10). */
    readonly maxAttempts: number;
    /** First retry delay; doubles per attempt, with jitter (`HASHLINE_WEBHOOK_BASE_DELAY_MS`, 10 s). */
    readonly baseDelayMs: number;
    /** Longest retry delay (`HASHLINE_WEBHOOK_MAX_DELAY_MS`, default 1 h). */
    readonly maxDelayMs: number;
    /** Time limit of one POST (`HASHLINE_WEBHOOK_TIMEOUT_MS`, default 10 s). */
    readonly timeoutMs: number;
    /** How often the outbox is polled (`HASHLINE_WEBHOOK_POLL_MS`, default 1000). */
    readonly pollIntervalMs: number;
    /**
     * Let webhooks reach loopback, private and link-local addresses
     * (`HASHLINE_WEBHOOK_ALLOW_PRIVATE`, default false: a bank's webhook URL could otherwise make
     * the server probe the internal network or a cloud metadata service).
     */
    readonly allowPrivate: boolean;
  };
  /**
   * A token (`hl_<id>_<secret>`) to register as an admin key at start if absent
   * (`HASHLINE_ADMIN_TOKEN`); for deployments that provision secrets. Never logged.
   */
  readonly adminToken: string | null;
  /** Trust `X-Forwarded-For` from a reverse proxy (`HASHLINE_TRUST_PROXY`, default false). */
  readonly trustProxy: boolean;
  /** The web app and the self-submission page. */
  readonly web: {
    /** Where the built web app is (`HASHLINE_WEB_DIR`, default `apps/web/dist` of this checkout). */
    readonly dir: string;
    /** Where the page sends people for help (`HASHLINE_HELPLINE_NAME`, `_PHONE`, `_URL`; Child Focus 116 000). */
    readonly helpline: { readonly name: string; readonly phone: string; readonly url?: string };
    /** The police (`HASHLINE_POLICE_NAME`, `HASHLINE_POLICE_PHONE`; default 112). */
    readonly police: { readonly name: string; readonly phone: string };
    /**
     * Test only (`HASHLINE_TEST_LEAKY_PAGE=1`): lets the page honour `?leak=1`, which uploads the
     * picked file, so the privacy test can prove it catches a leak. Never in production.
     */
    readonly testLeakyPage: boolean;
  };
}

/** A configuration problem, naming the variable and what it accepts. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads the configuration from `env` (default `process.env`) and validates every value; all
 * problems are reported at once. The result is deeply frozen.
 * @throws {ConfigError} listing every invalid variable
 */
export function loadConfig(env: Env = process.env, overrides: Partial<ServerConfig> = {}): ServerConfig {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}; got ${JSON.stringify(raw)}.`);
      return fallback;
    }
    return value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = text(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false; got ${JSON.stringify(raw)}.`);
    return fallback;
  };

  const dataDir = resolve(text('HASHLINE_DATA_DIR') ?? './.data');
  const databaseUrl = text('HASHLINE_DATABASE_URL') ?? `sqlite:${resolve(dataDir, 'hashline.db')}`;
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(databaseUrl)) {
    problems.push('HASHLINE_DATABASE_URL must be sqlite:<path>, sqlite::memory: or postgres://user@host/db.');
  }
  const logLevel = (text('HASHLINE_LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(
      `HASHLINE_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(logLevel)}.`,
    );
  }
  const isolation = (text('HASHLINE_HASHING_ISOLATION') ?? 'process').toLowerCase();
  if (isolation !== 'process' && isolation !== 'thread') {
    problems.push(`HASHLINE_HASHING_ISOLATION must be process or thread; got ${JSON.stringify(isolation)}.`);
  }
  const adminToken = text('HASHLINE_ADMIN_TOKEN') ?? null;
  if (adminToken !== null && !/^hl_[a-z0-9]{4,32}_[A-Za-z0-9_-]{16,128}$/.test(adminToken)) {
    problems.push('HASHLINE_ADMIN_TOKEN must look like hl_<id>_<secret> (see `hashline api-key create`).');
  }

  const config: ServerConfig = {
    dataDir,
    databaseUrl,
    host: text('HOST') ?? '127.0.0.1',
    port: int('PORT', 8080, 0, 65_535),
    logLevel: logLevel as LogLevel,
    rateLimit: {
      perSecond: int('HASHLINE_RATE_LIMIT_PER_SECOND', 20, 1, 1_000_000),
      burstSeconds: int('HASHLINE_RATE_LIMIT_BURST_SECONDS', 5, 1, 3_600),
    },
    maxUploadBytes: int('HASHLINE_MAX_UPLOAD_BYTES', 32 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxJsonBytes: int('HASHLINE_MAX_JSON_BYTES', 32 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
    maxPixels: int('HASHLINE_MAX_PIXELS', 40_000_000, 1_000, 1_000_000_000),
    hashingThreads: int('HASHLINE_HASHING_THREADS', 0, 0, 64),
    hashingIsolation: isolation as 'process' | 'thread',
    hashingTimeoutMs: int('HASHLINE_HASHING_TIMEOUT_MS', 10_000, 100, 600_000),
    pollIntervalMs: int('HASHLINE_POLL_MS', 250, 10, 60_000),
    apiKeyCacheMs: int('HASHLINE_API_KEY_CACHE_MS', 5_000, 0, 600_000),
    webhooks: {
      maxAttempts: int('HASHLINE_WEBHOOK_MAX_ATTEMPTS', 10, 1, 100),
      baseDelayMs: int('HASHLINE_WEBHOOK_BASE_DELAY_MS', 10_000, 1, 86_400_000),
      maxDelayMs: int('HASHLINE_WEBHOOK_MAX_DELAY_MS', 3_600_000, 1, 7 * 86_400_000),
      timeoutMs: int('HASHLINE_WEBHOOK_TIMEOUT_MS', 10_000, 100, 600_000),
      pollIntervalMs: int('HASHLINE_WEBHOOK_POLL_MS', 1_000, 10, 600_000),
      allowPrivate: bool('HASHLINE_WEBHOOK_ALLOW_PRIVATE', false),
    },
    adminToken,
    trustProxy: bool('HASHLINE_TRUST_PROXY', false),
    web: {
      // src/config.ts and dist/config.js are both one level below apps/server.
      dir: resolve(text('HASHLINE_WEB_DIR') ?? fileURLToPath(new URL('../../web/dist', import.meta.url))),
      helpline: {
        name: text('HASHLINE_HELPLINE_NAME') ?? 'Child Focus',
        phone: text('HASHLINE_HELPLINE_PHONE') ?? '116 000',
        ...(text('HASHLINE_HELPLINE_URL') ? { url: text('HASHLINE_HELPLINE_URL')! } : {}),
      },
      police: {
        name: text('HASHLINE_POLICE_NAME') ?? 'Police',
        phone: text('HASHLINE_POLICE_PHONE') ?? '112',
      },
      testLeakyPage: bool('HASHLINE_TEST_LEAKY_PAGE', false),
    },
    ...overrides,
  };
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
