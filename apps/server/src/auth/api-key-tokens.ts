import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  API_SCOPES,
  DomainError,
  Problems,
  isRecord,
  type ApiKey,
  type ApiKeyStore,
  type ApiScope,
} from '@hashline/domain';

/** A token is `hl_<id>_<secret>`: the id is public (it names the key), the secret is not. */
const TOKEN = /^hl_([a-z0-9]{4,32})_([A-Za-z0-9_-]{16,128})$/;

/** The parts of a well-formed token. */
export interface ParsedToken {
  readonly id: string;
  readonly secret: string;
}

/** Splits a token into id and secret; undefined when it is not shaped like one. */
export function parseToken(token: string): ParsedToken | undefined {
  const m = TOKEN.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

/** Lower-case hex SHA-256 of a secret: what the store keeps instead of the secret. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Compares a presented secret with the stored hash in constant time. */
export function secretMatches(secret: string, secretHash: string): boolean {
  const presented = createHash('sha256').update(secret, 'utf8').digest();
  const stored = Buffer.from(secretHash, 'hex');
  return stored.length === presented.length && timingSafeEqual(presented, stored);
}

/** A new key's stored form and its token, which is shown once and never stored. */
export interface IssuedApiKey {
  readonly key: Omit<ApiKey, 'createdAt' | 'revokedAt'>;
  readonly token: string;
}

/** Makes a new key: a random 64-bit id (16 hex digits) and a 256-bit secret. */
export function issueApiKey(
  name: string,
  scopes: readonly ApiScope[],
  rateLimitPerSecond: number | null = null,
): IssuedApiKey {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return {
    key: { id, name, scopes: [...scopes], secretHash: hashSecret(secret), rateLimitPerSecond },
    token: `hl_${id}_${secret}`,
  };
}

/** The stored form of a key given as a full token (provisioned secrets, `HASHLINE_ADMIN_TOKEN`). */
export function apiKeyFromToken(
  token: string,
  name: string,
  scopes: readonly ApiScope[],
): Omit<ApiKey, 'createdAt' | 'revokedAt'> {
  const parsed = parseToken(token);
  if (!parsed) throw new DomainError('VALIDATION_FAILED', 'The token is not of the form hl_<id>_<secret>.');
  return {
    id: parsed.id,
    name,
    scopes: [...scopes],
    secretHash: hashSecret(parsed.secret),
    rateLimitPerSecond: null,
  };
}

/** A validated request to create a key. */
export interface NewApiKeyRequest {
  readonly name: string;
  readonly scopes: readonly ApiScope[];
  readonly rateLimitPerSecond: number | null;
  /** Bank names the key is limited to (issue 15); null: every bank. */
  readonly banks?: readonly string[] | null;
}

/** Most banks one key's list may name. */
export const MAX_KEY_BANKS = 100;

/** Validates the body of `POST /v1/api-keys`. @throws {DomainError} VALIDATION_FAILED */
export function parseNewApiKey(input: unknown): NewApiKeyRequest {
  if (!isRecord(input)) throw new DomainError('VALIDATION_FAILED', 'An API key must be a JSON object.');
  const problems = new Problems();
  for (const key of Object.keys(input)) {
    if (!['name', 'scopes', 'rateLimitPerSecond', 'banks'].includes(key)) problems.add(key, 'Unknown field.');
  }
  if (typeof input.name !== 'string' || input.name.trim().length === 0 || input.name.length > 200) {
    problems.add('name', 'A string of 1–200 characters.');
  }
  const scopes = input.scopes;
  if (
    !Array.isArray(scopes) ||
    scopes.length === 0 ||
    scopes.some((s) => !(API_SCOPES as readonly unknown[]).includes(s))
  ) {
    problems.add('scopes', `A non-empty list of ${API_SCOPES.join(', ')}.`);
  }
  const rate = input.rateLimitPerSecond;
  if (
    rate !== undefined &&
    rate !== null &&
    (typeof rate !== 'number' || !Number.isInteger(rate) || rate < 1 || rate > 1_000_000)
  ) {
    problems.add('rateLimitPerSecond', 'An integer from 1 to 1000000, or null for the server default.');
  }
  const banks = input.banks;
  if (
    banks !== undefined &&
    banks !== null &&
    (!Array.isArray(banks) ||
      banks.length === 0 ||
      banks.length > MAX_KEY_BANKS ||
      banks.some((b) => typeof b !== 'string' || !/^[a-z0-9][a-z0-9_-]{0,63}$/.test(b)))
  ) {
    problems.add('banks', `A list of 1–${MAX_KEY_BANKS} bank names, or null for every bank.`);
  }
  problems.throwIfAny('The API key is invalid');
  return {
    name: (input.name as string).trim(),
    scopes: [...new Set(scopes as ApiScope[])],
    rateLimitPerSecond: (rate as number | null | undefined) ?? null,
    banks: Array.isArray(banks) ? [...new Set(banks as string[])] : null,
  };
}

/** Creates and stores a key; returns it with its one-time token. */
export async function createApiKey(
  store: ApiKeyStore,
  request: NewApiKeyRequest,
): Promise<{ apiKey: ApiKey; token: string }> {
  const issued = issueApiKey(request.name, request.scopes, request.rateLimitPerSecond);
  const apiKey = await store.createApiKey({ ...issued.key, banks: request.banks ?? null });
  return { apiKey, token: issued.token };
}
