// `node --import <this file> some/src/main.ts`: runs a process from the workspace's TypeScript
// sources (tests of whole processes without a build), with the hooks workers use in source mode.
import { register } from 'node:module';

register('./source-loader-hooks.mjs', import.meta.url);
