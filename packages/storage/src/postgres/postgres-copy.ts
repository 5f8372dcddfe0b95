/**
 * A query text that makes a pooled client run `COPY … FROM STDIN` instead of a statement, so the
 * bulk import can stream rows on the very connection of its Kysely transaction:
 * `trx.executeQuery(CompiledQuery.raw(COPY_FROM_STDIN, [copyStatement, chunks]))`, where
 * `chunks` is an array of strings in COPY's text format. Resolves with the rows copied as
 * `numAffectedRows`-less result (`rows` empty); errors map like any query's.
 */
export const COPY_FROM_STDIN = '/* hashline: copy from stdin */';
