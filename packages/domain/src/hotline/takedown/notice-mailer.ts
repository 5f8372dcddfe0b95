import type { ReportLanguage } from '../hotline-records.js';

/** One notice e-mail: plain text, no attachments, ever (no media leaves the hotline by mail). */
export interface NoticeEmail {
  readonly to: string;
  /** One line. */
  readonly subject: string;
  readonly text: string;
  /** Sent as `Content-Language`. */
  readonly language: ReportLanguage;
  /**
   * The RFC 5322 Message-ID, with angle brackets. Stable per takedown: a send repeated after a
   * crash (SMTP accepted, the process died before recording it) carries the same id, so the
   * receiving side and our own records see one message, not two.
   */
  readonly messageId: string;
}

/**
 * Sends notices (SMTP in the server). Resolves once the SMTP server accepted the message.
 * @throws {DomainError} NOTICE_SEND_FAILED when it was not accepted (the message never holds
 *   the server's reply text, which may echo addresses)
 */
export interface NoticeMailer {
  send(email: NoticeEmail): Promise<void>;
}
