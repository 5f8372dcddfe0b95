import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { buildReferralConfig, type ReferralConfig } from '@hashline/domain';
import type { StoreConnectionOptions } from '@hashline/storage';
import { fileURLToPath } from 'node:url';

/**
 * Fastify's `trustProxy`: false (the TCP peer is the client), a number of proxy hops to believe,
 * or the addresses/CIDRs of trusted proxies.
 */
export type TrustProxy = false | number | readonly string[];

/**
 * Video uploads: where FFmpeg comes from, the limits a video is hashed under (the video
 * equivalents of the image limits), and when an upload becomes an asynchronous job.
 */
export interface VideoConfig {
  /**
   * The `ffmpeg` program (`HASHLINE_FFMPEG_PATH`; default the static build of the
   * `@ffmpeg-installer/ffmpeg` npm package, else `ffmpeg` on PATH; ADR 0010).
   */
  readonly ffmpegPath: string | null;
  /** The `ffprobe` program (`HASHLINE_FFPROBE_PATH`; default as for ffmpeg). */
  readonly ffprobePath: string | null;
  /** Largest video upload (`HASHLINE_VIDEO_MAX_BYTES`, default 512 MiB), streamed to a temporary file. */
  readonly maxBytes: number;
  /** Largest frame, width × height (`HASHLINE_VIDEO_MAX_PIXELS`, default 8K UHD, 33,177,600). */
  readonly maxPixels: number;
  /** Longest video in seconds (`HASHLINE_VIDEO_MAX_SECONDS`, default 3 h). */
  readonly maxDurationSeconds: number;
  /** Most frames (`HASHLINE_VIDEO_MAX_FRAMES`, default 648,000: 3 h at 60 fps). */
  readonly maxFrames: number;
  /** Highest declared frame rate (`HASHLINE_VIDEO_MAX_FRAME_RATE`, default 240). */
  readonly maxFrameRate: number;
  /** Most streams in the container (`HASHLINE_VIDEO_MAX_STREAMS`, default 64). */
  readonly maxStreams: number;
  /** Time limit of hashing one video, probe and decode (`HASHLINE_VIDEO_TIMEOUT_MS`, default 10 min). */
  readonly timeoutMs: number;
  /**
   * Videos up to this many seconds are answered in the request (`HASHLINE_VIDEO_INLINE_SECONDS`,
   * default 60); longer ones become a job: 202 with a `Location` to poll. 0: always a job.
   */
  readonly inlineMaxSeconds: number;
  /**
   * Where uploads wait while they are hashed (`HASHLINE_VIDEO_TEMP_DIR`, default the system's
   * temporary folder). Each upload is a 0600 file in its own folder, deleted when hashed.
   */
  readonly tempDir: string;
  /** How long a finished job's result is kept for its caller (`HASHLINE_VIDEO_JOB_RESULT_MINUTES`, 60). */
  readonly jobResultMinutes: number;
  /** Most video jobs waiting or running in one process (`HASHLINE_VIDEO_MAX_JOBS`, default 16); more: 429. */
  readonly maxJobs: number;
}

/** Pino log levels the server accepts. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The server's configuration: parsed once from the environment, validated, frozen. */
export interface ServerConfig {
  /** Folder for the embedded database and the initial admin token (`HASHLINE_DATA_DIR`, `./.data`). */
  readonly dataDir: string;
  /** `sqlite:<path>`, `sqlite::memory:` or `postgres://...` (`HASHLINE_DATABASE_URL`). */
  readonly databaseUrl: string;
  /**
   * The match index's snapshot file (`HASHLINE_INDEX_SNAPSHOT`, default `<dataDir>/match-index.snapshot`;
   * `off` disables it, as does `sqlite::memory:`). Written after each index build, read at start so
   * the index need not be read from the store and rebuilt. Processes may share one path (writes are
   * atomic renames) or each have their own. It holds hashes: keep it as private as the database.
   */
  readonly indexSnapshot: string | null;
  /** Interface to listen on (`HOST`, default 127.0.0.1: loopback until told otherwise). */
  readonly host: string;
  /** TCP port (`PORT`, default 8080; 0 picks a free port). */
  readonly port: number;
  /** `HASHLINE_LOG_LEVEL` (default `info`). */
  readonly logLevel: LogLevel;
  /** Default token bucket of an API key without its own rate. */
  readonly rateLimit: {
    /** Requests per second refilled (`HASHLINE_RATE_LIMIT_PER_SECOND`, default 20). */
    readonly perSecond: number;
    /** Bucket size as seconds of the key's rate (`HASHLINE_RATE_LIMIT_BURST_SECONDS`, default 5). */
    readonly burstSeconds: number;
    /**
     * On PostgreSQL, keep the buckets in the database so a key's limit holds across every
     * process (`HASHLINE_RATE_LIMIT_SHARED`, default true; false: per process, N× with N replicas).
     */
    readonly shared: boolean;
  };
  /** Largest uploaded media file (`HASHLINE_MAX_UPLOAD_BYTES`, default 32 MiB). */
  readonly maxUploadBytes: number;
  /** Largest JSON body (`HASHLINE_MAX_JSON_BYTES`, default 32 MiB: 10,000 entries with metadata). */
  readonly maxJsonBytes: number;
  /** Bulk imports over the API (`POST /v1/banks/{bank}/imports`, issue 12). */
  readonly imports: ImportConfig;
  /** Largest decoded image, width × height (`HASHLINE_MAX_PIXELS`, default 40 MP). */
  readonly maxPixels: number;
  /** Hashing worker threads (`HASHLINE_HASHING_THREADS`, default: one per core, at most 4). */
  readonly hashingThreads: number;
  /**
   * Where images are decoded (`HASHLINE_HASHING_ISOLATION`): `process` (default: child processes, so
   * a crash in a native codec ends one child, never the API) or `thread` (worker threads: faster to
   * start, uploads transferred without a copy, but a native crash ends the server).
   */
  readonly hashingIsolation: 'process' | 'thread';
  /** Time limit of one decode + hash (`HASHLINE_HASHING_TIMEOUT_MS`, default 10 s). */
  readonly hashingTimeoutMs: number;
  /**
   * Fair, bounded media work (issue 15): what the hashing pool holds back before it answers 503
   * `MEDIA_BUSY` with Retry-After.
   */
  readonly media: {
    /** Most media jobs waiting for a worker (`HASHLINE_MEDIA_QUEUE_LIMIT`, default 64). */
    readonly queueLimit: number;
    /**
     * The share of the workers one API key may hold, queued or running, in percent
     * (`HASHLINE_MEDIA_PER_KEY_PERCENT`, default 50: half the workers, at least one job).
     */
    readonly perKeyPercent: number;
    /**
     * Largest decoded image one job may make, width × height × channels × bytes per sample as its
     * header declares them, checked before decoding (`HASHLINE_MEDIA_DECODED_BUDGET_BYTES`, default
     * `HASHLINE_MAX_PIXELS` × 4: 160 MB). Each worker decodes one image at a time, so the pool's
     * decoded pixels stay under workers × this.
     */
    readonly decodedBudgetBytes: number;
  };
  /** Video uploads to `POST /v1/hash` and `POST /v1/match/media` (issue 13). */
  readonly video: VideoConfig;
  /**
   * How often the index polls the change log for other processes' commits (`HASHLINE_POLL_MS`,
   * 250). On PostgreSQL, notifications wake the index at once and polling is the fallback.
   */
  readonly pollIntervalMs: number;
  /**
   * On PostgreSQL, listen for change-log notifications (LISTEN/NOTIFY on one dedicated connection)
   * and catch up as soon as another process commits (`HASHLINE_CHANGE_NOTIFY`, default true).
   */
  readonly changeNotifications: boolean;
  /** How long a verified API key is trusted before it is re-read (`HASHLINE_API_KEY_CACHE_MS`, 5000). */
  readonly apiKeyCacheMs: number;
  /** The database's connections and health check: what keeps a lost or hung database from hanging requests. */
  readonly store: StoreConfig;
  /** Match records: how they are written and how long they are kept. */
  readonly matchRecords: MatchRecordsConfig;
  /** Webhook delivery. */
  readonly webhooks: {
    /**
     * How long a delivery is retried before it is marked failed, counted from when it was queued
     * (`HASHLINE_WEBHOOK_RETRY_HOURS`, default 72: a receiver down over a weekend loses nothing).
     * Failed deliveries stay listed and can be redelivered.
     */
    readonly retryHours: number;
    /**
     * Deliveries to one endpoint go out one at a time in the bank's seq order, a later one waiting
     * while an earlier one is retried (`HASHLINE_WEBHOOK_ORDERED`, default true); false sends
     * due deliveries in parallel, in no promised order.
     */
    readonly ordered: boolean;
    /** First retry delay; doubles per attempt, with jitter (`HASHLINE_WEBHOOK_BASE_DELAY_MS`, 10 s). */
    readonly baseDelayMs: number;
    /** Longest retry delay (`HASHLINE_WEBHOOK_MAX_DELAY_MS`, default 1 h). */
    readonly maxDelayMs: number;
    /** Time limit of one POST (`HASHLINE_WEBHOOK_TIMEOUT_MS`, default 10 s). */
    readonly timeoutMs: number;
    /** How often the outbox is polled (`HASHLINE_WEBHOOK_POLL_MS`, default 1000). */
    readonly pollIntervalMs: number;
    /**
     * Let webhooks reach loopback, private and link-local addresses
     * (`HASHLINE_WEBHOOK_ALLOW_PRIVATE`, default false: a bank's webhook URL could otherwise make
     * the server probe the internal network or a cloud metadata service).
     */
    readonly allowPrivate: boolean;
  };
  /** Scheduled hash exchanges (issue 14): `/v1/exchanges`, run by every process that enables them. */
  readonly hashExchanges: {
    /**
     * Run due exchanges in this process (`HASHLINE_EXCHANGES`, default true). Several processes
     * may: each exchange is leased, so one process at a time runs it.
     */
    readonly scheduler: boolean;
    /** How often due exchanges are looked for (`HASHLINE_EXCHANGE_POLL_MS`, default 15 s). */
    readonly pollMs: number;
    /** A run's lease, renewed after every page (`HASHLINE_EXCHANGE_LEASE_MS`, default 2 min). */
    readonly leaseMs: number;
    /** Shortest interval an exchange may be scheduled at (`HASHLINE_EXCHANGE_MIN_INTERVAL_SECONDS`, default 60). */
    readonly minIntervalSeconds: number;
    /** Pages one run applies before other exchanges get a turn (`HASHLINE_EXCHANGE_MAX_PAGES_PER_RUN`, default 100). */
    readonly maxPagesPerRun: number;
    /** First back-off after a failed run (`HASHLINE_EXCHANGE_BACKOFF_MS`, default 60 s; doubles per failure). */
    readonly backoffBaseMs: number;
    /** Longest back-off (`HASHLINE_EXCHANGE_MAX_BACKOFF_MS`, default 6 h). */
    readonly backoffMaxMs: number;
    /** One HTTP call to a source (`HASHLINE_EXCHANGE_TIMEOUT_MS`, default 30 s). */
    readonly timeoutMs: number;
    /** Largest feed file read (`HASHLINE_EXCHANGE_FEED_MAX_BYTES`, default 64 MiB). */
    readonly feedMaxBytes: number;
  };
  /**
   * A token (`hl_<id>_<secret>`) to register as an admin key at start if absent
   * (`HASHLINE_ADMIN_TOKEN`); for deployments that provision secrets. Never logged.
   */
  readonly adminToken: string | null;
  /**
   * NCMEC's CyberTipline Reporting API for `POST /v1/cybertipline/submissions` (issue 14); null
   * when `HASHLINE_NCMEC_REPORTING_URL` is unset (export only). Credentials come from the
   * environment or a secret file, are never logged and never reach the API's answers.
   */
  readonly ncmecReporting: NcmecReportingSettings | null;
  /**
   * Which `X-Forwarded-For` hops to believe (`HASHLINE_TRUST_PROXY`, default off: the client
   * address is the TCP peer). A hop count (`1`: one proxy in front, the address it saw is used) or
   * the proxies' addresses and CIDRs (`127.0.0.1,10.0.0.0/8`; also `loopback`, `linklocal`,
   * `uniquelocal`). `true` is refused: it would believe any address a client writes into the
   * header, and every per-address limit (report form, sign-in) could be walked around.
   */
  readonly trustProxy: TrustProxy;
  /**
   * `Strict-Transport-Security` on every response (`HASHLINE_HSTS_MAX_AGE`, seconds; default 0:
   * not sent). Set it only when every client reaches the server over HTTPS (behind a TLS proxy:
   * browsers then refuse plain HTTP to this host for that long). `HASHLINE_HSTS_SUBDOMAINS`
   * (default false) adds `includeSubDomains`.
   */
  readonly hsts: { readonly maxAgeSeconds: number; readonly includeSubDomains: boolean };
  /** The web app and the self-submission page. */
  readonly web: {
    /** Where the built web app is (`HASHLINE_WEB_DIR`, default `apps/web/dist` of this checkout). */
    readonly dir: string;
    /** Where the page sends people for help (`HASHLINE_HELPLINE_NAME`, `_PHONE`, `_URL`; Child Focus 116 000). */
    readonly helpline: { readonly name: string; readonly phone: string; readonly url?: string };
    /** The police (`HASHLINE_POLICE_NAME`, `HASHLINE_POLICE_PHONE`; default 112). */
    readonly police: { readonly name: string; readonly phone: string };
    /**
     * Test only (`HASHLINE_TEST_LEAKY_PAGE=1`): lets the page honour `?leak=1`, which uploads the
     * picked file, so the privacy test can prove it catches a leak. Never in production.
     */
    readonly testLeakyPage: boolean;
  };
  /** The hotline: public reports, capture, workbench (issue 4). */
  readonly hotline: HotlineConfig;
  /**
   * Oracle resistance for `match:verdict` keys (issue 15, finding 2): small batches, hashes
   * counted per hour and per day (across processes on PostgreSQL, like the rate limit), and
   * probing detection. See the README's "How many queries recovering one hash needs".
   */
  readonly verdict: {
    /** Most hashes in one match request of a verdict-only key (`HASHLINE_VERDICT_MAX_BATCH`, default 10). */
    readonly maxBatch: number;
    /** Hashes a verdict-only key may match per hour (`HASHLINE_VERDICT_HASHES_PER_HOUR`, default 600). */
    readonly hashesPerHour: number;
    /** ... and per day (`HASHLINE_VERDICT_HASHES_PER_DAY`, default 5000). */
    readonly hashesPerDay: number;
    /**
     * A query is "near" when a PDQ hash lies within this Hamming distance of one of the key's
     * recent queries (`HASHLINE_PROBING_RADIUS`, default 64: twice the default threshold, so every
     * query that can tell anything about one banked hash is near every other; unrelated hashes lie
     * about 128 apart).
     */
    readonly probingRadius: number;
    /** Near queries per hour that raise a probing alert (`HASHLINE_PROBING_NEAR_QUERIES`, default 32). */
    readonly probingNearQueries: number;
    /** Whether an alert also suspends (revokes) the key (`HASHLINE_PROBING_SUSPEND`, default true). */
    readonly probingSuspend: boolean;
    /**
     * A PDQ query is on an entry's threshold edge when its distance to the entry lies within this
     * many bits of the entry's bank threshold, on either side (`HASHLINE_PROBING_EDGE_BAND`,
     * default 8: with the default threshold 31, distances 23 to 39).
     */
    readonly probingEdgeBand: number;
    /**
     * Distinct edge queries on one banked entry that raise a probing alert
     * (`HASHLINE_PROBING_EDGE_QUERIES`, default 16; reading one hash needs about 256).
     */
    readonly probingEdgeQueries: number;
    /** How long edge queries are remembered (`HASHLINE_PROBING_EDGE_WINDOW_HOURS`, default 168: a week). */
    readonly probingEdgeWindowHours: number;
  };
  /**
   * New self-submission cases one client address may open per day (`HASHLINE_SELF_SUBMISSIONS_PER_DAY`,
   * default 20; issue 15). Their hashes land in banks of kind `self_submitted_minors` /
   * `ncii_adults` with provenance `self-submission`, no reviewer and the advised action `review`:
   * platforms weigh such a match as unreviewed.
   */
  readonly selfSubmissionsPerAddressPerDay: number;
}

/**
 * Timeouts of the store. The health check reports a database that is down or hangs within about
 * `healthTimeoutMs` (on `/readyz`); from then on requests that need the store fail at once with 503
 * STORE_UNAVAILABLE, and matching answers from memory. A call already waiting when the database
 * went away fails after at most about `max(connectTimeoutMs, queryTimeoutMs + 1 s)`.
 */
export interface StoreConfig {
  /**
   * PostgreSQL: longest wait to open a connection, or for a free pooled one when all are busy
   * (`HASHLINE_DB_CONNECT_TIMEOUT_MS`, default 5000).
   */
  readonly connectTimeoutMs: number;
  /**
   * PostgreSQL: longest one statement may run (`HASHLINE_DB_QUERY_TIMEOUT_MS`, default 60000; 0
   * turns it off): the server's statement_timeout, and a client-side bound 1 s later for a server
   * that stopped answering altogether.
   */
  readonly queryTimeoutMs: number;
  /** PostgreSQL: an idle pooled connection is closed after this long (`HASHLINE_DB_IDLE_TIMEOUT_MS`, default 30000). */
  readonly idleTimeoutMs: number;
  /**
   * PostgreSQL: TCP keepalive, idle time before the first probe (`HASHLINE_DB_KEEPALIVE_MS`,
   * default 10000; 0 turns keepalive off).
   */
  readonly keepAliveMs: number;
  /** SQLite: how long a writer waits for another process's write lock (`HASHLINE_SQLITE_BUSY_TIMEOUT_MS`, default 5000). */
  readonly sqliteBusyTimeoutMs: number;
  /** How long `/readyz` and the background health check wait for the store (`HASHLINE_STORE_CHECK_TIMEOUT_MS`, default 1000). */
  readonly healthTimeoutMs: number;
  /** How often the store's health is checked in the background (`HASHLINE_STORE_CHECK_MS`, default 1000). */
  readonly healthIntervalMs: number;
}

/** Settings of bulk imports over the API. */
export interface ImportConfig {
  /**
   * Where uploaded files wait until their job ends (`HASHLINE_IMPORT_SPOOL_DIR`, default
   * `<dataDir>/import-spool`). Only the process that wrote a file can run (or resume) its job: on
   * several hosts, each has its own; processes on one host may share it.
   */
  readonly spoolDir: string;
  /** Largest uploaded hash list (`HASHLINE_MAX_IMPORT_BYTES`, default 4 GiB). */
  readonly maxBytes: number;
  /**
   * Records per committed batch (`HASHLINE_IMPORT_BATCH_SIZE`, default 25,000 as for a local import,
   * 1–100,000): a job records its progress after every batch and an interrupted job resumes after
   * the last one. Larger batches import faster (fewer commits) and redo more after a crash.
   */
  readonly batchSize: number;
}

/** How the public yearly figures are published (statistics, issue 5 part 5). */
export interface FiguresConfig {
  /** Counts below k are shown as "< k", never published (`HASHLINE_FIGURES_K`, default 10, at least 10). */
  readonly k: number;
  /**
   * Publish the unfinished current year too (`HASHLINE_FIGURES_CURRENT_YEAR`, default false: day-to-day
   * changes of a running year could tell what a single new report was).
   */
  readonly publishCurrentYear: boolean;
  /** The first year with published figures (`HASHLINE_FIGURES_FIRST_YEAR`, default 2000). */
  readonly firstYear: number;
  /** Seconds a year's public figures are reused before they are computed again (`HASHLINE_FIGURES_CACHE_SECONDS`, default 600). */
  readonly cacheSeconds: number;
}

/** Settings of the hotline side. */
export interface HotlineConfig {
  /** Shown on the report form and recorded as the member on published hashes (`HASHLINE_HOTLINE_NAME`). */
  readonly name: string;
  /** The bank hashes go to once two analysts assessed them illegal (`HASHLINE_HOTLINE_BANK`). */
  readonly bank: string;
  /** The law analysts assess against by default, ISO alpha-2 (`HASHLINE_JURISDICTION`, default BE). */
  readonly jurisdiction: string;
  /**
   * The master key for encryption at rest (reporter contacts, TOTP secrets, kept media, receipts):
   * 32 bytes, base64 (`HASHLINE_SECRET_KEY`). When unset, a key is generated once into
   * `<dataDir>/secret.key` (mode 0600); keep that file out of database backups.
   */
  readonly secretKey: string | null;
  /** Keep a sealed preview of captured images and videos' contact sheets (`HASHLINE_KEEP_MEDIA`, default false: hashes and a blurred thumbnail only). */
  readonly keepMedia: boolean;
  /** Run the capture worker in this process (`HASHLINE_CAPTURE_WORKER`, default true). */
  readonly captureWorker: boolean;
  /** How often the capture worker looks for jobs when idle (`HASHLINE_CAPTURE_POLL_MS`). */
  readonly capturePollMs: number;
  /** Time limit of one fetch (`HASHLINE_CAPTURE_TIMEOUT_MS`, default 10 s). */
  readonly captureTimeoutMs: number;
  /** Byte limit of one fetch (`HASHLINE_CAPTURE_MAX_BYTES`, default 20 MiB). */
  readonly captureMaxBytes: number;
  /**
   * TESTS ONLY (`HASHLINE_CAPTURE_ALLOW_LOOPBACK_FOR_TESTS`): lets the capture fetch 127.0.0.0/8 and
   * ::1 so end-to-end tests can serve a test site on loopback. Every other blocked range stays blocked.
   */
  readonly captureAllowLoopbackForTests: boolean;
  /**
   * Browser capture (issue 16): `auto` renders pages in headless Chromium when it is installed
   * (`HASHLINE_CAPTURE_BROWSER`, default `auto`), `off` captures over plain HTTP only.
   */
  readonly captureBrowser: 'auto' | 'off';
  /** The Chromium executable (`HASHLINE_CAPTURE_CHROMIUM_PATH`, default `/usr/bin/chromium`). */
  readonly captureChromiumPath: string;
  /** Browser pages rendered at once, and capture jobs run at once (`HASHLINE_CAPTURE_BROWSER_PAGES`, default 2). */
  readonly captureBrowserPages: number;
  /** A page's whole time budget in the browser (`HASHLINE_CAPTURE_PAGE_TIMEOUT_MS`, default 45 s). */
  readonly capturePageTimeoutMs: number;
  /** A page's JavaScript heap limit in MiB (`HASHLINE_CAPTURE_PAGE_MEMORY_MB`, default 512). */
  readonly capturePageMemoryMb: number;
  /**
   * Audit chain anchors (issue 16): the Ed25519 private key (PEM, PKCS#8) that signs the chain's
   * head (`HASHLINE_AUDIT_ANCHOR_KEY_FILE`; keep it outside the database and its backups), where
   * signed heads are published (`HASHLINE_AUDIT_ANCHOR_TARGET`: a file path, appended one JSON
   * line per anchor, or an http(s) URL a partner receives them at), and how often
   * (`HASHLINE_AUDIT_ANCHOR_INTERVAL_MS`, default one hour). Off unless both are set.
   */
  readonly auditAnchor: {
    readonly keyFile: string | null;
    readonly target: string | null;
    readonly intervalMs: number;
  };
  /** Reveals per analyst per UTC day (`HASHLINE_EXPOSURE_DAILY_LIMIT`, default 100). */
  readonly exposureDailyLimit: number;
  /** Reveals after which the workbench warns (`HASHLINE_EXPOSURE_WARN_AT`, default 80 % of the limit). */
  readonly exposureWarnAt: number;
  /**
   * A run of this many reveals within `breakWindowMinutes` brings the workbench's gentle break
   * reminder (`HASHLINE_BREAK_AFTER_REVEALS`, default 20; it never blocks anything).
   */
  readonly breakAfterReveals: number;
  /** The window of that run in minutes (`HASHLINE_BREAK_WINDOW_MINUTES`, default 60). */
  readonly breakWindowMinutes: number;
  /** Reports per minute per client address (`HASHLINE_REPORTS_PER_MINUTE`, default 10; counted in memory, never stored). */
  readonly reportsPerMinute: number;
  /** Hours a workbench session lasts (`HASHLINE_SESSION_HOURS`, default 8). */
  readonly sessionHours: number;
  /** Mark the session cookie Secure (`HASHLINE_COOKIE_SECURE`; set it behind TLS). */
  readonly cookieSecure: boolean;
  /**
   * Referral rules (issue 5 part 1): own country (`HASHLINE_REFERRAL_COUNTRY`, default the
   * jurisdiction), police unit (`HASHLINE_POLICE_UNIT_NAME`, `HASHLINE_POLICE_UNIT_EMAIL`; Belgium:
   * Federal Police – Child Abuse team), who sends takedowns for domestic hosting
   * (`HASHLINE_TAKEDOWN_VIA` hotline|police; Belgium: police), partner hotlines by country
   * (`HASHLINE_PARTNER_HOTLINES` JSON array, or `HASHLINE_PARTNER_HOTLINES_FILE` naming a JSON file),
   * the route without a partner (`HASHLINE_NO_PARTNER_ROUTE` national_police|interpol), and whether
   * packages carry the reporter's description (`HASHLINE_PACKAGE_INCLUDE_DESCRIPTION`, default false).
   */
  readonly referrals: ReferralConfig;
  /** The public yearly figures page and its small-count suppression (issue 5 part 5). */
  readonly figures: FiguresConfig;
  /** Hotline-to-hotline exchange (issue 5 part 2); partners are in the referral settings. */
  readonly exchange: ExchangeConfig;
  /**
   * Notice and takedown, and the retention job (issue 5 parts 3 and 6). Who sends notices for
   * domestic hosting and the police unit's address are in the referral settings.
   */
  readonly takedown: TakedownConfig;
}

/** How match records are written and kept. */
export interface MatchRecordsConfig {
  /**
   * Most match records one commit holds (`HASHLINE_MATCH_RECORD_GROUP_SIZE`, default 256): records
   * arriving while a commit is in flight commit together as the next group (no timer: a lone
   * request commits at once). 1 commits each record on its own (slower; for comparison).
   */
  readonly groupSize: number;
  /**
   * Days a match record is kept (`HASHLINE_MATCH_RECORD_RETENTION_DAYS`, default 90): records hold
   * the queried hash, sensitive data. Older records, and finished (delivered or failed) webhook
   * deliveries older than that, are deleted at start and every `HASHLINE_RETENTION_INTERVAL_MS`.
   * 0 (or `off`) keeps them forever.
   */
  readonly retentionDays: number;
}

/** Notice and takedown (SMTP, templates, re-checks) and retention settings. */
export interface TakedownConfig {
  /**
   * The SMTP server notices go through (`HASHLINE_SMTP_URL`, `smtp://host:port`, or `smtps://` for
   * implicit TLS; credentials in the URL). Null: notices are recorded as pending and retried once
   * it is set. (A plain `smtp://` upgrades with STARTTLS when the server offers it.)
   */
  readonly smtpUrl: string | null;
  /** The From address of notices (`HASHLINE_NOTICE_FROM`, default `hotline@localhost`). */
  readonly noticeFrom: string;
  /** Where replies go: named in the notice and sent as Reply-To (`HASHLINE_NOTICE_CONTACT`, default the From address). */
  readonly noticeContact: string;
  /** The legal-basis line of notices (`HASHLINE_NOTICE_LEGAL_BASIS`; default per language: Directive 2011/93/EU and the DSA). */
  readonly legalBasis: string | null;
  /** The notice language when the analyst names none (`HASHLINE_NOTICE_LANGUAGE`: nl, fr, de or en; default en). */
  readonly defaultLanguage: 'nl' | 'fr' | 'de' | 'en';
  /** A folder of template overrides, `host_notice.<lang>.txt` / `police_handover.<lang>.txt` (`HASHLINE_NOTICE_TEMPLATE_DIR`). */
  readonly templateDir: string | null;
  /** Re-checks this many hours after the notice (`HASHLINE_TAKEDOWN_CHECK_HOURS`, default `1,6,24`). */
  readonly checkHours: readonly number[];
  /** Then daily re-checks until this many days after the notice (`HASHLINE_TAKEDOWN_CHECK_DAYS`, default 14). */
  readonly checkDays: number;
  /** Offline re-checks in a row that confirm a removal (`HASHLINE_TAKEDOWN_CONFIRM_CHECKS`, 1 or 2; default 1). */
  readonly confirmChecks: 1 | 2;
  /** Run the takedown scheduler (send retries, re-checks, retention) in this process (`HASHLINE_TAKEDOWN_SCHEDULER`, default true; one process is enough). */
  readonly scheduler: boolean;
  /** How often the scheduler looks for due sends and re-checks (`HASHLINE_TAKEDOWN_POLL_MS`, default 60 s). */
  readonly pollMs: number;
  /**
   * Days after a report closes before its personal data (contact, description, previews,
   * thumbnails, analysts' notes) is deleted (`HASHLINE_RETENTION_DAYS`, default 365 as
   * SECURITY.md's retention control suggests; 0 turns the job off).
   */
  readonly retentionDays: number;
  /** How often the retention job runs (`HASHLINE_RETENTION_INTERVAL_MS`, default 1 h). */
  readonly retentionIntervalMs: number;
}

/** How cases are sent to partner hotlines' exchange APIs. */
export interface ExchangeConfig {
  /** Time limit of one POST to a partner (`HASHLINE_EXCHANGE_TIMEOUT_MS`, default 10 s). */
  readonly timeoutMs: number;
  /** Attempts per send, transient failures retried with the same idempotency key (`HASHLINE_EXCHANGE_ATTEMPTS`, default 3). */
  readonly attempts: number;
  /** First retry delay, doubled per attempt (`HASHLINE_EXCHANGE_RETRY_DELAY_MS`, default 1 s). */
  readonly retryDelayMs: number;
  /**
   * Let the exchange reach loopback and private addresses over plain http
   * (`HASHLINE_EXCHANGE_ALLOW_PRIVATE`, default false: partners are https on public addresses).
   * For tests on loopback, or partners reached over a private link.
   */
  readonly allowPrivate: boolean;
}

/** NCMEC's Reporting API: where and as whom to submit CyberTipline reports. */
export interface NcmecReportingSettings {
  /** The API root (`HASHLINE_NCMEC_REPORTING_URL`): `https://report.cybertip.org/ispws`, or NCMEC's test root `https://exttest.cybertip.org/ispws`. */
  readonly url: string;
  /** `HASHLINE_NCMEC_REPORTING_USERNAME`. */
  readonly username: string;
  /** `HASHLINE_NCMEC_REPORTING_PASSWORD`, or the first line of the file `HASHLINE_NCMEC_REPORTING_PASSWORD_FILE` names. */
  readonly password: string;
  /** Time for one call (`HASHLINE_NCMEC_REPORTING_TIMEOUT_MS`, default 30 s). */
  readonly timeoutMs: number;
  /** Tries per call (`HASHLINE_NCMEC_REPORTING_ATTEMPTS`, default 4). */
  readonly attempts: number;
  /** First wait before a retry, doubled each time up to 8 s (`HASHLINE_NCMEC_REPORTING_RETRY_DELAY_MS`, default 500). */
  readonly retryDelayMs: number;
  /** TESTS ONLY (`HASHLINE_NCMEC_REPORTING_ALLOW_HTTP_FOR_TESTS`): plain http to a loopback mock. */
  readonly allowHttpForTests: boolean;
}

/** A configuration problem, naming the variable and what it accepts. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** The store's connection bounds as `openStore` takes them (server and `hashline serve` alike). */
export function storeConnectionOptions(config: ServerConfig): StoreConnectionOptions {
  return {
    connectTimeoutMs: config.store.connectTimeoutMs,
    queryTimeoutMs: config.store.queryTimeoutMs,
    idleTimeoutMs: config.store.idleTimeoutMs,
    keepAliveMs: config.store.keepAliveMs,
    busyTimeoutMs: config.store.sqliteBusyTimeoutMs,
  };
}

/**
 * Reads the configuration from `env` (default `process.env`) and validates every value; all
 * problems are reported at once. The result is deeply frozen.
 * @throws {ConfigError} listing every invalid variable
 */
export function loadConfig(env: Env = process.env, overrides: Partial<ServerConfig> = {}): ServerConfig {
  const problems: string[] = [];
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}; got ${JSON.stringify(raw)}.`);
      return fallback;
    }
    return value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = text(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false; got ${JSON.stringify(raw)}.`);
    return fallback;
  };

  const dataDir = resolve(text('HASHLINE_DATA_DIR') ?? './.data');
  const databaseUrl = text('HASHLINE_DATABASE_URL') ?? `sqlite:${resolve(dataDir, 'hashline.db')}`;
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(databaseUrl)) {
    problems.push('HASHLINE_DATABASE_URL must be sqlite:<path>, sqlite::memory: or postgres://user@host/db.');
  }
  const snapshotSetting = text('HASHLINE_INDEX_SNAPSHOT');
  const indexSnapshot =
    snapshotSetting !== undefined &&
    ['off', 'none', 'false', '0', 'no'].includes(snapshotSetting.toLowerCase())
      ? null
      : snapshotSetting !== undefined
        ? resolve(snapshotSetting)
        : databaseUrl === 'sqlite::memory:'
          ? null
          : resolve(dataDir, 'match-index.snapshot');
  const logLevel = (text('HASHLINE_LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(
      `HASHLINE_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got ${JSON.stringify(logLevel)}.`,
    );
  }
  const isolation = (text('HASHLINE_HASHING_ISOLATION') ?? 'process').toLowerCase();
  if (isolation !== 'process' && isolation !== 'thread') {
    problems.push(`HASHLINE_HASHING_ISOLATION must be process or thread; got ${JSON.stringify(isolation)}.`);
  }
  const adminToken = text('HASHLINE_ADMIN_TOKEN') ?? null;
  if (adminToken !== null && !/^hl_[a-z0-9]{4,32}_[A-Za-z0-9_-]{16,128}$/.test(adminToken)) {
    problems.push('HASHLINE_ADMIN_TOKEN must look like hl_<id>_<secret> (see `hashline api-key create`).');
  }

  // The referral rules (issue 5 part 1): partners from inline JSON or a JSON file, validated in the domain.
  const referralConfig = (jurisdiction: string): ReferralConfig => {
    const inline = text('HASHLINE_PARTNER_HOTLINES');
    const file = text('HASHLINE_PARTNER_HOTLINES_FILE');
    let partners: unknown;
    let partnersSource = 'HASHLINE_PARTNER_HOTLINES';
    if (inline !== undefined && file !== undefined) {
      problems.push('Set HASHLINE_PARTNER_HOTLINES or HASHLINE_PARTNER_HOTLINES_FILE, not both.');
    } else if (inline !== undefined || file !== undefined) {
      let json = inline;
      if (file !== undefined) {
        partnersSource = `HASHLINE_PARTNER_HOTLINES_FILE (${file})`;
        try {
          json = readFileSync(resolve(file), 'utf8');
        } catch (error) {
          problems.push(
            `${partnersSource} cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}.`,
          );
        }
      }
      if (json !== undefined) {
        try {
          partners = JSON.parse(json) as unknown;
        } catch {
          problems.push(
            `${partnersSource} is not valid JSON (expected an array of { "country", "name", ... }).`,
          );
        }
      }
    }
    const built = buildReferralConfig({
      ownCountry: text('HASHLINE_REFERRAL_COUNTRY') ?? jurisdiction,
      ...(text('HASHLINE_POLICE_UNIT_NAME') !== undefined
        ? { policeUnitName: text('HASHLINE_POLICE_UNIT_NAME')! }
        : {}),
      ...(text('HASHLINE_POLICE_UNIT_EMAIL') !== undefined
        ? { policeUnitEmail: text('HASHLINE_POLICE_UNIT_EMAIL')! }
        : {}),
      ...(text('HASHLINE_TAKEDOWN_VIA') !== undefined ? { takedownVia: text('HASHLINE_TAKEDOWN_VIA')! } : {}),
      ...(text('HASHLINE_NO_PARTNER_ROUTE') !== undefined
        ? { noPartnerRoute: text('HASHLINE_NO_PARTNER_ROUTE')! }
        : {}),
      ...(partners !== undefined ? { partners, partnersSource } : {}),
      packageIncludesDescription: bool('HASHLINE_PACKAGE_INCLUDE_DESCRIPTION', false),
      labels: {
        ownCountry:
          text('HASHLINE_REFERRAL_COUNTRY') !== undefined
            ? 'HASHLINE_REFERRAL_COUNTRY'
            : 'HASHLINE_JURISDICTION',
        policeUnitName: 'HASHLINE_POLICE_UNIT_NAME',
        policeUnitEmail: 'HASHLINE_POLICE_UNIT_EMAIL',
        takedownVia: 'HASHLINE_TAKEDOWN_VIA',
        noPartnerRoute: 'HASHLINE_NO_PARTNER_ROUTE',
      },
    });
    problems.push(...built.problems);
    return built.config;
  };

  // Notice and takedown, retention (issue 5 parts 3 and 6).
  const takedownConfig = (): TakedownConfig => {
    const address = /^[^\s@<>()",;]+@[^\s@<>()",;]+$/;
    const smtpUrl = text('HASHLINE_SMTP_URL') ?? null;
    if (smtpUrl !== null && !/^smtps?:\/\/[^\s/]+\/?$/.test(smtpUrl)) {
      problems.push(
        'HASHLINE_SMTP_URL must be smtp://host:port or smtps://host:port (credentials as user:password@).',
      );
    }
    const noticeFrom = text('HASHLINE_NOTICE_FROM') ?? 'hotline@localhost';
    if (!address.test(noticeFrom)) problems.push('HASHLINE_NOTICE_FROM must be an e-mail address.');
    const noticeContact = text('HASHLINE_NOTICE_CONTACT') ?? noticeFrom;
    if (!address.test(noticeContact)) problems.push('HASHLINE_NOTICE_CONTACT must be an e-mail address.');
    const language = (text('HASHLINE_NOTICE_LANGUAGE') ?? 'en').toLowerCase();
    if (!['nl', 'fr', 'de', 'en'].includes(language))
      problems.push('HASHLINE_NOTICE_LANGUAGE must be nl, fr, de or en.');
    const checkDays = int('HASHLINE_TAKEDOWN_CHECK_DAYS', 14, 1, 365);
    const rawHours = text('HASHLINE_TAKEDOWN_CHECK_HOURS') ?? '1,6,24';
    const checkHours = rawHours.split(',').map((h) => Number(h.trim()));
    if (
      checkHours.some((h) => !Number.isFinite(h) || h <= 0 || h > checkDays * 24) ||
      checkHours.some((h, i) => i > 0 && h <= checkHours[i - 1]!)
    ) {
      problems.push(
        'HASHLINE_TAKEDOWN_CHECK_HOURS must be ascending hours after the notice, within HASHLINE_TAKEDOWN_CHECK_DAYS, e.g. 1,6,24.',
      );
    }
    const confirmChecks = int('HASHLINE_TAKEDOWN_CONFIRM_CHECKS', 1, 1, 2) as 1 | 2;
    return {
      smtpUrl,
      noticeFrom,
      noticeContact,
      legalBasis: text('HASHLINE_NOTICE_LEGAL_BASIS') ?? null,
      defaultLanguage: language as TakedownConfig['defaultLanguage'],
      templateDir: text('HASHLINE_NOTICE_TEMPLATE_DIR') ?? null,
      checkHours,
      checkDays,
      confirmChecks,
      scheduler: bool('HASHLINE_TAKEDOWN_SCHEDULER', true),
      pollMs: int('HASHLINE_TAKEDOWN_POLL_MS', 60_000, 10, 3_600_000),
      retentionDays: int('HASHLINE_RETENTION_DAYS', 365, 0, 36_500),
      retentionIntervalMs: int('HASHLINE_RETENTION_INTERVAL_MS', 3_600_000, 1_000, 7 * 86_400_000),
    };
  };

  const captureBrowserMode = (): 'auto' | 'off' => {
    const mode = (text('HASHLINE_CAPTURE_BROWSER') ?? 'auto').toLowerCase();
    if (mode !== 'auto' && mode !== 'off') problems.push('HASHLINE_CAPTURE_BROWSER must be auto or off.');
    return mode === 'off' ? 'off' : 'auto';
  };

  const auditAnchorConfig = (): HotlineConfig['auditAnchor'] => {
    const keyFile = text('HASHLINE_AUDIT_ANCHOR_KEY_FILE') ?? null;
    const target = text('HASHLINE_AUDIT_ANCHOR_TARGET') ?? null;
    if ((keyFile === null) !== (target === null)) {
      problems.push(
        'HASHLINE_AUDIT_ANCHOR_KEY_FILE and HASHLINE_AUDIT_ANCHOR_TARGET go together: set both to publish signed audit anchors, or neither.',
      );
    }
    return {
      keyFile: keyFile === null ? null : resolve(keyFile),
      target: target === null || /^https?:\/\//i.test(target) ? target : resolve(target),
      intervalMs: int('HASHLINE_AUDIT_ANCHOR_INTERVAL_MS', 3_600_000, 1_000, 7 * 86_400_000),
    };
  };

  const hotlineConfig = (): HotlineConfig => {
    const secretKey = text('HASHLINE_SECRET_KEY') ?? null;
    if (secretKey !== null && Buffer.from(secretKey, 'base64').length !== 32) {
      problems.push('HASHLINE_SECRET_KEY must be 32 bytes in base64 (e.g. `openssl rand -base64 32`).');
    }
    const jurisdiction = (text('HASHLINE_JURISDICTION') ?? 'BE').toUpperCase();
    if (!/^[A-Z]{2}$/.test(jurisdiction))
      problems.push('HASHLINE_JURISDICTION must be an ISO 3166-1 alpha-2 code, e.g. BE.');
    const bank = text('HASHLINE_HOTLINE_BANK') ?? 'hotline-known-csam';
    if (!/^[a-z0-9_-]{1,64}$/.test(bank))
      problems.push('HASHLINE_HOTLINE_BANK must be a bank name: a–z, 0–9, - and _.');
    const exposureDailyLimit = int('HASHLINE_EXPOSURE_DAILY_LIMIT', 100, 1, 100_000);
    const referrals = referralConfig(jurisdiction);
    return {
      name: text('HASHLINE_HOTLINE_NAME') ?? 'Hashline hotline',
      bank,
      jurisdiction,
      secretKey,
      keepMedia: bool('HASHLINE_KEEP_MEDIA', false),
      captureWorker: bool('HASHLINE_CAPTURE_WORKER', true),
      capturePollMs: int('HASHLINE_CAPTURE_POLL_MS', 1_000, 10, 600_000),
      captureTimeoutMs: int('HASHLINE_CAPTURE_TIMEOUT_MS', 10_000, 100, 600_000),
      captureMaxBytes: int('HASHLINE_CAPTURE_MAX_BYTES', 20 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      captureAllowLoopbackForTests: bool('HASHLINE_CAPTURE_ALLOW_LOOPBACK_FOR_TESTS', false),
      captureBrowser: captureBrowserMode(),
      captureChromiumPath: text('HASHLINE_CAPTURE_CHROMIUM_PATH') ?? '/usr/bin/chromium',
      captureBrowserPages: int('HASHLINE_CAPTURE_BROWSER_PAGES', 2, 1, 16),
      capturePageTimeoutMs: int('HASHLINE_CAPTURE_PAGE_TIMEOUT_MS', 45_000, 1_000, 600_000),
      capturePageMemoryMb: int('HASHLINE_CAPTURE_PAGE_MEMORY_MB', 512, 32, 16_384),
      auditAnchor: auditAnchorConfig(),
      exposureDailyLimit,
      exposureWarnAt: int(
        'HASHLINE_EXPOSURE_WARN_AT',
        Math.max(1, Math.floor(exposureDailyLimit * 0.8)),
        1,
        100_000,
      ),
      breakAfterReveals: int('HASHLINE_BREAK_AFTER_REVEALS', 20, 1, 100_000),
      breakWindowMinutes: int('HASHLINE_BREAK_WINDOW_MINUTES', 60, 1, 24 * 60),
      reportsPerMinute: int('HASHLINE_REPORTS_PER_MINUTE', 10, 1, 100_000),
      sessionHours: int('HASHLINE_SESSION_HOURS', 8, 1, 24 * 30),
      cookieSecure: bool('HASHLINE_COOKIE_SECURE', false),
      referrals,
      figures: {
        k: int('HASHLINE_FIGURES_K', 10, 10, 1_000_000),
        publishCurrentYear: bool('HASHLINE_FIGURES_CURRENT_YEAR', false),
        firstYear: int('HASHLINE_FIGURES_FIRST_YEAR', 2000, 1970, 9999),
        cacheSeconds: int('HASHLINE_FIGURES_CACHE_SECONDS', 600, 0, 86_400),
      },
      exchange: {
        timeoutMs: int('HASHLINE_EXCHANGE_TIMEOUT_MS', 10_000, 100, 600_000),
        attempts: int('HASHLINE_EXCHANGE_ATTEMPTS', 3, 1, 10),
        retryDelayMs: int('HASHLINE_EXCHANGE_RETRY_DELAY_MS', 1_000, 0, 60_000),
        allowPrivate: bool('HASHLINE_EXCHANGE_ALLOW_PRIVATE', false),
      },
      takedown: takedownConfig(),
    };
  };

  const maxPixels = int('HASHLINE_MAX_PIXELS', 40_000_000, 1_000, 1_000_000_000);
  const config: ServerConfig = {
    dataDir,
    databaseUrl,
    indexSnapshot,
    host: text('HOST') ?? '127.0.0.1',
    port: int('PORT', 8080, 0, 65_535),
    logLevel: logLevel as LogLevel,
    rateLimit: {
      perSecond: int('HASHLINE_RATE_LIMIT_PER_SECOND', 20, 1, 1_000_000),
      burstSeconds: int('HASHLINE_RATE_LIMIT_BURST_SECONDS', 5, 1, 3_600),
      shared: bool('HASHLINE_RATE_LIMIT_SHARED', true),
    },
    maxUploadBytes: int('HASHLINE_MAX_UPLOAD_BYTES', 32 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    maxJsonBytes: int('HASHLINE_MAX_JSON_BYTES', 32 * 1024 * 1024, 64 * 1024, 1024 * 1024 * 1024),
    imports: {
      spoolDir: resolve(text('HASHLINE_IMPORT_SPOOL_DIR') ?? resolve(dataDir, 'import-spool')),
      maxBytes: int('HASHLINE_MAX_IMPORT_BYTES', 4 * 1024 ** 3, 1, 1024 ** 4),
      batchSize: int('HASHLINE_IMPORT_BATCH_SIZE', 25_000, 1, 100_000),
    },
    maxPixels,
    hashingThreads: int('HASHLINE_HASHING_THREADS', 0, 0, 64),
    hashingIsolation: isolation as 'process' | 'thread',
    hashingTimeoutMs: int('HASHLINE_HASHING_TIMEOUT_MS', 10_000, 100, 600_000),
    media: {
      queueLimit: int('HASHLINE_MEDIA_QUEUE_LIMIT', 64, 1, 100_000),
      perKeyPercent: int('HASHLINE_MEDIA_PER_KEY_PERCENT', 50, 1, 100),
      decodedBudgetBytes: int(
        'HASHLINE_MEDIA_DECODED_BUDGET_BYTES',
        maxPixels * 4,
        1_000,
        Number.MAX_SAFE_INTEGER,
      ),
    },
    video: {
      ffmpegPath: text('HASHLINE_FFMPEG_PATH') ?? null,
      ffprobePath: text('HASHLINE_FFPROBE_PATH') ?? null,
      maxBytes: int('HASHLINE_VIDEO_MAX_BYTES', 512 * 1024 ** 2, 1024, 64 * 1024 ** 3),
      maxPixels: int('HASHLINE_VIDEO_MAX_PIXELS', 7680 * 4320, 1_000, 1_000_000_000),
      maxDurationSeconds: int('HASHLINE_VIDEO_MAX_SECONDS', 3 * 3600, 1, 48 * 3600),
      maxFrames: int('HASHLINE_VIDEO_MAX_FRAMES', 3 * 3600 * 60, 1, 100_000_000),
      maxFrameRate: int('HASHLINE_VIDEO_MAX_FRAME_RATE', 240, 1, 1000),
      maxStreams: int('HASHLINE_VIDEO_MAX_STREAMS', 64, 1, 1000),
      timeoutMs: int('HASHLINE_VIDEO_TIMEOUT_MS', 600_000, 1_000, 24 * 3_600_000),
      inlineMaxSeconds: int('HASHLINE_VIDEO_INLINE_SECONDS', 60, 0, 24 * 3600),
      tempDir: resolve(text('HASHLINE_VIDEO_TEMP_DIR') ?? tmpdir()),
      jobResultMinutes: int('HASHLINE_VIDEO_JOB_RESULT_MINUTES', 60, 1, 7 * 24 * 60),
      maxJobs: int('HASHLINE_VIDEO_MAX_JOBS', 16, 1, 10_000),
    },
    pollIntervalMs: int('HASHLINE_POLL_MS', 250, 10, 60_000),
    changeNotifications: bool('HASHLINE_CHANGE_NOTIFY', true),
    apiKeyCacheMs: int('HASHLINE_API_KEY_CACHE_MS', 5_000, 0, 600_000),
    store: {
      connectTimeoutMs: int('HASHLINE_DB_CONNECT_TIMEOUT_MS', 5_000, 100, 600_000),
      queryTimeoutMs: int('HASHLINE_DB_QUERY_TIMEOUT_MS', 60_000, 0, 3_600_000),
      idleTimeoutMs: int('HASHLINE_DB_IDLE_TIMEOUT_MS', 30_000, 1_000, 3_600_000),
      keepAliveMs: int('HASHLINE_DB_KEEPALIVE_MS', 10_000, 0, 3_600_000),
      sqliteBusyTimeoutMs: int('HASHLINE_SQLITE_BUSY_TIMEOUT_MS', 5_000, 0, 600_000),
      healthTimeoutMs: int('HASHLINE_STORE_CHECK_TIMEOUT_MS', 1_000, 50, 60_000),
      healthIntervalMs: int('HASHLINE_STORE_CHECK_MS', 1_000, 50, 60_000),
    },
    matchRecords: {
      groupSize: int('HASHLINE_MATCH_RECORD_GROUP_SIZE', 256, 1, 10_000),
      retentionDays: ((): number => {
        const raw = text('HASHLINE_MATCH_RECORD_RETENTION_DAYS');
        if (raw?.toLowerCase() === 'off') return 0;
        if (raw !== undefined && !/^\d{1,5}$/.test(raw)) {
          problems.push(
            `HASHLINE_MATCH_RECORD_RETENTION_DAYS must be days from 0 to 36500, or off (0 and off keep match records forever); got ${JSON.stringify(raw)}.`,
          );
          return 90;
        }
        return int('HASHLINE_MATCH_RECORD_RETENTION_DAYS', 90, 0, 36_500);
      })(),
    },
    webhooks: {
      retryHours: int('HASHLINE_WEBHOOK_RETRY_HOURS', 72, 1, 24 * 30),
      ordered: bool('HASHLINE_WEBHOOK_ORDERED', true),
      baseDelayMs: int('HASHLINE_WEBHOOK_BASE_DELAY_MS', 10_000, 1, 86_400_000),
      maxDelayMs: int('HASHLINE_WEBHOOK_MAX_DELAY_MS', 3_600_000, 1, 7 * 86_400_000),
      timeoutMs: int('HASHLINE_WEBHOOK_TIMEOUT_MS', 10_000, 100, 600_000),
      pollIntervalMs: int('HASHLINE_WEBHOOK_POLL_MS', 1_000, 10, 600_000),
      allowPrivate: bool('HASHLINE_WEBHOOK_ALLOW_PRIVATE', false),
    },
    hashExchanges: {
      scheduler: bool('HASHLINE_EXCHANGES', true),
      pollMs: int('HASHLINE_EXCHANGE_POLL_MS', 15_000, 10, 3_600_000),
      leaseMs: int('HASHLINE_EXCHANGE_LEASE_MS', 120_000, 1_000, 3_600_000),
      minIntervalSeconds: int('HASHLINE_EXCHANGE_MIN_INTERVAL_SECONDS', 60, 1, 86_400),
      maxPagesPerRun: int('HASHLINE_EXCHANGE_MAX_PAGES_PER_RUN', 100, 1, 100_000),
      backoffBaseMs: int('HASHLINE_EXCHANGE_BACKOFF_MS', 60_000, 1, 86_400_000),
      backoffMaxMs: int('HASHLINE_EXCHANGE_MAX_BACKOFF_MS', 6 * 3_600_000, 1, 7 * 86_400_000),
      timeoutMs: int('HASHLINE_EXCHANGE_TIMEOUT_MS', 30_000, 100, 600_000),
      feedMaxBytes: int('HASHLINE_EXCHANGE_FEED_MAX_BYTES', 64 * 1024 * 1024, 1, 2 ** 31),
    },
    adminToken,
    ncmecReporting: ((): NcmecReportingSettings | null => {
      const url = text('HASHLINE_NCMEC_REPORTING_URL');
      if (url === undefined) return null;
      const allowHttpForTests = bool('HASHLINE_NCMEC_REPORTING_ALLOW_HTTP_FOR_TESTS', false);
      if (!(/^https:\/\/\S+$/.test(url) || (allowHttpForTests && /^http:\/\/\S+$/.test(url)))) {
        problems.push(
          'HASHLINE_NCMEC_REPORTING_URL must be an https:// URL, e.g. https://report.cybertip.org/ispws.',
        );
      }
      const username = text('HASHLINE_NCMEC_REPORTING_USERNAME');
      let password = text('HASHLINE_NCMEC_REPORTING_PASSWORD');
      const passwordFile = text('HASHLINE_NCMEC_REPORTING_PASSWORD_FILE');
      if (password !== undefined && passwordFile !== undefined) {
        problems.push(
          'Set HASHLINE_NCMEC_REPORTING_PASSWORD or HASHLINE_NCMEC_REPORTING_PASSWORD_FILE, not both.',
        );
      } else if (passwordFile !== undefined) {
        try {
          password = readFileSync(resolve(passwordFile), 'utf8').split(/\r?\n/)[0]!.trim() || undefined;
        } catch {
          problems.push(`HASHLINE_NCMEC_REPORTING_PASSWORD_FILE (${passwordFile}) cannot be read.`);
        }
      }
      if (username === undefined || password === undefined) {
        problems.push(
          'HASHLINE_NCMEC_REPORTING_URL needs HASHLINE_NCMEC_REPORTING_USERNAME and HASHLINE_NCMEC_REPORTING_PASSWORD (or _PASSWORD_FILE).',
        );
      }
      return {
        url,
        username: username ?? '',
        password: password ?? '',
        timeoutMs: int('HASHLINE_NCMEC_REPORTING_TIMEOUT_MS', 30_000, 100, 600_000),
        attempts: int('HASHLINE_NCMEC_REPORTING_ATTEMPTS', 4, 1, 10),
        retryDelayMs: int('HASHLINE_NCMEC_REPORTING_RETRY_DELAY_MS', 500, 0, 60_000),
        allowHttpForTests,
      };
    })(),
    trustProxy: parseTrustProxy(text('HASHLINE_TRUST_PROXY'), problems),
    hsts: {
      maxAgeSeconds: int('HASHLINE_HSTS_MAX_AGE', 0, 0, 2 * 365 * 86_400),
      includeSubDomains: bool('HASHLINE_HSTS_SUBDOMAINS', false),
    },
    web: {
      // src/config.ts and dist/config.js are both one level below apps/server.
      dir: resolve(text('HASHLINE_WEB_DIR') ?? fileURLToPath(new URL('../../web/dist', import.meta.url))),
      helpline: {
        name: text('HASHLINE_HELPLINE_NAME') ?? 'Child Focus',
        phone: text('HASHLINE_HELPLINE_PHONE') ?? '116 000',
        ...(text('HASHLINE_HELPLINE_URL') ? { url: text('HASHLINE_HELPLINE_URL')! } : {}),
      },
      police: {
        name: text('HASHLINE_POLICE_NAME') ?? 'Police',
        phone: text('HASHLINE_POLICE_PHONE') ?? '112',
      },
      testLeakyPage: bool('HASHLINE_TEST_LEAKY_PAGE', false),
    },
    hotline: hotlineConfig(),
    verdict: {
      maxBatch: int('HASHLINE_VERDICT_MAX_BATCH', 10, 1, 1_000),
      hashesPerHour: int('HASHLINE_VERDICT_HASHES_PER_HOUR', 600, 1, 100_000_000),
      hashesPerDay: int('HASHLINE_VERDICT_HASHES_PER_DAY', 5_000, 1, 1_000_000_000),
      probingRadius: int('HASHLINE_PROBING_RADIUS', 64, 1, 128),
      probingNearQueries: int('HASHLINE_PROBING_NEAR_QUERIES', 32, 2, 1_000_000),
      probingSuspend: bool('HASHLINE_PROBING_SUSPEND', true),
      probingEdgeBand: int('HASHLINE_PROBING_EDGE_BAND', 8, 0, 64),
      probingEdgeQueries: int('HASHLINE_PROBING_EDGE_QUERIES', 16, 2, 1_000_000),
      probingEdgeWindowHours: int('HASHLINE_PROBING_EDGE_WINDOW_HOURS', 168, 1, 8_760),
    },
    selfSubmissionsPerAddressPerDay: int('HASHLINE_SELF_SUBMISSIONS_PER_DAY', 20, 1, 1_000_000),
    ...overrides,
  };
  if (text('HASHLINE_WEBHOOK_MAX_ATTEMPTS') !== undefined) {
    // Said out loud rather than ignored: the setting used to shorten retries, and now would not.
    problems.push(
      'HASHLINE_WEBHOOK_MAX_ATTEMPTS is gone: webhooks are retried for HASHLINE_WEBHOOK_RETRY_HOURS (default 72).',
    );
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return deepFreeze(config);
}

/** Names proxy-addr (Fastify's trustProxy) knows for address ranges. */
const PROXY_RANGE_NAMES = ['loopback', 'linklocal', 'uniquelocal'];

/**
 * `HASHLINE_TRUST_PROXY`: off, a hop count, or a comma-separated list of proxy addresses and
 * CIDRs. `true` is refused with what to set instead (see {@link ServerConfig.trustProxy}).
 */
export function parseTrustProxy(raw: string | undefined, problems: string[]): TrustProxy {
  if (raw === undefined) return false;
  const lower = raw.toLowerCase();
  if (['0', 'false', 'no', 'off'].includes(lower)) return false;
  // `1` is a hop count (one proxy), not "true".
  if (['true', 'yes', 'on'].includes(lower)) {
    problems.push(
      `HASHLINE_TRUST_PROXY=${raw} would believe any X-Forwarded-For a client sends (per-address limits could be walked around). ` +
        'Set the number of proxies in front of the server (e.g. 1) or their addresses/CIDRs (e.g. 127.0.0.1 or 10.0.0.0/8,192.168.1.5).',
    );
    return false;
  }
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops >= 1 && hops <= 10) return hops;
    problems.push(`HASHLINE_TRUST_PROXY as a hop count must be from 1 to 10; got ${JSON.stringify(raw)}.`);
    return false;
  }
  const entries = raw.split(',').map((e) => e.trim());
  const bad = entries.filter((entry) => !validProxyEntry(entry));
  if (bad.length > 0) {
    problems.push(
      `HASHLINE_TRUST_PROXY must be a hop count or a comma-separated list of addresses and CIDRs (or loopback, linklocal, uniquelocal); not understood: ${bad.map((b) => JSON.stringify(b)).join(', ')}.`,
    );
    return false;
  }
  return entries;
}

function validProxyEntry(entry: string): boolean {
  if (PROXY_RANGE_NAMES.includes(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  if (rest.length > 0 || address === undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
