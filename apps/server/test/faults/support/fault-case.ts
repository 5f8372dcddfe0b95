// One fault case: a database, N server processes on it (directly or through the fault proxy), a
// readiness probe per server, an admin token, and the row the case adds to the fault table. The
// row is written whatever happens, so a failing case is in the table too.
import { randomBytes } from 'node:crypto';
import { openFaultDatabase, type EngineName, type FaultDatabase } from './fault-database.js';
import { ReadinessProbe } from './readiness.js';
import { recordResult, type FaultResult } from './results.js';
import { crashes, startServerProcess, type ServerProcess } from './server-process.js';
import type { Tally } from './checks.js';
import { postJson } from './load.js';
import { waitFor } from './wait.js';

/** True for `npm run test:faults -- --smoke` (the CI subset, smaller loads). */
export const SMOKE = process.env.HASHLINE_FAULTS_SMOKE === '1';

/** Where the servers reach PostgreSQL when a proxy stands between them. */
export interface DatabaseRoute {
  readonly host: string;
  readonly port: number;
  /** Called when the case ends, after the servers are gone. */
  close(): Promise<void>;
}

/** Options of {@link FaultCase.open}. */
export interface FaultCaseOptions {
  readonly fault: string;
  readonly engine: EngineName;
  readonly servers: number;
  /** Settings on top of the suite's (e.g. webhook timings). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Started with the database, before the servers: returns where the servers should connect
   * (the fault proxy). PostgreSQL only.
   */
  readonly route?: (db: FaultDatabase) => Promise<DatabaseRoute>;
}

/**
 * Server settings of every case: small helpers (one hashing thread in the process), no capture
 * worker or takedown scheduler (reported URLs are never fetched: the network is loopback only),
 * limits the loads never reach, one admin token and one secret key shared by every process.
 */
function baseEnv(db: FaultDatabase, route: DatabaseRoute | undefined, token: string): Record<string, string> {
  return {
    HASHLINE_DATA_DIR: db.dataDir,
    HASHLINE_DATABASE_URL: db.serverUrl(route),
    HASHLINE_LOG_LEVEL: 'warn',
    HASHLINE_ADMIN_TOKEN: token,
    HASHLINE_SECRET_KEY: randomBytes(32).toString('base64'),
    HASHLINE_HASHING_THREADS: '1',
    HASHLINE_HASHING_ISOLATION: 'thread',
    HASHLINE_CAPTURE_WORKER: '0',
    HASHLINE_TAKEDOWN_SCHEDULER: '0',
    HASHLINE_REPORTS_PER_MINUTE: '100000',
    HASHLINE_RATE_LIMIT_PER_SECOND: '100000',
  };
}

/** A case in progress. */
export class FaultCase {
  readonly servers: ServerProcess[] = [];
  readonly probes: ReadinessProbe[] = [];
  /** Every process this case started, restarted ones included (for the crash check). */
  readonly everyProcess: ServerProcess[] = [];
  readonly result: FaultResult;
  readonly token = `hl_faults${randomBytes(4).toString('hex')}_${randomBytes(24).toString('base64url')}`;
  #env: Record<string, string> = {};
  #route: DatabaseRoute | undefined;
  readonly #loads: { stop(): Promise<void> }[] = [];

  private constructor(
    readonly db: FaultDatabase,
    readonly options: FaultCaseOptions,
  ) {
    this.result = {
      fault: options.fault,
      engine: options.engine,
      servers: options.servers,
      outcome: 'fail',
      acknowledged: 0,
      lost: 0,
      duplicates: 0,
      secondsToReady: null,
      secondsTo503: null,
      notes: [],
    };
  }

  /**
   * Opens the database, starts the route (proxy) and the servers one after the other (the first
   * one migrates the store and registers the admin token), and waits until each is ready.
   */
  static async open(options: FaultCaseOptions): Promise<FaultCase> {
    const db = await openFaultDatabase(options.engine);
    const c = new FaultCase(db, options);
    try {
      c.#route = options.route ? await options.route(db) : undefined;
      c.#env = { ...baseEnv(db, c.#route, c.token), ...options.env };
      for (let i = 0; i < options.servers; i++) {
        const server = await c.#start(i);
        c.servers.push(server);
        c.probes.push(new ReadinessProbe(() => c.servers[i]!.url));
        await c.waitReady(i, Date.now());
      }
    } catch (error) {
      await c.close();
      throw error;
    }
    return c;
  }

  async #start(i: number): Promise<ServerProcess> {
    const server = await startServerProcess(`server ${i + 1}`, this.#env);
    this.everyProcess.push(server);
    return server;
  }

  /** Base URLs of the servers now. */
  urls(): string[] {
    return this.servers.map((s) => s.url);
  }

  /** Resolves once server `i` answered 200 to a readiness probe sent at or after `since`. */
  async waitReady(i: number, since: number, timeoutMs = 120_000): Promise<number> {
    await waitFor(
      `${this.servers[i]!.name} to be ready`,
      () => {
        const crashed = crashes(this.everyProcess);
        if (crashed.length > 0) throw new Error(crashed.join('\n'));
        return this.probes[i]!.readySince(since);
      },
      { timeoutMs },
    );
    return this.probes[i]!.secondsToReady(since)!;
  }

  /** Resolves once every server is ready after `since`; returns the worst seconds to ready. */
  async waitAllReady(since: number, timeoutMs = 120_000): Promise<number> {
    let worst = 0;
    for (let i = 0; i < this.servers.length; i++) {
      worst = Math.max(worst, await this.waitReady(i, since, timeoutMs));
    }
    return worst;
  }

  /** kill -9 of server `i`, then a new process on the same database; returns the kill time. */
  async killAndRestart(i: number): Promise<{ killedAt: number; restarted: Promise<void> }> {
    const killedAt = Date.now();
    await this.servers[i]!.kill9();
    const restarted = this.#start(i).then((server) => {
      this.servers[i] = server;
    });
    return { killedAt, restarted };
  }

  /** Creates a bank through server 1. */
  async createBank(name: string, extra: Readonly<Record<string, unknown>> = {}): Promise<void> {
    const answer = await postJson(
      `${this.servers[0]!.url}/v1/banks`,
      { name, kind: 'test', ...extra },
      { authorization: `Bearer ${this.token}` },
    );
    if (answer.status !== 201)
      throw new Error(`creating bank ${name}: HTTP ${answer.status} ${JSON.stringify(answer.json)}`);
  }

  /** Stops `load` when the case ends, so a failed case leaves no client loop running. */
  track<Load extends { stop(): Promise<void> }>(load: Load): Load {
    this.#loads.push(load);
    return load;
  }

  /** Adds a tally's counts to the row. */
  add(tally: Tally): void {
    this.result.acknowledged += tally.acknowledged;
    this.result.lost += tally.lost;
    this.result.duplicates += tally.duplicates;
    for (const problem of tally.problems) this.result.notes.push(`${tally.kind}: ${problem}`);
  }

  /** The crashes so far (processes that exited without being killed or stopped on purpose). */
  crashes(): string[] {
    return crashes(this.everyProcess);
  }

  /**
   * Runs the case body, writes the row (pass only when the body returned), stops the servers
   * and drops the database.
   */
  async run(body: () => Promise<void>): Promise<void> {
    try {
      await body();
      this.result.outcome = 'pass';
    } catch (error) {
      this.result.outcome = 'fail';
      const first = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
      this.result.notes.unshift(`failed: ${first.slice(0, 200)}`);
      throw error;
    } finally {
      recordResult(this.result);
      await this.close();
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.#loads, ...this.probes].map((p) => p.stop()));
    for (const server of this.servers) {
      if (server.exit() === undefined) await server.kill9();
    }
    await this.#route?.close();
    await this.db.close();
  }
}
