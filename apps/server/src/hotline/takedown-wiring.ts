import { createHash, randomBytes } from 'node:crypto';
import { createSafeFetcher, extractMediaReferences } from '@hashline/capture-node';
import {
  RetentionService,
  TakedownService,
  createFetchingProbe,
  type Clock,
  type HashlineStore,
  type NoticeMailer,
  type SafeFetcher,
  type TakedownProbe,
  type TakedownStore,
} from '@hashline/domain';
import { createMemoryTakedownStore } from '@hashline/domain/testing';
import type { ServerConfig } from '../config.js';
import type { Hotline } from './hotline-wiring.js';
import { loadNoticeTemplates } from './notice-template-overrides.js';
import { createSmtpMailer, unconfiguredMailer } from './smtp-mailer.js';

/** Adapters a test (or another deployment) may replace. */
export interface TakedownOverrides {
  readonly store?: TakedownStore;
  readonly mailer?: NoticeMailer;
  /** The re-check's fetcher (default: a SafeFetcher with the capture's settings). */
  readonly fetcher?: SafeFetcher;
  readonly probe?: TakedownProbe;
}

/** Notice and takedown, and retention, wired. */
export interface TakedownModule {
  readonly store: TakedownStore;
  readonly takedowns: TakedownService;
  readonly retention: RetentionService;
  /** True when takedown records live in memory only (a store without the takedown tables). */
  readonly volatile: boolean;
  /** Closes the SMTP transport. */
  close(): void;
}

/** The takedown store a bank store carries as `store.takedowns` (the SQL stores, once wired). */
export function takedownStoreOf(store: HashlineStore): TakedownStore | undefined {
  const candidate = (store as { takedowns?: unknown }).takedowns;
  return typeof candidate === 'object' && candidate !== null ? (candidate as TakedownStore) : undefined;
}

/**
 * Wires notice and takedown (issue 5 part 3) and the retention job (part 6): the store's takedown
 * tables (or memory beside a memory hotline), SMTP from `HASHLINE_SMTP_URL`, the templates with
 * any overrides, the re-check through a SafeFetcher built exactly as the capture's (same caps,
 * same SSRF rules), and who sends notices for domestic hosting from the referral settings.
 * @throws an Error when the template override folder holds a bad template (at start-up)
 */
export function createTakedownModule(deps: {
  readonly config: ServerConfig;
  readonly store: HashlineStore;
  readonly hotline: Hotline;
  readonly clock: Clock;
  readonly overrides?: TakedownOverrides;
}): TakedownModule {
  const { config, hotline, clock } = deps;
  const settings = config.hotline;
  const td = settings.takedown;
  const sqlStore = deps.overrides?.store ?? (hotline.volatile ? undefined : takedownStoreOf(deps.store));
  const store = sqlStore ?? createMemoryTakedownStore();
  const smtp =
    deps.overrides?.mailer === undefined && td.smtpUrl !== null
      ? createSmtpMailer({ url: td.smtpUrl, from: td.noticeFrom, replyTo: td.noticeContact })
      : undefined;
  const mailer = deps.overrides?.mailer ?? smtp ?? unconfiguredMailer;
  const fetcher =
    deps.overrides?.fetcher ??
    createSafeFetcher({
      maxBytes: settings.captureMaxBytes,
      timeoutMs: settings.captureTimeoutMs,
      allowLoopbackForTests: settings.captureAllowLoopbackForTests,
    });
  const probe =
    deps.overrides?.probe ??
    createFetchingProbe({
      fetcher,
      extractMedia: (page, baseUrl) => extractMediaReferences(Buffer.from(page).toString('utf8'), baseUrl),
      sha256Bytes: (bytes) => createHash('sha256').update(bytes).digest('hex'),
    });
  const domain = td.noticeFrom.slice(td.noticeFrom.lastIndexOf('@') + 1).toLowerCase();
  return {
    store,
    volatile: sqlStore === undefined,
    takedowns: new TakedownService({
      store,
      hotline: hotline.store,
      mailer,
      probe,
      clock,
      random: (length) => new Uint8Array(randomBytes(length)),
      settings: {
        hotlineName: settings.name,
        defaultLanguage: td.defaultLanguage,
        defaultVia: settings.referrals.takedownVia,
        ownCountry: settings.referrals.ownCountry,
        policeEmail: settings.referrals.policeUnit.email,
        contact: td.noticeContact,
        legalBasis: td.legalBasis,
        messageIdDomain: domain || 'localhost',
        schedule: { offsetsHours: td.checkHours, dailyUntilDays: td.checkDays },
        offlineChecksToConfirm: td.confirmChecks,
        templates: loadNoticeTemplates(td.templateDir),
      },
    }),
    retention: new RetentionService({ hotline: hotline.store, clock, retentionDays: td.retentionDays }),
    close: () => smtp?.close(),
  };
}
