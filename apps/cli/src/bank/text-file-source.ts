import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** Bytes and lines read so far from a {@link readTextFile} source. */
export interface ReadProgress {
  bytes: number;
  lines: number;
}

/**
 * Streams a file as UTF-8 text chunks (at most `chunkBytes` each), holding one chunk at a time: the
 * `AsyncIterable<string>` the domain's hash-list parsers read. A multi-byte character split
 * between two reads is decoded whole. `progress` is updated as chunks are handed out.
 */
export async function* readTextFile(
  path: string,
  progress: ReadProgress = { bytes: 0, lines: 0 },
  chunkBytes = 1 << 18,
): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  const stream = createReadStream(path, { highWaterMark: chunkBytes });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      progress.bytes += chunk.length;
      const text = decoder.write(chunk);
      progress.lines += countLines(text);
      if (text !== '') yield text;
    }
    const rest = decoder.end();
    if (rest !== '') yield rest;
  } finally {
    // Also when the consumer stops early (an aborted import): release the file at once.
    stream.destroy();
  }
}

function countLines(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) count++;
  return count;
}
