import { DomainError } from '../domain-error.js';
import type { Clock } from '../ports/clock.js';
import type { PinHasher, RandomBytes } from '../self-submission/self-submission-case.js';
import { isRecord } from '../validation.js';
import type { Sha256Hex } from './audit-chain.js';
import { newOpaqueId } from './hotline-ids.js';
import type { Analyst, AnalystSession } from './hotline-records.js';
import type { HotlineStore } from './hotline-store.js';
import { ANALYST_ROLES, type AnalystRole } from './hotline-vocabulary.js';
import type { SecretBox } from './secret-box.js';

/** Time-based one-time passwords (RFC 6238), implemented by the server's adapter. */
export interface TotpProvider {
  /** A new random secret, base-32. */
  newSecret(): string;
  /** True when `code` is valid for `secret` at `at` (± one 30 s step). */
  verify(secret: string, code: string, at: Date): boolean;
  /** The `otpauth://` URL authenticator apps import. */
  uri(secret: string, account: string, issuer: string): string;
}

/** What the auth service needs. */
export interface AnalystAuthDependencies {
  readonly store: HotlineStore;
  readonly passwords: PinHasher;
  readonly totp: TotpProvider;
  readonly secrets: SecretBox;
  readonly random: RandomBytes;
  readonly sha256Hex: Sha256Hex;
  readonly clock: Clock;
  /** How long a session lives without sign-in (default 8 hours: a working day). */
  readonly sessionTtlMs?: number;
  /** The issuer shown in authenticator apps. */
  readonly issuer?: string;
}

/** A signed-in analyst and the session's secrets (the id goes in a cookie; only its hash is stored). */
export interface SignedIn {
  readonly analyst: Analyst;
  readonly sessionId: string;
  readonly session: AnalystSession;
  /**
   * A known-device token for this analyst (a cookie the browser keeps for {@link KNOWN_DEVICE_MS}):
   * sent with a later sign-in, it lets this browser in while the account is in its back-off.
   */
  readonly deviceToken: string;
}

/** What the HTTP edge knows about a sign-in attempt beyond its body. */
export interface SignInContext {
  /** The known-device cookie of an earlier successful sign-in, as the browser sent it. */
  readonly deviceToken?: string | undefined;
  /**
   * Counts the attempt against the client's address (the edge's limit); returns 0 when allowed,
   * else the seconds to wait. Not called for a browser on a known device of the account.
   */
  readonly takeAddressAttempt?: () => number;
}

/** Sign-in attempts per account name that pass before the back-off starts. */
export const SIGN_IN_FREE_ATTEMPTS = 5;
/**
 * The back-off after that: each further attempt (right or wrong, known name or not) makes the next
 * one wait 2 s, 4 s, 8 s, … up to 15 minutes, until a sign-in succeeds. A guesser gets a few
 * attempts an hour per account; the analyst still gets in at once from a known device (a browser
 * that signed in before) or with their TOTP code: the back-off is never a lockout of everyone.
 */
export const SIGN_IN_BACKOFF_MS: readonly number[] = [
  2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000, 512_000, 900_000,
];
/** How long a browser stays a known device after a successful sign-in. */
export const KNOWN_DEVICE_MS = 30 * 86_400_000;

/** A sign-in refused by the back-off (per account name) or the client address's limit. */
export class SignInThrottled extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', `Too many sign-in attempts; retry in ${retryAfterSeconds} s.`);
  }
}

/** A hash that verifies nothing, compared against when the user does not exist (same timing). */
const DUMMY_PASSWORD_HASH =
  'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
/** Shortest password accepted for staff accounts. */
export const MIN_PASSWORD_LENGTH = 12;

/**
 * Staff sign-in (SECURITY.md §4.2): passwords hashed with scrypt, optional TOTP, sessions whose id
 * is only stored as a hash, a CSRF token per session. Every sign-in and failure goes to the audit log.
 */
export class AnalystAuthService {
  constructor(private readonly deps: AnalystAuthDependencies) {}

  /**
   * Signs in with user name, password and (when enrolled) a one-time code.
   * @throws {DomainError} INVALID_CREDENTIALS, TOTP_REQUIRED, TOTP_INVALID, VALIDATION_FAILED
   */
  async signIn(body: unknown, context: SignInContext = {}): Promise<SignedIn> {
    if (!isRecord(body) || typeof body.username !== 'string' || typeof body.password !== 'string') {
      throw new DomainError('VALIDATION_FAILED', 'Send { "username", "password", "totp"? }.');
    }
    const { store, passwords, clock } = this.deps;
    const username = body.username.trim().toLowerCase();
    const throttleKey = this.deps.sha256Hex(`sign-in:${username}`);
    const analyst = await store.getAnalystByUsername(username);
    const knownDevice = analyst !== undefined && this.#deviceAnalyst(context.deviceToken) === analyst.id;
    const withCode = typeof body.totp === 'string' && body.totp.trim() !== '';
    if (!knownDevice) {
      const wait = context.takeAddressAttempt?.() ?? 0;
      if (wait > 0) throw new SignInThrottled(wait);
    }
    const started = clock.now();
    const claim = await store.claimSignInAttempt(throttleKey, started, {
      free: SIGN_IN_FREE_ATTEMPTS,
      blockUntil: SIGN_IN_BACKOFF_MS.map((ms) => new Date(started.getTime() + ms)),
    });
    if (!claim.allowed && !knownDevice) {
      // In its back-off, a name still lets in a known device and an analyst with a TOTP code (a
      // password and a code cannot both be guessed). Anything else waits: 429 for every name,
      // known or not, with or without TOTP, so the answer says nothing about the account.
      if (!withCode) {
        const seconds = Math.max(
          1,
          Math.ceil(((claim.blockedUntil ?? started).getTime() - started.getTime()) / 1000),
        );
        throw new SignInThrottled(seconds);
      }
      if (analyst?.totpSecretSealed == null) {
        // A code sent for a name without TOTP (or no such name) does not open the back-off.
        await passwords.verify(body.password, DUMMY_PASSWORD_HASH);
        throw new DomainError('INVALID_CREDENTIALS');
      }
    }
    const passwordOk = await passwords.verify(body.password, analyst?.passwordHash ?? DUMMY_PASSWORD_HASH);
    if (!analyst || !passwordOk || analyst.disabled) {
      await store.appendAudit(
        {
          actor: analyst?.id ?? null,
          action: 'sign_in_failed',
          subjectType: 'analyst',
          subjectId: analyst?.id ?? '(unknown user)',
          details: { reason: 'credentials' },
        },
        clock.now(),
      );
      throw new DomainError('INVALID_CREDENTIALS');
    }
    const totpKey = this.deps.sha256Hex(`sign-in-totp:${username}`);
    if (analyst.totpSecretSealed !== null) {
      if (!withCode) throw new DomainError('TOTP_REQUIRED');
      if (!claim.allowed && !knownDevice) {
        // Through the back-off with a code: whoever gets here knows the password, so the codes
        // they try are counted too (a back-off of their own), before the code is checked.
        const codeClaim = await store.claimSignInAttempt(totpKey, started, {
          free: SIGN_IN_FREE_ATTEMPTS,
          blockUntil: SIGN_IN_BACKOFF_MS.map((ms) => new Date(started.getTime() + ms)),
        });
        if (!codeClaim.allowed) {
          const until = (codeClaim.blockedUntil ?? started).getTime();
          throw new SignInThrottled(Math.max(1, Math.ceil((until - started.getTime()) / 1000)));
        }
      }
      const secret = this.deps.secrets.openText('totp', analyst.totpSecretSealed);
      if (!this.deps.totp.verify(secret, (body.totp as string).trim(), clock.now())) {
        await store.appendAudit(
          {
            actor: analyst.id,
            action: 'sign_in_failed',
            subjectType: 'analyst',
            subjectId: analyst.id,
            details: { reason: 'totp' },
          },
          clock.now(),
        );
        throw new DomainError('TOTP_INVALID');
      }
    }
    const pruneBefore = new Date(clock.now().getTime() - 86_400_000);
    await store.resetSignInAttempts(throttleKey, pruneBefore);
    if (analyst.totpSecretSealed !== null) await store.resetSignInAttempts(totpKey, pruneBefore);
    const now = clock.now();
    const sessionId = hex(this.deps.random(32));
    const session: AnalystSession = {
      idHash: this.deps.sha256Hex(sessionId),
      analystId: analyst.id,
      csrfToken: hex(this.deps.random(32)),
      createdAt: now,
      expiresAt: new Date(now.getTime() + (this.deps.sessionTtlMs ?? 8 * 3600_000)),
    };
    await store.createSession(session);
    await store.appendAudit(
      {
        actor: analyst.id,
        action: 'sign_in',
        subjectType: 'analyst',
        subjectId: analyst.id,
        details: { totp: analyst.totpSecretSealed !== null },
      },
      now,
    );
    return { analyst, sessionId, session, deviceToken: this.#deviceToken(analyst.id, now) };
  }

  /** A sealed `<analyst id>.<expiry ms>`: only this server's key makes or opens one. */
  #deviceToken(analystId: string, now: Date): string {
    return this.deps.secrets.sealText('device', `${analystId}.${now.getTime() + KNOWN_DEVICE_MS}`);
  }

  /** The analyst a known-device token was made for, while it is valid. */
  #deviceAnalyst(token: string | undefined): string | undefined {
    if (!token || token.length > 512) return undefined;
    try {
      const opened = this.deps.secrets.openText('device', token);
      const dot = opened.lastIndexOf('.');
      const until = Number(opened.slice(dot + 1));
      if (dot <= 0 || !(until > this.deps.clock.now().getTime())) return undefined;
      return opened.slice(0, dot);
    } catch {
      return undefined; // tampered with, another server's key, or not a token at all
    }
  }

  /** The session and analyst behind a cookie value, or undefined when unknown, expired or disabled. */
  async authenticate(
    sessionId: string | undefined,
  ): Promise<{ analyst: Analyst; session: AnalystSession } | undefined> {
    if (!sessionId || !/^[0-9a-f]{64}$/.test(sessionId)) return undefined;
    const session = await this.deps.store.getSession(this.deps.sha256Hex(sessionId));
    if (!session || session.expiresAt.getTime() <= this.deps.clock.now().getTime()) return undefined;
    const analyst = await this.deps.store.getAnalyst(session.analystId);
    if (!analyst || analyst.disabled) return undefined;
    return { analyst, session };
  }

  /** Ends a session. */
  async signOut(sessionId: string, analyst: Analyst): Promise<void> {
    await this.deps.store.deleteSession(this.deps.sha256Hex(sessionId));
    await this.deps.store.appendAudit(
      { actor: analyst.id, action: 'sign_out', subjectType: 'analyst', subjectId: analyst.id, details: {} },
      this.deps.clock.now(),
    );
  }

  /** Starts TOTP enrolment: a new secret, kept in memory by the caller until confirmed. */
  startTotp(analyst: Analyst): { secret: string; otpauthUrl: string } {
    const secret = this.deps.totp.newSecret();
    return {
      secret,
      otpauthUrl: this.deps.totp.uri(secret, analyst.username, this.deps.issuer ?? 'Hashline'),
    };
  }

  /**
   * Confirms enrolment with a code from the app; from then on sign-in needs a code.
   * @throws {DomainError} TOTP_INVALID
   */
  async confirmTotp(analyst: Analyst, secret: string, code: unknown): Promise<void> {
    if (typeof code !== 'string' || !this.deps.totp.verify(secret, code.trim(), this.deps.clock.now())) {
      throw new DomainError('TOTP_INVALID');
    }
    await this.deps.store.updateAnalyst(analyst.id, {
      totpSecretSealed: this.deps.secrets.sealText('totp', secret),
    });
    await this.deps.store.appendAudit(
      {
        actor: analyst.id,
        action: 'totp_enrolled',
        subjectType: 'analyst',
        subjectId: analyst.id,
        details: {},
      },
      this.deps.clock.now(),
    );
  }

  /**
   * Creates a staff account (admins, or the CLI for the first admin: `actor` null).
   * @throws {DomainError} VALIDATION_FAILED, USERNAME_TAKEN
   */
  async createAnalyst(body: unknown, actor: Analyst | null): Promise<Analyst> {
    if (!isRecord(body))
      throw new DomainError('VALIDATION_FAILED', 'Send { username, displayName, role, password }.');
    const { username, displayName, role, password } = body;
    const problems: string[] = [];
    if (typeof username !== 'string' || !/^[a-z0-9._-]{2,64}$/.test(username.trim().toLowerCase()))
      problems.push('username: 2–64 of a–z, 0–9, . _ -');
    if (typeof displayName !== 'string' || displayName.trim() === '' || displayName.length > 100)
      problems.push('displayName: 1–100 characters');
    if (!(ANALYST_ROLES as readonly unknown[]).includes(role))
      problems.push(`role: one of ${ANALYST_ROLES.join(', ')}`);
    if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH || password.length > 200)
      problems.push(`password: ${MIN_PASSWORD_LENGTH}–200 characters`);
    if (problems.length > 0) throw new DomainError('VALIDATION_FAILED', problems.join('; '));
    const now = this.deps.clock.now();
    const analyst = await this.deps.store.createAnalyst({
      id: newOpaqueId(this.deps.random),
      username: (username as string).trim().toLowerCase(),
      displayName: (displayName as string).trim(),
      role: role as AnalystRole,
      passwordHash: await this.deps.passwords.hash(password as string),
      totpSecretSealed: null,
      disabled: false,
      createdAt: now,
      updatedAt: now,
    });
    await this.deps.store.appendAudit(
      {
        actor: actor?.id ?? 'system:cli',
        action: 'analyst_created',
        subjectType: 'analyst',
        subjectId: analyst.id,
        details: { username: analyst.username, role: analyst.role },
      },
      now,
    );
    return analyst;
  }
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
