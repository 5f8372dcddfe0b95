import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator, type Kysely } from 'kysely';
import { describe, it } from 'vitest';
import { openPostgresStore, openSqliteStore, type HashlineStoreWithHotline } from '../../src/index.js';
import { migrationsFor } from '../../src/migrations/index.js';
import { openPostgresDatabase } from '../../src/postgres/postgres-database.js';
import { openSqliteDatabase } from '../../src/sqlite/sqlite-database.js';
import type { Engine, StoreDatabase } from '../../src/store-dialect.js';
import { dropSchema, freshSchemaName, POSTGRES_TEST_URL, requirePostgres } from './postgres.js';

/** Brings a database's schema to exactly migration `target` (not the latest). */
export async function migrateTo(
  db: Kysely<unknown>,
  engine: Engine,
  target: string,
  schema?: string,
): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrationsFor(engine) },
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const { error } = await migrator.migrateTo(target);
  if (error) throw error;
}

/**
 * A migration tested on data written before it, on SQLite and on PostgreSQL: the schema is
 * brought to `before` (the migration just before the one under test), `writeOld` writes rows as
 * the old code did, then the store opens (running every later migration) and `check` reads them.
 */
export function describeMigrationOnExistingData(
  title: string,
  before: string,
  writeOld: (database: StoreDatabase) => Promise<void>,
  check: (store: HashlineStoreWithHotline) => Promise<void>,
): void {
  describe(title, () => {
    it('sqlite', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hashline-migration-'));
      try {
        const file = join(dir, 'store.db');
        const database = openSqliteDatabase({ file });
        await migrateTo(database.db as Kysely<unknown>, 'sqlite', before);
        await writeOld(database);
        await database.db.destroy();
        const store = await openSqliteStore({ file });
        try {
          await check(store);
        } finally {
          await store.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('postgres', async () => {
      await requirePostgres();
      const schema = freshSchemaName();
      try {
        const database = await openPostgresDatabase({ connectionString: POSTGRES_TEST_URL, schema });
        await migrateTo(database.db as Kysely<unknown>, 'postgres', before, schema);
        await writeOld(database);
        await database.db.destroy();
        const store = await openPostgresStore({ connectionString: POSTGRES_TEST_URL, schema });
        try {
          await check(store);
        } finally {
          await store.close();
        }
      } finally {
        await dropSchema(schema);
      }
    });
  });
}
