import type { ApiKey } from '../access/api-key.js';

/**
 * Who changes a bank (issue 15): every change names its actor in the audit log, and banks that
 * hold published material (see `Bank.fourEyes`) accept changes from the four-eyes path only.
 * - `api-key`: a call of the HTTP API (or an import job it started); `banks` is the key's bank list;
 * - `four-eyes`: the workbench publishing material two analysts confirmed (`id` names them);
 * - `operator`: someone with the database at hand (the CLI's local backend, the demo seed);
 * - `process`: a server-side process acting for the public (self-submission) or for tests.
 */
export interface BankActor {
  readonly via: 'api-key' | 'four-eyes' | 'operator' | 'process';
  /** Recorded as the entries' `addedBy` (an API key id, `hotline:<a>+<b>`, a user, a process name). */
  readonly id: string;
  /** For `api-key`: the key's bank list (null: every bank); undefined when not known (import jobs). */
  readonly banks?: readonly string[] | null;
  /** For `api-key`: whether the key holds `admin` (only admins mark banks four-eyes). */
  readonly admin?: boolean;
}

/** A bank change's actor, or a plain name (taken as a `process`; tests and older callers). */
export type BankActorInput = BankActor | string;

/** The actor of an API key's call. */
export function apiKeyActor(key: Pick<ApiKey, 'id' | 'scopes' | 'banks'>): BankActor {
  return { via: 'api-key', id: key.id, banks: key.banks ?? null, admin: key.scopes.includes('admin') };
}

/** The {@link BankActor} of an input. */
export function toBankActor(input: BankActorInput): BankActor {
  return typeof input === 'string' ? { via: 'process', id: input } : input;
}

/** The audit log's `actor` of a bank change: `api-key:<id>` for keys, the id otherwise. */
export function auditActorOf(actor: BankActor): string {
  return actor.via === 'api-key' ? `api-key:${actor.id}` : actor.id;
}

/** The audit actions of bank changes (also in the hotline's `AUDIT_ACTIONS`). */
export type BankAuditAction =
  | 'bank_created'
  | 'bank_updated'
  | 'bank_deleted'
  | 'bank_entries_added'
  | 'bank_entry_updated'
  | 'bank_entry_deleted'
  | 'bank_import_applied'
  | 'bank_entries_withdrawn'
  /** Feedback votes sent to (or refused by) a hash exchange's source (issue 14). */
  | 'bank_feedback_sent';

/** One bank change for the audit log: counts and names, never hash values. */
export interface BankAuditEvent {
  readonly actor: string;
  readonly action: BankAuditAction;
  /** The bank's name (the subject of the audit row). */
  readonly bank: string;
  readonly details: Readonly<Record<string, string | number | boolean | null>>;
}

/** Where {@link BankService} records bank changes (the hotline's audit chain in the server). */
export type BankAuditSink = (event: BankAuditEvent) => Promise<void>;
