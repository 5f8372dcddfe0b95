import {
  buildCyberTiplineFileDetailsDocument,
  buildCyberTiplineReportDocument,
  type CyberTiplineFile,
  type CyberTiplineReportInput,
} from './cybertipline-builder.js';

/**
 * NCMEC's CyberTipline Reporting API as the submission flow uses it (the server's HTTP client
 * implements it; tests use a loopback mock of the API). Each call is retried by the adapter on
 * 5xx, 429, timeouts and lost connections; errors it gives up on are `DomainError`s
 * (`CYBERTIPLINE_REJECTED` when NCMEC refused the document, `CYBERTIPLINE_UNAVAILABLE` otherwise).
 */
export interface NcmecReportingPort {
  /** `POST /submit` with a `<report>` document: opens a report, returns NCMEC's report id. */
  openReport(reportXml: string): Promise<{ readonly reportId: string }>;
  /** `POST /upload` (multipart `id`, `file`): returns NCMEC's file id. */
  uploadFile(
    reportId: string,
    file: { readonly bytes: Uint8Array; readonly fileName: string },
  ): Promise<{ readonly fileId: string }>;
  /** `POST /fileinfo` with a `<fileDetails>` document carrying `reportId` and `fileId`. */
  sendFileDetails(fileDetailsXml: string): Promise<void>;
  /** `POST /finish` (form `id`): the report is complete and goes to NCMEC's analysts. "Already finished" is success. */
  finishReport(reportId: string): Promise<void>;
}

/**
 * How far a submission got: saved after every step, so a submission that failed half-way resumes
 * where it stopped instead of opening a second report or uploading a file twice.
 */
export interface CyberTiplineSubmissionState {
  /** NCMEC's report id once `/submit` answered; null before. */
  readonly reportId: string | null;
  /** Per uploaded file (in `uploads` order): NCMEC's file id, and whether its details were sent. */
  readonly files: readonly { readonly fileId: string | null; readonly detailsSent: boolean }[];
  readonly finished: boolean;
}

/** A file to upload to NCMEC with the report: its bytes and the details that describe it. */
export interface CyberTiplineUpload {
  readonly bytes: Uint8Array;
  readonly fileName: string;
  readonly details: CyberTiplineFile;
}

/** A fresh state for `uploads` files. */
export function newSubmissionState(uploads: number): CyberTiplineSubmissionState {
  return {
    reportId: null,
    files: Array.from({ length: uploads }, () => ({ fileId: null, detailsSent: false })),
    finished: false,
  };
}

/**
 * The report text for files whose hashes are declared rather than uploaded (the media stays with
 * whoever holds it; Hashline never has it): the report's `additionalInfo` lists each file's
 * original hashes, after any additional information already given.
 */
export function declareFileHashes(input: CyberTiplineReportInput): CyberTiplineReportInput {
  if (input.files.length === 0) return input;
  const lines = input.files.map(
    (file, i) =>
      `File ${i + 1} (not uploaded; original file hashes): ${file.hashes.map((h) => `${h.type} ${h.value}`).join(', ')}` +
      `${file.industryClassification ? `; industry classification ${file.industryClassification}` : ''}` +
      `; viewed by the reporting company: ${file.fileViewedByEsp ? 'yes' : 'no'}.`,
  );
  return {
    ...input,
    additionalInfo: [input.additionalInfo, ...lines].filter((s) => s !== undefined && s !== '').join('\n'),
    files: [],
  };
}

/**
 * Runs NCMEC's submission flow: open the report (`/submit`), then for each upload `/upload` and its
 * `/fileinfo` (with the report and file ids NCMEC returned), then `/finish`. Steps already done in
 * `state` are skipped, and `onProgress` is awaited after each step with the new state (the caller
 * makes it durable before the next call to NCMEC). Files in `input.files` are not uploaded: declare
 * their hashes with {@link declareFileHashes} first.
 * @returns the final state (`finished`, NCMEC's `reportId` and every `fileId`)
 */
export async function runCyberTiplineSubmission(
  port: NcmecReportingPort,
  input: CyberTiplineReportInput,
  uploads: readonly CyberTiplineUpload[],
  options: {
    readonly state?: CyberTiplineSubmissionState;
    readonly onProgress?: (state: CyberTiplineSubmissionState) => Promise<void>;
  } = {},
): Promise<CyberTiplineSubmissionState & { readonly reportId: string }> {
  let state = options.state ?? newSubmissionState(uploads.length);
  if (state.files.length !== uploads.length) {
    throw new RangeError(`the saved state has ${state.files.length} files, the submission ${uploads.length}`);
  }
  const progress = async (next: CyberTiplineSubmissionState) => {
    state = next;
    await options.onProgress?.(state);
  };
  if (state.reportId === null) {
    const { reportId } = await port.openReport(buildCyberTiplineReportDocument(input));
    await progress({ ...state, reportId });
  }
  const reportId = state.reportId!;
  for (const [i, upload] of uploads.entries()) {
    const setFile = (file: CyberTiplineSubmissionState['files'][number]) =>
      progress({ ...state, files: state.files.map((f, j) => (j === i ? file : f)) });
    if (state.files[i]!.fileId === null) {
      const { fileId } = await port.uploadFile(reportId, { bytes: upload.bytes, fileName: upload.fileName });
      await setFile({ fileId, detailsSent: false });
    }
    if (!state.files[i]!.detailsSent) {
      const fileId = state.files[i]!.fileId!;
      await port.sendFileDetails(buildCyberTiplineFileDetailsDocument(upload.details, { reportId, fileId }));
      await setFile({ fileId, detailsSent: true });
    }
  }
  if (!state.finished) {
    await port.finishReport(reportId);
    await progress({ ...state, finished: true });
  }
  return { ...state, reportId };
}
