import { SaxesParser } from 'saxes';
import { INDUSTRY_CLASSIFICATIONS } from '../../vocabulary.js';
import {
  CYBERTIPLINE_FILE_ANNOTATIONS,
  CYBERTIPLINE_FILE_RELEVANCE,
  CYBERTIPLINE_INCIDENT_TYPES,
  CYBERTIPLINE_IP_EVENTS,
  MAX_ESCALATION_REASON,
} from './cybertipline-vocabulary.js';

/** One structural problem of a CyberTipline document, located by element path. */
export interface CyberTiplineProblem {
  /** `/report/incidentSummary/incidentDateTime`, with `[n]` for repeated elements. */
  readonly at: string;
  readonly message: string;
}

/** A child in a sequence: its name, occurrences, and the type that validates it. */
type Child = readonly [name: string, min: number, max: number, type: string];
const MANY = Number.POSITIVE_INFINITY;

type TypeRule =
  | {
      readonly kind: 'sequence';
      readonly children: readonly Child[];
      readonly attributes?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'choice'; readonly options: readonly (readonly [name: string, type: string])[] }
  | {
      readonly kind: 'text';
      readonly check: (value: string) => string | null;
      readonly attributes?: Readonly<Record<string, string>>;
      readonly requiredAttributes?: readonly string[];
    }
  /** An element with no content (the annotation flags). */
  | { readonly kind: 'empty' }
  /** Content Hashline never writes: accepted as is (NCMEC validates it). */
  | { readonly kind: 'any' };

const DATE_TIME_TZ = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const oneOf = (values: readonly string[]) => (v: string) =>
  values.includes(v) ? null : `must be one of: ${values.join(' | ')}`;
const text =
  (min = 1, max = 100_000) =>
  (v: string) =>
    v.length < min ? 'must not be empty' : v.length > max ? `must be at most ${max} characters` : null;
const dateTimeTz = (v: string) =>
  DATE_TIME_TZ.test(v) && !Number.isNaN(Date.parse(v))
    ? null
    : 'must be an xs:dateTime with a time zone, e.g. 2026-03-01T09:00:00Z';
const boolean = (v: string) => (v === 'true' || v === 'false' ? null : 'must be true or false');
const integer = (v: string) => (/^-?\d+$/.test(v) ? null : 'must be an integer');
const uri = (v: string) => (/^[a-z][a-z0-9+.-]*:\S+$/i.test(v) ? null : 'must be an absolute URI');
const email = (v: string) =>
  /^[A-Za-z0-9_]+([-+.'][A-Za-z0-9_]+)*@[A-Za-z0-9_]+([-.][A-Za-z0-9_]+)*\.[A-Za-z0-9_]+([-.][A-Za-z0-9_]+)*$/.test(
    v,
  )
    ? null
    : 'must be an e-mail address NCMEC accepts';

/**
 * The parts of NCMEC's ESP reporting schema Hashline writes (DOMAIN.md §3.2; sequence orders as in
 * the XSD: NCMEC rejects an out-of-order element with responseCode 4100). Elements Hashline never
 * writes (lawEnforcement, victim, addresses, …) are accepted as opaque.
 */
const TYPES: Readonly<Record<string, TypeRule>> = {
  report: {
    kind: 'sequence',
    children: [
      ['incidentSummary', 1, 1, 'incidentSummary'],
      ['internetDetails', 1, MANY, 'internetDetails'],
      ['lawEnforcement', 0, 1, 'any'],
      ['reporter', 1, 1, 'reporter'],
      ['personOrUserReported', 0, 1, 'personOrUserReported'],
      ['intendedRecipient', 0, 1, 'any'],
      ['victim', 0, MANY, 'any'],
      ['additionalInfo', 0, 1, 'string'],
    ],
  },
  incidentSummary: {
    kind: 'sequence',
    children: [
      ['incidentType', 1, 1, 'incidentType'],
      ['platform', 0, 1, 'string'],
      ['escalateToHighPriority', 0, 1, 'escalation'],
      ['reportAnnotations', 0, 1, 'any'],
      ['incidentDateTime', 1, 1, 'dateTimeTz'],
      ['incidentDateTimeDescription', 0, 1, 'string'],
    ],
  },
  internetDetails: {
    kind: 'choice',
    options: [
      ['webPageIncident', 'webPageIncident'],
      ['emailIncident', 'emailIncident'],
      ['newsgroupIncident', 'any'],
      ['chatImIncident', 'chatImIncident'],
      ['onlineGamingIncident', 'any'],
      ['cellPhoneIncident', 'any'],
      ['nonInternetIncident', 'any'],
      ['peer2peerIncident', 'any'],
    ],
  },
  webPageIncident: {
    kind: 'sequence',
    children: [
      ['url', 1, MANY, 'uri'],
      ['additionalInfo', 0, 1, 'string'],
    ],
    attributes: { thirdPartyHostedContent: 'boolean' },
  },
  emailIncident: {
    kind: 'sequence',
    children: [
      ['content', 0, 1, 'string'],
      ['additionalInfo', 0, 1, 'string'],
    ],
  },
  chatImIncident: {
    kind: 'sequence',
    children: [
      ['chatClient', 0, 1, 'string'],
      ['chatRoomName', 0, 1, 'string'],
      ['content', 0, 1, 'string'],
      ['additionalInfo', 0, 1, 'string'],
    ],
  },
  reporter: {
    kind: 'sequence',
    children: [
      ['reportingPerson', 1, 1, 'person'],
      ['contactPerson', 0, 1, 'person'],
      ['companyTemplate', 0, 1, 'string'],
      ['termsOfService', 0, 1, 'string'],
      ['legalURL', 0, 1, 'uri'],
    ],
  },
  person: {
    kind: 'sequence',
    children: [
      ['firstName', 0, 1, 'string'],
      ['lastName', 0, 1, 'string'],
      ['phone', 0, MANY, 'string'],
      ['email', 0, MANY, 'email'],
      ['address', 0, MANY, 'any'],
      ['age', 0, 1, 'int'],
      ['dateOfBirth', 0, 1, 'string'],
    ],
  },
  personOrUserReported: {
    kind: 'sequence',
    children: [
      ['personOrUserReportedPerson', 0, 1, 'person'],
      ['vehicleDescription', 0, 1, 'string'],
      ['espIdentifier', 0, 1, 'string'],
      ['espService', 0, 1, 'string'],
      ['compromisedAccount', 0, 1, 'boolean'],
      ['screenName', 0, 1, 'string'],
      ['displayName', 0, MANY, 'string'],
      ['profileUrl', 0, MANY, 'uri'],
      ['profileBio', 0, 1, 'string'],
      ['ipCaptureEvent', 0, MANY, 'ipCaptureEvent'],
      ['deviceId', 0, MANY, 'any'],
      ['thirdPartyUserReported', 0, 1, 'boolean'],
      ['priorCTReports', 0, MANY, 'int'],
      ['groupIdentifier', 0, 1, 'string'],
      ['accountTemporarilyDisabled', 0, 1, 'boolean'],
      ['accountPermanentlyDisabled', 0, 1, 'boolean'],
      ['estimatedLocation', 0, 1, 'any'],
      ['allEmailsReported', 0, 1, 'boolean'],
      ['associatedAccount', 0, MANY, 'any'],
      ['additionalInfo', 0, 1, 'string'],
    ],
  },
  ipCaptureEvent: {
    kind: 'sequence',
    children: [
      ['ipAddress', 1, 1, 'string'],
      ['eventName', 0, 1, 'ipEvent'],
      ['dateTime', 0, 1, 'dateTimeTz'],
      ['possibleProxy', 0, 1, 'boolean'],
      ['port', 0, 1, 'int'],
    ],
  },
  fileDetails: {
    kind: 'sequence',
    children: [
      ['reportId', 0, 1, 'string'],
      ['fileId', 0, 1, 'string'],
      ['fileName', 0, 1, 'string'],
      ['originalFileName', 0, 1, 'string'],
      ['uploadedToEspTimestamp', 0, 1, 'dateTimeTz'],
      ['locationOfFile', 0, 1, 'string'],
      ['fileViewedByEsp', 0, 1, 'boolean'],
      ['exifViewedByEsp', 0, 1, 'boolean'],
      ['publiclyAvailable', 0, 1, 'boolean'],
      ['fileRelevance', 0, 1, 'fileRelevance'],
      ['fileAnnotations', 0, 1, 'fileAnnotations'],
      ['industryClassification', 0, 1, 'industryClassification'],
      ['originalFileHash', 0, MANY, 'originalFileHash'],
      ['ipCaptureEvent', 0, MANY, 'ipCaptureEvent'],
      ['deviceId', 0, MANY, 'any'],
      ['details', 0, MANY, 'any'],
      ['additionalInfo', 0, 1, 'string'],
    ],
  },
  fileAnnotations: {
    kind: 'sequence',
    children: CYBERTIPLINE_FILE_ANNOTATIONS.map((name) => [name, 0, 1, 'empty'] as const),
  },
  // Hashline's export file: the report, then one fileDetails per file, for the four API calls.
  cybertiplineExport: {
    kind: 'sequence',
    children: [
      ['report', 1, 1, 'report'],
      ['fileDetails', 0, MANY, 'fileDetails'],
    ],
    attributes: { generator: 'string', version: 'string' },
  },
  string: { kind: 'text', check: text() },
  escalation: { kind: 'text', check: text(1, MAX_ESCALATION_REASON) },
  incidentType: { kind: 'text', check: oneOf(Object.values(CYBERTIPLINE_INCIDENT_TYPES)) },
  dateTimeTz: { kind: 'text', check: dateTimeTz },
  boolean: { kind: 'text', check: boolean },
  int: { kind: 'text', check: integer },
  uri: { kind: 'text', check: uri },
  email: { kind: 'text', check: email, attributes: { verified: 'boolean', type: 'string' } },
  ipEvent: { kind: 'text', check: oneOf(CYBERTIPLINE_IP_EVENTS) },
  fileRelevance: { kind: 'text', check: oneOf(CYBERTIPLINE_FILE_RELEVANCE) },
  industryClassification: { kind: 'text', check: oneOf(INDUSTRY_CLASSIFICATIONS) },
  originalFileHash: {
    kind: 'text',
    check: text(1, 1024),
    attributes: { hashType: 'string' },
    requiredAttributes: ['hashType'],
  },
  empty: { kind: 'empty' },
  any: { kind: 'any' },
};

/** Root elements a document may have, and their types. */
const ROOTS: Readonly<Record<string, string>> = {
  report: 'report',
  fileDetails: 'fileDetails',
  cybertiplineExport: 'cybertiplineExport',
};

/** Attributes allowed on any root (NCMEC's schema location). */
const ROOT_ATTRIBUTES = new Set(['xmlns:xsi', 'xsi:noNamespaceSchemaLocation']);

interface Node {
  readonly name: string;
  readonly attributes: Record<string, string>;
  readonly children: Node[];
  text: string;
}

/**
 * Checks a CyberTipline document against the structure in DOMAIN.md §3.2: a `<report>`, a
 * `<fileDetails>`, or Hashline's `<cybertiplineExport>` holding both. Reports element order in
 * every sequence (`<report>`, `<incidentSummary>`, `<reporter>`, `<personOrUserReported>`,
 * `<ipCaptureEvent>`, `<fileDetails>`), required elements (incidentType, incidentDateTime with a
 * time zone, reporter/reportingPerson, at least one internetDetails), enumerations (incident
 * type with NCMEC's exact strings, file relevance, industry classification, IP event), the
 * 3,000-character limit of escalateToHighPriority, `hashType` on every originalFileHash, and
 * unknown elements. An empty list means the structure is valid. Parsed with saxes: malformed XML
 * is one problem at `/`.
 */
export function validateCyberTiplineXml(xml: string): CyberTiplineProblem[] {
  let root: Node;
  try {
    root = parseTree(xml);
  } catch (error) {
    return [
      { at: '/', message: `not well-formed XML: ${error instanceof Error ? error.message : String(error)}` },
    ];
  }
  const problems: CyberTiplineProblem[] = [];
  const type = ROOTS[root.name];
  if (!type) {
    return [
      { at: `/${root.name}`, message: `the root must be <report>, <fileDetails> or <cybertiplineExport>` },
    ];
  }
  const rootAttributes = Object.fromEntries(
    Object.entries(root.attributes).filter(([k]) => !ROOT_ATTRIBUTES.has(k)),
  );
  validate({ ...root, attributes: rootAttributes }, type, `/${root.name}`, problems);
  return problems;
}

function validate(node: Node, typeName: string, at: string, problems: CyberTiplineProblem[]): void {
  const rule = TYPES[typeName];
  if (!rule) throw new Error(`No rule for type ${typeName}`);
  const add = (where: string, message: string) => problems.push({ at: where, message });
  if (rule.kind === 'any') return;
  const allowedAttributes = rule.kind === 'sequence' || rule.kind === 'text' ? (rule.attributes ?? {}) : {};
  for (const [name, value] of Object.entries(node.attributes)) {
    const attrType = allowedAttributes[name];
    if (!attrType) add(`${at}/@${name}`, 'unexpected attribute');
    else if (attrType === 'boolean' && boolean(value)) add(`${at}/@${name}`, boolean(value)!);
  }
  if (rule.kind === 'text') {
    if (node.children.length > 0) add(at, `must hold text only, not <${node.children[0]!.name}>`);
    const problem = rule.check(node.text.trim());
    if (problem) add(at, problem);
    for (const name of rule.requiredAttributes ?? [])
      if (!(name in node.attributes)) add(at, `needs the ${name} attribute`);
    return;
  }
  if (node.text.trim() !== '') add(at, 'must not hold text');
  if (rule.kind === 'empty') {
    if (node.children.length > 0) add(at, 'must be empty');
    return;
  }
  if (rule.kind === 'choice') {
    if (node.children.length !== 1) {
      add(at, `must hold exactly one of ${rule.options.map(([n]) => `<${n}>`).join(', ')}`);
    }
    for (const child of node.children) {
      const option = rule.options.find(([n]) => n === child.name);
      if (!option) add(`${at}/${child.name}`, 'unexpected element');
      else validate(child, option[1], `${at}/${child.name}`, problems);
    }
    return;
  }
  // A sequence: walk the children with a cursor into the rule's list.
  const sequence = rule.children;
  let cursor = 0;
  let count = 0;
  const seen = new Map<string, number>();
  // An element that is present but misplaced is reported as out of order, not also as missing.
  const present = new Set(node.children.map((c) => c.name));
  for (const child of node.children) {
    const index = sequence.findIndex(([n]) => n === child.name);
    const n = (seen.get(child.name) ?? 0) + 1;
    seen.set(child.name, n);
    const where = `${at}/${child.name}${n > 1 ? `[${n}]` : ''}`;
    if (index === -1) {
      add(where, 'unexpected element');
      continue;
    }
    if (index < cursor) {
      const expectedBefore = sequence[cursor]![0];
      add(where, `out of order: <${child.name}> must come before <${expectedBefore}>`);
    } else {
      if (index > cursor) {
        for (let i = cursor; i < index; i++) {
          const [name, min] = sequence[i]!;
          const have = i === cursor ? count : 0;
          if (have < min && !present.has(name))
            add(`${at}/${name}`, `required element missing (before <${child.name}>)`);
        }
        cursor = index;
        count = 0;
      }
      count++;
      const [, , max] = sequence[index]!;
      if (count > max) add(where, `may occur at most ${max} time(s)`);
    }
    validate(child, sequence[index]![3], where, problems);
  }
  for (let i = cursor; i < sequence.length; i++) {
    const [name, min] = sequence[i]!;
    const have = i === cursor ? count : 0;
    if (have < min && !present.has(name)) add(`${at}/${name}`, 'required element missing');
  }
}

function parseTree(xml: string): Node {
  const parser = new SaxesParser({ xmlns: false });
  const stack: Node[] = [];
  let root: Node | undefined;
  parser.on('opentag', (tag) => {
    const node: Node = {
      name: tag.name,
      attributes: Object.fromEntries(Object.entries(tag.attributes).map(([k, v]) => [k, String(v)])),
      children: [],
      text: '',
    };
    if (stack.length > 0) stack[stack.length - 1]!.children.push(node);
    else root = node;
    stack.push(node);
  });
  parser.on('text', (t) => {
    if (stack.length > 0) stack[stack.length - 1]!.text += t;
  });
  parser.on('cdata', (t) => {
    if (stack.length > 0) stack[stack.length - 1]!.text += t;
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.on('error', (error) => {
    throw error;
  });
  parser.write(xml).close();
  if (!root) throw new Error('no root element');
  return root;
}
