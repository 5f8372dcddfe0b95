import type { HashExchangeClientRegistry, SafeFetcher } from '@hashline/domain';
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
    // ---- NCMEC, StopNCII and ThreatExchange plug in here (branch helper/exch-clients) ----
    // Their clients live in ./clients/{ncmec,stopncii,threatexchange}-client.ts and implement the
    // domain's HashExchangeClient port; wire each as a HashExchangeClientFactory, e.g.
    //   ncmec: ncmecExchangeClients({ timeoutMs: deps.timeoutMs }),
    //   stopncii: stopNciiExchangeClients({ timeoutMs: deps.timeoutMs }),
    //   threatexchange: threatExchangeClients({ timeoutMs: deps.timeoutMs }),
    // (the factory's `create` gets the exchange, its opened credentials and the provenance source).
  };
}
