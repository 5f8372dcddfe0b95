import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** A webhook URL whose host is (or resolves to) an address webhooks may not reach. */
export class BlockedAddressError extends Error {
  readonly code = 'WEBHOOK_ADDRESS_BLOCKED';
  constructor(message: string) {
    super(message);
    this.name = 'BlockedAddressError';
  }
}

/**
 * Addresses a webhook must not reach unless the deployment allows them: loopback, private,
 * link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast, reserved, and
 * their IPv6 counterparts (IPv4-mapped addresses are checked as IPv4). Without this, anyone who
 * may set a bank's webhook URL could make the server POST into the internal network.
 */
export function privateAddresses(): BlockList {
  const list = new BlockList();
  for (const [net, prefix] of [
    ['0.0.0.0', 8],
    ['10.0.0.0', 8],
    ['100.64.0.0', 10],
    ['127.0.0.0', 8],
    ['169.254.0.0', 16],
    ['172.16.0.0', 12],
    ['192.0.0.0', 24],
    ['192.168.0.0', 16],
    ['198.18.0.0', 15],
    ['224.0.0.0', 4],
    ['240.0.0.0', 4],
  ] as const) {
    list.addSubnet(net, prefix, 'ipv4');
  }
  for (const [net, prefix] of [
    ['::', 128],
    ['::1', 128],
    ['fc00::', 7],
    ['fe80::', 10],
    ['ff00::', 8],
    ['64:ff9b::', 96],
  ] as const) {
    list.addSubnet(net, prefix, 'ipv6');
  }
  return list;
}

const PRIVATE = privateAddresses();

/** True when `address` (an IP literal) is one webhooks may not reach by default. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    return mapped ? PRIVATE.check(mapped[1]!, 'ipv4') : PRIVATE.check(address, 'ipv6');
  }
  return false;
}

/**
 * A DNS lookup for http.request that refuses hosts resolving to private addresses. It runs at
 * connection time, on the addresses actually dialled, so a name cannot pass a check and then
 * re-resolve to an internal address (DNS rebinding).
 */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 4);
    const blocked = addresses.find((a) => isPrivateAddress(a.address));
    if (blocked) {
      return callback(
        new BlockedAddressError(`${hostname} resolves to a private address (${blocked.address}).`),
        '',
        4,
      );
    }
    if ((options as { all?: boolean }).all) {
      // Node passes all: true for happy-eyeballs connects; the callback then takes the list.
      return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    }
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
};

/**
 * Connections kept open between deliveries: a busy bank sends one notification per match, and a
 * TCP (and TLS) handshake for each costs the server more CPU than the POST itself. Reuse keeps
 * the address check: a kept connection was checked by {@link guardedLookup} when it was dialled,
 * and guarded and unguarded requests never share a pool (the pool key does not include the
 * lookup). Idle connections close after 4 s, before the 5 s keep-alive of common servers (Node's
 * included), so a reused connection is rarely one the receiver is closing.
 */
const KEEP_ALIVE = { keepAlive: true, timeout: 4_000, maxSockets: 16, maxFreeSockets: 16 } as const;
const agents = {
  http: { guarded: new http.Agent(KEEP_ALIVE), open: new http.Agent(KEEP_ALIVE) },
  https: { guarded: new https.Agent(KEEP_ALIVE), open: new https.Agent(KEEP_ALIVE) },
};

/** Options of {@link postJson}. */
export interface PostOptions {
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Allow loopback and private addresses (tests, and deployments whose receivers are internal). */
  readonly allowPrivate: boolean;
}

/**
 * POSTs `body` to `url` and resolves with the response status (the body is drained, not read).
 * Redirects are not followed. Rejects with {@link BlockedAddressError} for a private target
 * (unless allowed), or with the network error.
 */
export function postJson(url: string, body: string, options: PostOptions): Promise<number> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new BlockedAddressError('The webhook URL is not a valid URL.'));
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    return Promise.reject(new BlockedAddressError('Webhook URLs must be http or https.'));
  }
  const host = target.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!options.allowPrivate && isPrivateAddress(host)) {
    return Promise.reject(new BlockedAddressError(`${host} is a private address.`));
  }
  const secure = target.protocol === 'https:';
  const client = secure ? https : http;
  const pools = secure ? agents.https : agents.http;
  return new Promise<number>((resolve, reject) => {
    const request = client.request(
      target,
      {
        method: 'POST',
        headers: { ...options.headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: options.allowPrivate ? pools.open : pools.guarded,
        signal: AbortSignal.timeout(options.timeoutMs),
        ...(options.allowPrivate ? {} : { lookup: guardedLookup }),
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
        response.on('close', () => {
          if (!response.complete) reject(new Error('The response was cut off.'));
        });
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
