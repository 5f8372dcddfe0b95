import { userInfo } from 'node:os';
import {
  BankService,
  delimitedHeader,
  delimitedLine,
  exportHashList,
  importHashList,
  threatExchangeLine,
  type BankEntry,
  type ExportFormat,
  type HashlineStore,
  type ImportFormat,
  type ImportSummary,
  type TextSource,
  type VpdqFrame,
  type VpdqImportItem,
  type VpdqImportSummary,
  DomainError,
  importVpdqItems,
  parseVpdqReferenceLines,
  type ErrorCode,
  type AddEntriesResult,
  type BankActor,
  type HotlineStore,
} from '@hashline/domain';
import { ApiError, type HashlineClient } from '../remote/hashline-client.js';
import { openLocalStore, type LocalTarget, type Target } from '../target/target.js';
import { importOverHttp, type RemoteImportJob } from './remote-import.js';
import type { ReadProgress } from './text-file-source.js';

/** A bank as the CLI shows it, the same in local and remote mode. */
export interface BankView {
  readonly id: number;
  readonly name: string;
  readonly kind: string;
  readonly description: string;
  readonly pdqThreshold: number;
  readonly enabled: boolean;
  readonly defaultActions: readonly string[];
  readonly entryCount: number;
  readonly createdAt: string;
}

/** Options of {@link BankBackend.importFile}. */
export interface ImportFileOptions {
  readonly format: ImportFormat;
  readonly onError: 'skip' | 'abort';
  readonly origin: string;
  readonly onProgress?: (summary: ImportSummary) => void;
  /** Remote mode: the progress bar follows the upload, then the server's job. */
  readonly follow?: (label: string, progress: ReadProgress) => void;
  /** Remote mode: the server has the file (its job, `reused` when it had this file already). */
  readonly onAccepted?: (job: RemoteImportJob) => void;
}

/** The file to import: its path (streamed to a server) and a reader of its text (local import). */
export interface ImportSource {
  readonly path: string;
  /** Called twice with `onError: 'abort'` (check, then import). */
  readonly open: () => TextSource;
}

/** What an import did. */
export type ImportResult = ImportSummary;

/** The bank operations of `hashline bank`, on the data folder (local) or through the API (remote). */
export interface BankBackend {
  readonly mode: 'local' | 'remote';
  /** Creates a bank from API-shaped fields (validated by the domain, locally or on the server). */
  createBank(input: Record<string, unknown>): Promise<BankView>;
  listBanks(): Promise<BankView[]>;
  /** The bank named `name`, or undefined. */
  findBank(name: string): Promise<BankView | undefined>;
  /**
   * Imports the file into the bank: locally by streaming `source.open()`'s text, remotely by
   * streaming the file to the server's import job and waiting for it.
   */
  importFile(bank: string, source: ImportSource, options: ImportFileOptions): Promise<ImportResult>;
  /** The bank's active entries as a file in `format`, in chunks. */
  exportBank(bank: string, format: ExportFormat): AsyncIterable<string>;
  /** Adds entries given as API fields (validated by the domain, locally or on the server), in one commit. */
  addEntries(bank: string, entries: readonly Record<string, unknown>[]): Promise<AddEntriesResult>;
  /** Adds videos (vpdq entries), in batches through the bank service or `POST .../entries`. */
  importVideos(bank: string, items: readonly VpdqImportItem[], origin: string): Promise<VpdqImportSummary>;
  /** The bank's active videos, one at a time with their frames (local mode only for now). */
  exportVideos(bank: string): AsyncIterable<{ entryId: number; key: string; frames: readonly VpdqFrame[] }>;
  close(): Promise<void>;
}

/**
 * Opens the backend for a target. Local mode opens the store (creating the data folder only when
 * `create` is set, so a mistyped `--data-dir` is reported instead of silently read as empty).
 */
export async function openBankBackend(target: Target, options: { create: boolean }): Promise<BankBackend> {
  return target.kind === 'remote'
    ? remoteBackend(target.client)
    : localBackend(target, await openLocalStore(target, options));
}

function localBackend(_target: LocalTarget, store: HashlineStore): BankBackend {
  // No match engine here: a running server follows the change log and applies these writes.
  // Every change is in the audit log with its actor (issue 15), when the store keeps one (the SQL
  // stores do); the operator's changes are refused on banks that hold published material.
  const audit = (store as { hotline?: Pick<HotlineStore, 'appendAudit'> }).hotline;
  const service = new BankService(store, undefined, {
    ...(audit
      ? {
          audit: async (event) => {
            await audit.appendAudit(
              {
                actor: event.actor,
                action: event.action,
                subjectType: 'bank',
                subjectId: event.bank,
                details: event.details,
              },
              new Date(),
            );
          },
        }
      : {}),
  });
  const view = async (bank: Awaited<ReturnType<BankService['getBank']>>): Promise<BankView> => ({
    id: bank.id,
    name: bank.name,
    kind: bank.kind,
    description: bank.description,
    pdqThreshold: bank.pdqThreshold,
    enabled: bank.enabled,
    defaultActions: bank.defaultActions,
    entryCount: await store.countEntries(bank.id),
    createdAt: bank.createdAt.toISOString(),
  });
  return {
    mode: 'local',
    createBank: async (input) => view(await service.createBank(input, operator())),
    listBanks: async () => Promise.all((await service.listBanks()).map(view)),
    findBank: async (name) => {
      const bank = await store.getBankByName(name);
      return bank ? view(bank) : undefined;
    },
    importFile: (bank, source, options) =>
      // The importer's default batch (one transaction each): measured by bench/import.bench.mjs.
      importHashList(service, bank, source.open, {
        format: options.format,
        onError: options.onError,
        origin: options.origin,
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        addedBy: operator(),
      }),
    exportBank: (bank, format) => exportHashList(service, bank, format),
    addEntries: (bank, entries) => service.addEntries(bank, entries, operator()),
    importVideos: (bank, items, origin) =>
      importVpdqItems(service, bank, items, { origin, addedBy: operator() }),
    exportVideos: async function* (bank) {
      const { bank: found } = await service.listEntries(bank, { limit: 1 });
      let afterId = 0;
      for (;;) {
        const entries = await store.listEntries(found.id, { afterId, limit: 500, signalType: 'vpdq' });
        const videos = await store.getVideoSignals(entries.map((e) => e.id));
        for (const entry of entries) {
          const video = videos.get(entry.id);
          if (video) yield { entryId: entry.id, key: entry.value, frames: video.frames };
        }
        if (entries.length < 500) return;
        afterId = entries[entries.length - 1]!.id;
      }
    },
    close: () => store.close(),
  };
}

function remoteBackend(client: HashlineClient): BankBackend {
  const bankPath = (name: string): string => `/v1/banks/${encodeURIComponent(name)}`;
  return {
    mode: 'remote',
    createBank: (input) => client.post<BankView>('/v1/banks', input),
    listBanks: async () => (await client.get<{ banks: BankView[] }>('/v1/banks')).banks,
    findBank: async (name) => {
      try {
        return await client.get<BankView>(bankPath(name));
      } catch (error) {
        if (error instanceof ApiError && error.code === 'BANK_NOT_FOUND') return undefined;
        throw error;
      }
    },
    importFile: async (bank, source, options) =>
      (await importOverHttp(client, bank, source.path, options)).summary,
    exportBank: (bank, format) => exportOverHttp(client, bankPath(bank), format),
    addEntries: (bank, entries) => client.post<AddEntriesResult>(`${bankPath(bank)}/entries`, { entries }),
    importVideos: (bank, items, origin) =>
      importVpdqItems(
        {
          // The API answers as the local service would; its problems become the same errors.
          addEntries: async (ref, entries) => {
            try {
              return await client.post<AddEntriesResult>(`${bankPath(String(ref))}/entries`, { entries });
            } catch (error) {
              if (!(error instanceof ApiError)) throw error;
              throw new DomainError(
                error.code as ErrorCode,
                error.message,
                error.details as DomainError['details'],
              );
            }
          },
        },
        bank,
        items,
        { origin, addedBy: 'api' },
      ),
    // The list pages name the videos; each entry's own page carries its frames.
    exportVideos: async function* (bank) {
      let after: number | null = 0;
      while (after !== null) {
        const page: { entries: BankEntry[]; nextAfter: number | null } = await client.get(
          `${bankPath(bank)}/entries`,
          { limit: 500, after, signalType: 'vpdq' },
        );
        for (const entry of page.entries) {
          const full = await client.get<BankEntry & { frames?: string }>(`/v1/entries/${entry.id}`);
          if (full.frames !== undefined) {
            yield { entryId: entry.id, key: entry.value, frames: parseVpdqReferenceLines(full.frames) };
          }
        }
        after = page.nextAfter;
      }
    },
    close: async () => undefined,
  };
}

/** Most entries per page when exporting over HTTP (the API's maximum page). */
const EXPORT_PAGE = 10_000;

/** Pages through `GET /v1/banks/:bank/entries` and writes the same file as the local export. */
async function* exportOverHttp(
  client: HashlineClient,
  bankPath: string,
  format: ExportFormat,
): AsyncGenerator<string> {
  const delimiter = format === 'tsv' ? '\t' : ',';
  // Fetch the first page before the header, so a missing bank fails before anything is written.
  let page = await client.get<{ entries: BankEntry[]; nextAfter: number | null }>(`${bankPath}/entries`, {
    limit: EXPORT_PAGE,
  });
  if (format !== 'threatexchange') yield delimitedHeader(delimiter);
  for (;;) {
    let chunk = '';
    for (const entry of page.entries) {
      chunk += format === 'threatexchange' ? threatExchangeLine(entry) : delimitedLine(entry, delimiter);
    }
    if (chunk !== '') yield chunk;
    if (page.nextAfter === null) return;
    page = await client.get(`${bankPath}/entries`, { limit: EXPORT_PAGE, after: page.nextAfter });
  }
}

/** Who changes banks through the local backend: an operator at the database. */
function operator(): BankActor {
  return { via: 'operator', id: localUser() };
}

/** Recorded as `addedBy` of locally imported entries: who ran the import. */
function localUser(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}
