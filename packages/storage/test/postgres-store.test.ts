import { beforeAll } from 'vitest';
import { openPostgresStore } from '../src/index.js';
import { describeHashlineStoreContract } from './contract/hashline-store.contract.js';
import { dropSchema, freshSchemaName, POSTGRES_TEST_URL, requirePostgres } from './support/postgres.js';

beforeAll(requirePostgres);

describeHashlineStoreContract('postgres', async (clock) => {
  const schema = freshSchemaName();
  const store = await openPostgresStore({ connectionString: POSTGRES_TEST_URL, schema, clock });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await dropSchema(schema);
    },
  };
});
