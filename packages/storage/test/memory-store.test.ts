import { createMemoryStore } from '@hashline/domain/testing';
import { describeHashlineStoreContract } from './contract/hashline-store.contract.js';

// The in-memory fake that service tests use must behave exactly like the SQL stores.
describeHashlineStoreContract('memory', async (clock) => {
  const store = createMemoryStore(clock);
  return { store, cleanup: () => store.close() };
});
