import {
  DomainError,
  requireRole,
  type Analyst,
  type AuditAction,
  type AuditEvent,
  type HotlineStore,
} from '@hashline/domain';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app.js';
import { problems } from '../http/schemas.js';

const tags = ['hotline workbench'];
/** Most alerts the page lists (newest first). */
const MAX_ALERTS = 200;
/** Longest reason for lifting a suspension (it goes to the audit log). */
const MAX_REASON = 500;

/** One probing alert as the workbench shows it. */
export interface SecurityAlertView {
  readonly seq: number;
  readonly at: string;
  readonly keyId: string;
  /** The key's name, or null when the key no longer exists. */
  readonly keyName: string | null;
  readonly rule: 'cluster' | 'threshold_edge';
  /** The queries the rule counted. */
  readonly queries: number;
  /** Whether the alert suspended the key. */
  readonly suspended: boolean;
  /** Whether the key is still suspended by it now (not lifted, not reinstated). */
  readonly suspendedNow: boolean;
  /** When an admin or senior analyst lifted the suspension, or null. */
  readonly liftedAt: string | null;
}

/** Every audit row of `action`, oldest first (alerts are rare: a few pages at most). */
export async function allAuditRowsOf(store: HotlineStore, action: AuditAction): Promise<AuditEvent[]> {
  const rows: AuditEvent[] = [];
  for (;;) {
    const page = await store.listAudit({ action, limit: 1000, afterSeq: rows.at(-1)?.seq ?? 0 });
    rows.push(...page);
    if (page.length < 1000) return rows;
  }
}

/**
 * The workbench's security alerts (issue 15): the probing alerts raised on verdict-only API keys,
 * newest first, with the key's name and whether it is still suspended; an admin or senior analyst
 * lifts a suspension with a reason (the key works again, its probing history starts afresh, and
 * the audit log records who, when and why). Registered in the workbench scope (session + CSRF).
 */
export async function securityAlertRoutes(app: FastifyInstance, context: AppContext): Promise<void> {
  const me = (request: FastifyRequest): Analyst => request.analyst!.analyst;
  const noStore = (reply: FastifyReply): void => void reply.header('cache-control', 'no-store');
  const audit = context.hotline.store;

  const listAlerts = async (): Promise<SecurityAlertView[]> => {
    const [alerts, lifts, keys] = await Promise.all([
      allAuditRowsOf(audit, 'api_key_probing_suspected'),
      allAuditRowsOf(audit, 'api_key_suspension_lifted'),
      context.store.listApiKeys(),
    ]);
    const byId = new Map(keys.map((key) => [key.id, key]));
    return alerts
      .slice(-MAX_ALERTS)
      .reverse()
      .map((row) => {
        const key = byId.get(row.subjectId);
        const lift = lifts.find((l) => l.subjectId === row.subjectId && l.seq > row.seq);
        const suspended = row.details.suspended === true;
        return {
          seq: row.seq,
          at: row.at.toISOString(),
          keyId: row.subjectId,
          keyName: key?.name ?? null,
          // Alerts raised before the threshold-edge rule existed came from the cluster rule.
          rule: row.details.rule === 'threshold_edge' ? 'threshold_edge' : 'cluster',
          queries: Number(row.details.nearQueries ?? 0),
          suspended,
          suspendedNow: suspended && !lift && key?.revokedAt != null,
          liftedAt: lift ? lift.at.toISOString() : null,
        };
      });
  };

  app.get(
    '/v1/workbench/security/alerts',
    {
      schema: {
        tags,
        summary: 'Probing alerts on verdict-only API keys (senior analysts and admins)',
        response: problems(403),
      },
    },
    async (request, reply) => {
      requireRole(me(request), 'senior_analyst');
      noStore(reply);
      return { items: await listAlerts() };
    },
  );

  app.post<{ Params: { keyId: string }; Body: unknown }>(
    '/v1/workbench/security/alerts/:keyId/lift',
    {
      bodyLimit: 4096,
      schema: {
        tags,
        summary: 'Lift the suspension of an API key a probing alert suspended (senior analysts and admins)',
        description:
          'The key works again at once in this process (within the key cache time in others), its probing history starts afresh, and the audit log records the lift with its reason.',
        response: problems(400, 403, 404, 409),
      },
    },
    async (request, reply) => {
      const analyst = me(request);
      requireRole(analyst, 'senior_analyst');
      const body = request.body as { reason?: unknown } | null;
      const reason = typeof body?.reason === 'string' ? body.reason.trim() : '';
      if (reason.length === 0 || reason.length > MAX_REASON) {
        throw new DomainError('VALIDATION_FAILED', `reason: say why, in 1 to ${MAX_REASON} characters.`, [
          { at: 'reason', code: 'VALIDATION_FAILED', message: `1 to ${MAX_REASON} characters.` },
        ]);
      }
      const keyId = request.params.keyId;
      const key = await context.store.getApiKey(keyId);
      if (!key) throw new DomainError('API_KEY_NOT_FOUND', `No API key has id ${keyId}.`);
      const alert = (await listAlerts()).find((a) => a.keyId === keyId && a.suspendedNow);
      if (!alert) {
        throw new DomainError('CONFLICT', 'This API key is not suspended by a probing alert.');
      }
      await context.store.reinstateApiKey(keyId);
      try {
        await audit.appendAudit(
          {
            actor: analyst.id,
            action: 'api_key_suspension_lifted',
            subjectType: 'api_key',
            subjectId: keyId,
            details: { reason, alertSeq: alert.seq },
          },
          context.clock.now(),
        );
      } catch (error) {
        // No lift without its audit row: the key is suspended again and the lift can be repeated.
        await context.store.revokeApiKey(keyId).catch(() => undefined);
        throw error;
      }
      await context.verdict.forget(keyId);
      context.authenticator.forget(keyId);
      noStore(reply);
      return { items: await listAlerts() };
    },
  );
}
