import pg from 'pg';
import { CHANGE_CHANNEL_SQL } from './postgres-store-dialect.js';

/** Options of {@link listenForChanges}. */
export interface ChangeListenerOptions {
  /** The store's connection string (its search_path option, if any, names the store's schema). */
  readonly connectionString: string;
  /**
   * Called with `notification` when a transaction committed a change-log append, and with
   * `connected` after every (re)connect, since changes committed while not listening sent their
   * notification to nobody. Errors it throws are ignored; it is called again for later
   * notifications whether or not the previous call finished.
   */
  readonly onChange: (reason: 'notification' | 'connected') => void;
  /** Told when listening starts, and when the connection is lost (with why); for logs. */
  readonly onStatus?: (status: ChangeListenerStatus) => void;
  /** First reconnect delay (default 100 ms); doubles per failed attempt, with jitter. */
  readonly minBackoffMs?: number;
  /** Longest reconnect delay (default 10 s). */
  readonly maxBackoffMs?: number;
  /**
   * How often the connection is checked with a query (default 15 s): a connection that stopped
   * answering without being closed (a paused network) would otherwise look healthy for as long
   * as TCP keeps it.
   */
  readonly pingIntervalMs?: number;
  /** How long a connect or a check may take before the connection is given up (default 5 s). */
  readonly timeoutMs?: number;
}

/** What a listener reports about its connection. */
export type ChangeListenerStatus =
  | { readonly listening: true; readonly channel: string; readonly attempt: number }
  | { readonly listening: false; readonly error: Error; readonly retryInMs: number };

/** A running listener. */
export interface ChangeListener {
  /** True while LISTEN is active on a live connection. */
  readonly listening: boolean;
  /** Stops listening and closes the connection; resolves once closed. */
  close(): Promise<void>;
}

/**
 * Listens on one dedicated PostgreSQL connection for the store's change-log notifications
 * (`notifyChangeLog` in postgres-store-dialect.ts sends them inside the committing transaction).
 * The connection is re-opened after any loss, with exponential backoff and jitter; no error ever
 * escapes (every client error is handled), so a database restart or failover cannot end the
 * process. Notifications are only a wake-up: the caller keeps polling the log as its fallback.
 */
export function listenForChanges(options: ChangeListenerOptions): ChangeListener {
  const minBackoff = options.minBackoffMs ?? 100;
  const maxBackoff = options.maxBackoffMs ?? 10_000;
  const pingInterval = options.pingIntervalMs ?? 15_000;
  const timeoutMs = options.timeoutMs ?? 5_000;
  let closed = false;
  let listening = false;
  let client: pg.Client | null = null;
  let retryTimer: NodeJS.Timeout | undefined;
  let pingTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  let attempt = 0;
  let finished: Promise<void> = Promise.resolve();

  const report = (status: ChangeListenerStatus): void => {
    try {
      options.onStatus?.(status);
    } catch {
      // A faulty status callback must not stop the listener.
    }
  };

  const wake = (reason: 'notification' | 'connected'): void => {
    try {
      options.onChange(reason);
    } catch {
      // Same: the caller's errors are its own.
    }
  };

  /** Drops the current connection (if `current` is still it) and schedules a new one. */
  const lost = (current: pg.Client, error: Error): void => {
    if (client !== current) return;
    client = null;
    listening = false;
    clearInterval(pingTimer);
    current.removeAllListeners('notification');
    void current.end().catch(() => undefined);
    if (closed) return;
    failures++;
    const ceiling = Math.min(maxBackoff, minBackoff * 2 ** Math.min(failures - 1, 20));
    // Full jitter in the upper half: replicas that lost the database together do not all
    // reconnect in the same millisecond.
    const delay = Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
    report({ listening: false, error, retryInMs: delay });
    retryTimer = setTimeout(connect, delay);
    retryTimer.unref();
  };

  const connect = (): void => {
    if (closed) return;
    attempt++;
    const current = new pg.Client({
      connectionString: options.connectionString,
      keepAlive: true,
      connectionTimeoutMillis: timeoutMs,
    });
    client = current;
    // Without this listener a lost connection's 'error' event would crash the process.
    current.on('error', (error) => lost(current, error));
    current.on('end', () => lost(current, new Error('the connection was closed')));
    const run = async (): Promise<void> => {
      await current.connect();
      const { rows } = await current.query<{ channel: string }>(`select ${CHANGE_CHANNEL_SQL} as channel`);
      const channel = rows[0]!.channel;
      current.on('notification', (message) => {
        if (message.channel === channel) wake('notification');
      });
      // Named in pg_stat_activity, so operators (and tests) can tell this connection apart.
      // The channel is `hashline_changes_<digits>`: a safe identifier, quoted anyway.
      await current.query(`set application_name to 'hashline listen ${channel}'`);
      await current.query(`listen "${channel}"`);
      if (client !== current) return;
      listening = true;
      failures = 0;
      report({ listening: true, channel, attempt });
      // Whatever committed while this process was not listening is found now.
      wake('connected');
      pingTimer = setInterval(() => {
        const timer = setTimeout(
          () => lost(current, new Error(`the connection did not answer a check within ${timeoutMs} ms`)),
          timeoutMs,
        );
        current.query('select 1').then(
          () => clearTimeout(timer),
          (error: unknown) => {
            clearTimeout(timer);
            lost(current, asError(error));
          },
        );
      }, pingInterval);
      pingTimer.unref();
    };
    finished = run().catch((error: unknown) => lost(current, asError(error)));
  };

  connect();

  return {
    get listening() {
      return listening;
    },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      clearInterval(pingTimer);
      const current = client;
      client = null;
      listening = false;
      await finished;
      if (current) await current.end().catch(() => undefined);
    },
  };
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
