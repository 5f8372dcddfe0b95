// The three clients as the engine builds them from a stored exchange (endpoint URL, flat options,
// opened credentials): what `validate` says about a bad configuration (fields named, values never
// repeated), and that `create` builds a client that syncs from the loopback mocks.
import { describe, expect, it } from 'vitest';
import {
  ncmecExchangeClients,
  stopNciiExchangeClients,
  threatExchangeClients,
} from '../../src/hash-exchanges/clients/exchange-client-factories.js';
import { startNcmecMock } from '../support/hash-exchange-mocks/ncmec-mock.js';
import { startStopNciiMock } from '../support/hash-exchange-mocks/stopncii-mock.js';
import { startThreatExchangeMock } from '../support/hash-exchange-mocks/threatexchange-mock.js';

const never = { aborted: false };
const loopback = { allowHttpForTests: true, retryDelayMs: () => 0 };

describe('hash-exchange client factories', () => {
  it('name every bad field of a configuration, without repeating secrets', () => {
    const ncmec = ncmecExchangeClients().validate({
      endpointUrl: 'http://report.example/hashsharing',
      options: { startTime: 'yesterday', onlyMemberIds: '42;x', colour: 'blue' },
      credentials: { username: 'a:b', password: '' },
    });
    expect(ncmec.map((p) => p.at).sort()).toEqual([
      'credentials/password',
      'credentials/username',
      'endpointUrl',
      'options/colour',
      'options/onlyMemberIds',
      'options/startTime',
    ]);
    expect(JSON.stringify(ncmec)).not.toContain('a:b');

    expect(
      stopNciiExchangeClients().validate({
        endpointUrl: 'https://api.stopncii.example/v1',
        options: { pageSize: 0 },
        credentials: { subscriptionKey: 'k' },
      }),
    ).toEqual([
      { at: 'options/pageSize', message: expect.any(String) },
      { at: 'credentials/fetchFunctionKey', message: expect.any(String) },
    ]);

    expect(
      threatExchangeClients()
        .validate({
          endpointUrl: 'https://graph.example/v19.0',
          options: { privacyGroupId: 'group' },
          credentials: null,
        })
        .map((p) => p.at),
    ).toEqual(['options/privacyGroupId', 'credentials/accessToken']);

    expect(
      ncmecExchangeClients().validate({
        endpointUrl: 'https://report.example/hashsharing',
        options: { onlyMemberIds: '42, 43', startTime: '2026-01-01T00:00:00Z' },
        credentials: { username: 'hotline', password: 'secret' },
      }),
    ).toEqual([]);
  });

  it('refuse to create a client from a configuration validate would refuse', () => {
    expect(() =>
      threatExchangeClients().create({
        exchange: { endpointUrl: 'https://graph.example/v19.0', options: {} },
        credentials: { accessToken: '1|x' },
      }),
    ).toThrow(/options\/privacyGroupId/);
  });

  it('create clients that sync from each mock', async () => {
    const [ncmec, stopncii, threatexchange] = await Promise.all([
      startNcmecMock(),
      startStopNciiMock(),
      startThreatExchangeMock(),
    ]);
    try {
      ncmec.put(
        {
          member: { id: '42', name: 'Example' },
          id: 'e1',
          kind: 'image',
          classification: 'A1',
          fingerprints: { md5: 'ab'.repeat(16) },
        },
        new Date(Date.UTC(2026, 0, 1)),
      );
      stopncii.put(
        {
          signalType: 'VideoMD5',
          hashValue: 'cd'.repeat(16),
          hashStatus: 'Active',
          caseNumbers: { C1: 'Active' },
        },
        100,
      );
      threatexchange.put(
        { id: '9', type: 'HASH_MD5', indicator: 'ef'.repeat(16), statuses: ['MALICIOUS'] },
        100,
      );

      const pages = await Promise.all([
        ncmecExchangeClients(loopback)
          .create({
            exchange: { endpointUrl: ncmec.baseUrl, options: { onlyMemberIds: 42 } },
            credentials: { username: ncmec.username, password: ncmec.password },
          })
          .fetchPage(null, never),
        stopNciiExchangeClients(loopback)
          .create({
            exchange: { endpointUrl: stopncii.baseUrl, options: { pageSize: 10 } },
            credentials: {
              subscriptionKey: stopncii.subscriptionKey,
              fetchFunctionKey: stopncii.fetchFunctionKey,
            },
          })
          .fetchPage(null, never),
        threatExchangeClients(loopback)
          .create({
            exchange: {
              endpointUrl: threatexchange.baseUrl,
              options: { privacyGroupId: Number(threatexchange.privacyGroupId) },
            },
            credentials: { accessToken: threatexchange.accessToken },
          })
          .fetchPage(null, never),
      ]);
      expect(pages.map((p) => p.records.map((r) => (r.kind === 'hash' ? r.hash.value : r.kind)))).toEqual([
        ['ab'.repeat(16)],
        ['cd'.repeat(16)],
        ['ef'.repeat(16)],
      ]);
    } finally {
      await Promise.all([ncmec.close(), stopncii.close(), threatexchange.close()]);
    }
  });
});
