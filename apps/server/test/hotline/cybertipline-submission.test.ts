// Submission to NCMEC's CyberTipline Reporting API (issue 14 item 4), against a loopback mock of
// the API written from its documentation (support/ncmec-reporting-mock.ts): the whole flow (open a
// report, upload files, file details with NCMEC's reportId and fileId, finish), retries on 5xx,
// timeouts and lost connections, resuming from the saved state without a second report, refusals
// reported clearly, and the server route with its Idempotency-Key and audit trail.
import { createHash } from 'node:crypto';
import {
  NCMEC_INCIDENT_TYPE_CSAM,
  isDomainError,
  runCyberTiplineSubmission,
  type CyberTiplineReportInput,
  type CyberTiplineSubmissionState,
} from '@hashline/domain';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createNcmecReportingClient } from '../../src/hotline/ncmec-reporting-client.js';
import { ncmecSchemaErrors } from '../../../../tools/ncmec/ncmec-xsd.js';
import { startNcmecReportingMock, type NcmecReportingMock } from '../support/ncmec-reporting-mock.js';
import { createTestApp, problemBody, testConfig, type TestApp } from '../support/test-app.js';

const T0 = new Date(Date.UTC(2026, 5, 1, 8, 30));
const FILE_A = new Uint8Array(Buffer.from('benign test bytes A'));
const FILE_B = new Uint8Array(Buffer.from('benign test bytes B'));
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');

const INPUT: CyberTiplineReportInput = {
  incidentType: 'csam',
  incidentDateTime: T0,
  internetDetails: [{ kind: 'web_page', urls: ['https://platform.example/upload/9'] }],
  reporter: { reportingPerson: { emails: [{ address: 'trust@platform.example' }] } },
  files: [],
};
const details = (bytes: Uint8Array) => ({
  fileViewedByEsp: true,
  exifViewedByEsp: false,
  fileRelevance: 'Reported' as const,
  annotations: [],
  hashes: [{ type: 'MD5' as const, value: md5(bytes) }],
});
const UPLOADS = [
  { bytes: FILE_A, fileName: 'a.jpg', details: details(FILE_A) },
  { bytes: FILE_B, fileName: 'b.jpg', details: details(FILE_B) },
];

let mock: NcmecReportingMock;
beforeEach(async () => {
  mock = await startNcmecReportingMock();
});
afterEach(async () => {
  await mock.close();
});

// The mock validates documents with xmllint (WebAssembly), slow on a busy machine: a generous
// timeout, so that only the deliberate hangs time out.
const clientFor = (
  m: NcmecReportingMock,
  overrides: { password?: string; attempts?: number; timeoutMs?: number } = {},
) =>
  createNcmecReportingClient({
    baseUrl: m.url,
    username: m.username,
    password: overrides.password ?? m.password,
    attempts: overrides.attempts ?? 4,
    timeoutMs: overrides.timeoutMs ?? 60_000,
    retryDelayMs: () => 0,
    allowHttpForTests: true,
  });

describe('the submission client against the mock', () => {
  it('opens the report, uploads each file, sends its fileDetails with NCMEC ids, finishes', async () => {
    const client = clientFor(mock);
    expect((await client.status()).responseCode).toBe(0);
    const steps: CyberTiplineSubmissionState[] = [];
    const done = await runCyberTiplineSubmission(client, INPUT, UPLOADS, {
      onProgress: async (s) => void steps.push(s),
    });
    expect(done.finished).toBe(true);
    expect(mock.reports.size).toBe(1);
    const report = mock.reports.get(done.reportId)!;
    expect(report.finished).toBe(true);
    expect(report.xml).toContain(`<incidentType>${NCMEC_INCIDENT_TYPE_CSAM}</incidentType>`);
    expect(report.files.map((f) => f.md5)).toEqual([md5(FILE_A), md5(FILE_B)]);
    for (const [i, file] of report.files.entries()) {
      expect(file.fileId).toBe(done.files[i]!.fileId);
      expect(file.details).toContain(`<reportId>${done.reportId}</reportId>`);
      expect(file.details).toContain(`<fileId>${file.fileId}</fileId>`);
    }
    // State saved after each step: opened, 2 × (uploaded, details), finished.
    expect(steps).toHaveLength(6);
    expect(steps[0]).toMatchObject({ reportId: done.reportId, finished: false });
  });

  it('retries 5xx and lost connections; every step lands once', async () => {
    mock.fail('submit', '500', 2);
    mock.fail('upload', '500');
    mock.fail('fileinfo', '500', 2);
    // The finish reached NCMEC but its answer was lost: the retry hears "already finished".
    mock.fail('finish', 'drop-after-processing');
    const done = await runCyberTiplineSubmission(clientFor(mock), INPUT, UPLOADS);
    expect(done.finished).toBe(true);
    expect(mock.reports.size).toBe(1);
    expect(mock.reports.get(done.reportId)!.files).toHaveLength(2);
    expect(mock.reports.get(done.reportId)!.files.every((f) => f.details !== null)).toBe(true);
    expect(mock.calls).toMatchObject({ submit: 3, upload: 3, fileinfo: 4, finish: 2 });
  });

  it('a call that never answers times out and is tried again', async () => {
    const opened = await runCyberTiplineSubmission(clientFor(mock), INPUT, [], {
      state: { reportId: null, files: [], finished: false },
      onProgress: async () => {
        throw new Error('stop after opening');
      },
    }).catch(() => undefined);
    expect(opened).toBeUndefined();
    const reportId = [...mock.reports.keys()][0]!;
    // Only /finish is called now, which the mock answers without validating anything.
    mock.fail('finish', 'hang');
    const done = await runCyberTiplineSubmission(clientFor(mock, { timeoutMs: 500 }), INPUT, [], {
      state: { reportId, files: [], finished: false },
    });
    expect(done).toMatchObject({ reportId, finished: true });
    expect(mock.calls.finish).toBe(2);
  });

  it('a lost answer to /submit opens a second report at NCMEC; only one is ever finished', async () => {
    // NCMEC's /submit takes no idempotency key: this is the documented limit of a retry.
    mock.fail('submit', 'drop-after-processing');
    const done = await runCyberTiplineSubmission(clientFor(mock), INPUT, []);
    expect(mock.reports.size).toBe(2);
    expect([...mock.reports.values()].filter((r) => r.finished).map((r) => r.reportId)).toEqual([
      done.reportId,
    ]);
  });

  it('after giving up, a run from the saved state resumes: no second report, no second upload', async () => {
    let saved: CyberTiplineSubmissionState | undefined;
    mock.fail('finish', '500', 2);
    const failing = runCyberTiplineSubmission(clientFor(mock, { attempts: 2 }), INPUT, UPLOADS, {
      onProgress: async (s) => {
        saved = s;
      },
    });
    await expect(failing).rejects.toMatchObject({ code: 'CYBERTIPLINE_UNAVAILABLE' });
    expect(saved).toMatchObject({ finished: false, reportId: expect.any(String) });
    expect(saved!.files.every((f) => f.detailsSent)).toBe(true);
    const done = await runCyberTiplineSubmission(clientFor(mock), INPUT, UPLOADS, { state: saved! });
    expect(done).toMatchObject({ finished: true, reportId: saved!.reportId });
    expect(mock.reports.size).toBe(1);
    expect(mock.reports.get(done.reportId)!.files).toHaveLength(2);
    expect(mock.calls).toMatchObject({ submit: 1, upload: 2, fileinfo: 2, finish: 3 });
  });

  it('a refusal is CYBERTIPLINE_REJECTED at once, not retried', async () => {
    const wrong = runCyberTiplineSubmission(clientFor(mock, { password: 'not-it' }), INPUT, []);
    await expect(wrong).rejects.toMatchObject({ code: 'CYBERTIPLINE_REJECTED' });
    expect(mock.calls.submit).toBe(1);
    // A document NCMEC's schema refuses (4100): an e-mail address its pattern does not accept.
    const bad = runCyberTiplineSubmission(
      clientFor(mock),
      {
        ...INPUT,
        reporter: { reportingPerson: { emails: [{ address: 'not an address' }] } },
      },
      [],
    );
    const error = await bad.catch((e: unknown) => e);
    expect(isDomainError(error) && error.code).toBe('CYBERTIPLINE_REJECTED');
    expect(String((error as Error).message)).toContain('4100');
    expect(mock.calls.submit).toBe(2);
    expect(mock.reports.size).toBe(0);
  });

  it('a server that never answers is CYBERTIPLINE_UNAVAILABLE after the tries', async () => {
    mock.fail('submit', '500', 10);
    const error = await runCyberTiplineSubmission(clientFor(mock, { attempts: 3 }), INPUT, []).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'CYBERTIPLINE_UNAVAILABLE' });
    expect(String((error as Error).message)).toMatch(/3 tries \(HTTP 500\)/);
  });
});

describe('POST /v1/cybertipline/submissions', () => {
  let t: TestApp;
  let platform: string;
  let recordId: number;
  const MD5 = md5(FILE_A);

  const setUp = async (withNcmec: boolean) => {
    const base = testConfig();
    const config = withNcmec
      ? loadConfig(
          {
            HASHLINE_DATA_DIR: base.dataDir,
            HASHLINE_LOG_LEVEL: 'silent',
            HASHLINE_RATE_LIMIT_PER_SECOND: '100000',
            HASHLINE_NCMEC_REPORTING_URL: mock.url,
            HASHLINE_NCMEC_REPORTING_USERNAME: mock.username,
            HASHLINE_NCMEC_REPORTING_PASSWORD: mock.password,
            HASHLINE_NCMEC_REPORTING_ALLOW_HTTP_FOR_TESTS: 'true',
            HASHLINE_NCMEC_REPORTING_RETRY_DELAY_MS: '0',
            HASHLINE_NCMEC_REPORTING_ATTEMPTS: '2',
          },
          {},
        )
      : base;
    t = await createTestApp({ config });
    const admin = await t.key(['admin']);
    platform = await t.key(['match']);
    await t.call(admin, { method: 'POST', url: '/v1/banks', payload: { name: 'known', kind: 'known_csam' } });
    const added = await t.call(admin, {
      method: 'POST',
      url: '/v1/banks/known/entries',
      payload: { entries: [{ signalType: 'md5', value: MD5, classification: { industry: 'A1' } }] },
    });
    expect(added.statusCode).toBe(201);
    const matched = await t.call(platform, {
      method: 'POST',
      url: '/v1/match',
      payload: { hashes: [{ signalType: 'md5', value: MD5, contentRef: 'upload-9' }] },
    });
    recordId = matched.json().results[0].recordId;
    expect(recordId).toEqual(expect.any(Number));
  };
  const submit = (key: string | null, extra: Record<string, unknown> = {}) =>
    t.call(platform, {
      method: 'POST',
      url: '/v1/cybertipline/submissions',
      headers: key === null ? {} : { 'idempotency-key': key },
      payload: {
        matchRecordId: recordId,
        incidentUrls: ['https://platform.example/upload/9'],
        reporter: { firstName: 'Trust', lastName: 'Safety', email: 'trust@platform.example' },
        ...extra,
      },
    });

  afterAll(async () => {
    await t?.close();
  });

  it('submits once per Idempotency-Key, keeps NCMEC report id, and resumes a failed attempt', async () => {
    await setUp(true);
    const first = await submit('sub-1');
    expect(first.statusCode, first.body).toBe(201);
    const body = first.json();
    expect(body).toMatchObject({
      matchRecordId: recordId,
      incidentType: 'csam',
      declaredFiles: 1,
      replayed: false,
    });
    const report = mock.reports.get(body.ncmecReportId)!;
    expect(report.finished).toBe(true);
    expect(report.xml).toContain(`<incidentType>${NCMEC_INCIDENT_TYPE_CSAM}</incidentType>`);
    // Hashline never holds the media: the file's hashes are declared in the report.
    expect(report.xml).toContain(`MD5 ${MD5}`);
    expect(report.files).toEqual([]);
    // Our own answer names the type by our key, never NCMEC's enumeration value.
    expect(first.body).not.toContain(NCMEC_INCIDENT_TYPE_CSAM);

    const again = await submit('sub-1');
    expect(again.json()).toEqual({ ...body, replayed: true });
    expect(mock.calls.submit).toBe(1);

    // A new key whose finish fails every try: 502, the report stays open at NCMEC ...
    mock.fail('finish', '500', 2);
    const failed = await submit('sub-2');
    expect(problemBody(failed).code).toBe('CYBERTIPLINE_UNAVAILABLE');
    expect(failed.statusCode).toBe(502);
    expect(mock.calls.submit).toBe(2);
    // ... and the retry with the same key finishes that report instead of opening another.
    const resumed = await submit('sub-2');
    expect(resumed.statusCode, resumed.body).toBe(201);
    expect(mock.calls.submit).toBe(2);
    expect(mock.reports.get(resumed.json().ncmecReportId)!.finished).toBe(true);

    const audit = await t.app.hashlineHotline.store.listAudit({ subjectId: String(recordId), limit: 100 });
    const actions = audit.map((e) => e.action);
    expect(actions.filter((a) => a === 'cybertipline_submitted')).toHaveLength(2);
    const submitted = audit.find((e) => e.action === 'cybertipline_submitted')!;
    expect(submitted.details).toMatchObject({ ncmecReportId: body.ncmecReportId, idempotencyKey: 'sub-1' });
  });

  it('a missing Idempotency-Key, a bad body and an unknown record are clear problems; nothing is sent', async () => {
    expect(problemBody(await submit(null)).code).toBe('VALIDATION_FAILED');
    expect(problemBody(await submit('k', { incidentType: 'nope' })).code).toBe('VALIDATION_FAILED');
    expect(problemBody(await submit('k', { matchRecordId: 999_999 })).code).toBe('MATCH_RECORD_NOT_FOUND');
    expect(mock.calls.submit ?? 0).toBe(0);
    await t.close();
  });

  it('without NCMEC settings it is 409 CYBERTIPLINE_NOT_CONFIGURED', async () => {
    await setUp(false);
    const response = await submit('k');
    expect(response.statusCode).toBe(409);
    expect(problemBody(response).code).toBe('CYBERTIPLINE_NOT_CONFIGURED');
  });

  it("the export answers NCMEC's documents as JSON: report, then fileDetails once NCMEC's ids are given", async () => {
    const exportJson = (extra: Record<string, unknown> = {}) =>
      t.call(platform, {
        method: 'POST',
        url: '/v1/cybertipline/reports',
        headers: { accept: 'application/json' },
        payload: {
          matchRecordId: recordId,
          incidentUrls: ['https://platform.example/upload/9'],
          reporter: { email: 'trust@platform.example' },
          ...extra,
        },
      });
    const first = await exportJson();
    expect(first.statusCode, first.body).toBe(200);
    const body = first.json();
    expect(body).toMatchObject({ incidentType: 'csam', fileDetails: null });
    expect(body.incidentTypeLabel).toMatch(/^Child sexual abuse material/);
    expect(await ncmecSchemaErrors(body.report)).toEqual([]);
    expect(body.report).toContain(`<incidentType>${NCMEC_INCIDENT_TYPE_CSAM}</incidentType>`);
    const second = await exportJson({
      ncmecReportId: '4564654',
      ncmecFileId: 'b0754af766b426f2928a02c651ed4b99',
    });
    const fileDetails = second.json().fileDetails as string;
    expect(await ncmecSchemaErrors(fileDetails)).toEqual([]);
    expect(fileDetails).toMatch(
      /<fileDetails[^>]*>\s*<reportId>4564654<\/reportId>\s*<fileId>b0754af766b426f2928a02c651ed4b99<\/fileId>/,
    );
    expect(fileDetails).toContain(`<originalFileHash hashType="MD5">${MD5}</originalFileHash>`);
    const half = await exportJson({ ncmecReportId: '4564654' });
    expect(problemBody(half).errors!.map((e) => e.at)).toEqual(['/ncmecFileId']);
    // The XML file stays the default.
    const xml = await t.call(platform, {
      method: 'POST',
      url: '/v1/cybertipline/reports',
      payload: {
        matchRecordId: recordId,
        incidentUrls: ['https://platform.example/upload/9'],
        reporter: { email: 'trust@platform.example' },
      },
    });
    expect(xml.headers['content-type']).toBe('application/xml; charset=utf-8');
  });
});

describe('configuration', () => {
  beforeAll(() => undefined);
  it('needs https and credentials; reads the password from a file', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'ncmec-config-'));
    writeFileSync(join(dir, 'pw'), 's3cret\n');
    const ok = loadConfig({
      HASHLINE_DATA_DIR: dir,
      HASHLINE_NCMEC_REPORTING_URL: 'https://exttest.cybertip.org/ispws',
      HASHLINE_NCMEC_REPORTING_USERNAME: 'esp',
      HASHLINE_NCMEC_REPORTING_PASSWORD_FILE: join(dir, 'pw'),
    });
    expect(ok.ncmecReporting).toMatchObject({
      url: 'https://exttest.cybertip.org/ispws',
      password: 's3cret',
    });
    expect(loadConfig({ HASHLINE_DATA_DIR: dir }).ncmecReporting).toBeNull();
    expect(() =>
      loadConfig({ HASHLINE_DATA_DIR: dir, HASHLINE_NCMEC_REPORTING_URL: 'http://report.example/ispws' }),
    ).toThrow(/HASHLINE_NCMEC_REPORTING_URL must be an https:\/\/ URL[\s\S]*USERNAME/);
  });
});
