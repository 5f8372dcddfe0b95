import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { PrintableDocument } from '@hashline/domain';
import fontkit from '@pdf-lib/fontkit';
import { PDFDocument, rgb, type PDFFont, type PDFPage } from 'pdf-lib';

/** A4 in PostScript points. */
const PAGE = { width: 595.28, height: 841.89 } as const;
const MARGIN = 50;
const LABEL_WIDTH = 140;
const BODY_SIZE = 9;
const MONO_SIZE = 8.5;
const LINE = 12;

/**
 * The faces the PDF embeds: DejaVu Sans, Sans Bold and Sans Mono from the `dejavu-fonts-ttf` npm
 * package (Bitstream Vera licence, DejaVu changes public domain). PDF's standard fonts speak
 * WinAnsi only, which printed `?` for Ł, ő, Greek and Cyrillic host names and page titles; DejaVu
 * covers Latin, Greek and Cyrillic. Read once per process.
 */
const FONT_FILES = {
  regular: 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf',
  bold: 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf',
  mono: 'dejavu-fonts-ttf/ttf/DejaVuSansMono.ttf',
} as const;
/** Fixed subset names (pdf-lib would add a random tag), so the same document gives the same bytes. */
const FONT_NAMES = {
  regular: 'HLDJVA+DejaVuSans',
  bold: 'HLDJVB+DejaVuSans-Bold',
  mono: 'HLDJVM+DejaVuSansMono',
};
type FontKey = keyof typeof FONT_FILES;
let fontBytes: Promise<Record<FontKey, Uint8Array>> | undefined;

function loadFontBytes(): Promise<Record<FontKey, Uint8Array>> {
  fontBytes ??= (async () => {
    const require = createRequire(import.meta.url);
    const entries = await Promise.all(
      (Object.keys(FONT_FILES) as FontKey[]).map(
        async (key) => [key, new Uint8Array(await readFile(require.resolve(FONT_FILES[key])))] as const,
      ),
    );
    return Object.fromEntries(entries) as Record<FontKey, Uint8Array>;
  })();
  fontBytes.catch(() => (fontBytes = undefined));
  return fontBytes;
}

/**
 * Renders a printable document (the referral package summary) as a PDF: text only, in DejaVu
 * (Sans, and Sans Mono for hashes and URLs; subsets embedded), never an image or an embedded file,
 * so the printout can carry nothing but what the JSON package says. Latin, Greek and Cyrillic
 * print as written; a character the fonts lack (an emoji, CJK) is printed as `?`. Deterministic
 * for a given document and `createdAt`.
 */
export async function renderPrintablePdf(doc: PrintableDocument, createdAt: Date): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.registerFontkit(fontkit);
  pdf.setTitle(encodeable(doc.title, null));
  pdf.setSubject(
    encodeable(doc.subject ?? 'Referral package summary (hashes and trace only, no media)', null),
  );
  pdf.setProducer('Hashline');
  pdf.setCreator('Hashline');
  pdf.setCreationDate(createdAt);
  pdf.setModificationDate(createdAt);
  const bytes = await loadFontBytes();
  const embed = (key: FontKey) => pdf.embedFont(bytes[key], { subset: true, customName: FONT_NAMES[key] });
  const fonts = { regular: await embed('regular'), bold: await embed('bold'), mono: await embed('mono') };
  const writer = new PageWriter(pdf, fonts);
  writer.paragraph(doc.title, fonts.bold, 15, 20);
  writer.paragraph(doc.subtitle, fonts.regular, BODY_SIZE, LINE);
  writer.gap(8);
  for (const section of doc.sections) {
    writer.gap(6);
    writer.ensure(LINE * 3);
    writer.paragraph(section.heading, fonts.bold, 11, 15);
    for (const row of section.rows) writer.row(row.label, row.value, row.mono === true);
  }
  writer.gap(10);
  writer.paragraph(doc.footer, fonts.regular, 8, 10);
  writer.numberPages(doc.pageNumber ?? 'Page {n} of {total}');
  return pdf.save({ useObjectStreams: false });
}

/** Replaces what `font` has no glyph for with `?` (so a missing glyph is visible, not an empty box). */
function encodeable(text: string, font: PDFFont | null): string {
  const clean = text.replace(/[\r\n\t]+/g, ' ');
  if (!font) return clean;
  const supported = charsetOf(font);
  return [...clean].map((c) => (supported.has(c.codePointAt(0)!) ? c : '?')).join('');
}

const charsets = new WeakMap<PDFFont, Set<number>>();
function charsetOf(font: PDFFont): Set<number> {
  let set = charsets.get(font);
  if (!set) {
    set = new Set(font.getCharacterSet());
    charsets.set(font, set);
  }
  return set;
}

/** Breaks text into lines no wider than `width`: at spaces, and inside words too long for a line. */
function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  const fits = (s: string) => font.widthOfTextAtSize(s, size) <= width;
  for (const word of text.split(' ')) {
    const candidate = line === '' ? word : `${line} ${word}`;
    if (fits(candidate)) {
      line = candidate;
      continue;
    }
    if (line !== '') lines.push(line);
    line = '';
    // A hash or URL longer than the line: split it by characters.
    // Binary search for the longest prefix that fits (measuring an embedded font runs its layout
    // engine: one measure per halving, not per character). Code points, never half a pair.
    let rest = [...word];
    while (!fits(rest.join(''))) {
      let low = 1;
      let high = rest.length - 1;
      while (low < high) {
        const mid = Math.ceil((low + high) / 2);
        if (fits(rest.slice(0, mid).join(''))) low = mid;
        else high = mid - 1;
      }
      lines.push(rest.slice(0, low).join(''));
      rest = rest.slice(low);
    }
    line = rest.join('');
  }
  if (line !== '' || lines.length === 0) lines.push(line);
  return lines;
}

/** Lays text out top to bottom, starting a new page when one is full. */
class PageWriter {
  readonly #pdf: PDFDocument;
  readonly #fonts: { readonly regular: PDFFont; readonly bold: PDFFont; readonly mono: PDFFont };
  readonly #pages: PDFPage[];
  #page: PDFPage;
  #y: number;

  constructor(pdf: PDFDocument, fonts: { regular: PDFFont; bold: PDFFont; mono: PDFFont }) {
    this.#pdf = pdf;
    this.#fonts = fonts;
    this.#pages = [];
    this.#page = this.#newPage();
    this.#y = PAGE.height - MARGIN;
  }

  gap(points: number): void {
    this.#y -= points;
  }

  /** Starts a new page unless `points` of height are left. */
  ensure(points: number): void {
    if (this.#y - points < MARGIN + LINE) {
      this.#page = this.#newPage();
      this.#y = PAGE.height - MARGIN;
    }
  }

  paragraph(text: string, font: PDFFont, size: number, lineHeight: number): void {
    for (const line of wrap(encodeable(text, font), font, size, PAGE.width - 2 * MARGIN)) {
      this.ensure(lineHeight);
      this.#y -= lineHeight;
      this.#page.drawText(line, { x: MARGIN, y: this.#y, size, font, color: rgb(0, 0, 0) });
    }
  }

  row(label: string, value: string, mono: boolean): void {
    const font = mono ? this.#fonts.mono : this.#fonts.regular;
    const size = mono ? MONO_SIZE : BODY_SIZE;
    const labelLines = wrap(
      encodeable(label, this.#fonts.bold),
      this.#fonts.bold,
      BODY_SIZE,
      LABEL_WIDTH - 8,
    );
    const valueLines = wrap(encodeable(value, font), font, size, PAGE.width - 2 * MARGIN - LABEL_WIDTH);
    const count = Math.max(labelLines.length, valueLines.length);
    for (let i = 0; i < count; i++) {
      this.ensure(LINE);
      this.#y -= LINE;
      const labelLine = labelLines[i];
      const valueLine = valueLines[i];
      if (labelLine)
        this.#page.drawText(labelLine, { x: MARGIN, y: this.#y, size: BODY_SIZE, font: this.#fonts.bold });
      if (valueLine) this.#page.drawText(valueLine, { x: MARGIN + LABEL_WIDTH, y: this.#y, size, font });
    }
  }

  /** Writes "page n of m" (the document's words, `{n}` and `{total}`) at the foot of every page. */
  numberPages(template: string): void {
    this.#pages.forEach((page, i) => {
      const text = template.replace('{n}', String(i + 1)).replace('{total}', String(this.#pages.length));
      page.drawText(encodeable(text, this.#fonts.regular), {
        x: MARGIN,
        y: MARGIN / 2,
        size: 7,
        font: this.#fonts.regular,
        color: rgb(0.35, 0.35, 0.35),
      });
    });
  }

  #newPage(): PDFPage {
    const page = this.#pdf.addPage([PAGE.width, PAGE.height]);
    this.#pages.push(page);
    return page;
  }
}
