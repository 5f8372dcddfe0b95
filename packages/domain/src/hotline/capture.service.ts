import type { BankService } from '../banks/bank.service.js';
import { isDomainError, type ErrorCode } from '../domain-error.js';
import type { MatchEngine } from '../matching/match-engine.js';
import type { Clock } from '../ports/clock.js';
import type {
  CapturedMedia,
  CapturedMediaHasher,
  FetchedResource,
  HostTracer,
  MediaReferenceExtractor,
  PageRenderer,
  RenderedPage,
  SafeFetcher,
} from './capture-ports.js';
import type { VpdqFrame } from '@hashline/pdq';
import type { NewCaptureScreenshot } from './capture-records.js';
import type { CaptureJob, HostTrace, KnownMatch } from './hotline-records.js';
import type { CaptureOutcome, HotlineStore, NewMediaItem } from './hotline-store.js';
import { KNOWN_MATCH_SOURCES, type KnownMatchSource, type UrlAccessibility } from './hotline-vocabulary.js';
import type { SecretBox } from './secret-box.js';

/** Most media items taken from one page. */
export const MAX_MEDIA_PER_PAGE = 50;
/** Attempts of a capture before it is recorded as failed. */
export const MAX_CAPTURE_ATTEMPTS = 5;

/** The hashes of one captured item, as the known-material lookup takes them. */
export interface CapturedHashes {
  readonly pdq: string | null;
  /** Variants of `pdq` matched with it (see `CapturedMedia.pdqVariants`). */
  readonly pdqVariants?: readonly { readonly name: string; readonly value: string }[];
  readonly md5: string;
  readonly sha256: string;
  /** A captured video's vPDQ frames, matched against the banked videos by the reference's rule. */
  readonly vpdq?: readonly VpdqFrame[] | null;
}

/** Finds whether captured media is already in a bank of assessed material. */
export type KnownMaterialLookup = (hashes: CapturedHashes) => Promise<KnownMatch | null>;

/**
 * The known-material lookup on the match engine: exact SHA-256/MD5 first, then PDQ within each
 * bank's threshold, then a video's vPDQ frames against the banked videos, in `known_csam` banks only (self-submitted and test banks say nothing about
 * an assessment). The classification comes from the matched entry.
 */
export function createKnownMaterialLookup(engine: MatchEngine, banks: BankService): KnownMaterialLookup {
  return async (hashes) => {
    const knownBankIds = (await banks.listBanks()).filter((b) => b.kind === 'known_csam').map((b) => b.id);
    if (knownBankIds.length === 0) return null;
    const queries = [
      { signalType: 'sha256' as const, value: hashes.sha256 },
      { signalType: 'md5' as const, value: hashes.md5 },
      ...(hashes.pdq === null
        ? []
        : [
            {
              signalType: 'pdq' as const,
              value: hashes.pdq,
              ...(hashes.pdqVariants?.length ? { variants: hashes.pdqVariants } : {}),
            },
          ]),
    ];
    for (const query of queries) {
      const [best] = engine.query({ ...query, bankIds: knownBankIds }).matches;
      if (!best) continue;
      const known = await knownMatchOf(best, query.signalType);
      if (known) return known;
    }
    // A video: its frames against the banked videos (each bank's percentages), best share first.
    if (hashes.vpdq && hashes.vpdq.length > 0) {
      const [best] = engine.queryVideo(hashes.vpdq, { bankIds: knownBankIds }).matches;
      if (best) return knownMatchOf(best, 'vpdq');
    }
    return null;
  };

  async function knownMatchOf(
    best: { readonly entryId: number; readonly bankId: number; readonly distance: number },
    signalType: string,
  ): Promise<KnownMatch | null> {
    const entry = await banks.getEntry(best.entryId).catch(() => undefined);
    if (!entry) return null;
    const source = entry.provenance.source.toLowerCase();
    return {
      source: (KNOWN_MATCH_SOURCES as readonly string[]).includes(source)
        ? (source as KnownMatchSource)
        : 'own',
      bankName: engine.bank(best.bankId)?.name ?? String(best.bankId),
      entryId: entry.id,
      signalType,
      distance: best.distance,
      classification: entry.classification,
    };
  }
}

/** What the capture needs. */
export interface CaptureDependencies {
  readonly store: HotlineStore;
  readonly fetcher: SafeFetcher;
  /** Finds the media of an HTML page from its bytes (the adapter decodes the text). */
  readonly extractMedia: (page: Uint8Array, baseUrl: string) => ReturnType<MediaReferenceExtractor>;
  readonly tracer: HostTracer;
  readonly hasher: CapturedMediaHasher;
  readonly lookupKnown: KnownMaterialLookup;
  readonly secrets: SecretBox;
  readonly clock: Clock;
  /** Keep a sealed preview of each image (the mandate allows it); otherwise hashes and a blurred thumbnail only. */
  readonly keepMedia: boolean;
  /**
   * The browser capture (issue 16); absent or null: plain HTTP capture, and `browserUnavailable`
   * says why in each attempt's note.
   */
  readonly renderer?: PageRenderer | null;
  /** Why there is no browser capture (a fixed sentence for the attempt's note), when there is none. */
  readonly browserUnavailable?: string | null;
  /** Called after each job with what happened (metrics); never with URLs or media. */
  readonly onJob?: (outcome: 'captured' | 'retry' | 'failed', code: string | null) => void;
}

/** Errors that will not change by retrying: recorded at once. */
const FINAL_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'CAPTURE_BLOCKED_SCHEME',
  'CAPTURE_BLOCKED_ADDRESS',
  'CAPTURE_DNS_FAILED',
  'CAPTURE_HTTP_STATUS',
  'CAPTURE_UNSUPPORTED_TYPE',
  'CAPTURE_TOO_LARGE',
  'CAPTURE_TOO_MANY_REDIRECTS',
]);

/**
 * The capture worker's use case (DOMAIN.md §1.2 steps 2–4): claims capture jobs from the outbox,
 * traces the host, fetches the reported URL server-side behind SSRF protection, extracts the
 * page's media, hashes each item, labels items already in a known-CSAM bank "previously assessed"
 * with their classification (so no analyst has to view them again), and records it all in one
 * transaction. Jobs are leased: a worker that dies mid-job leaves the job to be claimed again, and
 * recording a job twice changes nothing.
 */
export class CaptureService {
  constructor(private readonly deps: CaptureDependencies) {}

  /** Claims and runs up to `limit` due jobs; returns how many it ran. */
  async runOnce(limit = 4, leaseMs = 120_000): Promise<number> {
    const jobs = await this.deps.store.claimCaptureJobs(this.deps.clock.now(), limit, leaseMs);
    // At once: a slow page does not hold up the others (the browser's page pool bounds the load).
    await Promise.all(jobs.map((job) => this.run(job)));
    return jobs.length;
  }

  /** Runs one claimed job to a recorded outcome, a scheduled retry, or a final failure. */
  async run(job: CaptureJob): Promise<void> {
    const { store, clock } = this.deps;
    const url = (await store.listUrls(job.reportId)).find((u) => u.id === job.urlId);
    if (!url) {
      await store.failCaptureJob(job.id, 'URL_NOT_FOUND', null);
      this.deps.onJob?.('failed', 'URL_NOT_FOUND');
      return;
    }
    try {
      const outcome = await this.capture(url.url);
      const media = await store.completeCapture(job.id, outcome);
      await this.auditCapture(job, outcome, media.length);
      this.deps.onJob?.('captured', outcome.captureError);
    } catch (error) {
      const code = isDomainError(error) ? error.code : 'CAPTURE_FAILED';
      if (job.attempts < MAX_CAPTURE_ATTEMPTS) {
        // 30 s, 1 min, 2 min, 4 min: a host that is down for a moment gets another chance.
        const retryAt = new Date(clock.now().getTime() + 30_000 * 2 ** (job.attempts - 1));
        await store.failCaptureJob(job.id, code, retryAt);
        this.deps.onJob?.('retry', code);
      } else {
        const outcome: CaptureOutcome = {
          accessibility: 'error',
          capturedAt: clock.now(),
          captureError: code,
          trace: await this.traceQuietly(url.url),
          media: [],
          method: this.deps.renderer ? 'browser' : 'http',
          note: this.deps.renderer ? null : (this.deps.browserUnavailable ?? null),
        };
        await store.completeCapture(job.id, outcome);
        await this.auditCapture(job, outcome, 0);
        this.deps.onJob?.('failed', code);
      }
    }
  }

  /**
   * Captures one URL. Errors that retrying cannot fix (refused address, 404, unresolvable host)
   * are recorded as the outcome; others (timeouts, resets) are thrown for a retry.
   */
  async capture(url: string): Promise<CaptureOutcome> {
    const { renderer } = this.deps;
    if (!renderer) return this.captureOverHttp(url, this.deps.browserUnavailable ?? null);
    const trace = await this.traceQuietly(url);
    let page: RenderedPage;
    try {
      page = await renderer.render(url);
    } catch (error) {
      if (isDomainError(error) && error.code === 'CAPTURE_BROWSER_FAILED') {
        // The page is still captured, the way it was before the browser: the note says so.
        return this.captureOverHttp(url, `${error.message} Captured over plain HTTP instead.`);
      }
      if (isDomainError(error) && FINAL_CODES.has(error.code))
        return this.failedOutcome(error.code, trace, 'browser');
      throw error;
    }
    const media: NewMediaItem[] = [];
    const seen = new Set<string>();
    for (const item of page.media.slice(0, MAX_MEDIA_PER_PAGE)) {
      await this.addMedia(media, seen, item.url, item.bytes, item.contentType);
    }
    return {
      accessibility: 'online',
      capturedAt: this.deps.clock.now(),
      captureError: null,
      trace,
      media,
      method: 'browser',
      note: null,
      screenshot: page.screenshot && (await this.toScreenshot(page.screenshot)),
    };
  }

  /** Today's HTTP capture: the page's HTML and the media it names. */
  private async captureOverHttp(url: string, note: string | null): Promise<CaptureOutcome> {
    const { fetcher, clock } = this.deps;
    const trace = await this.traceQuietly(url);
    let page: FetchedResource;
    try {
      page = await fetcher.fetch(url, 'page');
    } catch (error) {
      if (isDomainError(error) && FINAL_CODES.has(error.code)) {
        return { ...this.failedOutcome(error.code, trace, 'http'), note };
      }
      throw error;
    }
    const media: NewMediaItem[] = [];
    const seen = new Set<string>();
    if (isHtml(page.contentType)) {
      for (const reference of this.deps
        .extractMedia(page.bytes, page.finalUrl)
        .slice(0, MAX_MEDIA_PER_PAGE)) {
        try {
          const item = await fetcher.fetch(reference.url, 'media');
          await this.addMedia(media, seen, item.finalUrl, item.bytes, item.contentType);
        } catch (error) {
          // One broken or refused image does not stop the page; a closed pool does.
          if (isDomainError(error) && error.code.startsWith('CAPTURE_')) continue;
          throw error;
        }
      }
    } else {
      await this.addMedia(media, seen, page.finalUrl, page.bytes, page.contentType);
    }
    return {
      accessibility: 'online',
      capturedAt: clock.now(),
      captureError: null,
      trace,
      media,
      method: 'http',
      note,
    };
  }

  private failedOutcome(
    code: ErrorCode,
    trace: HostTrace | null,
    method: 'browser' | 'http',
  ): CaptureOutcome {
    return {
      accessibility: accessibilityOf(code),
      capturedAt: this.deps.clock.now(),
      captureError: code,
      trace,
      media: [],
      method,
      note: null,
    };
  }

  private async addMedia(
    media: NewMediaItem[],
    seen: Set<string>,
    sourceUrl: string,
    bytes: Uint8Array,
    contentType: string,
  ): Promise<void> {
    const hashed: CapturedMedia = await this.deps.hasher.hashCaptured(bytes);
    if (seen.has(hashed.sha256)) return;
    seen.add(hashed.sha256);
    media.push(await this.toMediaItem(sourceUrl, bytes.byteLength, contentType, hashed));
  }

  /** The screenshot as evidence: its SHA-256, a blurred thumbnail, and the PNG and a preview sealed. */
  private async toScreenshot(png: Uint8Array): Promise<NewCaptureScreenshot> {
    const { secrets, hasher } = this.deps;
    // The hasher digests the exact bytes and makes the blurred thumbnail and the preview.
    const derived = await hasher.hashCaptured(png);
    return {
      sha256: derived.sha256,
      byteLength: png.byteLength,
      width: derived.width,
      height: derived.height,
      thumbnail: derived.thumbnail,
      previewSealed: derived.preview && secrets.sealBytes('media', derived.preview),
      originalSealed: secrets.sealBytes('media', png),
    };
  }

  /** One audit row per recorded capture: what was found and the screenshot's SHA-256, never URLs or media. */
  private async auditCapture(job: CaptureJob, outcome: CaptureOutcome, mediaCount: number): Promise<void> {
    await this.deps.store.appendAudit(
      {
        actor: 'system:capture',
        action: 'capture_recorded',
        subjectType: 'capture_job',
        subjectId: String(job.id),
        details: {
          reportId: job.reportId,
          urlId: job.urlId,
          method: outcome.method ?? 'http',
          error: outcome.captureError,
          media: mediaCount,
          screenshotSha256: outcome.screenshot?.sha256 ?? null,
        },
      },
      this.deps.clock.now(),
    );
  }

  private async toMediaItem(
    sourceUrl: string,
    byteLength: number,
    contentType: string,
    hashed: CapturedMedia,
  ): Promise<NewMediaItem> {
    const knownMatch = await this.deps.lookupKnown({
      pdq: hashed.pdq,
      ...(hashed.pdqVariants ? { pdqVariants: hashed.pdqVariants } : {}),
      md5: hashed.md5,
      sha256: hashed.sha256,
      ...(hashed.vpdq ? { vpdq: hashed.vpdq } : {}),
    });
    return {
      sourceUrl,
      mediaType: contentType.startsWith('video/') || (hashed.vpdq?.length ?? 0) > 0 ? 'video' : 'image',
      md5: hashed.md5,
      sha256: hashed.sha256,
      pdq: hashed.pdq,
      pdqQuality: hashed.pdqQuality,
      ...(hashed.pdqBankVariants?.length ? { pdqVariants: hashed.pdqBankVariants } : {}),
      width: hashed.width,
      height: hashed.height,
      byteLength,
      knownMatch,
      // A video's thumbnail and preview are its contact sheet (blurred, and in colour): the
      // workbench never plays a video, and a sheet is kept, sealed and revealed like an image.
      ...(hashed.contactSheet ? { contactSheet: hashed.contactSheet } : {}),
      thumbnail: hashed.thumbnail ?? new Uint8Array(0),
      // Known material is never kept: nobody needs to see it again.
      previewSealed:
        this.deps.keepMedia && knownMatch === null && hashed.preview !== null
          ? this.deps.secrets.sealBytes('media', hashed.preview)
          : null,
    };
  }

  private async traceQuietly(url: string): Promise<HostTrace | null> {
    try {
      return await this.deps.tracer.trace(url);
    } catch {
      return null;
    }
  }
}

function isHtml(contentType: string): boolean {
  return contentType === 'text/html' || contentType === 'application/xhtml+xml';
}

function accessibilityOf(code: ErrorCode): UrlAccessibility {
  return code === 'CAPTURE_HTTP_STATUS' || code === 'CAPTURE_DNS_FAILED' ? 'offline' : 'error';
}
