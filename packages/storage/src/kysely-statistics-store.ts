import {
  AGE_BANDS,
  CONTENT_ORIGINS,
  ILLEGAL_MEDIA_OUTCOMES,
  NOT_ILLEGAL_REPORT_STATUSES,
  SELF_GENERATED_VALUES,
  SEVERITY_KEYS,
  STATISTICS_RANKS,
  type CountCell,
  type FigureCounts,
  type StatisticsPeriod,
  type StatisticsStore,
} from '@hashline/domain';
import { sql, type RawBuilder } from 'kysely';
import { openPostgresDatabase } from './postgres/postgres-database.js';
import { openSqliteDatabase } from './sqlite/sqlite-database.js';
import type { StoreDatabase } from './store-dialect.js';

/** A grouped row as both drivers return it (`pg` gives counts as strings). */
interface CountRow {
  readonly key: string | null;
  readonly subkey?: string | null;
  readonly n: number | string;
}

/** A literal list of vocabulary values (constants of this code base, never input). */
function literals(values: readonly string[]): RawBuilder<unknown> {
  return sql.raw(values.map((value) => `'${value.replace(/'/g, "''")}'`).join(', '));
}

/** `case <column> when 'v' then rank ... else <last> end`, from the domain's rank table. */
function rankCase(column: string, ranks: Readonly<Record<string, number>>): RawBuilder<number> {
  const entries = Object.entries(ranks);
  const worst = Math.max(...entries.map(([, rank]) => rank));
  const whens = entries
    .filter(([, rank]) => rank !== worst)
    .map(([value, rank]) => `when '${value.replace(/'/g, "''")}' then ${rank}`)
    .join(' ');
  return sql.raw(`case ${column} ${whens} else ${worst} end`);
}

/** The value of a rank (the inverse of a rank table). */
function valueOfRank<K extends string>(
  ranks: Readonly<Record<K, number>>,
  keys: readonly K[],
  rank: number,
): K {
  return keys.find((key) => ranks[key] === rank) ?? keys[keys.length - 1]!;
}

const toCells = (rows: readonly CountRow[]): CountCell[] =>
  rows.map((row) => ({ key: row.key ?? 'unknown', subkey: row.subkey ?? null, count: Number(row.n) }));

/**
 * The hotline's statistics as SQL aggregates over the tables of migration 0003 (and the referral
 * and takedown tables of 0004/0005 once they exist), on SQLite and PostgreSQL alike: one query
 * per section, each a GROUP BY, every row of the period's reports counted in the database.
 *
 * The rules of `statistics-rules.ts` (media and report outcomes, the combined assessment) are
 * mirrored here clause by clause; the contract test runs this store and the memory one on the same
 * data. Only columns that retention keeps are read: never the description, the contact, media
 * bytes or thumbnails.
 *
 * Referrals and takedowns are counted when their tables answer (they are made by later
 * migrations); until then their sections are unavailable rather than failing.
 */
export class KyselyStatisticsStore implements StatisticsStore {
  readonly #database: StoreDatabase;
  #referralsReady = false;
  #takedownsReady = false;

  constructor(database: StoreDatabase) {
    this.#database = database;
  }

  async countFigures(period: StatisticsPeriod): Promise<FigureCounts> {
    const { db, dialect: d } = this.#database;
    const postgres = d.engine === 'postgres';
    const from = d.date(period.from);
    const to = d.date(period.to);
    const inPeriod = sql`r.received_at >= ${from} and r.received_at < ${to}`;
    const month = postgres
      ? sql`to_char(r.received_at at time zone 'UTC', 'YYYY-MM')`
      : sql`substr(r.received_at, 1, 7)`;
    const country = postgres ? sql`u.trace ->> 'country'` : sql`json_extract(u.trace, '$.country')`;
    const illegalOutcomes = literals(ILLEGAL_MEDIA_OUTCOMES);
    const assessedIllegal = literals(['illegal', 'illegal_confirmed']);

    // One row per media item of the period's reports: its assessments folded (statistics-rules.ts).
    const mediaCte = sql`with m as (
        select mi.id, mi.url_id, mi.report_id, mi.previously_assessed as known,
          sum(case when a.national_status = 'illegal' then 1 else 0 end) as illegal_n,
          sum(case when a.national_status in ('borderline_needs_review', 'unable_to_assess') then 1 else 0 end) as review_n,
          count(a.id) as assessed_n,
          min(${rankCase('a.age_band', STATISTICS_RANKS.ageBand)}) as age_rank,
          min(${rankCase('a.severity_uk', STATISTICS_RANKS.severity)}) as severity_rank,
          min(${rankCase('a.self_generated', STATISTICS_RANKS.selfGenerated)}) as self_generated_rank,
          min(${rankCase('a.content_origin', STATISTICS_RANKS.contentOrigin)}) as origin_rank
        from media_items mi
        join reports r on r.id = mi.report_id
        left join assessments a on a.media_id = mi.id
        where ${inPeriod}
        group by mi.id, mi.url_id, mi.report_id, mi.previously_assessed
      ), mo as (
        select m.*, case
          when m.known = ${d.bool(true)} then 'previously_known'
          when m.illegal_n >= 2 then 'illegal_confirmed'
          when m.illegal_n = 1 then 'illegal'
          when m.review_n > 0 then 'needs_review'
          when m.assessed_n > 0 then 'not_illegal'
          else 'pending' end as outcome
        from m
      )`;

    const referralsReady = await this.#referralsAvailable();
    const takedownsReady = await this.#takedownsAvailable();

    const run = async (executor: typeof db) => {
      const byMonthChannel = await sql<CountRow>`
        select ${month} as key, r.channel as subkey, count(*) as n
        from reports r where ${inPeriod} group by 1, 2`.execute(executor);
      const reportOutcome = await sql<CountRow>`${mediaCte}
        select case
          when il.report_id is not null then 'illegal'
          when r.status = 'closed_duplicate' then 'duplicate'
          when r.status = 'closed_inaccessible' then 'inaccessible'
          when r.status = 'closed_out_of_remit' then 'out_of_remit'
          when r.status in (${literals(NOT_ILLEGAL_REPORT_STATUSES)}) then 'not_illegal'
          else 'in_progress' end as key, count(*) as n
        from reports r
        left join (select distinct report_id from mo where outcome in (${illegalOutcomes})) il on il.report_id = r.id
        where ${inPeriod} group by 1`.execute(executor);
      const urlAccessibility = await sql<CountRow>`
        select coalesce(u.accessibility, 'not_captured') as key, count(*) as n
        from reported_urls u join reports r on r.id = u.report_id
        where ${inPeriod} group by 1`.execute(executor);
      const hostingCountries = await sql<CountRow>`${mediaCte}
        select coalesce(${country}, 'unknown') as key, count(*) as n
        from reported_urls u
        join (select distinct url_id from mo where outcome in (${illegalOutcomes})) iu on iu.url_id = u.id
        group by 1`.execute(executor);
      const mediaOutcome = await sql<CountRow>`${mediaCte}
        select outcome as key, count(*) as n from mo group by 1`.execute(executor);
      // Characteristics of the media analysts assessed illegal, by the combined assessment's ranks.
      const characteristics = await sql<{
        age_rank: number | string;
        severity_rank: number | string;
        self_generated_rank: number | string;
        origin_rank: number | string;
        n: number | string;
      }>`${mediaCte}
        select age_rank, severity_rank, self_generated_rank, origin_rank, count(*) as n
        from mo where outcome in (${assessedIllegal})
        group by age_rank, severity_rank, self_generated_rank, origin_rank`.execute(executor);
      const referralTargets = referralsReady
        ? await sql<CountRow>`
            select f.target as key, count(*) as n
            from referrals f join reports r on r.id = f.report_id
            where ${inPeriod} group by 1`.execute(executor)
        : null;
      const hours = postgres
        ? sql`extract(epoch from (t.removed_confirmed_at - t.notice_sent_at)) / 3600.0`
        : sql`(julianday(t.removed_confirmed_at) - julianday(t.notice_sent_at)) * 24.0`;
      const removalTimes = takedownsReady
        ? await sql<CountRow>`
            select case
              when t.removed_confirmed_at is null then 'not_removed'
              when ${hours} < 24 then 'same_day'
              when ${hours} <= 72 then '<=3d'
              when ${hours} <= 144 then '<=6d'
              else '>6d' end as key, count(*) as n
            from takedowns t join reports r on r.id = t.report_id
            where ${inPeriod} and t.notice_sent_at is not null group by 1`.execute(executor)
        : null;
      return {
        byMonthChannel,
        reportOutcome,
        urlAccessibility,
        hostingCountries,
        mediaOutcome,
        characteristics,
        referralTargets,
        removalTimes,
      };
    };
    // PostgreSQL: one snapshot for every section, so they add up even while reports arrive.
    // SQLite runs on the store's own connection, where a transaction would take the write lock.
    const rows = postgres
      ? await db
          .transaction()
          .setIsolationLevel('repeatable read')
          .execute((trx) => run(trx))
      : await run(db);

    const ageSeverity = new Map<string, CountCell>();
    const selfGenerated = new Map<string, number>();
    const contentOrigin = new Map<string, number>();
    for (const row of rows.characteristics.rows) {
      const n = Number(row.n);
      const age = valueOfRank(STATISTICS_RANKS.ageBand, AGE_BANDS, Number(row.age_rank));
      const severity = valueOfRank(STATISTICS_RANKS.severity, SEVERITY_KEYS, Number(row.severity_rank));
      const id = `${age}\u0000${severity}`;
      ageSeverity.set(id, { key: age, subkey: severity, count: (ageSeverity.get(id)?.count ?? 0) + n });
      const self = valueOfRank(
        STATISTICS_RANKS.selfGenerated,
        SELF_GENERATED_VALUES,
        Number(row.self_generated_rank),
      );
      selfGenerated.set(self, (selfGenerated.get(self) ?? 0) + n);
      const origin = valueOfRank(STATISTICS_RANKS.contentOrigin, CONTENT_ORIGINS, Number(row.origin_rank));
      contentOrigin.set(origin, (contentOrigin.get(origin) ?? 0) + n);
    }
    const list = (counts: Map<string, number>): CountCell[] =>
      [...counts].map(([key, count]) => ({ key, subkey: null, count }));
    return {
      reportsByMonthChannel: toCells(rows.byMonthChannel.rows),
      reportOutcome: toCells(rows.reportOutcome.rows),
      urlAccessibility: toCells(rows.urlAccessibility.rows),
      hostingCountries: toCells(rows.hostingCountries.rows),
      mediaOutcome: toCells(rows.mediaOutcome.rows),
      ageSeverity: [...ageSeverity.values()],
      selfGenerated: list(selfGenerated),
      contentOrigin: list(contentOrigin),
      referralTargets: rows.referralTargets === null ? null : toCells(rows.referralTargets.rows),
      removalTimes: rows.removalTimes === null ? null : toCells(rows.removalTimes.rows),
    };
  }

  async #referralsAvailable(): Promise<boolean> {
    this.#referralsReady ||= await this.#answers(sql`select report_id, target from referrals where 1 = 0`);
    return this.#referralsReady;
  }

  async #takedownsAvailable(): Promise<boolean> {
    this.#takedownsReady ||= await this.#answers(
      sql`select report_id, notice_sent_at, removed_confirmed_at from takedowns where 1 = 0`,
    );
    return this.#takedownsReady;
  }

  /** Whether a probe query runs (its table and columns exist); outside any transaction. */
  async #answers(probe: RawBuilder<unknown>): Promise<boolean> {
    try {
      await probe.execute(this.#database.db);
      return true;
    } catch {
      return false;
    }
  }
}

/** A {@link StatisticsStore} on a connection of its own. */
export interface OpenedStatisticsStore extends StatisticsStore {
  /** Closes the connection. */
  close(): Promise<void>;
}

/**
 * Opens a statistics store on its own read connection to an existing, migrated database (a store
 * URL as `openStore` takes: `sqlite:path`, `postgres://…`; `schema` for PostgreSQL): for reporting
 * from a replica, and for tests of a database another component writes. It never migrates and
 * never writes. (A server reads its statistics through its main store's connection.)
 */
export async function openStatisticsStore(
  url: string,
  options: { readonly schema?: string } = {},
): Promise<OpenedStatisticsStore> {
  let database: StoreDatabase;
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    database = openSqliteDatabase({ file: file.startsWith('//') ? file.slice(2) : file });
  } else if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    database = await openPostgresDatabase({
      connectionString: url,
      maxConnections: 2,
      ...(options.schema === undefined ? {} : { schema: options.schema }),
    });
  } else {
    throw new Error('A statistics store URL is sqlite:path/to/file.db or postgres://…');
  }
  const store = new KyselyStatisticsStore(database);
  return {
    countFigures: (period) => store.countFigures(period),
    close: () => database.db.destroy(),
  };
}
