export * from './exchange-message.js';
export * from './exchange-message-builder.js';
export * from './exchange-records.js';
export * from './exchange-ports.js';
export * from './exchange.service.js';
