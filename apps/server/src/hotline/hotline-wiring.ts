import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import {
  createBrowserRenderer,
  createHostTracer,
  createSafeFetcher,
  extractMediaReferences,
  isChromiumInstalled,
} from '@hashline/capture-node';
import {
  AnalystAuthService,
  CaptureReviewService,
  CaptureService,
  ReportIntakeService,
  WorkbenchService,
  createKnownMaterialLookup,
  type BankService,
  type CapturedMediaHasher,
  type Clock,
  type HashlineStore,
  type HostTracer,
  type HotlineStore,
  type MatchEngine,
  type PageRenderer,
  type SafeFetcher,
  type SecretBox,
  type Sha256Hex,
  type StatisticsStore,
} from '@hashline/domain';
import { createMemoryHotlineStore, createMemoryStatisticsStore } from '@hashline/domain/testing';
import { createCapturedMediaHasher, type HashingPool } from '@hashline/media-node';
import type { ServerConfig } from '../config.js';
import { scryptPinHasher } from '../routes/self-submission.routes.js';
import { createAesSecretBox, loadOrCreateMasterKey } from './aes-secret-box.js';
import { statisticsStoreOf } from './statistics.routes.js';
import { rfc6238Totp } from './totp.js';

/** SHA-256 of a UTF-8 string as hex: receipts, session ids, idempotency keys, the audit chain. */
export const sha256Hex: Sha256Hex = (text) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Adapters a test (or another deployment) may replace. */
export interface HotlineOverrides {
  readonly store?: HotlineStore;
  readonly fetcher?: SafeFetcher;
  readonly tracer?: HostTracer;
  readonly hasher?: CapturedMediaHasher;
  readonly secrets?: SecretBox;
  /** The browser capture; null: HTTP capture only (with the reason `browserUnavailable`). */
  readonly renderer?: PageRenderer | null;
}

/** How this process captures pages: in the browser, or over HTTP and why. */
export interface CaptureBrowserStatus {
  readonly enabled: boolean;
  /** Why there is no browser capture (null when there is). */
  readonly reason: string | null;
}

/** The hotline's services, wired. */
export interface Hotline {
  readonly store: HotlineStore;
  /** The figures (SQL aggregates, or counted in memory beside a memory store). */
  readonly statistics: StatisticsStore;
  readonly intake: ReportIntakeService;
  readonly capture: CaptureService;
  readonly workbench: WorkbenchService;
  /** Recapture, capture attempts and screenshots in the workbench (issue 16). */
  readonly captures: CaptureReviewService;
  /** Wakes the capture worker when a recapture is queued (set by the server that runs the worker). */
  onCaptureQueued(listener: () => void): void;
  readonly auth: AnalystAuthService;
  readonly secrets: SecretBox;
  /** True when the reports live in memory only (a store without hotline tables). */
  readonly volatile: boolean;
  /** Whether captures render pages in the browser (issue 16). */
  readonly browser: CaptureBrowserStatus;
  /** Closes the capture browser (when one runs). */
  close(): Promise<void>;
}

/** A store that keeps hotline data (the SQL stores do). */
export function hotlineStoreOf(store: HashlineStore): HotlineStore | undefined {
  const candidate = (store as { hotline?: unknown }).hotline;
  return typeof candidate === 'object' && candidate !== null ? (candidate as HotlineStore) : undefined;
}

/**
 * Wires the hotline: the store's hotline tables (or memory, for the in-memory store), the secret
 * box on the master key, the SSRF-safe fetcher, the host tracer, captured media hashed in the
 * hashing pool (decoded in a child process), known material looked up in the match engine.
 */
export function createHotline(deps: {
  readonly config: ServerConfig;
  readonly store: HashlineStore;
  readonly engine: MatchEngine;
  readonly banks: BankService;
  readonly hashingPool: HashingPool;
  readonly clock: Clock;
  readonly overrides?: HotlineOverrides;
}): Hotline {
  const { config, clock } = deps;
  const settings = config.hotline;
  const sqlStore = deps.overrides?.store ?? hotlineStoreOf(deps.store);
  const sqlStatistics = sqlStore === undefined ? undefined : statisticsStoreOf(deps.store);
  // In memory, the figures are counted from the reports written through this wrapped store.
  const memory =
    sqlStore === undefined || sqlStatistics === undefined
      ? createMemoryStatisticsStore({ hotline: sqlStore ?? createMemoryHotlineStore({ clock, sha256Hex }) })
      : undefined;
  const store = memory?.hotline ?? sqlStore!;
  const statistics = sqlStatistics ?? memory!.statistics;
  const secrets =
    deps.overrides?.secrets ??
    createAesSecretBox(loadOrCreateMasterKey(settings.secretKey, join(config.dataDir, 'secret.key')));
  const random = (length: number): Uint8Array => new Uint8Array(randomBytes(length));
  const fetcher =
    deps.overrides?.fetcher ??
    createSafeFetcher({
      maxBytes: settings.captureMaxBytes,
      timeoutMs: settings.captureTimeoutMs,
      allowLoopbackForTests: settings.captureAllowLoopbackForTests,
    });
  const { renderer, reason } = captureRenderer(settings, fetcher, deps.overrides);
  const exposurePolicy = {
    dailyLimit: settings.exposureDailyLimit,
    warnAt: settings.exposureWarnAt,
    breakAfterReveals: settings.breakAfterReveals,
    breakWindowMinutes: settings.breakWindowMinutes,
  };
  const queuedListeners: (() => void)[] = [];
  return {
    captures: new CaptureReviewService({
      store,
      clock,
      secrets,
      exposure: exposurePolicy,
      wakeCapture: () => {
        for (const listener of queuedListeners) listener();
      },
    }),
    onCaptureQueued: (listener) => {
      queuedListeners.push(listener);
    },
    store,
    statistics,
    secrets,
    volatile: sqlStore === undefined,
    browser: { enabled: renderer !== null, reason },
    close: async () => {
      await (renderer as { close?: () => Promise<void> } | null)?.close?.();
    },
    intake: new ReportIntakeService({ store, clock, random, secrets, sha256Hex }),
    capture: new CaptureService({
      store,
      fetcher,
      extractMedia: (page, baseUrl) => extractMediaReferences(Buffer.from(page).toString('utf8'), baseUrl),
      tracer: deps.overrides?.tracer ?? createHostTracer({ clock }),
      hasher:
        deps.overrides?.hasher ??
        createCapturedMediaHasher(deps.hashingPool, { tempDir: deps.config.video.tempDir }),
      lookupKnown: createKnownMaterialLookup(deps.engine, deps.banks),
      secrets,
      clock,
      keepMedia: settings.keepMedia,
      renderer,
      browserUnavailable: reason,
    }),
    workbench: new WorkbenchService({
      store,
      banks: deps.banks,
      clock,
      secrets,
      sha256Hex,
      exposure: exposurePolicy,
      hotlineBank: settings.bank,
      hotlineName: settings.name,
    }),
    auth: new AnalystAuthService({
      store,
      passwords: scryptPinHasher,
      totp: rfc6238Totp,
      secrets,
      random,
      sha256Hex,
      clock,
      sessionTtlMs: settings.sessionHours * 3600_000,
      issuer: settings.name,
    }),
  };
}

/**
 * The browser capture this process uses: the override, none when switched off or when Chromium
 * is missing (the reason goes into every attempt's note), else headless Chromium launched on
 * first use, every request answered by `fetcher`.
 */
function captureRenderer(
  settings: ServerConfig['hotline'],
  fetcher: SafeFetcher,
  overrides: HotlineOverrides | undefined,
): { renderer: PageRenderer | null; reason: string | null } {
  if (overrides?.renderer !== undefined) {
    return {
      renderer: overrides.renderer,
      reason: overrides.renderer === null ? 'Browser capture is off in this process.' : null,
    };
  }
  if (settings.captureBrowser === 'off') {
    return {
      renderer: null,
      reason: 'Browser capture is off (HASHLINE_CAPTURE_BROWSER=off): captured over plain HTTP.',
    };
  }
  if (!isChromiumInstalled(settings.captureChromiumPath)) {
    return {
      renderer: null,
      reason: `Chromium is not installed at ${settings.captureChromiumPath}: captured over plain HTTP.`,
    };
  }
  return {
    renderer: createBrowserRenderer({
      fetcher,
      executablePath: settings.captureChromiumPath,
      maxPages: settings.captureBrowserPages,
      pageTimeoutMs: settings.capturePageTimeoutMs,
      pageMemoryMb: settings.capturePageMemoryMb,
    }),
    reason: null,
  };
}
