import { DEFAULT_MEDIA_TYPES, createSafeFetcher } from '@hashline/capture-node';
import {
  bankVariantsOf,
  DomainError,
  isRecord,
  normalizeSignal,
  SIGNAL_TYPES,
  type SafeFetcher,
  type SignalType,
} from '@hashline/domain';
import type { ImageHashes } from '@hashline/media-node';
import { PDQ_MATCH_THRESHOLD, fromHex, hammingDistance } from '@hashline/pdq';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../app.js';
import { problems, ref } from '../http/schemas.js';
import { callerOf, parseBankFilter } from './match.routes.js';
import { matchBanksFor } from '../auth/bank-limits.js';
import {
  MEDIA_MATCH_RESPONSE,
  acceptUploads,
  describeHashes,
  matchImageHashes,
  pdqUnusable,
  uploadedBytes,
} from './media.routes.js';

/**
 * Image types a fetch by URL accepts: the capture's media types without videos (the hashing pool
 * decodes these; videos are not fetched by URL).
 */
export const URL_IMAGE_TYPES: readonly string[] = DEFAULT_MEDIA_TYPES.filter((type) =>
  type.startsWith('image/'),
);

/** Longest URL a fetch by URL takes. */
const MAX_URL_LENGTH = 2048;

/** The exact signal types: equal or not, no distance scale. */
const EXACT: readonly SignalType[] = ['md5', 'sha1', 'sha256'];

const urlBody = (extra: Record<string, unknown> = {}) => ({
  type: 'object',
  required: ['url'],
  additionalProperties: false,
  properties: {
    url: {
      type: 'string',
      maxLength: MAX_URL_LENGTH,
      description:
        'An http(s) URL of an image. Fetched by the server through the SSRF-safe fetcher (public addresses only, ' +
        'every redirect re-checked, bytes capped at the upload limit, time capped); the bytes are hashed and discarded.',
    },
    ...extra,
  },
});

const indexSignalStatus = {
  type: 'object',
  required: ['entries', 'built', 'ready'],
  properties: {
    entries: { type: 'integer', description: 'Entries of this signal type in the in-memory index.' },
    built: { type: 'boolean', description: 'The index has been loaded (from the store or its snapshot).' },
    ready: {
      type: 'boolean',
      description:
        'Built, not rebuilding, and caught up with the change log as far as this process has seen it.',
    },
    baseSize: { type: 'integer', description: 'PDQ: entries in the immutable base index.' },
    deltaSize: {
      type: 'integer',
      description: 'PDQ: entries added since the last rebuild (brute-force part).',
    },
    rebuilding: { type: 'boolean' },
    frames: { type: 'integer', description: 'vPDQ: banked frames indexed.' },
  },
} as const;

/** The options the HMA-compatible routes need (tests pass their own fetcher). */
export interface HmaRouteOptions {
  /** Fetches a URL for hashing; default: the capture's SSRF-safe fetcher with the upload limits. */
  readonly fetcher?: SafeFetcher;
}

/**
 * The endpoints an HMA (Hasher-Matcher-Actioner) client misses elsewhere: hash and match by URL,
 * compare two hashes, add content to a bank by upload or URL (hashed here, the media discarded),
 * and the index status per signal type. The README's "HMA client switch" maps each HMA endpoint.
 */
export async function hmaRoutes(
  app: FastifyInstance,
  ctx: AppContext,
  options: HmaRouteOptions = {},
): Promise<void> {
  const fetcher =
    options.fetcher ??
    createSafeFetcher({
      maxBytes: ctx.config.maxUploadBytes,
      timeoutMs: ctx.config.hotline.captureTimeoutMs,
      allowLoopbackForTests: ctx.config.hotline.captureAllowLoopbackForTests,
      mediaTypes: URL_IMAGE_TYPES,
      pageTypes: URL_IMAGE_TYPES,
    });
  await acceptUploads(app, ctx.config.maxUploadBytes);

  /** Fetches an image by URL and hashes it; the bytes are dropped once hashed. */
  const hashUrl = async (
    url: unknown,
    dihedral: boolean,
    crypto: boolean,
    robust: false | 'query' | 'bank' = false,
  ): Promise<ImageHashes> => {
    if (typeof url !== 'string' || url.length === 0 || url.length > MAX_URL_LENGTH) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `url: an http(s) URL of at most ${MAX_URL_LENGTH} characters.`,
      );
    }
    const fetched = await fetcher.fetch(url, 'media');
    return ctx.hashingPool.hashBytes(fetched.bytes, {
      dihedral,
      crypto,
      transfer: true,
      ...(robust ? { robust } : {}),
    });
  };

  app.post<{ Body: { url: string; dihedral?: boolean; crypto?: boolean } }>(
    '/v1/hash/url',
    {
      schema: {
        tags: ['match'],
        summary: 'Hash an image by URL (nothing is stored or matched)',
        description:
          "HMA's `GET /h/hash?url=`. The server fetches the URL (see `url`) and returns what `POST /v1/hash` returns " +
          'for an upload. Fetch failures are `CAPTURE_*` problems (blocked address, too large, timeout, HTTP status, ' +
          'type not an image).',
        body: urlBody({
          dihedral: { type: 'boolean', default: false },
          crypto: { type: 'boolean', default: true },
        }),
        response: { 200: ref('ImageHashes'), ...problems(400, 401, 403, 415, 422, 429) },
      },
    },
    async (request) => {
      const { url, dihedral = false, crypto = true } = request.body;
      return describeHashes(await hashUrl(url, dihedral, crypto));
    },
  );

  app.post<{
    Body: { url: string; dihedral?: boolean; robust?: boolean; banks?: string[]; contentRef?: string | null };
  }>(
    '/v1/match/url',
    {
      schema: {
        tags: ['match'],
        summary: 'Match an image by URL',
        description:
          "HMA's `GET /m/lookup?url=`. The server fetches the URL and matches its hashes exactly as " +
          '`POST /v1/match/media` matches an upload (same answer, same match records and webhooks; the dihedral ' +
          'and robust (`trim`, `frame`, `screen`) variants by default, `dihedral: false` and `robust: false` turn them off).',
        body: urlBody({
          dihedral: { type: 'boolean', default: true },
          robust: { type: 'boolean', default: true },
          banks: { type: 'array', items: { type: 'string' } },
          contentRef: { type: ['string', 'null'], maxLength: 200 },
        }),
        response: { 200: MEDIA_MATCH_RESPONSE, ...problems(400, 401, 403, 404, 415, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      const { url, dihedral = true, robust = true, contentRef = null } = request.body;
      const banks = matchBanksFor(request.apiKey!, parseBankFilter(request.body.banks, 'banks'), ctx.engine);
      const caller = callerOf(request.apiKey!);
      const hashes = await hashUrl(url, dihedral, true, robust ? 'query' : false);
      return matchImageHashes(ctx, caller, hashes, {
        dihedral,
        contentRef,
        banks,
        admit: (items) => ctx.verdict.admit(request.apiKey!, reply, items, { batch: false }),
      });
    },
  );

  app.post<{ Body: unknown }>(
    '/v1/compare',
    {
      schema: {
        tags: ['match'],
        summary: 'Compare two hashes of each signal type',
        description:
          'HMA\'s `POST /m/compare`: `{ "pdq": [a, b], "md5": [a, b] }`. Returns the distance per signal type and ' +
          'whether it is a match: PDQ by Hamming distance within `pdqThreshold` (default 31, as HMA), MD5/SHA-1/SHA-256 ' +
          'when equal (distance 0, or 1 when different). Nothing is stored, looked up or logged.',
        documentedBody: {
          type: 'object',
          properties: {
            pdq: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'string' } },
            md5: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'string' } },
            sha1: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'string' } },
            sha256: { type: 'array', minItems: 2, maxItems: 2, items: { type: 'string' } },
            pdqThreshold: { type: 'integer', minimum: 0, maximum: 256, default: PDQ_MATCH_THRESHOLD },
          },
        },
        response: {
          200: {
            type: 'object',
            additionalProperties: {
              type: 'object',
              required: ['match', 'distance'],
              properties: { match: { type: 'boolean' }, distance: { type: 'integer' } },
            },
          },
          ...problems(400, 401, 403, 422, 429),
        },
      },
    },
    async (request) => compareHashes(request.body),
  );

  app.post<{ Params: { bank: string }; Querystring: { note?: string } }>(
    '/v1/banks/:bank/media',
    {
      schema: {
        tags: ['banks'],
        summary: 'Add an image to a bank by upload or URL (hashed here, the media discarded)',
        description:
          "HMA's `POST /c/bank/{bank}/content`. Send the image (multipart/form-data with one file, or the raw bytes as " +
          '`application/octet-stream` or `image/*`), or JSON `{ "url": ..., "entry": {...} }` to have the server fetch ' +
          'it. The server hashes it (PDQ, MD5, SHA-1, SHA-256) and adds one entry per hash in one commit (change log, ' +
          'matchable on the next request); the bytes are never stored. A PDQ hash of quality below 50 is not added ' +
          '(listed in `skipped`). `entry` (JSON; in multipart a field before the file) carries classification, ' +
          'provenance, reviewerCount and note for every entry.',
        params: {
          type: 'object',
          required: ['bank'],
          properties: { bank: { type: 'string', maxLength: 64 } },
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { note: { type: 'string', maxLength: 255, description: 'A note on every entry.' } },
        },
        consumes: ['application/json', 'multipart/form-data', 'application/octet-stream', 'image/jpeg'],
        response: {
          201: {
            type: 'object',
            required: ['created', 'existing', 'seq', 'hashes', 'skipped'],
            properties: {
              created: { type: 'array', items: ref('Entry') },
              existing: { type: 'array', items: ref('Entry') },
              seq: { type: 'integer', description: 'Change-log seq of the commit.' },
              hashes: ref('ImageHashes'),
              skipped: { type: 'array', items: { type: 'object' } },
            },
          },
          ...problems(400, 401, 403, 404, 413, 415, 422, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const bank = await ctx.banks.getBank(request.params.bank);
      // The bank side of the robust variants (`trim` and the crops, ADR 0021) is stored with the
      // PDQ entry, so bordered, screenshotted and cropped copies of the image match it too.
      const { hashes, entry } = await contentToAdd(request, hashUrl, (bytes) =>
        ctx.hashingPool.hashBytes(bytes, { dihedral: false, crypto: true, transfer: true, robust: 'bank' }),
      );
      const template = {
        ...entry,
        ...(request.query.note !== undefined ? { note: request.query.note } : {}),
      };
      const skipped: { signalType: string; code: string; message: string }[] = [];
      const items: Record<string, unknown>[] = [];
      const pdqProblem = pdqUnusable(hashes);
      if (pdqProblem) skipped.push({ signalType: 'pdq', ...pdqProblem });
      else {
        const pdqVariants = bankVariantsOf(hashes.variants);
        items.push({
          ...template,
          signalType: 'pdq',
          value: hashes.pdq,
          quality: hashes.quality,
          ...(pdqVariants.length ? { pdqVariants } : {}),
        });
      }
      for (const type of EXACT) {
        const value = hashes[type as 'md5' | 'sha1' | 'sha256'];
        if (value) items.push({ ...template, signalType: type, value });
      }
      const result = await ctx.banks.addEntries(bank.id, items, request.apiKey!.id);
      void reply.code(201);
      return { ...result, hashes: describeHashes(hashes), skipped };
    },
  );

  app.get<{ Querystring: { signalType?: SignalType } }>(
    '/v1/index/status',
    {
      schema: {
        tags: ['match'],
        summary: 'Index status per signal type',
        description:
          "HMA's `GET /m/index/status` and `GET /c/signal_type/index`: for each signal type the entries this " +
          "process's in-memory index holds and whether it is built and ready; for the whole index the last change-log " +
          'seq applied and the newest the store has.',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { signalType: { type: 'string', enum: [...SIGNAL_TYPES] } },
        },
        response: {
          200: {
            type: 'object',
            required: ['loaded', 'appliedSeq', 'latestSeq', 'upToDate', 'signalTypes'],
            properties: {
              loaded: { type: 'boolean' },
              appliedSeq: { type: 'integer', description: 'The last change-log seq applied to the index.' },
              latestSeq: {
                type: ['integer', 'null'],
                description: 'The newest seq in the store (null: unknown).',
              },
              upToDate: { type: 'boolean' },
              rebuilding: { type: 'boolean' },
              lastRebuildMs: { type: ['number', 'null'] },
              signalTypes: { type: 'object', additionalProperties: indexSignalStatus },
            },
          },
          ...problems(400, 401, 403, 429),
        },
      },
    },
    async (request) => {
      const status = ctx.engine.status();
      let latestSeq: number | null = null;
      try {
        latestSeq = await ctx.store.latestSeq();
      } catch (error) {
        // The index answers from memory while the store is away; say we cannot tell how far behind.
        if (!(error instanceof DomainError) || error.code !== 'STORE_UNAVAILABLE') throw error;
      }
      const upToDate = status.loaded && latestSeq !== null && status.appliedSeq >= latestSeq;
      const ready = status.loaded && !status.rebuilding && upToDate;
      const all: Record<SignalType, Record<string, number | boolean>> = {
        pdq: {
          entries: status.pdqEntries,
          baseSize: status.pdqBaseSize,
          deltaSize: status.pdqDeltaSize,
          rebuilding: status.rebuilding,
          built: status.loaded,
          ready,
        },
        md5: { entries: status.exactEntries.md5, built: status.loaded, ready: status.loaded && upToDate },
        sha1: { entries: status.exactEntries.sha1, built: status.loaded, ready: status.loaded && upToDate },
        sha256: {
          entries: status.exactEntries.sha256,
          built: status.loaded,
          ready: status.loaded && upToDate,
        },
        vpdq: {
          entries: status.videoEntries,
          frames: status.videoFrames,
          built: status.loaded,
          ready: status.loaded && upToDate,
        },
      };
      const only = request.query.signalType;
      return {
        loaded: status.loaded,
        appliedSeq: status.appliedSeq,
        latestSeq,
        upToDate,
        rebuilding: status.rebuilding,
        lastRebuildMs: status.lastRebuildMs,
        signalTypes: only ? { [only]: all[only] } : all,
      };
    },
  );
}

/** What `POST /v1/banks/:bank/media` adds: the image's hashes and the fields every entry carries. */
async function contentToAdd(
  request: FastifyRequest,
  hashUrl: (
    url: unknown,
    dihedral: boolean,
    crypto: boolean,
    robust: false | 'query' | 'bank',
  ) => Promise<ImageHashes>,
  hashBytes: (bytes: Uint8Array) => Promise<ImageHashes>,
): Promise<{ hashes: ImageHashes; entry: Record<string, unknown> }> {
  const body = request.body;
  if (isRecord(body) && !Buffer.isBuffer(body)) {
    for (const key of Object.keys(body)) {
      if (key !== 'url' && key !== 'entry') {
        throw new DomainError('VALIDATION_FAILED', `${key}: Unknown field; send { url, entry? }.`, [
          { at: `/${key}`, code: 'VALIDATION_FAILED', message: 'Unknown field.' },
        ]);
      }
    }
    const entry = entryTemplate(body.entry);
    return { hashes: await hashUrl(body.url, false, true, 'bank'), entry };
  }
  if (request.isMultipart()) {
    const file = await request.file();
    if (!file) throw new DomainError('MEDIA_EMPTY', 'The multipart body holds no file.');
    const field = file.fields.entry;
    const raw = field && !Array.isArray(field) && 'value' in field ? field.value : undefined;
    let parsed: unknown;
    if (typeof raw === 'string') {
      try {
        parsed = JSON.parse(raw);
      } catch {
        throw new DomainError('VALIDATION_FAILED', 'entry: the multipart field must hold a JSON object.');
      }
    }
    const entry = entryTemplate(parsed);
    const bytes = await file.toBuffer();
    return { hashes: await hashBytes(bytes), entry };
  }
  const bytes = await uploadedBytes(request);
  return { hashes: await hashBytes(bytes), entry: {} };
}

/** The fields an added entry may carry besides its hash (checked again by the bank service). */
function entryTemplate(input: unknown): Record<string, unknown> {
  if (input === undefined || input === null) return {};
  if (!isRecord(input)) throw new DomainError('VALIDATION_FAILED', 'entry: an object.');
  const allowed = ['classification', 'provenance', 'reviewerCount', 'note', 'disabled'];
  for (const key of Object.keys(input)) {
    if (!allowed.includes(key)) {
      throw new DomainError('VALIDATION_FAILED', `entry/${key}: Unknown field; use ${allowed.join(', ')}.`, [
        { at: `/entry/${key}`, code: 'VALIDATION_FAILED', message: 'Unknown field.' },
      ]);
    }
  }
  return input;
}

/**
 * Compares the two hashes of each signal type in `body` (HMA's `/m/compare`).
 * @throws {DomainError} VALIDATION_FAILED for an unknown key or not a pair; INVALID_HASH
 */
export function compareHashes(body: unknown): Record<string, { match: boolean; distance: number }> {
  if (!isRecord(body))
    throw new DomainError('VALIDATION_FAILED', 'The body must be an object { pdq: [a, b] }.');
  const threshold = body.pdqThreshold ?? PDQ_MATCH_THRESHOLD;
  if (typeof threshold !== 'number' || !Number.isInteger(threshold) || threshold < 0 || threshold > 256) {
    throw new DomainError('VALIDATION_FAILED', 'pdqThreshold: an integer from 0 to 256.');
  }
  const answer: Record<string, { match: boolean; distance: number }> = {};
  for (const [key, pair] of Object.entries(body)) {
    if (key === 'pdqThreshold') continue;
    if (key === 'vpdq' || !(SIGNAL_TYPES as readonly string[]).includes(key)) {
      throw new DomainError('VALIDATION_FAILED', `${key}: compare pdq, md5, sha1 or sha256.`, [
        { at: `/${key}`, code: 'VALIDATION_FAILED', message: 'Unknown signal type.' },
      ]);
    }
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new DomainError('VALIDATION_FAILED', `${key}: a pair of two hashes.`, [
        { at: `/${key}`, code: 'VALIDATION_FAILED', message: 'A pair of two hashes.' },
      ]);
    }
    const type = key as SignalType;
    // No quality is known here, so only the shape (and for PDQ degenerate hashes) is checked.
    const [a, b] = pair.map((value: unknown, i: number) => {
      try {
        return normalizeSignal(type, value);
      } catch (error) {
        if (error instanceof DomainError)
          throw new DomainError(error.code, `${key}[${i}]: ${error.message}`, error.details);
        throw error;
      }
    }) as [string, string];
    if (type === 'pdq') {
      const distance = hammingDistance(fromHex(a), fromHex(b));
      answer[key] = { match: distance <= threshold, distance };
    } else {
      answer[key] = { match: a === b, distance: a === b ? 0 : 1 };
    }
  }
  if (Object.keys(answer).length === 0) {
    throw new DomainError('VALIDATION_FAILED', 'Give at least one pair, e.g. { "pdq": [a, b] }.');
  }
  return answer;
}
