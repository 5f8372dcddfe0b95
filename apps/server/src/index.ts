/**
 * `@hashline/server`: the Hashline HTTP API (Fastify). `buildApp` builds it without listening
 * (tests inject requests); `startServer` wires the store, match index, hashing pool and webhook
 * dispatcher and listens (used by `main.ts` and the CLI's `hashline serve`).
 * @packageDocumentation
 */
export { buildApp, allows, DEFAULT_BODY_LIMIT, type AppDependencies, type AppContext } from './app.js';
export { startServer, type StartServerOptions, type RunningServer } from './server.js';
export { runServer, SHUTDOWN_TIMEOUT_MS, type RunServerOptions } from './run-server.js';
export {
  loadConfig,
  storeConnectionOptions,
  ConfigError,
  LOG_LEVELS,
  type LogLevel,
  type ServerConfig,
} from './config.js';
export {
  ROUTE_SCOPES,
  PUBLIC_PREFIXES,
  accessOf,
  type RouteAccess,
  type RouteScope,
} from './route-scopes.js';
export { HTTP_STATUS, PROBLEM_CONTENT_TYPE, problemOf, toProblem, type Problem } from './http-errors.js';
export {
  issueApiKey,
  createApiKey,
  parseNewApiKey,
  parseToken,
  hashSecret,
  secretMatches,
  apiKeyFromToken,
  type IssuedApiKey,
  type NewApiKeyRequest,
  type ParsedToken,
} from './auth/api-key-tokens.js';
export { verifyWebhookSignature, signWebhookBody, SIGNATURE_HEADER } from './webhooks/webhook-signature.js';
export {
  WebhookDispatcher,
  retryDelayMs,
  type WebhookDispatcherOptions,
} from './webhooks/webhook-dispatcher.js';
export {
  postJson,
  isPrivateAddress,
  BlockedAddressError,
  type PostOptions,
} from './webhooks/webhook-http.js';
export { createWorkerIndexBuilder, createWorkerIndexRebuilder } from './index-build/worker-index-builder.js';
export { createMetrics, type ServerMetrics } from './metrics.js';
export {
  createHotline,
  hotlineStoreOf,
  sha256Hex,
  type Hotline,
  type HotlineOverrides,
} from './hotline/hotline-wiring.js';
export { createAesSecretBox, loadOrCreateMasterKey } from './hotline/aes-secret-box.js';
export {
  anchorSignatureCheck,
  describePublicKey,
  loadAnchorKey,
  publishAuditAnchor,
  publishAuditHead,
  signAuditAnchor,
  type AnchorKey,
} from './hotline/audit-anchor-publisher.js';
export { rfc6238Totp, currentTotp, base32Encode, base32Decode } from './hotline/totp.js';
export { SESSION_COOKIE } from './hotline/workbench.routes.js';
/** Staff passwords and self-submission PINs use the same scrypt hasher (the CLI creates staff accounts). */
export { scryptPinHasher } from './routes/self-submission.routes.js';
export type { HotlineConfig } from './config.js';
/** The statistics routes (dashboard figures, CSV export, public yearly figures); see statistics.routes.ts. */
export { statisticsRoutes, createStatisticsService, statisticsStoreOf } from './hotline/statistics.routes.js';
