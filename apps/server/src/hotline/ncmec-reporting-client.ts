import { DomainError, type NcmecReportingPort } from '@hashline/domain';

/** Settings of {@link createNcmecReportingClient}. */
export interface NcmecReportingClientOptions {
  /** The API root, e.g. `https://report.cybertip.org/ispws` (NCMEC's test root is `https://exttest.cybertip.org/ispws`). */
  readonly baseUrl: string;
  readonly username: string;
  readonly password: string;
  /** Time for one HTTP call, in ms (default 30 s). */
  readonly timeoutMs?: number;
  /** Tries per call, the first included (default 4). */
  readonly attempts?: number;
  /** Wait before try n+1 (n from 1), in ms; default 500·2ⁿ⁻¹, at most 8 s. Tests pass 0. */
  readonly retryDelayMs?: (attempt: number) => number;
  /** Plain http (tests against a loopback mock only; NCMEC serves https). */
  readonly allowHttpForTests?: boolean;
  /** The fetch to use (default the global one). */
  readonly fetch?: typeof fetch;
}

/** NCMEC's `<reportResponse>`: `responseCode` 0 is success. */
export interface NcmecResponse {
  readonly responseCode: number;
  readonly responseDescription: string;
  readonly reportId: string | null;
  readonly fileId: string | null;
}

/** NCMEC response codes of a failure on its side (retried like a 5xx). */
const SERVER_SIDE_CODES = new Set([1000, 1100, 1110, 1111, 1300]);
/** `/finish` of a report already finished: the goal is reached. */
const ALREADY_FINISHED = 5102;

/**
 * The HTTP client of NCMEC's CyberTipline Reporting API (`/status`, `/submit`, `/upload`,
 * `/fileinfo`, `/finish`, `/retract`): HTTP Basic credentials, XML documents in, `<reportResponse>`
 * out. Each call is tried again on HTTP 5xx and 429, on NCMEC's server-side response codes, on a
 * timeout and on a lost connection; redirects are refused (credentials never follow one). Nothing
 * it sends or receives is logged.
 *
 * Idempotence: `/fileinfo` and `/finish` are safe to repeat (a repeated finish answers "already
 * finished", taken as success). `/submit` and `/upload` have no idempotency key at NCMEC: a try
 * that timed out after NCMEC received it and is then tried again may leave an extra open report
 * (never finished, so never processed) or an extra file in the open report. The submission flow
 * saves NCMEC's ids after each step so that a retry of the whole submission never repeats a step
 * that answered.
 */
export function createNcmecReportingClient(
  options: NcmecReportingClientOptions,
): NcmecReportingPort & { status(): Promise<NcmecResponse>; retractReport(reportId: string): Promise<void> } {
  const base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  if (base.protocol !== 'https:' && !(options.allowHttpForTests && base.protocol === 'http:')) {
    throw new RangeError('The NCMEC reporting URL must be https://');
  }
  const authorization = `Basic ${Buffer.from(`${options.username}:${options.password}`, 'utf8').toString('base64')}`;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const attempts = Math.max(1, options.attempts ?? 4);
  const delay = options.retryDelayMs ?? ((n: number) => Math.min(8_000, 500 * 2 ** (n - 1)));
  const doFetch = options.fetch ?? fetch;

  /** One call with retries; `accept` may take a non-zero response code as success. */
  async function call(
    path: string,
    init: { method: 'GET' | 'POST'; body?: () => string | FormData; contentType?: string },
    accept: (code: number) => boolean = (code) => code === 0,
  ): Promise<NcmecResponse> {
    let lastProblem = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep(delay(attempt - 1));
      let status: number;
      let text: string;
      try {
        const response = await doFetch(new URL(path, base), {
          method: init.method,
          headers: {
            authorization,
            accept: 'application/xml',
            ...(init.contentType ? { 'content-type': init.contentType } : {}),
          },
          ...(init.body ? { body: init.body() } : {}),
          redirect: 'error',
          signal: AbortSignal.timeout(timeoutMs),
        });
        status = response.status;
        text = await response.text();
      } catch (error) {
        // A timeout, a refused or lost connection, a redirect: try again.
        lastProblem =
          (error as { name?: string }).name === 'TimeoutError' ? 'timed out' : 'connection failed';
        continue;
      }
      if (status >= 500 || status === 429) {
        lastProblem = `HTTP ${status}`;
        continue;
      }
      const parsed = parseResponse(text);
      if (status === 401 || status === 403) {
        throw new DomainError(
          'CYBERTIPLINE_REJECTED',
          `NCMEC refused the credentials (HTTP ${status}${parsed ? `, response code ${parsed.responseCode}` : ''}).`,
        );
      }
      if (!parsed) {
        lastProblem = `HTTP ${status} without a reportResponse`;
        if (status >= 400) break;
        continue;
      }
      if (accept(parsed.responseCode)) return parsed;
      if (SERVER_SIDE_CODES.has(parsed.responseCode)) {
        lastProblem = `response code ${parsed.responseCode}`;
        continue;
      }
      throw new DomainError(
        'CYBERTIPLINE_REJECTED',
        `NCMEC refused ${path}: response code ${parsed.responseCode} (${parsed.responseDescription}).`,
      );
    }
    throw new DomainError(
      'CYBERTIPLINE_UNAVAILABLE',
      `NCMEC's ${path} failed after ${attempts} tries (${lastProblem}).`,
    );
  }

  const xmlBody = (xml: string) => ({
    method: 'POST' as const,
    body: () => xml,
    contentType: 'text/xml; charset=utf-8',
  });
  const idForm = (reportId: string) => ({
    method: 'POST' as const,
    body: () => {
      const form = new FormData();
      form.append('id', reportId);
      return form;
    },
  });
  const requireId = (response: NcmecResponse, field: 'reportId' | 'fileId', path: string): string => {
    const value = response[field];
    if (value === null || value === '') {
      throw new DomainError('CYBERTIPLINE_UNAVAILABLE', `NCMEC's ${path} answered without a ${field}.`);
    }
    return value;
  };

  return {
    status: () => call('status', { method: 'GET' }),
    async openReport(reportXml) {
      return { reportId: requireId(await call('submit', xmlBody(reportXml)), 'reportId', 'submit') };
    },
    async uploadFile(reportId, file) {
      const response = await call('upload', {
        method: 'POST',
        body: () => {
          const form = new FormData();
          form.append('id', reportId);
          form.append('file', new Blob([Uint8Array.from(file.bytes)]), file.fileName);
          return form;
        },
      });
      return { fileId: requireId(response, 'fileId', 'upload') };
    },
    async sendFileDetails(fileDetailsXml) {
      await call('fileinfo', xmlBody(fileDetailsXml));
    },
    async finishReport(reportId) {
      await call('finish', idForm(reportId), (code) => code === 0 || code === ALREADY_FINISHED);
    },
    async retractReport(reportId) {
      await call('retract', idForm(reportId));
    },
  };
}

/** Reads NCMEC's flat `<reportResponse>`; null when the body is not one. */
export function parseResponse(xml: string): NcmecResponse | null {
  const root = /<reportResponse(?:\s[^>]*)?>([\s\S]*?)<\/reportResponse>/.exec(xml);
  if (!root) return null;
  const field = (name: string): string | null => {
    const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(root[1]!);
    return m ? decodeEntities(m[1]!.trim()) : null;
  };
  const code = field('responseCode');
  if (code === null || !/^-?\d+$/.test(code)) return null;
  return {
    responseCode: Number(code),
    responseDescription: field('responseDescription') ?? '',
    reportId: field('reportId'),
    fileId: field('fileId'),
  };
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
