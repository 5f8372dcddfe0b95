import type { BankService } from '../banks/bank.service.js';
import type { BankActor } from '../banks/bank-actor.js';
import { provenanceKey } from '../banks/import-plan.js';
import { DomainError, isDomainError } from '../domain-error.js';
import { DEFAULT_IMPORT_BATCH, importOperationsOf } from '../formats/hash-list-import.js';
import type { SecretBox } from '../hotline/secret-box.js';
import type { Clock } from '../ports/clock.js';
import type { ImportOperation } from '../ports/hashline-store.js';
import type { ImportRecord } from '../formats/import-record.js';
import { Problems, isHttpUrl, isRecord } from '../validation.js';
import {
  HashExchangeError,
  HASH_EXCHANGE_TYPES,
  type HashExchangeAbortSignal,
  type HashExchangeClient,
  type HashExchangeFeedback,
  type HashExchangePage,
  type HashExchangeType,
  type HashExchangeUpload,
} from './hash-exchange-source.js';
import {
  FEEDBACK_VERDICTS,
  type FeedbackDelivery,
  type FeedbackVerdict,
  type HashExchange,
  type HashExchangeFeedbackStatus,
  type HashExchangeOptions,
  type HashExchangePatch,
  type HashExchangeStatusErrorKind,
  type HashExchangeStore,
} from './hash-exchange.js';
import type { HashExchangeClientRegistry } from './hash-exchange-registry.js';

const EXCHANGE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** The interval when none is given: hourly, as HMA's exchanges default to. */
export const DEFAULT_EXCHANGE_INTERVAL_SECONDS = 3_600;
const MAX_INTERVAL_SECONDS = 7 * 24 * 3_600;
const MAX_OPTIONS = 32;
/** Votes read from the outbox at a time in a run. */
const FEEDBACK_BATCH = 200;

/** Settings of {@link HashExchangeService} (the server's configuration). */
export interface HashExchangeSettings {
  /** How long a claimed run holds its lease; renewed after every page. */
  readonly leaseMs: number;
  /** Shortest schedule interval accepted (seconds). */
  readonly minIntervalSeconds: number;
  /** Pages one run applies at most before it lets other exchanges run (it goes on at the next round). */
  readonly maxPagesPerRun: number;
  /** First back-off after a failed run (ms); doubles with each further failure. */
  readonly backoffBaseMs: number;
  /** Longest back-off (ms). */
  readonly backoffMaxMs: number;
}

/** Defaults of {@link HashExchangeSettings}. */
export const DEFAULT_HASH_EXCHANGE_SETTINGS: HashExchangeSettings = {
  leaseMs: 120_000,
  minIntervalSeconds: 60,
  maxPagesPerRun: 100,
  backoffBaseMs: 60_000,
  backoffMaxMs: 6 * 3_600_000,
};

/** How a run ended, for metrics and logs (never hash values or credentials). */
export interface HashExchangeRunOutcome {
  readonly exchange: Pick<HashExchange, 'id' | 'name' | 'type'>;
  readonly ok: boolean;
  readonly errorKind: HashExchangeStatusErrorKind | null;
  readonly pages: number;
  readonly added: number;
  readonly updated: number;
  readonly withdrawn: number;
  readonly skipped: number;
  readonly errors: number;
  readonly uploaded: number;
  /** Feedback votes sent, failed (tried again next run) and refused by the source (never repeated). */
  readonly feedbackSent: number;
  readonly feedbackFailed: number;
  readonly feedbackRefused: number;
  /** Another process took the run over (the lease expired): nothing more was recorded. */
  readonly leaseLost: boolean;
  /** The failure's safe message (as in the status), when it failed. */
  readonly errorMessage: string | null;
}

/** Dependencies of {@link HashExchangeService}. */
export interface HashExchangeServiceDeps {
  readonly store: HashExchangeStore;
  /** Every bank change goes through it: the same guards, audit and matcher wait as imports. */
  readonly banks: BankService;
  readonly clients: HashExchangeClientRegistry;
  /** Seals credentials at rest (purpose `exchange`). */
  readonly secrets: Pick<SecretBox, 'sealText' | 'openText'>;
  readonly clock: Clock;
  /** This process's name in leases (`<host>:<pid>:<random>`). */
  readonly claimant: string;
  readonly settings?: Partial<HashExchangeSettings>;
  /** Called after every run (metrics, logs). */
  readonly onRunEnded?: (outcome: HashExchangeRunOutcome) => void;
  /**
   * Where configuration changes are recorded (the audit chain in the server): who created,
   * changed, paused, resumed or removed an exchange, and which fields (never credential values).
   */
  readonly audit?: (event: HashExchangeAuditEvent) => Promise<void>;
}

/** A configuration change of an exchange, for the audit log. */
export interface HashExchangeAuditEvent {
  readonly actor: string;
  readonly exchange: string;
  readonly change: 'created' | 'updated' | 'paused' | 'resumed' | 'removed';
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
}

/** The audit and `addedBy` name of an exchange's changes, and its entries' default provenance source. */
export function exchangeActorName(name: string): string {
  return `exchange:${name}`;
}

/**
 * Scheduled hash exchanges (issue 14): configuration, and runs. A run claims the exchange (a lease
 * row, so several processes never run one exchange at once), fetches pages from its client from
 * the stored checkpoint on, and applies each page through the bank service's import path (the
 * import's rules: newer classification wins, withdrawals by source + member + id, every source
 * kept) with the page's checkpoint moving in the same transaction as its changes: a crash between
 * pages resumes at the last committed page and applies nothing twice.
 */
export class HashExchangeService {
  readonly #store: HashExchangeStore;
  readonly #banks: BankService;
  readonly #clients: HashExchangeClientRegistry;
  readonly #secrets: Pick<SecretBox, 'sealText' | 'openText'>;
  readonly #clock: Clock;
  readonly #claimant: string;
  readonly #settings: HashExchangeSettings;
  readonly #onRunEnded: ((outcome: HashExchangeRunOutcome) => void) | undefined;
  readonly #audit: ((event: HashExchangeAuditEvent) => Promise<void>) | undefined;
  /** Aborted on {@link stop}: a run in flight ends after its current page. */
  readonly #stopping = { aborted: false };

  constructor(deps: HashExchangeServiceDeps) {
    this.#store = deps.store;
    this.#banks = deps.banks;
    this.#clients = deps.clients;
    this.#secrets = deps.secrets;
    this.#clock = deps.clock;
    this.#claimant = deps.claimant;
    this.#settings = { ...DEFAULT_HASH_EXCHANGE_SETTINGS, ...deps.settings };
    this.#onRunEnded = deps.onRunEnded;
    this.#audit = deps.audit;
  }

  /** The types this server can run (a factory is registered). */
  availableTypes(): HashExchangeType[] {
    return HASH_EXCHANGE_TYPES.filter((type) => this.#clients[type] !== undefined);
  }

  list(): Promise<HashExchange[]> {
    return this.#store.listExchanges();
  }

  /** By name or numeric id. @throws {DomainError} HASH_EXCHANGE_NOT_FOUND */
  async get(ref: string | number): Promise<HashExchange> {
    const found =
      typeof ref === 'number' || /^\d+$/.test(ref)
        ? await this.#store.getExchange(Number(ref))
        : await this.#store.getExchangeByName(ref);
    if (!found)
      throw new DomainError(
        'HASH_EXCHANGE_NOT_FOUND',
        `No hash exchange named ${JSON.stringify(String(ref))}.`,
      );
    return found;
  }

  /**
   * Configures an exchange. Input: `{ name, bank, type, endpointUrl, intervalSeconds?, options?,
   * credentials?, upload?, feedback? }`; credentials (an object of strings) are sealed at once and
   * never returned.
   * @throws {DomainError} VALIDATION_FAILED, BANK_NOT_FOUND, HASH_EXCHANGE_TYPE_UNAVAILABLE,
   *   HASH_EXCHANGE_BANK_PUBLISHED, HASH_EXCHANGE_NAME_TAKEN
   */
  async create(input: unknown, createdBy: string): Promise<HashExchange> {
    if (!isRecord(input)) throw new DomainError('VALIDATION_FAILED', 'An exchange must be a JSON object.');
    const problems = new Problems();
    const known = [
      'name',
      'bank',
      'type',
      'endpointUrl',
      'intervalSeconds',
      'options',
      'credentials',
      'upload',
      'feedback',
    ];
    for (const key of Object.keys(input)) if (!known.includes(key)) problems.add(key, 'Unknown field.');
    if (typeof input.name !== 'string' || !EXCHANGE_NAME.test(input.name)) {
      problems.add(
        'name',
        'Use 1–64 lower-case letters, digits, "-" or "_", starting with a letter or digit.',
      );
    }
    if (typeof input.bank !== 'string' && typeof input.bank !== 'number') {
      problems.add('bank', "The name (or id) of the bank the exchange's hashes go to.");
    }
    if (!HASH_EXCHANGE_TYPES.includes(input.type as never)) {
      problems.add('type', `One of ${HASH_EXCHANGE_TYPES.join(', ')}.`);
    }
    const fields = parseFields(input, problems, this.#settings.minIntervalSeconds);
    problems.throwIfAny('The exchange is invalid');
    const type = input.type as HashExchangeType;
    const factory = this.#clients[type];
    if (!factory) {
      throw new DomainError(
        'HASH_EXCHANGE_TYPE_UNAVAILABLE',
        `This server has no ${type} client; it runs ${this.availableTypes().join(', ') || 'none'}.`,
      );
    }
    const endpointUrl = fields.endpointUrl;
    if (endpointUrl === undefined) {
      throw new DomainError('VALIDATION_FAILED', 'The exchange is invalid', [
        { at: 'endpointUrl', code: 'VALIDATION_FAILED', message: 'An http(s) URL of the source.' },
      ]);
    }
    const options = fields.options ?? {};
    const credentials = fields.credentials ?? null;
    this.#validateForType(type, endpointUrl, options, credentials);
    this.#assertTakes(type, credentials, fields.upload ?? false, fields.feedback ?? false);
    const bank = await this.#banks.getBank(input.bank as string | number);
    this.#assertInboundBank(bank);
    const existing = await this.#store.getExchangeByName(input.name as string);
    if (existing) throw nameTaken(input.name as string);
    const created = await this.#store.createExchange({
      name: input.name as string,
      bankId: bank.id,
      type,
      endpointUrl,
      intervalSeconds: fields.intervalSeconds ?? DEFAULT_EXCHANGE_INTERVAL_SECONDS,
      options,
      upload: fields.upload ?? false,
      feedback: fields.feedback ?? false,
      sealedCredentials: credentials ? this.#seal(credentials) : null,
      createdBy,
      createdAt: this.#clock.now(),
    });
    await this.#audit?.({
      actor: createdBy,
      exchange: created.name,
      change: 'created',
      details: { type: created.type, bank: bank.name, upload: created.upload, feedback: created.feedback },
    });
    return created;
  }

  /**
   * Changes an exchange's settings (`endpointUrl`, `intervalSeconds`, `options`, `credentials`
   * (null removes them), `upload`, `feedback`, `resetCheckpoint: true` to start over). New
   * credentials resume an exchange paused because the source refused the old ones.
   */
  async update(ref: string | number, input: unknown, by = 'unnamed'): Promise<HashExchange> {
    const exchange = await this.get(ref);
    if (!isRecord(input))
      throw new DomainError('VALIDATION_FAILED', 'An exchange update must be a JSON object.');
    const problems = new Problems();
    const known = [
      'endpointUrl',
      'intervalSeconds',
      'options',
      'credentials',
      'upload',
      'feedback',
      'resetCheckpoint',
    ];
    for (const key of Object.keys(input)) if (!known.includes(key)) problems.add(key, 'Unknown field.');
    const fields = parseFields(input, problems, this.#settings.minIntervalSeconds);
    if (input.resetCheckpoint !== undefined && typeof input.resetCheckpoint !== 'boolean') {
      problems.add('resetCheckpoint', 'true or false.');
    }
    problems.throwIfAny('The exchange update is invalid');
    const credentialsChanged = input.credentials !== undefined;
    const credentials = credentialsChanged
      ? (fields.credentials ?? null)
      : await this.#openCredentials(exchange.id);
    this.#validateForType(
      exchange.type,
      fields.endpointUrl ?? exchange.endpointUrl,
      fields.options ?? exchange.options,
      credentials,
    );
    this.#assertTakes(
      exchange.type,
      credentials,
      fields.upload ?? exchange.upload,
      fields.feedback ?? exchange.feedback,
    );
    const patch: { -readonly [K in keyof HashExchangePatch]: HashExchangePatch[K] } = {
      at: this.#clock.now(),
    };
    if (fields.endpointUrl !== undefined) patch.endpointUrl = fields.endpointUrl;
    if (fields.intervalSeconds !== undefined) patch.intervalSeconds = fields.intervalSeconds;
    if (fields.options !== undefined) patch.options = fields.options;
    if (fields.upload !== undefined) patch.upload = fields.upload;
    if (fields.feedback !== undefined) patch.feedback = fields.feedback;
    if (credentialsChanged) {
      patch.sealedCredentials = credentials ? this.#seal(credentials) : null;
      // The credentials the source refused are replaced: try again.
      if (exchange.paused && exchange.pausedReason?.startsWith('unauthorized')) patch.paused = null;
    }
    if (input.resetCheckpoint === true) patch.resetCheckpoint = true;
    const updated = await this.#store.updateExchange(exchange.id, patch);
    // Field names only: a credential's value never reaches the audit log.
    await this.#audit?.({
      actor: by,
      exchange: exchange.name,
      change: 'updated',
      details: { fields: Object.keys(input).sort().join(',') },
    });
    return updated;
  }

  /** Pauses an exchange (a run in flight finishes its page); `by` is shown as the reason. */
  async pause(ref: string | number, by: string): Promise<HashExchange> {
    const exchange = await this.get(ref);
    const paused = await this.#store.updateExchange(exchange.id, {
      paused: { reason: `paused by ${by}` },
      at: this.#clock.now(),
    });
    await this.#audit?.({ actor: by, exchange: exchange.name, change: 'paused', details: {} });
    return paused;
  }

  /** Resumes a paused exchange: it runs at its next round. */
  async resume(ref: string | number, by = 'unnamed'): Promise<HashExchange> {
    const exchange = await this.get(ref);
    const resumed = await this.#store.updateExchange(exchange.id, { paused: null, at: this.#clock.now() });
    await this.#audit?.({ actor: by, exchange: exchange.name, change: 'resumed', details: {} });
    return resumed;
  }

  /** Deletes the exchange; the entries it brought stay in the bank (with their provenance). */
  async remove(ref: string | number, by = 'unnamed'): Promise<void> {
    const exchange = await this.get(ref);
    await this.#store.deleteExchange(exchange.id);
    await this.#audit?.({ actor: by, exchange: exchange.name, change: 'removed', details: {} });
  }

  /**
   * Runs an exchange now, whatever its schedule, and returns its status afterwards.
   * @throws {DomainError} HASH_EXCHANGE_NOT_FOUND, HASH_EXCHANGE_PAUSED, HASH_EXCHANGE_RUNNING
   */
  async runNow(ref: string | number): Promise<{ exchange: HashExchange; outcome: HashExchangeRunOutcome }> {
    const exchange = await this.get(ref);
    if (exchange.paused) {
      throw new DomainError(
        'HASH_EXCHANGE_PAUSED',
        `The exchange ${JSON.stringify(exchange.name)} is paused (${exchange.pausedReason ?? 'no reason given'}); resume it first.`,
      );
    }
    const now = this.#clock.now();
    const claimed = await this.#store.claimExchange({
      claimant: this.#claimant,
      now,
      leaseUntil: new Date(now.getTime() + this.#settings.leaseMs),
      id: exchange.id,
    });
    if (!claimed) {
      throw new DomainError(
        'HASH_EXCHANGE_RUNNING',
        `The exchange ${JSON.stringify(exchange.name)} is running now.`,
      );
    }
    const outcome = await this.#run(claimed);
    return { exchange: await this.get(exchange.id), outcome };
  }

  /**
   * Runs due exchanges one after another, at most `limit`; returns how many ran. Each is claimed
   * first, so another process running the same round takes others (or none).
   */
  async runDue(limit = 10): Promise<number> {
    let ran = 0;
    while (ran < limit && !this.#stopping.aborted) {
      const now = this.#clock.now();
      const claimed = await this.#store.claimExchange({
        claimant: this.#claimant,
        now,
        leaseUntil: new Date(now.getTime() + this.#settings.leaseMs),
      });
      if (!claimed) break;
      await this.#run(claimed);
      ran++;
    }
    return ran;
  }

  /** Runs in flight stop after their current page (the scheduler stops). */
  stop(): void {
    this.#stopping.aborted = true;
  }

  /** One claimed run: pages until caught up (or the page budget), then uploads; status recorded. */
  async #run(exchange: HashExchange): Promise<HashExchangeRunOutcome> {
    const tally = {
      pages: 0,
      added: 0,
      updated: 0,
      withdrawn: 0,
      skipped: 0,
      errors: 0,
      uploaded: 0,
      feedbackSent: 0,
      feedbackFailed: 0,
      feedbackRefused: 0,
    };
    const actor: BankActor = { via: 'process', id: exchangeActorName(exchange.name) };
    let caughtUp = true;
    const end = (
      ok: boolean,
      errorKind: HashExchangeStatusErrorKind | null,
      errorMessage: string | null = null,
      leaseLost = false,
    ): HashExchangeRunOutcome => {
      const outcome = { exchange, ok, errorKind, errorMessage, leaseLost, ...tally };
      this.#onRunEnded?.(outcome);
      return outcome;
    };
    try {
      const bank = await this.#banks.getBank(exchange.bankId);
      this.#assertInboundBank(bank);
      const client = this.#client(exchange, await this.#openCredentials(exchange.id));
      let checkpoint = exchange.checkpoint;
      for (;;) {
        const page = await client.fetchPage(checkpoint, this.#stopping);
        await this.#applyPage(exchange, actor, checkpoint, page, tally);
        checkpoint = page.checkpoint;
        tally.pages++;
        caughtUp = page.caughtUp;
        if (page.caughtUp || this.#stopping.aborted || tally.pages >= this.#settings.maxPagesPerRun) break;
        await this.#renew(exchange.id);
      }
      if (exchange.upload && client.upload)
        tally.uploaded = await this.#upload(exchange, client, this.#stopping);
      if (exchange.feedback && client.sendFeedback)
        await this.#sendFeedback(exchange, bank.name, client, this.#stopping, tally);
      const at = this.#clock.now();
      await this.#store.finishRun(exchange.id, this.#claimant, {
        at,
        // Not caught up (page budget, shutdown): due again at once, after the other due exchanges.
        nextRunAt: caughtUp ? new Date(at.getTime() + exchange.intervalSeconds * 1_000) : at,
        error: null,
      });
      return end(true, null);
    } catch (error) {
      if (isDomainError(error) && error.code === 'HASH_EXCHANGE_LEASE_LOST')
        return end(false, null, null, true);
      const { kind, message, retryAfterMs } = describeFailure(error);
      const at = this.#clock.now();
      const failures = exchange.consecutiveFailures + 1;
      const backoff = Math.min(
        this.#settings.backoffMaxMs,
        this.#settings.backoffBaseMs * 2 ** Math.min(failures - 1, 20),
      );
      const wait = Math.max(backoff, retryAfterMs ?? 0);
      await this.#store
        .finishRun(exchange.id, this.#claimant, {
          at,
          nextRunAt: new Date(at.getTime() + wait),
          error: { kind, message },
          ...(kind === 'unauthorized' ? { pause: { reason: `unauthorized: ${message}` } } : {}),
        })
        .catch(() => undefined);
      return end(false, kind, message);
    }
  }

  /**
   * Applies one page in batches through the bank service; the checkpoint moves with the last
   * batch (an interrupted page is fetched and applied again: upserts of what is there and
   * withdrawals of what is gone write nothing, so nothing is duplicated).
   */
  async #applyPage(
    exchange: HashExchange,
    actor: BankActor,
    fromCheckpoint: string | null,
    page: HashExchangePage,
    tally: { added: number; updated: number; withdrawn: number; skipped: number; errors: number },
  ): Promise<void> {
    const source = exchangeActorName(exchange.name);
    const converted = importOperationsOf(
      page.records.map((record) => ownProvenance(record, exchange.type, source)),
    );
    const operations: ImportOperation[] = converted.operations;
    if (page.replacesSource !== undefined) {
      if (converted.errors > 0 && !operations.some((op) => op.kind === 'upsert')) {
        // Nothing readable: applying it as the whole set would withdraw everything the source gave.
        throw new HashExchangeError(
          'protocol',
          `None of the snapshot's records could be read (first problem: ${converted.problems[0]?.message ?? 'unknown'}); nothing was changed.`,
        );
      }
      // A snapshot with unreadable rows withdraws nothing this time: a row we could not read may
      // be an entry the source still lists.
      if (converted.errors === 0) {
        operations.push(
          ...(await this.#snapshotWithdrawals(exchange.bankId, page.replacesSource, operations)),
        );
      }
    }
    tally.skipped += converted.skipped;
    tally.errors += converted.errors;
    const batches: ImportOperation[][] = [];
    for (let i = 0; i < operations.length; i += DEFAULT_IMPORT_BATCH) {
      batches.push(operations.slice(i, i + DEFAULT_IMPORT_BATCH));
    }
    const extra = { pages: 1, skipped: converted.skipped, errors: converted.errors };
    const none = { pages: 0, skipped: 0, errors: 0 };
    if (batches.length === 0) {
      // Nothing for the bank: only the checkpoint moves (no bank change, nothing to audit).
      await this.#store.commitPage({
        exchangeId: exchange.id,
        claimant: this.#claimant,
        fromCheckpoint,
        toCheckpoint: page.checkpoint,
        bankId: exchange.bankId,
        operations: [],
        addedBy: actor.id,
        extra,
        at: this.#clock.now(),
      });
      return;
    }
    for (const [index, batch] of batches.entries()) {
      const last = index === batches.length - 1;
      const result = await this.#banks.applyImport(exchange.bankId, batch, actor, {
        commit: (operationsToCommit, addedBy, audit) =>
          this.#store.commitPage(
            {
              exchangeId: exchange.id,
              claimant: this.#claimant,
              fromCheckpoint,
              toCheckpoint: last ? page.checkpoint : null,
              bankId: exchange.bankId,
              operations: operationsToCommit,
              addedBy,
              extra: last ? extra : none,
              at: this.#clock.now(),
            },
            audit,
          ),
      });
      tally.added += result.created;
      tally.updated += result.updated;
      tally.withdrawn += result.withdrawn;
    }
  }

  /** Withdrawals of every provenance of `source` in the bank that the snapshot's upserts do not name. */
  async #snapshotWithdrawals(
    bankId: number,
    source: string,
    operations: readonly ImportOperation[],
  ): Promise<ImportOperation[]> {
    const named = new Set<string>();
    for (const op of operations) {
      if (op.kind === 'upsert' && op.entry.provenance?.source === source)
        named.add(provenanceKey(op.entry.provenance));
    }
    const out: ImportOperation[] = [];
    for (const known of await this.#store.listSourceProvenances(bankId, source)) {
      // A withdrawal by provenance names an id; a snapshot source always gives one (see the feed client).
      if (known.externalId === null) continue;
      if (named.has(provenanceKey({ source, externalId: known.externalId, member: known.member }))) continue;
      out.push({
        kind: 'withdraw',
        withdrawn: { source, externalId: known.externalId, member: known.member },
      });
    }
    return out;
  }

  /**
   * Offers our confirmed hashes to the source: the changes of the bank named by the option
   * `uploadBank` after the upload checkpoint (our change-log seq), in pages, each page's end
   * committed once the source took it.
   */
  async #upload(
    exchange: HashExchange,
    client: HashExchangeClient,
    signal: HashExchangeAbortSignal,
  ): Promise<number> {
    const uploadBank = exchange.options.uploadBank;
    if (typeof uploadBank !== 'string' || !client.upload) return 0;
    const bank = await this.#banks.getBank(uploadBank);
    let after = exchange.uploadCheckpoint;
    let uploaded = 0;
    for (;;) {
      const changes = await this.#banks.changesSince(after, 1_000);
      if (changes.length === 0) return uploaded;
      const items: HashExchangeUpload[] = [];
      const upserts = changes.flatMap((c) =>
        c.bankId === bank.id && c.op === 'entry_upsert' && c.signalType !== 'vpdq' ? [c] : [],
      );
      const entries = new Map(
        (await this.#banks.getEntries(upserts.map((c) => c.entryId))).map((e) => [e.id, e]),
      );
      for (const change of changes) {
        if (change.bankId !== bank.id) continue;
        if (change.op === 'entry_upsert') {
          const entry = entries.get(change.entryId);
          if (!entry || change.signalType === 'vpdq') continue;
          items.push({
            signalType: entry.signalType,
            value: entry.value,
            classification: classificationLabel(entry.classification),
            entryId: entry.id,
            withdrawn: !change.active,
          });
        } else if (change.op === 'entry_delete' && change.signalType !== 'vpdq') {
          items.push({
            signalType: change.signalType,
            value: change.value,
            classification: '',
            entryId: change.entryId,
            withdrawn: true,
          });
        }
      }
      if (items.length > 0) await client.upload(items, signal);
      uploaded += items.length;
      after = changes[changes.length - 1]!.seq;
      if (!(await this.#store.commitUpload(exchange.id, this.#claimant, after, this.#clock.now()))) {
        throw new DomainError('HASH_EXCHANGE_LEASE_LOST');
      }
      if (changes.length < 1_000 || signal.aborted) return uploaded;
    }
  }

  /**
   * Sends the pending votes on this exchange's entries (provenance `exchange:<name>`, first or
   * further) to its source, one entry at a time (its provenances from the source together), and
   * records each outcome with an audit row in one transaction per batch. A transient failure
   * (the source away, 5xx, a timeout) leaves the vote pending and stops for this run; a 4xx is a
   * refusal, recorded and never repeated (a changed vote is a new one). Never fails the run.
   */
  async #sendFeedback(
    exchange: HashExchange,
    bankName: string,
    client: HashExchangeClient,
    signal: HashExchangeAbortSignal,
    tally: { feedbackSent: number; feedbackFailed: number; feedbackRefused: number },
  ): Promise<void> {
    const send = client.sendFeedback!.bind(client);
    const source = exchangeActorName(exchange.name);
    for (;;) {
      const pending = await this.#store.listPendingFeedback(
        exchange.id,
        exchange.bankId,
        source,
        FEEDBACK_BATCH,
      );
      if (pending.length === 0) return;
      const deliveries: FeedbackDelivery[] = [];
      let stop = false;
      for (const vote of pending) {
        const items: HashExchangeFeedback[] = vote.provenances.flatMap((p) =>
          p.externalId === null
            ? []
            : [
                {
                  externalId: p.externalId,
                  member: p.member,
                  signalType: vote.signalType,
                  value: vote.value,
                  verdict: vote.verdict,
                },
              ],
        );
        const base = { entryId: vote.entryId, version: vote.version, verdict: vote.verdict };
        if (client.takesFeedbackOn && !client.takesFeedbackOn(vote.signalType)) {
          deliveries.push({
            ...base,
            outcome: 'refused',
            error: `The source takes no votes on ${vote.signalType} hashes.`,
          });
          continue;
        }
        if (items.length === 0) {
          deliveries.push({
            ...base,
            outcome: 'refused',
            error: `Entry ${vote.entryId} has no id of the source's to name in a vote.`,
          });
          continue;
        }
        try {
          await send(items, signal);
          deliveries.push({ ...base, outcome: 'sent', error: null });
        } catch (error) {
          const { message } = describeFailure(error);
          if (isRefusal(error)) {
            deliveries.push({ ...base, outcome: 'refused', error: message });
            continue;
          }
          // The source is away (or our side failed): this and the rest wait for the next run.
          deliveries.push({ ...base, outcome: 'failed', error: message });
          stop = true;
          break;
        }
      }
      const count = (outcome: FeedbackDelivery['outcome']) =>
        deliveries.filter((d) => d.outcome === outcome).length;
      const sent = count('sent');
      const failed = count('failed');
      const refused = count('refused');
      const committed = await this.#store.commitFeedback(
        exchange.id,
        this.#claimant,
        deliveries,
        this.#clock.now(),
        {
          actor: exchangeActorName(exchange.name),
          action: 'bank_feedback_sent',
          bank: bankName,
          details: { exchange: exchange.name, sent, failed, refused },
        },
      );
      if (!committed) throw new DomainError('HASH_EXCHANGE_LEASE_LOST');
      tally.feedbackSent += sent;
      tally.feedbackFailed += failed;
      tally.feedbackRefused += refused;
      if (stop || pending.length < FEEDBACK_BATCH || signal.aborted) return;
    }
  }

  /**
   * Keeps votes (a platform's on the entries of its match record, an analyst's on an entry) in
   * the feedback outbox, durably: the promise resolves once they are committed.
   * @throws {DomainError} VALIDATION_FAILED for a verdict that is not one of ours
   */
  async recordVotes(
    votes: readonly { entryId: number; verdict: unknown; votedBy: string; matchRecordId: number | null }[],
  ): Promise<void> {
    for (const vote of votes) {
      if (!FEEDBACK_VERDICTS.includes(vote.verdict as FeedbackVerdict)) {
        throw new DomainError('VALIDATION_FAILED', 'The vote is invalid', [
          { at: 'verdict', code: 'VALIDATION_FAILED', message: `One of ${FEEDBACK_VERDICTS.join(', ')}.` },
        ]);
      }
    }
    await this.#store.recordVotes(
      votes.map((v) => ({ ...v, verdict: v.verdict as FeedbackVerdict })),
      this.#clock.now(),
    );
  }

  /** The exchange's votes: pending, sent, refused, and the last feedback error. */
  feedbackStatus(exchange: HashExchange): Promise<HashExchangeFeedbackStatus> {
    return this.#store.feedbackStatus(exchange.id, exchange.bankId, exchangeActorName(exchange.name));
  }

  async #renew(id: number): Promise<void> {
    const until = new Date(this.#clock.now().getTime() + this.#settings.leaseMs);
    if (!(await this.#store.renewLease(id, this.#claimant, until)))
      throw new DomainError('HASH_EXCHANGE_LEASE_LOST');
  }

  #client(exchange: HashExchange, credentials: Readonly<Record<string, string>> | null): HashExchangeClient {
    const factory = this.#clients[exchange.type];
    if (!factory) {
      throw new DomainError('HASH_EXCHANGE_TYPE_UNAVAILABLE', `This server has no ${exchange.type} client.`);
    }
    return factory.create({ exchange, credentials, provenanceSource: exchangeActorName(exchange.name) });
  }

  #validateForType(
    type: HashExchangeType,
    endpointUrl: string,
    options: HashExchangeOptions,
    credentials: Readonly<Record<string, string>> | null,
  ): void {
    const found = this.#clients[type]?.validate?.({ endpointUrl, options, credentials }) ?? [];
    if (found.length === 0) return;
    const problems = new Problems();
    for (const { at, message } of found) problems.add(at, message);
    problems.throwIfAny(`The ${type} exchange's settings are invalid`);
  }

  /** Refuses `upload` or `feedback` where the type's client cannot send them (see `takes`). */
  #assertTakes(
    type: HashExchangeType,
    credentials: Readonly<Record<string, string>> | null,
    upload: boolean,
    feedback: boolean,
  ): void {
    if (!upload && !feedback) return;
    const takes = this.#clients[type]?.takes?.(credentials) ?? { upload: false, feedback: false };
    const problems = new Problems();
    if (upload && !takes.upload) {
      problems.add('upload', `A ${type} exchange cannot upload our hashes to its source.`);
    }
    if (feedback && !takes.feedback) {
      problems.add(
        'feedback',
        takes.feedbackNeeds ?? `A ${type} exchange cannot send votes back to its source.`,
      );
    }
    problems.throwIfAny(`The ${type} exchange cannot send this back`);
  }

  /** Inbound exchanges never write into a bank of published material (issue 15's guard). */
  #assertInboundBank(bank: { readonly name: string; readonly fourEyes: boolean }): void {
    if (this.#banks.isFourEyes(bank)) {
      throw new DomainError(
        'HASH_EXCHANGE_BANK_PUBLISHED',
        `The bank ${JSON.stringify(bank.name)} holds published material (four eyes): sync the exchange into another bank.`,
      );
    }
  }

  #seal(credentials: Readonly<Record<string, string>>): string {
    return this.#secrets.sealText('exchange', JSON.stringify(credentials));
  }

  async #openCredentials(id: number): Promise<Readonly<Record<string, string>> | null> {
    const sealed = await this.#store.getSealedCredentials(id);
    if (sealed === null) return null;
    return JSON.parse(this.#secrets.openText('exchange', sealed)) as Record<string, string>;
  }
}

/** The optional fields shared by create and update. */
function parseFields(
  input: Record<string, unknown>,
  problems: Problems,
  minIntervalSeconds: number,
): {
  endpointUrl?: string;
  intervalSeconds?: number;
  options?: HashExchangeOptions;
  credentials?: Readonly<Record<string, string>> | null;
  upload?: boolean;
  feedback?: boolean;
} {
  const out: ReturnType<typeof parseFields> = {};
  if (input.endpointUrl !== undefined) {
    if (!isHttpUrl(input.endpointUrl)) problems.add('endpointUrl', 'An http(s) URL of the source.');
    else out.endpointUrl = input.endpointUrl;
  }
  if (input.intervalSeconds !== undefined) {
    const v = input.intervalSeconds;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < minIntervalSeconds || v > MAX_INTERVAL_SECONDS) {
      problems.add(
        'intervalSeconds',
        `An integer from ${minIntervalSeconds} to ${MAX_INTERVAL_SECONDS} (seconds).`,
      );
    } else out.intervalSeconds = v;
  }
  if (input.options !== undefined) {
    const o = input.options;
    if (
      !isRecord(o) ||
      Object.keys(o).length > MAX_OPTIONS ||
      Object.values(o).some(
        (v) =>
          !['string', 'number', 'boolean'].includes(typeof v) || (typeof v === 'string' && v.length > 500),
      )
    ) {
      problems.add(
        'options',
        `An object of at most ${MAX_OPTIONS} settings, each a string, number or boolean.`,
      );
    } else out.options = { ...(o as Record<string, string | number | boolean>) };
  }
  if (input.credentials !== undefined) {
    const c = input.credentials;
    if (c === null) out.credentials = null;
    else if (
      !isRecord(c) ||
      Object.keys(c).length > MAX_OPTIONS ||
      Object.values(c).some((v) => typeof v !== 'string' || v.length > 4_096)
    ) {
      problems.add('credentials', 'An object of strings (e.g. { "apiKey": "…" }), or null.');
    } else out.credentials = { ...(c as Record<string, string>) };
  }
  for (const key of ['upload', 'feedback'] as const) {
    if (input[key] === undefined) continue;
    if (typeof input[key] !== 'boolean') problems.add(key, 'true or false.');
    else out[key] = input[key];
  }
  return out;
}

function nameTaken(name: string): DomainError {
  return new DomainError(
    'HASH_EXCHANGE_NAME_TAKEN',
    `A hash exchange named ${JSON.stringify(name)} exists already.`,
  );
}

/** The classification as one label for a partner (industry category first). */
function classificationLabel(c: { readonly industry?: string; readonly uk?: string }): string {
  return c.industry ?? (c.uk ? `uk:${c.uk}` : '');
}

/**
 * A record as this exchange keeps it: the provenance source of its entries and withdrawals is
 * the exchange (`exchange:<name>`), not the API's name (`ncmec`, …), so two exchanges of one type
 * on one bank (two NCMEC environments) never withdraw each other's entries (issue 14).
 */
function ownProvenance(record: ImportRecord, type: HashExchangeType, source: string): ImportRecord {
  if (record.kind === 'hash') {
    const p = record.hash.provenance;
    if (p && p.source !== type) return record;
    return { ...record, hash: { ...record.hash, provenance: { ...p, source } } };
  }
  if (record.kind === 'withdrawal' && 'source' in record.withdrawn && record.withdrawn.source === type) {
    return { ...record, withdrawn: { ...record.withdrawn, source } };
  }
  return record;
}

/** A source's final no to a vote (HTTP 4xx other than auth, timeout and rate limit): never repeated. */
function isRefusal(error: unknown): boolean {
  if (!(error instanceof HashExchangeError || (error instanceof Error && error.name === 'HashExchangeError')))
    return false;
  const e = error as HashExchangeError;
  if (e.kind !== 'protocol' || e.status === undefined) return false;
  return e.status >= 400 && e.status < 500 && ![401, 403, 408, 429].includes(e.status);
}

/** The status kind and a safe message of a failed run. */
function describeFailure(error: unknown): {
  kind: HashExchangeStatusErrorKind;
  message: string;
  retryAfterMs?: number;
} {
  if (error instanceof HashExchangeError || (error instanceof Error && error.name === 'HashExchangeError')) {
    const e = error as HashExchangeError;
    return {
      kind: e.kind,
      message: e.message.slice(0, 500),
      ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}),
    };
  }
  if (isDomainError(error)) {
    // The store away is transient; anything else on our side is ours to fix (a bank deleted, …).
    return {
      kind: error.code === 'STORE_UNAVAILABLE' ? 'transient' : 'internal',
      message: `${error.code}: ${error.message}`.slice(0, 500),
    };
  }
  return { kind: 'internal', message: 'An unexpected error stopped the run (see the server log).' };
}
