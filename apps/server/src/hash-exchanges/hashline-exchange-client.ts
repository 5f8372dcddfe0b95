import {
  HashExchangeError,
  SIGNAL_TYPES,
  isRecord,
  type Classification,
  type HashExchangeAbortSignal,
  type HashExchangeClient,
  type HashExchangeClientFactory,
  type HashExchangePage,
  type HashExchangeUpload,
  type ImportRecord,
  type SignalType,
} from '@hashline/domain';

/** Changes asked for per page by default (the partner answers at most 10,000). */
const DEFAULT_PAGE_SIZE = 1_000;
const MAX_PAGE_SIZE = 10_000;
/** Entries per upload call: the partner's `POST /v1/banks/{bank}/entries` takes at most 10,000. */
const UPLOAD_CHUNK = 1_000;
/** One HTTP call to the partner, in ms. */
const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The `hashline` exchange type: another Hashline instance, followed through its change feed
 * (`GET /v1/changes`, or one bank's `GET /v1/banks/{bank}/changes` with the option `bank`) with
 * an API key (`credentials.apiKey`, scope `banks:read`). The checkpoint is the partner's change
 * seq (`nextAfter`). Each entry keeps the partner's entry id as its provenance id (member: the
 * partner's bank), so the partner's later change of it (classification), disabling or deletion
 * applies to that source here.
 *
 * Uploads (opt-in, options `uploadBank` — our bank of confirmed hashes — and `partnerBank`): our
 * entries are added to the partner's bank with `POST /v1/banks/{partnerBank}/entries` (a key with
 * `banks:write` on that bank), provenance `hashline-partner:<our name>` with our entry id. An
 * uploaded entry of ours that is deleted or disabled is withdrawn at the partner by that
 * provenance (`POST /v1/banks/{partnerBank}/withdrawals`): the partner drops our source, and the
 * entry once no other source vouches for it. The engine's upload checkpoint (our change seq)
 * makes each withdrawal go once; a repeated one (after a crash) changes nothing there.
 */
export function hashlineExchangeClients(
  options: { readonly timeoutMs?: number } = {},
): HashExchangeClientFactory {
  return {
    // A partner takes our confirmed hashes (its entries route); it has no votes route.
    takes: () => ({ upload: true, feedback: false }),
    create: ({ exchange, credentials, provenanceSource }) =>
      new HashlineExchangeClient({
        baseUrl: exchange.endpointUrl.replace(/\/+$/, ''),
        apiKey: credentials?.apiKey ?? '',
        bank: typeof exchange.options.bank === 'string' ? exchange.options.bank : null,
        pageSize:
          typeof exchange.options.pageSize === 'number' ? exchange.options.pageSize : DEFAULT_PAGE_SIZE,
        partnerBank: typeof exchange.options.partnerBank === 'string' ? exchange.options.partnerBank : null,
        uploadSource:
          typeof exchange.options.uploadSource === 'string'
            ? exchange.options.uploadSource
            : `hashline-partner:${exchange.name}`,
        provenanceSource,
        timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      }),
    validate: ({ options: o, credentials }) => {
      const problems: { at: string; message: string }[] = [];
      if (!credentials || typeof credentials.apiKey !== 'string' || credentials.apiKey.length === 0) {
        problems.push({ at: 'credentials/apiKey', message: "The partner's API key (scope banks:read)." });
      }
      if (o.bank !== undefined && (typeof o.bank !== 'string' || o.bank.length === 0)) {
        problems.push({
          at: 'options/bank',
          message: "The partner's bank to follow (leave out for every bank).",
        });
      }
      if (
        o.pageSize !== undefined &&
        (typeof o.pageSize !== 'number' ||
          !Number.isInteger(o.pageSize) ||
          o.pageSize < 1 ||
          o.pageSize > MAX_PAGE_SIZE)
      ) {
        problems.push({ at: 'options/pageSize', message: `An integer from 1 to ${MAX_PAGE_SIZE}.` });
      }
      if ((o.uploadBank === undefined) !== (o.partnerBank === undefined)) {
        problems.push({
          at: 'options/partnerBank',
          message: 'Uploads need both uploadBank (ours) and partnerBank (theirs).',
        });
      }
      return problems;
    },
  };
}

interface ClientSettings {
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly bank: string | null;
  readonly pageSize: number;
  readonly partnerBank: string | null;
  readonly uploadSource: string;
  readonly provenanceSource: string;
  readonly timeoutMs: number;
}

class HashlineExchangeClient implements HashExchangeClient {
  readonly type = 'hashline' as const;
  readonly #s: ClientSettings;
  readonly upload?: (items: readonly HashExchangeUpload[], signal: HashExchangeAbortSignal) => Promise<void>;

  constructor(settings: ClientSettings) {
    this.#s = settings;
    if (settings.partnerBank !== null) this.upload = (items) => this.#upload(items);
  }

  async fetchPage(checkpoint: string | null): Promise<HashExchangePage> {
    const after = checkpoint === null ? 0 : Number(checkpoint);
    if (!Number.isSafeInteger(after) || after < 0) {
      throw new HashExchangeError(
        'protocol',
        'The stored checkpoint is not a change seq; reset the exchange.',
      );
    }
    const path =
      this.#s.bank === null ? '/v1/changes' : `/v1/banks/${encodeURIComponent(this.#s.bank)}/changes`;
    const body = await this.#call(
      'GET',
      `${path}?after=${after}&limit=${Math.min(this.#s.pageSize, MAX_PAGE_SIZE)}`,
    );
    if (
      !isRecord(body) ||
      !Array.isArray(body.changes) ||
      typeof body.nextAfter !== 'number' ||
      typeof body.hasMore !== 'boolean'
    ) {
      throw new HashExchangeError(
        'protocol',
        'The partner answered a change page without changes, nextAfter and hasMore.',
      );
    }
    const records: ImportRecord[] = [];
    for (const [index, change] of body.changes.entries()) records.push(this.#record(change, index + 1));
    return {
      records,
      checkpoint: String(body.nextAfter),
      caughtUp: !body.hasMore,
    };
  }

  /** One change of the partner's feed as an import record (line: its position in the page). */
  #record(change: unknown, line: number): ImportRecord {
    if (!isRecord(change) || typeof change.op !== 'string') {
      return { kind: 'error', line, message: 'A change without op.' };
    }
    if (change.op === 'bank_upsert' || change.op === 'bank_delete') {
      // A bank's deletion arrives as its entries' deletions first; settings are the partner's own.
      return { kind: 'skipped', line, reason: `partner bank change (${change.op})` };
    }
    const entryId = change.entryId;
    const signalType = change.signalType;
    if (typeof entryId !== 'number' || !SIGNAL_TYPES.includes(signalType as SignalType)) {
      return { kind: 'error', line, message: 'An entry change without entryId or a known signalType.' };
    }
    const withdrawal: ImportRecord = {
      kind: 'withdrawal',
      line,
      withdrawn: { source: this.#s.provenanceSource, externalId: String(entryId) },
    };
    if (change.op === 'entry_delete') return withdrawal;
    if (change.op !== 'entry_upsert')
      return { kind: 'skipped', line, reason: `unknown change (${change.op})` };
    // A disabled entry (or one of a disabled bank) stops matching there: it stops here too.
    if (change.active !== true) return withdrawal;
    const entry = change.entry;
    if (!isRecord(entry)) {
      // Deleted since: its deletion follows later in the feed.
      return { kind: 'skipped', line, reason: 'the entry is gone on the partner (its deletion follows)' };
    }
    if (signalType === 'vpdq')
      return { kind: 'skipped', line, reason: 'videos (vpdq) are not exchanged yet' };
    return {
      kind: 'hash',
      line,
      hash: {
        signalType: signalType as SignalType,
        value: String(change.value ?? ''),
        quality: typeof entry.quality === 'number' ? entry.quality : null,
        ...(isRecord(entry.classification) ? { classification: entry.classification as Classification } : {}),
        provenance: {
          source: this.#s.provenanceSource,
          externalId: String(entryId),
          member: typeof change.bank === 'string' ? change.bank : null,
        },
        ...(typeof entry.reviewerCount === 'number' ? { reviewerCount: entry.reviewerCount } : {}),
      },
    };
  }

  async #upload(items: readonly HashExchangeUpload[]): Promise<void> {
    // Each entry's last change in these items decides: offered, or withdrawn.
    const last = [...new Map(items.map((item) => [item.entryId, item])).values()];
    const entries = last
      .filter((item) => !item.withdrawn)
      .map((item) => ({
        signalType: item.signalType,
        value: item.value,
        ...(item.classification !== '' && /^[AB][12]$/.test(item.classification)
          ? { classification: { industry: item.classification } }
          : {}),
        provenance: { source: this.#s.uploadSource, externalId: String(item.entryId) },
      }));
    const bankPath = `/v1/banks/${encodeURIComponent(this.#s.partnerBank ?? '')}`;
    for (let i = 0; i < entries.length; i += UPLOAD_CHUNK) {
      await this.#call('POST', `${bankPath}/entries`, { entries: entries.slice(i, i + UPLOAD_CHUNK) });
    }
    const withdrawals = last
      .filter((item) => item.withdrawn)
      .map((item) => ({ source: this.#s.uploadSource, externalId: String(item.entryId) }));
    for (let i = 0; i < withdrawals.length; i += UPLOAD_CHUNK) {
      await this.#call('POST', `${bankPath}/withdrawals`, {
        withdrawals: withdrawals.slice(i, i + UPLOAD_CHUNK),
      });
    }
  }

  /** One call; failures become {@link HashExchangeError}s (never with the key or the response body). */
  async #call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.#s.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.#s.apiKey}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        redirect: 'error',
        signal: AbortSignal.timeout(this.#s.timeoutMs),
      });
    } catch (error) {
      const reason =
        error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'could not be reached';
      throw new HashExchangeError('transient', `The partner ${reason}.`, { cause: error });
    }
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel();
      throw new HashExchangeError(
        'unauthorized',
        `The partner refused the API key (HTTP ${response.status}).`,
        {
          status: response.status,
        },
      );
    }
    if (response.status === 429 || response.status >= 500) {
      await response.body?.cancel();
      const retryAfterMs = retryAfter(response.headers.get('retry-after'));
      throw new HashExchangeError('transient', `The partner answered HTTP ${response.status}.`, {
        status: response.status,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new HashExchangeError('protocol', `The partner answered HTTP ${response.status}.`, {
        status: response.status,
      });
    }
    try {
      return await response.json();
    } catch (error) {
      throw new HashExchangeError('protocol', 'The partner answered something that is not JSON.', {
        cause: error,
      });
    }
  }
}

/** `Retry-After` in ms (seconds or an HTTP date), when given and sane. */
export function retryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1_000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
