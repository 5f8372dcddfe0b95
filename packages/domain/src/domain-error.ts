/**
 * The catalogue of error codes every layer uses. A code is stable (clients branch on it); the
 * title is a short human summary; the HTTP edge maps codes to statuses in one place
 * (apps/server/src/http-errors.ts) and renders problem+json.
 */
export const ERROR_CATALOGUE = {
  VALIDATION_FAILED: 'The request is malformed or a field is invalid.',
  INVALID_HASH: 'A hash is not well-formed for its signal type.',
  LOW_QUALITY_HASH: 'A PDQ hash has quality below 50 and is too unreliable to store or match.',
  DEGENERATE_HASH: 'A hash is all zeros or all ones, which matches nothing reliably.',
  BATCH_TOO_LARGE: 'Too many items in one request.',
  PAYLOAD_TOO_LARGE: 'The request body is larger than allowed.',
  URI_TOO_LONG: 'A part of the request path is longer than allowed.',
  BANK_NOT_FOUND: 'No bank has that name or id.',
  BANK_NAME_TAKEN: 'A bank with that name exists already.',
  ENTRY_NOT_FOUND: 'No bank entry has that id.',
  MATCH_RECORD_NOT_FOUND: 'No match record has that id.',
  WEBHOOK_DELIVERY_NOT_FOUND: 'No webhook delivery has that id.',
  WEBHOOK_DELIVERY_IN_FLIGHT: 'An attempt of this webhook delivery is under way; redeliver it once it ends.',
  API_KEY_NOT_FOUND: 'No API key has that id.',
  UNAUTHENTICATED: 'A valid API key is required.',
  FORBIDDEN: 'The API key lacks the scope this operation needs.',
  RATE_LIMITED: 'Too many requests for this API key; retry later.',
  INDEX_NOT_READY: 'The match index is still loading.',
  STORE_UNAVAILABLE:
    'The database is unreachable or did not answer in time; retry shortly (a write in flight may or may not have been committed: retry it with the same Idempotency-Key where the route takes one).',
  IMPORT_FORMAT_ERROR: 'An import file could not be parsed.',
  IMPORT_JOB_NOT_FOUND: 'No import job has that id.',
  IMPORT_EMPTY: 'The import file is empty.',
  IMPORT_TOO_LARGE: 'The import file is larger than this server accepts (HASHLINE_MAX_IMPORT_BYTES).',
  IMPORT_UNSUPPORTED_TYPE:
    'The import body has a content type that names no hash-list format; send text/csv, text/tab-separated-values, text/plain (ThreatExchange), application/xml (NCMEC) or application/json (StopNCII), or give ?format=.',
  MEDIA_EMPTY: 'The uploaded file is empty.',
  MEDIA_TOO_LARGE: 'The uploaded file is larger than allowed.',
  MEDIA_TOO_MANY_PIXELS: 'The image (or a video frame) has more pixels than allowed.',
  MEDIA_UNSUPPORTED_FORMAT: 'The file is not an image or video format Hashline decodes.',
  MEDIA_CORRUPT: 'The image or video is truncated or corrupt.',
  MEDIA_TIMEOUT: 'Decoding the media took too long.',
  MEDIA_FAILED: 'The image could not be decoded.',
  MEDIA_READ_FAILED: 'The file could not be read.',
  MEDIA_JOB_NOT_FOUND:
    'No video job has that id (finished jobs are kept for HASHLINE_VIDEO_JOB_RESULT_MINUTES).',
  MEDIA_BUSY: 'The server is hashing as much media as it takes at once; retry shortly (see Retry-After).',
  MEDIA_WORKER_CRASHED: 'The decoder crashed on this file; the service stays up.',
  MEDIA_POOL_CLOSED: 'The service is shutting down; retry shortly.',
  MEDIA_INTERNAL: 'Hashing failed unexpectedly.',
  REPORT_NOT_FOUND: 'No report has that id or receipt code.',
  MEDIA_ITEM_NOT_FOUND: 'No captured media item has that id.',
  URL_NOT_FOUND: 'No reported URL has that id in this report.',
  SCREENSHOT_NOT_FOUND: 'No capture screenshot has that id, or its bytes were deleted.',
  IDEMPOTENCY_KEY_REUSED: 'This idempotency key was used for a different request.',
  OUT_OF_REMIT: 'The hotline does not handle this concern; the response says where to get help.',
  INVALID_CREDENTIALS: 'The user name or password is wrong, or the account is disabled.',
  TOTP_REQUIRED: 'A one-time code from the authenticator app is required.',
  TOTP_INVALID: 'The one-time code is wrong or expired.',
  SESSION_REQUIRED: 'Sign in to the workbench first.',
  CSRF_FAILED: "The request lacks the session's CSRF token.",
  ROLE_REQUIRED: 'Your role does not allow this action.',
  ANALYST_NOT_FOUND: 'No analyst has that id.',
  USERNAME_TAKEN: 'An analyst with that user name exists already.',
  EXPOSURE_LIMIT_REACHED: 'The daily limit of revealed media is reached; take a break and continue tomorrow.',
  REVEAL_REQUIRED: 'Reveal the item first (each reveal is counted and audited).',
  ALREADY_ASSESSED: 'You have assessed this item already; a second analyst must confirm it.',
  PREVIEW_NOT_KEPT: 'This deployment keeps no media bytes: only the blurred thumbnail exists.',
  CAPTURE_BLOCKED_SCHEME: 'Only http and https URLs are captured.',
  CAPTURE_BLOCKED_ADDRESS: 'The URL points at a loopback, private, link-local, shared or metadata address.',
  CAPTURE_DNS_FAILED: 'The host name did not resolve.',
  CAPTURE_TOO_MANY_REDIRECTS: 'The URL redirected too many times.',
  CAPTURE_TOO_LARGE: 'The response is larger than the capture allows.',
  CAPTURE_TIMEOUT: 'The host took too long to answer.',
  CAPTURE_UNSUPPORTED_TYPE: 'The response is not a page or media type the capture accepts.',
  CAPTURE_HTTP_STATUS: 'The host answered with an error status.',
  CAPTURE_FAILED: 'The URL could not be fetched.',
  CAPTURE_BROWSER_FAILED: 'The capture browser could not render the page (missing, crashed or too slow).',
  REFERRAL_NOT_FOUND: 'No referral has that id.',
  NOTHING_TO_REFER: 'The report has no URL with illegal media and a traced hosting country to refer.',
  CYBERTIPLINE_NOT_CONFIGURED:
    'Submission to NCMEC is not configured on this server (HASHLINE_NCMEC_REPORTING_URL and credentials).',
  CYBERTIPLINE_REJECTED: "NCMEC's Reporting API refused the request (its response code is in the detail).",
  CYBERTIPLINE_UNAVAILABLE:
    "NCMEC's Reporting API did not answer or failed after retries; retry with the same Idempotency-Key to resume.",
  PARTNER_NOT_FOUND: 'No partner hotline with that country or name is configured.',
  PARTNER_API_NOT_CONFIGURED: 'That partner hotline has no exchange API (base URL and token) configured.',
  NOTHING_TO_EXCHANGE:
    'The report has no media confirmed illegal (two analysts) or known, so nothing to forward.',
  EXCHANGE_DELIVERY_FAILED:
    "The partner hotline's exchange API did not accept the report; nothing was lost, try again.",
  TAKEDOWN_NOT_FOUND: 'No takedown has that id.',
  TAKEDOWN_NOT_ASSESSED:
    'No media at that URL is assessed illegal (or known), so no notice can be sent about it.',
  NOTICE_SEND_FAILED: 'The notice e-mail was not accepted by the mail server; it is retried.',
  NOT_FOUND: 'No such resource.',
  CONFLICT: 'The request conflicts with the current state.',
  FIGURES_NOT_PUBLISHED: 'The figures of that year are not published (yet).',
  INTERNAL: 'An unexpected error occurred.',
  FOUR_EYES_REQUIRED:
    'This bank holds published material: it changes only through the four-eyes publication in the workbench, never through an API key.',
  BANK_NOT_ALLOWED: 'This API key is limited to other banks.',
  HASH_QUOTA_EXCEEDED: 'This API key has matched as many hashes as it may in this hour or day; retry later.',
  HASH_EXCHANGE_NOT_FOUND: 'No hash exchange has that name or id.',
  HASH_EXCHANGE_NAME_TAKEN: 'A hash exchange with that name exists already.',
  HASH_EXCHANGE_TYPE_UNAVAILABLE: 'This server has no client for that kind of hash exchange.',
  HASH_EXCHANGE_BANK_PUBLISHED:
    'The bank holds published material (four eyes): an outside source cannot write into it; sync into another bank.',
  HASH_EXCHANGE_RUNNING:
    'The hash exchange is running now (in this or another process); its status shows the run.',
  HASH_EXCHANGE_PAUSED: 'The hash exchange is paused; resume it first.',
  HASH_EXCHANGE_LEASE_LOST:
    'Another process took over this hash exchange run (the lease expired); nothing of this page was written.',
  API_KEY_SUSPENDED: 'This API key is suspended (its queries looked like probing the banks); ask an admin.',
} as const;

/** A stable error code from {@link ERROR_CATALOGUE}. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** One problem with one field or item, e.g. line 12 of an import or hash 3 of a batch. */
export interface ErrorDetail {
  /** Where: a JSON pointer (`/hashes/3`), a field name, or `line 12`. */
  readonly at: string;
  readonly code: ErrorCode;
  readonly message: string;
}

/**
 * An expected failure with a stable code and a message safe to show to the caller: it never
 * carries media, report text or contact details.
 */
export class DomainError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly ErrorDetail[];

  constructor(
    code: ErrorCode,
    message: string = ERROR_CATALOGUE[code],
    details: readonly ErrorDetail[] = [],
    options?: { readonly cause?: unknown },
  ) {
    // The cause (e.g. a driver error) is for logs; only the message reaches the caller.
    super(message, options);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

/** True for a {@link DomainError} (also across package copies, by shape). */
export function isDomainError(error: unknown): error is DomainError {
  return (
    error instanceof DomainError ||
    (error instanceof Error &&
      error.name === 'DomainError' &&
      typeof (error as DomainError).code === 'string')
  );
}
