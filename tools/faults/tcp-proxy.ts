import net from 'node:net';

/** What a {@link TcpFaultProxy} does with a connection that arrives. */
export type TcpProxyAdmission = 'forward' | 'drop' | 'refuse';

/** Options for {@link TcpFaultProxy.start}. */
export interface TcpFaultProxyOptions {
  /** Host the proxy forwards to (e.g. `127.0.0.1`). */
  readonly targetHost: string;
  /** Port the proxy forwards to (e.g. PostgreSQL's 5432). */
  readonly targetPort: number;
  /** Port to listen on; 0 (the default) lets the kernel pick one. */
  readonly listenPort?: number;
}

/** Counters a fault test asserts on; every field only grows except `active` and `held`. */
export interface TcpFaultProxyStats {
  /** Connections the listener accepted (held, dropped and forwarded ones alike). */
  readonly accepted: number;
  /** Client connections open now (forwarding, paused or held). */
  readonly active: number;
  /** Connections accepted while paused and not yet connected upstream. */
  readonly held: number;
  /** Connections reset by {@link TcpFaultProxy.reset}. */
  readonly reset: number;
  /** Connections reset on arrival because admission was `drop`. */
  readonly dropped: number;
  /** Connections whose upstream connect failed (the target itself was down). */
  readonly upstreamFailures: number;
  /** Bytes forwarded client → target. */
  readonly bytesUp: number;
  /** Bytes forwarded target → client. */
  readonly bytesDown: number;
}

interface Link {
  readonly client: net.Socket;
  upstream: net.Socket | null;
  closed: boolean;
  /** Held by {@link TcpFaultProxy.stall}: no bytes flow until {@link TcpFaultProxy.resume}. */
  stalled: boolean;
}

/**
 * A loopback TCP proxy for fault tests: it sits between a process and a server (typically the
 * Hashline server and PostgreSQL) and, on command, resets every connection, stops forwarding as a
 * hung database does, or turns new connections away. Node `net` only, so a test can run it in
 * process.
 */
export class TcpFaultProxy {
  readonly #options: TcpFaultProxyOptions;
  readonly #links = new Set<Link>();
  #server: net.Server;
  #port = 0;
  #paused = false;
  #admission: TcpProxyAdmission = 'forward';
  #listening = false;
  #closed = false;
  #accepted = 0;
  #reset = 0;
  #dropped = 0;
  #upstreamFailures = 0;
  #bytesUp = 0;
  #bytesDown = 0;

  private constructor(options: TcpFaultProxyOptions) {
    this.#options = options;
    this.#server = this.#createServer();
  }

  /** Starts a proxy on 127.0.0.1 (an ephemeral port unless `listenPort` is given). */
  static async start(options: TcpFaultProxyOptions): Promise<TcpFaultProxy> {
    const proxy = new TcpFaultProxy(options);
    await proxy.#listen(options.listenPort ?? 0);
    return proxy;
  }

  /** Always 127.0.0.1: the proxy never listens beyond loopback. */
  get host(): string {
    return '127.0.0.1';
  }

  /** The port the proxy listens on (kept across {@link refuse} and {@link accept}). */
  get port(): number {
    return this.#port;
  }

  /** True while {@link pause} is in effect. */
  get paused(): boolean {
    return this.#paused;
  }

  /** What happens to new connections now. */
  get admission(): TcpProxyAdmission {
    return this.#admission;
  }

  /**
   * Resets (TCP RST) every open connection on both sides, as a crashed database, a failover or a
   * middlebox dropping state does. Returns how many client connections were reset.
   */
  reset(): number {
    let count = 0;
    for (const link of [...this.#links]) {
      this.#resetLink(link);
      count += 1;
    }
    this.#reset += count;
    return count;
  }

  /**
   * Stops forwarding bytes in both directions and holds new connections open without answering,
   * as a hung database does: connects succeed, nothing comes back. Bytes already in flight wait in
   * the kernel's buffers and flow again after {@link resume}.
   */
  pause(): void {
    this.#paused = true;
    for (const link of this.#links) {
      link.client.pause();
      link.upstream?.pause();
    }
  }

  /**
   * Stops forwarding on the connections open now, while new ones are forwarded as usual: a path
   * that went dead under established connections (a failover, a NAT or firewall that lost its
   * state) while the database itself is fine. Returns how many connections were stalled.
   */
  stall(): number {
    let count = 0;
    for (const link of this.#links) {
      link.stalled = true;
      link.client.pause();
      link.upstream?.pause();
      count += 1;
    }
    return count;
  }

  /** Forwards again: paused and stalled connections carry on, held ones are connected upstream. */
  resume(): void {
    this.#paused = false;
    for (const link of [...this.#links]) {
      link.stalled = false;
      if (link.upstream === null) this.#connectUpstream(link);
      else {
        link.client.resume();
        link.upstream.resume();
      }
    }
  }

  /**
   * New connections are accepted and reset at once (open connections keep working), as a
   * database refusing sessions at its limit does from the client's point of view.
   */
  drop(): void {
    this.#admission = 'drop';
    void this.#listen(this.#port);
  }

  /**
   * Stops listening, so new connections are refused (ECONNREFUSED) as they are by a stopped
   * database; open connections keep working. {@link accept} listens on the same port again.
   */
  async refuse(): Promise<void> {
    this.#admission = 'refuse';
    if (!this.#listening) return;
    this.#listening = false;
    // close() stops listening at once; its callback would wait until every open connection ends,
    // which open connections that "keep working" never do. Let the listening socket go, no more.
    this.#server.close();
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Back to forwarding new connections (after {@link drop} or {@link refuse}). */
  async accept(): Promise<void> {
    this.#admission = 'forward';
    await this.#listen(this.#port);
  }

  /** Counters for assertions and fault-suite tables. */
  stats(): TcpFaultProxyStats {
    let held = 0;
    for (const link of this.#links) if (link.upstream === null) held += 1;
    return {
      accepted: this.#accepted,
      active: this.#links.size,
      held,
      reset: this.#reset,
      dropped: this.#dropped,
      upstreamFailures: this.#upstreamFailures,
      bytesUp: this.#bytesUp,
      bytesDown: this.#bytesDown,
    };
  }

  /** Stops listening and closes every connection (gracefully; use {@link reset} first for RST). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const link of [...this.#links]) {
      link.client.destroy();
      link.upstream?.destroy();
      this.#forget(link);
    }
    if (this.#listening) {
      this.#listening = false;
      await new Promise<void>((resolve) => this.#server.close(() => resolve()));
    }
  }

  #createServer(): net.Server {
    const server = net.createServer({ pauseOnConnect: true }, (client) => this.#onConnection(client));
    // A listener error after start (rare on loopback) must not crash the test process.
    server.on('error', () => undefined);
    return server;
  }

  async #listen(port: number): Promise<void> {
    if (this.#listening || this.#closed) return;
    if (!this.#server.listening && this.#port !== 0) this.#server = this.#createServer();
    const server = this.#server;
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      server.once('error', onError);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', onError);
        resolve();
      });
    });
    this.#listening = true;
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('tcp proxy: no port');
    this.#port = address.port;
  }

  #onConnection(client: net.Socket): void {
    this.#accepted += 1;
    client.on('error', () => undefined);
    if (this.#admission !== 'forward') {
      this.#dropped += 1;
      client.resetAndDestroy();
      return;
    }
    const link: Link = { client, upstream: null, closed: false, stalled: false };
    this.#links.add(link);
    client.on('close', () => this.#closeLink(link));
    // Held connections stay paused (pauseOnConnect): the client's bytes wait in the kernel.
    if (!this.#paused) this.#connectUpstream(link);
  }

  #connectUpstream(link: Link): void {
    if (link.closed || link.upstream !== null) return;
    const { client } = link;
    const upstream = net.connect({ host: this.#options.targetHost, port: this.#options.targetPort });
    link.upstream = upstream;
    let connected = false;
    upstream.on('connect', () => {
      connected = true;
      if (!this.#paused && !link.stalled) client.resume();
    });
    upstream.on('error', () => {
      if (!connected) this.#upstreamFailures += 1;
      if (!link.closed) this.#resetLink(link);
    });
    client.on('error', () => {
      if (!link.closed) this.#resetLink(link);
    });
    upstream.on('close', () => this.#closeLink(link));
    this.#pipe(link, client, upstream, (n) => (this.#bytesUp += n));
    this.#pipe(link, upstream, client, (n) => (this.#bytesDown += n));
    if (this.#paused) upstream.pause();
  }

  /** Forwards with backpressure, never resuming a side the proxy has paused. */
  #pipe(link: Link, from: net.Socket, to: net.Socket, count: (bytes: number) => void): void {
    from.on('data', (chunk: Buffer) => {
      count(chunk.length);
      if (!to.write(chunk)) from.pause();
    });
    to.on('drain', () => {
      if (!this.#paused && !link.stalled) from.resume();
    });
    from.on('end', () => to.end());
  }

  #resetLink(link: Link): void {
    link.client.resetAndDestroy();
    if (link.upstream !== null && !link.upstream.destroyed) link.upstream.resetAndDestroy();
    this.#forget(link);
  }

  #closeLink(link: Link): void {
    if (link.closed) return;
    link.client.destroy();
    link.upstream?.destroy();
    this.#forget(link);
  }

  #forget(link: Link): void {
    link.closed = true;
    this.#links.delete(link);
  }
}
