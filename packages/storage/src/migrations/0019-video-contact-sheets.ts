import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../store-dialect.js';

/** Column types where the engines differ. */
const TYPES = {
  sqlite: { json: 'text' },
  postgres: { json: 'jsonb' },
} as const;

/**
 * Video contact sheets (issue 13 item 4): a captured video's thumbnail and sealed preview in
 * `media_blobs` are its contact sheet (a few evenly spaced frames, blurred and greyscale, and in
 * colour), and `media_items.contact_sheet` says what the sheet shows: the video's duration, the
 * number of frames, columns and rows, and each frame's time. Null for images and for videos
 * captured before sheets were made (those keep an empty thumbnail and nothing to reveal).
 */
export function videoContactSheetSchema(engine: Engine): Migration {
  const t = TYPES[engine];
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('media_items').addColumn('contact_sheet', t.json).execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('media_items').dropColumn('contact_sheet').execute();
    },
  };
}
