import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One change of a Hashline change feed, as `GET /v1/changes` answers it. */
export interface MockChange {
  readonly op: 'entry_upsert' | 'entry_delete' | 'bank_upsert';
  readonly entryId?: number;
  readonly bank?: string | null;
  readonly signalType?: string;
  readonly value?: string;
  readonly active?: boolean;
  readonly entry?: Record<string, unknown> | null;
}

/**
 * A loopback stand-in for another Hashline instance's change feed (`GET /v1/changes` and
 * `/v1/banks/{bank}/changes`), written from our own API's documented shape: `after`/`limit`
 * paging, `nextAfter`, `hasMore`, a bearer key. Failures can be queued (a status and headers for
 * the next requests) to test back-off and pausing.
 */
export class HashlineChangesMock {
  readonly changes: (MockChange & { readonly seq: number })[] = [];
  /** Every `after` asked for, in order. */
  readonly afters: number[] = [];
  /** Every Authorization header received (to check the key is sent, and only here). */
  readonly authorizations: string[] = [];
  /** Bodies POSTed to `/v1/banks/{bank}/entries` (uploads). */
  readonly uploads: { bank: string; body: unknown }[] = [];
  readonly #failures: { status: number; headers: Record<string, string> }[] = [];
  readonly #failAt = new Map<number, number>();
  /** Requests handled so far. */
  requests = 0;
  #server: Server | undefined;
  url = '';

  constructor(readonly token: string) {}

  add(...changes: MockChange[]): void {
    for (const change of changes) this.changes.push({ ...change, seq: this.changes.length + 1 });
  }

  /** The next request answers `status` (with `headers`), once per call. */
  failNext(status: number, headers: Record<string, string> = {}): void {
    this.#failures.push({ status, headers });
  }

  /** Request number `n` (1-based, counting every request handled) answers `status`. */
  failAt(n: number, status: number): void {
    this.#failAt.set(n, status);
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()) ?? resolve());
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    this.authorizations.push(String(req.headers.authorization ?? ''));
    this.requests++;
    const planned = this.#failAt.get(this.requests);
    const failure = planned !== undefined ? { status: planned, headers: {} } : this.#failures.shift();
    if (failure) return send(failure.status, { code: 'MOCK_FAILURE' }, failure.headers);
    if (req.headers.authorization !== `Bearer ${this.token}`) return send(401, { code: 'UNAUTHENTICATED' });
    const url = new URL(req.url ?? '/', 'http://mock');
    const upload = /^\/v1\/banks\/([^/]+)\/entries$/.exec(url.pathname);
    if (req.method === 'POST' && upload) {
      this.uploads.push({
        bank: decodeURIComponent(upload[1]!),
        body: JSON.parse(Buffer.concat(chunks).toString()),
      });
      return send(201, { created: [], existing: [], seq: 0 });
    }
    const bankFeed = /^\/v1\/banks\/([^/]+)\/changes$/.exec(url.pathname);
    if (req.method !== 'GET' || (url.pathname !== '/v1/changes' && !bankFeed))
      return send(404, { code: 'NOT_FOUND' });
    const after = Number(url.searchParams.get('after') ?? '0');
    const limit = Number(url.searchParams.get('limit') ?? '1000');
    this.afters.push(after);
    const bank = bankFeed ? decodeURIComponent(bankFeed[1]!) : null;
    const page = this.changes
      .filter((c) => c.seq > after && (bank === null || c.bank === bank))
      .slice(0, limit);
    const latestSeq = this.changes.length;
    // Like the real feed: a short page scanned to the end of the log.
    const nextAfter = page.length < limit ? Math.max(after, latestSeq) : page[page.length - 1]!.seq;
    send(200, {
      changes: page.map((c) => ({ bankId: 1, at: new Date(0).toISOString(), ...c })),
      nextAfter,
      latestSeq,
      hasMore: nextAfter < latestSeq,
    });
  }
}
