export * from './import-record.js';
export * from './text-lines.js';
export * from './delimited-format.js';
export * from './threatexchange-format.js';
export * from './ncmec-xml-format.js';
export * from './stopncii-json-format.js';
export * from './hash-list-import.js';
export * from './vpdq-format.js';
