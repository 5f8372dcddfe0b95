import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/index.js';
import { describeHashlineStoreContract } from './contract/hashline-store.contract.js';

describeHashlineStoreContract('sqlite (temporary file)', async (clock) => {
  const dir = mkdtempSync(join(tmpdir(), 'hashline-sqlite-'));
  const store = await openSqliteStore({ file: join(dir, 'store.db'), clock });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
