import type { ImportExistingEntry, ImportLookups, ImportPlan, NewEntry } from '@hashline/domain';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

/** What one import batch writes, besides its plan. */
export interface BulkImportContext {
  readonly bankId: number;
  /** Whether the bank is enabled: an entry's change is logged active only then. */
  readonly bankEnabled: boolean;
  readonly addedBy: string;
  readonly now: Date;
}

/**
 * An engine's bulk path for imports (`BankStore.applyImport`), called inside the store's change-log
 * transaction: it reads the entries a batch names and writes the batch's net plan (see
 * `planImportBatch` in the domain) with the engine's fastest means, logging every change in
 * entry-id order with the same rows the per-entry methods write.
 */
export interface BulkImporter {
  /** The bank's entries that the lookups name (by hash or by provenance). */
  findExisting(
    trx: Transaction<Database>,
    bankId: number,
    lookups: ImportLookups,
  ): Promise<ImportExistingEntry[]>;
  /** Deletes, updates and creates what the plan says, with their change-log rows in id order. */
  write(trx: Transaction<Database>, plan: ImportPlan, context: BulkImportContext): Promise<void>;
  /** ANALYZE, so the planner knows the tables' new sizes. */
  refreshStatistics(db: Kysely<Database>): Promise<void>;
  /**
   * A stage for large imports (`BankStore.openImportStage`), where loading in index order pays;
   * absent where batch-by-batch loading is as fast.
   */
  readonly openStage?: (db: Kysely<Database>) => Promise<BulkImportStage>;
}

/** The JSON stored for an entry's provenance when it arrives without one. */
export const UNKNOWN_PROVENANCE_SOURCE = 'unknown';

/** What one part of a stage changed (the store adds the seq). */
export interface BulkStagePartResult {
  readonly created: number;
  readonly updated: number;
  readonly unchanged: number;
}

/**
 * An engine's stage for a large import (see `ImportStage` in the domain): upserts appended in
 * file order, then folded per hash and applied in hash order, a part per transaction.
 */
export interface BulkImportStage {
  /** Upserts added since the stage was last emptied. */
  readonly size: number;
  add(entries: readonly NewEntry[]): Promise<void>;
  /** Folds what is staged per (signal type, value), in that order; returns how many parts it makes. */
  seal(): Promise<number>;
  /** Applies part `part` (0-based) of the sealed stage, inside the store's change-log transaction. */
  applyPart(
    trx: Transaction<Database>,
    part: number,
    context: BulkImportContext,
  ): Promise<BulkStagePartResult>;
  /** Empties the stage, ready for more upserts. */
  reset(): Promise<void>;
  close(): Promise<void>;
}
