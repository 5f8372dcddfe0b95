import {
  DomainError,
  ERROR_CATALOGUE,
  isDomainError,
  type ErrorCode,
  type ErrorDetail,
} from '@hashline/domain';
import { isMediaDecodeError, type MediaErrorCode } from '@hashline/media-node';

/** The content type of every error response (RFC 9457). */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * Base of the `type` URI of each problem; the code follows it (`urn:hashline:problem:invalid-hash`).
 * A URN, not a URL: it names the problem without pointing at a site nobody may run.
 */
export const PROBLEM_TYPE_BASE = 'urn:hashline:problem:';

/**
 * The HTTP status of every error code: the one place codes become statuses. A code missing here
 * fails to compile, so a new catalogue entry cannot ship without its status.
 */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  INVALID_HASH: 400,
  LOW_QUALITY_HASH: 422,
  DEGENERATE_HASH: 422,
  BATCH_TOO_LARGE: 413,
  PAYLOAD_TOO_LARGE: 413,
  URI_TOO_LONG: 414,
  BANK_NOT_FOUND: 404,
  BANK_NAME_TAKEN: 409,
  ENTRY_NOT_FOUND: 404,
  MATCH_RECORD_NOT_FOUND: 404,
  WEBHOOK_DELIVERY_NOT_FOUND: 404,
  WEBHOOK_DELIVERY_IN_FLIGHT: 409,
  API_KEY_NOT_FOUND: 404,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  INDEX_NOT_READY: 503,
  // The database is away (down, hung, or refusing connections): the caller may retry, see Retry-After.
  STORE_UNAVAILABLE: 503,
  IMPORT_FORMAT_ERROR: 400,
  IMPORT_JOB_NOT_FOUND: 404,
  IMPORT_EMPTY: 400,
  IMPORT_TOO_LARGE: 413,
  IMPORT_UNSUPPORTED_TYPE: 415,
  MEDIA_EMPTY: 400,
  MEDIA_TOO_LARGE: 413,
  MEDIA_TOO_MANY_PIXELS: 413,
  MEDIA_UNSUPPORTED_FORMAT: 415,
  MEDIA_CORRUPT: 422,
  MEDIA_TIMEOUT: 422,
  MEDIA_FAILED: 422,
  MEDIA_READ_FAILED: 500,
  MEDIA_JOB_NOT_FOUND: 404,
  MEDIA_BUSY: 503,
  // The file made the decoder crash (a hostile or broken input): the caller's problem, and the
  // server is still up because decoding runs in a child process.
  MEDIA_WORKER_CRASHED: 422,
  MEDIA_POOL_CLOSED: 503,
  MEDIA_INTERNAL: 500,
  REPORT_NOT_FOUND: 404,
  MEDIA_ITEM_NOT_FOUND: 404,
  URL_NOT_FOUND: 404,
  SCREENSHOT_NOT_FOUND: 404,
  IDEMPOTENCY_KEY_REUSED: 422,
  OUT_OF_REMIT: 422,
  INVALID_CREDENTIALS: 401,
  TOTP_REQUIRED: 401,
  TOTP_INVALID: 401,
  SESSION_REQUIRED: 401,
  CSRF_FAILED: 403,
  ROLE_REQUIRED: 403,
  ANALYST_NOT_FOUND: 404,
  USERNAME_TAKEN: 409,
  EXPOSURE_LIMIT_REACHED: 429,
  REVEAL_REQUIRED: 403,
  ALREADY_ASSESSED: 409,
  PREVIEW_NOT_KEPT: 404,
  // Capture errors are recorded on the reported URL; they reach HTTP only through tools that fetch on request.
  CAPTURE_BLOCKED_SCHEME: 422,
  CAPTURE_BLOCKED_ADDRESS: 422,
  CAPTURE_DNS_FAILED: 422,
  CAPTURE_TOO_MANY_REDIRECTS: 422,
  CAPTURE_TOO_LARGE: 422,
  CAPTURE_TIMEOUT: 422,
  CAPTURE_UNSUPPORTED_TYPE: 422,
  CAPTURE_HTTP_STATUS: 422,
  CAPTURE_FAILED: 422,
  CAPTURE_BROWSER_FAILED: 422,
  REFERRAL_NOT_FOUND: 404,
  NOTHING_TO_REFER: 409,
  CYBERTIPLINE_NOT_CONFIGURED: 409,
  // NCMEC refused our document (4xxx codes) or failed: gateway problems, not the caller's request shape.
  CYBERTIPLINE_REJECTED: 502,
  CYBERTIPLINE_UNAVAILABLE: 502,
  PARTNER_NOT_FOUND: 404,
  PARTNER_API_NOT_CONFIGURED: 409,
  NOTHING_TO_EXCHANGE: 409,
  // The partner's server failed or refused us: a gateway problem, not the caller's.
  EXCHANGE_DELIVERY_FAILED: 502,
  TAKEDOWN_NOT_FOUND: 404,
  TAKEDOWN_NOT_ASSESSED: 409,
  // Our mail server refused or was unreachable: a gateway problem, not the caller's.
  NOTICE_SEND_FAILED: 502,
  NOT_FOUND: 404,
  CONFLICT: 409,
  FIGURES_NOT_PUBLISHED: 404,
  INTERNAL: 500,
  FOUR_EYES_REQUIRED: 403,
  BANK_NOT_ALLOWED: 403,
  HASH_QUOTA_EXCEEDED: 429,
  API_KEY_SUSPENDED: 403,
  HASH_EXCHANGE_NOT_FOUND: 404,
  HASH_EXCHANGE_NAME_TAKEN: 409,
  HASH_EXCHANGE_TYPE_UNAVAILABLE: 400,
  HASH_EXCHANGE_BANK_PUBLISHED: 409,
  HASH_EXCHANGE_RUNNING: 409,
  HASH_EXCHANGE_PAUSED: 409,
  HASH_EXCHANGE_LEASE_LOST: 409,
};

/** The body of an error response. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  /** Stable code from the domain's error catalogue: clients branch on it. */
  readonly code: ErrorCode;
  /** One entry per bad field or item, when there are several. */
  readonly errors?: readonly ErrorDetail[];
}

/** Builds the problem+json body of a code. */
export function problemOf(code: ErrorCode, detail?: string, errors?: readonly ErrorDetail[]): Problem {
  return {
    type: PROBLEM_TYPE_BASE + code.toLowerCase().replaceAll('_', '-'),
    title: ERROR_CATALOGUE[code],
    status: HTTP_STATUS[code],
    detail: detail ?? ERROR_CATALOGUE[code],
    code,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

// Media-node codes, as catalogue codes. The messages of server-side failures (a read failure, a bug)
// and of decoder crashes are not shown to the caller: they are logged instead.
const MEDIA_CODE: Readonly<Record<MediaErrorCode, ErrorCode>> = {
  MEDIA_EMPTY: 'MEDIA_EMPTY',
  MEDIA_TOO_LARGE: 'MEDIA_TOO_LARGE',
  MEDIA_TOO_MANY_PIXELS: 'MEDIA_TOO_MANY_PIXELS',
  MEDIA_UNSUPPORTED_FORMAT: 'MEDIA_UNSUPPORTED_FORMAT',
  MEDIA_CORRUPT: 'MEDIA_CORRUPT',
  MEDIA_TIMEOUT: 'MEDIA_TIMEOUT',
  MEDIA_WORKER_CRASHED: 'MEDIA_WORKER_CRASHED',
  MEDIA_POOL_CLOSED: 'MEDIA_POOL_CLOSED',
  MEDIA_READ_FAILED: 'MEDIA_READ_FAILED',
  MEDIA_INTERNAL: 'MEDIA_INTERNAL',
  MEDIA_BUSY: 'MEDIA_BUSY',
};
const HIDDEN_MEDIA_MESSAGES: ReadonlySet<MediaErrorCode> = new Set([
  'MEDIA_WORKER_CRASHED',
  'MEDIA_READ_FAILED',
  'MEDIA_INTERNAL',
]);

/** Fastify's own error codes that are the caller's fault, as catalogue codes. */
const FASTIFY_CODE: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  // A path parameter over Fastify's maxParamLength (100 characters).
  FST_ERR_MAX_PARAM_LENGTH: 'URI_TOO_LONG',
  FST_REQ_FILE_TOO_LARGE: 'MEDIA_TOO_LARGE',
  FST_FILES_LIMIT: 'VALIDATION_FAILED',
  FST_PARTS_LIMIT: 'VALIDATION_FAILED',
  FST_FIELDS_LIMIT: 'VALIDATION_FAILED',
  FST_PROTO_VIOLATION: 'VALIDATION_FAILED',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_TYPE: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_TYPE: 'VALIDATION_FAILED',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
};

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
  validation?: readonly { instancePath?: string; message?: string; params?: Record<string, unknown> }[];
  validationContext?: string;
}

/**
 * Turns any thrown value into a problem. Domain and media errors keep their code and message;
 * Fastify's client errors (bad JSON, body too large, schema validation) get catalogue codes;
 * anything else is an INTERNAL error whose message is not revealed (it is logged instead).
 */
export function toProblem(error: unknown): { problem: Problem; internal: boolean } {
  if (isDomainError(error)) {
    return { problem: problemOf(error.code, error.message, error.details), internal: false };
  }
  if (isMediaDecodeError(error)) {
    const hidden = HIDDEN_MEDIA_MESSAGES.has(error.code);
    return {
      problem: problemOf(MEDIA_CODE[error.code], hidden ? undefined : error.message),
      internal: hidden,
    };
  }
  const e = (error ?? {}) as FastifyLikeError;
  if (e.validation) {
    const where = e.validationContext ?? 'request';
    const errors: ErrorDetail[] = e.validation.map((v) => ({
      at:
        `${where}${v.instancePath ?? ''}` +
        (typeof v.params?.missingProperty === 'string' ? `/${v.params.missingProperty}` : ''),
      code: 'VALIDATION_FAILED',
      message: v.message ?? 'is invalid',
    }));
    const detail =
      errors.length === 1
        ? `${errors[0]!.at}: ${errors[0]!.message}`
        : `${errors.length} problems in the ${where}`;
    return { problem: problemOf('VALIDATION_FAILED', detail, errors), internal: false };
  }
  const mapped = e.code ? FASTIFY_CODE[e.code] : undefined;
  if (mapped) return { problem: problemOf(mapped, e.message), internal: false };
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    // An unlisted client error from Fastify or a plugin (e.g. 415 for a content type no route
    // parses): keep its status. The catalogue has no code of its own for these yet.
    const code: ErrorCode =
      e.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : e.statusCode === 404 ? 'NOT_FOUND' : 'VALIDATION_FAILED';
    return { problem: { ...problemOf(code, e.message), status: e.statusCode }, internal: false };
  }
  return {
    problem: problemOf('INTERNAL', 'An unexpected error occurred; it has been logged.'),
    internal: true,
  };
}

/** A DomainError for a route that does not exist. */
export function routeNotFound(method: string, url: string): DomainError {
  const path = url.split('?')[0] ?? url;
  return new DomainError('NOT_FOUND', `No route ${method} ${path}.`);
}
