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
  async signIn(body: unknown): Promise<SignedIn> {
    if (!isRecord(body) || typeof body.username !== 'string' || typeof body.password !== 'string') {
      throw new DomainError('VALIDATION_FAILED', 'Send { "username", "password", "totp"? }.');
    }
    const { store, passwords, clock } = this.deps;
    const username = body.username.trim().toLowerCase();
    const analyst = await store.getAnalystByUsername(username);
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
    if (analyst.totpSecretSealed !== null) {
      if (typeof body.totp !== 'string' || body.totp.trim() === '') throw new DomainError('TOTP_REQUIRED');
      const secret = this.deps.secrets.openText('totp', analyst.totpSecretSealed);
      if (!this.deps.totp.verify(secret, body.totp.trim(), clock.now())) {
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
    return { analyst, sessionId, session };
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
