export * from './hash-exchange-source.js';
export * from './hash-exchange.js';
export * from './hash-exchange-registry.js';
export * from './hash-exchange.service.js';
