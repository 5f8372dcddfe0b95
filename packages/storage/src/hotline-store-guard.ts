import type { HashlineStore, HotlineStore } from '@hashline/domain';

/** A {@link HashlineStore} that also keeps the hotline's data (every store `openStore` returns). */
export type HashlineStoreWithHotline = HashlineStore & { readonly hotline: HotlineStore };

// Every method of the port, checked by the compiler: a method added to HotlineStore must be added
// here, so the guard never accepts a store that lacks it.
const HOTLINE_METHODS: Record<keyof HotlineStore, true> = {
  createReport: true,
  getReport: true,
  getReportByReceiptHash: true,
  updateReport: true,
  listQueue: true,
  listUrls: true,
  findUrlsByNormalized: true,
  claimCaptureJobs: true,
  completeCapture: true,
  failCaptureJob: true,
  countCaptureJobs: true,
  requestRecapture: true,
  listCaptureAttempts: true,
  getCaptureScreenshot: true,
  getScreenshotImage: true,
  recordAuditAnchor: true,
  listAuditAnchors: true,
  getMedia: true,
  listMedia: true,
  findMediaBySha256: true,
  getThumbnail: true,
  getSealedPreview: true,
  setMediaStatus: true,
  deleteSealedPreview: true,
  addAssessment: true,
  listAssessments: true,
  createAnalyst: true,
  getAnalyst: true,
  getAnalystByUsername: true,
  updateAnalyst: true,
  listAnalysts: true,
  claimSignInAttempt: true,
  resetSignInAttempts: true,
  createSession: true,
  getSession: true,
  deleteSession: true,
  deleteExpiredSessions: true,
  getContact: true,
  deleteContact: true,
  appendAudit: true,
  listAudit: true,
  countAudit: true,
  listReveals: true,
  auditHead: true,
  listRetentionDue: true,
  purgePersonalData: true,
};

/**
 * True when `store` carries a complete {@link HotlineStore} as `store.hotline` (the SQLite and
 * PostgreSQL stores do; the in-memory bank store does not, and a server then uses
 * `createMemoryHotlineStore`).
 */
export function hasHotlineStore(store: HashlineStore): store is HashlineStoreWithHotline {
  const hotline = (store as { readonly hotline?: unknown }).hotline;
  if (typeof hotline !== 'object' || hotline === null) return false;
  return Object.keys(HOTLINE_METHODS).every(
    (method) => typeof (hotline as Record<string, unknown>)[method] === 'function',
  );
}
