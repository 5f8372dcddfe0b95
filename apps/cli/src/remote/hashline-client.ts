/** One problem with one item of a request, from a problem+json `errors[]`. */
export interface ApiItemProblem {
  readonly at: string;
  readonly code: string;
  readonly message: string;
}

/**
 * A failed API call, from the server's problem+json body: a stable `code` (the domain's error
 * catalogue, e.g. `UNAUTHENTICATED`, `BANK_NOT_FOUND`), the server's `detail` as the message, and
 * the per-item problems. `status` is 0 when the server could not be reached at all.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly ApiItemProblem[] = [],
  ) {
    super(message);
  }
}

/** Options of {@link HashlineClient}. */
export interface HashlineClientOptions {
  /** The fetch to use (tests may inject one); default: the global fetch. */
  readonly fetch?: typeof fetch;
  /** Retries of a request answered 429 (rate limited), waiting `Retry-After` each time (default 5). */
  readonly maxRetries?: number;
  /** Waits `ms`; injected by tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * A small client of the Hashline HTTP API: JSON in and out, the API key as a bearer token, errors
 * as {@link ApiError} with the server's stable code, and rate-limited requests retried after the
 * delay the server asks for. The token is never put in an error message.
 */
export class HashlineClient {
  readonly baseUrl: string;
  private readonly fetch: typeof fetch;
  private readonly maxRetries: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    baseUrl: string,
    private readonly token: string,
    options: HashlineClientOptions = {},
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.fetch = options.fetch ?? fetch;
    this.maxRetries = options.maxRetries ?? 5;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** `GET path?query` and the parsed JSON body. */
  get<T>(path: string, query: Record<string, string | number | boolean | undefined> = {}): Promise<T> {
    return this.send<T>('GET', path + searchOf(query), undefined);
  }

  /** `POST path` with a JSON body, and the parsed JSON answer. */
  post<T>(path: string, body: unknown): Promise<T> {
    return this.send<T>('POST', path, body);
  }

  /**
   * `POST path?query` with a streamed body (a file: never held in memory) of `contentType`, and
   * the status and parsed JSON answer. `body` is called again for each attempt (a 429 is retried),
   * so each attempt streams the file from its start.
   */
  upload<T>(
    path: string,
    query: Record<string, string | number | boolean | undefined>,
    body: () => AsyncIterable<Uint8Array>,
    headers: Record<string, string>,
  ): Promise<{ status: number; body: T }> {
    return this.send<T>('POST', path + searchOf(query), { stream: body, headers }).then(
      (answer) => answer as { status: number; body: T },
    );
  }

  /** `DELETE path`; resolves to the parsed body, or undefined for 204. */
  delete<T>(path: string): Promise<T> {
    return this.send<T>('DELETE', path, undefined);
  }

  private async send<T>(method: string, path: string, body: unknown): Promise<T> {
    const url = this.baseUrl + path;
    const upload = isUpload(body) ? body : undefined;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetch(url, {
          method,
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: 'application/json, application/problem+json',
            ...(upload ? upload.headers : body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          ...(upload
            ? // A streamed request body (Node's fetch needs `duplex: 'half'` for one).
              ({ body: ReadableStream.from(upload.stream()), duplex: 'half' } as RequestInit)
            : body !== undefined
              ? { body: JSON.stringify(body) }
              : {}),
        });
      } catch (error) {
        throw unreachable(this.baseUrl, error);
      }
      if (response.status === 429 && attempt < this.maxRetries) {
        await response.body?.cancel();
        const seconds = Number(response.headers.get('retry-after'));
        await this.sleep(Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 60) * 1000 : 1000);
        continue;
      }
      const text = await response.text();
      if (!response.ok) throw problemError(response, text, method, path);
      let parsed: unknown;
      if (text !== '') {
        try {
          parsed = JSON.parse(text);
        } catch {
          throw new ApiError(
            response.status,
            'BAD_RESPONSE',
            `${method} ${path} answered with a body that is not JSON.`,
          );
        }
      }
      return (upload ? { status: response.status, body: parsed } : parsed) as T;
    }
  }
}

/** A streamed request body with its headers (see {@link HashlineClient.upload}). */
interface UploadBody {
  readonly stream: () => AsyncIterable<Uint8Array>;
  readonly headers: Record<string, string>;
}

function isUpload(body: unknown): body is UploadBody {
  return typeof body === 'object' && body !== null && typeof (body as UploadBody).stream === 'function';
}

/** `?name=value&…` of the defined values, or the empty string. */
function searchOf(query: Record<string, string | number | boolean | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined) params.set(name, String(value));
  const encoded = params.toString();
  return encoded === '' ? '' : `?${encoded}`;
}

/** The ApiError of a failed response: from problem+json when the body is one. */
function problemError(response: Response, text: string, method: string, path: string): ApiError {
  let problem: unknown;
  try {
    problem = JSON.parse(text);
  } catch {
    problem = undefined;
  }
  if (
    typeof problem === 'object' &&
    problem !== null &&
    typeof (problem as { code?: unknown }).code === 'string'
  ) {
    const p = problem as { code: string; detail?: unknown; title?: unknown; errors?: unknown };
    const message = typeof p.detail === 'string' ? p.detail : typeof p.title === 'string' ? p.title : p.code;
    const details = Array.isArray(p.errors)
      ? p.errors.filter(
          (e): e is ApiItemProblem =>
            typeof e === 'object' && e !== null && typeof (e as ApiItemProblem).message === 'string',
        )
      : [];
    return new ApiError(response.status, p.code, message, details);
  }
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return new ApiError(
    response.status,
    `HTTP_${response.status}`,
    `${method} ${path} failed: ${response.statusText || 'error'}${snippet ? `: ${snippet}` : ''}`,
  );
}

/** A readable error for a connection failure (refused, unknown host, TLS), with a hint. */
function unreachable(baseUrl: string, error: unknown): ApiError {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const reason =
    typeof cause?.code === 'string'
      ? cause.code
      : typeof cause?.message === 'string'
        ? cause.message
        : error instanceof Error
          ? error.message
          : String(error);
  return new ApiError(
    0,
    'UNREACHABLE',
    `Cannot reach the Hashline server at ${baseUrl} (${reason}). Is it running (hashline serve), and is --server right?`,
  );
}
