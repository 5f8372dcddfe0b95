import type { Classification } from '../../vocabulary.js';
import type {
  Assessment,
  HostTrace,
  MediaItem,
  Report,
  ReportedUrl,
  ReportLanguage,
} from '../hotline-records.js';
import {
  AGE_BANDS,
  ageGroupOf,
  type AgeBand,
  type AgeGroup,
  type AssessmentFlag,
  type ContentOrigin,
  type InternationalStatus,
  type SelfGenerated,
  type VictimSex,
} from '../hotline-vocabulary.js';
import { combinedClassification, REQUIRED_ILLEGAL_ASSESSMENTS } from '../workbench.service.js';
import { REFERRAL_DOCUMENT_LABELS, fillLabel } from './referral-document-labels.js';
import type { Referral } from './referral-records.js';
import type { ReferralPlan } from './referral-rules.js';

/** The format name written into every package, so a recipient knows how to parse it. */
export const REFERRAL_PACKAGE_FORMAT = 'hashline.referral-package';
/** The package format's version; raised when a field changes meaning or goes away. */
export const REFERRAL_PACKAGE_VERSION = 1;

/**
 * What the assessments of one item say, rolled up (DOMAIN.md §8.4) from the assessments that
 * found it illegal: the youngest age band, "self-generated" and origin when the assessors agree
 * (else `unknown`), every flag any of them set, the largest victim count. Never the analysts'
 * notes or names.
 */
export interface AssessmentSummary {
  /** `four_eyes`: two or more analysts assessed it illegal; `known_material`: it matched a bank entry. */
  readonly basis: 'four_eyes' | 'known_material';
  readonly assessorCount: number;
  readonly illegalCount: number;
  readonly internationalStatus: InternationalStatus | null;
  readonly classification: Classification;
  readonly jurisdictions: readonly string[];
  readonly legalBases: readonly string[];
  readonly ageBand: AgeBand | null;
  readonly ageGroup: AgeGroup | null;
  readonly sex: VictimSex | null;
  readonly victimCount: number | null;
  readonly selfGenerated: SelfGenerated | null;
  readonly contentOrigin: ContentOrigin | null;
  readonly flags: readonly AssessmentFlag[];
  /** For known material: where the match came from. */
  readonly knownMatch: {
    readonly source: string;
    readonly bankName: string;
    readonly distance: number;
  } | null;
}

/** A referral package (issue 5 part 1): JSON-ready, without media bytes, thumbnails or reporter identity. */
export interface ReferralPackage {
  readonly format: typeof REFERRAL_PACKAGE_FORMAT;
  readonly version: typeof REFERRAL_PACKAGE_VERSION;
  readonly generatedAt: string;
  readonly generatedBy: { readonly id: string; readonly name: string };
  readonly hotline: { readonly name: string; readonly country: string };
  readonly report: {
    readonly id: string;
    readonly receivedAt: string;
    readonly channel: string;
    readonly reporterType: string;
    readonly concerns: readonly string[];
    readonly imminentDanger: boolean;
    readonly status: string;
    readonly partnerReference: string | null;
    /** Present only when the deployment includes descriptions (default: left out). */
    readonly description?: string | null;
  };
  readonly urls: readonly {
    readonly id: number;
    readonly url: string;
    readonly siteType: string | null;
    readonly accessibility: string | null;
    readonly capturedAt: string | null;
    readonly trace: (Omit<HostTrace, 'tracedAt'> & { readonly tracedAt: string }) | null;
  }[];
  /** Media assessed illegal (two analysts, or known material), with hashes and the rolled-up assessment. */
  readonly media: readonly {
    readonly id: number;
    readonly urlId: number;
    readonly sourceUrl: string;
    readonly mediaType: string;
    readonly width: number | null;
    readonly height: number | null;
    readonly byteLength: number;
    readonly capturedAt: string;
    readonly hashes: {
      readonly md5: string;
      readonly sha256: string;
      readonly pdq: string | null;
      readonly pdqQuality: number | null;
    };
    readonly assessment: AssessmentSummary;
  }[];
  /** Items found but not included (not assessed illegal, or still awaiting a second analyst). */
  readonly mediaNotIncluded: number;
  readonly referrals: readonly {
    readonly id: string;
    readonly target: string;
    readonly targetName: string;
    readonly targetCountry: string;
    readonly basis: string;
    readonly actionable: string;
    readonly status: string;
    readonly externalRef: string | null;
    readonly createdAt: string;
    readonly sentAt: string | null;
    readonly urlIds: readonly number[];
  }[];
  /** What the routing rules propose now (takedowns, URLs that need a manual trace). */
  readonly plan: readonly ReferralPlan[];
  /**
   * Chain of custody of the captures (issue 16): each finished capture attempt with its time,
   * method, the screenshot's SHA-256, the audit row that recorded it and the signed audit anchor
   * that covers that row (null until the next anchor is published).
   */
  readonly captures?: readonly ReferralCapture[];
}

/** One finished capture attempt in a referral package, with the proof that it was recorded. */
export interface ReferralCapture {
  readonly urlId: number;
  readonly attempt: number;
  readonly capturedAt: string | null;
  readonly method: string | null;
  readonly error: string | null;
  readonly mediaFound: number | null;
  readonly screenshot: { readonly sha256: string; readonly byteLength: number } | null;
  /** The audit row (`capture_recorded`) that recorded the capture. */
  readonly audit: { readonly seq: number; readonly hash: string; readonly at: string } | null;
  /** The first published anchor at or after that row: its signature covers the row. */
  readonly anchor: {
    readonly seq: number;
    readonly hash: string;
    readonly signedAt: string;
    readonly keyId: string;
    readonly signature: string;
    readonly publishedTo: string;
  } | null;
}

/** What {@link buildReferralPackage} is made from. */
export interface ReferralPackageSource {
  readonly report: Report;
  readonly urls: readonly ReportedUrl[];
  readonly media: readonly { readonly item: MediaItem; readonly assessments: readonly Assessment[] }[];
  readonly referrals: readonly Referral[];
  readonly plan: readonly ReferralPlan[];
  readonly hotline: { readonly name: string; readonly country: string };
  readonly generatedAt: Date;
  readonly generatedBy: { readonly id: string; readonly name: string };
  readonly includeDescription: boolean;
  /** The captures' chain of custody (issue 16), when the caller has it. */
  readonly captures?: readonly ReferralCapture[];
}

/**
 * The analysts who assessed an item illegal, one per analyst (the four-eyes rule counts people,
 * not rows).
 */
function illegalAssessors(assessments: readonly Assessment[]): Assessment[] {
  const seen = new Set<string>();
  return assessments.filter(
    (a) => a.nationalStatus === 'illegal' && !seen.has(a.analystId) && seen.add(a.analystId),
  );
}

/**
 * Whether an item counts as assessed illegal for forwarding: two different analysts assessed it
 * illegal (the same four-eyes rule that publishes hashes), or it matched known material in a
 * bank (previously assessed, so nobody views it again).
 */
export function isAssessedIllegal(item: MediaItem, assessments: readonly Assessment[]): boolean {
  if (item.previouslyAssessed && item.knownMatch !== null) return true;
  return illegalAssessors(assessments).length >= REQUIRED_ILLEGAL_ASSESSMENTS;
}

/**
 * The rolled-up assessment of an item assessed illegal (see {@link AssessmentSummary}), or null
 * when it is not.
 */
export function summarizeAssessments(
  item: MediaItem,
  assessments: readonly Assessment[],
): AssessmentSummary | null {
  if (!isAssessedIllegal(item, assessments)) return null;
  const illegal = illegalAssessors(assessments);
  const known = item.knownMatch
    ? {
        source: item.knownMatch.source,
        bankName: item.knownMatch.bankName,
        distance: item.knownMatch.distance,
      }
    : null;
  if (illegal.length < REQUIRED_ILLEGAL_ASSESSMENTS) {
    return {
      basis: 'known_material',
      assessorCount: new Set(assessments.map((a) => a.analystId)).size,
      illegalCount: illegal.length,
      internationalStatus:
        item.knownMatch?.classification.baseline === undefined
          ? null
          : item.knownMatch.classification.baseline
            ? 'baseline'
            : 'not_baseline',
      classification: item.knownMatch?.classification ?? {},
      jurisdictions: [],
      legalBases: [],
      ageBand: null,
      ageGroup: null,
      sex: null,
      victimCount: null,
      selfGenerated: null,
      contentOrigin: null,
      flags: [],
      knownMatch: known,
    };
  }
  const ageBand =
    AGE_BANDS.find((band) => band !== 'unknown' && illegal.some((a) => a.ageBand === band)) ?? 'unknown';
  const sexes = new Set(illegal.map((a) => a.sex).filter((s) => s !== 'unidentified'));
  const victimCounts = illegal.map((a) => a.victimCount).filter((n): n is number => n !== null);
  const classification = combinedClassification(illegal);
  return {
    basis: 'four_eyes',
    assessorCount: new Set(assessments.map((a) => a.analystId)).size,
    illegalCount: illegal.length,
    internationalStatus: classification.baseline ? 'baseline' : 'not_baseline',
    classification,
    jurisdictions: distinct(illegal.map((a) => a.jurisdiction)),
    legalBases: distinct(illegal.map((a) => a.legalBasis).filter((b): b is string => b !== null)),
    ageBand,
    ageGroup: ageGroupOf(ageBand),
    sex: sexes.size === 0 ? 'unidentified' : sexes.size === 1 ? [...sexes][0]! : 'both',
    victimCount: victimCounts.length > 0 ? Math.max(...victimCounts) : null,
    selfGenerated: agreed(
      illegal.map((a) => a.selfGenerated),
      'unknown',
    ),
    contentOrigin: agreed(
      illegal.map((a) => a.contentOrigin),
      'unknown',
    ),
    flags: distinct(illegal.flatMap((a) => a.flags)),
    knownMatch: known,
  };
}

/**
 * Builds the referral package of a case. Only what a recipient needs to act and nothing that
 * identifies the reporter: URLs with their trace, the hashes (MD5, SHA-256, PDQ with quality) and
 * rolled-up assessments of the illegal items, the referrals. Never media bytes, thumbnails,
 * previews, the contact, the analysts' notes; the description only when configured.
 */
export function buildReferralPackage(source: ReferralPackageSource): ReferralPackage {
  const { report } = source;
  const media = source.media.flatMap(({ item, assessments }) => {
    const assessment = summarizeAssessments(item, assessments);
    return assessment
      ? [
          {
            id: item.id,
            urlId: item.urlId,
            sourceUrl: item.sourceUrl,
            mediaType: item.mediaType,
            width: item.width,
            height: item.height,
            byteLength: item.byteLength,
            capturedAt: item.capturedAt.toISOString(),
            hashes: { md5: item.md5, sha256: item.sha256, pdq: item.pdq, pdqQuality: item.pdqQuality },
            assessment,
          },
        ]
      : [];
  });
  return {
    format: REFERRAL_PACKAGE_FORMAT,
    version: REFERRAL_PACKAGE_VERSION,
    generatedAt: source.generatedAt.toISOString(),
    generatedBy: source.generatedBy,
    hotline: source.hotline,
    report: {
      id: report.id,
      receivedAt: report.receivedAt.toISOString(),
      channel: report.channel,
      reporterType: report.reporterType,
      concerns: [...report.concerns],
      imminentDanger: report.imminentDanger,
      status: report.status,
      partnerReference: report.partnerReference,
      ...(source.includeDescription ? { description: report.description } : {}),
    },
    urls: source.urls.map((u) => ({
      id: u.id,
      url: u.url,
      siteType: u.siteType,
      accessibility: u.accessibility,
      capturedAt: u.capturedAt?.toISOString() ?? null,
      trace: u.trace ? { ...u.trace, tracedAt: u.trace.tracedAt.toISOString() } : null,
    })),
    media,
    mediaNotIncluded: source.media.length - media.length,
    referrals: source.referrals.map((r) => ({
      id: r.id,
      target: r.target,
      targetName: r.targetName,
      targetCountry: r.targetCountry,
      basis: r.basis,
      actionable: r.actionable,
      status: r.status,
      externalRef: r.externalRef,
      createdAt: r.createdAt.toISOString(),
      sentAt: r.sentAt?.toISOString() ?? null,
      urlIds: [...r.urlIds],
    })),
    plan: source.plan,
    ...(source.captures ? { captures: source.captures } : {}),
  };
}

/** A text-only document for printing: a title, sections of label/value rows, a footer. */
export interface PrintableDocument {
  readonly title: string;
  readonly subtitle: string;
  readonly sections: readonly {
    readonly heading: string;
    readonly rows: readonly { readonly label: string; readonly value: string; readonly mono?: boolean }[];
  }[];
  readonly footer: string;
  /** The document's subject (PDF metadata), in the document's language. */
  readonly subject?: string;
  /** "Page {n} of {total}" in the document's language. */
  readonly pageNumber?: string;
}

/**
 * The printable summary of a package (the PDF's content): the same facts as the JSON, as labelled
 * rows in the analyst's language (issue 17); hashes in a monospaced face so they can be compared
 * character by character. Codes (channel, statuses, referral target and basis) print as in the
 * JSON package.
 */
export function referralPackageDocument(
  pkg: ReferralPackage,
  language: ReportLanguage = 'en',
): PrintableDocument {
  const t = REFERRAL_DOCUMENT_LABELS[language];
  const r = pkg.report;
  const yesNo = (b: boolean) => (b ? t.yes : t.no);
  const sections: PrintableDocument['sections'][number][] = [
    {
      heading: t.case,
      rows: [
        { label: t.report, value: r.id, mono: true },
        { label: t.received, value: r.receivedAt },
        {
          label: t.channel,
          value: fillLabel(t.channelValue, { channel: r.channel, reporter: r.reporterType }),
        },
        { label: t.concerns, value: r.concerns.join(', ') },
        { label: t.imminentDanger, value: yesNo(r.imminentDanger) },
        { label: t.status, value: r.status },
        ...(r.partnerReference ? [{ label: t.partnerReference, value: r.partnerReference }] : []),
        ...(r.description !== undefined && r.description !== null
          ? [{ label: t.description, value: r.description }]
          : []),
      ],
    },
    ...pkg.urls.map((u) => ({
      heading: fillLabel(t.urlHeading, { id: u.id }),
      rows: [
        { label: t.url, value: u.url, mono: true },
        { label: t.siteType, value: u.siteType ?? t.unknown },
        {
          label: t.atCapture,
          value: `${u.accessibility ?? t.notCaptured}${u.capturedAt ? ` (${u.capturedAt})` : ''}`,
        },
        ...(u.trace
          ? [
              { label: t.host, value: u.trace.host, mono: true },
              { label: t.ipAddress, value: u.trace.ipAddress ?? t.didNotResolve, mono: true },
              { label: t.hostingCountry, value: u.trace.country ?? t.unknown },
              {
                label: t.network,
                value: `${u.trace.network ?? t.unknown}${u.trace.asn !== null ? ` (AS${u.trace.asn})` : ''}`,
              },
              {
                label: t.traceDataset,
                value: `${u.trace.dataset}, ${u.trace.datasetDate}; ${fillLabel(t.traced, { at: u.trace.tracedAt })}`,
              },
            ]
          : [{ label: t.trace, value: t.noTrace }]),
      ],
    })),
    ...pkg.media.map((m) => {
      const a = m.assessment;
      const c = a.classification;
      const classification = [
        c.industry ? fillLabel(t.industry, { c: c.industry }) : null,
        c.uk ? fillLabel(t.ukCategory, { c: c.uk }) : null,
        c.baseline === undefined ? null : c.baseline ? t.baseline : t.notBaseline,
      ].filter((x) => x !== null);
      return {
        heading: fillLabel(t.mediaHeading, { id: m.id, url: m.urlId }),
        rows: [
          { label: t.source, value: m.sourceUrl, mono: true },
          {
            label: t.type,
            value: `${m.mediaType}${m.width !== null && m.height !== null ? `, ${m.width} x ${m.height}` : ''}, ${fillLabel(t.bytes, { n: m.byteLength })}`,
          },
          { label: 'MD5', value: m.hashes.md5, mono: true },
          { label: 'SHA-256', value: m.hashes.sha256, mono: true },
          { label: 'PDQ', value: m.hashes.pdq ?? t.none, mono: true },
          ...(m.hashes.pdqQuality !== null
            ? [{ label: t.pdqQuality, value: String(m.hashes.pdqQuality) }]
            : []),
          {
            label: t.assessed,
            value:
              a.basis === 'four_eyes'
                ? fillLabel(t.assessedFourEyes, {
                    n: a.illegalCount,
                    jurisdictions: a.jurisdictions.join(', '),
                  })
                : fillLabel(t.assessedKnown, {
                    source: a.knownMatch?.source ?? 'bank',
                    bank: a.knownMatch?.bankName ?? '',
                    distance: a.knownMatch?.distance ?? 0,
                  }),
          },
          {
            label: t.classification,
            value: classification.length > 0 ? classification.join('; ') : t.notGiven,
          },
          ...(a.basis === 'four_eyes'
            ? [
                { label: t.ageBand, value: `${a.ageBand} (${a.ageGroup})` },
                { label: t.sex, value: a.sex ?? t.unidentified },
                ...(a.victimCount !== null
                  ? [{ label: t.childrenVisible, value: String(a.victimCount) }]
                  : []),
                { label: t.selfGenerated, value: a.selfGenerated ?? t.unknown },
                { label: t.origin, value: a.contentOrigin ?? t.unknown },
                { label: t.flags, value: a.flags.length > 0 ? a.flags.join(', ') : t.none },
                ...(a.legalBases.length > 0 ? [{ label: t.legalBasis, value: a.legalBases.join('; ') }] : []),
              ]
            : []),
        ],
      };
    }),
    ...(pkg.captures ?? []).map((c) => ({
      heading: fillLabel(t.captureHeading, { n: c.attempt, url: c.urlId }),
      rows: [
        {
          label: t.captured,
          value: `${c.capturedAt ?? t.notFinished}; ${c.method ?? t.unknown}; ${
            c.error
              ? fillLabel(t.failed, { error: c.error })
              : fillLabel(t.newMedia, { n: c.mediaFound ?? 0 })
          }`,
        },
        ...(c.screenshot ? [{ label: t.screenshotSha256, value: c.screenshot.sha256, mono: true }] : []),
        ...(c.audit ? [{ label: t.auditRow, value: `${c.audit.seq}: ${c.audit.hash}`, mono: true }] : []),
        {
          label: t.signedAnchor,
          value: c.anchor
            ? fillLabel(t.anchorValue, {
                seq: c.anchor.seq,
                hash: c.anchor.hash,
                at: c.anchor.signedAt,
                key: c.anchor.keyId,
                to: c.anchor.publishedTo,
              })
            : t.notAnchored,
          mono: c.anchor !== null,
        },
      ],
    })),
    {
      heading: t.referrals,
      rows:
        pkg.referrals.length === 0
          ? [{ label: t.recorded, value: t.noneYet }]
          : pkg.referrals.map((f) => ({
              label: `${f.targetName} (${f.targetCountry})`,
              value: `${f.target}; ${f.basis}; ${f.actionable}; ${f.status}${f.externalRef ? `; ref ${f.externalRef}` : ''}; URLs ${f.urlIds.join(', ')}`,
            })),
    },
  ];
  return {
    title: fillLabel(t.title, { id: r.id }),
    subtitle: fillLabel(t.subtitle, {
      hotline: pkg.hotline.name,
      country: pkg.hotline.country,
      at: pkg.generatedAt,
      by: pkg.generatedBy.name,
    }),
    sections,
    footer: fillLabel(t.footer, { included: pkg.media.length, excluded: pkg.mediaNotIncluded }),
    subject: t.subject,
    pageNumber: t.page,
  };
}

function distinct<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

function agreed<T extends string>(values: readonly T[], unknown: T): T {
  const known = distinct(values.filter((v) => v !== unknown));
  return known.length === 1 ? known[0]! : unknown;
}
