// A loopback stand-in for NCMEC's CyberTipline Reporting API, written from NCMEC's public
// documentation of it: HTTP Basic auth; GET /status; POST /submit (a <report> document) opening a
// report; POST /upload (multipart `id`, `file`) returning a fileId and the file's MD5; POST
// /fileinfo (a <fileDetails> document naming reportId and fileId); POST /finish and /retract (form
// `id`); every answer a <reportResponse> with responseCode 0 on success (4100 invalid document,
// 5001 no such report, 5002 no such file, 5102 already finished, 2000 authentication). Documents
// are checked against the XSD written from NCMEC's schema description (tools/ncmec). Faults can be
// queued per endpoint: an HTTP 500 before processing, a hang (no answer), or a dropped connection
// after processing (the client cannot tell whether NCMEC received it).
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ncmecSchemaErrors } from '../../../../tools/ncmec/ncmec-xsd.js';

/** A fault to inject on the next call of an endpoint. */
export type MockFault = '500' | 'hang' | 'drop-after-processing';

/** A report as the mock holds it. */
export interface MockReport {
  readonly reportId: string;
  readonly xml: string;
  readonly files: { fileId: string; md5: string; fileName: string; details: string | null }[];
  finished: boolean;
  retracted: boolean;
}

/** The running mock. */
export interface NcmecReportingMock {
  readonly url: string;
  readonly username: string;
  readonly password: string;
  readonly reports: Map<string, MockReport>;
  /** Calls per endpoint (`submit`, `upload`, …), faults included. */
  readonly calls: Record<string, number>;
  /** Queues `fault` for the next `times` calls of `endpoint`. */
  fail(endpoint: string, fault: MockFault, times?: number): void;
  close(): Promise<void>;
}

const response = (code: number, description: string, extra: Record<string, string> = {}) =>
  `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<reportResponse><responseCode>${code}</responseCode>` +
  `<responseDescription>${description}</responseDescription>` +
  Object.entries(extra)
    .map(([k, v]) => `<${k}>${v}</${k}>`)
    .join('') +
  '</reportResponse>';

/** Starts the mock on 127.0.0.1 (a random port). */
export async function startNcmecReportingMock(): Promise<NcmecReportingMock> {
  const username = 'hashline-test';
  const password = randomBytes(12).toString('hex');
  const reports = new Map<string, MockReport>();
  const calls: Record<string, number> = {};
  const faults: Record<string, MockFault[]> = {};
  const hanging: ServerResponse[] = [];
  let nextReportId = 4_564_650;

  const handle = async (request: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://mock');
    const endpoint = url.pathname.replace(/^\/ispws\//, '');
    calls[endpoint] = (calls[endpoint] ?? 0) + 1;
    const fault = faults[endpoint]?.shift();
    if (fault === '500') {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('upstream trouble');
      return;
    }
    if (fault === 'hang') {
      hanging.push(res);
      return;
    }
    const send = (code: number, description: string, extra: Record<string, string> = {}) => {
      if (fault === 'drop-after-processing') {
        res.socket?.destroy();
        return;
      }
      res.writeHead(code === 2000 ? 401 : 200, { 'content-type': 'application/xml' });
      res.end(response(code, description, extra));
    };
    const expected = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    if (request.headers.authorization !== expected) return send(2000, 'Authentication required');

    const form = async () =>
      new Request('http://mock/', {
        method: 'POST',
        headers: { 'content-type': String(request.headers['content-type'] ?? '') },
        body,
      }).formData();
    const openReport = (id: string | null) => {
      const report = id === null ? undefined : reports.get(id);
      return report && !report.finished && !report.retracted ? report : undefined;
    };

    switch (`${request.method} ${endpoint}`) {
      case 'GET status':
        return send(0, 'Success');
      case 'POST submit': {
        const xml = body.toString('utf8');
        if (!/<report[\s>]/.test(xml) || (await ncmecSchemaErrors(xml)).length > 0)
          return send(4100, 'Validation failed');
        const reportId = String(nextReportId++);
        reports.set(reportId, { reportId, xml, files: [], finished: false, retracted: false });
        return send(0, 'Success', { reportId });
      }
      case 'POST upload': {
        const data = await form();
        const report = openReport(String(data.get('id')));
        const file = data.get('file');
        if (!report) return send(5001, 'Report does not exist');
        if (!(file instanceof Blob)) return send(4200, 'Malformed file submittal');
        const bytes = Buffer.from(await file.arrayBuffer());
        const fileId = randomBytes(16).toString('hex');
        const md5 = createHash('md5').update(bytes).digest('hex');
        report.files.push({ fileId, md5, fileName: (file as File).name, details: null });
        return send(0, 'Success', { reportId: report.reportId, fileId, hash: md5 });
      }
      case 'POST fileinfo': {
        const xml = body.toString('utf8');
        if (!/<fileDetails[\s>]/.test(xml) || (await ncmecSchemaErrors(xml)).length > 0)
          return send(4100, 'Validation failed');
        const reportId = /<reportId>(\d+)<\/reportId>/.exec(xml)?.[1] ?? null;
        const fileId = /<fileId>([^<]+)<\/fileId>/.exec(xml)?.[1];
        const report = openReport(reportId);
        if (!report) return send(5001, 'Report does not exist');
        const file = report.files.find((f) => f.fileId === fileId);
        if (!file) return send(5002, 'File does not exist');
        file.details = xml;
        return send(0, 'Success', { reportId: report.reportId });
      }
      case 'POST finish':
      case 'POST retract': {
        const id = String((await form()).get('id'));
        const report = reports.get(id);
        if (!report) return send(5001, 'Report does not exist');
        if (report.finished) return send(5102, 'Report already finished');
        if (report.retracted) return send(5101, 'Report already retracted');
        if (endpoint === 'finish') report.finished = true;
        else report.retracted = true;
        return send(0, 'Success', { reportId: id });
      }
      default:
        res.writeHead(404).end();
    }
  };

  const server: Server = createServer((request, res) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      handle(request, res, Buffer.concat(chunks)).catch(() => {
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/ispws`,
    username,
    password,
    reports,
    calls,
    fail(endpoint, fault, times = 1) {
      (faults[endpoint] ??= []).push(...Array<MockFault>(times).fill(fault));
    },
    async close() {
      for (const res of hanging) res.socket?.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
