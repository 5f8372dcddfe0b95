// Every text of the workbench, in one place so it can be translated later. English only for now
// (hotline staff). Terms follow the Luxembourg Terminology Guidelines: "child sexual abuse
// material", "self-generated" in quotes, nothing that blames a child.
import type {
  AgeBand,
  AnalystRole,
  AssessmentConfidence,
  AssessmentFlag,
  ClosingStatus,
  ContentOrigin,
  InternationalStatus,
  NationalStatus,
  SelfGenerated,
  VictimSex,
} from './workbench-vocabulary.js';

/** Fills `{name}` placeholders. */
export function fill(text: string, values: Readonly<Record<string, string | number>>): string {
  return text.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole));
}

/** The workbench's words (English). */
export const WB = {
  partnerReport: 'Partner report',
  partnerTitle: 'From a partner hotline',
  partnerIntro:
    'A partner hotline forwarded this case with its own assessment under its own law. Re-assess it under yours; the items below are the partner’s, matched to what the capture found here.',
  partnerSender: 'Sent by',
  partnerReference: 'Their reference',
  partnerSentAt: 'Sent',
  partnerItem: 'Partner item {n}',
  partnerKnown: 'Known material at the partner',
  partnerAssessedBy: 'assessed by {n} analyst(s), under {law} law',
  partnerMatches: 'Same material as media item {ids} captured here',
  partnerNoMatch: 'Not found among the media captured here (yet).',
  partnerHashes: 'Hashes',
  appTitle: 'Hotline workbench',
  brand: 'Hashline hotline',
  loading: 'Loading…',
  retry: 'Try again',
  back: 'Back to the queue',

  // Sign-in
  signInTitle: 'Sign in',
  signInIntro: 'For hotline staff only. Every view and action is recorded in the audit log.',
  username: 'Username',
  password: 'Password',
  totpCode: 'One-time code',
  totpHint: 'The 6-digit code from your authenticator app.',
  signIn: 'Sign in',
  signingIn: 'Signing in…',
  signOut: 'Sign out',
  errInvalidCredentials: 'Wrong username or password.',
  errTotpRequired: 'This account needs a one-time code: enter the code from your authenticator app.',
  errTotpInvalid: 'That code is not valid. Codes change every 30 seconds: try the current one.',
  errRateLimited: 'Too many attempts. Wait a minute and try again.',
  errSessionLost: 'Your session has ended. Please sign in again.',
  errGeneric: 'Something went wrong ({code}). Try again; if it persists, tell an administrator.',
  errForbidden: 'Your role does not allow this.',

  // Navigation and header
  nav: 'Workbench',
  skipToContent: 'Skip to content',
  navQueue: 'Queue',
  navSecurity: 'Security',
  navAudit: 'Audit log',
  navAnalysts: 'Analysts',
  signedInAs: 'Signed in as {name} ({role})',
  exposure: 'Revealed today: {today} / {limit}',
  exposureWarn:
    'You have revealed {today} items today. Please take a break: step away from the screen for at least 10 minutes. Talking to a colleague or to the counsellor helps too.',
  exposureLimit:
    'You have reached today’s limit of {limit} revealed items. Revealing is disabled until tomorrow; you can still assess from the blurred thumbnails and use hash matches.',
  breakReminder: 'You have been working for an hour. Time for a 10-minute break away from the screen.',
  breakTaken: 'I took a break',

  // Queue
  queueTitle: 'Queue',
  queueIntro:
    'Most urgent first. Reports whose URLs or media repeat an earlier open report are folded under it.',
  queueEmpty: 'The queue is empty.',
  refresh: 'Refresh',
  imminentDanger: 'Imminent danger',
  received: 'Received {when}',
  receivedLabel: 'Received',
  priority: 'Priority {n}',
  newToAssess: '{n} new media to assess',
  previouslyAssessedCount: '{n} previously assessed',
  mediaCount: '{n} media captured',
  duplicatesFolded: '+{n} duplicate reports',
  duplicateFolded: '+1 duplicate report',
  duplicateOf: 'Report {id}, received {when} ({reason})',
  reasonSameUrl: 'same URL',
  reasonSameMedia: 'same media',
  openReport: 'Open report {id}',
  hosts: 'Hosts',
  host: 'Host',
  hostedIn: 'Hosted in',
  unknownCountry: 'unknown',

  // Report
  reportTitle: 'Report {id}',
  reportFacts: 'About the report',
  channel: 'Channel',
  reporterType: 'Reporter',
  language: 'Language',
  status: 'Status',
  seenWhere: 'Seen on',
  description: 'Description',
  noDescription: 'No description given.',
  contact: 'Contact',
  contactYes: 'The reporter left contact details (stored apart, encrypted).',
  contactNo: 'Anonymous.',
  concerns: 'Concerns',
  urlsTitle: 'URLs and capture',
  captured: 'Captured {when}',
  notCaptured: 'Not captured yet',
  captureError: 'Capture failed: {code}',
  accessibility: 'Accessibility',
  trace: 'Trace',
  ipAddress: 'IP address',
  country: 'Country',
  network: 'Network',
  dataset: 'Dataset',
  noTrace: 'No trace yet.',
  duplicatesTitle: 'Duplicate reports',
  statusActions: 'Report status',
  statusChanged: 'Status changed to: {status}',
  markAssessed: 'Mark as assessed',
  markInAssessment: 'Back to in assessment',
  closeAs: 'Close as {status}',

  // Media
  mediaTitle: 'Media',
  mediaIntro:
    'Thumbnails stay blurred and greyscale until you reveal one. You can assess from the blurred thumbnail; revealing is never required.',
  noMedia: 'No media captured from this report.',
  mediaLabel: 'Media item {id}',
  mediaAlt: 'Captured item {id} (protected view)',
  mediaAltRevealed: 'Captured item {id}',
  video: 'Video',
  noThumbnail: 'No thumbnail',
  reveal: 'Reveal',
  revealing: 'Revealing…',
  revealed: 'Revealed',
  revealDisabled: 'Daily limit reached',
  thumbnailOnly:
    'Only this blurred thumbnail exists: this deployment keeps no media, so there is nothing more to reveal.',
  previouslyAssessed: 'Previously assessed: {classification} ({bank}, distance {distance})',
  previouslyAssessedNote: 'Matched a known hash: not shown, nobody needs to view it again.',
  unclassified: 'no classification',
  baseline: 'baseline',
  size: 'Size',
  dimensions: '{w} × {h} px',
  pdqQuality: '(quality {q})',
  source: 'Source',
  hashes: 'Hashes',
  assessmentsTitle: 'Assessments',
  noAssessments: 'Not assessed yet.',
  assessmentBy: '{name}: {national} ({international})',
  awaitingSecond: 'Awaiting a second analyst',
  disagreement: 'The analysts disagree: a senior analyst should review.',
  published: 'Published to the hotline bank (entries {ids})',
  youAssessed: 'You assessed this item.',
  twoPersonRule: 'Two different analysts must both assess an item illegal before its hashes are published.',

  // Assessment form
  assessTitle: 'Assess item {id}',
  assessOpen: 'Assess',
  assessCancel: 'Cancel',
  internationalStatus: 'International status',
  nationalStatus: 'National status',
  jurisdiction: 'Jurisdiction (ISO country code)',
  legalBasis: 'Legal basis',
  legalBasisHint: 'e.g. the article of the criminal code',
  severityUk: 'UK category',
  industryClassification: 'Industry classification',
  notApplicable: 'Not applicable',
  ageBand: 'Age band of the youngest visible child',
  sex: 'Sex of the children visible',
  victimCount: 'Number of children visible',
  selfGenerated: '“Self-generated”',
  contentOrigin: 'Origin',
  flags: 'Flags',
  confidence: 'Confidence',
  notes: 'Notes',
  notesHint: 'Never paste report text or contact details here.',
  submitAssessment: 'Record assessment',
  submitting: 'Recording…',
  required: 'Please choose: {field}.',
  errAlreadyAssessed:
    'You have already assessed this item. A second assessment must come from another analyst.',
  errValidation: 'The server refused the form: {detail}',
  assessed: 'Assessment recorded.',

  // Security
  securityTitle: 'Security',
  totpOn: 'Two-step sign-in is on: signing in needs a one-time code.',
  totpOff: 'Two-step sign-in is off. Staff accounts should use it (SECURITY.md: MFA for all staff).',
  totpStart: 'Set up two-step sign-in',
  totpInstructions:
    'Add this account to your authenticator app: type the secret below (or open the otpauth link on the device that holds the app), then enter the code it shows.',
  totpSecret: 'Secret (base32)',
  totpUrl: 'otpauth link',
  totpConfirm: 'Confirm',
  totpConfirmed: 'Two-step sign-in is now on.',

  // Audit
  auditTitle: 'Audit log',
  auditVerified: 'Chain verified ✓ {n} rows',
  auditBroken: 'Chain BROKEN at row {seq}: {problem}',
  auditFilterActor: 'Actor',
  auditFilterAction: 'Action',
  auditAnyAction: 'Any action',
  auditApply: 'Filter',
  auditMore: 'Load more',
  auditEmpty: 'No audit rows match.',
  colSeq: 'Seq',
  colTime: 'Time (UTC)',
  colActor: 'Actor',
  colAction: 'Action',
  colSubject: 'Subject',
  colDetails: 'Details',
  anonymous: '(public)',

  // Analysts
  analystsTitle: 'Analysts',
  colUsername: 'Username',
  colName: 'Name',
  colRole: 'Role',
  colTotp: 'Two-step',
  colExposure: 'Revealed today',
  colState: 'State',
  yes: 'yes',
  no: 'no',
  active: 'active',
  disabled: 'disabled',
  createAnalystTitle: 'Create an analyst',
  displayName: 'Display name',
  role: 'Role',
  initialPassword: 'Initial password',
  initialPasswordHint:
    'At least 12 characters. Share it in person; ask them to enrol two-step sign-in at once.',
  create: 'Create',
  created: 'Created {username}.',
  errUsernameTaken: 'That username is taken.',

  // Forwarding (issue #5): referral plan, referrals, package, partner exchange
  navStatistics: 'Statistics',
  statisticsTitle: 'Statistics',
  forwardingTitle: 'Forwarding',
  forwardingIntro:
    'Where the routing rules send this case, from the trace of each URL whose media two analysts assessed illegal (or that matched known material).',
  planTitle: 'Referral plan',
  planEmpty:
    'Nothing to forward yet: no URL has media assessed illegal by two analysts, or matched known material.',
  planRefer: '{target} ({country})',
  planWhy: 'Why',
  planUrls: 'URLs',
  planHostedIn: 'Hosted in',
  planDelivery: 'Delivery',
  planRecorded: 'Referral recorded',
  planNotRecorded: 'Not recorded yet',
  planTakedown: 'Notice and takedown of URL #{id}: hosted in {country}, sent by {via}',
  planTakedownNetwork: 'Hosting network: {network}',
  planManualTrace: 'Trace needed',
  planManualTraceText:
    'The hosting country of URL {ids} is unknown: trace the host by hand (WHOIS, the hosting provider) before it can be referred.',
  referralLabel: 'referral',
  informationalLabel: 'informational',
  actionableHint:
    '“referral”: the host is located, media with hashes is assessed illegal and there is a URL (enough to act on); otherwise “informational”.',
  createReferrals: 'Create referrals',
  creatingReferrals: 'Recording…',
  referralsCreated: '{n} referral(s) recorded.',
  referralsNoneNew: 'Every referral of the plan is recorded already.',
  referralsTitle: 'Referrals',
  referralsEmpty: 'No referrals recorded yet.',
  colTarget: 'Recipient',
  colBasis: 'Basis',
  colKind: 'Kind',
  colStatus: 'Status',
  colExternalRef: 'External reference',
  colSentAt: 'Handed over',
  colUrls: 'URLs',
  referralStatusOf: 'Status of the referral to {target}',
  referralRefOf: 'External reference of the referral to {target}',
  referralRefHint: 'ICCAM id, police case number, NCMEC report id…',
  save: 'Save',
  saving: 'Saving…',
  referralSaved: 'Referral to {target} saved.',
  notYet: '–',
  packageTitle: 'Referral package',
  packageIntro:
    'Trace, hashes, assessments and referrals of this case, never media. Each download is recorded in the audit log.',
  packageJson: 'Download package (JSON)',
  packagePdf: 'Download summary (PDF)',
  exchangeTitle: 'Partner hotlines',
  sendToPartner: 'Send to {partner}',
  sendingToPartner: 'Sending…',
  exchangeDelivered: 'Delivered to {partner}: their reference {receipt}.',
  exchangeRow: '{partner} ({country}): {status}',
  exchangeReceipt: 'reference {receipt}',
  exchangeCarried: '{urls} URL(s), {media} item(s) of hashes',
  exchangeError: 'last error: {error}',
  exchangeNoApi: '{partner} has no exchange API configured: refer the case through ICCAM or by e-mail.',

  // Notice and takedown (issue #5)
  takedownTitle: 'Notice and takedown',
  takedownIntro:
    'A notice to the host asking to remove the material at one URL. The server sends it and re-checks the URL on a schedule; “Check now” re-checks at once (from the server, never from your browser).',
  takedownUrl: 'URL #{id}',
  takedownClosed: 'The report is closed: no new notices can be sent (reopen it first).',
  takedownNotEligible:
    'No media at this URL is assessed illegal (or known) yet: a notice can be sent once it is.',
  takedownNew: 'New notice',
  recipient: 'Recipient (abuse desk e-mail)',
  recipientHint: 'The hosting provider’s abuse address.',
  noticeLanguage: 'Language of the notice',
  noticeLanguageDefault: 'Hotline default',
  via: 'Sent by',
  viaHotline: 'the hotline (e-mail to the host)',
  viaPolice: 'the police (handed to the police unit)',
  viaPlanned: 'The rules say: sent by {via} for hosting in {country}.',
  referralReference: 'Police or referral reference',
  referralReferenceHint: 'Optional: quoted in the hand-over.',
  sendNotice: 'Send notice',
  sendingNotice: 'Sending…',
  noticeSent: 'Notice sent ({via}).',
  noticePending: 'The notice is recorded but not sent yet ({error}); the server retries it.',
  takedownsEmpty: 'No notice sent for this URL yet.',
  takedownStatus: 'Status',
  takedownSentTo: 'Sent to',
  takedownSentAt: 'Notice sent',
  takedownRemovedAt: 'Removal confirmed',
  takedownRemovalTime: 'Time to removal',
  takedownBucket: 'Removal bucket',
  takedownNextCheck: 'Next check',
  takedownAttempts: 'Send attempts',
  takedownLastError: 'Last error',
  takedownChecks: 'Checks',
  takedownNoChecks: 'Not checked yet.',
  checkRow: '{when}: {result}',
  checkNow: 'Check now',
  checking: 'Checking…',
  checkedResult: 'Checked: {result}.',
  hours: '{n} h',
  fieldProblem: '{field}: {message}',

  // Problem codes of issue #5, in words
  errNothingToRefer:
    'Nothing can be referred: no URL has media assessed illegal by two analysts (or known) with a traced hosting country.',
  errReferralNotFound: 'That referral no longer exists. Refresh the page.',
  errPartnerNotFound: 'No partner hotline with that name is configured.',
  errPartnerApiNotConfigured:
    'That partner hotline has no exchange API configured: refer the case through ICCAM or by e-mail.',
  errNothingToExchange:
    'Nothing to send: no media of this case is confirmed illegal by two analysts, or known material.',
  errExchangeDeliveryFailed: 'The partner hotline did not accept the case. Nothing was lost: send it again.',
  errTakedownNotFound: 'That takedown no longer exists. Refresh the page.',
  errTakedownNotAssessed:
    'No media at that URL is assessed illegal (or known), so no notice can be sent about it.',
  errNoticeSendFailed: 'The mail server did not accept the notice; the server retries it.',
  errConflict: 'That is not possible now: {detail}',
  errReportNotFound: 'This report no longer exists.',
} as const;

/** Words for the report statuses. */
export const REPORT_STATUS_LABELS: Readonly<Record<string, string>> = {
  received: 'received',
  triage: 'triage',
  in_assessment: 'in assessment',
  assessed: 'assessed',
  forwarded: 'forwarded',
  ntd_sent: 'notice sent',
  removed_confirmed: 'removal confirmed',
  closed_not_illegal: 'not illegal',
  closed_duplicate: 'duplicate',
  closed_inaccessible: 'inaccessible',
  closed_out_of_remit: 'out of remit',
};

/** Words for the closing statuses, on the buttons. */
export const CLOSING_LABELS: Readonly<Record<ClosingStatus, string>> = {
  closed_not_illegal: 'not illegal',
  closed_duplicate: 'duplicate',
  closed_inaccessible: 'inaccessible',
  closed_out_of_remit: 'out of remit',
};

/** Words for the reporters' concerns. */
export const CONCERN_LABELS: Readonly<Record<string, string>> = {
  csam: 'child sexual abuse material',
  grooming_solicitation: 'grooming / solicitation',
  sexual_extortion: 'sexual extortion',
  ncii_minor: 'intimate images of a minor shared without consent',
  ai_generated: 'AI-generated material',
  ncii_adult: 'intimate images of an adult (out of remit)',
  other: 'other',
};

/** Words for the international status. */
export const INTERNATIONAL_LABELS: Readonly<Record<InternationalStatus, string>> = {
  baseline: 'baseline (INTERPOL)',
  not_baseline: 'not baseline',
};

/** Words for the national status. */
export const NATIONAL_LABELS: Readonly<Record<NationalStatus, string>> = {
  illegal: 'illegal',
  not_illegal: 'not illegal',
  borderline_needs_review: 'borderline: needs review',
  unable_to_assess: 'unable to assess',
};

/** Words for the age bands (shown as is). */
export const AGE_BAND_LABELS: Readonly<Record<AgeBand, string>> = {
  '0-2': '0–2',
  '3-6': '3–6',
  '7-10': '7–10',
  '11-13': '11–13',
  '14-15': '14–15',
  '16-17': '16–17',
  unknown: 'unknown',
};

/** Words for the sex of the children visible. */
export const SEX_LABELS: Readonly<Record<VictimSex, string>> = {
  girls: 'girls',
  boys: 'boys',
  both: 'both',
  unidentified: 'unidentified',
};

/** Words for "self-generated". */
export const SELF_GENERATED_LABELS: Readonly<Record<SelfGenerated, string>> = {
  yes: 'yes',
  no: 'no',
  unknown: 'unknown',
};

/** Words for the origin of the material. */
export const ORIGIN_LABELS: Readonly<Record<ContentOrigin, string>> = {
  photographic: 'photographic',
  ai_generated: 'AI-generated',
  computer_generated_drawn: 'computer-generated or drawn',
  unknown: 'unknown',
};

/** Words for the flags. */
export const FLAG_LABELS: Readonly<Record<AssessmentFlag, string>> = {
  viral: 'viral',
  potential_meme: 'potential meme',
  live_stream_capture: 'live-stream capture',
  bestiality: 'bestiality',
  sadism_violence: 'sadism / violence',
  physical_harm: 'physical harm',
  infant: 'infant',
  advert_or_link_only: 'advert or link only',
};

/** Words for the confidence. */
export const CONFIDENCE_LABELS: Readonly<Record<AssessmentConfidence, string>> = {
  certain: 'certain',
  probable: 'probable',
  uncertain: 'uncertain',
};

/** Words for the roles. */
export const ROLE_LABELS: Readonly<Record<AnalystRole, string>> = {
  analyst: 'analyst',
  senior_analyst: 'senior analyst',
  admin: 'administrator',
};

/** Words for a duplicate's reason. */
export const DUPLICATE_REASON_LABELS: Readonly<Record<string, string>> = {
  same_url: WB.reasonSameUrl,
  same_media: WB.reasonSameMedia,
};

/** Words for referral targets. */
export const REFERRAL_TARGET_LABELS: Readonly<Record<string, string>> = {
  federal_police_child_abuse: 'national police unit',
  inhope_hotline_via_iccam: 'INHOPE partner hotline',
  interpol_icse_via_iccam: 'INTERPOL (ICSE, via ICCAM)',
  europol: 'Europol',
  ncmec: 'NCMEC',
  hosting_provider: 'hosting provider',
  platform_trusted_flagger_notice: 'platform (trusted flagger notice)',
  registry_registrar: 'domain registry or registrar',
};

/** Why a case goes to a target, as the plan explains it. */
export const REFERRAL_BASIS_LABELS: Readonly<Record<string, string>> = {
  hosted_in_country: 'hosted in our own country → national police',
  hosted_abroad_inhope: 'hosted in a country with an INHOPE partner hotline → that hotline',
  hosted_abroad_no_inhope: 'hosted in a country without a partner hotline → police / INTERPOL route',
  victim_in_country: 'the child is in our country',
  offender_in_country: 'the offender is in our country',
};

/** Words for referral statuses. */
export const REFERRAL_STATUS_LABELS: Readonly<Record<string, string>> = {
  pending: 'pending',
  sent: 'sent',
  acknowledged: 'acknowledged',
  rejected: 'rejected',
  closed: 'closed',
};

/** How a referral can be delivered. */
export const DELIVERY_LABELS: Readonly<Record<string, string>> = {
  partner_api: 'partner’s exchange API',
  email: 'e-mail',
  manual: 'by hand (ICCAM or the police’s own channel)',
};

/** Words for partner exchange statuses. */
export const EXCHANGE_STATUS_LABELS: Readonly<Record<string, string>> = {
  pending: 'sending',
  delivered: 'delivered',
  failed: 'failed',
};

/** Words for takedown statuses. */
export const TAKEDOWN_STATUS_LABELS: Readonly<Record<string, string>> = {
  pending: 'not sent yet',
  notice_sent: 'notice sent, re-checking',
  removed: 'removed',
  not_removed: 'not removed',
};

/** Words for who sends a notice. */
export const VIA_LABELS: Readonly<Record<string, string>> = {
  hotline: 'the hotline',
  police: 'the police',
};

/** Words for re-check results. */
export const CHECK_RESULT_LABELS: Readonly<Record<string, string>> = {
  online: 'online',
  offline: 'offline',
  error: 'check failed',
};

/** Words for the removal-time buckets (INHOPE's). */
export const REMOVAL_BUCKET_LABELS: Readonly<Record<string, string>> = {
  same_day: 'same day',
  '<=3d': '≤ 3 days',
  '<=6d': '≤ 6 days',
  '>6d': 'longer',
  not_removed: 'not removed',
};

/** The notice languages, by name. */
export const NOTICE_LANGUAGE_LABELS: Readonly<Record<string, string>> = {
  nl: 'Dutch (nl)',
  fr: 'French (fr)',
  de: 'German (de)',
  en: 'English (en)',
};

/** A label from a table, or the raw value when the server sent one the page does not know yet. */
export function labelOf(table: Readonly<Record<string, string>>, value: string): string {
  return table[value] ?? value.replace(/_/g, ' ');
}

/** A date and time for staff: ISO-like, UTC, to the minute or second (audit and evidence use UTC). */
export function formatUtc(iso: string, seconds = false): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date
    .toISOString()
    .slice(0, seconds ? 19 : 16)
    .replace('T', ' ')} UTC`;
}
