import type { Analyst } from './hotline-records.js';

/** Who can appear as an audit row's actor, for naming them: staff accounts and API keys. */
export interface AuditActorDirectory {
  readonly analysts: readonly Pick<Analyst, 'id' | 'username' | 'displayName'>[];
  readonly apiKeys: readonly { readonly id: string; readonly name: string }[];
}

/**
 * The readable name of an audit row's actor. The log itself keeps stable ids (an analyst's id,
 * `apikey:<id>`, `system:<job>`), so renaming an account never rewrites the hash chain; people
 * reading the log see names: "Ann Peeters (ann)", `API key "platform-x"`, "system (retention)",
 * "four eyes: Ann Peeters (ann) and Bert Claes (bert)".
 * An id no longer in the directory (a deleted key) is shown as it is, marked unknown.
 * Returns null for a row without actor (an anonymous public action).
 */
export function auditActorName(actor: string | null, directory: AuditActorDirectory): string | null {
  if (actor === null) return null;
  const keyPrefix = ['api-key:', 'apikey:'].find((prefix) => actor.startsWith(prefix));
  if (keyPrefix !== undefined) {
    const id = actor.slice(keyPrefix.length);
    const key = directory.apiKeys.find((k) => k.id === id);
    return key ? `API key "${key.name}"` : `API key ${id} (no longer exists)`;
  }
  if (actor.startsWith('system:')) return `system (${actor.slice('system:'.length)})`;
  // The four-eyes publication names both analysts (`hotline:<a>+<b>`).
  if (actor.startsWith('hotline:')) {
    const names = actor
      .slice('hotline:'.length)
      .split('+')
      .map((id) => auditActorName(id, directory));
    return `four eyes: ${names.join(' and ')}`;
  }
  const analyst = directory.analysts.find((a) => a.id === actor);
  return analyst ? `${analyst.displayName} (${analyst.username})` : `${actor} (unknown account)`;
}
