import type { PrintableDocument } from '@hashline/domain';
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';

/** A4 in PostScript points. */
const PAGE = { width: 595.28, height: 841.89 } as const;
const MARGIN = 50;
const LABEL_WIDTH = 140;
const BODY_SIZE = 9;
const MONO_SIZE = 8.5;
const LINE = 12;

/**
 * Renders a printable document (the referral package summary) as a PDF: text only, in the
 * standard fonts (Helvetica, Courier for hashes and URLs), never an image or an embedded file, so
 * the printout can carry nothing but what the JSON package says. Characters the standard fonts
 * cannot encode are printed as `?`. Deterministic for a given document and `createdAt`.
 */
export async function renderPrintablePdf(doc: PrintableDocument, createdAt: Date): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(encodeable(doc.title, null));
  pdf.setSubject('Referral package summary (hashes and trace only, no media)');
  pdf.setProducer('Hashline');
  pdf.setCreator('Hashline');
  pdf.setCreationDate(createdAt);
  pdf.setModificationDate(createdAt);
  const fonts = {
    regular: await pdf.embedFont(StandardFonts.Helvetica),
    bold: await pdf.embedFont(StandardFonts.HelveticaBold),
    mono: await pdf.embedFont(StandardFonts.Courier),
  };
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
  writer.numberPages();
  return pdf.save({ useObjectStreams: false });
}

/** Replaces what `font` cannot encode with `?` (the standard fonts speak WinAnsi only). */
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
    let rest = word;
    while (!fits(rest)) {
      let n = rest.length - 1;
      while (n > 1 && !fits(rest.slice(0, n))) n--;
      lines.push(rest.slice(0, n));
      rest = rest.slice(n);
    }
    line = rest;
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

  /** Writes "page n of m" at the foot of every page. */
  numberPages(): void {
    this.#pages.forEach((page, i) => {
      page.drawText(`Page ${i + 1} of ${this.#pages.length}`, {
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
