export * from './statistics-rules.js';
export * from './statistics-figures.js';
export * from './statistics-store.js';
export * from './figures-suppression.js';
export * from './public-figures.js';
export * from './statistics-csv.js';
export * from './statistics.service.js';
