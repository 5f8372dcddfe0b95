import { DomainError } from '../../domain-error.js';
import type { BankEntry } from '../../banks/bank.js';
import type { Clock } from '../../ports/clock.js';
import type { HashlineStore } from '../../ports/hashline-store.js';
import { Problems, isHttpUrl, isRecord } from '../../validation.js';
import type { SignalType } from '../../vocabulary.js';
import type { AuditEvent } from '../hotline-records.js';
import type { HotlineStore } from '../hotline-store.js';
import { HOTLINE_ASSESSMENT_SOURCE } from '../workbench.service.js';
import {
  annotationsFromAssessments,
  buildCyberTiplineReport,
  buildCyberTiplineFileDetailsDocument,
  buildCyberTiplineReportDocument,
  industryClassificationOf,
  type CyberTiplineIpCapture,
  type CyberTiplinePerson,
  type CyberTiplineReportInput,
} from './cybertipline-builder.js';
import { validateCyberTiplineXml } from './cybertipline-validator.js';
import {
  declareFileHashes,
  runCyberTiplineSubmission,
  type CyberTiplineSubmissionState,
  type NcmecReportingPort,
} from './cybertipline-submission.js';
import {
  CYBERTIPLINE_FILE_ANNOTATIONS,
  CYBERTIPLINE_HASH_TYPES,
  CYBERTIPLINE_INCIDENT_KEYS,
  CYBERTIPLINE_IP_EVENTS,
  MAX_ESCALATION_REASON,
  type CyberTiplineFileAnnotation,
  type CyberTiplineHashType,
  type CyberTiplineIncidentKey,
  type CyberTiplineIpEvent,
} from './cybertipline-vocabulary.js';

/** The platform asking: its API key id, and whether it is an admin key (which sees every record). */
export interface CyberTiplineCaller {
  readonly id: string;
  readonly admin: boolean;
}

/** What the CyberTipline service needs. */
export interface CyberTiplineServiceDependencies {
  /** Match records and the bank entries they matched. */
  readonly store: Pick<HashlineStore, 'getMatchRecord' | 'getEntries'>;
  /** The audit log (views and exports), and the hotline's assessments behind published hashes. */
  readonly hotline: Pick<HotlineStore, 'appendAudit' | 'listAudit' | 'listAssessments'>;
  readonly clock: Clock;
  /** NCMEC's Reporting API (the server's client), when submission is configured; absent: export only. */
  readonly ncmec?: NcmecReportingPort;
}

/** What `submit` answers: NCMEC's report id, kept in the audit log with every step. */
export interface CyberTiplineSubmission {
  readonly matchRecordId: number;
  readonly ncmecReportId: string;
  readonly incidentType: CyberTiplineIncidentKey;
  /** How many files' hashes were declared in the report (Hashline never holds the media). */
  readonly declaredFiles: number;
  /** True when this idempotency key had already finished: nothing was sent again. */
  readonly replayed: boolean;
}

/** Longest Idempotency-Key a submission accepts. */
export const MAX_SUBMISSION_KEY = 100;

/** Whether anyone at the platform viewed a matched file, as the audit log records it. */
export interface FileViews {
  readonly fileViewed: boolean;
  readonly exifViewed: boolean;
  readonly views: number;
}

// NCMEC's schema has no video-perceptual hash type (its TMK_PDQF is another algorithm): a vPDQ
// record's key is not reported as a hash; the platform's own file hashes still are.
const SIGNAL_HASH_TYPES: Readonly<Partial<Record<SignalType, CyberTiplineHashType>>> = {
  md5: 'MD5',
  sha1: 'SHA1',
  sha256: 'SHA256',
  pdq: 'PDQ',
};

/**
 * The CyberTipline report builder for platform users (issue 5 part 4; DOMAIN.md §3.2): from a
 * match record (the platform's upload that matched), the bank entries it matched (industry
 * classification; for hashes the hotline published, the file annotations its analysts' assessments
 * justify) and what the platform supplies about itself and the user, it writes NCMEC's report XML
 * as a file, or as the documents NCMEC's Reporting API takes. {@link CyberTiplineService.submit}
 * sends it to NCMEC only when the server is configured with NCMEC's credentials (issue 14).
 *
 * `fileViewedByEsp` is true only when the audit log holds a view of that file: the platform
 * records each human review with {@link CyberTiplineService.recordFileViewed} (audited as
 * `match_record_file_viewed`); there is no way to assert it in the report request itself.
 */
export class CyberTiplineService {
  constructor(private readonly deps: CyberTiplineServiceDependencies) {}

  /**
   * Records that a person at the platform viewed the matched file (`{ reviewer?, exifViewed? }`;
   * `reviewer` is the platform's own pseudonymous reference, never a name).
   * @throws {DomainError} MATCH_RECORD_NOT_FOUND (also for another key's record), VALIDATION_FAILED
   */
  async recordFileViewed(
    caller: CyberTiplineCaller,
    matchRecordId: number,
    body: unknown,
  ): Promise<FileViews & { at: Date }> {
    await this.requireRecord(caller, matchRecordId);
    const input = body === undefined || body === null ? {} : body;
    if (!isRecord(input))
      throw new DomainError('VALIDATION_FAILED', 'The body must be an object { reviewer?, exifViewed? }.');
    const problems = new Problems();
    for (const key of Object.keys(input))
      if (key !== 'reviewer' && key !== 'exifViewed') problems.add(`/${key}`, 'unknown field');
    const reviewer = optionalString(input, 'reviewer', 100, problems);
    if (input.exifViewed !== undefined && typeof input.exifViewed !== 'boolean')
      problems.add('/exifViewed', 'true or false');
    problems.throwIfAny('The view record has problems');
    const at = this.deps.clock.now();
    await this.deps.hotline.appendAudit(
      {
        actor: `apikey:${caller.id}`,
        action: 'match_record_file_viewed',
        subjectType: 'match_record',
        subjectId: String(matchRecordId),
        details: { reviewer: reviewer ?? null, exifViewed: input.exifViewed === true },
      },
      at,
    );
    return { ...(await this.fileViews(matchRecordId)), at };
  }

  /** What the audit log says about views of a match record's file. */
  async fileViews(matchRecordId: number): Promise<FileViews> {
    const views = await this.viewsOf(String(matchRecordId));
    return {
      fileViewed: views.length > 0,
      exifViewed: views.some((v) => v.details.exifViewed === true),
      views: views.length,
    };
  }

  /**
   * Builds the CyberTipline export for a match record (see the class comment) from the request
   * body, checks it with {@link validateCyberTiplineXml}, and audits the export as
   * `cybertipline_exported`.
   * @throws {DomainError} VALIDATION_FAILED listing every bad field; MATCH_RECORD_NOT_FOUND
   */
  async export(
    caller: CyberTiplineCaller,
    body: unknown,
  ): Promise<{
    xml: string;
    fileName: string;
    input: CyberTiplineReportInput;
    /** The documents NCMEC's API takes: `<report>` for /submit; `<fileDetails>` for /fileinfo once NCMEC's ids are given. */
    documents: { report: string; fileDetails: string | null };
    incidentType: CyberTiplineIncidentKey;
    matchRecordId: number;
  }> {
    const { request, record, input, views } = await this.prepare(caller, body);
    const xml = buildCyberTiplineReport(input);
    const problems = validateCyberTiplineXml(xml);
    if (problems.length > 0) {
      // Inputs are validated above; what remains are NCMEC's stricter patterns (e.g. its e-mail syntax).
      throw new DomainError(
        'VALIDATION_FAILED',
        `The report would not pass NCMEC's structure: ${problems[0]!.at}: ${problems[0]!.message}`,
        problems.map((p) => ({ at: p.at, code: 'VALIDATION_FAILED' as const, message: p.message })),
      );
    }
    await this.deps.hotline.appendAudit(
      {
        actor: `apikey:${caller.id}`,
        action: 'cybertipline_exported',
        subjectType: 'match_record',
        subjectId: String(record.id),
        details: { incidentType: request.incidentType, fileViewedByEsp: views.fileViewed, files: 1 },
      },
      this.deps.clock.now(),
    );
    return {
      xml,
      fileName: `cybertipline-match-record-${record.id}.xml`,
      input,
      documents: {
        report: buildCyberTiplineReportDocument(input),
        fileDetails: request.ncmecIds
          ? buildCyberTiplineFileDetailsDocument(input.files[0]!, request.ncmecIds)
          : null,
      },
      incidentType: request.incidentType,
      matchRecordId: record.id,
    };
  }

  /**
   * Submits the report for a match record to NCMEC through its Reporting API: the `<report>` (the
   * file's hashes declared in it, as Hashline never holds the media), then `/finish`. Every step is
   * appended to the audit log (`cybertipline_submission_step`, with NCMEC's report id once known)
   * before the next call, so a retry with the same `idempotencyKey` resumes where a failed attempt
   * stopped (never opening a second report), and a finished one answers again without sending.
   * @throws {DomainError} CYBERTIPLINE_NOT_CONFIGURED; VALIDATION_FAILED; MATCH_RECORD_NOT_FOUND;
   *   CYBERTIPLINE_REJECTED / CYBERTIPLINE_UNAVAILABLE from NCMEC (the state is kept for the retry)
   */
  async submit(
    caller: CyberTiplineCaller,
    body: unknown,
    idempotencyKey: unknown,
  ): Promise<CyberTiplineSubmission> {
    const ncmec = this.deps.ncmec;
    if (!ncmec) {
      throw new DomainError(
        'CYBERTIPLINE_NOT_CONFIGURED',
        'Submission to NCMEC is not configured on this server (HASHLINE_NCMEC_REPORTING_URL and credentials); use the export.',
      );
    }
    if (
      typeof idempotencyKey !== 'string' ||
      idempotencyKey.length === 0 ||
      idempotencyKey.length > MAX_SUBMISSION_KEY ||
      !/^[\x21-\x7e]+$/.test(idempotencyKey)
    ) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `Idempotency-Key: a header of 1–${MAX_SUBMISSION_KEY} visible ASCII characters is required; reuse it to retry this submission.`,
      );
    }
    const { request, record, input, views } = await this.prepare(caller, body);
    const declared = declareFileHashes(input);
    const problems = validateCyberTiplineXml(buildCyberTiplineReportDocument(declared));
    if (problems.length > 0) {
      throw new DomainError(
        'VALIDATION_FAILED',
        `The report would not pass NCMEC's structure: ${problems[0]!.at}: ${problems[0]!.message}`,
        problems.map((p) => ({ at: p.at, code: 'VALIDATION_FAILED' as const, message: p.message })),
      );
    }
    const subjectId = String(record.id);
    const saved = await this.savedSubmission(subjectId, caller.id, idempotencyKey);
    const answer = (reportId: string, replayed: boolean): CyberTiplineSubmission => ({
      matchRecordId: record.id,
      ncmecReportId: reportId,
      incidentType: request.incidentType,
      declaredFiles: input.files.length,
      replayed,
    });
    if (saved?.finished && saved.reportId !== null) return answer(saved.reportId, true);
    const audit = (
      action: 'cybertipline_submission_step' | 'cybertipline_submitted',
      state: CyberTiplineSubmissionState,
    ) =>
      this.deps.hotline.appendAudit(
        {
          actor: `apikey:${caller.id}`,
          action,
          subjectType: 'match_record',
          subjectId,
          details: {
            idempotencyKey,
            ncmecReportId: state.reportId,
            finished: state.finished,
            state: JSON.stringify(state),
            incidentType: request.incidentType,
            fileViewedByEsp: views.fileViewed,
          },
        },
        this.deps.clock.now(),
      );
    const final = await runCyberTiplineSubmission(ncmec, declared, [], {
      ...(saved ? { state: saved } : {}),
      onProgress: async (state) => {
        await audit('cybertipline_submission_step', state);
      },
    });
    await audit('cybertipline_submitted', final);
    return answer(final.reportId, false);
  }

  /** The last saved state of this caller's submission under `key` for a match record, if any. */
  private async savedSubmission(
    subjectId: string,
    callerId: string,
    key: string,
  ): Promise<CyberTiplineSubmissionState | undefined> {
    let found: CyberTiplineSubmissionState | undefined;
    let after = 0;
    for (;;) {
      const page = await this.deps.hotline.listAudit({
        action: 'cybertipline_submission_step',
        subjectId,
        afterSeq: after,
        limit: 500,
      });
      if (page.length === 0) return found;
      for (const event of page) {
        if (
          event.subjectType === 'match_record' &&
          event.subjectId === subjectId &&
          event.actor === `apikey:${callerId}` &&
          event.details.idempotencyKey === key &&
          typeof event.details.state === 'string'
        ) {
          found = JSON.parse(event.details.state) as CyberTiplineSubmissionState;
        }
      }
      after = page[page.length - 1]!.seq;
    }
  }

  /** Parses the request, finds the record and builds the report's input (shared by export and submit). */
  private async prepare(caller: CyberTiplineCaller, body: unknown) {
    const request = parseCyberTiplineExportRequest(body);
    const record = await this.requireRecord(caller, request.matchRecordId);
    const entries = await this.deps.store.getEntries(record.matches.map((m) => m.entryId));
    const views = await this.fileViews(record.id);
    const annotations = new Set<CyberTiplineFileAnnotation>([
      ...request.file.annotations,
      ...(await this.assessedAnnotations(entries)),
    ]);
    const input: CyberTiplineReportInput = {
      incidentType: request.incidentType,
      incidentDateTime: request.incidentDateTime ?? record.createdAt,
      ...(request.incidentDateTimeDescription
        ? { incidentDateTimeDescription: request.incidentDateTimeDescription }
        : {}),
      ...(request.escalateToHighPriority ? { escalateToHighPriority: request.escalateToHighPriority } : {}),
      internetDetails: [
        {
          kind: 'web_page',
          urls: request.incidentUrls,
          ...(request.thirdPartyHostedContent !== undefined
            ? { thirdPartyHostedContent: request.thirdPartyHostedContent }
            : {}),
        },
      ],
      reporter: request.reporter,
      ...(request.reportedUser ? { reportedUser: request.reportedUser } : {}),
      ...(request.additionalInfo ? { additionalInfo: request.additionalInfo } : {}),
      files: [
        {
          ...(request.file.originalFileName ? { originalFileName: request.file.originalFileName } : {}),
          ...(request.file.locationOfFile ? { locationOfFile: request.file.locationOfFile } : {}),
          fileViewedByEsp: views.fileViewed,
          exifViewedByEsp: views.exifViewed,
          ...(request.file.publiclyAvailable !== undefined
            ? { publiclyAvailable: request.file.publiclyAvailable }
            : {}),
          fileRelevance: 'Reported',
          annotations: [...annotations],
          ...(industryOf(entries) ? { industryClassification: industryOf(entries)! } : {}),
          hashes: [
            ...(SIGNAL_HASH_TYPES[record.signalType]
              ? [{ type: SIGNAL_HASH_TYPES[record.signalType]!, value: record.value }]
              : []),
            ...request.file.hashes.filter(
              (h) => !(h.type === SIGNAL_HASH_TYPES[record.signalType] && h.value === record.value),
            ),
          ],
          ...(request.file.uploadIpCaptureEvent
            ? { ipCaptureEvents: [request.file.uploadIpCaptureEvent] }
            : {}),
          additionalInfo:
            `Matched ${entries.length} hash bank entr${entries.length === 1 ? 'y' : 'ies'} in Hashline (match record ${record.id}` +
            `${record.contentRef ? `, platform reference ${record.contentRef}` : ''}).`,
        },
      ],
    };
    return { request, record, input, views };
  }

  private async requireRecord(caller: CyberTiplineCaller, id: number) {
    const record = Number.isSafeInteger(id) && id > 0 ? await this.deps.store.getMatchRecord(id) : undefined;
    // Another key's record is reported as absent, as GET /v1/match-records/:id does.
    if (!record || (!caller.admin && record.caller !== caller.id)) {
      throw new DomainError('MATCH_RECORD_NOT_FOUND', `No match record with id ${id}.`);
    }
    return record;
  }

  private async viewsOf(subjectId: string): Promise<AuditEvent[]> {
    const found: AuditEvent[] = [];
    let after = 0;
    for (;;) {
      const page = await this.deps.hotline.listAudit({
        action: 'match_record_file_viewed',
        subjectId,
        afterSeq: after,
        limit: 500,
      });
      if (page.length === 0) return found;
      found.push(...page.filter((e) => e.subjectType === 'match_record' && e.subjectId === subjectId));
      after = page[page.length - 1]!.seq;
    }
  }

  /** Annotations from the hotline's own assessments of the media behind matched, published hashes. */
  private async assessedAnnotations(entries: readonly BankEntry[]): Promise<CyberTiplineFileAnnotation[]> {
    const mediaIds = new Set<number>();
    for (const entry of entries) {
      const ref =
        entry.provenance.source === HOTLINE_ASSESSMENT_SOURCE
          ? /^media:(\d+)$/.exec(entry.provenance.externalId ?? '')
          : null;
      if (ref) mediaIds.add(Number(ref[1]));
    }
    const assessments = (
      await Promise.all([...mediaIds].map((id) => this.deps.hotline.listAssessments(id)))
    ).flat();
    return annotationsFromAssessments(assessments.filter((a) => a.nationalStatus === 'illegal'));
  }
}

function industryOf(entries: readonly BankEntry[]) {
  return industryClassificationOf(entries.map((e) => e.classification));
}

/** A validated CyberTipline export request (the body of `POST /v1/cybertipline/reports`). */
export interface CyberTiplineExportRequest {
  readonly matchRecordId: number;
  readonly incidentType: CyberTiplineIncidentKey;
  readonly incidentDateTime?: Date;
  readonly incidentDateTimeDescription?: string;
  readonly escalateToHighPriority?: string;
  readonly incidentUrls: string[];
  readonly thirdPartyHostedContent?: boolean;
  readonly reporter: CyberTiplineReportInput['reporter'];
  readonly reportedUser?: NonNullable<CyberTiplineReportInput['reportedUser']>;
  readonly additionalInfo?: string;
  readonly file: {
    readonly originalFileName?: string;
    readonly locationOfFile?: string;
    readonly publiclyAvailable?: boolean;
    readonly annotations: CyberTiplineFileAnnotation[];
    readonly hashes: { type: CyberTiplineHashType; value: string }[];
    readonly uploadIpCaptureEvent?: CyberTiplineIpCapture;
  };
  /** NCMEC's ids for this report's file (from /submit and /upload): the export then includes its `<fileDetails>` document. */
  readonly ncmecIds?: { readonly reportId: string; readonly fileId: string };
}

const DATE_TIME_TZ = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Validates the body of a CyberTipline export request strictly (unknown fields refused, every
 * problem named by JSON pointer).
 * @throws {DomainError} VALIDATION_FAILED
 */
export function parseCyberTiplineExportRequest(body: unknown): CyberTiplineExportRequest {
  if (!isRecord(body)) throw new DomainError('VALIDATION_FAILED', 'The body must be a JSON object.');
  const p = new Problems();
  known(
    body,
    '',
    [
      'matchRecordId',
      'incidentType',
      'incidentDateTime',
      'incidentDateTimeDescription',
      'escalateToHighPriority',
      'incidentUrls',
      'thirdPartyHostedContent',
      'reporter',
      'reportedUser',
      'additionalInfo',
      'file',
      'ncmecReportId',
      'ncmecFileId',
    ],
    p,
  );
  const ncmecReportId = body.ncmecReportId;
  const ncmecFileId = body.ncmecFileId;
  let ncmecIds: { reportId: string; fileId: string } | undefined;
  if (ncmecReportId !== undefined || ncmecFileId !== undefined) {
    const reportId = typeof ncmecReportId === 'number' ? String(ncmecReportId) : ncmecReportId;
    if (typeof reportId !== 'string' || !/^\d{1,20}$/.test(reportId))
      p.add('/ncmecReportId', "NCMEC's numeric report id from /submit (with ncmecFileId)");
    if (typeof ncmecFileId !== 'string' || ncmecFileId.length === 0 || ncmecFileId.length > 200)
      p.add('/ncmecFileId', "NCMEC's file id from /upload (with ncmecReportId)");
    else if (typeof reportId === 'string') ncmecIds = { reportId, fileId: ncmecFileId };
  }
  const matchRecordId = body.matchRecordId;
  if (!Number.isSafeInteger(matchRecordId) || (matchRecordId as number) < 1)
    p.add('/matchRecordId', 'the id of one of your match records');
  const incidentType = body.incidentType ?? 'csam';
  if (!(CYBERTIPLINE_INCIDENT_KEYS as readonly unknown[]).includes(incidentType))
    p.add('/incidentType', `one of ${CYBERTIPLINE_INCIDENT_KEYS.join(', ')}`);
  const incidentDateTime = optionalDateTime(body, 'incidentDateTime', '', p);
  const urls = body.incidentUrls;
  if (!Array.isArray(urls) || urls.length < 1 || urls.length > 20 || urls.some((u) => !isHttpUrl(u))) {
    p.add(
      '/incidentUrls',
      'a list of 1–20 http(s) URLs where the content was (the upload or the user profile)',
    );
  }
  const reporterBody = body.reporter;
  let reporter: CyberTiplineReportInput['reporter'] = { reportingPerson: {} };
  if (!isRecord(reporterBody))
    p.add(
      '/reporter',
      'an object { firstName?, lastName?, email, phone?, companyTemplate?, termsOfService?, legalUrl?, contact? }',
    );
  else {
    known(
      reporterBody,
      '/reporter',
      ['firstName', 'lastName', 'email', 'phone', 'companyTemplate', 'termsOfService', 'legalUrl', 'contact'],
      p,
    );
    if (typeof reporterBody.email !== 'string')
      p.add('/reporter/email', "the reporting person's e-mail address (required by NCMEC)");
    const legalUrl = reporterBody.legalUrl;
    if (legalUrl !== undefined && !isHttpUrl(legalUrl)) p.add('/reporter/legalUrl', 'an http(s) URL');
    const contact = reporterBody.contact;
    reporter = {
      reportingPerson: person(reporterBody, '/reporter', p),
      ...(contact !== undefined
        ? isRecord(contact)
          ? (known(contact, '/reporter/contact', ['firstName', 'lastName', 'email', 'phone'], p),
            { contactPerson: person(contact, '/reporter/contact', p) })
          : (p.add('/reporter/contact', 'an object { firstName?, lastName?, email?, phone? }'), {})
        : {}),
      ...stringField(reporterBody, 'companyTemplate', '/reporter', 3000, p),
      ...stringField(reporterBody, 'termsOfService', '/reporter', 3000, p),
      ...(typeof legalUrl === 'string' && isHttpUrl(legalUrl) ? { legalUrl } : {}),
    };
  }
  let reportedUser: CyberTiplineExportRequest['reportedUser'];
  const userBody = body.reportedUser;
  if (userBody !== undefined) {
    if (!isRecord(userBody)) p.add('/reportedUser', 'an object');
    else {
      const at = '/reportedUser';
      known(
        userBody,
        at,
        [
          'espIdentifier',
          'espService',
          'screenName',
          'displayNames',
          'profileUrls',
          'emails',
          'ipCaptureEvents',
          'accountTemporarilyDisabled',
          'accountPermanentlyDisabled',
          'additionalInfo',
        ],
        p,
      );
      const emails = list(userBody, 'emails', at, 20, p).map((e, i) => emailItem(e, `${at}/emails/${i}`, p));
      const profileUrls = list(userBody, 'profileUrls', at, 20, p);
      profileUrls.forEach((u, i) =>
        isHttpUrl(u) ? null : p.add(`${at}/profileUrls/${i}`, 'an http(s) URL'),
      );
      const displayNames = list(userBody, 'displayNames', at, 20, p);
      displayNames.forEach((n, i) =>
        typeof n === 'string' && n.length > 0 && n.length <= 500
          ? null
          : p.add(`${at}/displayNames/${i}`, 'text of 1–500 characters'),
      );
      reportedUser = {
        ...(emails.length > 0
          ? { person: { emails: emails.filter((e): e is NonNullable<typeof e> => e !== null) } }
          : {}),
        ...stringField(userBody, 'espIdentifier', at, 500, p),
        ...stringField(userBody, 'espService', at, 500, p),
        ...stringField(userBody, 'screenName', at, 500, p),
        ...(displayNames.length > 0 ? { displayNames: displayNames as string[] } : {}),
        ...(profileUrls.length > 0 ? { profileUrls: profileUrls as string[] } : {}),
        ipCaptureEvents: list(userBody, 'ipCaptureEvents', at, 100, p)
          .map((e, i) => ipCapture(e, `${at}/ipCaptureEvents/${i}`, p))
          .filter((e): e is CyberTiplineIpCapture => e !== null),
        ...booleanField(userBody, 'accountTemporarilyDisabled', at, p),
        ...booleanField(userBody, 'accountPermanentlyDisabled', at, p),
        ...stringField(userBody, 'additionalInfo', at, 3000, p),
      };
    }
  }
  const fileBody = body.file ?? {};
  let file: CyberTiplineExportRequest['file'] = { annotations: [], hashes: [] };
  if (!isRecord(fileBody)) p.add('/file', 'an object');
  else {
    const at = '/file';
    known(
      fileBody,
      at,
      [
        'originalFileName',
        'locationOfFile',
        'publiclyAvailable',
        'annotations',
        'hashes',
        'uploadIpCaptureEvent',
      ],
      p,
    );
    const annotations = list(fileBody, 'annotations', at, CYBERTIPLINE_FILE_ANNOTATIONS.length, p);
    annotations.forEach((a, i) =>
      (CYBERTIPLINE_FILE_ANNOTATIONS as readonly unknown[]).includes(a)
        ? null
        : p.add(`${at}/annotations/${i}`, `one of ${CYBERTIPLINE_FILE_ANNOTATIONS.join(', ')}`),
    );
    const hashes = list(fileBody, 'hashes', at, 10, p).flatMap((h, i) => {
      const where = `${at}/hashes/${i}`;
      if (
        !isRecord(h) ||
        !(CYBERTIPLINE_HASH_TYPES as readonly unknown[]).includes(h.type) ||
        typeof h.value !== 'string' ||
        !/^[0-9a-fA-F]{16,256}$/.test(h.value)
      ) {
        p.add(where, `{ type: ${CYBERTIPLINE_HASH_TYPES.join(' | ')}, value: hex }`);
        return [];
      }
      return [{ type: h.type as CyberTiplineHashType, value: h.value.toLowerCase() }];
    });
    const upload =
      fileBody.uploadIpCaptureEvent === undefined
        ? null
        : ipCapture(fileBody.uploadIpCaptureEvent, `${at}/uploadIpCaptureEvent`, p);
    file = {
      ...stringField(fileBody, 'originalFileName', at, 500, p),
      ...stringField(fileBody, 'locationOfFile', at, 2048, p),
      ...booleanField(fileBody, 'publiclyAvailable', at, p),
      annotations: annotations as CyberTiplineFileAnnotation[],
      hashes,
      ...(upload ? { uploadIpCaptureEvent: upload } : {}),
    };
  }
  const escalation = stringField(body, 'escalateToHighPriority', '', MAX_ESCALATION_REASON, p);
  const request: CyberTiplineExportRequest = {
    matchRecordId: matchRecordId as number,
    incidentType: incidentType as CyberTiplineIncidentKey,
    ...(incidentDateTime ? { incidentDateTime } : {}),
    ...stringField(body, 'incidentDateTimeDescription', '', 3000, p),
    ...escalation,
    incidentUrls: Array.isArray(urls) ? (urls as string[]) : [],
    ...booleanField(body, 'thirdPartyHostedContent', '', p),
    reporter,
    ...(reportedUser ? { reportedUser } : {}),
    ...stringField(body, 'additionalInfo', '', 3000, p),
    file,
    ...(ncmecIds ? { ncmecIds } : {}),
  };
  p.throwIfAny('The CyberTipline request has problems');
  return request;
}

function known(body: Record<string, unknown>, at: string, keys: readonly string[], p: Problems): void {
  for (const key of Object.keys(body)) if (!keys.includes(key)) p.add(`${at}/${key}`, 'unknown field');
}

function optionalString(
  body: Record<string, unknown>,
  key: string,
  max: number,
  p: Problems,
  at = '',
): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    p.add(`${at}/${key}`, `text of 1–${max} characters`);
    return undefined;
  }
  return value.trim();
}

function stringField<K extends string>(
  body: Record<string, unknown>,
  key: K,
  at: string,
  max: number,
  p: Problems,
): { [P in K]?: string } {
  const value = optionalString(body, key, max, p, at);
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

function booleanField<K extends string>(
  body: Record<string, unknown>,
  key: K,
  at: string,
  p: Problems,
): { [P in K]?: boolean } {
  const value = body[key];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'boolean') {
    p.add(`${at}/${key}`, 'true or false');
    return {};
  }
  return { [key]: value } as { [P in K]?: boolean };
}

function list(body: Record<string, unknown>, key: string, at: string, max: number, p: Problems): unknown[] {
  const value = body[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.length > max) {
    p.add(`${at}/${key}`, `a list of at most ${max} items`);
    return [];
  }
  return value;
}

function optionalDateTime(
  body: Record<string, unknown>,
  key: string,
  at: string,
  p: Problems,
): Date | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !DATE_TIME_TZ.test(value) || Number.isNaN(Date.parse(value))) {
    p.add(`${at}/${key}`, 'a date and time with its time zone, e.g. 2026-03-01T09:00:00Z');
    return undefined;
  }
  return new Date(value);
}

function person(body: Record<string, unknown>, at: string, p: Problems): CyberTiplinePerson {
  const email = body.email === undefined ? null : emailItem({ address: body.email }, `${at}/email`, p);
  return {
    ...stringField(body, 'firstName', at, 200, p),
    ...stringField(body, 'lastName', at, 200, p),
    ...stringField(body, 'phone', at, 50, p),
    ...(email ? { emails: [email] } : {}),
  };
}

function emailItem(value: unknown, at: string, p: Problems): { address: string; verified?: boolean } | null {
  if (
    !isRecord(value) ||
    typeof value.address !== 'string' ||
    value.address.length > 254 ||
    !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(value.address)
  ) {
    p.add(at, 'an e-mail address ({ address, verified? } in lists)');
    return null;
  }
  if (value.verified !== undefined && typeof value.verified !== 'boolean') {
    p.add(`${at}/verified`, 'true or false');
    return null;
  }
  return {
    address: value.address,
    ...(typeof value.verified === 'boolean' ? { verified: value.verified } : {}),
  };
}

function ipCapture(value: unknown, at: string, p: Problems): CyberTiplineIpCapture | null {
  if (!isRecord(value)) {
    p.add(at, '{ ipAddress, eventName, dateTime?, possibleProxy?, port? }');
    return null;
  }
  const before = p.list.length;
  known(value, at, ['ipAddress', 'eventName', 'dateTime', 'possibleProxy', 'port'], p);
  const ip = value.ipAddress;
  // IPv4 dotted quad or an IPv6 text form: hex groups and colons (with an optional embedded IPv4).
  if (
    typeof ip !== 'string' ||
    !(/^(\d{1,3}\.){3}\d{1,3}$/.test(ip) || /^[0-9a-fA-F:]{2,39}(\d{1,3}(\.\d{1,3}){3})?$/.test(ip))
  ) {
    p.add(`${at}/ipAddress`, 'an IPv4 or IPv6 address');
  }
  const eventName = value.eventName ?? 'Unknown';
  if (!(CYBERTIPLINE_IP_EVENTS as readonly unknown[]).includes(eventName))
    p.add(`${at}/eventName`, `one of ${CYBERTIPLINE_IP_EVENTS.join(', ')}`);
  const dateTime = optionalDateTime(value, 'dateTime', at, p);
  const port = value.port;
  if (port !== undefined && (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535))
    p.add(`${at}/port`, 'a port number 0–65535');
  const proxy = booleanField(value, 'possibleProxy', at, p);
  if (p.list.length > before) return null;
  return {
    ipAddress: ip as string,
    eventName: eventName as CyberTiplineIpEvent,
    ...(dateTime ? { dateTime } : {}),
    ...proxy,
    ...(port !== undefined ? { port: port as number } : {}),
  };
}
