// Reading the server's problem+json answers (`{ type, title, status, detail, code, errors? }`):
// pages branch on the stable `code`, and map `errors[].at` (a JSON pointer such as `/urls/1`) to
// the form field it names.

/** One field-level complaint of a 400 VALIDATION_FAILED problem. */
export interface ProblemFieldError {
  /** JSON pointer into the request body, e.g. `/urls/1` or `/contact/email`. */
  readonly at: string;
  readonly code: string;
  readonly message: string;
}

/** A failed HTTP call: the status, the problem's code and field errors, and `Retry-After` (seconds). */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly errors: readonly ProblemFieldError[] = [],
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(code);
    this.name = 'ProblemError';
  }
}

/** A request that never got an answer (offline, connection reset, server down). */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super('network', { cause });
    this.name = 'NetworkError';
  }
}

/** Turns a non-2xx response into a {@link ProblemError} (tolerates bodies that are not problems). */
export async function problemFromResponse(response: Response): Promise<ProblemError> {
  const body = (await response.json().catch(() => ({}))) as {
    code?: unknown;
    errors?: unknown;
  };
  const code = typeof body.code === 'string' ? body.code : response.status >= 500 ? 'INTERNAL' : 'UNKNOWN';
  const errors = Array.isArray(body.errors)
    ? body.errors.filter(
        (e): e is ProblemFieldError =>
          typeof e === 'object' && e !== null && typeof (e as ProblemFieldError).at === 'string',
      )
    : [];
  const retryAfter = Number(response.headers.get('retry-after'));
  return new ProblemError(
    response.status,
    code,
    errors,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
  );
}

/** Splits a JSON pointer into its segments (`/urls/1` → `['urls', '1']`), unescaping `~1` and `~0`. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .replace(/^\//, '')
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}
