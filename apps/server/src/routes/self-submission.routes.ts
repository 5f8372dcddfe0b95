import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import {
  DomainError,
  MAX_IMAGES_PER_CASE,
  PDQ_VARIANT_KINDS,
  MAX_VIDEO_FRAMES_PER_CASE,
  SelfSubmissionService,
  type PinHasher,
  type SelfSubmissionStore,
} from '@hashline/domain';
import { createMemorySelfSubmissionStore } from '@hashline/domain/testing';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../app.js';
import type { ServerConfig } from '../config.js';
import { RateLimiter } from '../auth/rate-limiter.js';
import { problems } from '../http/schemas.js';

/**
 * The Content-Security-Policy of the web app: everything from this origin only (no CDN, no
 * third-party requests, no analytics); `connect-src 'self'` keeps fetch, XHR, WebSocket and
 * beacons on this origin; 'wasm-unsafe-eval' lets the PDQ WebAssembly core compile.
 */
export const WEB_CSP =
  "default-src 'self'; connect-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; " +
  "worker-src 'self' blob:; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * Largest submission body: 50 images (PDQ + quality + MD5 + SHA-256, about 12 KB, and their robust
 * variants: up to 11 `{ kind, value }` each, about 53 KB) and at most 300 video frames (PDQ +
 * quality, about 29 KB) fit.
 */
export const SUBMISSION_BODY_LIMIT = 112 * 1024;
/** Largest status or withdrawal body (case number and PIN). */
export const CREDENTIALS_BODY_LIMIT = 1024;

/** A helpline or the police, as the page shows it. */
export interface HelpContact {
  readonly name: string;
  readonly phone: string;
  readonly url?: string;
}

/** Options of the self-submission routes and the web app. */
export interface SelfSubmissionOptions {
  /** Where the built web app is (`HASHLINE_WEB_DIR`, default `apps/web/dist` beside this app). */
  readonly webDir: string;
  /** Where the page sends people for help (`HASHLINE_HELPLINE_NAME`/`_PHONE`/`_URL`, default Child Focus 116 000). */
  readonly helpline: HelpContact;
  /** The police (`HASHLINE_POLICE_PHONE`, default 112 in an emergency). */
  readonly police: HelpContact;
  /**
   * Where cases live (default: the app's store when it keeps cases, as the SQL stores do;
   * otherwise in memory, lost at restart).
   */
  readonly store?: SelfSubmissionStore;
  /** Slow PIN hashing (default scrypt). */
  readonly pins?: PinHasher;
  /** Requests per second per client address to the self-submission API (default 0.5, burst 20). */
  readonly perIpPerSecond?: number;
  /**
   * New cases one client address may open per day (issue 15: the endpoint puts any well-formed
   * hash into a bank platforms match against; default 20). Counted in this process's memory;
   * addresses are never stored.
   */
  readonly casesPerAddressPerDay?: number;
  /**
   * Test only (`HASHLINE_TEST_LEAKY_PAGE=1`): tells the page it may honour `?leak=1`, which
   * uploads the picked file, so the privacy test can prove it catches a leak. Never in production.
   */
  readonly testLeakyPage?: boolean;
}

/** The self-submission options a configuration gives (see `ServerConfig.web`). */
export function selfSubmissionOptionsFrom(config: ServerConfig): SelfSubmissionOptions {
  return {
    webDir: config.web.dir,
    helpline: config.web.helpline,
    police: config.web.police,
    testLeakyPage: config.web.testLeakyPage,
    casesPerAddressPerDay: config.selfSubmissionsPerAddressPerDay,
  };
}

/** scrypt parameters of PIN hashes (N = 2^14, r = 8, p = 1: about 50 ms, 16 MB). */
const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 } as const;

function scryptAsync(secret: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((ok, fail) =>
    scrypt(secret, salt, SCRYPT.keyLength, { N: n, r, p, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? fail(error) : ok(key),
    ),
  );
}

/** PINs hashed with scrypt and a random salt: `scrypt$N$r$p$<salt b64>$<key b64>`. */
export const scryptPinHasher: PinHasher = {
  async hash(pin) {
    const salt = randomBytes(16);
    const key = await scryptAsync(pin, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p);
    return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
  },
  async verify(pin, stored) {
    const [scheme, n, r, p, salt, key] = stored.split('$');
    if (scheme !== 'scrypt' || !salt || !key) return false;
    const expected = Buffer.from(key, 'base64');
    const actual = await scryptAsync(pin, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p));
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  },
};

const credentialsBody = {
  type: 'object',
  required: ['caseNumber', 'pin'],
  additionalProperties: false,
  properties: {
    caseNumber: { type: 'string', description: 'The 13-digit case number (spaces allowed).' },
    pin: { type: 'string', description: 'The PIN shown once when the case was made.' },
  },
} as const;

const caseStatus = {
  type: 'object',
  required: ['caseNumber', 'caseType', 'status', 'imageCount', 'createdDay'],
  properties: {
    caseNumber: { type: 'string' },
    caseType: { type: 'string', enum: ['minor', 'adult'] },
    status: { type: 'string', enum: ['active', 'withdrawn'] },
    imageCount: { type: 'integer' },
    createdDay: { type: 'string', description: 'YYYY-MM-DD (day granularity on purpose).' },
    removedEntries: { type: 'integer' },
  },
} as const;

/**
 * The public self-submission API (`/v1/public/...`, no API key) and the web app (`/`,
 * `/self-submission`, `/assets/*`) under {@link WEB_CSP}. Requests are limited per client address
 * in memory only (addresses are never stored or logged); bodies are a few KB at most and
 * strictly shaped.
 */
export async function selfSubmissionRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  options: SelfSubmissionOptions,
): Promise<void> {
  const service = new SelfSubmissionService({
    store: options.store ?? (keepsCases(ctx.store) ? ctx.store : createMemorySelfSubmissionStore()),
    banks: ctx.banks,
    pins: options.pins ?? scryptPinHasher,
    random: (n) => new Uint8Array(randomBytes(n)),
    clock: ctx.clock,
  });
  const perSecond = options.perIpPerSecond ?? 0.5;
  const limiter = new RateLimiter(40);
  const limitByAddress = async (request: { ip: string }, reply: FastifyReply): Promise<void> => {
    const decision = limiter.take(request.ip, perSecond);
    if (!decision.allowed) {
      void reply.header('retry-after', String(decision.retryAfterSeconds));
      throw new DomainError(
        'RATE_LIMITED',
        `Too many requests; try again in ${decision.retryAfterSeconds} s.`,
      );
    }
  };
  // A second, daily bucket on new cases only: status and withdrawal stay open to the person.
  const casesPerDay = options.casesPerAddressPerDay ?? 20;
  const dailyCases = new RateLimiter(86_400);
  const limitCasesByAddress = async (request: { ip: string }, reply: FastifyReply): Promise<void> => {
    await limitByAddress(request, reply);
    const decision = dailyCases.take(request.ip, casesPerDay / 86_400);
    if (!decision.allowed) {
      void reply.header('retry-after', String(decision.retryAfterSeconds));
      throw new DomainError(
        'RATE_LIMITED',
        `This connection opened ${casesPerDay} cases today already; try again in ${Math.ceil(decision.retryAfterSeconds / 3600)} h, or ask the helpline.`,
      );
    }
  };
  const tags = ['self-submission'];

  app.get(
    '/v1/public/config',
    {
      schema: {
        tags,
        summary: 'What the self-submission page shows: where to get help',
        response: {
          200: {
            type: 'object',
            required: ['helpline', 'police', 'maxImages'],
            properties: {
              helpline: { $ref: 'HelpContact#' },
              police: { $ref: 'HelpContact#' },
              maxImages: { type: 'integer' },
              testLeakyPage: { type: 'boolean' },
            },
          },
        },
      },
    },
    async (_request, reply) => {
      void reply.header('cache-control', 'no-store');
      return {
        helpline: options.helpline,
        police: options.police,
        maxImages: MAX_IMAGES_PER_CASE,
        ...(options.testLeakyPage ? { testLeakyPage: true } : {}),
      };
    },
  );

  app.post(
    '/v1/public/self-submissions',
    {
      bodyLimit: SUBMISSION_BODY_LIMIT,
      onRequest: limitCasesByAddress,
      schema: {
        tags,
        summary: 'Submit the hashes of your own images (computed on your device)',
        description:
          'Only hashes and the case type: `{ caseType: "minor" | "adult", images: [{ pdq, quality, md5, sha256, variants? }], ' +
          'videos: [{ md5, sha256, frames: [{ pdq, quality }] }] }` (video frames: one per second), no other keys, ' +
          `at most ${MAX_IMAGES_PER_CASE} images and videos and ${MAX_VIDEO_FRAMES_PER_CASE} frames, PDQ quality ≥ 50. ` +
          'Answers the case number and PIN once; they cannot be recovered.',
        documentedBody: {
          type: 'object',
          required: ['caseType'],
          additionalProperties: false,
          properties: {
            caseType: { type: 'string', enum: ['minor', 'adult'] },
            videos: {
              type: 'array',
              maxItems: MAX_IMAGES_PER_CASE,
              items: {
                type: 'object',
                required: ['md5', 'sha256', 'frames'],
                additionalProperties: false,
                properties: {
                  md5: { type: 'string', pattern: '^[0-9a-f]{32}$' },
                  sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
                  frames: {
                    type: 'array',
                    minItems: 1,
                    maxItems: MAX_VIDEO_FRAMES_PER_CASE,
                    items: {
                      type: 'object',
                      required: ['pdq', 'quality'],
                      additionalProperties: false,
                      properties: {
                        pdq: { type: 'string', pattern: '^[0-9a-f]{64}$' },
                        quality: { type: 'integer', minimum: 50, maximum: 100 },
                      },
                    },
                  },
                },
              },
            },
            images: {
              type: 'array',
              maxItems: MAX_IMAGES_PER_CASE,
              items: {
                type: 'object',
                required: ['pdq', 'quality', 'md5', 'sha256'],
                additionalProperties: false,
                properties: {
                  pdq: { type: 'string', pattern: '^[0-9a-f]{64}$' },
                  quality: { type: 'integer', minimum: 50, maximum: 100 },
                  md5: { type: 'string', pattern: '^[0-9a-f]{32}$' },
                  sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
                  variants: {
                    type: 'array',
                    maxItems: PDQ_VARIANT_KINDS.length,
                    description:
                      'Robust variants computed on the device (`pdqRobustVariants(pixels, "bank")`: `trim` and the crops), ' +
                      'stored with the PDQ entry so a copy re-shared with a border, as a screenshot or cropped is found too.',
                    items: {
                      type: 'object',
                      required: ['kind', 'value'],
                      additionalProperties: false,
                      properties: {
                        kind: { type: 'string', enum: [...PDQ_VARIANT_KINDS] },
                        value: { type: 'string', pattern: '^[0-9a-f]{64}$' },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        response: {
          201: {
            type: 'object',
            required: ['caseNumber', 'pin', 'caseType', 'imageCount'],
            properties: {
              caseNumber: { type: 'string' },
              pin: { type: 'string' },
              caseType: { type: 'string', enum: ['minor', 'adult'] },
              imageCount: { type: 'integer' },
            },
          },
          ...problems(400, 413, 422, 429),
        },
      },
    },
    async (request, reply) => {
      const receipt = await service.submit(request.body);
      void reply.code(201).header('cache-control', 'no-store');
      return receipt;
    },
  );

  app.post(
    '/v1/public/self-submissions/status',
    {
      bodyLimit: CREDENTIALS_BODY_LIMIT,
      onRequest: limitByAddress,
      schema: {
        tags,
        summary: 'The status of your case (case number and PIN)',
        description:
          'An unknown case and a wrong PIN both answer 404. Five wrong PINs lock the case for an hour.',
        documentedBody: credentialsBody,
        response: { 200: caseStatus, ...problems(400, 404, 413, 429) },
      },
    },
    async (request) => service.status(request.body),
  );

  app.post(
    '/v1/public/self-submissions/withdraw',
    {
      bodyLimit: CREDENTIALS_BODY_LIMIT,
      onRequest: limitByAddress,
      schema: {
        tags,
        summary: 'Withdraw your case: its hashes are deleted and stop matching at once',
        description:
          'Deletes every entry of the case from its bank (the deletions reach platforms through the change feed).',
        documentedBody: credentialsBody,
        response: { 200: caseStatus, ...problems(400, 404, 413, 429) },
      },
    },
    async (request) => service.withdraw(request.body),
  );

  // The web app. Its pages are the SPA's index.html; its assets are hashed files under /assets.
  const indexFile = join(options.webDir, 'index.html');
  const assetsDir = join(options.webDir, 'assets');
  const securityHeaders = (reply: { header(name: string, value: string): unknown }): void => {
    reply.header('content-security-policy', WEB_CSP);
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    reply.header('cross-origin-opener-policy', 'same-origin');
    reply.header('permissions-policy', 'camera=(), microphone=(), geolocation=()');
  };
  const page = async (_request: unknown, reply: FastifyReply) => {
    securityHeaders(reply);
    if (!existsSync(indexFile)) {
      throw new DomainError('NOT_FOUND', 'The web app is not built (npm run build -w @hashline/web).');
    }
    void reply.header('cache-control', 'no-store').type('text/html; charset=utf-8');
    return readFileSync(indexFile);
  };
  const pageSchema = (summary: string) => ({ schema: { tags, summary, produces: ['text/html'] } });
  app.get('/', pageSchema('The web app (HTML): the self-submission page'), page);
  app.get('/self-submission', pageSchema('The self-submission page (HTML, same app as /)'), page);
  // The site's icon, asked for by every browser on every page (a 404 in each page's log otherwise).
  const icon = (name: string, type: string) => async (_request: unknown, reply: FastifyReply) => {
    const file = join(options.webDir, name);
    if (!existsSync(file)) throw new DomainError('NOT_FOUND', 'The web app is not built.');
    void reply
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'public, max-age=86400')
      .type(type);
    return readFileSync(file);
  };
  const iconSchema = (format: string) => ({
    schema: {
      tags,
      summary: `The site icon (${format})`,
      produces: [`image/${format === 'ICO' ? 'x-icon' : 'svg+xml'}`],
    },
  });
  app.get('/favicon.ico', iconSchema('ICO'), icon('favicon.ico', 'image/x-icon'));
  app.get('/favicon.svg', iconSchema('SVG'), icon('favicon.svg', 'image/svg+xml'));
  if (existsSync(assetsDir)) {
    await app.register(fastifyStatic, {
      root: assetsDir,
      prefix: '/assets/',
      index: false,
      decorateReply: false,
      setHeaders: (res) => {
        res.header('content-security-policy', WEB_CSP);
        res.header('x-content-type-options', 'nosniff');
        res.header('cache-control', 'public, max-age=31536000, immutable');
      },
    });
  } else {
    app.get('/assets/*', { schema: { hide: true } }, async () => {
      throw new DomainError('NOT_FOUND', 'The web app is not built.');
    });
  }
}

/** Whether the app's store also keeps self-submission cases (the SQL stores do). */
function keepsCases<T extends object>(store: T): store is T & SelfSubmissionStore {
  const methods: readonly (keyof SelfSubmissionStore)[] = [
    'createCase',
    'getCase',
    'updateCase',
    'linkEntries',
    'entriesToRelease',
    'unlinkCase',
  ];
  return methods.every((name) => typeof (store as Partial<SelfSubmissionStore>)[name] === 'function');
}

/** Schemas the self-submission routes reference. */
export const SELF_SUBMISSION_SCHEMAS = [
  {
    $id: 'HelpContact',
    type: 'object',
    required: ['name', 'phone'],
    properties: { name: { type: 'string' }, phone: { type: 'string' }, url: { type: 'string' } },
  },
] as const;
