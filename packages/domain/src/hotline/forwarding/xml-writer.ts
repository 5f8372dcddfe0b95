/**
 * A minimal XML tree and serializer: every text and attribute value is escaped here, in one
 * place, so no caller ever concatenates a raw value into markup.
 */
export interface XmlElement {
  readonly name: string;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly children?: readonly XmlElement[];
  /** Text content (mutually exclusive with children in the documents we write). */
  readonly text?: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** An element; `undefined`/`null` children are dropped so optional parts read naturally. */
export function el(
  name: string,
  content?: string | readonly (XmlElement | null | undefined | false)[],
  attributes?: Readonly<Record<string, string>>,
): XmlElement {
  return {
    name,
    ...(attributes ? { attributes } : {}),
    ...(typeof content === 'string'
      ? { text: content }
      : content
        ? { children: content.filter((c): c is XmlElement => !!c) }
        : {}),
  };
}

/** An element with text, or nothing when the value is absent (for optional elements). */
export function optionalText(
  name: string,
  value: string | number | boolean | null | undefined,
): XmlElement | null {
  return value === null || value === undefined || value === '' ? null : el(name, String(value));
}

/**
 * Removes what XML 1.0 cannot carry at all (C0 controls but tab, CR, LF; U+FFFE/U+FFFF; unpaired
 * surrogates): escaping cannot represent them, and a parser would reject the document.
 */
export function xmlSafeText(value: string): string {
  return value.replace(
    // eslint-disable-next-line no-control-regex -- matching the control characters XML forbids is the point
    /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    '',
  );
}

/** Escapes text content: `&`, `<`, `>` (the last for `]]>`). */
export function escapeText(value: string): string {
  return xmlSafeText(value).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes an attribute value (double-quoted), including the whitespace a parser would normalise. */
export function escapeAttribute(value: string): string {
  return escapeText(value)
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/**
 * Serialises a document with an XML declaration, two-space indentation, and every value escaped.
 * @throws {Error} for an element or attribute name that is not a plain XML name (a programming error)
 */
export function renderXmlDocument(root: XmlElement, comment?: string): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  if (comment) lines.push(`<!-- ${xmlSafeText(comment).replace(/--+/g, '-')} -->`);
  const write = (node: XmlElement, depth: number): void => {
    if (!NAME.test(node.name)) throw new Error(`Not an XML name: ${JSON.stringify(node.name)}`);
    const attrs = Object.entries(node.attributes ?? {})
      .map(([k, v]) => {
        if (!NAME.test(k) && !/^xmlns(:[A-Za-z_][\w.-]*)?$|^[A-Za-z_][\w.-]*:[A-Za-z_][\w.-]*$/.test(k)) {
          throw new Error(`Not an XML attribute name: ${JSON.stringify(k)}`);
        }
        return ` ${k}="${escapeAttribute(v)}"`;
      })
      .join('');
    const pad = '  '.repeat(depth);
    if (node.children && node.children.length > 0) {
      lines.push(`${pad}<${node.name}${attrs}>`);
      for (const child of node.children) write(child, depth + 1);
      lines.push(`${pad}</${node.name}>`);
    } else if (node.text !== undefined && node.text !== '') {
      lines.push(`${pad}<${node.name}${attrs}>${escapeText(node.text)}</${node.name}>`);
    } else {
      lines.push(`${pad}<${node.name}${attrs}/>`);
    }
  };
  write(root, 0);
  return `${lines.join('\n')}\n`;
}
