/**
 * `@hashline/capture-node`: the only package that fetches URLs reported by the public. An
 * SSRF-safe HTTP client (pinned, vetted addresses; redirects re-checked; bytes, time and types
 * capped), media extraction from HTML pages (parse5), and the host trace (DNS → IP → country and
 * network from an offline dataset installed from npm), and the browser capture (headless Chromium
 * whose every request goes through the same fetcher). Node only.
 * @packageDocumentation
 */
export { isBlockedAddress } from './blocked-address.js';
export {
  captureChromiumArgs,
  createBrowserRenderer,
  DEFAULT_BROWSER_PAGES,
  DEFAULT_CHROMIUM_PATH,
  DEFAULT_PAGE_MEMORY_MB,
  DEFAULT_PAGE_TIMEOUT_MS,
  HEADLESS_CHROMIUM_ARGS,
  isChromiumInstalled,
  type BrowserRenderer,
  type BrowserRendererOptions,
} from './browser-renderer.js';
export { checkCaptureUrl, type CaptureUrlCheckOptions } from './capture-url.js';
export { systemResolver, type HostResolver } from './host-resolver.js';
export {
  createSafeFetcher,
  DEFAULT_CAPTURE_MAX_BYTES,
  DEFAULT_CAPTURE_MAX_REDIRECTS,
  DEFAULT_CAPTURE_TIMEOUT_MS,
  DEFAULT_CAPTURE_USER_AGENT,
  DEFAULT_MEDIA_TYPES,
  DEFAULT_PAGE_TYPES,
  DEFAULT_RESOURCE_TYPES,
  type SafeFetcherOptions,
} from './safe-fetch.js';
export {
  extractMediaReferences,
  MAX_MEDIA_REFERENCES,
  MEDIA_LINK_EXTENSIONS,
  srcsetUrls,
} from './media-references.js';
export {
  createHostTracer,
  ASN_DATASET_PACKAGE,
  COUNTRY_DATASET_PACKAGE,
  HOST_TRACE_ATTRIBUTION,
  type AddressOrigin,
  type HostTraceDataset,
  type HostTracerOptions,
  type NodeHostTracer,
} from './host-tracer.js';
