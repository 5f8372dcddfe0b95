import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_NOTICE_TEMPLATES,
  NOTICE_KINDS,
  REPORT_LANGUAGES,
  mergeNoticeTemplates,
  type NoticeKind,
  type NoticeTemplate,
  type NoticeTemplates,
  type ReportLanguage,
} from '@hashline/domain';

/**
 * The notice templates: the built-in ones, with any found in `dir` replacing them. A file is
 * named `<kind>.<language>.txt` (`host_notice.nl.txt`, `police_handover.fr.txt`); its first line
 * is `Subject: …`, then an empty line, then the plain-text body. Placeholders are
 * `{{hotlineName}}`, `{{urls}}`, `{{reference}}`, `{{date}}`, `{{legalBasis}}`, `{{contact}}`,
 * `{{referralReference}}` and `{{hostContact}}`; any other name, or a file of another name, stops
 * the server at start-up with the file named, so a typo never reaches a host.
 */
export function loadNoticeTemplates(dir: string | null): NoticeTemplates {
  if (dir === null) return DEFAULT_NOTICE_TEMPLATES;
  const overrides: Partial<Record<NoticeKind, Partial<Record<ReportLanguage, NoticeTemplate>>>> = {};
  for (const file of readdirSync(dir)) {
    const match = /^([a-z_]+)\.([a-z]{2})\.txt$/.exec(file);
    const kind = match?.[1] as NoticeKind | undefined;
    const language = match?.[2] as ReportLanguage | undefined;
    if (!kind || !language || !NOTICE_KINDS.includes(kind) || !REPORT_LANGUAGES.includes(language)) {
      throw new Error(
        `Notice template ${join(dir, file)}: name it <kind>.<language>.txt with kind ${NOTICE_KINDS.join(' or ')} and language ${REPORT_LANGUAGES.join(', ')}.`,
      );
    }
    const text = readFileSync(join(dir, file), 'utf8').replace(/\r\n/g, '\n');
    const head = /^Subject:[ \t]*(.*)\n\n/.exec(text);
    if (!head)
      throw new Error(
        `Notice template ${join(dir, file)}: the first line must be "Subject: …", then an empty line.`,
      );
    (overrides[kind] ??= {})[language] = { subject: head[1]!.trim(), body: text.slice(head[0].length) };
  }
  try {
    return mergeNoticeTemplates(overrides);
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)} (in ${dir})`, {
      cause: error,
    });
  }
}
