import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../store-dialect.js';

/**
 * The workbench for daily use (issue 17): each analyst's chosen language (`nl`, `fr`, `de`,
 * `en`), kept with the analyst so the workbench, its dates and numbers, and the PDFs they export
 * follow them from any browser. Null until they choose (the browser's language decides then).
 */
export function analystLanguageSchema(_engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('analysts').addColumn('language', 'text').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('analysts').dropColumn('language').execute();
    },
  };
}
