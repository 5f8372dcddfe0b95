import fastifyMultipart from '@fastify/multipart';
import { DomainError, normalizeSignal, type MatchRequestItem } from '@hashline/domain';
import type { ImageHashes } from '@hashline/media-node';
import { PDQ_MIN_QUALITY } from '@hashline/pdq';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../app.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../http-errors.js';
import { problems, ref } from '../http/schemas.js';
import { callerOf, countMatches, parseBankFilter } from './match.routes.js';
import { matchBanksFor } from '../auth/bank-limits.js';

/** Raw-body content types accepted besides multipart. */
const RAW_TYPES: readonly (string | RegExp)[] = ['application/octet-stream', /^image\/[\w.+-]+/i];

const EXACT_TYPES = ['md5', 'sha1', 'sha256'] as const;

const uploadBody = {
  type: 'object',
  properties: {
    file: {
      type: 'string',
      format: 'binary',
      description: 'The image (JPEG, PNG, WebP, GIF, TIFF, AVIF…). Any field name.',
    },
  },
} as const;

const mediaConsumes = [
  'multipart/form-data',
  'application/octet-stream',
  'image/jpeg',
  'image/png',
  'image/webp',
];

/**
 * Media uploads: match by media and hash-only. Uploaded bytes live only in memory until the
 * hashing worker has them (they are transferred to it, not copied), are never stored, never
 * logged, and are dropped once hashed; the computed hashes are not logged either.
 */
export async function mediaRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const maxBytes = ctx.config.maxUploadBytes;
  await app.register(fastifyMultipart, {
    limits: { fileSize: maxBytes, files: 1, fields: 5, fieldSize: 1024, parts: 6, headerPairs: 100 },
  });
  for (const type of RAW_TYPES) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: maxBytes }, (_request, body, done) => {
      done(null, body);
    });
  }
  // In this scope an oversized body is an oversized image.
  app.setErrorHandler((error, request, reply) => {
    const tooLarge = (error as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE';
    const { problem, internal } = toProblem(
      tooLarge ? new DomainError('MEDIA_TOO_LARGE', `The upload is larger than ${maxBytes} bytes.`) : error,
    );
    if (internal) request.log.error({ err: error }, 'unexpected error');
    void reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
  });

  app.post<{ Querystring: { dihedral: boolean; banks?: string; contentRef?: string } }>(
    '/v1/match/media',
    {
      schema: {
        tags: ['match'],
        summary: 'Match an uploaded image',
        description:
          'Hashes the image on the server (PDQ, and MD5/SHA-1/SHA-256 of the bytes) and matches every hash. The bytes ' +
          'are discarded once hashed: never stored, never logged. Send multipart/form-data with one file, or the raw ' +
          'bytes with `Content-Type: application/octet-stream` or `image/*`. With `dihedral=true` the 8 rotations and ' +
          'mirrors are matched too. A PDQ hash of quality below 50 is not matched (listed in `skipped`). Keys with ' +
          '`match:verdict` receive `{ "results": [{ "matched": true|false }] }` only.',
        consumes: mediaConsumes,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            dihedral: {
              type: 'boolean',
              default: false,
              description: 'Also match the 8 rotated/mirrored variants.',
            },
            banks: { type: 'string', description: 'Comma-separated bank names or ids to report matches in.' },
            contentRef: {
              type: 'string',
              maxLength: 200,
              description: 'Your reference for the upload (recorded).',
            },
          },
        },
        documentedBody: uploadBody,
        response: {
          200: {
            type: 'object',
            required: ['results'],
            properties: {
              matched: { type: 'boolean', description: 'Any hash matched.' },
              results: { type: 'array', items: ref('MatchAnswer') },
              hashes: ref('ImageHashes'),
              skipped: {
                type: 'array',
                description: 'Hashes not matched, and why (e.g. LOW_QUALITY_HASH for a flat image).',
                items: {
                  type: 'object',
                  required: ['signalType', 'code'],
                  properties: {
                    signalType: { type: 'string' },
                    code: { type: 'string' },
                    message: { type: 'string' },
                  },
                },
              },
            },
          },
          ...problems(400, 401, 403, 404, 413, 415, 422, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { dihedral, contentRef } = request.query;
      const banks = matchBanksFor(request.apiKey!, parseBankFilter(request.query.banks, 'banks'), ctx.engine);
      const caller = callerOf(request.apiKey!);
      const bytes = await uploadedBytes(request);
      const hashes = await ctx.hashingPool.hashBytes(bytes, {
        dihedral,
        crypto: true,
        transfer: true,
        // Fair and bounded between keys (issue 15).
        owner: request.apiKey!.id,
      });
      const items: MatchRequestItem[] = [];
      const skipped: { signalType: string; code: string; message: string }[] = [];
      const pdqProblem = pdqUnusable(hashes);
      if (pdqProblem) skipped.push({ signalType: 'pdq', ...pdqProblem });
      else {
        const variants =
          dihedral && hashes.dihedral
            ? Object.entries(hashes.dihedral)
                .filter(([name]) => name !== 'orig')
                .map(([name, value]) => ({ name, value }))
            : undefined;
        items.push({
          signalType: 'pdq',
          value: hashes.pdq,
          quality: hashes.quality,
          contentRef: contentRef ?? null,
          ...(variants ? { variants } : {}),
        });
      }
      for (const type of EXACT_TYPES) {
        const value = hashes[type];
        if (value) items.push({ signalType: type, value, contentRef: contentRef ?? null });
      }
      if (caller.verdictOnly) await ctx.verdict.admit(request.apiKey!, reply, items, { batch: false });
      const results = await ctx.matcher.match(caller, items, {
        source: 'media',
        ...(banks ? { banks } : {}),
      });
      countMatches(ctx, 'media', items, results);
      const matched = results.some((r) => r.matched);
      if (caller.verdictOnly) return { results: [{ matched }] };
      return { matched, results, hashes: describeHashes(hashes), skipped };
    },
  );

  app.post<{ Querystring: { dihedral: boolean; crypto: boolean } }>(
    '/v1/hash',
    {
      schema: {
        tags: ['match'],
        summary: 'Hash an uploaded image (nothing is stored or matched)',
        description:
          'Returns the PDQ hash and quality (and, by default, MD5/SHA-1/SHA-256 of the bytes). `usable` is false when ' +
          'the quality is below 50 or the hash is degenerate: such a hash is refused by banks and matching. The bytes ' +
          'are discarded once hashed.',
        consumes: mediaConsumes,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            dihedral: {
              type: 'boolean',
              default: false,
              description: 'Also return the 8 rotated/mirrored PDQ hashes.',
            },
            crypto: {
              type: 'boolean',
              default: true,
              description: 'Also return MD5, SHA-1 and SHA-256 of the bytes.',
            },
          },
        },
        documentedBody: uploadBody,
        response: { 200: ref('ImageHashes'), ...problems(400, 401, 403, 413, 415, 422, 429) },
      },
    },
    async (request) => {
      const bytes = await uploadedBytes(request);
      const hashes = await ctx.hashingPool.hashBytes(bytes, {
        dihedral: request.query.dihedral,
        crypto: request.query.crypto,
        transfer: true,
        owner: request.apiKey!.id,
      });
      return describeHashes(hashes);
    },
  );
}

/** The uploaded bytes: the one file of a multipart body, or the raw body. */
async function uploadedBytes(request: FastifyRequest): Promise<Uint8Array> {
  if (request.isMultipart()) {
    const file = await request.file();
    if (!file) throw new DomainError('MEDIA_EMPTY', 'The multipart body holds no file.');
    return file.toBuffer();
  }
  const body = request.body;
  if (Buffer.isBuffer(body)) return body;
  const type = request.headers['content-type'];
  if (body === undefined && type !== undefined && /^(application\/octet-stream|image\/)/i.test(type)) {
    throw new DomainError('MEDIA_EMPTY', 'The upload is empty.');
  }
  throw new DomainError(
    'VALIDATION_FAILED',
    'Send the image as multipart/form-data (one file) or as the raw body with Content-Type application/octet-stream or image/*.',
  );
}

/** Why a PDQ hash cannot be matched (low quality, degenerate), or undefined when it can. */
function pdqUnusable(hashes: ImageHashes): { code: string; message: string } | undefined {
  if (hashes.quality < PDQ_MIN_QUALITY) {
    return {
      code: 'LOW_QUALITY_HASH',
      message: `PDQ quality ${hashes.quality} is below ${PDQ_MIN_QUALITY}: the image has too little detail to match reliably.`,
    };
  }
  try {
    normalizeSignal('pdq', hashes.pdq, hashes.quality);
    return undefined;
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, message: error.message };
    throw error;
  }
}

function describeHashes(hashes: ImageHashes) {
  return { ...hashes, usable: pdqUnusable(hashes) === undefined };
}
