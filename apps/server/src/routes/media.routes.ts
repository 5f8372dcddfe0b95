import { Readable } from 'node:stream';
import fastifyMultipart from '@fastify/multipart';
import { DomainError, normalizeSignal, type MatchCaller, type MatchRequestItem } from '@hashline/domain';
import type { ImageHashes, VideoHashes } from '@hashline/media-node';
import { PDQ_MIN_QUALITY } from '@hashline/pdq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app.js';
import { PROBLEM_CONTENT_TYPE, toProblem } from '../http-errors.js';
import { problems, ref } from '../http/schemas.js';
import { receiveUpload, sweepStaleUploads, type ReceivedUpload } from '../media/upload-receiver.js';
import { VideoJobs, type VideoJobKind, type VideoJobView } from '../media/video-jobs.js';
import { answersInline, describeVideoHashes, probeUpload, videoPoolOf } from '../media/video-uploads.js';
import { callerOf, countMatches, parseBankFilter } from './match.routes.js';
import { matchBanksFor } from '../auth/bank-limits.js';

/** Raw-body content types of an image-only scope (see {@link acceptUploads}). */
const RAW_TYPES: readonly (string | RegExp)[] = ['application/octet-stream', /^image\/[\w.+-]+/i];

/** Raw-body content types read into memory: images. */
const IMAGE_TYPES: readonly (string | RegExp)[] = [/^image\/[\w.+-]+/i];
/** Raw-body content types read as a stream: a video goes to a temporary file, an image to memory. */
const STREAMED_TYPES: readonly (string | RegExp)[] = ['application/octet-stream', /^video\/[\w.+-]+/i];

/** Where a finished or running video job is read. */
const JOB_URL = '/v1/media-jobs';

const EXACT_TYPES = ['md5', 'sha1', 'sha256'] as const;

const uploadBody = {
  type: 'object',
  properties: {
    file: {
      type: 'string',
      format: 'binary',
      description:
        'The image (JPEG, PNG, WebP, GIF, TIFF, AVIF…) or video (MP4/MOV, Matroska/WebM, AVI, MPEG-TS/PS, FLV, ASF, Ogg). Any field name.',
    },
  },
} as const;

/** The answer of a match by media (upload or URL). */
export const MEDIA_MATCH_RESPONSE = {
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
} as const;

const mediaConsumes = [
  'multipart/form-data',
  'application/octet-stream',
  'image/jpeg',
  'image/png',
  'image/webp',
  'video/mp4',
  'video/quicktime',
  'video/webm',
];

const videoQuery = {
  secondsPerHash: {
    type: 'number',
    minimum: 0,
    maximum: 60,
    default: 1,
    description: 'Videos: seconds between hashed frames (vPDQ; 0 hashes every frame).',
  },
} as const;

const accepted = {
  202: {
    description:
      'A video longer than the server answers inline (HASHLINE_VIDEO_INLINE_SECONDS): a job, to poll at `Location` / `statusUrl`.',
    ...ref('MediaJob'),
  },
};

/**
 * Lets a route scope take one uploaded image: multipart/form-data (one file), or the raw body as
 * `application/octet-stream` or `image/*`, at most `maxBytes`; an oversized body is answered as
 * MEDIA_TOO_LARGE.
 */
export async function acceptUploads(app: FastifyInstance, maxBytes: number): Promise<void> {
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
}

/**
 * Media uploads: match by media and hash-only. An uploaded image lives only in memory until the
 * hashing worker has it (transferred to it, not copied); a video is streamed to a 0600 temporary
 * file (never whole in memory), probed and hashed from there by the pool's isolated processes,
 * and the file is deleted once hashed or refused. Nothing uploaded is stored or logged, nor are
 * the computed hashes. A video longer than `HASHLINE_VIDEO_INLINE_SECONDS` becomes a job whose
 * result the caller polls (`GET /v1/media-jobs/{id}`).
 */
export async function mediaRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const maxBytes = ctx.config.maxUploadBytes;
  const video = ctx.config.video;
  const jobs = new VideoJobs({ resultMinutes: video.jobResultMinutes, maxJobs: video.maxJobs });
  // Folders of uploads a killed process was hashing: no job can use them after the time limit.
  await sweepStaleUploads(video.tempDir, video.timeoutMs + 60_000);
  app.addHook('onClose', () => jobs.idle());
  await app.register(fastifyMultipart, {
    limits: {
      fileSize: Math.max(maxBytes, video.maxBytes),
      files: 1,
      fields: 5,
      fieldSize: 1024,
      parts: 6,
      headerPairs: 100,
    },
  });
  for (const type of IMAGE_TYPES) {
    app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: maxBytes }, (_request, body, done) => {
      done(null, body);
    });
  }
  for (const type of STREAMED_TYPES) {
    // The body stays a stream: receiveUpload reads it chunk by chunk under the right limit.
    app.addContentTypeParser(type, (_request, payload, done) => {
      done(null, payload);
    });
  }
  const receive = (request: FastifyRequest): Promise<ReceivedUpload> =>
    uploaded(request, { maxImageBytes: maxBytes, maxVideoBytes: video.maxBytes, tempDir: video.tempDir });

  /**
   * Probes the video, then hashes it (and runs `finish`) in the request when it is short, or as a
   * job answered 202 when it is long. The temporary file is deleted on every path.
   */
  const answerVideo = async (
    request: FastifyRequest,
    reply: FastifyReply,
    upload: Extract<ReceivedUpload, { kind: 'video' }>,
    kind: VideoJobKind,
    secondsPerHash: number,
    finish: (hashes: VideoHashes) => Promise<unknown>,
  ): Promise<unknown> => {
    let handedOver = false;
    try {
      const pool = videoPoolOf(ctx.hashingPool);
      const info = await probeUpload(upload.path, video);
      const work = async (): Promise<unknown> => {
        try {
          const hashes = await pool.hashVideoFile(upload.path, { secondsPerHash, digests: true });
          await upload.discard();
          return await finish(hashes);
        } finally {
          await upload.discard();
        }
      };
      if (answersInline(info, video)) {
        handedOver = true;
        return await work();
      }
      const job = jobs.start(request.apiKey!.id, kind, work);
      handedOver = true;
      void reply.code(202).header('location', `${JOB_URL}/${job.id}`);
      return jobAnswer(job, request);
    } finally {
      if (!handedOver) await upload.discard();
    }
  };
  // In this scope an oversized body is an oversized image.
  app.setErrorHandler((error, request, reply) => {
    const tooLarge = (error as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE';
    const { problem, internal } = toProblem(
      tooLarge ? new DomainError('MEDIA_TOO_LARGE', `The upload is larger than ${maxBytes} bytes.`) : error,
    );
    if (internal) request.log.error({ err: error }, 'unexpected error');
    void reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
  });

  app.post<{
    Querystring: {
      dihedral: boolean;
      robust: boolean;
      banks?: string;
      contentRef?: string;
      secondsPerHash: number;
    };
  }>(
    '/v1/match/media',
    {
      schema: {
        tags: ['match'],
        summary: 'Match an uploaded image or video',
        description:
          'Hashes the image on the server (PDQ, and MD5/SHA-1/SHA-256 of the bytes) and matches every hash. The bytes ' +
          'are discarded once hashed: never stored, never logged. Send multipart/form-data with one file, or the raw ' +
          'bytes with `Content-Type: application/octet-stream`, `image/*` or `video/*`. By default the 8 rotations and mirrors ' +
          "(`dihedral`) and the picture without borders, letterboxing or a screenshot's bars (`robust`: the `trim`, " +
          '`frame` and `screen` variants) are matched too; a hit names the variant. `dihedral=false&robust=false` matches the plain PDQ hash ' +
          'only. A PDQ hash of quality below 50 is not matched (listed in `skipped`). Keys with ' +
          '`match:verdict` receive `{ "results": [{ "matched": true|false }] }` only. ' +
          'A video (a `video/*` type, or a file that starts like a video container) is streamed to a temporary file, ' +
          'hashed with vPDQ (`secondsPerHash`) and matched against the banked videos as `POST /v1/match/video` does ' +
          '(`video`, with both percentages), its MD5/SHA-1/SHA-256 as hashes (`results`); the file is deleted once hashed. ' +
          'A video longer than the server answers inline gets 202 and a job to poll (`GET /v1/media-jobs/{id}`).',
        consumes: mediaConsumes,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            dihedral: {
              type: 'boolean',
              default: true,
              description: 'Also match the 8 rotated/mirrored variants (default on).',
            },
            robust: {
              type: 'boolean',
              default: true,
              description:
                'Also match the robust variants: the picture without uniform borders or letterboxing (`trim`, `frame`) and ' +
                "between a screenshot's bars (`screen`) (default on).",
            },
            banks: { type: 'string', description: 'Comma-separated bank names or ids to report matches in.' },
            contentRef: {
              type: 'string',
              maxLength: 200,
              description: 'Your reference for the upload (recorded).',
            },
            ...videoQuery,
          },
        },
        documentedBody: uploadBody,
        response: {
          200: {
            ...MEDIA_MATCH_RESPONSE,
            properties: {
              kind: { type: 'string', enum: ['video'], description: 'Present for a video.' },
              ...MEDIA_MATCH_RESPONSE.properties,
              video: ref('VideoMatchAnswer'),
              hashes: { anyOf: [ref('ImageHashes'), ref('VideoHashes')] },
            },
          },
          ...accepted,
          ...problems(400, 401, 403, 404, 413, 415, 422, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const { dihedral, robust, contentRef, secondsPerHash } = request.query;
      const banks = matchBanksFor(request.apiKey!, parseBankFilter(request.query.banks, 'banks'), ctx.engine);
      const caller = callerOf(request.apiKey!);
      const upload = await receive(request);
      if (upload.kind === 'video') {
        return answerVideo(request, reply, upload, 'match', secondsPerHash, async (hashes) => {
          if (caller.verdictOnly) {
            await ctx.verdict.admit(
              request.apiKey!,
              reply,
              hashes.frames.map((f) => ({ signalType: 'pdq' as const, value: f.pdqHex })),
              { batch: false },
            );
          }
          const answer = await ctx.matcher.matchVideo(caller, hashes.frames, {
            source: 'media',
            ...(banks ? { banks } : {}),
            contentRef: contentRef ?? null,
          });
          ctx.metrics.matchQueries.inc({
            source: 'media',
            signal_type: 'vpdq',
            result: answer.matched ? 'matched' : 'unmatched',
          });
          const items: MatchRequestItem[] = [];
          for (const type of EXACT_TYPES) {
            const value = hashes.digests?.[type];
            if (value) items.push({ signalType: type, value, contentRef: contentRef ?? null });
          }
          const results = await ctx.matcher.match(caller, items, {
            source: 'media',
            ...(banks ? { banks } : {}),
          });
          countMatches(ctx, 'media', items, results);
          const matched = answer.matched || results.some((r) => r.matched);
          if (caller.verdictOnly) return { results: [{ matched }] };
          return {
            kind: 'video',
            matched,
            video: answer,
            results,
            hashes: describeVideoHashes(hashes, true),
          };
        });
      }
      const hashes = await ctx.hashingPool.hashBytes(upload.bytes, {
        dihedral,
        crypto: true,
        transfer: true,
        ...(robust ? { robust: 'query' as const } : {}),
        // Fair and bounded between keys (issue 15).
        owner: request.apiKey!.id,
      });
      return matchImageHashes(ctx, caller, hashes, {
        dihedral,
        contentRef: contentRef ?? null,
        banks,
        admit: (items) => ctx.verdict.admit(request.apiKey!, reply, items, { batch: false }),
      });
    },
  );

  app.post<{ Querystring: { dihedral: boolean; robust: boolean; crypto: boolean; secondsPerHash: number } }>(
    '/v1/hash',
    {
      schema: {
        tags: ['match'],
        summary: 'Hash an uploaded image or video (nothing is stored or matched)',
        description:
          'Returns the PDQ hash and quality (and, by default, MD5/SHA-1/SHA-256 of the bytes). `usable` is false when ' +
          'the quality is below 50 or the hash is degenerate: such a hash is refused by banks and matching. The bytes ' +
          'are discarded once hashed. A video returns its vPDQ frames (`VideoHashes`, one frame every `secondsPerHash` ' +
          'seconds), or 202 and a job to poll when it is longer than the server answers inline.',
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
            robust: {
              type: 'boolean',
              default: false,
              description:
                'Also return the robust variants a banked image keeps (`variants`): `trim` (without borders or bars) when ' +
                'the image has them, and the crops `crop-c4`, `crop-c8` (centred) and `crop-t5`…`crop-r9` (5 or 9 % from one edge).',
            },
            crypto: {
              type: 'boolean',
              default: true,
              description: 'Also return MD5, SHA-1 and SHA-256 of the bytes.',
            },
            ...videoQuery,
          },
        },
        documentedBody: uploadBody,
        response: {
          200: { anyOf: [ref('ImageHashes'), ref('VideoHashes')] },
          ...accepted,
          ...problems(400, 401, 403, 413, 415, 422, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const upload = await receive(request);
      if (upload.kind === 'video') {
        const { crypto, secondsPerHash } = request.query;
        return answerVideo(request, reply, upload, 'hash', secondsPerHash, (hashes) =>
          Promise.resolve(describeVideoHashes(hashes, crypto)),
        );
      }
      const hashes = await ctx.hashingPool.hashBytes(upload.bytes, {
        dihedral: request.query.dihedral,
        crypto: request.query.crypto,
        ...(request.query.robust ? { robust: 'bank' as const } : {}),
        transfer: true,
        owner: request.apiKey!.id,
      });
      return describeHashes(hashes);
    },
  );

  app.get<{ Params: { id: string } }>(
    `${JOB_URL}/:id`,
    {
      schema: {
        tags: ['match'],
        summary: 'A video job: running, or its result',
        description:
          'The state of a video upload answered 202 by `POST /v1/hash` or `POST /v1/match/media`. Only the API key ' +
          'that uploaded it sees a job. A finished job is kept for HASHLINE_VIDEO_JOB_RESULT_MINUTES; jobs live in ' +
          'the process that accepted the upload (poll the same server, or upload again after a restart).',
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', maxLength: 64 } },
        },
        response: { 200: ref('MediaJob'), ...problems(401, 403, 404, 429) },
      },
    },
    async (request) => jobAnswer(jobs.get(request.params.id, request.apiKey!.id), request),
  );
}

/**
 * Matches the hashes of one image (PDQ unless unusable, with its rotations when `dihedral`, and the
 * byte digests), counts them in the metrics, and answers as `POST /v1/match/media` does.
 */
export async function matchImageHashes(
  ctx: AppContext,
  caller: MatchCaller,
  hashes: ImageHashes,
  options: {
    dihedral: boolean;
    contentRef: string | null;
    banks: string[] | undefined;
    /**
     * For a verdict-only caller, its hash quotas and probing detection (issue 15): throws when
     * the key may not be answered. Called with the hashes about to be matched, before matching.
     */
    admit?: (items: readonly MatchRequestItem[]) => Promise<void>;
  },
) {
  const { dihedral, banks } = options;
  const contentRef = options.contentRef;
  const items: MatchRequestItem[] = [];
  const skipped: { signalType: string; code: string; message: string }[] = [];
  const pdqProblem = pdqUnusable(hashes);
  if (pdqProblem) skipped.push({ signalType: 'pdq', ...pdqProblem });
  else {
    // The dihedral variants (when asked for) and the robust variants the pool computed (`trim`,
    // `frame`, `screen`).
    const found = [
      ...(dihedral && hashes.dihedral
        ? Object.entries(hashes.dihedral)
            .filter(([name]) => name !== 'orig')
            .map(([name, value]) => ({ name, value }))
        : []),
      ...(hashes.variants ?? []).map((v) => ({ name: v.name, value: v.pdq })),
    ];
    const variants = found.length > 0 ? found : undefined;
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
  if (caller.verdictOnly) await options.admit?.(items);
  const results = await ctx.matcher.match(caller, items, {
    source: 'media',
    ...(banks ? { banks } : {}),
  });
  countMatches(ctx, 'media', items, results);
  const matched = results.some((r) => r.matched);
  if (caller.verdictOnly) return { results: [{ matched }] };
  return { matched, results, hashes: describeHashes(hashes), skipped };
}

/** The uploaded bytes: the one file of a multipart body, or the raw body. */
export async function uploadedBytes(request: FastifyRequest): Promise<Uint8Array> {
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

/**
 * The upload: the one file of a multipart body, or the raw body; a video is streamed to a
 * temporary file, an image collected in memory (see `receiveUpload`).
 */
async function uploaded(
  request: FastifyRequest,
  limits: Parameters<typeof receiveUpload>[2],
): Promise<ReceivedUpload> {
  if (request.isMultipart()) {
    const file = await request.file();
    if (!file) throw new DomainError('MEDIA_EMPTY', 'The multipart body holds no file.');
    return receiveUpload(file.file, file.mimetype, limits);
  }
  const body = request.body;
  if (Buffer.isBuffer(body)) return { kind: 'image', bytes: body };
  const type = request.headers['content-type'];
  if (body instanceof Readable) return receiveUpload(body, type, limits);
  if (
    body === undefined &&
    type !== undefined &&
    /^(application\/octet-stream|image\/|video\/)/i.test(type)
  ) {
    throw new DomainError('MEDIA_EMPTY', 'The upload is empty.');
  }
  throw new DomainError(
    'VALIDATION_FAILED',
    'Send the image or video as multipart/form-data (one file) or as the raw body with Content-Type application/octet-stream, image/* or video/*.',
  );
}

/** A job as the API shows it: its poll URL, and a failure as problem details. */
function jobAnswer(job: VideoJobView, request: FastifyRequest) {
  const { error, ...rest } = job;
  const answer = { ...rest, statusUrl: `${JOB_URL}/${job.id}` };
  if (job.status !== 'failed') return answer;
  const { problem, internal } = toProblem(error);
  if (internal) request.log.error({ err: error }, 'video job failed unexpectedly');
  return { ...answer, problem };
}

/** Why a PDQ hash cannot be matched (low quality, degenerate), or undefined when it can. */
export function pdqUnusable(hashes: ImageHashes): { code: string; message: string } | undefined {
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

/** The hashes of an image as the API shows them, with whether its PDQ is usable. */
export function describeHashes(hashes: ImageHashes) {
  return { ...hashes, usable: pdqUnusable(hashes) === undefined };
}
