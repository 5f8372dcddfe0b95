import { QUERY_VARIANT_NAMES } from '@hashline/pdq';
import type { Bank, BankEntry } from '../banks/bank.js';
import { isSignalType, normalizeSignal } from '../banks/signal-validation.js';
import {
  MAX_VIDEO_FRAMES,
  normalizeVpdqFrame,
  parseVpdqReferenceLines,
  vpdqSignalKey,
  type VpdqFrame,
} from '../signals/vpdq.js';
import { DomainError, isDomainError } from '../domain-error.js';
import type { Clock } from '../ports/clock.js';
import { systemClock } from '../ports/clock.js';
import type { BankStore, MatchRecordStore, WebhookOutbox } from '../ports/hashline-store.js';
import { Problems, isRecord } from '../validation.js';
import type { BankAction, BankKind, Classification, SignalType } from '../vocabulary.js';
import type { EngineMatch, MatchEngine } from './match-engine.js';
import type { MatchRecord } from './match-record.js';
import { MatchRecorder } from './match-recorder.js';
import type { NewWebhookDelivery } from './webhook-delivery.js';

/**
 * Runs `callback` once the event loop has taken the I/O already waiting: `setImmediate` where the
 * runtime has it (Node), else a microtask.
 */
function scheduleSoon(callback: () => void): void {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => unknown }).setImmediate;
  if (immediate) immediate(callback);
  else void Promise.resolve().then(callback);
}

/** Most entry classifications {@link MatchService} keeps in memory (beyond it the cache restarts). */
const MAX_CACHED_CLASSIFICATIONS = 100_000;

/** Most hashes one match request may carry. */
export const MAX_MATCH_BATCH = 1_000;

/** One hash to match, as a caller sends it. */
export interface MatchRequestItem {
  readonly signalType: SignalType;
  readonly value: string;
  /** PDQ quality, when the caller knows it: below 50 is refused. */
  readonly quality?: number | null;
  /** PDQ hashes of rotated and mirrored copies (from media queries with dihedral on). */
  readonly variants?: readonly { readonly name: string; readonly value: string }[];
  /** The caller's own reference for the content (an upload id), echoed and recorded. */
  readonly contentRef?: string | null;
}

/** One banked video a query video matched, as a trusted caller sees it. */
export interface VideoMatchHit extends MatchHit {
  /** Share of the query's usable frames that matched a frame of this video (0–100). */
  readonly queryMatchPercent: number;
  /** Share of this video's usable frames that a query frame matched (0–100). */
  readonly comparedMatchPercent: number;
}

/** The answer for a query video: `{ matched }` alone for verdict callers. */
export type VideoMatchAnswer =
  | { readonly matched: boolean }
  | {
      readonly matched: boolean;
      /** Frames of the query that took part (quality ≥ 50, distinct, not degenerate). */
      readonly usableQueryFrames: number;
      readonly matches: readonly VideoMatchHit[];
      readonly allowListed: boolean;
      readonly recordId: number | null;
      readonly recorded: boolean;
      readonly contentRef: string | null;
    };

/** Who is asking, and how much they may learn. */
export interface MatchCaller {
  readonly id: string;
  /** A `match:verdict` caller learns only matched yes/no: no entries, distances or banks. */
  readonly verdictOnly: boolean;
}

/** One matched entry, as a trusted caller sees it. */
export interface MatchHit {
  readonly bank: string;
  readonly bankKind: BankKind;
  readonly entryId: number;
  readonly distance: number;
  readonly variant?: string;
  /** The banked image's robust variant that matched (`trim`, `crop-*`); absent: its primary hash. */
  readonly bankVariant?: string;
  /** The image matched a frame of this banked video (a vpdq entry): the frame's position among its usable frames. */
  readonly videoFrame?: number;
  readonly classification: Classification;
  readonly actions: readonly BankAction[];
}

/** The answer for one hash: full for trusted callers, `{ matched }` alone for verdict callers. */
export type MatchAnswer =
  | { readonly matched: boolean }
  | {
      readonly matched: boolean;
      readonly signalType: SignalType;
      readonly matches: readonly MatchHit[];
      /** True when an allow-listed (known false positive) entry matched and held back the rest. */
      readonly allowListed: boolean;
      /** The stored match record, when something matched and the record was committed. */
      readonly recordId: number | null;
      /**
       * False when something matched but the store was unavailable: the verdict comes from the
       * in-memory index, no match record was written (`recordId` is null) and no webhook was
       * queued. True otherwise (also when nothing matched: there was nothing to record).
       */
      readonly recorded: boolean;
      readonly contentRef: string | null;
    };

/** Options of {@link MatchService}. */
export interface MatchServiceOptions {
  /**
   * Whether the store answers now (e.g. from a health check). While false, matches are answered
   * from the in-memory index at once, without trying to write their records. Default: always true.
   */
  readonly storeAvailable?: () => boolean;
  /**
   * Called when the store was unavailable for a matched hash and the answer went out without a
   * match record (`lost` is always `record`: the record and its webhook notifications commit in
   * one transaction, so notifications are never lost on their own). The server counts it in
   * /metrics and tells its health check.
   */
  readonly onStoreUnavailable?: (lost: 'record', error: unknown) => void;
  /**
   * Writes the match records, in group commits (default: a {@link MatchRecorder} on the store
   * with its default group size). The owner closes it at shutdown, before closing the store.
   */
  readonly recorder?: MatchRecorder;
}

/** Options of one match call. */
export interface MatchOptions {
  /** How the hashes reached us (recorded): given by the caller, or computed from uploaded media. */
  readonly source: 'hash' | 'media';
  /** Restrict to these banks (names or ids). */
  readonly banks?: readonly (string | number)[];
}

/**
 * Matching use case: validates the hashes (the same quality and degeneracy rules as at insert),
 * queries the in-memory engine, stores a match record for every hash that matched, and queues
 * webhook notifications for the banks that ask for them. Hashes that match nothing leave no trace.
 *
 * While the store is unavailable (STORE_UNAVAILABLE), matching still answers from the in-memory
 * index: the answer says `recorded: false`, carries no record id, and its hits carry no
 * classification (that lives in the store). An answer never names a record that was not committed.
 */
export class MatchService {
  readonly #storeAvailable: () => boolean;
  readonly #onStoreUnavailable: (lost: 'record', error: unknown) => void;
  /** Writes the match records, many per commit. */
  readonly recorder: MatchRecorder;
  /** Entry id → classification, valid at change-log position {@link #classificationSeq}. */
  readonly #classifications = new Map<number, BankEntry['classification']>();
  #classificationSeq = -1;
  /** Entries whose classification the next batched store read fetches (see {@link #readClassifications}). */
  #readBatch: {
    readonly ids: Set<number>;
    readonly result: Promise<Map<number, BankEntry['classification']>>;
  } | null = null;

  constructor(
    private readonly engine: MatchEngine,
    private readonly store: BankStore & MatchRecordStore & WebhookOutbox,
    private readonly clock: Clock = systemClock,
    options: MatchServiceOptions = {},
  ) {
    this.#storeAvailable = options.storeAvailable ?? (() => true);
    this.#onStoreUnavailable = options.onStoreUnavailable ?? (() => undefined);
    this.recorder = options.recorder ?? new MatchRecorder(store);
  }

  /** Parses and validates a batch from an API body, listing every bad item. */
  parseItems(input: unknown): MatchRequestItem[] {
    if (!Array.isArray(input) || input.length === 0) {
      throw new DomainError('VALIDATION_FAILED', 'hashes must be a non-empty array.');
    }
    if (input.length > MAX_MATCH_BATCH) {
      throw new DomainError(
        'BATCH_TOO_LARGE',
        `At most ${MAX_MATCH_BATCH} hashes per request; got ${input.length}.`,
      );
    }
    const problems = new Problems();
    const items = input.map((raw, i): MatchRequestItem | undefined => {
      const at = `/hashes/${i}`;
      if (!isRecord(raw)) {
        problems.add(at, 'Each hash is an object with signalType and value.');
        return undefined;
      }
      if (!isSignalType(raw.signalType)) {
        problems.add(`${at}/signalType`, 'Use pdq, md5, sha1 or sha256.');
        return undefined;
      }
      if (raw.quality !== undefined && raw.quality !== null && typeof raw.quality !== 'number') {
        problems.add(`${at}/quality`, 'An integer from 0 to 100.');
        return undefined;
      }
      if (
        raw.contentRef !== undefined &&
        raw.contentRef !== null &&
        (typeof raw.contentRef !== 'string' || raw.contentRef.length > 200)
      ) {
        problems.add(`${at}/contentRef`, 'A string of at most 200 characters.');
        return undefined;
      }
      const signalType = raw.signalType;
      const value = problems.capture(`${at}/value`, () =>
        normalizeSignal(signalType, raw.value, raw.quality as number | null | undefined),
      );
      if (value === undefined) return undefined;
      const variants = parseVariants(raw.variants, signalType, `${at}/variants`, problems);
      return {
        signalType,
        value,
        quality: (raw.quality as number | undefined) ?? null,
        contentRef: (raw.contentRef as string | undefined) ?? null,
        ...(variants ? { variants } : {}),
      };
    });
    problems.throwIfAny('Some hashes are invalid; nothing was matched');
    return items as MatchRequestItem[];
  }

  /** Matches each item; the answers are in the order of the items. */
  async match(
    caller: MatchCaller,
    items: readonly MatchRequestItem[],
    options: MatchOptions,
  ): Promise<MatchAnswer[]> {
    const bankIds = options.banks ? this.resolveBanks(options.banks) : undefined;
    // Every query first (synchronous, in order), then the records of all matched hashes at once:
    // they join the same group commit instead of waiting for one commit each.
    return Promise.all(
      items.map((item): MatchAnswer | Promise<MatchAnswer> => {
        const value = normalizeSignal(item.signalType, item.value, item.quality);
        // The query is synchronous: this is the change-log position its answer reflects.
        const changeSeq = this.engine.seq;
        const result = this.engine.query({
          signalType: item.signalType,
          value,
          ...(item.variants ? { variants: item.variants } : {}),
          ...(bankIds ? { bankIds } : {}),
        });
        const matched = result.matches.length > 0;
        if (!matched) {
          return caller.verdictOnly
            ? { matched }
            : {
                matched,
                signalType: item.signalType,
                matches: [],
                allowListed: result.allowListed.length > 0,
                recordId: null,
                recorded: true,
                contentRef: item.contentRef ?? null,
              };
        }
        return this.describeAndRecord(caller, item, value, result.matches, options, changeSeq).then(
          (stored): MatchAnswer =>
            caller.verdictOnly
              ? { matched }
              : {
                  matched,
                  signalType: item.signalType,
                  matches: stored.hits,
                  allowListed: false,
                  recordId: stored.recordId,
                  recorded: stored.recordId !== null,
                  contentRef: item.contentRef ?? null,
                },
        );
      }),
    );
  }

  /**
   * Matches a query video, given as its frames (objects or the reference hasher's lines), against
   * the banked videos (see {@link MatchEngine.queryVideo}). A match is recorded like a hash match:
   * signal type `vpdq`, value the key of the query's frames (`vpdqSignalKey`), one record entry
   * per banked video (distance: the closest frame), webhooks notified.
   */
  async matchVideo(
    caller: MatchCaller,
    input: unknown,
    options: MatchOptions & { readonly contentRef?: string | null },
  ): Promise<VideoMatchAnswer> {
    const frames =
      typeof input === 'string'
        ? parseVpdqReferenceLines(input)
        : Array.isArray(input)
          ? input.map((f: unknown, i) =>
              normalizeVpdqFrame((isRecord(f) ? f : {}) as unknown as VpdqFrame, `frames/${i}`),
            )
          : null;
    if (!frames || frames.length === 0 || frames.length > MAX_VIDEO_FRAMES) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `frames: 1–${MAX_VIDEO_FRAMES} frames, as {frameNumber, quality, pdqHex, timestampSeconds} objects or the reference hasher's lines.`,
      );
    }
    const bankIds = options.banks ? this.resolveBanks(options.banks) : undefined;
    const changeSeq = this.engine.seq;
    const result = this.engine.queryVideo(frames, bankIds ? { bankIds } : {});
    const matched = result.matches.length > 0;
    if (caller.verdictOnly && !matched) return { matched };
    const base = {
      matched,
      usableQueryFrames: result.usableQueryFrames,
      allowListed: result.allowListed.length > 0,
      contentRef: options.contentRef ?? null,
    };
    if (!matched) return { ...base, matches: [], recordId: null, recorded: true };
    const item: MatchRequestItem = {
      signalType: 'vpdq',
      value: vpdqSignalKey(frames),
      contentRef: options.contentRef ?? null,
    };
    // Both shares go into the match record, so a reviewer sees how much of each video matched.
    const engineMatches: EngineMatch[] = result.matches.map((m) => ({
      entryId: m.entryId,
      bankId: m.bankId,
      distance: m.distance,
      queryMatchPercent: m.queryMatchPercent,
      comparedMatchPercent: m.comparedMatchPercent,
    }));
    const stored = await this.describeAndRecord(caller, item, item.value, engineMatches, options, changeSeq);
    if (caller.verdictOnly) return { matched };
    return {
      ...base,
      matches: stored.hits.map((hit, i) => ({
        ...hit,
        queryMatchPercent: result.matches[i]!.queryMatchPercent,
        comparedMatchPercent: result.matches[i]!.comparedMatchPercent,
      })),
      recordId: stored.recordId,
      recorded: stored.recordId !== null,
    };
  }

  /**
   * Describes the hits and records the match with its webhook notifications, in one transaction.
   * When the store is unavailable before or during that transaction, the hits are described from
   * memory and recordId is null: the answer refers only to a record whose commit was acknowledged,
   * and a committed record always has its notifications (if the connection died during COMMIT
   * itself, a record may exist that no answer names).
   */
  private async describeAndRecord(
    caller: MatchCaller,
    item: MatchRequestItem,
    value: string,
    matches: readonly EngineMatch[],
    options: MatchOptions,
    changeSeq: number,
  ): Promise<{ hits: MatchHit[]; recordId: number | null }> {
    if (!this.#storeAvailable()) {
      this.#onStoreUnavailable('record', new DomainError('STORE_UNAVAILABLE'));
      return { hits: this.describeFromMemory(matches), recordId: null };
    }
    try {
      const hits = await this.describe(matches);
      const record = await this.recorder.record(
        {
          createdAt: this.clock.now(),
          caller: caller.id,
          source: options.source,
          signalType: item.signalType,
          value,
          matches,
          contentRef: item.contentRef ?? null,
        },
        (stored) => this.notifications(stored, item, hits, changeSeq),
      );
      return { hits, recordId: record.id };
    } catch (error) {
      if (!isStoreUnavailable(error)) throw error;
      this.#onStoreUnavailable('record', error);
      return { hits: this.describeFromMemory(matches), recordId: null };
    }
  }

  /** Hits as the in-memory index knows them: banks and actions, but no classification. */
  private describeFromMemory(matches: readonly EngineMatch[]): MatchHit[] {
    return matches.map((m) => this.hit(m, {}));
  }

  private resolveBanks(refs: readonly (string | number)[]): number[] {
    return refs.map((ref) => {
      const bank = this.engine.findBank(ref);
      if (!bank) throw new DomainError('BANK_NOT_FOUND', `No bank named ${JSON.stringify(String(ref))}.`);
      return bank.id;
    });
  }

  /**
   * Hits with their entries' classifications. Classifications are cached per entry while the
   * engine's change-log position stays the same (any bank change, a reclassification included,
   * moves it and empties the cache): the hot path of a repeated match reads nothing from the
   * store, which on SQLite's single connection would otherwise queue behind the group commit in
   * flight and keep groups from forming. A change made by another process shows once this
   * process has applied it (as the index itself does).
   */
  private async describe(matches: readonly EngineMatch[]): Promise<MatchHit[]> {
    const seq = this.engine.seq;
    if (seq !== this.#classificationSeq) {
      this.#classifications.clear();
      this.#classificationSeq = seq;
    }
    const missing = matches.filter((m) => !this.#classifications.has(m.entryId)).map((m) => m.entryId);
    let read = new Map<number, BankEntry['classification']>();
    if (missing.length > 0) {
      read = await this.#readClassifications(missing);
      // Cached only if no change was applied during the read (it may predate the change).
      if (this.engine.seq === seq && this.#classificationSeq === seq) {
        if (this.#classifications.size + read.size > MAX_CACHED_CLASSIFICATIONS)
          this.#classifications.clear();
        for (const [id, classification] of read) this.#classifications.set(id, classification);
      }
    }
    return matches.map((m) => this.hit(m, read.get(m.entryId) ?? this.#classifications.get(m.entryId) ?? {}));
  }

  /**
   * Classifications of `ids` from the store, in one read shared by every request whose hits miss
   * the cache in the same turn of the event loop (the read starts once the loop has taken the
   * I/O already waiting, as a group commit does): under load many matched requests arrive
   * together, and one query for all of them costs far less than one query each, which on
   * SQLite's single connection would also queue one by one behind the group commit in flight.
   * A failed read fails every request that shares it (each falls back as for its own read).
   */
  #readClassifications(ids: readonly number[]): Promise<Map<number, BankEntry['classification']>> {
    let batch = this.#readBatch;
    if (!batch) {
      const wanted = new Set<number>();
      const result = new Promise<void>((resolve) => scheduleSoon(resolve)).then(async () => {
        // Closed once it starts: ids missed from now on go to the next read.
        if (this.#readBatch?.ids === wanted) this.#readBatch = null;
        const read = new Map<number, BankEntry['classification']>();
        for (const entry of await this.store.getEntries([...wanted]))
          read.set(entry.id, entry.classification);
        return read;
      });
      batch = { ids: wanted, result };
      this.#readBatch = batch;
    }
    for (const id of ids) batch.ids.add(id);
    return batch.result;
  }

  private hit(m: EngineMatch, classification: MatchHit['classification']): MatchHit {
    const bank = this.engine.bank(m.bankId) as Bank;
    return {
      bank: bank.name,
      bankKind: bank.kind,
      entryId: m.entryId,
      distance: m.distance,
      ...(m.variant !== undefined ? { variant: m.variant } : {}),
      ...(m.bankVariant !== undefined ? { bankVariant: m.bankVariant } : {}),
      ...(m.videoFrame !== undefined ? { videoFrame: m.videoFrame } : {}),
      classification,
      actions: bank.defaultActions,
    };
  }

  /** The webhook notifications of a match record: one per bank with a webhook among its hits. */
  private notifications(
    record: MatchRecord,
    item: MatchRequestItem,
    hits: readonly MatchHit[],
    changeSeq: number,
  ): NewWebhookDelivery[] {
    const { id: recordId, caller, createdAt: at } = record;
    const byBank = new Map<string, MatchHit[]>();
    for (const hit of hits) byBank.set(hit.bank, [...(byBank.get(hit.bank) ?? []), hit]);
    const deliveries: NewWebhookDelivery[] = [];
    for (const [bankName, bankHits] of byBank) {
      const bank = this.engine.findBank(bankName);
      if (!bank?.webhookUrl) continue;
      const idempotencyKey = `match-${recordId}-${bank.id}`;
      // The queried hash itself is not sent: the record id lets the bank owner look it up. The
      // store adds `seq`, the bank's notification number, when it commits the delivery.
      const payload = {
        type: 'match',
        id: idempotencyKey,
        createdAt: at.toISOString(),
        // The bank change-log position the answer was computed at (GET /v1/banks/:bank/changes).
        changeSeq,
        recordId,
        bank: { id: bank.id, name: bank.name, kind: bank.kind },
        caller,
        signalType: item.signalType,
        contentRef: item.contentRef ?? null,
        matches: bankHits.map((h) => ({
          entryId: h.entryId,
          distance: h.distance,
          classification: h.classification,
        })),
        actions: bank.defaultActions,
      };
      deliveries.push({ bankId: bank.id, url: bank.webhookUrl, payload, idempotencyKey });
    }
    return deliveries;
  }
}

function isStoreUnavailable(error: unknown): boolean {
  return isDomainError(error) && error.code === 'STORE_UNAVAILABLE';
}

/**
 * Names a caller may give PDQ variants: the seven rotations and mirror images besides `orig`, and
 * the query's robust variants (`pdqRobustVariants(pixels, 'query')` in `@hashline/pdq`): `trim`,
 * the picture without borders, letterboxing or a screenshot's bars; `frame`, the picture inside its
 * outermost border only; `screen`, the picture between a screenshot's bars.
 */
const VARIANT_NAMES: readonly string[] = [
  'rot90',
  'rot180',
  'rot270',
  'flipx',
  'flipy',
  'flipp',
  'flipm',
  ...QUERY_VARIANT_NAMES,
];

/**
 * Parses the optional variants of a PDQ query (hashes of the rotated and mirrored image, e.g. from
 * `hashline hash --dihedral`, and the `trim` robust variant from `--robust`): at most one per
 * name, each validated like the main hash.
 */
function parseVariants(
  input: unknown,
  signalType: SignalType,
  at: string,
  problems: Problems,
): { name: string; value: string }[] | undefined {
  if (input === undefined || input === null) return undefined;
  if (signalType !== 'pdq') {
    problems.add(at, 'Only PDQ hashes have variants.');
    return undefined;
  }
  if (!Array.isArray(input) || input.length > VARIANT_NAMES.length) {
    problems.add(at, `A list of at most ${VARIANT_NAMES.length} objects { name, value }.`);
    return undefined;
  }
  const seen = new Set<string>();
  const variants: { name: string; value: string }[] = [];
  input.forEach((variant, i) => {
    if (
      !isRecord(variant) ||
      typeof variant.name !== 'string' ||
      !VARIANT_NAMES.includes(variant.name) ||
      seen.has(variant.name)
    ) {
      problems.add(`${at}/${i}/name`, `One of ${VARIANT_NAMES.join(', ')}, each at most once.`);
      return;
    }
    seen.add(variant.name);
    const value = problems.capture(`${at}/${i}/value`, () => normalizeSignal('pdq', variant.value));
    if (value !== undefined) variants.push({ name: variant.name, value });
  });
  return variants;
}
