// Problem codes of issue #5 (referrals, exchange, takedown) in words an analyst can act on. The
// codes of issue #4 (session, roles, validation) keep the wording of sign-in-view.tsx.
import { errorMessage } from './sign-in-view.js';
import { ApiError } from './workbench-api.js';
import { WB, fill } from './workbench-messages.js';

/** The form fields a refused request names, by JSON pointer (in the current language: built per call). */
const fieldLabels = (): Readonly<Record<string, string>> => ({
  '/recipient': WB.recipient,
  '/language': WB.noticeLanguage,
  '/via': WB.via,
  '/referralReference': WB.referralReference,
  '/urlId': WB.urlsTitle,
  '/status': WB.colStatus,
  '/externalRef': WB.colExternalRef,
  '/partner': WB.exchangeTitle,
});

/** Codes whose message is fixed here; the server's detail adds nothing an analyst needs. */
const fixedMessages = (): Readonly<Record<string, string>> => ({
  REFERRAL_NOT_FOUND: WB.errReferralNotFound,
  PARTNER_NOT_FOUND: WB.errPartnerNotFound,
  PARTNER_API_NOT_CONFIGURED: WB.errPartnerApiNotConfigured,
  NOTHING_TO_EXCHANGE: WB.errNothingToExchange,
  TAKEDOWN_NOT_FOUND: WB.errTakedownNotFound,
  TAKEDOWN_NOT_ASSESSED: WB.errTakedownNotAssessed,
  NOTICE_SEND_FAILED: WB.errNoticeSendFailed,
  REPORT_NOT_FOUND: WB.errReportNotFound,
});

/**
 * A failed forwarding, exchange or takedown call as a sentence. Where the server explains the
 * specific case (how many URLs need a manual trace, which partner refused and why) its detail is
 * shown: the services write those details for people, and they never carry report text.
 */
export function forwardingErrorMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return errorMessage(error);
  const fixed = fixedMessages()[error.code];
  if (fixed) return fixed;
  switch (error.code) {
    case 'NOTHING_TO_REFER':
      return error.detail ?? WB.errNothingToRefer;
    case 'EXCHANGE_DELIVERY_FAILED':
      return error.detail
        ? `${WB.errExchangeDeliveryFailed} (${error.detail})`
        : WB.errExchangeDeliveryFailed;
    case 'CONFLICT':
      return fill(WB.errConflict, { detail: error.detail ?? error.code });
    case 'VALIDATION_FAILED':
      if (error.errors.length > 0)
        return error.errors
          .map((e) => fill(WB.fieldProblem, { field: fieldLabels()[e.at] ?? e.at, message: e.message }))
          .join(' ');
      return errorMessage(error);
    default:
      return errorMessage(error);
  }
}
