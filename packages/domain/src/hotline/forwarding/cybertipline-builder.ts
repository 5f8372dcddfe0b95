import {
  INDUSTRY_CLASSIFICATIONS,
  type Classification,
  type IndustryClassification,
} from '../../vocabulary.js';
import type { AssessmentInput } from '../hotline-records.js';
import {
  CYBERTIPLINE_FILE_ANNOTATIONS,
  CYBERTIPLINE_INCIDENT_TYPES,
  type CyberTiplineFileAnnotation,
  type CyberTiplineHashType,
  type CyberTiplineIncidentKey,
  type CyberTiplineIpEvent,
} from './cybertipline-vocabulary.js';
import { el, optionalText, renderXmlDocument, type XmlElement } from './xml-writer.js';

/** A person in a CyberTipline report (reporter, contact, reported user). */
export interface CyberTiplinePerson {
  readonly firstName?: string;
  readonly lastName?: string;
  readonly phone?: string;
  readonly emails?: readonly { readonly address: string; readonly verified?: boolean }[];
}

/** An IP address the platform saw, and when (`ipCaptureEvent`). */
export interface CyberTiplineIpCapture {
  readonly ipAddress: string;
  readonly eventName: CyberTiplineIpEvent;
  readonly dateTime?: Date;
  readonly possibleProxy?: boolean;
  readonly port?: number;
}

/** Where the incident happened (`internetDetails`): a web page, a chat, or an e-mail. */
export type CyberTiplineInternetDetail =
  | {
      readonly kind: 'web_page';
      readonly urls: readonly string[];
      readonly thirdPartyHostedContent?: boolean;
      readonly additionalInfo?: string;
    }
  | {
      readonly kind: 'chat_im';
      readonly chatClient?: string;
      readonly chatRoomName?: string;
      readonly additionalInfo?: string;
    }
  | { readonly kind: 'email'; readonly additionalInfo?: string };

/** One file of the report (`fileDetails`). */
export interface CyberTiplineFile {
  readonly originalFileName?: string;
  readonly locationOfFile?: string;
  /**
   * Whether a person at the reporting organisation viewed the file. Must follow the record of an
   * actual view (the audit log), never a default: it matters legally in the US (DOMAIN.md §3.2).
   */
  readonly fileViewedByEsp: boolean;
  readonly exifViewedByEsp: boolean;
  readonly publiclyAvailable?: boolean;
  readonly fileRelevance: 'Reported' | 'Supplemental Reported';
  readonly annotations: readonly CyberTiplineFileAnnotation[];
  readonly industryClassification?: IndustryClassification;
  readonly hashes: readonly { readonly type: CyberTiplineHashType; readonly value: string }[];
  readonly ipCaptureEvents?: readonly CyberTiplineIpCapture[];
  readonly additionalInfo?: string;
}

/** Everything a CyberTipline report is built from. */
export interface CyberTiplineReportInput {
  readonly incidentType: CyberTiplineIncidentKey;
  /** Written with its time zone (UTC). */
  readonly incidentDateTime: Date;
  readonly incidentDateTimeDescription?: string;
  /** Only for a child in imminent danger: the reason (≤ 3,000 characters). */
  readonly escalateToHighPriority?: string;
  readonly internetDetails: readonly CyberTiplineInternetDetail[];
  readonly reporter: {
    readonly reportingPerson: CyberTiplinePerson;
    readonly contactPerson?: CyberTiplinePerson;
    readonly companyTemplate?: string;
    readonly termsOfService?: string;
    readonly legalUrl?: string;
  };
  readonly reportedUser?: {
    readonly person?: CyberTiplinePerson;
    readonly espIdentifier?: string;
    readonly espService?: string;
    readonly screenName?: string;
    readonly displayNames?: readonly string[];
    readonly profileUrls?: readonly string[];
    readonly ipCaptureEvents?: readonly CyberTiplineIpCapture[];
    readonly accountTemporarilyDisabled?: boolean;
    readonly accountPermanentlyDisabled?: boolean;
    readonly additionalInfo?: string;
  };
  readonly additionalInfo?: string;
  readonly files: readonly CyberTiplineFile[];
}

/** NCMEC's schema location, written on standalone documents. */
const SCHEMA_ATTRIBUTES = {
  'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
  'xsi:noNamespaceSchemaLocation': 'https://report.cybertip.org/ispws/xsd',
};

const EXPORT_NOTE =
  'Prepared by Hashline; nothing was sent. Submit <report> to /submit, upload each file (/upload), ' +
  'then send its <fileDetails> with the returned reportId and fileId (/fileinfo), then /finish.';

/** The ids NCMEC returns: `reportId` from /submit, `fileId` from /upload of that file. */
export interface NcmecFileIds {
  readonly reportId: number | string;
  readonly fileId: string;
}

/**
 * The `<report>` document NCMEC's `/submit` takes: every element in schema order, every value
 * escaped, `<incidentType>` carrying NCMEC's enumeration value for the chosen key.
 */
export function buildCyberTiplineReportDocument(input: CyberTiplineReportInput): string {
  return renderXmlDocument({ ...reportElement(input), attributes: SCHEMA_ATTRIBUTES });
}

/**
 * The `<fileDetails>` document NCMEC's `/fileinfo` takes for one uploaded file: `reportId` and
 * `fileId` first (as the schema orders them), then the file's details.
 */
export function buildCyberTiplineFileDetailsDocument(file: CyberTiplineFile, ids: NcmecFileIds): string {
  if (!/^\d+$/.test(String(ids.reportId)) || ids.fileId.length === 0) {
    throw new RangeError('fileDetails needs the numeric reportId from /submit and the fileId from /upload');
  }
  return renderXmlDocument({ ...fileDetailsElement(file, ids), attributes: SCHEMA_ATTRIBUTES });
}

/**
 * The `<report>` and one `<fileDetails>` per file as standalone NCMEC documents (what the
 * /submit and /fileinfo calls take); `ids[i]` are the ids NCMEC returned for `input.files[i]`.
 */
export function buildCyberTiplineDocuments(
  input: CyberTiplineReportInput,
  ids: readonly NcmecFileIds[],
): { report: string; fileDetails: string[] } {
  if (ids.length !== input.files.length) {
    throw new RangeError(
      `one reportId/fileId pair per file: ${input.files.length} files, ${ids.length} pairs`,
    );
  }
  return {
    report: buildCyberTiplineReportDocument(input),
    fileDetails: input.files.map((file, i) => buildCyberTiplineFileDetailsDocument(file, ids[i]!)),
  };
}

/**
 * Hashline's CyberTipline export: one XML file holding the `<report>` and the `<fileDetails>` of
 * each file (a `<cybertiplineExport>` wrapper, with a comment saying how to submit it). Nothing is
 * sent anywhere; {@link validateCyberTiplineXml} accepts the result.
 */
export function buildCyberTiplineReport(input: CyberTiplineReportInput): string {
  return renderXmlDocument(
    el('cybertiplineExport', [reportElement(input), ...input.files.map((file) => fileDetailsElement(file))], {
      generator: 'Hashline',
      version: '1',
    }),
    EXPORT_NOTE,
  );
}

function reportElement(input: CyberTiplineReportInput): XmlElement {
  const r = input.reporter;
  const user = input.reportedUser;
  return el('report', [
    el('incidentSummary', [
      el('incidentType', CYBERTIPLINE_INCIDENT_TYPES[input.incidentType]),
      optionalText('escalateToHighPriority', input.escalateToHighPriority),
      el('incidentDateTime', input.incidentDateTime.toISOString()),
      optionalText('incidentDateTimeDescription', input.incidentDateTimeDescription),
    ]),
    ...input.internetDetails.map((detail) => el('internetDetails', [internetDetailElement(detail)])),
    el('reporter', [
      personElement('reportingPerson', r.reportingPerson),
      r.contactPerson ? personElement('contactPerson', r.contactPerson) : null,
      optionalText('companyTemplate', r.companyTemplate),
      optionalText('termsOfService', r.termsOfService),
      optionalText('legalURL', r.legalUrl),
    ]),
    user
      ? el('personOrUserReported', [
          user.person ? personElement('personOrUserReportedPerson', user.person) : null,
          optionalText('espIdentifier', user.espIdentifier),
          optionalText('espService', user.espService),
          optionalText('screenName', user.screenName),
          ...(user.displayNames ?? []).map((n) => el('displayName', n)),
          ...(user.profileUrls ?? []).map((u) => el('profileUrl', u)),
          ...(user.ipCaptureEvents ?? []).map(ipCaptureElement),
          optionalText('accountTemporarilyDisabled', user.accountTemporarilyDisabled),
          optionalText('accountPermanentlyDisabled', user.accountPermanentlyDisabled),
          optionalText('additionalInfo', user.additionalInfo),
        ])
      : null,
    optionalText('additionalInfo', input.additionalInfo),
  ]);
}

function internetDetailElement(detail: CyberTiplineInternetDetail): XmlElement {
  switch (detail.kind) {
    case 'web_page':
      return el(
        'webPageIncident',
        [...detail.urls.map((u) => el('url', u)), optionalText('additionalInfo', detail.additionalInfo)],
        detail.thirdPartyHostedContent === undefined
          ? undefined
          : { thirdPartyHostedContent: String(detail.thirdPartyHostedContent) },
      );
    case 'chat_im':
      return el('chatImIncident', [
        optionalText('chatClient', detail.chatClient),
        optionalText('chatRoomName', detail.chatRoomName),
        optionalText('additionalInfo', detail.additionalInfo),
      ]);
    case 'email':
      return el('emailIncident', [optionalText('additionalInfo', detail.additionalInfo)]);
  }
}

function personElement(name: string, person: CyberTiplinePerson): XmlElement {
  return el(name, [
    optionalText('firstName', person.firstName),
    optionalText('lastName', person.lastName),
    optionalText('phone', person.phone),
    ...(person.emails ?? []).map((e) =>
      el('email', e.address, e.verified === undefined ? undefined : { verified: String(e.verified) }),
    ),
  ]);
}

function ipCaptureElement(event: CyberTiplineIpCapture): XmlElement {
  return el('ipCaptureEvent', [
    el('ipAddress', event.ipAddress),
    el('eventName', event.eventName),
    optionalText('dateTime', event.dateTime?.toISOString()),
    optionalText('possibleProxy', event.possibleProxy),
    optionalText('port', event.port),
  ]);
}

function fileDetailsElement(file: CyberTiplineFile, ids?: NcmecFileIds): XmlElement {
  const annotations = CYBERTIPLINE_FILE_ANNOTATIONS.filter((a) => file.annotations.includes(a));
  return el('fileDetails', [
    ids ? el('reportId', String(ids.reportId)) : null,
    ids ? el('fileId', ids.fileId) : null,
    optionalText('originalFileName', file.originalFileName),
    optionalText('locationOfFile', file.locationOfFile),
    el('fileViewedByEsp', String(file.fileViewedByEsp)),
    el('exifViewedByEsp', String(file.exifViewedByEsp)),
    optionalText('publiclyAvailable', file.publiclyAvailable),
    el('fileRelevance', file.fileRelevance),
    annotations.length > 0
      ? el(
          'fileAnnotations',
          annotations.map((a) => el(a)),
        )
      : null,
    optionalText('industryClassification', file.industryClassification),
    ...file.hashes.map((h) => el('originalFileHash', h.value, { hashType: h.type })),
    ...(file.ipCaptureEvents ?? []).map(ipCaptureElement),
    optionalText('additionalInfo', file.additionalInfo),
  ]);
}

/**
 * The file annotations an item's assessments justify: flags map one to one (viral, potential
 * meme, physical harm, bestiality, live stream → liveStreaming, sadism/violence → violenceGore,
 * infant, and an age band of 0–2 → infant), AI-generated origin → generativeAi, drawn or
 * computer-generated → animeDrawingVirtualHentai, "self-generated" yes → possibleSelfProduction.
 */
export function annotationsFromAssessments(
  assessments: readonly Pick<AssessmentInput, 'flags' | 'contentOrigin' | 'selfGenerated' | 'ageBand'>[],
): CyberTiplineFileAnnotation[] {
  const found = new Set<CyberTiplineFileAnnotation>();
  for (const a of assessments) {
    for (const flag of a.flags) {
      const mapped = FLAG_ANNOTATIONS[flag];
      if (mapped) found.add(mapped);
    }
    if (a.ageBand === '0-2') found.add('infant');
    if (a.contentOrigin === 'ai_generated') found.add('generativeAi');
    if (a.contentOrigin === 'computer_generated_drawn') found.add('animeDrawingVirtualHentai');
    if (a.selfGenerated === 'yes') found.add('possibleSelfProduction');
  }
  return CYBERTIPLINE_FILE_ANNOTATIONS.filter((a) => found.has(a));
}

const FLAG_ANNOTATIONS: Readonly<Record<string, CyberTiplineFileAnnotation | undefined>> = {
  viral: 'viral',
  potential_meme: 'potentialMeme',
  live_stream_capture: 'liveStreaming',
  bestiality: 'bestiality',
  sadism_violence: 'violenceGore',
  physical_harm: 'physicalHarm',
  infant: 'infant',
};

/**
 * The industry classification to report for matched entries: the most severe any entry carries
 * (A1, then A2, B1, B2), or undefined when none has one.
 */
export function industryClassificationOf(
  classifications: readonly Classification[],
): IndustryClassification | undefined {
  return INDUSTRY_CLASSIFICATIONS.find((c) => classifications.some((k) => k.industry === c));
}
