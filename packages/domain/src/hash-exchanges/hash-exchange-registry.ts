import type { HashExchange } from './hash-exchange.js';
import type { HashExchangeClient, HashExchangeType } from './hash-exchange-source.js';

/** What a client factory gets: the exchange as configured, its opened credentials, its provenance source. */
export interface HashExchangeClientContext {
  readonly exchange: HashExchange;
  /** The credentials as given when the exchange was configured (opened from the sealed value); null without any. */
  readonly credentials: Readonly<Record<string, string>> | null;
  /**
   * The provenance source of this exchange's entries where the source does not name its own
   * (`exchange:<name>`): what updates and withdrawals of a `hashline` or `feed` source match on.
   */
  readonly provenanceSource: string;
}

/** One type's client: how to build it, and what its configuration needs. */
export interface HashExchangeClientFactory {
  create(context: HashExchangeClientContext): HashExchangeClient;
  /**
   * Problems with an exchange's configuration for this type (field → message), checked when it is
   * created or changed; none when it is fine.
   */
  validate?(config: {
    readonly endpointUrl: string;
    readonly options: Readonly<Record<string, string | number | boolean>>;
    readonly credentials: Readonly<Record<string, string>> | null;
  }): readonly { readonly at: string; readonly message: string }[];
  /**
   * What this type's client sends back to its source, given the exchange's credentials: our
   * confirmed hashes (`upload`) and platforms' votes (`feedback`). Absent: neither. An exchange
   * asking for what its type cannot send is refused when configured, rather than left to look
   * like it sends while nothing ever leaves.
   */
  takes?(credentials: Readonly<Record<string, string>> | null): HashExchangeTakes;
}

/** What a type's client sends back (see `HashExchangeClientFactory.takes`). */
export interface HashExchangeTakes {
  readonly upload: boolean;
  readonly feedback: boolean;
  /** Why votes cannot be sent with these credentials, when the type could send them with others. */
  readonly feedbackNeeds?: string;
}

/**
 * Type → client factory. The server builds it (`apps/server/src/hash-exchanges/hash-exchange-clients.ts`);
 * a type without a factory cannot be configured (`HASH_EXCHANGE_TYPE_UNAVAILABLE`).
 */
export type HashExchangeClientRegistry = Readonly<
  Partial<Record<HashExchangeType, HashExchangeClientFactory>>
>;
