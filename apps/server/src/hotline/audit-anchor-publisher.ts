import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import {
  AUDIT_ANCHOR_FORMAT,
  auditAnchorMessage,
  type AnchorSignatureCheck,
  type AuditAnchor,
  type Clock,
  type HotlineStore,
  type PublishedAuditAnchor,
} from '@hashline/domain';

/** The Ed25519 key that signs audit anchors, with its public half and id. */
export interface AnchorKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The raw 32-byte public key, base64. */
  readonly publicKeyBase64: string;
  /** SHA-256 (hex) of the raw public key. */
  readonly keyId: string;
}

/** The raw 32 bytes of an Ed25519 public key (the last 32 bytes of its SPKI DER). */
function rawPublicKey(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' }).subarray(-32);
}

/** The public half of a key as the anchors name it: base64 of the raw key and its id. */
export function describePublicKey(publicKey: KeyObject): { publicKeyBase64: string; keyId: string } {
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error('the key is not an Ed25519 key');
  const raw = rawPublicKey(publicKey);
  return { publicKeyBase64: raw.toString('base64'), keyId: createHash('sha256').update(raw).digest('hex') };
}

/**
 * Reads the anchor key: an Ed25519 private key in PEM (PKCS#8), e.g. made with
 * `openssl genpkey -algorithm ed25519 -out audit-anchor.pem` or `hashline audit anchor-key`.
 * @throws Error with a readable reason when the file is missing or not an Ed25519 private key.
 */
export async function loadAnchorKey(file: string): Promise<AnchorKey> {
  let pem: Buffer;
  try {
    pem = await readFile(file);
  } catch (error) {
    throw new Error(
      `cannot read the audit anchor key ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new Error(`${file} is not a PEM private key`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error(`${file} is not an Ed25519 private key`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, ...describePublicKey(publicKey) };
}

/** Signs "row `seq` of the audit chain has hash `hash`" at `at`. */
export function signAuditAnchor(
  head: { readonly seq: number; readonly hash: string },
  at: Date,
  key: AnchorKey,
): PublishedAuditAnchor {
  const unsigned = { seq: head.seq, hash: head.hash, signedAt: at.toISOString(), keyId: key.keyId };
  const signature = sign(null, Buffer.from(auditAnchorMessage(unsigned), 'utf8'), key.privateKey);
  return {
    format: AUDIT_ANCHOR_FORMAT,
    ...unsigned,
    publicKey: key.publicKeyBase64,
    signature: signature.toString('base64'),
  };
}

/**
 * The signature check under one trusted public key: the anchor must name that key and carry a
 * valid Ed25519 signature by it (an anchor signed by any other key, even one it embeds, fails).
 */
export function anchorSignatureCheck(trusted: KeyObject): AnchorSignatureCheck {
  const { keyId } = describePublicKey(trusted);
  return (anchor) => {
    if (anchor.keyId !== keyId) return false;
    try {
      return verify(
        null,
        Buffer.from(auditAnchorMessage(anchor), 'utf8'),
        trusted,
        Buffer.from(anchor.signature, 'base64'),
      );
    } catch {
      return false;
    }
  };
}

/**
 * Publishes an anchor: appended as one JSON line to a file (fsynced before it counts), or POSTed
 * as JSON to a partner's http(s) endpoint (a 2xx answer counts).
 */
export async function publishAuditAnchor(
  anchor: PublishedAuditAnchor,
  target: string,
  timeoutMs = 10_000,
): Promise<void> {
  const line = JSON.stringify(anchor);
  if (/^https?:\/\//i.test(target)) {
    const response = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: line,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`the anchor endpoint answered ${response.status}`);
    return;
  }
  const handle = await open(target, 'a', 0o644);
  try {
    await handle.write(`${line}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * One round of the anchor publisher: signs the audit head and publishes it when it moved since
 * the last recorded anchor, then records it in the store. Returns the anchor, or null when the
 * head had not moved (or the log is empty).
 */
export async function publishAuditHead(deps: {
  readonly store: HotlineStore;
  readonly key: AnchorKey;
  readonly target: string;
  readonly clock: Clock;
}): Promise<PublishedAuditAnchor | null> {
  const head = await deps.store.auditHead();
  if (head.seq === 0) return null;
  const recorded = await deps.store.listAuditAnchors();
  const last = recorded.filter((a) => a.keyId === deps.key.keyId).at(-1);
  if (last !== undefined && last.seq >= head.seq) return null;
  const anchor = signAuditAnchor(head, deps.clock.now(), deps.key);
  await publishAuditAnchor(anchor, deps.target);
  const record: AuditAnchor = {
    seq: anchor.seq,
    hash: anchor.hash,
    signedAt: new Date(anchor.signedAt),
    keyId: anchor.keyId,
    signature: anchor.signature,
    publishedTo: /^https?:\/\//i.test(deps.target) ? new URL(deps.target).origin : `file:${deps.target}`,
  };
  await deps.store.recordAuditAnchor(record);
  return anchor;
}
