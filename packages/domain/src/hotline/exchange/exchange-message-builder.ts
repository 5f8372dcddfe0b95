import { PDQ_MIN_QUALITY } from '@hashline/pdq';
import type { Assessment, HostTrace, MediaItem, Report, ReportedUrl } from '../hotline-records.js';
import { AGE_BANDS, type AgeBand, type VictimSex } from '../hotline-vocabulary.js';
import { combinedClassification } from '../workbench.service.js';
import {
  EXCHANGE_MESSAGE_VERSION,
  type ExchangeAssessmentSummary,
  type ExchangeMediaItem,
  type ExchangeMessage,
  type ExchangeTrace,
  type ExchangeUrl,
} from './exchange-message.js';

/** What the builder reads of a report. */
export interface ExchangeSource {
  readonly report: Report;
  readonly urls: readonly ReportedUrl[];
  readonly media: readonly { readonly media: MediaItem; readonly assessments: readonly Assessment[] }[];
  /**
   * Only these URLs (by id) when given: the URLs a referral to this partner covers. Otherwise
   * every URL where a forwarded item was found.
   */
  readonly urlIds?: readonly number[];
}

/**
 * Which items of a report are forwarded to a partner hotline: those whose hashes are confirmed,
 * i.e. two different analysts assessed them illegal (status `published`, the four-eyes rule), and
 * known material (matched a bank of assessed material). Items still pending, assessed by one
 * analyst only, or assessed not illegal are never sent: a hash is personal data too, and a
 * partner acts on what it receives.
 */
export function isForwardable(media: MediaItem): boolean {
  return media.status === 'published' || (media.previouslyAssessed && media.knownMatch !== null);
}

/**
 * Builds the exchange message of a report (pure). URLs come in id order, each with the sender's
 * trace (without the host, which is in the URL); items in id order with hashes (PDQ only at
 * quality ≥ 50, as everywhere), the classification (combined over the illegal assessments, or the
 * matched bank entry's) and a summary of the assessments (youngest age band, every sex seen,
 * flags of any assessor, "self-generated" and origin where the assessors agree). Nothing else of
 * the report leaves: no description, no contact, no analysts, no media bytes or thumbnails.
 */
export function buildExchangeMessage(
  source: ExchangeSource,
  envelope: {
    readonly sender: { readonly name: string; readonly country: string };
    readonly reference: string;
    readonly sentAt: Date;
  },
): ExchangeMessage {
  const allowed = source.urlIds ? new Set(source.urlIds) : undefined;
  const items = source.media
    .filter(({ media }) => isForwardable(media) && (allowed === undefined || allowed.has(media.urlId)))
    .sort((a, b) => a.media.id - b.media.id);
  const urlIds = [...new Set(items.map(({ media }) => media.urlId))].sort((a, b) => a - b);
  const urls = urlIds
    .map((id) => source.urls.find((u) => u.id === id))
    .filter((u): u is ReportedUrl => u !== undefined);
  const index = new Map(urls.map((u, i) => [u.id, i]));
  return {
    version: EXCHANGE_MESSAGE_VERSION,
    sender: { name: envelope.sender.name, country: envelope.sender.country },
    reference: envelope.reference,
    sentAt: envelope.sentAt.toISOString(),
    concerns: [...source.report.concerns],
    imminentDanger: source.report.imminentDanger,
    urls: urls.map(urlOf),
    media: items
      .filter(({ media }) => index.has(media.urlId))
      .map(({ media, assessments }) => itemOf(media, assessments, index.get(media.urlId)!)),
  };
}

function urlOf(url: ReportedUrl): ExchangeUrl {
  return { url: url.url, siteType: url.siteType, trace: url.trace ? traceOf(url.trace) : null };
}

function traceOf(trace: HostTrace): ExchangeTrace {
  return {
    ipAddress: trace.ipAddress,
    country: trace.country,
    asn: trace.asn,
    network: trace.network,
    dataset: trace.dataset,
    datasetDate: trace.datasetDate,
    tracedAt: trace.tracedAt.toISOString(),
  };
}

function itemOf(media: MediaItem, assessments: readonly Assessment[], urlIndex: number): ExchangeMediaItem {
  const illegal = distinctByAnalyst(assessments.filter((a) => a.nationalStatus === 'illegal'));
  const usePdq = media.pdq !== null && media.pdqQuality !== null && media.pdqQuality >= PDQ_MIN_QUALITY;
  const known = media.status !== 'published';
  return {
    urlIndex,
    mediaType: media.mediaType,
    md5: media.md5,
    sha256: media.sha256,
    pdq: usePdq ? media.pdq : null,
    pdqQuality: usePdq ? media.pdqQuality : null,
    classification:
      known && media.knownMatch ? { ...media.knownMatch.classification } : combinedClassification(illegal),
    knownMaterial: known,
    assessment: illegal.length > 0 ? summaryOf(illegal) : null,
  };
}

/** The assessments of one item rolled up for a partner (see {@link buildExchangeMessage}). */
export function summaryOf(assessments: readonly Assessment[]): ExchangeAssessmentSummary {
  const first = assessments[0]!;
  const agreed = <T>(pick: (a: Assessment) => T, fallback: T): T =>
    assessments.every((a) => pick(a) === pick(first)) ? pick(first) : fallback;
  return {
    internationalStatus: assessments.every((a) => a.internationalStatus === 'baseline')
      ? 'baseline'
      : 'not_baseline',
    nationalStatus: agreed((a) => a.nationalStatus, 'borderline_needs_review'),
    jurisdiction: first.jurisdiction,
    ageBand: youngest(assessments.map((a) => a.ageBand)),
    sex: sexSeen(assessments.map((a) => a.sex)),
    selfGenerated: agreed((a) => a.selfGenerated, 'unknown'),
    contentOrigin: agreed((a) => a.contentOrigin, 'unknown'),
    flags: [...new Set(assessments.flatMap((a) => a.flags))].sort(),
    assessedBy: assessments.length,
  };
}

/** The youngest band anyone saw (the rule for age bands is "youngest visible child"). */
function youngest(bands: readonly AgeBand[]): AgeBand {
  return AGE_BANDS.find((band) => band !== 'unknown' && bands.includes(band)) ?? 'unknown';
}

/** Every sex any assessor identified: girls and boys seen make `both`. */
function sexSeen(values: readonly VictimSex[]): VictimSex {
  const girls = values.some((v) => v === 'girls' || v === 'both');
  const boys = values.some((v) => v === 'boys' || v === 'both');
  return girls && boys ? 'both' : girls ? 'girls' : boys ? 'boys' : 'unidentified';
}

function distinctByAnalyst(assessments: readonly Assessment[]): Assessment[] {
  const seen = new Set<string>();
  return assessments.filter((a) => !seen.has(a.analystId) && seen.add(a.analystId));
}
