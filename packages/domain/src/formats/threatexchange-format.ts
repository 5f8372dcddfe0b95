import type { BankEntry } from '../banks/bank.js';
import type { SignalType } from '../vocabulary.js';
import type { ImportRecord, TextSource } from './import-record.js';
import { textLines } from './text-lines.js';
import { VPDQ_SIGNAL_NAMES } from './vpdq-format.js';

/** Signal names of ThreatExchange, python-threatexchange and HMA, mapped to ours. */
export const THREATEXCHANGE_SIGNAL_NAMES: Readonly<Record<string, SignalType>> = {
  pdq: 'pdq',
  hash_pdq: 'pdq',
  md5: 'md5',
  video_md5: 'md5',
  hash_md5: 'md5',
  hash_video_md5: 'md5',
  sha1: 'sha1',
  hash_sha1: 'sha1',
  sha256: 'sha256',
  video_sha256: 'sha256',
  hash_sha256: 'sha256',
  hash_video_sha256: 'sha256',
};

/**
 * Parses ThreatExchange-style signal files: one `signal_type signal` (as python-threatexchange's
 * and HMA's file exchange write them) or `signal_type,signal` per line; `#` comments and an optional header are ignored.
 * Signal types we do not match on (PhotoDNA, TMK, URLs, text) are skipped with a reason.
 */
export async function* parseThreatExchange(source: TextSource, origin: string): AsyncGenerator<ImportRecord> {
  let first = true;
  for await (const { line, text } of textLines(source)) {
    const trimmed = text.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const match = /^([^,\s]+)\s*[,\s]\s*(\S+)\s*$/.exec(trimmed);
    if (!match) {
      yield { kind: 'error', line, message: 'Expected "signal_type,signal" on each line.' };
      continue;
    }
    const name = match[1]!.toLowerCase();
    if (first && (name === 'signal_type' || name === 'type' || name === 'indicator_type')) {
      first = false;
      continue;
    }
    first = false;
    const signalType = THREATEXCHANGE_SIGNAL_NAMES[name];
    if (VPDQ_SIGNAL_NAMES.includes(name)) {
      yield {
        kind: 'skipped',
        line,
        reason:
          'A vPDQ video: import ThreatExchange/HMA vpdq lines with the vpdq format (hashline bank import --format vpdq).',
      };
      continue;
    }
    if (!signalType) {
      yield {
        kind: 'skipped',
        line,
        reason: `Signal type ${match[1]} is not one Hashline matches on (pdq, md5, sha1, sha256).`,
      };
      continue;
    }
    yield { kind: 'hash', line, hash: { signalType, value: match[2]!, provenance: { source: origin } } };
  }
}

/**
 * One entry as a line python-threatexchange's file exchange and HMA read: the signal type, one
 * space, the signal (they split each line at its first space; a comma would make `pdq,<hash>` one
 * unknown signal type). PDQ is `pdq` there; they have no image MD5, SHA-1 or SHA-256 type, so
 * those keep Hashline's names (our import reads them back; pytx skips them).
 */
export function threatExchangeLine(entry: BankEntry): string {
  return `${entry.signalType} ${entry.value}\n`;
}
