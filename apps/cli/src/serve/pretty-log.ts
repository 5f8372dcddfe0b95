import { pino, type Logger } from 'pino';

/** pino's numeric levels, as names for the pretty lines. */
const LEVEL_NAMES: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};

/**
 * Fields printed after the message, in this order. A whitelist: anything else a log call carries
 * (headers, bodies) is never printed, whatever a route logs. The server's own redaction still
 * applies to JSON logs.
 */
const FIELDS = [
  'route',
  'status',
  'ms',
  'key',
  'url',
  'signal',
  'pdqEntries',
  'appliedSeq',
  'reqId',
] as const;

/**
 * Turns one pino JSON line into a short human line: `12:03:04 INFO  POST /v1/match 200 3.1 ms key=ab12`
 * for request lines, `12:03:04 WARN  <message> field=value` for the others, and the error's code
 * and message (not its stack) when one is attached.
 */
export function prettyLogLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toTimeString().slice(0, 8) : '--:--:--';
  const level = LEVEL_NAMES[entry.level as number] ?? String(entry.level);
  const msg = typeof entry.msg === 'string' ? entry.msg : '';
  if (msg === 'request' && typeof entry.method === 'string') {
    const key = typeof entry.key === 'string' ? ` key=${entry.key}` : '';
    return `${time} ${level} ${entry.method} ${String(entry.route)} ${String(entry.status)} ${String(entry.ms)} ms${key}\n`;
  }
  const fields = FIELDS.filter((name) => entry[name] !== undefined && entry[name] !== null).map(
    (name) => `${name}=${String(entry[name])}`,
  );
  const err = entry.err as { type?: unknown; code?: unknown; message?: unknown } | undefined;
  if (err && typeof err === 'object') {
    fields.push(
      `error=${[err.code, err.message].filter((p) => typeof p === 'string').join(': ') || String(err.type)}`,
    );
  }
  return `${time} ${level} ${msg}${fields.length > 0 ? `  ${fields.join(' ')}` : ''}\n`;
}

/** A pino logger at `level` that writes {@link prettyLogLine}s to `out` (for a terminal). */
export function createPrettyLogger(out: NodeJS.WritableStream, level: string): Logger {
  return pino(
    {
      level,
      // As the server's own logger: secrets in headers are never written, even by a stray log call.
      redact: {
        paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie'],
        censor: '[redacted]',
      },
    },
    { write: (line: string) => void out.write(prettyLogLine(line)) },
  );
}
