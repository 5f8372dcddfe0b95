import { DomainError } from '../domain-error.js';
import type { MatchEngine } from '../matching/match-engine.js';
import type {
  AddEntriesResult,
  BankChangeAudit,
  BankStore,
  EntryLookup,
  EntryQuery,
  ImportBatchResult,
  ImportStage,
  ImportOperation,
} from '../ports/hashline-store.js';
import { Problems, isHttpUrl, isRecord } from '../validation.js';
import {
  BANK_ACTIONS,
  BANK_KINDS,
  type BankAction,
  ENTRY_FEEDBACK,
  INDUSTRY_CLASSIFICATIONS,
  UK_CATEGORIES,
  type Classification,
  type SignalType,
} from '../vocabulary.js';
import {
  DEFAULT_PDQ_THRESHOLD,
  MAX_PDQ_THRESHOLD,
  type Bank,
  type BankChange,
  type BankEntry,
  type BankPatch,
  type EntryPatch,
  type NewBank,
  type NewEntry,
  type Provenance,
} from './bank.js';
import { isSignalType, normalizeSignal } from './signal-validation.js';
import { parsePdqVariantsInput } from './pdq-variants.js';
import {
  auditActorOf,
  toBankActor,
  type BankActor,
  type BankActorInput,
  type BankAuditAction,
  type BankAuditEvent,
  type BankAuditSink,
} from './bank-actor.js';
import {
  VPDQ_COMPARED_MATCH_PERCENT,
  VPDQ_QUERY_MATCH_PERCENT,
  MAX_VIDEO_FRAMES,
  normalizeVpdqFrames,
  parseVpdqReferenceLines,
  vpdqSignalKey,
  type VpdqFrame,
  type VpdqSignal,
} from '../signals/vpdq.js';

/** Most entries one call may add (imports stream in batches of this size). */
export const MAX_ENTRIES_PER_CALL = 10_000;
const BANK_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const MAX_NOTE = 1_000;

/** Options of {@link BankService}. */
export interface BankServiceOptions {
  /**
   * Banks that hold published material whatever their `fourEyes` flag says (the hotline's bank,
   * `HASHLINE_HOTLINE_BANK`): only the four-eyes path changes them, and nobody unmarks them.
   */
  readonly fourEyesBanks?: readonly string[];
  /** Where every bank change is recorded with its actor (the audit chain in the server). */
  readonly audit?: BankAuditSink;
}

/** The no-actor default of read-modify callers that predate actors (tests, tools). */
const UNNAMED: BankActor = { via: 'process', id: 'unnamed' };

/**
 * Use cases on banks and their entries. Validates input into the domain's shapes, commits through
 * the store, then waits for the local matcher to apply the commit, so a caller that was told
 * "added" can match the entry on its very next request.
 *
 * Every change names its actor (issue 15): a key limited to named banks touches only those, a
 * bank that holds published material changes only through the four-eyes path, and each committed
 * change is recorded in the audit log (`options.audit`).
 */
export class BankService {
  readonly #fourEyesBanks: ReadonlySet<string>;
  readonly #audit: BankAuditSink | undefined;

  constructor(
    private readonly store: BankStore,
    private readonly engine?: MatchEngine,
    options: BankServiceOptions = {},
  ) {
    this.#fourEyesBanks = new Set(options.fourEyesBanks ?? []);
    this.#audit = options.audit;
  }

  /** Whether a bank holds published material: marked so, or named by the deployment. */
  isFourEyes(bank: Pick<Bank, 'name' | 'fourEyes'>): boolean {
    return bank.fourEyes || this.#fourEyesBanks.has(bank.name);
  }

  /**
   * Refuses an actor that may not change `bank`: a key limited to other banks (BANK_NOT_ALLOWED),
   * anyone but the four-eyes path on a bank of published material (FOUR_EYES_REQUIRED).
   */
  assertMayChange(bank: Pick<Bank, 'name' | 'fourEyes'>, actorInput: BankActorInput): void {
    const actor = toBankActor(actorInput);
    this.assertMayUse(bank, actor);
    if (this.isFourEyes(bank) && actor.via !== 'four-eyes') {
      throw new DomainError(
        'FOUR_EYES_REQUIRED',
        `The bank ${JSON.stringify(bank.name)} holds published material: it changes only when two analysts confirm material in the workbench.`,
      );
    }
  }

  /** Refuses a key limited to other banks (BANK_NOT_ALLOWED). */
  assertMayUse(bank: Pick<Bank, 'name'>, actorInput: BankActorInput): void {
    const actor = toBankActor(actorInput);
    if (actor.via === 'api-key' && actor.banks && !actor.banks.includes(bank.name)) {
      throw new DomainError(
        'BANK_NOT_ALLOWED',
        `This API key is limited to other banks than ${JSON.stringify(bank.name)}.`,
      );
    }
  }

  /** @throws {DomainError} VALIDATION_FAILED, BANK_NAME_TAKEN, FOUR_EYES_REQUIRED, FORBIDDEN */
  async createBank(input: unknown, actorInput: BankActorInput = UNNAMED): Promise<Bank> {
    const actor = toBankActor(actorInput);
    const bank = parseNewBank(input);
    if (this.#fourEyesBanks.has(bank.name) && actor.via !== 'four-eyes') {
      // The hotline's bank is created by its first publication, so no key can create it first
      // (with a webhook of its own, say).
      throw new DomainError(
        'FOUR_EYES_REQUIRED',
        `The bank ${JSON.stringify(bank.name)} is the hotline's: the workbench creates it.`,
      );
    }
    if (bank.fourEyes === true) this.#assertMayMark(actor);
    this.assertMayUse(bank, actor);
    const created = await this.#change<Bank>(
      (audit) => this.store.createBank(bank, audit),
      (made) => this.#event(actor, 'bank_created', made.name, { fourEyes: this.isFourEyes(made) }),
    );
    await this.engine?.catchUp();
    return created;
  }

  listBanks(): Promise<Bank[]> {
    return this.store.listBanks();
  }

  /** Finds a bank by name (or numeric id). @throws {DomainError} BANK_NOT_FOUND */
  async getBank(ref: string | number): Promise<Bank> {
    const bank =
      typeof ref === 'number' || /^\d+$/.test(ref)
        ? await this.store.getBank(Number(ref))
        : await this.store.getBankByName(ref);
    if (!bank) throw new DomainError('BANK_NOT_FOUND', `No bank named ${JSON.stringify(String(ref))}.`);
    return bank;
  }

  /**
   * Changes a bank's settings. A bank of published material takes one change only: an admin (or
   * an operator) marking or unmarking it, and never unmarking a bank the deployment names.
   */
  async updateBank(
    ref: string | number,
    input: unknown,
    actorInput: BankActorInput = UNNAMED,
  ): Promise<Bank> {
    const actor = toBankActor(actorInput);
    const bank = await this.getBank(ref);
    const patch = parseBankPatch(input);
    this.assertMayUse(bank, actor);
    if (patch.fourEyes !== undefined) this.#assertMayMark(actor);
    const onlyMarking = Object.keys(patch).every((key) => key === 'fourEyes');
    if (this.isFourEyes(bank) && !(onlyMarking && actor.via !== 'process')) this.assertMayChange(bank, actor);
    if (patch.fourEyes === false && this.#fourEyesBanks.has(bank.name)) {
      throw new DomainError(
        'FOUR_EYES_REQUIRED',
        `The bank ${JSON.stringify(bank.name)} is the hotline's: it always holds published material.`,
      );
    }
    if (patch.name !== undefined && this.#fourEyesBanks.has(patch.name) && actor.via !== 'four-eyes') {
      throw new DomainError(
        'FOUR_EYES_REQUIRED',
        `The name ${JSON.stringify(patch.name)} is the hotline bank's.`,
      );
    }
    const updated = await this.#change<Bank>(
      (audit) => this.store.updateBank(bank.id, patch, audit),
      () =>
        this.#event(actor, 'bank_updated', bank.name, {
          fields: Object.keys(patch).sort().join(','),
          ...(patch.fourEyes !== undefined ? { fourEyes: patch.fourEyes } : {}),
          ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
          ...(patch.name !== undefined ? { renamedTo: patch.name } : {}),
        }),
    );
    await this.engine?.catchUp();
    return updated;
  }

  async deleteBank(ref: string | number, actorInput: BankActorInput = UNNAMED): Promise<void> {
    const actor = toBankActor(actorInput);
    const bank = await this.getBank(ref);
    this.assertMayChange(bank, actor);
    await this.#change<void>(
      (audit) => this.store.deleteBank(bank.id, audit),
      () => this.#event(actor, 'bank_deleted', bank.name, {}),
    );
    await this.engine?.catchUp();
  }

  /**
   * Adds entries, all or none: any invalid item rejects the whole call with every problem listed
   * (`/entries/3/value: ...`). Duplicates of entries already in the bank come back as `existing`.
   */
  async addEntries(
    ref: string | number,
    items: unknown,
    actorInput: BankActorInput,
  ): Promise<AddEntriesResult> {
    const actor = toBankActor(actorInput);
    const bank = await this.getBank(ref);
    this.assertMayChange(bank, actor);
    if (!Array.isArray(items)) throw new DomainError('VALIDATION_FAILED', 'entries must be an array.');
    if (items.length === 0) throw new DomainError('VALIDATION_FAILED', 'entries must not be empty.');
    if (items.length > MAX_ENTRIES_PER_CALL) {
      throw new DomainError(
        'BATCH_TOO_LARGE',
        `At most ${MAX_ENTRIES_PER_CALL} entries per request; got ${items.length}. Split the batch or use the import.`,
      );
    }
    const problems = new Problems();
    const entries = items.map((item, i) => parseNewEntry(item, `/entries/${i}`, problems));
    problems.throwIfAny('Some entries are invalid; nothing was added');
    const result = await this.#change<AddEntriesResult>(
      (audit) => this.store.addEntries(bank.id, entries as NewEntry[], actor.id, audit),
      (added) =>
        this.#event(actor, 'bank_entries_added', bank.name, {
          created: added.created.length,
          existing: added.existing.length,
          seq: added.seq,
        }),
    );
    await this.engine?.waitFor(result.seq);
    return result;
  }

  /**
   * Applies one batch of an import (already validated entries, normalised withdrawals) in one
   * transaction, then waits for the local matcher to apply it, or with `matcher: 'background'`
   * only starts it. See {@link BankStore.applyImport}.
   */
  async applyImport(
    bankId: number,
    operations: readonly ImportOperation[],
    actorInput: BankActorInput,
    options: {
      readonly matcher?: 'wait' | 'background';
      /**
       * Commits the batch instead of `BankStore.applyImport`, with the same rules and in one
       * transaction with something else (a hash exchange moves its checkpoint with the page).
       */
      readonly commit?: (
        operations: readonly ImportOperation[],
        addedBy: string,
        audit: BankChangeAudit<ImportBatchResult> | undefined,
      ) => Promise<ImportBatchResult>;
    } = {},
  ): Promise<ImportBatchResult> {
    const actor = toBankActor(actorInput);
    const bank = await this.getBank(bankId);
    this.assertMayChange(bank, actor);
    // The bulk paths write entry rows only: a video's frames would be lost (it would never match).
    if (operations.some((op) => op.kind === 'upsert' && op.entry.signalType === 'vpdq')) {
      throw new DomainError(
        'VALIDATION_FAILED',
        'Videos (vpdq) are added with their frames through addEntries (hashline bank import --format vpdq), not in a hash-list import.',
      );
    }
    const result = await this.#change<ImportBatchResult>(
      (audit) =>
        options.commit
          ? options.commit(operations, actor.id, audit)
          : this.store.applyImport(bankId, operations, actor.id, audit),
      (applied) => this.#event(actor, 'bank_import_applied', bank.name, importDetails(applied)),
    );
    if (options.matcher === 'background') {
      // The matcher applies this batch while the caller writes the next one. A failed pass is
      // repeated by the next call, and the caller awaits the last one (awaitMatcher).
      this.engine?.catchUp().catch(() => undefined);
    } else {
      await this.engine?.waitFor(result.seq);
    }
    return result;
  }

  /** Waits until the local matcher has applied the changes up to `seq` (see {@link applyImport}). */
  async awaitMatcher(seq: number): Promise<void> {
    await this.engine?.waitFor(seq);
  }

  /**
   * A staging area for a large import into a bank, when the store has one (see
   * {@link BankStore.openImportStage}); each part it applies is waited for like {@link applyImport}.
   */
  async openImportStage(bankId: number, actorInput: BankActorInput): Promise<ImportStage | undefined> {
    const actor = toBankActor(actorInput);
    const bank = await this.getBank(bankId);
    this.assertMayChange(bank, actor);
    const eventOf = (result: ImportBatchResult): BankAuditEvent =>
      this.#event(actor, 'bank_import_applied', bank.name, importDetails(result));
    const inStore = this.store.writesBankAudit === true;
    const stage = await this.store.openImportStage?.(
      bankId,
      actor.id,
      inStore ? { event: eventOf } : undefined,
    );
    if (!stage) return undefined;
    const engine = this.engine;
    const sink = this.#audit;
    // A store that writes the audit row wrote it with each part; otherwise it is recorded after.
    const record = async (result: ImportBatchResult): Promise<void> => {
      if (!inStore) await sink?.(eventOf(result));
    };
    return {
      get size() {
        return stage.size;
      },
      add: (entries) => stage.add(entries),
      async applyNext() {
        const result = await stage.applyNext();
        if (result) {
          await engine?.waitFor(result.seq);
          await record(result);
        }
        return result;
      },
      close: () => stage.close(),
    };
  }

  /** Refreshes the store's planner statistics (after a bulk import). */
  refreshStatistics(): Promise<void> {
    return this.store.refreshStatistics();
  }

  /**
   * Applies a withdrawal from a source (an NCMEC deletion, a StopNCII or self-submitted hash the
   * person withdrew), as an import would (see `planImportBatch`): by hash, it deletes the entry,
   * since a withdrawn hash must stop matching and is sensitive data we no longer need; by
   * provenance (source, external id, member), it removes that source, and the entry once no other
   * source vouches for it. Returns how many entries were deleted.
   */
  async withdraw(
    ref: string | number,
    withdrawn: EntryLookup,
    actorInput: BankActorInput = UNNAMED,
  ): Promise<number> {
    const actor = toBankActor(actorInput);
    const bank = await this.getBank(ref);
    this.assertMayChange(bank, actor);
    const lookup: EntryLookup =
      'value' in withdrawn
        ? { signalType: withdrawn.signalType, value: normalizeSignal(withdrawn.signalType, withdrawn.value) }
        : withdrawn;
    const result = await this.#change<ImportBatchResult>(
      (audit) => this.store.applyImport(bank.id, [{ kind: 'withdraw', withdrawn: lookup }], actor.id, audit),
      (applied) =>
        applied.withdrawn > 0
          ? this.#event(actor, 'bank_entries_withdrawn', bank.name, { deleted: applied.withdrawn })
          : null,
    );
    await this.engine?.waitFor(result.seq);
    return result.withdrawn;
  }

  /**
   * The sources that vouch for entries besides their first provenance, by entry id (entries with
   * none are absent): another NCMEC member's entry, another StopNCII case, another list.
   */
  getEntrySources(entryIds: readonly number[]): Promise<Map<number, Provenance[]>> {
    return this.store.getEntrySources(entryIds);
  }

  /** Change-log rows with seq above `afterSeq`, in seq order (what an exchange uploads from). */
  changesSince(afterSeq: number, limit: number): Promise<BankChange[]> {
    return this.store.changesSince(afterSeq, limit);
  }

  /** Entries by id (absent ids are left out). */
  getEntries(ids: readonly number[]): Promise<BankEntry[]> {
    return ids.length === 0 ? Promise.resolve([]) : this.store.getEntries(ids);
  }

  /** The frames and file digests of vpdq entries, by entry id (others are absent). */
  getVideoSignals(entryIds: readonly number[]): Promise<Map<number, VpdqSignal>> {
    return this.store.getVideoSignals(entryIds);
  }

  /** @throws {DomainError} ENTRY_NOT_FOUND */
  async getEntry(id: number): Promise<BankEntry> {
    const entry = await this.store.getEntry(id);
    if (!entry) throw new DomainError('ENTRY_NOT_FOUND', `No entry with id ${id}.`);
    return entry;
  }

  async listEntries(ref: string | number, query: EntryQuery): Promise<{ bank: Bank; entries: BankEntry[] }> {
    const bank = await this.getBank(ref);
    return { bank, entries: await this.store.listEntries(bank.id, query) };
  }

  /** The bank of an entry, for callers that check access before reading it. */
  async bankOfEntry(id: number): Promise<Bank> {
    return this.getBank((await this.getEntry(id)).bankId);
  }

  async updateEntry(id: number, input: unknown, actorInput: BankActorInput = UNNAMED): Promise<BankEntry> {
    const actor = toBankActor(actorInput);
    const entry = await this.getEntry(id);
    const bank = await this.getBank(entry.bankId);
    this.assertMayChange(bank, actor);
    const parsed = parseEntryPatch(input);
    // A vote is kept with who cast it (the exchanges' feedback outbox, issue 14).
    const patch = parsed.feedback !== undefined ? { ...parsed, feedbackBy: auditActorOf(actor) } : parsed;
    const updated = await this.#change<BankEntry>(
      (audit) => this.store.updateEntry(id, patch, audit),
      () =>
        this.#event(actor, 'bank_entry_updated', bank.name, {
          entry: id,
          fields: Object.keys(parsed).sort().join(','),
        }),
    );
    await this.engine?.catchUp();
    return updated;
  }

  async deleteEntry(id: number, actorInput: BankActorInput = UNNAMED): Promise<void> {
    const actor = toBankActor(actorInput);
    const entry = await this.getEntry(id);
    const bank = await this.getBank(entry.bankId);
    this.assertMayChange(bank, actor);
    await this.#change<void>(
      (audit) => this.store.deleteEntry(id, audit),
      () => this.#event(actor, 'bank_entry_deleted', bank.name, { entry: id }),
    );
    await this.engine?.catchUp();
  }

  /** Only admins (and operators at the database) mark banks as holding published material. */
  #assertMayMark(actor: BankActor): void {
    if (actor.via === 'api-key' && !actor.admin) {
      throw new DomainError('FORBIDDEN', 'Only an admin key marks a bank as holding published material.');
    }
  }

  /**
   * Runs one bank change with its audit row: a store that writes bank audit rows gets it to write
   * in the change's own transaction (a change never commits without its row); otherwise the row
   * goes to the audit sink once the change has committed (the in-memory store of tests).
   */
  async #change<R>(
    run: (audit: BankChangeAudit<R> | undefined) => Promise<R>,
    event: (result: R) => BankAuditEvent | null,
  ): Promise<R> {
    if (this.store.writesBankAudit === true) return run({ event });
    const result = await run(undefined);
    const row = event(result);
    if (row) await this.#audit?.(row);
    return result;
  }

  #event(
    actor: BankActor,
    action: BankAuditAction,
    bank: string,
    details: Readonly<Record<string, string | number | boolean | null>>,
  ): BankAuditEvent {
    return { actor: auditActorOf(actor), action, bank, details };
  }
}

/** An import batch's counts for the audit log. */
function importDetails(result: ImportBatchResult): Record<string, number> {
  return {
    created: result.created,
    updated: result.updated,
    withdrawn: result.withdrawn,
    seq: result.seq,
  };
}

function parseNewBank(input: unknown): NewBank {
  const problems = new Problems();
  if (!isRecord(input)) throw new DomainError('VALIDATION_FAILED', 'A bank must be a JSON object.');
  if (typeof input.name !== 'string' || !BANK_NAME.test(input.name)) {
    problems.add('name', 'Use 1–64 lower-case letters, digits, "-" or "_", starting with a letter or digit.');
  }
  if (!BANK_KINDS.includes(input.kind as never)) problems.add('kind', `Use one of ${BANK_KINDS.join(', ')}.`);
  const patch = parseBankPatchInto(input, problems);
  problems.throwIfAny('The bank is invalid');
  return {
    ...patch,
    name: input.name as string,
    kind: input.kind as NewBank['kind'],
    pdqThreshold: patch.pdqThreshold ?? DEFAULT_PDQ_THRESHOLD,
    vpdqMatchPercent: patch.vpdqMatchPercent ?? VPDQ_COMPARED_MATCH_PERCENT,
    vpdqQueryMatchPercent: patch.vpdqQueryMatchPercent ?? VPDQ_QUERY_MATCH_PERCENT,
  };
}

function parseBankPatch(input: unknown): BankPatch {
  if (!isRecord(input)) throw new DomainError('VALIDATION_FAILED', 'A bank update must be a JSON object.');
  const problems = new Problems();
  const patch = parseBankPatchInto(input, problems);
  if (input.name !== undefined && (typeof input.name !== 'string' || !BANK_NAME.test(input.name))) {
    problems.add('name', 'Use 1–64 lower-case letters, digits, "-" or "_", starting with a letter or digit.');
  }
  if (input.kind !== undefined && !BANK_KINDS.includes(input.kind as never)) {
    problems.add('kind', `Use one of ${BANK_KINDS.join(', ')}.`);
  }
  problems.throwIfAny('The bank update is invalid');
  return {
    ...patch,
    ...(input.name !== undefined ? { name: input.name as string } : {}),
    ...(input.kind !== undefined ? { kind: input.kind as NewBank['kind'] } : {}),
  };
}

/** The optional bank fields shared by create and update. */
function parseBankPatchInto(input: Record<string, unknown>, problems: Problems): BankPatch {
  const patch: { -readonly [K in keyof BankPatch]: BankPatch[K] } = {};
  const known = [
    'name',
    'kind',
    'description',
    'defaultActions',
    'pdqThreshold',
    'vpdqMatchPercent',
    'vpdqQueryMatchPercent',
    'enabled',
    'fourEyes',
    'webhookUrl',
    'webhookSecret',
  ];
  for (const key of Object.keys(input)) if (!known.includes(key)) problems.add(key, 'Unknown field.');
  if (input.description !== undefined) {
    if (typeof input.description !== 'string' || input.description.length > MAX_NOTE) {
      problems.add('description', `A string of at most ${MAX_NOTE} characters.`);
    } else patch.description = input.description;
  }
  if (input.defaultActions !== undefined) {
    if (
      !Array.isArray(input.defaultActions) ||
      input.defaultActions.some((a) => !BANK_ACTIONS.includes(a as never))
    ) {
      problems.add('defaultActions', `A list of ${BANK_ACTIONS.join(', ')}.`);
    } else patch.defaultActions = [...new Set(input.defaultActions as BankAction[])];
  }
  if (input.pdqThreshold !== undefined) {
    const t = input.pdqThreshold;
    if (typeof t !== 'number' || !Number.isInteger(t) || t < 0 || t > MAX_PDQ_THRESHOLD) {
      problems.add(
        'pdqThreshold',
        `An integer from 0 to ${MAX_PDQ_THRESHOLD} (default ${DEFAULT_PDQ_THRESHOLD}).`,
      );
    } else patch.pdqThreshold = t;
  }
  for (const key of ['vpdqMatchPercent', 'vpdqQueryMatchPercent'] as const) {
    const p = input[key];
    if (p === undefined) continue;
    if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 100) {
      problems.add(key, 'A number from 0 to 100 (a percentage of video frames).');
    } else patch[key] = p;
  }
  if (input.enabled !== undefined) {
    if (typeof input.enabled !== 'boolean') problems.add('enabled', 'true or false.');
    else patch.enabled = input.enabled;
  }
  if (input.fourEyes !== undefined) {
    if (typeof input.fourEyes !== 'boolean') problems.add('fourEyes', 'true or false.');
    else patch.fourEyes = input.fourEyes;
  }
  if (input.webhookUrl !== undefined) {
    if (input.webhookUrl !== null && !isHttpUrl(input.webhookUrl))
      problems.add('webhookUrl', 'An http(s) URL, or null.');
    else patch.webhookUrl = input.webhookUrl;
  }
  if (input.webhookSecret !== undefined) {
    const s = input.webhookSecret;
    if (s !== null && (typeof s !== 'string' || s.length < 16 || s.length > 256)) {
      problems.add('webhookSecret', 'A string of 16–256 characters, or null.');
    } else patch.webhookSecret = s;
  }
  return patch;
}

/** An entry's fields; built once, not per entry (an import parses millions). */
const ENTRY_FIELDS: readonly string[] = [
  'signalType',
  'value',
  'quality',
  'classification',
  'provenance',
  'reviewerCount',
  'note',
  'disabled',
  'pdqVariants',
];
const VIDEO_ENTRY_FIELDS: readonly string[] = [...ENTRY_FIELDS, 'frames', 'fileMd5', 'fileSha256'];

/** Parses one entry of an API call or an import; problems are recorded under `at`. */
export function parseNewEntry(input: unknown, at: string, problems: Problems): NewEntry | undefined {
  if (!isRecord(input)) {
    problems.add(at, 'An entry must be an object with signalType and value.');
    return undefined;
  }
  const known = input.signalType === 'vpdq' ? VIDEO_ENTRY_FIELDS : ENTRY_FIELDS;
  for (const key of Object.keys(input))
    if (!known.includes(key)) problems.add(`${at}/${key}`, 'Unknown field.');
  const signalType = input.signalType;
  if (!isSignalType(signalType)) {
    problems.add(`${at}/signalType`, 'Use pdq, md5, sha1, sha256 or vpdq.');
    return undefined;
  }
  const video = signalType === 'vpdq' ? parseVideo(input, at, problems) : undefined;
  const quality = input.quality;
  if (quality !== undefined && quality !== null && typeof quality !== 'number') {
    problems.add(`${at}/quality`, 'An integer from 0 to 100.');
  }
  const value =
    signalType === 'vpdq'
      ? video && videoKey(video, input.value, `${at}/value`, problems)
      : problems.capture(`${at}/value`, () =>
          normalizeSignal(signalType, input.value, typeof quality === 'number' ? quality : null),
        );
  const classification = parseClassification(input.classification, `${at}/classification`, problems);
  const provenance = parseProvenance(input.provenance, `${at}/provenance`, problems);
  const reviewerCount = input.reviewerCount;
  if (
    reviewerCount !== undefined &&
    (!Number.isInteger(reviewerCount) || (reviewerCount as number) < 0 || (reviewerCount as number) > 100)
  ) {
    problems.add(`${at}/reviewerCount`, 'An integer from 0 to 100.');
  }
  if (
    input.note !== undefined &&
    input.note !== null &&
    (typeof input.note !== 'string' || input.note.length > MAX_NOTE)
  ) {
    problems.add(`${at}/note`, `A string of at most ${MAX_NOTE} characters.`);
  }
  if (input.disabled !== undefined && typeof input.disabled !== 'boolean')
    problems.add(`${at}/disabled`, 'true or false.');
  const pdqVariants = parsePdqVariantsInput(input.pdqVariants, signalType, `${at}/pdqVariants`, problems);
  if (value === undefined) return undefined;
  return {
    signalType,
    value,
    ...(video ? { video } : {}),
    ...(pdqVariants?.length ? { pdqVariants } : {}),
    quality: typeof quality === 'number' ? quality : null,
    classification: classification ?? {},
    // Entries added by hand or through the API without a source are recorded as such.
    provenance: provenance ?? { source: 'manual', externalId: null, member: null },
    reviewerCount: (reviewerCount as number | undefined) ?? 0,
    note: (input.note as string | null | undefined) ?? null,
    disabled: (input.disabled as boolean | undefined) ?? false,
  };
}

/** The classification of an entry that states none (shared: entries are read-only). */
const NO_CLASSIFICATION: Classification = Object.freeze({});

/**
 * The entry {@link parseNewEntry} makes of `{ signalType, value, quality, provenance }` (an imported
 * hash with nothing else: a bare list, a `signal_type,value,quality` CSV), without its generic
 * checks of an arbitrary object: a bulk import's fast path. `provenance` must be one that
 * parseNewEntry accepts, in the shape it returns (source, externalId, member). Undefined when the
 * hash is not valid: the caller then goes through parseNewEntry, for the exact problem.
 */
export function plainNewEntry(
  signalType: SignalType,
  value: string,
  quality: number | null,
  provenance: Provenance,
): NewEntry | undefined {
  if (signalType === 'vpdq' || !isSignalType(signalType)) return undefined;
  let hex: string;
  try {
    hex = normalizeSignal(signalType, value, quality);
  } catch {
    return undefined;
  }
  return {
    signalType,
    value: hex,
    quality,
    classification: NO_CLASSIFICATION,
    provenance,
    reviewerCount: 0,
    note: null,
    disabled: false,
  };
}

/**
 * The video of a `vpdq` entry: `frames` (objects `{frameNumber, quality, pdqHex,
 * timestampSeconds}`, or the reference hasher's lines as one string) and the file's digests.
 */
function parseVideo(input: Record<string, unknown>, at: string, problems: Problems): VpdqSignal | undefined {
  const frames = problems.capture(`${at}/frames`, () => {
    if (typeof input.frames === 'string') return normalizeVpdqFrames(parseVpdqReferenceLines(input.frames));
    if (!Array.isArray(input.frames)) {
      throw new DomainError(
        'VALIDATION_FAILED',
        'A vpdq entry needs frames: a list of {frameNumber, quality, pdqHex, timestampSeconds} or the reference lines.',
      );
    }
    if (input.frames.length > MAX_VIDEO_FRAMES) {
      throw new DomainError('VALIDATION_FAILED', `At most ${MAX_VIDEO_FRAMES} frames per video.`);
    }
    return normalizeVpdqFrames(
      input.frames.map((f: unknown) => (isRecord(f) ? (f as unknown as VpdqFrame) : ({} as VpdqFrame))),
    );
  });
  const digest = (key: 'fileMd5' | 'fileSha256', type: 'md5' | 'sha256'): string | null | undefined => {
    const v = input[key];
    if (v === undefined || v === null) return null;
    return problems.capture(`${at}/${key}`, () => normalizeSignal(type, v));
  };
  const fileMd5 = digest('fileMd5', 'md5');
  const fileSha256 = digest('fileSha256', 'sha256');
  if (!frames || fileMd5 === undefined || fileSha256 === undefined) return undefined;
  return { frames, fileMd5, fileSha256 };
}

/** A vpdq entry's value is its key; a value given must be that key. */
function videoKey(video: VpdqSignal, given: unknown, at: string, problems: Problems): string | undefined {
  const key = vpdqSignalKey(video.frames);
  if (given !== undefined && given !== null && (typeof given !== 'string' || given.toLowerCase() !== key)) {
    problems.add(at, 'For vpdq, leave value out: it is the SHA-256 of the frames in the reference format.');
    return undefined;
  }
  return key;
}

function parseClassification(input: unknown, at: string, problems: Problems): Classification | undefined {
  if (input === undefined || input === null) return undefined;
  if (!isRecord(input)) {
    problems.add(at, 'An object with industry (A1–B2), uk (A/B/C) and/or baseline (boolean).');
    return undefined;
  }
  const out: { -readonly [K in keyof Classification]: Classification[K] } = {};
  for (const key of Object.keys(input))
    if (!['industry', 'uk', 'baseline'].includes(key)) problems.add(`${at}/${key}`, 'Unknown field.');
  if (input.industry !== undefined && input.industry !== null) {
    if (!INDUSTRY_CLASSIFICATIONS.includes(input.industry as never))
      problems.add(`${at}/industry`, 'One of A1, A2, B1, B2.');
    else out.industry = input.industry as Classification['industry'];
  }
  if (input.uk !== undefined && input.uk !== null) {
    if (!UK_CATEGORIES.includes(input.uk as never)) problems.add(`${at}/uk`, 'One of A, B, C.');
    else out.uk = input.uk as Classification['uk'];
  }
  if (input.baseline !== undefined && input.baseline !== null) {
    if (typeof input.baseline !== 'boolean') problems.add(`${at}/baseline`, 'true or false.');
    else out.baseline = input.baseline;
  }
  return out;
}

function parseProvenance(input: unknown, at: string, problems: Problems): Provenance | undefined {
  if (input === undefined || input === null) return undefined;
  if (
    !isRecord(input) ||
    typeof input.source !== 'string' ||
    input.source.length === 0 ||
    input.source.length > 200
  ) {
    problems.add(at, 'An object with source (1–200 characters), and optional externalId and member.');
    return undefined;
  }
  const text = (key: 'externalId' | 'member'): string | null => {
    const v = input[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string' || v.length > 200) {
      problems.add(`${at}/${key}`, 'A string of at most 200 characters.');
      return null;
    }
    return v;
  };
  return { source: input.source, externalId: text('externalId'), member: text('member') };
}

function parseEntryPatch(input: unknown): EntryPatch {
  if (!isRecord(input)) throw new DomainError('VALIDATION_FAILED', 'An entry update must be a JSON object.');
  const problems = new Problems();
  const patch: { -readonly [K in keyof EntryPatch]: EntryPatch[K] } = {};
  for (const key of Object.keys(input)) {
    if (!['disabled', 'classification', 'note', 'feedback', 'reviewerCount'].includes(key))
      problems.add(key, 'Unknown field.');
  }
  if (input.disabled !== undefined) {
    if (typeof input.disabled !== 'boolean') problems.add('disabled', 'true or false.');
    else patch.disabled = input.disabled;
  }
  if (input.classification !== undefined) {
    const c = parseClassification(input.classification, 'classification', problems);
    if (c) patch.classification = c;
  }
  if (input.note !== undefined) {
    if (input.note !== null && (typeof input.note !== 'string' || input.note.length > MAX_NOTE)) {
      problems.add('note', `A string of at most ${MAX_NOTE} characters, or null.`);
    } else patch.note = input.note;
  }
  if (input.feedback !== undefined) {
    if (input.feedback !== null && !ENTRY_FEEDBACK.includes(input.feedback as never)) {
      problems.add('feedback', 'affirmative, negative, or null.');
    } else patch.feedback = input.feedback as EntryPatch['feedback'];
  }
  if (input.reviewerCount !== undefined) {
    if (!Number.isInteger(input.reviewerCount) || (input.reviewerCount as number) < 0)
      problems.add('reviewerCount', 'A non-negative integer.');
    else patch.reviewerCount = input.reviewerCount as number;
  }
  problems.throwIfAny('The entry update is invalid');
  return patch;
}
