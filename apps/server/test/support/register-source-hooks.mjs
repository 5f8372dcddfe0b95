// `node --import ./register-source-hooks.mjs apps/server/src/main.ts`: runs the server from its
// TypeScript sources (tests of the real process without a build), with the same module hooks
// the index-build worker uses in source mode.
import { register } from 'node:module';

register('../../src/index-build/source-loader-hooks.mjs', import.meta.url);
