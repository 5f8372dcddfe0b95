import type {
  Analyst,
  AnalystSession,
  Assessment,
  AuditEvent,
  CaptureJob,
  HostTrace,
  ContactSheet,
  KnownMatch,
  MediaItem,
  Report,
  ReportedUrl,
  SealedContact,
} from '@hashline/domain';
import type { Selectable } from 'kysely';
import { parsePdqVariants } from '@hashline/domain';
import { readBool, readDate, readJson } from './row-mapping.js';
import type {
  AnalystSessionsTable,
  AnalystsTable,
  AssessmentsTable,
  AuditEventsTable,
  CaptureJobsTable,
  MediaItemsTable,
  ReporterContactsTable,
  ReportedUrlsTable,
  ReportsTable,
} from './schema.js';

// Hotline rows → domain objects (see row-mapping.ts for the shared readers). Vocabulary values
// were written by this package, so they are cast, not re-validated.

/** A {@link HostTrace} as stored in JSON: the time as ISO-8601 text. */
type StoredTrace = Omit<HostTrace, 'tracedAt'> & { readonly tracedAt: string };

/** The JSON text of a host trace (times as ISO-8601, as every engine returns them). */
export function traceJson(trace: HostTrace): string {
  const stored: StoredTrace = {
    host: trace.host,
    ipAddress: trace.ipAddress,
    country: trace.country,
    asn: trace.asn,
    network: trace.network,
    dataset: trace.dataset,
    datasetDate: trace.datasetDate,
    tracedAt: trace.tracedAt.toISOString(),
  };
  return JSON.stringify(stored);
}

/** A byte column as a plain Uint8Array (both drivers return a Buffer, often a view of a shared pool). */
export function readBytes(value: Uint8Array): Uint8Array {
  return new Uint8Array(value);
}

/** Bytes as the drivers bind them (a Buffer over the same memory, no copy). */
export function bytesParam(value: Uint8Array): Buffer {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** Maps a `reports` row. */
export function toReport(row: Selectable<ReportsTable>): Report {
  return {
    id: row.id,
    receivedAt: readDate(row.received_at),
    channel: row.channel as Report['channel'],
    reporterType: row.reporter_type as Report['reporterType'],
    anonymous: readBool(row.anonymous),
    contactId: row.contact_id,
    consentToContact: readBool(row.consent_to_contact),
    language: row.language,
    concerns: readJson<Report['concerns']>(row.concerns),
    description: row.description,
    seenWhere: row.seen_where as Report['seenWhere'],
    imminentDanger: readBool(row.imminent_danger),
    status: row.status as Report['status'],
    priority: row.priority,
    duplicateOfReportId: row.duplicate_of_report_id,
    assignedAnalystId: row.assigned_analyst_id,
    closedAt: row.closed_at === null ? null : readDate(row.closed_at),
    receiptHash: row.receipt_hash,
    partnerReference: row.partner_reference,
    updatedAt: readDate(row.updated_at),
  };
}

/** Maps a `reported_urls` row. */
export function toReportedUrl(row: Selectable<ReportedUrlsTable>): ReportedUrl {
  const trace = row.trace === null ? null : readJson<StoredTrace>(row.trace);
  return {
    id: row.id,
    reportId: row.report_id,
    url: row.url,
    normalizedUrl: row.normalized_url,
    siteType: row.site_type as ReportedUrl['siteType'],
    accessibility: row.accessibility as ReportedUrl['accessibility'],
    capturedAt: row.captured_at === null ? null : readDate(row.captured_at),
    captureError: row.capture_error,
    trace: trace && { ...trace, tracedAt: new Date(trace.tracedAt) },
  };
}

/** Maps a `capture_jobs` row (the lease is the store's business, not the job's). */
export function toCaptureJob(row: Selectable<CaptureJobsTable>): CaptureJob {
  return {
    id: row.id,
    reportId: row.report_id,
    urlId: row.url_id,
    attempts: row.attempts,
    status: row.status as CaptureJob['status'],
    runAfter: readDate(row.run_after),
    lastError: row.last_error,
  };
}

/** Maps a `media_items` row. */
export function toMediaItem(row: Selectable<MediaItemsTable>): MediaItem {
  return {
    id: row.id,
    reportId: row.report_id,
    urlId: row.url_id,
    sourceUrl: row.source_url,
    mediaType: row.media_type as MediaItem['mediaType'],
    md5: row.md5,
    sha256: row.sha256,
    pdq: row.pdq,
    pdqQuality: row.pdq_quality,
    ...(row.pdq_variants ? { pdqVariants: parsePdqVariants(row.pdq_variants) } : {}),
    width: row.width,
    height: row.height,
    byteLength: row.byte_length,
    knownMatch: row.known_match === null ? null : readJson<KnownMatch>(row.known_match),
    previouslyAssessed: readBool(row.previously_assessed),
    storedContent: readBool(row.stored_content),
    status: row.status as MediaItem['status'],
    bankEntryIds: readJson<number[]>(row.bank_entry_ids),
    capturedAt: readDate(row.captured_at),
    ...(row.contact_sheet == null ? {} : { contactSheet: readJson<ContactSheet>(row.contact_sheet) }),
  };
}

/** Maps an `assessments` row. */
export function toAssessment(row: Selectable<AssessmentsTable>): Assessment {
  return {
    internationalStatus: row.international_status as Assessment['internationalStatus'],
    nationalStatus: row.national_status as Assessment['nationalStatus'],
    jurisdiction: row.jurisdiction,
    legalBasis: row.legal_basis,
    severityUk: row.severity_uk as Assessment['severityUk'],
    industryClassification: row.industry_classification as Assessment['industryClassification'],
    ageBand: row.age_band as Assessment['ageBand'],
    sex: row.sex as Assessment['sex'],
    victimCount: row.victim_count,
    selfGenerated: row.self_generated as Assessment['selfGenerated'],
    contentOrigin: row.content_origin as Assessment['contentOrigin'],
    flags: readJson<Assessment['flags']>(row.flags),
    confidence: row.confidence as Assessment['confidence'],
    notes: row.notes,
    id: row.id,
    mediaId: row.media_id,
    analystId: row.analyst_id,
    assessedAt: readDate(row.assessed_at),
  };
}

/** Maps an `analysts` row. */
export function toAnalyst(row: Selectable<AnalystsTable>): Analyst {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    role: row.role as Analyst['role'],
    passwordHash: row.password_hash,
    totpSecretSealed: row.totp_secret_sealed,
    disabled: readBool(row.disabled),
    language: (row.language ?? null) as Analyst['language'],
    createdAt: readDate(row.created_at),
    updatedAt: readDate(row.updated_at),
  };
}

/** Maps an `analyst_sessions` row. */
export function toSession(row: Selectable<AnalystSessionsTable>): AnalystSession {
  return {
    idHash: row.id_hash,
    analystId: row.analyst_id,
    csrfToken: row.csrf_token,
    createdAt: readDate(row.created_at),
    expiresAt: readDate(row.expires_at),
  };
}

/** Maps a `reporter_contacts` row. */
export function toContact(row: Selectable<ReporterContactsTable>): SealedContact {
  return { id: row.id, sealed: row.sealed, createdAt: readDate(row.created_at) };
}

/** Maps an `audit_events` row. */
export function toAuditEvent(row: Selectable<AuditEventsTable>): AuditEvent {
  return {
    seq: row.seq,
    at: readDate(row.at),
    actor: row.actor,
    action: row.action as AuditEvent['action'],
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    details: readJson<AuditEvent['details']>(row.details),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
