// The documents NCMEC's CyberTipline Reporting API takes (issue 14 item 4): a `<report>` for
// /submit, then one `<fileDetails>` per uploaded file, carrying the `reportId` and `fileId` NCMEC
// returned, for /fileinfo. Each is validated against an XSD written from NCMEC's published schema
// description (tools/ncmec/), by libxml2 (xmllint-wasm), without network. The incident type is
// NCMEC's enumeration value on the wire and Hashline's own words everywhere a person reads.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ncmecSchemaErrors } from '../../../../tools/ncmec/ncmec-xsd.js';
import {
  CYBERTIPLINE_INCIDENT_KEYS,
  CYBERTIPLINE_INCIDENT_LABELS,
  CYBERTIPLINE_INCIDENT_TYPES,
  NCMEC_INCIDENT_TYPE_CSAM,
  buildCyberTiplineDocuments,
  buildCyberTiplineFileDetailsDocument,
  buildCyberTiplineReportDocument,
  type CyberTiplineReportInput,
} from '../../src/index.js';

const T0 = new Date(Date.UTC(2026, 5, 1, 8, 30));

const INPUT: CyberTiplineReportInput = {
  incidentType: 'csam',
  incidentDateTime: T0,
  incidentDateTimeDescription: 'Time of upload',
  escalateToHighPriority: 'The uploader says the child is with them now.',
  internetDetails: [
    { kind: 'web_page', urls: ['https://platform.example/u/123/upload/9'], thirdPartyHostedContent: false },
    { kind: 'chat_im', chatClient: 'Platform chat', chatRoomName: 'room-7' },
  ],
  reporter: {
    reportingPerson: {
      firstName: 'Trust',
      lastName: 'Team',
      emails: [{ address: 'trust@platform.example' }],
    },
    companyTemplate: 'Platform <T&S>',
    legalUrl: 'https://platform.example/legal',
  },
  reportedUser: {
    espIdentifier: 'user-123',
    screenName: 'someone',
    displayNames: ['Some One'],
    profileUrls: ['https://platform.example/u/123'],
    ipCaptureEvents: [{ ipAddress: '192.0.2.7', eventName: 'Upload', dateTime: T0, port: 443 }],
    accountTemporarilyDisabled: true,
  },
  additionalInfo: 'Matched in Hashline.',
  files: [
    {
      originalFileName: 'holiday.jpg',
      fileViewedByEsp: true,
      exifViewedByEsp: false,
      publiclyAvailable: false,
      fileRelevance: 'Reported',
      annotations: ['generativeAi', 'viral'],
      industryClassification: 'A1',
      hashes: [
        { type: 'MD5', value: 'd41d8cd98f00b204e9800998ecf8427e' },
        { type: 'PDQ', value: 'f'.repeat(63) + '0' },
      ],
      additionalInfo: 'Matched 1 hash bank entry.',
    },
    {
      fileViewedByEsp: false,
      exifViewedByEsp: false,
      fileRelevance: 'Supplemental Reported',
      annotations: [],
      hashes: [{ type: 'SHA256', value: 'a'.repeat(64) }],
    },
  ],
};

const IDS = [
  { reportId: 4564654, fileId: 'b0754af766b426f2928a02c651ed4b99' },
  { reportId: 4564654, fileId: '0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f' },
];

/** The names of the element children of the first `<name>` element, in order. */
function childNames(xml: string, name: string): string[] {
  const body = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml)![1]!;
  const names: string[] = [];
  let depth = 0;
  for (const m of body.matchAll(/<(\/?)([A-Za-z][\w]*)[^>]*?(\/?)>/g)) {
    if (m[1]) depth--;
    else {
      if (depth === 0) names.push(m[2]!);
      if (!m[3]) depth++;
    }
  }
  return names;
}

describe('the documents NCMEC takes', () => {
  it('a <report> for /submit that the schema accepts, incidentType carrying NCMEC enumeration value', async () => {
    const report = buildCyberTiplineReportDocument(INPUT);
    expect(await ncmecSchemaErrors(report)).toEqual([]);
    expect(report).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<report /);
    expect(report).toContain(`<incidentType>${NCMEC_INCIDENT_TYPE_CSAM}</incidentType>`);
    expect(childNames(report, 'report')).toEqual([
      'incidentSummary',
      'internetDetails',
      'internetDetails',
      'reporter',
      'personOrUserReported',
      'additionalInfo',
    ]);
    expect(report).toContain('<companyTemplate>Platform &lt;T&amp;S&gt;</companyTemplate>');
  });

  it('one <fileDetails> per file for /fileinfo, reportId and fileId first, each accepted by the schema', async () => {
    const docs = buildCyberTiplineDocuments(INPUT, IDS);
    expect(docs.fileDetails).toHaveLength(2);
    for (const [i, doc] of docs.fileDetails.entries()) {
      expect(await ncmecSchemaErrors(doc), doc).toEqual([]);
      expect(childNames(doc, 'fileDetails').slice(0, 2)).toEqual(['reportId', 'fileId']);
      expect(doc).toContain(`<reportId>${IDS[i]!.reportId}</reportId>`);
      expect(doc).toContain(`<fileId>${IDS[i]!.fileId}</fileId>`);
    }
    expect(childNames(docs.fileDetails[0]!, 'fileDetails')).toEqual([
      'reportId',
      'fileId',
      'originalFileName',
      'fileViewedByEsp',
      'exifViewedByEsp',
      'publiclyAvailable',
      'fileRelevance',
      'fileAnnotations',
      'industryClassification',
      'originalFileHash',
      'originalFileHash',
      'additionalInfo',
    ]);
    expect(childNames(docs.fileDetails[0]!, 'fileAnnotations')).toEqual(['viral', 'generativeAi']);
  });

  it('refuses to write a <fileDetails> without the ids NCMEC returned', () => {
    expect(() => buildCyberTiplineDocuments(INPUT, IDS.slice(0, 1))).toThrow(RangeError);
    expect(() =>
      buildCyberTiplineFileDetailsDocument(INPUT.files[0]!, { reportId: 'x', fileId: 'f' }),
    ).toThrow(RangeError);
    expect(() => buildCyberTiplineFileDetailsDocument(INPUT.files[0]!, { reportId: 1, fileId: '' })).toThrow(
      RangeError,
    );
  });

  it('every incident type key gives a report the schema accepts', async () => {
    for (const key of CYBERTIPLINE_INCIDENT_KEYS) {
      const report = buildCyberTiplineReportDocument({ ...INPUT, incidentType: key });
      expect(await ncmecSchemaErrors(report), key).toEqual([]);
      expect(report).toContain(`<incidentType>${CYBERTIPLINE_INCIDENT_TYPES[key]}</incidentType>`);
    }
  });

  it('the schema is not a rubber stamp: the defects of before and misorderings are refused', async () => {
    const report = buildCyberTiplineReportDocument(INPUT);
    // The value written before issue 14: our words in a field whose values NCMEC enumerates.
    const ourWords = report.replace(
      NCMEC_INCIDENT_TYPE_CSAM,
      'Child Sexual Abuse Material (possession, manufacture, and distribution)',
    );
    expect((await ncmecSchemaErrors(ourWords)).join('\n')).toMatch(/incidentType/);
    const reporter = /\n {2}<reporter>[\s\S]*?\n {2}<\/reporter>/.exec(report)![0];
    const misordered = report
      .replace(reporter, '')
      .replace('\n  <internetDetails>', `${reporter}\n  <internetDetails>`);
    expect(await ncmecSchemaErrors(misordered)).not.toEqual([]);
    const noZone = report.replace('2026-06-01T08:30:00.000Z', '2026-06-01T08:30:00');
    expect(await ncmecSchemaErrors(noZone)).not.toEqual([]);
    // A standalone fileDetails as written before issue 14: no reportId, no fileId.
    const file = buildCyberTiplineFileDetailsDocument(INPUT.files[0]!, IDS[0]!);
    const withoutIds = file.replace(/\s*<reportId>[^<]*<\/reportId>\s*<fileId>[^<]*<\/fileId>/, '');
    expect((await ncmecSchemaErrors(withoutIds)).join('\n')).toMatch(/reportId/);
    const swapped = file.replace(
      /(<fileViewedByEsp>true<\/fileViewedByEsp>)(\s*)(<exifViewedByEsp>false<\/exifViewedByEsp>)/,
      '$3$2$1',
    );
    expect(swapped).not.toBe(file);
    expect(await ncmecSchemaErrors(swapped)).not.toEqual([]);
  });
});

describe('words', () => {
  it('people read "child sexual abuse material"; NCMEC enumeration value is data', () => {
    expect(CYBERTIPLINE_INCIDENT_LABELS.csam.toLowerCase()).toContain('child sexual abuse material');
    expect(CYBERTIPLINE_INCIDENT_TYPES.csam).toBe(NCMEC_INCIDENT_TYPE_CSAM);
    for (const label of Object.values(CYBERTIPLINE_INCIDENT_LABELS)) expect(label).not.toMatch(/pornograph/i);
  });

  it('the enumeration value is written once in the sources, on a line that says so', () => {
    const repo = join(import.meta.dirname, '../../../..');
    const hits: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (/\.(ts|tsx|mjs|js|json|html|md)$/.test(name)) {
          readFileSync(path, 'utf8')
            .split('\n')
            .forEach((line, i) => {
              if (line.includes(NCMEC_INCIDENT_TYPE_CSAM)) hits.push(`${path}:${i + 1}: ${line}`);
            });
        }
      }
    };
    for (const root of ['packages', 'apps']) walk(join(repo, root));
    const inSources = hits.filter((h) => /\/src\//.test(h));
    expect(inSources).toHaveLength(1);
    expect(inSources[0]).toMatch(/cybertipline-vocabulary\.ts:\d+: .*enumeration value/);
  });
});
