import type { HashExchangeClientRegistry, SafeFetcher } from '@hashline/domain';
import {
  ncmecExchangeClients,
  stopNciiExchangeClients,
  threatExchangeClients,
} from './clients/exchange-client-factories.js';
import { feedExchangeClients } from './feed-exchange-client.js';
import { hashlineExchangeClients } from './hashline-exchange-client.js';

/** What the clients need from the server. */
export interface HashExchangeClientDeps {
  /** The SSRF-safe fetcher feeds are read through (sized by HASHLINE_EXCHANGE_FEED_MAX_BYTES). */
  readonly feedFetcher: SafeFetcher;
  /** One HTTP call to a partner, in ms. */
  readonly timeoutMs: number;
}

/**
 * The exchange types this server runs: type → client factory. A type absent here cannot be
 * configured (`HASH_EXCHANGE_TYPE_UNAVAILABLE`).
 */
export function createHashExchangeClients(deps: HashExchangeClientDeps): HashExchangeClientRegistry {
  return {
    hashline: hashlineExchangeClients({ timeoutMs: deps.timeoutMs }),
    feed: feedExchangeClients(deps.feedFetcher),
    ncmec: ncmecExchangeClients({ timeoutMs: deps.timeoutMs }),
    stopncii: stopNciiExchangeClients({ timeoutMs: deps.timeoutMs }),
    threatexchange: threatExchangeClients({ timeoutMs: deps.timeoutMs }),
  };
}
