import { DomainError, type NoticeEmail, type NoticeMailer } from '@hashline/domain';
import nodemailer from 'nodemailer';

/** Options of {@link createSmtpMailer}. */
export interface SmtpMailerOptions {
  /** `smtp://host:port` (STARTTLS when offered) or `smtps://host:port` (implicit TLS); credentials as `user:password@`. */
  readonly url: string;
  /** The From address. */
  readonly from: string;
  /** Where replies go (Reply-To). */
  readonly replyTo: string;
  /** Connection, greeting and socket time limit in ms (default 30 s). */
  readonly timeoutMs?: number;
}

/** A {@link NoticeMailer} that can be closed (the server closes it on shutdown). */
export interface SmtpMailer extends NoticeMailer {
  close(): void;
}

/**
 * Sends notices over SMTP with nodemailer: plain text only, never an attachment, a caller-given
 * stable Message-ID, `Content-Language` set. The transport may not read files or URLs into a
 * message (`disableFileAccess`, `disableUrlAccess`), so nothing but the text can ever be sent.
 * Failures become `NOTICE_SEND_FAILED` carrying only nodemailer's error code and the SMTP status
 * number: the server's reply text may echo addresses and is not kept.
 */
export function createSmtpMailer(options: SmtpMailerOptions): SmtpMailer {
  const timeout = options.timeoutMs ?? 30_000;
  const transport = nodemailer.createTransport({
    url: options.url,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    async send(email: NoticeEmail): Promise<void> {
      try {
        await transport.sendMail({
          from: options.from,
          replyTo: options.replyTo,
          to: email.to,
          subject: email.subject,
          text: email.text,
          messageId: email.messageId,
          headers: { 'Content-Language': email.language },
        });
      } catch (error) {
        const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown };
        const parts = [
          typeof code === 'string' ? code : 'ERROR',
          typeof responseCode === 'number' ? String(responseCode) : null,
        ];
        throw new DomainError(
          'NOTICE_SEND_FAILED',
          `The mail server did not accept the notice (${parts.filter((p) => p !== null).join(' ')}).`,
        );
      }
    },
    close() {
      transport.close();
    },
  };
}

/** The mailer of a deployment without SMTP: every send fails, so a notice stays pending with `NOTICE_SEND_FAILED` for an analyst to see. */
export const unconfiguredMailer: NoticeMailer = {
  async send() {
    throw new DomainError('NOTICE_SEND_FAILED', 'No SMTP server is configured (HASHLINE_SMTP_URL).');
  },
};
