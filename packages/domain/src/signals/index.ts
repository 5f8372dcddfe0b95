export * from './vpdq.js';
export { sha256Hex, sha256HexOfAscii } from './sha256.js';
