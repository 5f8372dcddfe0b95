import { QUERY_VARIANT_NAMES } from '@hashline/pdq';
import {
  API_SCOPES,
  BANK_ACTIONS,
  BANK_KINDS,
  DEFAULT_PDQ_THRESHOLD,
  ENTRY_FEEDBACK,
  ERROR_CATALOGUE,
  INDUSTRY_CLASSIFICATIONS,
  MAX_ENTRIES_PER_CALL,
  MAX_MATCH_BATCH,
  MAX_PDQ_THRESHOLD,
  PDQ_VARIANT_KINDS,
  SIGNAL_TYPES,
  WEBHOOK_DELIVERY_STATUSES,
  UK_CATEGORIES,
  VPDQ_COMPARED_MATCH_PERCENT,
  VPDQ_QUERY_MATCH_PERCENT,
} from '@hashline/domain';

// JSON Schemas of the API, shared by the OpenAPI document and the response serialisers. Request
// bodies are documented here but validated by the domain services (so every bad item is listed
// with its stable code, e.g. INVALID_HASH at /hashes/3/value); query strings and path parameters
// are validated by Fastify against these schemas. Responses are serialised through them, so a
// field not listed here never leaves the server.

const dateTime = { type: 'string', format: 'date-time' } as const;
const hex = { type: 'string', pattern: '^[0-9a-fA-F]+$' } as const;
/** A bank entry's robust PDQ variants (ADR 0021): `{ kind, value }`, each kind at most once. */
const pdqVariantsSchema = {
  type: 'array',
  maxItems: PDQ_VARIANT_KINDS.length,
  items: {
    type: 'object',
    required: ['kind', 'value'],
    additionalProperties: false,
    properties: {
      kind: { type: 'string', enum: [...PDQ_VARIANT_KINDS] },
      value: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
    },
  },
} as const;
const vpdqMatchPercent = {
  type: 'number',
  minimum: 0,
  maximum: 100,
  description: `vPDQ: a query video matches a banked video when at least this share of the banked video's usable frames (quality ≥ 50, distinct) has a query frame within \`pdqThreshold\` (default ${VPDQ_COMPARED_MATCH_PERCENT}).`,
} as const;
const vpdqQueryMatchPercent = {
  type: 'number',
  minimum: 0,
  maximum: 100,
  description: `vPDQ: ... and at least this share of the query video's usable frames matches the banked video (default ${VPDQ_QUERY_MATCH_PERCENT}).`,
} as const;

/** Shared schemas, registered with `addSchema` and referenced as `{ $ref: '<Name>#' }`. */
export const SHARED_SCHEMAS = [
  {
    $id: 'Problem',
    type: 'object',
    description: 'An error (RFC 9457 problem details) with a stable `code` to branch on.',
    required: ['type', 'title', 'status', 'detail', 'code'],
    properties: {
      type: { type: 'string', format: 'uri' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      code: { type: 'string', enum: Object.keys(ERROR_CATALOGUE) },
      errors: {
        type: 'array',
        description:
          'One item per bad field or hash, e.g. `{ at: "/hashes/3/value", code: "INVALID_HASH" }`.',
        items: {
          type: 'object',
          required: ['at', 'code', 'message'],
          properties: {
            at: { type: 'string' },
            code: { type: 'string', enum: Object.keys(ERROR_CATALOGUE) },
            message: { type: 'string' },
          },
        },
      },
    },
  },
  {
    $id: 'Classification',
    type: 'object',
    description:
      'Industry classification (A1–B2), UK category (A–C) and INTERPOL Baseline flag; each optional.',
    properties: {
      industry: { type: 'string', enum: [...INDUSTRY_CLASSIFICATIONS] },
      uk: { type: 'string', enum: [...UK_CATEGORIES] },
      baseline: { type: 'boolean' },
    },
  },
  {
    $id: 'Bank',
    type: 'object',
    required: [
      'id',
      'name',
      'description',
      'kind',
      'defaultActions',
      'pdqThreshold',
      'vpdqMatchPercent',
      'vpdqQueryMatchPercent',
      'enabled',
      'fourEyes',
      'webhookUrl',
      'createdAt',
      'updatedAt',
    ],
    properties: {
      id: { type: 'integer' },
      name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
      description: { type: 'string' },
      kind: { type: 'string', enum: [...BANK_KINDS] },
      defaultActions: { type: 'array', items: { type: 'string', enum: [...BANK_ACTIONS] } },
      pdqThreshold: { type: 'integer', minimum: 0, maximum: MAX_PDQ_THRESHOLD },
      vpdqMatchPercent: vpdqMatchPercent,
      vpdqQueryMatchPercent: vpdqQueryMatchPercent,
      enabled: { type: 'boolean' },
      fourEyes: {
        type: 'boolean',
        description:
          'The bank holds published material: only the four-eyes publication in the workbench changes it; API keys get 403 FOUR_EYES_REQUIRED. Only admins set it; the hotline bank always is.',
      },
      webhookUrl: { type: ['string', 'null'] },
      entryCount: { type: 'integer', description: 'Entries in the bank (enabled or not).' },
      webhookSecret: {
        type: 'string',
        description:
          'Only in the response that generated it (a webhook URL set without a secret): store it now.',
      },
      createdAt: dateTime,
      updatedAt: dateTime,
    },
  },
  {
    $id: 'NewBank',
    type: 'object',
    required: ['name', 'kind'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
      description: { type: 'string', maxLength: 1000 },
      kind: { type: 'string', enum: [...BANK_KINDS] },
      defaultActions: { type: 'array', items: { type: 'string', enum: [...BANK_ACTIONS] } },
      pdqThreshold: {
        type: 'integer',
        minimum: 0,
        maximum: MAX_PDQ_THRESHOLD,
        default: DEFAULT_PDQ_THRESHOLD,
      },
      vpdqMatchPercent: { ...vpdqMatchPercent, default: VPDQ_COMPARED_MATCH_PERCENT },
      vpdqQueryMatchPercent: { ...vpdqQueryMatchPercent, default: VPDQ_QUERY_MATCH_PERCENT },
      enabled: { type: 'boolean', default: true },
      fourEyes: {
        type: 'boolean',
        description:
          'The bank holds published material: only the four-eyes publication in the workbench changes it; API keys get 403 FOUR_EYES_REQUIRED. Only admins set it; the hotline bank always is.',
      },
      webhookUrl: { type: ['string', 'null'], format: 'uri' },
      webhookSecret: {
        type: ['string', 'null'],
        minLength: 16,
        maxLength: 256,
        description: 'HMAC key of the webhook signature; generated (and returned once) when omitted.',
      },
    },
  },
  {
    $id: 'BankPatch',
    type: 'object',
    additionalProperties: false,
    properties: {
      name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
      description: { type: 'string', maxLength: 1000 },
      kind: { type: 'string', enum: [...BANK_KINDS] },
      defaultActions: { type: 'array', items: { type: 'string', enum: [...BANK_ACTIONS] } },
      pdqThreshold: { type: 'integer', minimum: 0, maximum: MAX_PDQ_THRESHOLD },
      vpdqMatchPercent,
      vpdqQueryMatchPercent,
      enabled: { type: 'boolean' },
      fourEyes: {
        type: 'boolean',
        description:
          'The bank holds published material: only the four-eyes publication in the workbench changes it; API keys get 403 FOUR_EYES_REQUIRED. Only admins set it; the hotline bank always is.',
      },
      webhookUrl: { type: ['string', 'null'], format: 'uri' },
      webhookSecret: { type: ['string', 'null'], minLength: 16, maxLength: 256 },
    },
  },
  {
    $id: 'Provenance',
    type: 'object',
    required: ['source'],
    properties: {
      source: { type: 'string', description: 'hotline-assessment, ncmec, stopncii, import:<file>, api…' },
      externalId: { type: ['string', 'null'] },
      member: { type: ['string', 'null'] },
    },
  },
  {
    $id: 'Entry',
    type: 'object',
    required: [
      'id',
      'bankId',
      'signalType',
      'value',
      'quality',
      'classification',
      'provenance',
      'reviewerCount',
      'addedBy',
      'note',
      'disabled',
      'feedback',
      'createdAt',
      'updatedAt',
    ],
    properties: {
      id: { type: 'integer' },
      bankId: { type: 'integer' },
      signalType: { type: 'string', enum: [...SIGNAL_TYPES] },
      value: {
        ...hex,
        description:
          'Lower-case hex: 64 digits for pdq and sha256, 32 md5, 40 sha1; for vpdq, the SHA-256 of its frames in the reference format (the key of the video).',
      },
      quality: { type: ['integer', 'null'] },
      classification: { $ref: 'Classification#' },
      provenance: { $ref: 'Provenance#' },
      reviewerCount: { type: 'integer' },
      addedBy: { type: 'string' },
      note: { type: ['string', 'null'] },
      disabled: { type: 'boolean' },
      feedback: { type: ['string', 'null'], enum: [...ENTRY_FEEDBACK, null] },
      otherSources: {
        type: 'array',
        items: { $ref: 'Provenance#' },
        description:
          'In `GET /v1/entries/{id}` only: the further sources that sent the same hash, besides `provenance` (another NCMEC member, another StopNCII case, another list), in arrival order. A withdrawal by one source removes only that source; the entry goes when none is left.',
      },
      frames: {
        type: 'string',
        description:
          "vpdq entries, in `GET /v1/entries/{id}` only: the video's frames as the reference hasher's lines (`frameNumber,quality,pdqHex,timestampSeconds`).",
      },
      fileMd5: {
        type: ['string', 'null'],
        description: 'vpdq entries, with `frames`: MD5 of the video file.',
      },
      fileSha256: {
        type: ['string', 'null'],
        description: 'vpdq entries, with `frames`: SHA-256 of the video file.',
      },
      pdqVariants: {
        ...pdqVariantsSchema,
        description:
          'PDQ entries added from media: robust variants of the banked image — PDQ hashes of parts of it (`trim`: without ' +
          'borders, letterboxing or bars; `crop-*`: a few percent cut away), so bordered, screenshotted and cropped copies ' +
          'match the entry. Absent when it has none. A match through one names it (`bankVariant`).',
      },
      createdAt: dateTime,
      updatedAt: dateTime,
    },
  },
  {
    $id: 'NewEntry',
    type: 'object',
    required: ['signalType'],
    additionalProperties: false,
    properties: {
      signalType: { type: 'string', enum: [...SIGNAL_TYPES] },
      value: {
        ...hex,
        description: 'The hash (required except for vpdq, whose value is derived from its frames).',
      },
      frames: {
        description:
          "vpdq only, and required there: the video's frames, as objects or as the reference hasher's lines (`frameNumber,quality,pdqHex,timestampSeconds`, one per line). The entry's value becomes the SHA-256 of those lines.",
        oneOf: [
          { type: 'string' },
          {
            type: 'array',
            items: {
              type: 'object',
              required: ['frameNumber', 'quality', 'pdqHex', 'timestampSeconds'],
              properties: {
                frameNumber: { type: 'integer', minimum: 0 },
                quality: { type: 'integer', minimum: 0, maximum: 100 },
                pdqHex: { type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
                timestampSeconds: { type: 'number', minimum: 0 },
              },
            },
          },
        ],
      },
      fileMd5: { type: ['string', 'null'], description: 'vpdq only: MD5 of the video file, when known.' },
      fileSha256: {
        type: ['string', 'null'],
        description: 'vpdq only: SHA-256 of the video file, when known.',
      },
      quality: {
        type: ['integer', 'null'],
        minimum: 0,
        maximum: 100,
        description: 'PDQ quality; below 50 is refused (LOW_QUALITY_HASH).',
      },
      classification: { $ref: 'Classification#' },
      provenance: { $ref: 'Provenance#' },
      reviewerCount: { type: 'integer', minimum: 0, maximum: 100 },
      note: { type: ['string', 'null'], maxLength: 1000 },
      disabled: { type: 'boolean' },
      pdqVariants: {
        ...pdqVariantsSchema,
        description:
          'pdq only: robust variants of the same image, as `hashline hash --robust --bank` or the self-submission page ' +
          'compute them (`pdqRobustVariants(pixels, "bank")` in @hashline/pdq); each kind at most once. Stored with the ' +
          'entry, indexed, and carried by `GET /v1/changes`.',
      },
    },
  },
  {
    $id: 'EntryPatch',
    type: 'object',
    additionalProperties: false,
    properties: {
      disabled: { type: 'boolean' },
      classification: { $ref: 'Classification#' },
      note: { type: ['string', 'null'], maxLength: 1000 },
      feedback: { type: ['string', 'null'], enum: [...ENTRY_FEEDBACK, null] },
      reviewerCount: { type: 'integer', minimum: 0 },
    },
  },
  {
    $id: 'Change',
    type: 'object',
    description:
      'One committed change, in `seq` order. Entry changes carry the hash; `entry` is the entry as it is now (null once deleted).',
    required: ['seq', 'op', 'bankId', 'at'],
    properties: {
      seq: { type: 'integer' },
      op: { type: 'string', enum: ['entry_upsert', 'entry_delete', 'bank_upsert', 'bank_delete'] },
      bankId: { type: 'integer' },
      bank: { type: ['string', 'null'], description: 'The bank name, when the bank still exists.' },
      entryId: { type: 'integer' },
      signalType: { type: 'string', enum: [...SIGNAL_TYPES] },
      value: hex,
      active: { type: 'boolean', description: 'Whether the entry takes part in matching after this change.' },
      pdqVariants: {
        ...pdqVariantsSchema,
        description:
          "`entry_upsert` of a PDQ entry with robust variants: the entry's variants (set when it was created, never " +
          'changed), so a follower indexes them as the matcher does.',
      },
      entry: { anyOf: [{ $ref: 'Entry#' }, { type: 'null' }] },
      at: dateTime,
    },
  },
  {
    $id: 'MatchItem',
    type: 'object',
    required: ['signalType', 'value'],
    additionalProperties: false,
    properties: {
      signalType: { type: 'string', enum: [...SIGNAL_TYPES] },
      value: hex,
      quality: {
        type: ['integer', 'null'],
        minimum: 0,
        maximum: 100,
        description:
          'PDQ quality if known: below 50 is refused (LOW_QUALITY_HASH). All-zero hashes are refused too.',
      },
      contentRef: {
        type: ['string', 'null'],
        maxLength: 200,
        description: 'Your own reference, echoed and recorded.',
      },
      variants: {
        type: 'array',
        maxItems: 10,
        description:
          'PDQ only: hashes of the rotated and mirrored image (`hashline hash --dihedral`: rot90…flipm) and of parts of ' +
          'the picture (`pdqRobustVariants(pixels, "query")` in @hashline/pdq, as `hashline match` computes them): `trim`, ' +
          "without borders or bars; `frame`, inside its outermost border only; `screen`, between a screenshot's bars. " +
          'Matched as one query; a hit names the variant.',
        items: {
          type: 'object',
          required: ['name', 'value'],
          additionalProperties: false,
          properties: {
            name: {
              type: 'string',
              enum: ['rot90', 'rot180', 'rot270', 'flipx', 'flipy', 'flipp', 'flipm', ...QUERY_VARIANT_NAMES],
            },
            value: hex,
          },
        },
      },
    },
  },
  {
    $id: 'MatchHit',
    type: 'object',
    required: ['bank', 'bankKind', 'entryId', 'distance', 'classification', 'actions'],
    properties: {
      bank: { type: 'string' },
      bankKind: { type: 'string', enum: [...BANK_KINDS] },
      entryId: { type: 'integer' },
      distance: { type: 'integer', description: 'PDQ Hamming distance (0 for exact hashes).' },
      variant: {
        type: 'string',
        description:
          'Which variant of the query matched: a rotated/mirrored copy (rot90…flipm) or a part of the picture: `trim` ' +
          "(without borders or bars), `frame` (inside its outermost border) or `screen` (between a screenshot's bars).",
      },
      bankVariant: {
        type: 'string',
        enum: [...PDQ_VARIANT_KINDS],
        description:
          'Which robust variant of the banked image matched (`trim`, `crop-*`), when not its primary hash: `distance` is to that variant. A cropped copy matches through a crop, a bordered one through `trim`.',
      },
      videoFrame: {
        type: 'integer',
        description:
          "Set when an image matched a frame of a banked video (a `vpdq` entry): the position of that frame among the video's usable frames (quality ≥ 50, distinct hashes, in order).",
      },
      classification: { $ref: 'Classification#' },
      actions: { type: 'array', items: { type: 'string', enum: [...BANK_ACTIONS] } },
    },
  },
  {
    $id: 'MatchAnswer',
    type: 'object',
    description:
      'The answer for one hash. Keys with the `match:verdict` scope receive `matched` alone: no banks, entries or distances.',
    required: ['matched'],
    properties: {
      matched: { type: 'boolean' },
      signalType: { type: 'string', enum: [...SIGNAL_TYPES] },
      matches: { type: 'array', items: { $ref: 'MatchHit#' } },
      allowListed: {
        type: 'boolean',
        description: 'An allow-list (known false positive) entry matched and held back the other matches.',
      },
      recordId: {
        type: ['integer', 'null'],
        description:
          'The stored match record, when something matched and its record was committed; null when nothing matched or `recorded` is false.',
      },
      recorded: {
        type: 'boolean',
        description:
          'False when something matched while the store was unavailable: the verdict and hits come from the in-memory index, no match record was stored (`recordId` null), no webhook was queued, and the hits carry an empty `classification`. True otherwise.',
      },
      contentRef: { type: ['string', 'null'] },
    },
  },
  {
    $id: 'ImageHashes',
    type: 'object',
    required: ['pdq', 'quality', 'width', 'height', 'format', 'usable'],
    properties: {
      pdq: { ...hex, description: 'PDQ hash, 64 hex digits.' },
      quality: { type: 'integer', description: 'PDQ quality, 0–100.' },
      usable: { type: 'boolean', description: 'Quality ≥ 50 and not degenerate: good enough to match on.' },
      dihedral: {
        type: 'object',
        description: 'PDQ hashes of the 8 rotations and mirrors (with `dihedral=true`).',
        additionalProperties: hex,
      },
      variants: {
        type: 'array',
        description:
          'Robust variants (with `robust`): PDQ hashes of parts of the same image — `trim` (without borders, letterboxing ' +
          "or a screenshot's bars) and, from `/v1/hash`, the crops a banked image keeps.",
        items: {
          type: 'object',
          required: ['name', 'pdq', 'quality'],
          properties: {
            name: { type: 'string' },
            pdq: hex,
            quality: { type: 'integer' },
          },
        },
      },
      md5: hex,
      sha1: hex,
      sha256: hex,
      width: { type: 'integer' },
      height: { type: 'integer' },
      format: { type: 'string' },
    },
  },
  {
    $id: 'VpdqFrame',
    type: 'object',
    description: "One hashed frame of a video, as the reference's `frame,quality,hash,timestamp` line.",
    required: ['frameNumber', 'quality', 'pdqHex', 'timestampSeconds'],
    properties: {
      frameNumber: { type: 'integer', description: 'Index of the frame among all decoded frames.' },
      quality: { type: 'integer', description: 'PDQ quality, 0–100.' },
      pdqHex: hex,
      timestampSeconds: { type: 'number' },
    },
  },
  {
    $id: 'VideoHashes',
    type: 'object',
    description:
      'The vPDQ hash of an uploaded video: one PDQ hash per kept frame (every `secondsPerHash` seconds), and MD5/SHA-1/SHA-256 of the file.',
    required: [
      'kind',
      'signalType',
      'frames',
      'secondsPerHash',
      'frameStep',
      'width',
      'height',
      'framesPerSecond',
    ],
    properties: {
      kind: { type: 'string', enum: ['video'] },
      signalType: { type: 'string', enum: ['vpdq'] },
      frames: { type: 'array', items: { $ref: 'VpdqFrame#' } },
      secondsPerHash: { type: 'number' },
      frameStep: { type: 'integer', description: 'Decoded frames between hashed frames.' },
      width: { type: 'integer' },
      height: { type: 'integer' },
      framesPerSecond: { type: 'number' },
      durationSeconds: { type: ['number', 'null'] },
      container: { type: 'string' },
      codec: { type: 'string' },
      md5: hex,
      sha1: hex,
      sha256: hex,
    },
  },
  {
    $id: 'VideoMatchAnswer',
    type: 'object',
    description: 'The answer for a query video. Keys with the `match:verdict` scope receive `matched` alone.',
    required: ['matched'],
    properties: {
      matched: { type: 'boolean' },
      usableQueryFrames: { type: 'integer' },
      allowListed: { type: 'boolean' },
      recordId: { type: ['integer', 'null'] },
      recorded: { type: 'boolean' },
      contentRef: { type: ['string', 'null'] },
      matches: {
        type: 'array',
        items: {
          type: 'object',
          required: ['bank', 'bankKind', 'entryId', 'distance', 'queryMatchPercent', 'comparedMatchPercent'],
          properties: {
            bank: { type: 'string' },
            bankKind: { type: 'string' },
            entryId: { type: 'integer' },
            distance: { type: 'integer', description: 'The closest frame distance.' },
            queryMatchPercent: {
              type: 'number',
              description: "Share of the query's usable frames that matched a frame of this banked video.",
            },
            comparedMatchPercent: {
              type: 'number',
              description: "Share of the banked video's usable frames that a query frame matched.",
            },
            classification: { $ref: 'Classification#' },
            actions: { type: 'array', items: { type: 'string' } },
          },
        },
      },
    },
  },
  {
    $id: 'MediaJob',
    type: 'object',
    description:
      'A video upload hashed (and matched) in the background. `result` holds what the request would have answered inline; `problem` why it failed.',
    required: ['id', 'kind', 'status', 'createdAt', 'finishedAt', 'statusUrl'],
    properties: {
      id: { type: 'string' },
      kind: { type: 'string', enum: ['hash', 'match'] },
      status: { type: 'string', enum: ['running', 'succeeded', 'failed'] },
      createdAt: dateTime,
      finishedAt: { ...dateTime, type: ['string', 'null'] },
      statusUrl: { type: 'string', description: 'Where to poll (also the `Location` of the 202).' },
      result: { type: 'object', additionalProperties: true },
      problem: { $ref: 'Problem#' },
    },
  },
  {
    $id: 'MatchRecord',
    type: 'object',
    required: ['id', 'createdAt', 'caller', 'source', 'signalType', 'value', 'matches', 'contentRef'],
    properties: {
      id: { type: 'integer' },
      createdAt: dateTime,
      caller: { type: 'string', description: 'The API key id that asked.' },
      source: { type: 'string', enum: ['hash', 'media'] },
      signalType: { type: 'string', enum: [...SIGNAL_TYPES] },
      value: { ...hex, description: 'The queried hash (sensitive: kept for the retention period only).' },
      contentRef: { type: ['string', 'null'] },
      matches: {
        type: 'array',
        items: {
          type: 'object',
          required: ['entryId', 'bankId', 'distance'],
          properties: {
            entryId: { type: 'integer' },
            bankId: { type: 'integer' },
            bank: { type: ['string', 'null'] },
            distance: { type: 'integer' },
            variant: { type: 'string' },
            queryMatchPercent: {
              type: 'number',
              description:
                "Video matches: the share of the query's usable frames that matched this banked video.",
            },
            comparedMatchPercent: {
              type: 'number',
              description:
                "Video matches: the share of the banked video's usable frames that the query matched.",
            },
          },
        },
      },
    },
  },
  {
    $id: 'WebhookDelivery',
    type: 'object',
    description:
      "One notification in the webhook outbox. Its body (sent to the bank's webhook URL, not shown here) carries the same `seq`.",
    required: [
      'id',
      'bankId',
      'seq',
      'idempotencyKey',
      'status',
      'attempts',
      'nextAttemptAt',
      'lastError',
      'createdAt',
      'queuedAt',
      'deliveredAt',
    ],
    properties: {
      id: { type: 'integer' },
      bankId: { type: 'integer' },
      seq: {
        type: 'integer',
        description: "The bank's notification number: 1, 2, 3… without gaps, in commit order.",
      },
      idempotencyKey: {
        type: 'string',
        description: 'Sent as `Idempotency-Key`; the same on every attempt.',
      },
      status: {
        type: 'string',
        enum: [...WEBHOOK_DELIVERY_STATUSES],
        description:
          'pending: not attempted since queued; retrying: an attempt failed, another is scheduled; delivered: 2xx; failed: given up (redeliverable).',
      },
      attempts: { type: 'integer', description: 'Attempts since it was (re)queued.' },
      nextAttemptAt: dateTime,
      lastError: { type: ['string', 'null'] },
      createdAt: dateTime,
      queuedAt: {
        ...dateTime,
        description: 'Queued or requeued; retries stop this long after it (the retry horizon).',
      },
      deliveredAt: { type: ['string', 'null'], format: 'date-time' },
    },
  },
  {
    $id: 'ApiKey',
    type: 'object',
    required: ['id', 'name', 'scopes', 'rateLimitPerSecond', 'createdAt', 'revokedAt'],
    properties: {
      id: { type: 'string' },
      name: { type: 'string' },
      scopes: { type: 'array', items: { type: 'string', enum: [...API_SCOPES] } },
      rateLimitPerSecond: { type: ['integer', 'null'], description: 'null: the server default.' },
      banks: {
        type: ['array', 'null'],
        items: { type: 'string' },
        description: 'The banks this key may read, write and match against; null: every bank.',
      },
      createdAt: dateTime,
      revokedAt: { type: ['string', 'null'], format: 'date-time' },
    },
  },
  {
    $id: 'NewApiKey',
    type: 'object',
    required: ['name', 'scopes'],
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 200 },
      scopes: { type: 'array', minItems: 1, items: { type: 'string', enum: [...API_SCOPES] } },
      rateLimitPerSecond: { type: ['integer', 'null'], minimum: 1 },
      banks: {
        type: ['array', 'null'],
        minItems: 1,
        maxItems: 100,
        items: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
        description: 'Limit the key to these banks (read, write and match); omit or null for every bank.',
      },
    },
  },
  {
    $id: 'Readiness',
    type: 'object',
    required: ['ready', 'reason', 'storeAvailable', 'loaded', 'appliedSeq', 'latestSeq', 'lag'],
    properties: {
      ready: { type: 'boolean' },
      reason: {
        type: ['string', 'null'],
        description: 'Why the process is not ready (store unavailable, index loading, lag); null when ready.',
      },
      storeAvailable: {
        type: 'boolean',
        description: 'The store answered the bounded health check (`HASHLINE_STORE_CHECK_TIMEOUT_MS`).',
      },
      loaded: { type: 'boolean', description: 'The index has loaded every active entry.' },
      appliedSeq: { type: 'integer', description: 'Last change-log seq this process has applied.' },
      latestSeq: { type: 'integer', description: 'Latest committed seq in the store.' },
      lag: { type: 'integer', description: 'latestSeq − appliedSeq.' },
      store: { type: 'string', enum: ['sqlite', 'postgres', 'memory'] },
      index: {
        type: 'object',
        properties: {
          banks: { type: 'integer' },
          pdqEntries: { type: 'integer' },
          exactEntries: {
            type: 'object',
            properties: { md5: { type: 'integer' }, sha1: { type: 'integer' }, sha256: { type: 'integer' } },
          },
          pdqDeltaSize: { type: 'integer' },
          rebuilding: { type: 'boolean' },
          lastRebuildMs: { type: ['integer', 'null'] },
          source: {
            type: ['string', 'null'],
            enum: ['snapshot', 'store', null],
            description:
              'Where the index was loaded from: its snapshot file, or the store (null while loading).',
          },
          loadMs: {
            type: ['integer', 'null'],
            description: 'How long loading took until the index answered (ms; null while loading).',
          },
          snapshotSeq: {
            type: ['integer', 'null'],
            description: 'Change-log seq of the last index snapshot this process wrote (null: none yet).',
          },
          snapshotProblem: {
            type: ['string', 'null'],
            description:
              'Why the last load did not use the snapshot file (missing, checksum, stale…); null if it did.',
          },
        },
      },
    },
  },
] as const;

/** `{ $ref }` to a shared schema. */
export const ref = (name: (typeof SHARED_SCHEMAS)[number]['$id']): { $ref: string } => ({ $ref: `${name}#` });

/** Error responses (`application/problem+json`) documented on a route, by status. */
export function problems(...statuses: number[]): Record<number, ProblemResponse> {
  const out: Record<number, ProblemResponse> = {};
  for (const status of statuses) {
    out[status] = {
      description: STATUS_TEXT[status] ?? 'Error',
      content: { 'application/problem+json': { schema: ref('Problem') } },
    };
  }
  return out;
}

/** A documented error response. */
export interface ProblemResponse {
  readonly description: string;
  readonly content: { readonly 'application/problem+json': { readonly schema: { $ref: string } } };
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Malformed request (VALIDATION_FAILED, INVALID_HASH, …)',
  401: 'Missing or invalid API key (UNAUTHENTICATED)',
  403: 'The key lacks the scope (FORBIDDEN)',
  404: 'Not found',
  409: 'Conflict',
  413: 'Too large (BATCH_TOO_LARGE, PAYLOAD_TOO_LARGE, MEDIA_TOO_LARGE, MEDIA_TOO_MANY_PIXELS, IMPORT_TOO_LARGE)',
  415: 'Unsupported content (MEDIA_UNSUPPORTED_FORMAT, IMPORT_UNSUPPORTED_TYPE)',
  422: 'Refused content (LOW_QUALITY_HASH, DEGENERATE_HASH, MEDIA_CORRUPT, …)',
  429: 'Rate limited (RATE_LIMITED); see Retry-After',
  503: 'The match index is loading (INDEX_NOT_READY) or the database is unavailable (STORE_UNAVAILABLE); see Retry-After',
};

/** The bulk limits, for descriptions. */
export const LIMITS = { MAX_ENTRIES_PER_CALL, MAX_MATCH_BATCH } as const;

/** Path parameter of a bank: its name or numeric id. */
export const bankParams = {
  type: 'object',
  required: ['bank'],
  properties: {
    bank: { type: 'string', minLength: 1, maxLength: 64, description: 'Bank name or numeric id.' },
  },
} as const;

/** Path parameter of a numeric id. */
export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1 } },
} as const;
