import { createHash } from 'node:crypto';
import {
  HashExchangeError,
  IMPORT_FORMATS,
  detectHashListFormat,
  isDomainError,
  isRecord,
  parseHashList,
  type HashExchangeClient,
  type HashExchangeClientFactory,
  type HashExchangePage,
  type ImportFormat,
  type ImportRecord,
  type SafeFetcher,
} from '@hashline/domain';

/** Content types a feed file may be served as (the import formats', and generic ones). */
export const FEED_CONTENT_TYPES: readonly string[] = [
  'text/plain',
  'text/csv',
  'text/tab-separated-values',
  'application/csv',
  'application/json',
  'application/x-ndjson',
  'application/xml',
  'text/xml',
  'application/octet-stream',
];

/** What a feed's checkpoint remembers: the validators to send back, and the content's SHA-256. */
interface FeedCheckpoint {
  readonly etag: string | null;
  readonly lastModified: string | null;
  readonly sha256: string;
}

/**
 * The `feed` exchange type: a hash-list file at a URL (any format the import detects, or the
 * option `format`), fetched through the capture's SSRF-safe fetcher. A feed is a full snapshot:
 * each fetch that changed replaces this exchange's records in the bank, so an entry the new file
 * no longer lists loses this source (and is deleted when no other source vouches for it).
 *
 * The checkpoint is the response's `ETag`/`Last-Modified` (sent back as a conditional request: a
 * 304 reads nothing) and the content's SHA-256 (a server without validators that sends the same
 * bytes changes nothing either). Entries keep the file's own ids where it has them (NCMEC,
 * StopNCII, Hashline CSV with `external_id`), else `<signal type>:<hash>`, under the provenance
 * source `exchange:<name>`.
 */
export function feedExchangeClients(fetcher: SafeFetcher): HashExchangeClientFactory {
  return {
    create: ({ exchange, provenanceSource }) =>
      new FeedExchangeClient(
        fetcher,
        exchange.endpointUrl,
        typeof exchange.options.format === 'string' ? (exchange.options.format as ImportFormat) : null,
        provenanceSource,
      ),
    validate: ({ options }) =>
      options.format !== undefined && !IMPORT_FORMATS.includes(options.format as ImportFormat)
        ? [
            {
              at: 'options/format',
              message: `One of ${IMPORT_FORMATS.join(', ')} (or leave it out to detect).`,
            },
          ]
        : [],
  };
}

class FeedExchangeClient implements HashExchangeClient {
  readonly type = 'feed' as const;

  constructor(
    private readonly fetcher: SafeFetcher,
    private readonly url: string,
    private readonly format: ImportFormat | null,
    private readonly source: string,
  ) {}

  async fetchPage(checkpoint: string | null): Promise<HashExchangePage> {
    const previous = parseCheckpoint(checkpoint);
    let fetched;
    try {
      fetched = await this.fetcher.fetch(
        this.url,
        'page',
        previous ? { etag: previous.etag, lastModified: previous.lastModified } : undefined,
      );
    } catch (error) {
      throw fetchFailure(error);
    }
    const unchanged: HashExchangePage = { records: [], checkpoint: checkpoint ?? '', caughtUp: true };
    if (fetched.status === 304 && previous) return unchanged;
    const sha256 = createHash('sha256').update(fetched.bytes).digest('hex');
    const next = JSON.stringify({
      etag: fetched.validators?.etag ?? null,
      lastModified: fetched.validators?.lastModified ?? null,
      sha256,
    } satisfies FeedCheckpoint);
    if (previous && previous.sha256 === sha256) return { ...unchanged, checkpoint: next };
    if (fetched.bytes.byteLength === 0) {
      // An empty answer would withdraw everything the feed brought: more likely a broken server.
      throw new HashExchangeError('protocol', 'The feed answered an empty file; nothing was changed.');
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(fetched.bytes);
    } catch (error) {
      throw new HashExchangeError('protocol', 'The feed is not UTF-8 text.', { cause: error });
    }
    const fileName = new URL(fetched.finalUrl).pathname.split('/').pop() ?? '';
    const detected = this.format ?? detectHashListFormat(fileName, text.slice(0, 8_192))?.format;
    if (detected === undefined || detected === 'vpdq') {
      throw new HashExchangeError(
        'protocol',
        detected === 'vpdq'
          ? 'The feed is a video (vPDQ) file: feeds take hash lists only.'
          : 'The feed is in no hash-list format the import recognises (set the option format).',
      );
    }
    const records: ImportRecord[] = [];
    for await (const record of parseHashList([text], detected, this.source)) {
      if (record.kind === 'error' && record.fatal) {
        // A snapshot read part-way would withdraw the unread rest: apply none of it.
        throw new HashExchangeError(
          'protocol',
          `The feed cannot be read past line ${record.line}: ${record.message}`,
        );
      }
      records.push(this.#ownProvenance(record));
    }
    return { records, checkpoint: next, caughtUp: true, replacesSource: this.source };
  }

  /** The record under this exchange's source, keeping the file's own id and member. */
  #ownProvenance(record: ImportRecord): ImportRecord {
    if (record.kind === 'hash') {
      const { hash } = record;
      return {
        ...record,
        hash: {
          ...hash,
          provenance: {
            source: this.source,
            externalId:
              hash.provenance?.externalId ?? `${hash.signalType}:${hash.value.trim().toLowerCase()}`,
            member: hash.provenance?.member ?? null,
          },
        },
      };
    }
    if (record.kind === 'withdrawal') {
      const w = record.withdrawn;
      return {
        ...record,
        withdrawn:
          'value' in w
            ? { source: this.source, externalId: `${w.signalType}:${w.value.trim().toLowerCase()}` }
            : { source: this.source, externalId: w.externalId, member: w.member ?? null },
      };
    }
    return record;
  }
}

function parseCheckpoint(checkpoint: string | null): FeedCheckpoint | null {
  if (checkpoint === null || checkpoint === '') return null;
  try {
    const parsed: unknown = JSON.parse(checkpoint);
    if (isRecord(parsed) && typeof parsed.sha256 === 'string') {
      return {
        etag: typeof parsed.etag === 'string' ? parsed.etag : null,
        lastModified: typeof parsed.lastModified === 'string' ? parsed.lastModified : null,
        sha256: parsed.sha256,
      };
    }
  } catch {
    // Not ours: start over (a full snapshot needs no history).
  }
  return null;
}

/** The fetcher's `CAPTURE_*` errors as exchange errors: 401/403 refuse, 429/5xx/timeouts pass. */
function fetchFailure(error: unknown): HashExchangeError {
  if (!isDomainError(error))
    return new HashExchangeError('transient', 'The feed could not be fetched.', { cause: error });
  const status = (error as { httpStatus?: unknown }).httpStatus;
  if (status === 401 || status === 403) {
    return new HashExchangeError('unauthorized', `The feed refused us (HTTP ${status}).`, {
      status,
      cause: error,
    });
  }
  if (typeof status === 'number' && status !== 429 && status < 500) {
    return new HashExchangeError('protocol', `The feed answered HTTP ${status}.`, { status, cause: error });
  }
  const permanent = [
    'CAPTURE_BLOCKED_SCHEME',
    'CAPTURE_BLOCKED_ADDRESS',
    'CAPTURE_UNSUPPORTED_TYPE',
    'CAPTURE_TOO_LARGE',
  ];
  return new HashExchangeError(
    permanent.includes(error.code) ? 'protocol' : 'transient',
    `The feed could not be fetched (${error.code}: ${error.message})`,
    { ...(typeof status === 'number' ? { status } : {}), cause: error },
  );
}
