import type {
  HashExchange,
  HashExchangeClient,
  HashExchangeClientContext,
  HashExchangeClientFactory,
} from '@hashline/domain';
import { createExchangeHttp, type ExchangeHttpDeps } from './exchange-http.js';
import {
  createNcmecExchangeClient,
  type NcmecExchangeDeps,
  type NcmecExchangeOptions,
} from './ncmec-client.js';
import { createStopNciiExchangeClient, type StopNciiExchangeOptions } from './stopncii-client.js';
import {
  createThreatExchangeClient,
  type ThreatExchangeExchangeDeps,
  type ThreatExchangeExchangeOptions,
} from './threatexchange-client.js';

/**
 * The three clients as the engine builds them from a stored exchange: its `endpointUrl` (the
 * API root), its flat `options` (plain values) and its opened `credentials` (strings), checked by
 * `validate` when the exchange is created or changed (field → message, never the values), and
 * turned into the typed options of each factory by `create`: the engine's
 * `HashExchangeClientFactory`, registered in `../hash-exchange-clients.ts`.
 *
 * | type | options | credentials |
 * | --- | --- | --- |
 * | `ncmec` | `startTime` (ISO date), `onlyMemberIds` (member ids, comma-separated), `negativeFeedbackReason` | `username`, `password` |
 * | `stopncii` | `pageSize`, `startTimestamp` (unix seconds) | `subscriptionKey`, `fetchFunctionKey`, `feedbackFunctionKey` (for votes) |
 * | `threatexchange` | `privacyGroupId` (required), `pageSize`, `startTime` (unix seconds) | `accessToken` |
 */

/** An exchange's per-type settings as stored: plain values only. */
export type FlatExchangeOptions = HashExchange['options'];
/** An exchange's credentials as opened: strings only. */
export type FlatExchangeCredentials = HashExchangeClientContext['credentials'];

/** A problem with one field of an exchange's configuration (`endpointUrl`, `options/x`, `credentials/y`). */
export interface ExchangeConfigProblem {
  readonly at: string;
  readonly message: string;
}

/**
 * The engine's client factory, needing only the exchange's endpoint and options, and with the
 * configuration check these three always have.
 */
export interface ExchangeClientFactory extends HashExchangeClientFactory {
  create(context: {
    readonly exchange: Pick<HashExchange, 'endpointUrl' | 'options'>;
    readonly credentials: FlatExchangeCredentials;
  }): HashExchangeClient;
  validate(config: {
    readonly endpointUrl: string;
    readonly options: FlatExchangeOptions;
    readonly credentials: FlatExchangeCredentials;
  }): readonly ExchangeConfigProblem[];
}

/** The NCMEC hash-sharing type. */
export function ncmecExchangeClients(deps: NcmecExchangeDeps = {}): ExchangeClientFactory {
  return factory(
    'NCMEC',
    deps,
    (endpointUrl, o, c, problems): NcmecExchangeOptions => {
      const fields = new Fields(o, c, problems, ['startTime', 'onlyMemberIds', 'negativeFeedbackReason']);
      const startTime = fields.option(
        'startTime',
        'string',
        'A date and time (ISO 8601), e.g. 2026-01-01T00:00:00Z.',
      );
      if (startTime !== undefined && Number.isNaN(Date.parse(startTime))) {
        problems.push({
          at: 'options/startTime',
          message: 'A date and time (ISO 8601), e.g. 2026-01-01T00:00:00Z.',
        });
      }
      const members = o.onlyMemberIds;
      let onlyMemberIds: string[] | null = null;
      if (typeof members === 'number' && Number.isInteger(members)) onlyMemberIds = [String(members)];
      else if (typeof members === 'string' && /^\s*\d+(\s*,\s*\d+)*\s*$/.test(members)) {
        onlyMemberIds = members.split(',').map((m) => m.trim());
      } else if (members !== undefined) {
        problems.push({
          at: 'options/onlyMemberIds',
          message: "NCMEC member ids, comma-separated (e.g. '42,43').",
        });
      }
      const negativeFeedbackReason = fields.option(
        'negativeFeedbackReason',
        'string',
        "The reason a 'false positive' vote gives: a reason's guid or name from NCMEC's list.",
      );
      const username = fields.credential('username', 'The hash-sharing account name.');
      const password = fields.credential('password', 'The hash-sharing account password.');
      if (username?.includes(':'))
        problems.push({ at: 'credentials/username', message: 'A name without ":".' });
      return {
        baseUrl: endpointUrl,
        credentials: { username: username ?? '', password: password ?? '' },
        startTime: startTime ?? null,
        onlyMemberIds,
        negativeFeedbackReason: negativeFeedbackReason ?? null,
      };
    },
    createNcmecExchangeClient,
    // Votes on entries (PUT …/entries/{member}/{id}/{type}/feedback); NCMEC takes no hashes from us here.
    () => ({ upload: false, feedback: true }),
  );
}

/** The StopNCII type. */
export function stopNciiExchangeClients(deps: ExchangeHttpDeps = {}): ExchangeClientFactory {
  return factory(
    'StopNCII',
    deps,
    (endpointUrl, o, c, problems): StopNciiExchangeOptions => {
      const fields = new Fields(o, c, problems, ['pageSize', 'startTimestamp']);
      const pageSize = fields.integer(
        'pageSize',
        1,
        10_000,
        'Records per page, from 1 to 10000 (default 800).',
      );
      const startTimestamp = fields.integer(
        'startTimestamp',
        0,
        Number.MAX_SAFE_INTEGER,
        'Unix seconds the first sync starts from.',
      );
      const subscriptionKey = fields.credential('subscriptionKey', 'The StopNCII subscription key.');
      const fetchFunctionKey = fields.credential(
        'fetchFunctionKey',
        "The FetchHashes endpoint's function key.",
      );
      const feedbackFunctionKey = fields.credential(
        'feedbackFunctionKey',
        "The SubmitFeedback endpoint's function key (only for votes).",
        false,
      );
      return {
        baseUrl: endpointUrl,
        credentials: {
          subscriptionKey: subscriptionKey ?? '',
          fetchFunctionKey: fetchFunctionKey ?? '',
          feedbackFunctionKey: feedbackFunctionKey ?? null,
        },
        ...(pageSize !== undefined ? { pageSize } : {}),
        startTimestamp: startTimestamp ?? null,
      };
    },
    createStopNciiExchangeClient,
    (credentials) => {
      const key = credentials?.feedbackFunctionKey;
      return typeof key === 'string' && key.length > 0
        ? { upload: false, feedback: true }
        : {
            upload: false,
            feedback: false,
            feedbackNeeds:
              "A stopncii exchange sends votes only with the SubmitFeedback endpoint's function key (credentials/feedbackFunctionKey).",
          };
    },
  );
}

/** The ThreatExchange type (one privacy group). */
export function threatExchangeClients(deps: ThreatExchangeExchangeDeps = {}): ExchangeClientFactory {
  return factory(
    'ThreatExchange',
    deps,
    (endpointUrl, o, c, problems): ThreatExchangeExchangeOptions => {
      const fields = new Fields(o, c, problems, ['privacyGroupId', 'pageSize', 'startTime']);
      const group = o.privacyGroupId;
      const privacyGroupId =
        (typeof group === 'string' && /^\d+$/.test(group)) ||
        (typeof group === 'number' && Number.isSafeInteger(group))
          ? String(group)
          : undefined;
      if (privacyGroupId === undefined) {
        problems.push({ at: 'options/privacyGroupId', message: 'The ThreatPrivacyGroup id (a number).' });
      }
      const pageSize = fields.integer(
        'pageSize',
        1,
        1_000,
        'Updates per page, from 1 to 1000 (default 500).',
      );
      const startTime = fields.integer(
        'startTime',
        0,
        Number.MAX_SAFE_INTEGER,
        'Unix seconds the first sync starts from.',
      );
      const accessToken = fields.credential('accessToken', "The app's access token (appId|secret).");
      return {
        baseUrl: endpointUrl,
        credentials: { accessToken: accessToken ?? '' },
        privacyGroupId: privacyGroupId ?? '',
        ...(pageSize !== undefined ? { pageSize } : {}),
        startTime: startTime ?? null,
      };
    },
    createThreatExchangeClient,
  );
}

/** The common part: the endpoint's URL rules, then the type's fields; `create` refuses what `validate` would. */
function factory<Options, Deps extends ExchangeHttpDeps>(
  sourceName: string,
  deps: Deps,
  read: (
    endpointUrl: string,
    options: FlatExchangeOptions,
    credentials: FlatExchangeCredentials,
    problems: ExchangeConfigProblem[],
  ) => Options,
  build: (options: Options, deps: Deps) => HashExchangeClient,
  takes?: HashExchangeClientFactory['takes'],
): ExchangeClientFactory {
  const check = (endpointUrl: string, options: FlatExchangeOptions, credentials: FlatExchangeCredentials) => {
    const problems: ExchangeConfigProblem[] = [];
    try {
      createExchangeHttp(sourceName, endpointUrl, deps);
    } catch (error) {
      problems.push({ at: 'endpointUrl', message: (error as Error).message });
    }
    const typed = read(endpointUrl, options, credentials, problems);
    return { problems, typed };
  };
  return {
    ...(takes ? { takes } : {}),
    validate: ({ endpointUrl, options, credentials }) => check(endpointUrl, options, credentials).problems,
    create({ exchange, credentials }) {
      const { problems, typed } = check(exchange.endpointUrl, exchange.options, credentials);
      if (problems.length > 0) {
        throw new RangeError(
          `The ${sourceName} exchange's configuration is not usable: ${problems.map((p) => `${p.at}: ${p.message}`).join(' ')}`,
        );
      }
      return build(typed, deps);
    },
  };
}

/** Reads flat options and credentials, noting a problem per bad field (never its value). */
class Fields {
  constructor(
    private readonly options: FlatExchangeOptions,
    private readonly credentials: FlatExchangeCredentials,
    private readonly problems: ExchangeConfigProblem[],
    known: readonly string[],
  ) {
    for (const key of Object.keys(options)) {
      if (!known.includes(key)) {
        problems.push({
          at: `options/${key}`,
          message: `Not an option of this type (it takes ${known.join(', ')}).`,
        });
      }
    }
  }

  option(key: string, type: 'string', message: string): string | undefined {
    const value = this.options[key];
    if (value === undefined) return undefined;
    if (typeof value !== type || value === '') {
      this.problems.push({ at: `options/${key}`, message });
      return undefined;
    }
    return value as string;
  }

  integer(key: string, min: number, max: number, message: string): number | undefined {
    const value = this.options[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.problems.push({ at: `options/${key}`, message });
      return undefined;
    }
    return value;
  }

  credential(key: string, message: string, required = true): string | undefined {
    const value = this.credentials?.[key];
    if (value === undefined || value === '') {
      if (required) this.problems.push({ at: `credentials/${key}`, message });
      return undefined;
    }
    return value;
  }
}
