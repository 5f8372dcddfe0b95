// Every text of the workbench, one catalogue per language (nl, fr, de, en: `workbench-messages-*.ts`
// beside this one, each typed by this English one, so a missing or extra key does not compile and
// `test/workbench-catalogues.test.ts` checks keys and placeholders too). Terms follow the
// Luxembourg Terminology Guidelines in every language: "child sexual abuse material" (nl
// "materiaal van seksueel misbruik van kinderen", fr "matériel d'abus sexuels sur enfants", de
// "Darstellungen sexuellen Kindesmissbrauchs"), "self-generated" in quotes, nothing that blames a
// child.
//
// The components read the current language's words through the live bindings exported below
// (`WB`, `ROLE_LABELS`, …); `setWorkbenchLanguage` swaps them all, and the app re-renders from
// its root under a new key, so no component keeps words of the previous language.
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
import type { Language } from '../shared/language.js';
import { setStatisticsLanguage } from '../statistics/statistics-messages.js';
import { WORKBENCH_DE } from './workbench-messages-de.js';
import { WORKBENCH_FR } from './workbench-messages-fr.js';
import { WORKBENCH_NL } from './workbench-messages-nl.js';

/** Fills `{name}` placeholders; numbers are written in the current language's way. */
export function fill(text: string, values: Readonly<Record<string, string | number>>): string {
  return text.replace(/\{(\w+)\}/g, (whole, key: string) => {
    if (!(key in values)) return whole;
    const value = values[key];
    return typeof value === 'number' ? formatNumber(value) : String(value);
  });
}

/** The workbench's words (English). */
const TEXT_EN = {
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
  interfaceLanguage: 'Language of the workbench',
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
  navExchanges: 'Hash exchanges',
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
  duplicateCounts: '{n} new media to assess, {m} captured',
  duplicatesPending: '({n} new media to assess in them)',
  captureFailedCount: 'Capture failed for {n} URL(s)',
  captureFailedNone: 'Capture failed: nothing captured from this report',
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

  // Capture attempts, recapture and screenshots (issue 16)
  captureAgain: 'Capture again',
  captureQueued: 'Queued: the capture worker will fetch the URL again shortly.',
  captureAlreadyQueued: 'A capture of this URL is already queued.',
  captureAttempts: 'Capture attempts',
  captureAttemptRow: '{when} · {who} · {how} · {result}',
  captureByReport: 'from the report',
  captureByAnalyst: 'asked for by {name}',
  captureHowBrowser: 'rendered in the browser',
  captureHowHttp: 'plain HTTP',
  captureHowPending: 'waiting',
  captureResultPending: 'in progress (try {tries})',
  captureResultMedia: '{count} new media item(s)',
  captureRetrying: 'Tried {tries} time(s), will try again: {reason}',
  screenshotTitle: 'Screenshot of the page',
  screenshotAlt: 'Screenshot of the captured page, blurred and greyscale',
  screenshotAltRevealed: 'Screenshot of the captured page',
  screenshotHash: 'SHA-256 {sha256}',
  screenshotReveal: 'Reveal screenshot',
  screenshotDeleted: 'The screenshot was deleted by retention; its SHA-256 is kept.',
  loopbackBanner:
    'Test mode: the capture may fetch addresses on this machine (HASHLINE_CAPTURE_ALLOW_LOOPBACK_FOR_TESTS is on). Use it only to try capture on a local test site; turn it off in production.',
  // What each capture failure means and what to do (issue 16): analysts never see a raw code.
  captureErrBlockedAddress:
    'The address points inside a private network or at this server, so it was not fetched (a safety rule). If the site is public, check the URL for typos; nothing else can be done from here.',
  captureErrBlockedScheme:
    'Only web addresses (http or https) are captured. Ask the reporter for the web address of the page.',
  captureErrDnsFailed:
    'The host name does not exist (any more). The site may be gone: try capturing again later, and check the URL for typos.',
  captureErrHttpStatus:
    'The site answered with an error (the page is missing, removed or refused). Capture again later; if it stays so, the content may have been taken down.',
  captureErrTimeout: 'The site did not answer in time. It may be slow or down: capture again later.',
  captureErrTooLarge:
    'The page or a file on it is larger than the capture allows. Ask an administrator whether the size limit (HASHLINE_CAPTURE_MAX_BYTES) should be raised.',
  captureErrTooManyRedirects:
    'The address redirects too many times (or in a loop). Capture again later, or ask the reporter for the final address.',
  captureErrUnsupportedType:
    'The address leads to something that is neither a web page nor an image or video. Check that the URL is the page the reporter meant.',
  captureErrBrowserFailed:
    'The capture browser could not render the page (it crashed, ran out of memory or took too long); the page was fetched over plain HTTP instead. Capture again to try the browser once more.',
  captureErrFailed:
    'The URL could not be fetched (the connection failed or the address is not valid). Check the URL, then capture again.',
  captureErrUrlNotFound: 'The URL is no longer part of this report.',
  captureErrFallback:
    'The capture failed ({code}). Capture again later; if it keeps failing, tell an administrator.',
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
  videoSheetLabel: 'Video · {duration} · {frames} frames shown',
  videoDurationUnknown: 'duration unknown',
  videoSheetAlt: 'Contact sheet of video item {id}: {frames} still frames at {times} (protected view)',
  videoSheetAltRevealed: 'Contact sheet of video item {id}: {frames} still frames at {times}',
  videoSheetFrames: 'Still frames at {times}; the video itself is never played here.',
  videoNoSheet:
    'No contact sheet: this video’s frames could not be drawn. Assess it from its hashes and source, or ask for a recapture.',
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
  ukCategory: 'UK category {c}',
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
  requiredHint: 'Fields marked * are required.',
  errAlreadyAssessed:
    'You have already assessed this item. A second assessment must come from another analyst.',
  errValidation: 'The server refused the form: {detail}',
  assessed: 'Assessment recorded.',
  bulkTitle: 'Assess several items at once',
  bulkIntro:
    'Select items (or all you have not assessed yet) and record one assessment for each: each is recorded and audited on its own, and each still needs a second analyst.',
  bulkSelect: 'Select item {id} for a bulk assessment',
  bulkSelectAll: 'Select all not yet assessed ({n})',
  bulkClear: 'Clear the selection',
  bulkAssess: 'Assess {n} selected',
  bulkFormTitle: 'Assess {n} items: {ids}',
  bulkDone: '{n} assessment(s) recorded.',
  bulkRefused: '{n} item(s) not recorded (assessed by you already, or gone): {ids}.',

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

  // Security alerts (issue 15)
  alertsTitle: 'Probing alerts on API keys',
  alertsIntro:
    "A platform's key that only learns matched or not can still read a banked hash by asking many near questions. Keys whose questions look like that are listed here, and suspended unless the server is set otherwise.",
  alertsEmpty: 'No probing alerts.',
  alertsColKey: 'API key',
  alertsColRule: 'What was seen',
  alertsColQueries: 'Queries',
  alertsColState: 'State',
  alertsRuleCluster: 'Many queries close to each other',
  alertsRuleEdge: "Queries at a banked hash's match threshold",
  alertsKeyGone: '(key deleted)',
  alertsSuspended: 'Suspended',
  alertsNotSuspended: 'Alert only',
  alertsLifted: 'Suspension lifted {time}',
  alertsLift: 'Lift the suspension',
  alertsLiftReason: 'Why is it safe to lift it? (kept in the audit log)',
  alertsLiftConfirm: 'Lift',
  alertsLiftCancel: 'Cancel',
  alertsLiftDone: 'The suspension of {key} was lifted; the key works again.',

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

  // Hash exchanges (issue 14)
  exchangesTitle: 'Hash exchanges',
  exchangesIntro:
    'Scheduled syncs of a bank with an outside source. They are configured with the API or the hashline exchange command; credentials are never shown.',
  exchangesEmpty: 'No hash exchanges are configured.',
  colExchange: 'Exchange',
  colSource: 'Source',
  colBank: 'Bank',
  colLastSuccess: 'Last success',
  colNextRun: 'Next run',
  colLastRun: 'Last run',
  colLastError: 'Last error',
  colFeedbackVotes: 'Votes sent back',
  exchVoteCounts: '{pending} pending, {sent} sent, {refused} refused',
  exchVotesOff: 'not sent (feedback off)',
  exchVoteLastError: 'last failure: {message}',
  exchLastRunCounts: '{added} added, {updated} updated, {withdrawn} withdrawn, {skipped} skipped',
  exchStateRunning: 'running',
  exchStatePaused: 'paused',
  exchStateScheduled: 'scheduled',
  exchNever: 'never',
  exchRunNow: 'Run now',
  exchPause: 'Pause',
  exchResume: 'Resume',
  exchRunDone: '{name}: run finished.',
  exchRunFailed: '{name}: the run failed ({reason}).',
  exchPausedDone: '{name} is paused.',
  exchResumedDone: '{name} is resumed.',
  exchTypeNcmec: 'NCMEC hash sharing',
  exchTypeStopncii: 'StopNCII',
  exchTypeThreatexchange: 'ThreatExchange',
  exchTypeHashline: 'Hashline partner',
  exchTypeFeed: 'File feed',
  exchErrTransient: 'source unavailable or busy (retried later)',
  exchErrUnauthorized: 'credentials refused (paused until changed)',
  exchErrProtocol: 'unexpected answer from the source',
  exchErrInternal: 'problem on our side',
  errExchangeRunning: 'This exchange is running now; try again when it has finished.',
  errExchangePaused: 'This exchange is paused; resume it first.',

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
  raiseLimit: 'Raise today’s limit',
  raiseExtra: 'More reveals today',
  raiseReason: 'Reason (recorded in the audit log)',
  raiseSubmit: 'Raise the limit',

  // Issue 17: the full-width view, keyboard shortcuts, the 30-day exposure page, the break reminder
  keyOpenStage: 'Full-width assessment',
  stageTitle: 'Item {n} of {total} (media item {id})',
  stageNext: 'Next item',
  stagePrevious: 'Previous item',
  stageClose: 'Back to all items',
  stageSelect: 'Selected for a bulk assessment',
  shortcutsTitle: 'Keyboard shortcuts',
  shortcutsOpen: 'Keyboard shortcuts (?)',
  shortcutsIntro:
    'The keys work whenever you are not typing in a text field or a list; Esc leaves the field.',
  shortcutsClose: 'Close',
  keyPresets: 'Usual classifications',
  presetsNote:
    'A usual classification fills in both statuses; age band, sex and confidence stay yours to choose for each item.',
  keySelect: 'Select or unselect the item for a bulk assessment',
  keySelectAll: 'Select all not yet assessed',
  keyBulk: 'Assess the selected items',
  keyClose: 'Close this help, the bulk form or the full-width view',
  navExposure: 'Exposure',
  exposureTitle: 'Exposure over the last 30 days',
  exposureIntroTeam:
    'Reveals per day for each analyst, and the share of revealed items that analysts assessed illegal. It is there to look after the people who look: a heavy run of days is a reason for a conversation and a lighter day, never a mark against anyone.',
  exposureIntroOwn:
    'Your reveals per day, and the share of revealed items that analysts assessed illegal. Only you and your supervisors see this.',
  exposureShareNote:
    'The share counts revealed items, not minutes: the workbench does not time how long anyone looks.',
  exposureSummary: '{n} reveals in 30 days; {share} of them illegal material',
  exposureChart: 'Reveals per day of {name}, last 30 days',
  exposureDay: '{day}: {n} reveals, {illegal} of them illegal material',
  exposureLegendIllegal: 'assessed illegal',
  exposureLegendOther: 'other revealed items',
  exposureNone: 'No reveals in the last 30 days.',
  exposureTable: 'The days as a table',
  colDay: 'Day',
  colReveals: 'Reveals',
  colIllegal: 'Of which illegal material',
  breakRun:
    'You have revealed {n} items in the last {minutes} minutes. That is a lot to take in: a few minutes away from the screen will do you good, and a colleague or the counsellor is there if you want to talk.',
  analystsTeamIntro:
    'Your team today: each analyst’s reveals against their limit. You can raise an analyst’s limit for today, with a reason; the raise is recorded in the audit log.',

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
};

/** Words for the report statuses. */
const REPORT_STATUS_LABELS_EN = {
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
const CLOSING_LABELS_EN = {
  closed_not_illegal: 'not illegal',
  closed_duplicate: 'duplicate',
  closed_inaccessible: 'inaccessible',
  closed_out_of_remit: 'out of remit',
};

/** Words for the reporters' concerns. */
const CONCERN_LABELS_EN = {
  csam: 'child sexual abuse material',
  grooming_solicitation: 'grooming / solicitation',
  sexual_extortion: 'sexual extortion',
  ncii_minor: 'intimate images of a minor shared without consent',
  ai_generated: 'AI-generated material',
  ncii_adult: 'intimate images of an adult (out of remit)',
  other: 'other',
};

/** Words for the international status. */
const INTERNATIONAL_LABELS_EN = {
  baseline: 'baseline (INTERPOL)',
  not_baseline: 'not baseline',
};

/** Words for the national status. */
const NATIONAL_LABELS_EN = {
  illegal: 'illegal',
  not_illegal: 'not illegal',
  borderline_needs_review: 'borderline: needs review',
  unable_to_assess: 'unable to assess',
};

/** Words for the age bands (shown as is). */
const AGE_BAND_LABELS_EN = {
  '0-2': '0–2',
  '3-6': '3–6',
  '7-10': '7–10',
  '11-13': '11–13',
  '14-15': '14–15',
  '16-17': '16–17',
  unknown: 'unknown',
};

/** Words for the sex of the children visible. */
const SEX_LABELS_EN = {
  girls: 'girls',
  boys: 'boys',
  both: 'both',
  unidentified: 'unidentified',
};

/** Words for "self-generated". */
const SELF_GENERATED_LABELS_EN = {
  yes: 'yes',
  no: 'no',
  unknown: 'unknown',
};

/** Words for the origin of the material. */
const ORIGIN_LABELS_EN = {
  photographic: 'photographic',
  ai_generated: 'AI-generated',
  computer_generated_drawn: 'computer-generated or drawn',
  unknown: 'unknown',
};

/** Words for the flags. */
const FLAG_LABELS_EN = {
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
const CONFIDENCE_LABELS_EN = {
  certain: 'certain',
  probable: 'probable',
  uncertain: 'uncertain',
};

/** Words for the roles. */
const ROLE_LABELS_EN = {
  analyst: 'analyst',
  senior_analyst: 'senior analyst',
  admin: 'administrator',
};

/** Words for a duplicate's reason. */
const DUPLICATE_REASON_LABELS_EN = {
  same_url: 'same URL',
  same_media: 'same media',
};

/** Words for referral targets. */
const REFERRAL_TARGET_LABELS_EN = {
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
const REFERRAL_BASIS_LABELS_EN = {
  hosted_in_country: 'hosted in our own country → national police',
  hosted_abroad_inhope: 'hosted in a country with an INHOPE partner hotline → that hotline',
  hosted_abroad_no_inhope: 'hosted in a country without a partner hotline → police / INTERPOL route',
  victim_in_country: 'the child is in our country',
  offender_in_country: 'the offender is in our country',
};

/** Words for referral statuses. */
const REFERRAL_STATUS_LABELS_EN = {
  pending: 'pending',
  sent: 'sent',
  acknowledged: 'acknowledged',
  rejected: 'rejected',
  closed: 'closed',
};

/** How a referral can be delivered. */
const DELIVERY_LABELS_EN = {
  partner_api: 'partner’s exchange API',
  email: 'e-mail',
  manual: 'by hand (ICCAM or the police’s own channel)',
};

/** Words for partner exchange statuses. */
const EXCHANGE_STATUS_LABELS_EN = {
  pending: 'sending',
  delivered: 'delivered',
  failed: 'failed',
};

/** Words for takedown statuses. */
const TAKEDOWN_STATUS_LABELS_EN = {
  pending: 'not sent yet',
  notice_sent: 'notice sent, re-checking',
  removed: 'removed',
  not_removed: 'not removed',
};

/** Words for who sends a notice. */
const VIA_LABELS_EN = {
  hotline: 'the hotline',
  police: 'the police',
};

/** Words for re-check results. */
const CHECK_RESULT_LABELS_EN = {
  online: 'online',
  offline: 'offline',
  error: 'check failed',
};

/** Words for the removal-time buckets (INHOPE's). */
const REMOVAL_BUCKET_LABELS_EN = {
  same_day: 'same day',
  '<=3d': '≤ 3 days',
  '<=6d': '≤ 6 days',
  '>6d': 'longer',
  not_removed: 'not removed',
};

/** The notice languages, by name. */
const NOTICE_LANGUAGE_LABELS_EN = {
  nl: 'Dutch (nl)',
  fr: 'French (fr)',
  de: 'German (de)',
  en: 'English (en)',
};

/** Every label table of one language, by role. */
const LABELS_EN = {
  reportStatus: REPORT_STATUS_LABELS_EN,
  closing: CLOSING_LABELS_EN satisfies Record<ClosingStatus, string>,
  concern: CONCERN_LABELS_EN,
  international: INTERNATIONAL_LABELS_EN satisfies Record<InternationalStatus, string>,
  national: NATIONAL_LABELS_EN satisfies Record<NationalStatus, string>,
  ageBand: AGE_BAND_LABELS_EN satisfies Record<AgeBand, string>,
  sex: SEX_LABELS_EN satisfies Record<VictimSex, string>,
  selfGenerated: SELF_GENERATED_LABELS_EN satisfies Record<SelfGenerated, string>,
  origin: ORIGIN_LABELS_EN satisfies Record<ContentOrigin, string>,
  flag: FLAG_LABELS_EN satisfies Record<AssessmentFlag, string>,
  confidence: CONFIDENCE_LABELS_EN satisfies Record<AssessmentConfidence, string>,
  role: ROLE_LABELS_EN satisfies Record<AnalystRole, string>,
  duplicateReason: DUPLICATE_REASON_LABELS_EN,
  referralTarget: REFERRAL_TARGET_LABELS_EN,
  referralBasis: REFERRAL_BASIS_LABELS_EN,
  referralStatus: REFERRAL_STATUS_LABELS_EN,
  delivery: DELIVERY_LABELS_EN,
  exchangeStatus: EXCHANGE_STATUS_LABELS_EN,
  takedownStatus: TAKEDOWN_STATUS_LABELS_EN,
  via: VIA_LABELS_EN,
  checkResult: CHECK_RESULT_LABELS_EN,
  removalBucket: REMOVAL_BUCKET_LABELS_EN,
  noticeLanguage: NOTICE_LANGUAGE_LABELS_EN,
};

/** The workbench's sentences, by key: every language has exactly the English keys. */
export type WorkbenchText = { readonly [K in keyof typeof TEXT_EN]: string };
/** The label tables, by role: every language has exactly the English tables and keys. */
export type WorkbenchLabels = {
  readonly [T in keyof typeof LABELS_EN]: { readonly [K in keyof (typeof LABELS_EN)[T]]: string };
};
/** One language's catalogue: add a key to the English one, then to each language (the compiler lists them). */
export interface WorkbenchCatalogue {
  /** The BCP 47 tag for `Intl` (dates, numbers) and `<html lang>`. */
  readonly locale: string;
  readonly text: WorkbenchText;
  readonly labels: WorkbenchLabels;
}

/** The English catalogue (the reference the others are typed and tested by). */
export const WORKBENCH_EN: WorkbenchCatalogue = { locale: 'en-GB', text: TEXT_EN, labels: LABELS_EN };

/** Every language's catalogue. */
export const WORKBENCH_CATALOGUES: Readonly<Record<Language, WorkbenchCatalogue>> = {
  nl: WORKBENCH_NL,
  fr: WORKBENCH_FR,
  de: WORKBENCH_DE,
  en: WORKBENCH_EN,
};

// Live bindings: the current language's words (ES modules export bindings, not values, so every
// importer sees the reassignment made by setWorkbenchLanguage).
/** The workbench's words in the current language. */
export let WB: WorkbenchText = TEXT_EN;
/** Words for the report statuses. */
export let REPORT_STATUS_LABELS: Readonly<Record<string, string>> = LABELS_EN.reportStatus;
/** Words for the closing statuses, on the buttons. */
export let CLOSING_LABELS: Readonly<Record<ClosingStatus, string>> = LABELS_EN.closing;
/** Words for the reporters' concerns. */
export let CONCERN_LABELS: Readonly<Record<string, string>> = LABELS_EN.concern;
/** Words for the international status. */
export let INTERNATIONAL_LABELS: Readonly<Record<InternationalStatus, string>> = LABELS_EN.international;
/** Words for the national status. */
export let NATIONAL_LABELS: Readonly<Record<NationalStatus, string>> = LABELS_EN.national;
/** Words for the age bands. */
export let AGE_BAND_LABELS: Readonly<Record<AgeBand, string>> = LABELS_EN.ageBand;
/** Words for the sex of the children visible. */
export let SEX_LABELS: Readonly<Record<VictimSex, string>> = LABELS_EN.sex;
/** Words for "self-generated". */
export let SELF_GENERATED_LABELS: Readonly<Record<SelfGenerated, string>> = LABELS_EN.selfGenerated;
/** Words for the origin of the material. */
export let ORIGIN_LABELS: Readonly<Record<ContentOrigin, string>> = LABELS_EN.origin;
/** Words for the flags. */
export let FLAG_LABELS: Readonly<Record<AssessmentFlag, string>> = LABELS_EN.flag;
/** Words for the confidence. */
export let CONFIDENCE_LABELS: Readonly<Record<AssessmentConfidence, string>> = LABELS_EN.confidence;
/** Words for the roles. */
export let ROLE_LABELS: Readonly<Record<AnalystRole, string>> = LABELS_EN.role;
/** Words for a duplicate's reason. */
export let DUPLICATE_REASON_LABELS: Readonly<Record<string, string>> = LABELS_EN.duplicateReason;
/** Words for referral targets. */
export let REFERRAL_TARGET_LABELS: Readonly<Record<string, string>> = LABELS_EN.referralTarget;
/** Why a case goes to a target, as the plan explains it. */
export let REFERRAL_BASIS_LABELS: Readonly<Record<string, string>> = LABELS_EN.referralBasis;
/** Words for referral statuses. */
export let REFERRAL_STATUS_LABELS: Readonly<Record<string, string>> = LABELS_EN.referralStatus;
/** How a referral can be delivered. */
export let DELIVERY_LABELS: Readonly<Record<string, string>> = LABELS_EN.delivery;
/** Words for partner exchange statuses. */
export let EXCHANGE_STATUS_LABELS: Readonly<Record<string, string>> = LABELS_EN.exchangeStatus;
/** Words for takedown statuses. */
export let TAKEDOWN_STATUS_LABELS: Readonly<Record<string, string>> = LABELS_EN.takedownStatus;
/** Words for who sends a notice. */
export let VIA_LABELS: Readonly<Record<string, string>> = LABELS_EN.via;
/** Words for re-check results. */
export let CHECK_RESULT_LABELS: Readonly<Record<string, string>> = LABELS_EN.checkResult;
/** Words for the removal-time buckets (INHOPE's). */
export let REMOVAL_BUCKET_LABELS: Readonly<Record<string, string>> = LABELS_EN.removalBucket;
/** The notice languages, by name. */
export let NOTICE_LANGUAGE_LABELS: Readonly<Record<string, string>> = LABELS_EN.noticeLanguage;
/** The current language and its `Intl` locale. */
export let workbenchLanguage: Language = 'en';
let locale = WORKBENCH_EN.locale;

/** Switches every binding above, and the statistics tab's, to `language`'s words (the caller re-renders). */
export function setWorkbenchLanguage(language: Language): void {
  const catalogue = WORKBENCH_CATALOGUES[language];
  const l = catalogue.labels;
  workbenchLanguage = language;
  locale = catalogue.locale;
  WB = catalogue.text;
  REPORT_STATUS_LABELS = l.reportStatus;
  CLOSING_LABELS = l.closing;
  CONCERN_LABELS = l.concern;
  INTERNATIONAL_LABELS = l.international;
  NATIONAL_LABELS = l.national;
  AGE_BAND_LABELS = l.ageBand;
  SEX_LABELS = l.sex;
  SELF_GENERATED_LABELS = l.selfGenerated;
  ORIGIN_LABELS = l.origin;
  FLAG_LABELS = l.flag;
  CONFIDENCE_LABELS = l.confidence;
  ROLE_LABELS = l.role;
  DUPLICATE_REASON_LABELS = l.duplicateReason;
  REFERRAL_TARGET_LABELS = l.referralTarget;
  REFERRAL_BASIS_LABELS = l.referralBasis;
  REFERRAL_STATUS_LABELS = l.referralStatus;
  DELIVERY_LABELS = l.delivery;
  EXCHANGE_STATUS_LABELS = l.exchangeStatus;
  TAKEDOWN_STATUS_LABELS = l.takedownStatus;
  VIA_LABELS = l.via;
  CHECK_RESULT_LABELS = l.checkResult;
  REMOVAL_BUCKET_LABELS = l.removalBucket;
  NOTICE_LANGUAGE_LABELS = l.noticeLanguage;
  // The statistics tab speaks the workbench's language.
  setStatisticsLanguage(language);
  if (typeof document !== 'undefined') document.documentElement.lang = language;
}

/** The current language's `Intl` locale (dates and numbers). */
export function workbenchLocale(): string {
  return locale;
}

/** A number as the current language writes it (1 234 in French, 1.234 in Dutch and German). */
export function formatNumber(value: number): string {
  return new Intl.NumberFormat(locale).format(value);
}

/** A label from a table, or the raw value when the server sent one the page does not know yet. */
export function labelOf(table: Readonly<Record<string, string>>, value: string): string {
  return table[value] ?? value.replace(/_/g, ' ');
}

/**
 * A date and time for staff, in the current language's order and words, always in UTC and saying
 * so (audit and evidence are in UTC, whoever reads them), to the minute or second.
 */
export function formatUtc(iso: string, seconds = false): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const text = new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    ...(seconds ? { second: '2-digit' } : {}),
    hourCycle: 'h23',
    timeZone: 'UTC',
  }).format(date);
  return `${text} UTC`;
}

/** The catalogue key of each capture failure code's sentence (see {@link captureErrorSentence}). */
const CAPTURE_ERROR_KEYS: Readonly<Record<string, keyof WorkbenchText>> = {
  CAPTURE_BLOCKED_ADDRESS: 'captureErrBlockedAddress',
  CAPTURE_BLOCKED_SCHEME: 'captureErrBlockedScheme',
  CAPTURE_DNS_FAILED: 'captureErrDnsFailed',
  CAPTURE_HTTP_STATUS: 'captureErrHttpStatus',
  CAPTURE_TIMEOUT: 'captureErrTimeout',
  CAPTURE_TOO_LARGE: 'captureErrTooLarge',
  CAPTURE_TOO_MANY_REDIRECTS: 'captureErrTooManyRedirects',
  CAPTURE_UNSUPPORTED_TYPE: 'captureErrUnsupportedType',
  CAPTURE_BROWSER_FAILED: 'captureErrBrowserFailed',
  CAPTURE_FAILED: 'captureErrFailed',
  URL_NOT_FOUND: 'captureErrUrlNotFound',
};

/**
 * What a capture failure means and what to do, as a sentence in the current language (issue 16):
 * analysts never see a raw code. An unknown code gets the general sentence naming it.
 */
export function captureErrorSentence(code: string): string {
  const key = CAPTURE_ERROR_KEYS[code];
  return key ? WB[key] : fill(WB.captureErrFallback, { code });
}
