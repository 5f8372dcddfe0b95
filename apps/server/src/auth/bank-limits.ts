import {
  DomainError,
  keyAllowsBank,
  type ApiKey,
  type BankService,
  type MatchEngine,
} from '@hashline/domain';

/**
 * Routes without a bank in their path that a key limited to named banks may not call: they span
 * every bank (the whole change feed, every webhook delivery, any import job). Such a key reads the
 * same through its banks' own routes (`/v1/banks/{bank}/changes`, `.../webhook-deliveries`,
 * `.../imports`).
 */
const SPANNING_ROUTES = new Set([
  'GET /v1/changes',
  'GET /v1/webhook-deliveries',
  'GET /v1/webhook-deliveries/:id',
  'POST /v1/webhook-deliveries/:id/redeliver',
  'GET /v1/imports/:id',
]);

function notAllowed(what: string): DomainError {
  return new DomainError('BANK_NOT_ALLOWED', `This API key is limited to named banks; ${what}.`);
}

/**
 * Enforces a key's bank list (issue 15) before a route runs: a bank in the path (by name or id)
 * must be on the list, an entry's bank too, and routes spanning every bank are refused. A key
 * without a list passes untouched. A bank the key may not use is refused the same whether it
 * exists or not, so the refusal does not tell which other banks exist.
 */
export async function enforceBankList(
  key: Pick<ApiKey, 'banks'>,
  method: string,
  route: string,
  params: unknown,
  banks: BankService,
): Promise<void> {
  if (key.banks === undefined || key.banks === null) return;
  const verb = method === 'HEAD' ? 'GET' : method;
  if (SPANNING_ROUTES.has(`${verb} ${route}`)) throw notAllowed('this route spans every bank');
  const p = (params ?? {}) as Record<string, unknown>;
  if (typeof p.bank === 'string') {
    let name = p.bank;
    if (/^\d+$/.test(name)) {
      const bank = await banks.getBank(Number(name)).catch(() => undefined);
      if (!bank) throw notAllowed(`it may not use bank ${JSON.stringify(p.bank)}`);
      name = bank.name;
    }
    if (!keyAllowsBank(key, name)) throw notAllowed(`it may not use bank ${JSON.stringify(p.bank)}`);
  }
  if (route.startsWith('/v1/entries/') && p.id !== undefined) {
    const id = Number(p.id);
    const bank = Number.isSafeInteger(id) ? await banks.bankOfEntry(id).catch(() => undefined) : undefined;
    if (!bank || !keyAllowsBank(key, bank.name)) throw notAllowed(`it may not use entry ${String(p.id)}`);
  }
}

/**
 * The banks a match of `key` runs against: the request's own filter when every bank in it is on
 * the key's list, the key's list when the request names none, the request's filter unchanged for
 * a key without a list. Banks of the list that no longer exist are left out (matching nothing).
 * @throws {DomainError} BANK_NOT_ALLOWED when the filter names a bank off the list
 */
export function matchBanksFor(
  key: Pick<ApiKey, 'banks'>,
  requested: readonly string[] | undefined,
  engine: Pick<MatchEngine, 'findBank'>,
): string[] | undefined {
  if (key.banks === undefined || key.banks === null) return requested ? [...requested] : undefined;
  if (!requested) return key.banks.filter((name) => engine.findBank(name) !== undefined);
  for (const ref of requested) {
    const bank = engine.findBank(ref);
    if (!bank || !keyAllowsBank(key, bank.name))
      throw notAllowed(`it may not match against ${JSON.stringify(ref)}`);
  }
  return [...requested];
}
