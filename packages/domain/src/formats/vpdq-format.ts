import type { BankService } from '../banks/bank.service.js';
import { isDomainError } from '../domain-error.js';
import {
  formatVpdqCompactJson,
  parseVpdqCompactJson,
  parseVpdqReferenceLines,
  type VpdqFrame,
} from '../signals/vpdq.js';
import type { BankActorInput } from '../banks/bank-actor.js';

// Video hash files, in the two shapes they travel in:
//
// - the reference hasher's output (facebook/ThreatExchange vpdq: `vpdq-hash-video`, and the files
//   of vpdq/sample-hashes): one file per video, one frame per line,
//   `frameNumber,quality,pdqHex,timestampSeconds`;
// - ThreatExchange / python-threatexchange / HMA signal lines: `vpdq,<signal>` (also named
//   `video_vpdq`, `hash_video_vpdq`), one video per line, where the signal is pytx's JSON array of
//   `"pdqHex,quality,timestamp"` strings (HMA's bank content for its vpdq signal type).
//
// A bank exports videos to either (`vpdqReferenceFileName` names the files of a directory
// bundle; `vpdqThreatExchangeLine` writes a line). Imports add videos through the bank service
// (`addEntries`, all or nothing per batch), not through the bulk path of hash lists: video files
// are few and each carries many frames.

/** The signal-type names a ThreatExchange/HMA line may give a vPDQ video. */
export const VPDQ_SIGNAL_NAMES: readonly string[] = ['vpdq', 'video_vpdq', 'hash_video_vpdq'];

/** One video read from a file, before validation by the bank service. */
export interface VpdqImportItem {
  /** Where it came from, for messages: `file.txt` or `file.txt:12`. */
  readonly where: string;
  /** The source's identifier of the video (the file's base name, when one file holds one video). */
  readonly externalId: string | null;
  readonly frames: readonly VpdqFrame[];
}

/**
 * A ThreatExchange/HMA line of one video (its frames as pytx's signal string), `vpdq <signal>`:
 * python-threatexchange's file exchange splits a line at its first space.
 */
export function vpdqThreatExchangeLine(frames: readonly VpdqFrame[]): string {
  return `vpdq ${formatVpdqCompactJson(frames)}\n`;
}

/** The file name of a video in a directory bundle: the entry id and the start of its key. */
export function vpdqReferenceFileName(entryId: number, key: string): string {
  return `${entryId}-${key.slice(0, 16)}.txt`;
}

/**
 * True when a text holds ThreatExchange/HMA lines (its first line that is neither blank nor a
 * comment starts with a vPDQ signal name and a comma or space), false when it is a reference file.
 */
export function isVpdqThreatExchangeText(text: string): boolean {
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const name = /^([a-z_]+)[,\s]/i.exec(line)?.[1]?.toLowerCase();
    return name !== undefined && (VPDQ_SIGNAL_NAMES.includes(name) || name === 'signal_type');
  }
  return false;
}

/**
 * Reads one file's videos: a reference file is one video (its external id is the file's base
 * name without extension); a ThreatExchange/HMA file is one video per vpdq line (lines of other
 * signal types are counted as skipped). Problems are returned per video, never thrown.
 */
export function readVpdqFile(
  fileName: string,
  text: string,
): { items: VpdqImportItem[]; problems: { where: string; message: string }[]; skipped: number } {
  const items: VpdqImportItem[] = [];
  const problems: { where: string; message: string }[] = [];
  let skipped = 0;
  if (!isVpdqThreatExchangeText(text)) {
    try {
      const frames = parseVpdqReferenceLines(text);
      if (frames.length === 0) problems.push({ where: fileName, message: 'No frames in this file.' });
      else items.push({ where: fileName, externalId: fileName.replace(/\.[^.]*$/, ''), frames });
    } catch (error) {
      problems.push({ where: fileName, message: messageOf(error) });
    }
    return { items, problems, skipped };
  }
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    const where = `${fileName}:${i + 1}`;
    if (line === '' || line.startsWith('#')) return;
    const match = /^([a-z_]+)\s*[,\s]\s*(.*)$/i.exec(line);
    const name = match?.[1]?.toLowerCase();
    if (name === 'signal_type') return; // a header
    if (!match || !VPDQ_SIGNAL_NAMES.includes(name!)) {
      skipped++;
      return;
    }
    try {
      items.push({ where, externalId: null, frames: parseVpdqCompactJson(match[2]!) });
    } catch (error) {
      problems.push({ where, message: messageOf(error) });
    }
  });
  return { items, problems, skipped };
}

/** What {@link importVpdqItems} did. */
export interface VpdqImportSummary {
  readonly read: number;
  readonly added: number;
  readonly existing: number;
  readonly problems: readonly { readonly where: string; readonly message: string }[];
}

/**
 * Adds videos to a bank through the bank service, `batchSize` per call (each call all or
 * nothing). A batch the service refuses is retried one video at a time, so one bad video is
 * reported with where it came from and the others are still added.
 */
export async function importVpdqItems(
  service: Pick<BankService, 'addEntries'>,
  bankRef: string | number,
  items: readonly VpdqImportItem[],
  options: { readonly origin: string; readonly addedBy: BankActorInput; readonly batchSize?: number },
): Promise<VpdqImportSummary> {
  const batchSize = options.batchSize ?? 50;
  let added = 0;
  let existing = 0;
  const problems: { where: string; message: string }[] = [];
  const entryOf = (item: VpdqImportItem) => ({
    signalType: 'vpdq',
    frames: item.frames,
    provenance: { source: options.origin, externalId: item.externalId },
  });
  for (let i = 0; i < items.length; i += batchSize) {
    const batch = items.slice(i, i + batchSize);
    try {
      const result = await service.addEntries(bankRef, batch.map(entryOf), options.addedBy);
      added += result.created.length;
      existing += result.existing.length;
    } catch (error) {
      // Only a refused video is worth retrying alone; a missing bank or a store error stops here.
      if (!isDomainError(error) || error.code === 'BANK_NOT_FOUND' || error.code === 'STORE_UNAVAILABLE')
        throw error;
      for (const item of batch) {
        try {
          const result = await service.addEntries(bankRef, [entryOf(item)], options.addedBy);
          added += result.created.length;
          existing += result.existing.length;
        } catch (single) {
          if (!isDomainError(single) || single.code === 'STORE_UNAVAILABLE') throw single;
          problems.push({ where: item.where, message: messageOf(single) });
        }
      }
    }
  }
  return { read: items.length, added, existing, problems };
}

function messageOf(error: unknown): string {
  if (isDomainError(error)) {
    const details = error.details.map((d) => `${d.at}: ${d.message}`).join('; ');
    return details ? `${error.message} (${details})` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
