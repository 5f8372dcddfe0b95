import { AsyncLocalStorage } from 'node:async_hooks';
import { DomainError } from '@hashline/domain';
import type {
  CompiledQuery,
  DatabaseConnection,
  Driver,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely';

/** Why the store is unavailable, in words safe to show a caller (no host, no SQL). */
export type UnavailableReason = 'timeout' | 'busy' | 'storage' | 'connection';

const REASON_TEXT: Readonly<Record<UnavailableReason, string>> = {
  timeout: 'The database did not answer in time',
  busy: 'The database is busy',
  storage: 'The database cannot read or write its files',
  connection: 'The database connection failed',
};

// Errors of the socket itself (the server is down, unreachable, or dropped the connection).
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// What `pg` and `pg-pool` throw when a connection fails, hangs or was lost; they carry no code.
const PG_TIMEOUT_MESSAGES = [
  'Query read timeout',
  'timeout exceeded when trying to connect',
  'Connection terminated due to connection timeout',
  'timeout expired',
];
const PG_CONNECTION_MESSAGES = [
  'Connection terminated unexpectedly',
  'Connection terminated',
  'Client has encountered a connection error and is not queryable',
];

/**
 * Classifies a driver error: a reason when it means the database is away (unreachable, hung,
 * restarting, overloaded, out of disk), else null. Constraint violations, syntax errors and bugs
 * are null: they are not the database's absence and must stay what they are.
 */
export function unavailableReason(error: unknown): UnavailableReason | null {
  if (error === null || typeof error !== 'object') return null;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    // SQLite (better-sqlite3): the lock is held too long, or the file cannot be read or written.
    if (/^SQLITE_(BUSY|LOCKED)/.test(code)) return 'busy';
    if (/^SQLITE_(IOERR|FULL|CANTOPEN|PROTOCOL)/.test(code)) return 'storage';
    if (SOCKET_CODES.has(code)) return code === 'ETIMEDOUT' ? 'timeout' : 'connection';
    // PostgreSQL SQLSTATEs: 08 connection exception; 57P01–57P05 shutdown, restart, idle-session
    // end; 57014 statement timeout (we never cancel queries otherwise); 53300 too many
    // connections, 53100 disk full, 53200 out of memory.
    if (code.startsWith('08')) return 'connection';
    if (code === '57014') return 'timeout';
    if (/^57P0[1-5]$/.test(code)) return 'connection';
    if (code === '53300' || code === '53200') return 'busy';
    if (code === '53100') return 'storage';
  }
  if (typeof message === 'string') {
    if (PG_TIMEOUT_MESSAGES.includes(message)) return 'timeout';
    if (PG_CONNECTION_MESSAGES.includes(message)) return 'connection';
  }
  // pg-pool wraps a connect timeout; the socket error may be the cause of a wrapper.
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error ? unavailableReason(cause) : null;
}

/**
 * The store could not be opened (the database is unreachable, refuses us, or a migration failed):
 * a one-line message naming the server without credentials, for a CLI or a process to print as is.
 */
export class StoreOpenError extends Error {
  constructor(message: string, options?: { readonly cause?: unknown }) {
    super(message, options);
    this.name = 'StoreOpenError';
  }
}

/**
 * The driver's own words for an error, on one line: the innermost cause of a STORE_UNAVAILABLE
 * error, the first error of an AggregateError (a host name with several addresses), or the code
 * when there is no message.
 */
export function driverMessage(error: unknown): string {
  let inner: unknown = error;
  for (let depth = 0; depth < 5; depth++) {
    const cause = (inner as { cause?: unknown } | null)?.cause;
    if (cause === undefined || cause === inner) break;
    inner = cause;
  }
  if (inner instanceof AggregateError && inner.errors.length > 0) inner = inner.errors[0];
  const { message, code } = (inner ?? {}) as { message?: unknown; code?: unknown };
  const text =
    typeof message === 'string' && message !== '' ? message : typeof code === 'string' ? code : String(inner);
  return text.replace(/\s+/g, ' ').trim();
}

/** True when `error` is a driver error meaning the database is away (see {@link unavailableReason}). */
export function isStoreUnavailableError(error: unknown): boolean {
  return unavailableReason(error) !== null;
}

/** The STORE_UNAVAILABLE error a driver error becomes; the driver error is kept as its cause. */
export function storeUnavailableError(reason: UnavailableReason, cause: unknown): DomainError {
  return new DomainError('STORE_UNAVAILABLE', `${REASON_TEXT[reason]}; retry shortly.`, [], { cause });
}

/**
 * The error a store call throws for a driver error: STORE_UNAVAILABLE when it means the database
 * is away, else the error itself (for code that calls a driver directly, such as bulk imports).
 */
export function translateStoreError(error: unknown): unknown {
  return translate(error);
}

function translate(error: unknown): unknown {
  const reason = unavailableReason(error);
  return reason === null ? error : storeUnavailableError(reason, error);
}

async function mapped<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    throw translate(error);
  }
}

/**
 * Whether new store calls may start (an app's health check of the store). While it returns false,
 * a call that needs a connection fails at once with STORE_UNAVAILABLE instead of waiting for the
 * connection or statement timeout, so requests fail fast during an outage the check has seen;
 * only calls run through {@link bypassStoreGate} (the check itself) still reach the database.
 */
export type StoreGate = () => boolean;

const bypassing = new AsyncLocalStorage<true>();

/** Runs `work` with the store gate open: for the health check that decides when to close it. */
export function bypassStoreGate<T>(work: () => Promise<T>): Promise<T> {
  return bypassing.run(true, work);
}

/**
 * A Kysely driver that turns the engine's "database away" errors into STORE_UNAVAILABLE
 * DomainErrors at the one place every store's queries pass (so the HTTP edge answers 503 with
 * Retry-After, and callers such as matching can carry on without the store). Everything else
 * passes through unchanged: a unique violation still reaches `isUniqueViolation` as the engine
 * raised it.
 */
export class UnavailabilityMappingDriver implements Driver {
  readonly #inner: Driver;
  readonly #gate: StoreGate | undefined;
  readonly #wrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();
  readonly #unwrapped = new WeakMap<DatabaseConnection, DatabaseConnection>();

  constructor(inner: Driver, gate?: StoreGate) {
    this.#inner = inner;
    this.#gate = gate;
  }

  init(): Promise<void> {
    return mapped(this.#inner.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#gate && bypassing.getStore() !== true && !this.#gate()) {
      throw storeUnavailableError(
        'connection',
        new Error('the store health check has found the database unavailable'),
      );
    }
    const connection = await mapped(this.#inner.acquireConnection());
    let wrapper = this.#wrapped.get(connection);
    if (!wrapper) {
      wrapper = {
        executeQuery: <R>(query: CompiledQuery): Promise<QueryResult<R>> =>
          mapped(connection.executeQuery<R>(query)),
        streamQuery: <R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> =>
          mapStream(connection.streamQuery<R>(query, chunkSize)),
      };
      this.#wrapped.set(connection, wrapper);
      this.#unwrapped.set(wrapper, connection);
    }
    return wrapper;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return mapped(this.#inner.beginTransaction(this.#inside(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return mapped(this.#inner.commitTransaction(this.#inside(connection)));
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return mapped(this.#inner.rollbackTransaction(this.#inside(connection)));
  }

  async savepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (!this.#inner.savepoint) throw new Error('savepoints are not supported by this driver');
    return mapped(this.#inner.savepoint(this.#inside(connection), name, compileQuery));
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (!this.#inner.rollbackToSavepoint) throw new Error('savepoints are not supported by this driver');
    return mapped(this.#inner.rollbackToSavepoint(this.#inside(connection), name, compileQuery));
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    if (!this.#inner.releaseSavepoint) throw new Error('savepoints are not supported by this driver');
    return mapped(this.#inner.releaseSavepoint(this.#inside(connection), name, compileQuery));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.#inner.releaseConnection(this.#inside(connection));
  }

  destroy(): Promise<void> {
    return this.#inner.destroy();
  }

  #inside(connection: DatabaseConnection): DatabaseConnection {
    return this.#unwrapped.get(connection) ?? connection;
  }
}

async function* mapStream<R>(
  stream: AsyncIterableIterator<QueryResult<R>>,
): AsyncIterableIterator<QueryResult<R>> {
  try {
    yield* stream;
  } catch (error) {
    throw translate(error);
  }
}
