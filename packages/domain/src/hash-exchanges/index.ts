export * from './hash-exchange-source.js';
