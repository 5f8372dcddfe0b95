/**
 * `@hashline/domain`: entities, vocabularies, services (use cases), ports and the error catalogue.
 * Isomorphic: adapters (storage, media decoding) implement the ports; apps wire them.
 * @packageDocumentation
 */
export * from './domain-error.js';
export * from './vocabulary.js';
export * from './banks/bank.js';
export * from './banks/signal-validation.js';
export * from './banks/pdq-variants.js';
export * from './banks/import-plan.js';
export * from './matching/match-record.js';
export * from './matching/webhook-delivery.js';
export * from './matching/webhook-delivery.service.js';
export * from './access/api-key.js';
export * from './ports/hashline-store.js';
export * from './ports/clock.js';
export * from './ports/import-job-store.js';
export * from './ports/probing-history.js';
export * from './validation.js';
export * from './banks/bank.service.js';
export * from './banks/bank-actor.js';
export * from './matching/match-engine.js';
export * from './matching/match.service.js';
export * from './matching/match-recorder.js';
export * from './matching/match-record-retention.js';
export * from './formats/index.js';
export * from './signals/index.js';
export * from './self-submission/index.js';
export * from './hotline/index.js';
export * from './hash-exchanges/index.js';
