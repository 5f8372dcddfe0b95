import type { VpdqFrame } from '@hashline/pdq';
import type { PdqVariantHash } from '../banks/pdq-variants.js';
import type { ContactSheet, HostTrace } from './hotline-records.js';

/** Bytes fetched from a reported URL by the capture worker (never by an analyst's browser). */
export interface FetchedResource {
  /** The URL the bytes came from, after redirects. */
  readonly finalUrl: string;
  readonly status: number;
  /** The media type of the response, lower case, without parameters. */
  readonly contentType: string;
  readonly bytes: Uint8Array;
  /** Every URL followed, in order, starting with the requested one. */
  readonly redirects: readonly string[];
  /** The vetted address the connection was pinned to. */
  readonly remoteAddress: string;
  /**
   * The response's cache validators (`ETag`, `Last-Modified`), when it sent them: a later
   * conditional fetch passes them back (a hash exchange's feed). Absent from fetchers that do not read them.
   */
  readonly validators?: { readonly etag: string | null; readonly lastModified: string | null };
}

/**
 * A conditional fetch (`If-None-Match`, `If-Modified-Since`): an unchanged resource answers 304,
 * returned as `status: 304` with no bytes instead of an error.
 */
export interface ConditionalFetch {
  readonly etag?: string | null;
  readonly lastModified?: string | null;
}

/**
 * The HTTP status a `CAPTURE_HTTP_STATUS` error carries (fetchers attach it as `httpStatus`), or
 * null for any other error: re-checks tell "gone" (404, 410) from "failing" (5xx) by it.
 */
export function capturedHttpStatus(error: unknown): number | null {
  const status = (error as { httpStatus?: unknown } | null)?.httpStatus;
  return typeof status === 'number' && Number.isInteger(status) ? status : null;
}

/**
 * What a fetch is for: it decides the content types allowed. `resource` is a browser capture's
 * sub-request (script, style, font, XHR, image, media) under the same address and size rules.
 */
export type FetchPurpose = 'page' | 'media' | 'resource';

/**
 * Fetches a reported URL behind SSRF protection (a non-2xx answer throws `CAPTURE_HTTP_STATUS`
 * with the status as `httpStatus`, see {@link capturedHttpStatus}): refuses loopback, private, link-local, CGNAT,
 * metadata and IPv4-mapped addresses in every encoding, re-checks every redirect, pins the
 * resolved address, caps bytes and time, allow-lists content types. Throws a `DomainError` with
 * a `CAPTURE_*` code.
 */
export interface SafeFetcher {
  fetch(url: string, purpose: FetchPurpose, conditional?: ConditionalFetch): Promise<FetchedResource>;
}

/** A media reference found in an HTML page. */
export interface PageMediaReference {
  /** Absolute http(s) URL. */
  readonly url: string;
  readonly foundIn: 'img' | 'srcset' | 'og_image' | 'video_poster' | 'video_source' | 'link';
}

/** Finds the media an HTML page shows or links to (img, srcset, og:image, video poster, direct links). */
export type MediaReferenceExtractor = (html: string, baseUrl: string) => PageMediaReference[];

/** Traces where a URL is hosted: host → IP → country and network from an offline dataset. */
export interface HostTracer {
  trace(url: string): Promise<HostTrace>;
}

/** Hashes and derived images of captured media bytes. */
export interface CapturedMedia {
  readonly md5: string;
  readonly sha256: string;
  /** Null when the bytes are not a decodable image (e.g. a video file: hashed exactly only). */
  readonly pdq: string | null;
  readonly pdqQuality: number | null;
  /**
   * Extra PDQ hashes looked up with `pdq`: rotated and mirrored copies (`rot90`…`flipm`) and the
   * picture without borders or a screenshot's bars (`trim`). Absent when turned off.
   */
  readonly pdqVariants?: readonly { readonly name: string; readonly value: string }[];
  /**
   * The bank side's robust variants (`trim`, `crop-*`, ADR 0021), kept with the media item so that
   * publishing it stores them with its PDQ entry. Absent when turned off or none.
   */
  readonly pdqBankVariants?: readonly PdqVariantHash[];
  readonly width: number | null;
  readonly height: number | null;
  /**
   * A small greyscale, blurred JPEG (≤ 256 px; a video's contact sheet ≤ 400 px); null when the
   * bytes did not decode.
   */
  readonly thumbnail: Uint8Array | null;
  /**
   * A size-capped (≤ 1024 px) re-encoded JPEG for a deliberate reveal (a video's contact sheet in
   * colour); null when the bytes did not decode.
   */
  readonly preview: Uint8Array | null;
  /** A video's contact sheet layout, when `thumbnail` and `preview` are one; absent otherwise. */
  readonly contactSheet?: ContactSheet | null;
  /**
   * A video's vPDQ frames (one a second), when the bytes were a video the hasher could decode;
   * absent or null otherwise. Matched against the banked videos to label known material.
   */
  readonly vpdq?: readonly VpdqFrame[] | null;
}

/** Decodes captured media behind limits (in a process that may die) and hashes it. */
export interface CapturedMediaHasher {
  hashCaptured(bytes: Uint8Array): Promise<CapturedMedia>;
}

/** Where a rendered page showed a media item. */
export type RenderedMediaSource =
  | 'img'
  | 'srcset'
  | 'css_background'
  | 'video'
  | 'video_poster'
  | 'video_source'
  | 'blob'
  | 'data'
  | 'document';

/** One image or video a rendered page displayed, with the bytes the browser got for it. */
export interface RenderedMedia {
  /** The http(s) URL it came from; for blob:/data: media the page's URL. */
  readonly url: string;
  readonly foundIn: RenderedMediaSource;
  /** The media type, lower case, no parameters ('' when the page did not say). */
  readonly contentType: string;
  readonly bytes: Uint8Array;
}

/** What a browser capture of one page found. */
export interface RenderedPage {
  /** The document's URL after redirects. */
  readonly finalUrl: string;
  /** The document's media type (a reported image is not rendered: it is its own media). */
  readonly contentType: string;
  /** Every image and video the page displayed, each URL once, in document order. */
  readonly media: readonly RenderedMedia[];
  /** A full-page PNG screenshot; null when the URL is not an HTML page. */
  readonly screenshot: Uint8Array | null;
  /** Requests the browser made that the capture refused (blocked address, WebSocket, non-GET, …). */
  readonly refusedRequests: number;
}

/**
 * Renders a reported page in a headless browser whose every request goes through the
 * {@link SafeFetcher} (the browser itself connects nowhere). Throws `CAPTURE_*` errors of the
 * document's fetch as they are, and `CAPTURE_BROWSER_FAILED` when the browser could not render
 * (missing, crashed, hung past the page's time limit): the caller may fall back to HTTP capture.
 */
export interface PageRenderer {
  render(url: string): Promise<RenderedPage>;
}
