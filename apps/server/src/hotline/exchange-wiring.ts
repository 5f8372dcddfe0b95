import { randomBytes } from 'node:crypto';
import {
  ExchangeService,
  type Clock,
  type ExchangePartner,
  type ExchangeStore,
  type HashlineStore,
  type PartnerExchangeClient,
  type ReferralStore,
} from '@hashline/domain';
import { createMemoryExchangeStore } from '@hashline/domain/testing';
import type { ServerConfig } from '../config.js';
import { createHttpExchangeClient } from './exchange-client.js';
import { sha256Hex, type Hotline } from './hotline-wiring.js';

/** Every method of the exchange store port, so a half-wired store is never taken for one. */
const EXCHANGE_METHODS: Record<keyof ExchangeStore, true> = {
  openOutgoing: true,
  recordOutcome: true,
  listOutgoing: true,
  recordIncoming: true,
  getIncoming: true,
};

/** The store's exchange tables (`store.exchange`, a `KyselyExchangeStore`), when it has them. */
export function exchangeStoreOf(store: HashlineStore): ExchangeStore | undefined {
  const candidate = (store as { exchange?: unknown }).exchange;
  if (typeof candidate !== 'object' || candidate === null) return undefined;
  const methods = candidate as Record<string, unknown>;
  return Object.keys(EXCHANGE_METHODS).every((m) => typeof methods[m] === 'function')
    ? (candidate as ExchangeStore)
    : undefined;
}

/** The exchange, wired, and whether its records live in memory only. */
export interface Exchange {
  readonly service: ExchangeService;
  /** True when outgoing and incoming exchange records are kept in memory (a store without exchange tables). */
  readonly volatile: boolean;
}

/**
 * Wires the hotline-to-hotline exchange: the store's exchange tables (or memory), the HTTP client
 * configured by `config.hotline.exchange`, the partners of `config.hotline.referrals`, this
 * hotline as sender (`hotline.name`, `hotline.referrals.ownCountry`), and the referral records
 * when given.
 */
export function createExchange(deps: {
  readonly config: ServerConfig;
  readonly store: HashlineStore;
  readonly hotline: Hotline;
  readonly clock: Clock;
  /** The partner hotlines (default: `config.hotline.referrals.partners`). */
  readonly partners?: readonly ExchangePartner[];
  readonly referrals?: ReferralStore;
  /** Replaces the store's exchange tables (tests). */
  readonly exchangeStore?: ExchangeStore;
  /** Replaces the HTTP client (tests). */
  readonly client?: PartnerExchangeClient;
}): Exchange {
  const settings = deps.config.hotline;
  const stored = deps.exchangeStore ?? exchangeStoreOf(deps.store);
  const service = new ExchangeService({
    store: deps.hotline.store,
    exchanges: stored ?? createMemoryExchangeStore(),
    ...(deps.referrals ? { referrals: deps.referrals } : {}),
    client:
      deps.client ??
      createHttpExchangeClient({
        timeoutMs: settings.exchange.timeoutMs,
        attempts: settings.exchange.attempts,
        retryDelayMs: settings.exchange.retryDelayMs,
        allowPrivate: settings.exchange.allowPrivate,
      }),
    partners: deps.partners ?? settings.referrals.partners,
    sender: { name: settings.name, country: settings.referrals.ownCountry },
    clock: deps.clock,
    random: (length) => new Uint8Array(randomBytes(length)),
    secrets: deps.hotline.secrets,
    sha256Hex,
  });
  return { service, volatile: stored === undefined };
}
