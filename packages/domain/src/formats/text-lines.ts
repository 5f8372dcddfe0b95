import type { TextSource } from './import-record.js';

/** Splits chunked text into lines (LF or CRLF), numbered from 1, holding one line at a time. */
export async function* textLines(source: TextSource): AsyncGenerator<{ line: number; text: string }> {
  let pending = '';
  let line = 0;
  let first = true;
  for await (let chunk of source) {
    if (first) {
      chunk = chunk.replace(/^\uFEFF/, ''); // a UTF-8 byte order mark is not data
      first = false;
    }
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const text = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      yield { line: ++line, text: text.endsWith('\r') ? text.slice(0, -1) : text };
    }
  }
  if (pending.length > 0)
    yield { line: ++line, text: pending.endsWith('\r') ? pending.slice(0, -1) : pending };
}

/** The lines of one chunk of text: `lines[i]` is line number `first + i`. */
export interface TextLineBatch {
  readonly first: number;
  readonly lines: readonly string[];
}

/**
 * {@link textLines} a chunk at a time: the complete lines of each chunk, numbered from 1 (a line
 * split across chunks goes with the chunk that ends it). One await per chunk instead of one per
 * line, so a parser can loop over a chunk's lines synchronously.
 */
export async function* textLineBatches(source: TextSource): AsyncGenerator<TextLineBatch> {
  let pending = '';
  let next = 1;
  let first = true;
  for await (let chunk of source) {
    if (first) {
      chunk = chunk.replace(/^\uFEFF/, ''); // a UTF-8 byte order mark is not data
      first = false;
    }
    const text = pending + chunk;
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      pending = text;
      continue;
    }
    pending = text.slice(end + 1);
    const lines = text.slice(0, end).split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
    }
    yield { first: next, lines };
    next += lines.length;
  }
  if (pending.length > 0)
    yield { first: next, lines: [pending.endsWith('\r') ? pending.slice(0, -1) : pending] };
}

/**
 * Splits one delimited line into fields, RFC 4180 style: a field in double quotes may contain the
 * delimiter and doubled quotes. Returns null when a quote is left open (multi-line fields are not
 * supported in hash lists).
 */
export function splitDelimited(text: string, delimiter: string): string[] | null {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote < 0) return null;
        value += text.slice(i, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      fields.push(value);
      if (i >= text.length) return fields;
      if (text[i] !== delimiter) return null;
      i++;
    } else {
      const end = text.indexOf(delimiter, i);
      if (end < 0) {
        fields.push(text.slice(i));
        return fields;
      }
      fields.push(text.slice(i, end));
      i = end + 1;
    }
  }
}
