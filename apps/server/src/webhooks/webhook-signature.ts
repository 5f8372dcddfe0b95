import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header carrying a webhook's signature. */
export const SIGNATURE_HEADER = 'Hashline-Signature';

/**
 * Signs a webhook body: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The
 * timestamp is signed with the body so a captured request cannot be replayed later than the
 * receiver's tolerance.
 */
export function signWebhookBody(secret: string, body: string, unixSeconds: number): string {
  const t = Math.floor(unixSeconds);
  const v1 = createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex');
  return `t=${t},v1=${v1}`;
}

/**
 * Checks a `Hashline-Signature` header, for webhook receivers:
 *
 * ```ts
 * import { verifyWebhookSignature } from '@hashline/server';
 * // raw body exactly as received (do not re-serialise parsed JSON)
 * if (!verifyWebhookSignature(secret, req.headers['hashline-signature'], rawBody, 300)) reply 401;
 * // then drop duplicates by the body's `seq` (or the Idempotency-Key header): retries and
 * // redeliveries repeat both; a gap in `seq` is a notification still to come or to redeliver.
 * ```
 *
 * True when one of the header's `v1` signatures is the HMAC-SHA256 of `"<t>.<body>"` under
 * `secret` (compared in constant time) and `t` is within `toleranceS` seconds of now.
 *
 * @param secret the bank's webhook secret
 * @param header the header value (undefined or malformed → false)
 * @param body the raw request body, as bytes or a UTF-8 string
 * @param toleranceS largest accepted clock difference, in seconds (default 300)
 * @param nowS the current time in unix seconds (default: the system clock)
 */
export function verifyWebhookSignature(
  secret: string,
  header: string | string[] | undefined | null,
  body: string | Uint8Array,
  toleranceS = 300,
  nowS: number = Date.now() / 1000,
): boolean {
  if (typeof header !== 'string' || secret.length === 0) return false;
  let t: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (t === undefined || signatures.length === 0 || Math.abs(nowS - t) > toleranceS) return false;
  const hmac = createHmac('sha256', secret).update(`${t}.`, 'utf8');
  const expected = (typeof body === 'string' ? hmac.update(body, 'utf8') : hmac.update(body)).digest();
  return signatures.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
}
