// Issue 16: the audit chain's head, signed, published to a partner's HTTP endpoint (loopback here)
// as well as to a file; a failing endpoint is an error, never a silent "published".
import { createHash, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryHotlineStore } from '@hashline/domain/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  anchorSignatureCheck,
  describePublicKey,
  publishAuditAnchor,
  publishAuditHead,
  type AnchorKey,
} from '../../src/hotline/audit-anchor-publisher.js';

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

function anchorKey(): AnchorKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey, ...describePublicKey(publicKey) };
}

describe("audit anchors published to a partner's HTTP endpoint", () => {
  let server: Server;
  let url: string;
  let status = 201;
  const received: { method: string; type: string; body: string }[] = [];

  beforeEach(async () => {
    received.length = 0;
    status = 201;
    server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        received.push({ method: request.method ?? '', type: request.headers['content-type'] ?? '', body });
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/anchors`;
  });

  afterEach(async () => {
    await new Promise<void>((done) => server.close(() => done()));
  });

  it('POSTs each new head once, signed by the key, and records where it went', async () => {
    const key = anchorKey();
    const clock = { now: () => new Date('2026-12-07T10:00:00Z') };
    const store = createMemoryHotlineStore({ clock, sha256Hex });
    const append = (n: number) =>
      store.appendAudit(
        {
          actor: 'system:test',
          action: 'audit_viewed',
          subjectType: 'audit',
          subjectId: `log-${n}`,
          details: {},
        },
        clock.now(),
      );
    // An empty log has no head to anchor.
    expect(await publishAuditHead({ store, key, target: url, clock })).toBeNull();
    await append(1);
    await append(2);
    const first = await publishAuditHead({ store, key, target: url, clock });
    expect(first).toMatchObject({ seq: 2, keyId: key.keyId });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: 'POST', type: 'application/json' });
    const sent = JSON.parse(received[0]!.body);
    expect(sent).toEqual(first);
    expect(sent.hash).toBe((await store.auditHead()).hash);
    expect(anchorSignatureCheck(key.publicKey)(sent)).toBe(true);
    expect(anchorSignatureCheck(anchorKey().publicKey)(sent)).toBe(false);
    expect(await store.listAuditAnchors()).toMatchObject([{ seq: 2, publishedTo: new URL(url).origin }]);

    // The head has not moved: nothing is sent again; once it moves, the new head is.
    expect(await publishAuditHead({ store, key, target: url, clock })).toBeNull();
    expect(received).toHaveLength(1);
    await append(3);
    expect(await publishAuditHead({ store, key, target: url, clock })).toMatchObject({ seq: 3 });
    expect(received).toHaveLength(2);
  });

  it('an endpoint that refuses makes the round fail and records nothing', async () => {
    const key = anchorKey();
    const clock = { now: () => new Date('2026-12-07T10:00:00Z') };
    const store = createMemoryHotlineStore({ clock, sha256Hex });
    await store.appendAudit(
      { actor: 'system:test', action: 'audit_viewed', subjectType: 'audit', subjectId: 'log', details: {} },
      clock.now(),
    );
    status = 503;
    await expect(publishAuditHead({ store, key, target: url, clock })).rejects.toThrow('answered 503');
    expect(await store.listAuditAnchors()).toEqual([]);
    // Published once the partner answers again.
    status = 200;
    expect(await publishAuditHead({ store, key, target: url, clock })).toMatchObject({ seq: 1 });
    expect(await store.listAuditAnchors()).toHaveLength(1);
  });

  it('refuses to follow a redirect (the anchor goes where it was configured, or nowhere)', async () => {
    const key = anchorKey();
    const redirect = createServer((_request, response) => {
      response.writeHead(302, { location: url }).end();
    });
    await new Promise<void>((done) => redirect.listen(0, '127.0.0.1', done));
    try {
      const target = `http://127.0.0.1:${(redirect.address() as AddressInfo).port}/`;
      const anchor = {
        format: 'hashline-audit-anchor/v1',
        seq: 1,
        hash: 'a'.repeat(64),
        signedAt: '2026-12-07T10:00:00.000Z',
        keyId: key.keyId,
        publicKey: key.publicKeyBase64,
        signature: 'x',
      } as Parameters<typeof publishAuditAnchor>[0];
      await expect(publishAuditAnchor(anchor, target)).rejects.toThrow();
      expect(received).toHaveLength(0);
    } finally {
      await new Promise<void>((done) => redirect.close(() => done()));
    }
  });
});
