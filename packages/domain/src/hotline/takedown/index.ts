export * from './takedown-records.js';
export * from './takedown-store.js';
export * from './notice-templates.js';
export * from './notice-mailer.js';
export * from './takedown-probe.js';
export * from './takedown.service.js';
export * from './retention.service.js';
