import type { CaptureJob } from './hotline-records.js';

/** How a capture attempt fetched the page: rendered in the capture browser, or plain HTTP. */
export type CaptureMethod = 'browser' | 'http';

/** A browser capture's full-page screenshot to store with the capture (evidence). */
export interface NewCaptureScreenshot {
  /** SHA-256 of the PNG as the browser made it: what the audit log and the referral package name. */
  readonly sha256: string;
  readonly byteLength: number;
  readonly width: number | null;
  readonly height: number | null;
  /** A small greyscale, blurred JPEG made by the server; null when the PNG did not decode. */
  readonly thumbnail: Uint8Array | null;
  /** A size-capped re-encoded JPEG for a deliberate reveal, sealed (AES-256-GCM). */
  readonly previewSealed: Uint8Array | null;
  /** The PNG itself, sealed (AES-256-GCM), for a referral. */
  readonly originalSealed: Uint8Array;
}

/** A stored screenshot's facts (never its bytes). */
export interface CaptureScreenshot {
  readonly jobId: number;
  readonly reportId: string;
  readonly urlId: number;
  readonly sha256: string;
  readonly byteLength: number;
  readonly width: number | null;
  readonly height: number | null;
  readonly capturedAt: Date;
  /** False once retention deleted its bytes (the SHA-256 stays). */
  readonly storedContent: boolean;
}

/** Which bytes of a screenshot to read. */
export type ScreenshotImage = 'thumbnail' | 'preview' | 'original';

/** One capture attempt of a URL: the report's own capture or a recapture an analyst asked for. */
export interface CaptureAttempt {
  readonly jobId: number;
  readonly reportId: string;
  readonly urlId: number;
  readonly status: CaptureJob['status'];
  /** Tries of this attempt (a transient failure is retried with back-off). */
  readonly tries: number;
  /** The analyst who asked for it; null for the report's own capture. */
  readonly requestedBy: string | null;
  readonly requestedAt: Date;
  readonly finishedAt: Date | null;
  /** The last error code (a try that will be retried, or the final failure). */
  readonly error: string | null;
  readonly method: CaptureMethod | null;
  /** Why a browser capture ran over plain HTTP (a fixed sentence). */
  readonly note: string | null;
  /** Media items recorded by this attempt (new ones; items seen by an earlier attempt are not repeated). */
  readonly mediaFound: number | null;
  readonly screenshot: CaptureScreenshot | null;
}

/** A signed audit head, as published (see `audit-anchor.ts`). */
export interface AuditAnchor {
  readonly seq: number;
  readonly hash: string;
  readonly signedAt: Date;
  /** SHA-256 (hex) of the raw Ed25519 public key. */
  readonly keyId: string;
  /** Ed25519 signature (base64) over `auditAnchorMessage`. */
  readonly signature: string;
  /** Where it was published (`file:…` or the endpoint's URL); never a secret. */
  readonly publishedTo: string;
}
