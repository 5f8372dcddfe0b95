// ReferralService on memory stores: plan from a seeded case, idempotent creation (audited, status
// forwarded), updates with sentAt and audit rows, and the package: the right facts in, no media
// bytes, thumbnails, contact, notes or (by default) description out.
import { createHash, randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  DomainError,
  ReferralService,
  buildReferralConfig,
  parseReferralPatch,
  referralPackageDocument,
  type Analyst,
  type HotlineStore,
  type ReferralConfig,
  type ReferralStore,
} from '../../src/index.js';
import {
  createManualClock,
  createMemoryHotlineStore,
  createMemoryReferralStore,
  seedAssessedCase,
  type ManualClock,
} from '../../src/testing/index.js';

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const T0 = new Date(Date.UTC(2026, 2, 2, 10));
const config: ReferralConfig = buildReferralConfig({
  ownCountry: 'BE',
  partners: [{ country: 'NL', name: 'Offlimits' }],
}).config;

const ana: Analyst = {
  id: 'ana',
  username: 'ana',
  displayName: 'Ana Analyst',
  role: 'analyst',
  passwordHash: 'x',
  totpSecretSealed: null,
  disabled: false,
  createdAt: T0,
  updatedAt: T0,
};

let clock: ManualClock;
let hotline: HotlineStore;
let referrals: ReferralStore;
let service: ReferralService;

beforeEach(() => {
  clock = createManualClock(T0);
  hotline = createMemoryHotlineStore({ clock, sha256Hex });
  referrals = createMemoryReferralStore();
  service = new ReferralService({
    hotline,
    referrals,
    clock,
    random: (n) => new Uint8Array(randomBytes(n)),
    config,
    hotlineName: 'Test hotline',
  });
});

/** A case with a Belgian URL (illegal), a Dutch URL (illegal + not illegal), and an untraced URL. */
function seedMixedCase(
  extra: { description?: string; status?: 'assessed' | 'in_assessment' | 'triage' } = {},
) {
  return seedAssessedCase(hotline, {
    receivedAt: T0,
    sha256Hex,
    status: extra.status ?? 'assessed',
    description: extra.description ?? 'I saw this on a forum; my e-mail is me@example.org',
    urls: [
      {
        url: 'https://be-host.example/a',
        trace: { country: 'BE', ipAddress: '192.0.2.1', network: 'BE Hosting' },
        media: [
          {
            illegalBy: ['a1', 'a2'],
            assessment: { ageBand: '7-10', flags: ['viral'], notes: 'private analyst note' },
          },
        ],
      },
      {
        url: 'https://nl-host.example/b',
        trace: { country: 'NL', ipAddress: '192.0.2.2' },
        media: [{ illegalBy: ['a1', 'a2'] }, { notIllegalBy: ['a1', 'a2'] }],
      },
      { url: 'https://lost.example/c', trace: null, media: [{ illegalBy: ['a1', 'a2'] }] },
      { url: 'https://single.example/d', trace: { country: 'FR' }, media: [{ illegalBy: ['a1'] }] },
    ],
  });
}

describe('ReferralService', () => {
  it('plans from the stored case: police + takedown for BE, the partner for NL, a manual trace; one analyst is not enough', async () => {
    const seeded = await seedMixedCase();
    const [be, nl, lost] = seeded.urls;
    const view = await service.plan(seeded.report.id);
    expect(view.plan).toEqual([
      expect.objectContaining({
        action: 'refer',
        target: 'federal_police_child_abuse',
        targetCountry: 'BE',
        basis: 'hosted_in_country',
        actionable: 'referral',
        urlIds: [be!.id],
      }),
      expect.objectContaining({
        action: 'refer',
        target: 'inhope_hotline_via_iccam',
        targetName: 'Offlimits',
        targetCountry: 'NL',
        urlIds: [nl!.id],
      }),
      { action: 'takedown', via: 'police', urlId: be!.id, country: 'BE', hostingNetwork: 'BE Hosting' },
      { action: 'needs_manual_trace', urlIds: [lost!.id] },
    ]);
    expect(view.recorded).toEqual([null, null, null, null]);
  });

  it('records one referral per recipient, audited, moves the report to forwarded, and creates nothing twice', async () => {
    const seeded = await seedMixedCase();
    const first = await service.create(ana, seeded.report.id);
    expect(first.created.map((r) => [r.target, r.targetCountry, r.status, r.createdBy])).toEqual([
      ['federal_police_child_abuse', 'BE', 'pending', 'ana'],
      ['inhope_hotline_via_iccam', 'NL', 'pending', 'ana'],
    ]);
    expect(first.report.status).toBe('forwarded');
    expect((await hotline.getReport(seeded.report.id))!.status).toBe('forwarded');
    clock.advance(60_000);
    const again = await service.create(ana, seeded.report.id);
    expect(again.created).toEqual([]);
    expect(again.existing.map((r) => r.id)).toEqual(first.created.map((r) => r.id));
    expect(await referrals.listReferrals(seeded.report.id)).toHaveLength(2);
    const audit = await hotline.listAudit({ limit: 100 });
    expect(audit.filter((e) => e.action === 'referral_created').map((e) => e.details.target)).toEqual([
      'federal_police_child_abuse',
      'inhope_hotline_via_iccam',
    ]);
    expect(audit.filter((e) => e.action === 'report_status_changed').map((e) => e.details)).toEqual([
      { from: 'assessed', to: 'forwarded' },
    ]);
    const view = await service.plan(seeded.report.id);
    expect(view.recorded.slice(0, 2).map((r) => r?.id)).toEqual(first.created.map((r) => r.id));
  });

  it('leaves a report that is not being assessed where it is, and refuses a closed one', async () => {
    const triage = await seedMixedCase({ status: 'triage' });
    expect((await service.create(ana, triage.report.id)).report.status).toBe('triage');
    const closed = await seedMixedCase();
    await hotline.updateReport(closed.report.id, { status: 'closed_not_illegal', closedAt: T0 });
    await expect(service.create(ana, closed.report.id)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('says NOTHING_TO_REFER when no URL can be referred, and why', async () => {
    const untraced = await seedAssessedCase(hotline, {
      receivedAt: T0,
      sha256Hex,
      urls: [
        { url: 'https://lost.example/x', trace: { country: null }, media: [{ illegalBy: ['a1', 'a2'] }] },
      ],
    });
    await expect(service.create(ana, untraced.report.id)).rejects.toThrow(/1 URL\(s\) need a manual trace/);
    const notIllegal = await seedAssessedCase(hotline, {
      receivedAt: T0,
      sha256Hex,
      urls: [
        { url: 'https://fine.example/x', trace: { country: 'BE' }, media: [{ notIllegalBy: ['a1', 'a2'] }] },
      ],
    });
    await expect(service.create(ana, notIllegal.report.id)).rejects.toMatchObject({
      code: 'NOTHING_TO_REFER',
    });
    await expect(service.plan('01NOSUCHREPORT000000000000')).rejects.toMatchObject({
      code: 'REPORT_NOT_FOUND',
    });
  });

  it('counts known material as assessed illegal without any analyst', async () => {
    const known = await seedAssessedCase(hotline, {
      receivedAt: T0,
      sha256Hex,
      urls: [
        {
          url: 'https://known.example/x',
          trace: { country: 'NL' },
          media: [
            {
              knownMatch: {
                source: 'own',
                bankName: 'partner-list',
                entryId: 7,
                signalType: 'pdq',
                distance: 4,
                classification: { industry: 'A1', uk: 'A' },
              },
            },
          ],
        },
      ],
    });
    const { created } = await service.create(ana, known.report.id);
    expect(created.map((r) => r.targetCountry)).toEqual(['NL']);
  });

  it('updates status and reference: sent sets sentAt once, every change audited without the reference itself', async () => {
    const seeded = await seedMixedCase();
    const [police] = (await service.create(ana, seeded.report.id)).created;
    clock.advance(3_600_000);
    const sent = await service.update(ana, police!.id, { status: 'sent', externalRef: 'PV-2026-0042' });
    expect(sent).toMatchObject({
      status: 'sent',
      externalRef: 'PV-2026-0042',
      sentAt: clock.now(),
      updatedAt: clock.now(),
    });
    const sentAt = sent.sentAt;
    clock.advance(3_600_000);
    const acknowledged = await service.update(ana, police!.id, { status: 'acknowledged' });
    expect(acknowledged.sentAt).toEqual(sentAt);
    expect(acknowledged.externalRef).toBe('PV-2026-0042');
    const cleared = await service.update(ana, police!.id, { externalRef: null });
    expect(cleared.externalRef).toBeNull();
    const rows = (await hotline.listAudit({ limit: 100 })).filter((e) => e.subjectType === 'referral');
    expect(rows.map((e) => [e.action, e.details.from, e.details.to, e.details.externalRef])).toEqual([
      ['referral_sent', 'pending', 'sent', 'set'],
      ['referral_updated', 'sent', 'acknowledged', 'unchanged'],
      ['referral_updated', 'acknowledged', 'acknowledged', 'cleared'],
    ]);
    expect(JSON.stringify(rows)).not.toContain('PV-2026-0042');
    await expect(service.update(ana, 'nope', { status: 'sent' })).rejects.toMatchObject({
      code: 'REFERRAL_NOT_FOUND',
    });
  });

  it('validates updates strictly', () => {
    const problems = (body: unknown) => {
      try {
        parseReferralPatch(body);
        return [];
      } catch (error) {
        return (error as DomainError).details.map((d) => d.at);
      }
    };
    expect(problems({ status: 'lost', externalRef: 'a\u0000b', extra: 1 }).sort()).toEqual([
      '/externalRef',
      '/extra',
      '/status',
    ]);
    expect(problems({})).toEqual(['/']);
    expect(problems({ externalRef: 'x'.repeat(201) })).toEqual(['/externalRef']);
    expect(() => parseReferralPatch('sent')).toThrow(DomainError);
    expect(parseReferralPatch({ externalRef: '  ICCAM-1  ' })).toEqual({ externalRef: 'ICCAM-1' });
  });

  it('builds the package: trace, hashes, rolled-up assessments, referrals; no bytes, contact, notes or description', async () => {
    const seeded = await seedMixedCase();
    await service.create(ana, seeded.report.id);
    const pkg = await service.package(ana, seeded.report.id, 'json');
    expect(pkg).toMatchObject({
      format: 'hashline.referral-package',
      version: 1,
      hotline: { name: 'Test hotline', country: 'BE' },
      generatedBy: { id: 'ana', name: 'Ana Analyst' },
      report: { id: seeded.report.id, receivedAt: T0.toISOString(), concerns: ['csam'] },
    });
    expect(pkg.urls).toHaveLength(4);
    expect(pkg.urls[0]!.trace).toMatchObject({
      ipAddress: '192.0.2.1',
      country: 'BE',
      asn: 64500,
      network: 'BE Hosting',
      dataset: 'fixture-dataset',
      datasetDate: '2026-01-01',
    });
    // Illegal items only: BE, NL's first, the untraced one; not the not-illegal one or the single-analyst one.
    expect(pkg.media.map((m) => m.urlId)).toEqual([
      seeded.urls[0]!.id,
      seeded.urls[1]!.id,
      seeded.urls[2]!.id,
    ]);
    expect(pkg.mediaNotIncluded).toBe(2);
    const first = pkg.media[0]!;
    expect(first.hashes).toEqual({
      md5: seeded.media[0]!.md5,
      sha256: seeded.media[0]!.sha256,
      pdq: seeded.media[0]!.pdq,
      pdqQuality: 90,
    });
    expect(first.assessment).toMatchObject({
      basis: 'four_eyes',
      illegalCount: 2,
      classification: { industry: 'B2', uk: 'B', baseline: false },
      ageBand: '7-10',
      ageGroup: 'prepubescent',
      flags: ['viral'],
    });
    expect(pkg.referrals.map((r) => r.targetCountry)).toEqual(['BE', 'NL']);
    const text = JSON.stringify(pkg);
    for (const forbidden of [
      'private analyst note',
      'me@example.org',
      'forum',
      'thumbnail',
      'preview',
      'contact',
      'receipt',
    ]) {
      expect(text).not.toContain(forbidden);
    }
    expect('description' in pkg.report).toBe(false);
    const audit = (await hotline.listAudit({ limit: 100 })).filter((e) => e.action === 'export_created');
    expect(audit.map((e) => e.details)).toEqual([
      { kind: 'referral_package', format: 'json', media: 3, referrals: 2 },
    ]);
  });

  it('includes the description only when the deployment says so', async () => {
    const withDescription = new ReferralService({
      hotline,
      referrals,
      clock,
      random: (n) => new Uint8Array(randomBytes(n)),
      config: { ...config, packageIncludesDescription: true },
      hotlineName: 'Test hotline',
    });
    const seeded = await seedMixedCase({ description: 'Seen on a forum thread' });
    const pkg = await withDescription.package(ana, seeded.report.id, 'pdf');
    expect(pkg.report.description).toBe('Seen on a forum thread');
    const doc = referralPackageDocument(pkg);
    expect(doc.sections[0]!.rows).toContainEqual({ label: 'Description', value: 'Seen on a forum thread' });
  });

  it('renders a printable document with the same facts', async () => {
    const seeded = await seedMixedCase();
    await service.create(ana, seeded.report.id);
    const doc = referralPackageDocument(await service.package(ana, seeded.report.id, 'pdf'));
    const all = doc.sections.flatMap((s) => s.rows.map((r) => `${r.label}: ${r.value}`)).join('\n');
    expect(all).toContain(`SHA-256: ${seeded.media[0]!.sha256}`);
    expect(all).toContain(`MD5: ${seeded.media[0]!.md5}`);
    expect(all).toContain('IP address: 192.0.2.1');
    expect(all).toContain('Hosting country: BE');
    expect(all).toContain('Network (ASN): BE Hosting (AS64500)');
    expect(all).toContain('Trace: none: the host must be traced by hand');
    expect(all).toContain('"Self-generated": unknown');
    expect(doc.footer).toContain('no images');
  });
});

describe('the chain of custody in the package (issue 16)', () => {
  it("carries each capture's time, screenshot hash, audit row and the anchor that covers it", async () => {
    const seeded = await seedMixedCase();
    const url = seeded.urls[0]!;
    const { job } = await hotline.requestRecapture(url.id, 'ana', T0);
    const [claimed] = await hotline.claimCaptureJobs(new Date(T0.getTime() + 1), 10, 60_000);
    expect(claimed!.id).toBe(job.id);
    const capturedAt = new Date(T0.getTime() + 60_000);
    await hotline.completeCapture(job.id, {
      accessibility: 'online',
      capturedAt,
      captureError: null,
      trace: null,
      media: [],
      method: 'browser',
      screenshot: {
        sha256: 'e'.repeat(64),
        byteLength: 1234,
        width: 1280,
        height: 900,
        thumbnail: null,
        previewSealed: null,
        originalSealed: new Uint8Array([1]),
      },
    });
    const row = await hotline.appendAudit(
      {
        actor: 'system:capture',
        action: 'capture_recorded',
        subjectType: 'capture_job',
        subjectId: String(job.id),
        details: { screenshotSha256: 'e'.repeat(64) },
      },
      capturedAt,
    );
    const before = await service.package(ana, seeded.report.id, 'json');
    const capture = before.captures!.find((c) => c.urlId === url.id && c.screenshot !== null)!;
    expect(capture).toMatchObject({
      capturedAt: capturedAt.toISOString(),
      method: 'browser',
      screenshot: { sha256: 'e'.repeat(64), byteLength: 1234 },
      audit: { seq: row.seq, hash: row.hash },
      anchor: null,
    });
    const anchor = {
      seq: row.seq + 1,
      hash: 'f'.repeat(64),
      signedAt: new Date(T0.getTime() + 3_600_000),
      keyId: 'k'.repeat(64),
      signature: 'c2ln',
      publishedTo: 'file:/srv/anchors.jsonl',
    };
    await hotline.recordAuditAnchor({ ...anchor, seq: row.seq - 1 }); // before the row: does not cover it
    await hotline.recordAuditAnchor(anchor);
    const after = await service.package(ana, seeded.report.id, 'json');
    expect(after.captures!.find((c) => c.screenshot !== null)!.anchor).toEqual({
      ...anchor,
      signedAt: anchor.signedAt.toISOString(),
    });
    const doc = referralPackageDocument(after);
    const section = doc.sections.find(
      (s) => s.heading.startsWith('Capture') && s.rows.some((r) => r.value === 'e'.repeat(64)),
    );
    expect(section!.rows.map((r) => r.label)).toEqual([
      'Captured',
      'Screenshot SHA-256',
      'Audit row',
      'Signed anchor',
    ]);
  });
});
