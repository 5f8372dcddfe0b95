import type { MediaReferenceExtractor, PageMediaReference } from '@hashline/domain';
import { html as htmlSpec, parse, type DefaultTreeAdapterTypes } from 'parse5';

type Element = DefaultTreeAdapterTypes.Element;
type Node = DefaultTreeAdapterTypes.Node;
type FoundIn = PageMediaReference['foundIn'];

/** At most this many references are kept per page (the first ones, in document order). */
export const MAX_MEDIA_REFERENCES = 200;

/** Path endings that make an `<a href>` a direct link to media. */
export const MEDIA_LINK_EXTENSIONS: readonly string[] = [
  '.jpg',
  '.jpeg',
  '.png',
  '.gif',
  '.webp',
  '.bmp',
  '.tif',
  '.tiff',
  '.avif',
  '.mp4',
  '.webm',
];

const IMAGE_META_KEYS = new Set([
  'og:image',
  'og:image:url',
  'og:image:secure_url',
  'twitter:image',
  'twitter:image:src',
]);

/**
 * Finds the media an HTML page shows or links to, in document order: `<img src>` (and the
 * lazy-loading `data-src`), every `srcset` candidate of `<img>` and `<picture><source>`,
 * og:image / twitter:image `<meta>`, `<video poster>`, `<video src>` and `<video><source src>`,
 * and `<a href>` whose path ends in an image or video extension. Markup inside `<noscript>` is
 * read too (lazy-loading pages put the real `<img>` there); `<template>` content is not (it is
 * never shown). URLs are resolved against the first `<base href>`, else `baseUrl`; only http(s)
 * is kept, fragments dropped, duplicates folded (first occurrence wins), at most
 * {@link MAX_MEDIA_REFERENCES}. Parsed with parse5 (the WHATWG algorithm), never with regexes.
 */
export const extractMediaReferences: MediaReferenceExtractor = (html, baseUrl) => {
  const document = parse(html, { scriptingEnabled: false });
  const raw: { value: string; foundIn: FoundIn }[] = [];
  let baseHref: string | null = null;

  for (const element of elementsInOrder(document)) {
    const tag = element.tagName;
    const attr = (name: string): string | null => attribute(element, name);
    switch (tag) {
      case 'base': {
        const href = attr('href');
        if (baseHref === null && href !== null) baseHref = href;
        break;
      }
      case 'img': {
        for (const name of ['src', 'data-src']) {
          const value = attr(name);
          if (value !== null) raw.push({ value, foundIn: 'img' });
        }
        for (const name of ['srcset', 'data-srcset']) {
          for (const value of srcsetUrls(attr(name))) raw.push({ value, foundIn: 'srcset' });
        }
        break;
      }
      case 'source': {
        const parent = parentTag(element);
        if (parent === 'picture') {
          for (const value of srcsetUrls(attr('srcset'))) raw.push({ value, foundIn: 'srcset' });
        } else if (parent === 'video') {
          const src = attr('src');
          if (src !== null) raw.push({ value: src, foundIn: 'video_source' });
        }
        break;
      }
      case 'meta': {
        const key = (attr('property') ?? attr('name') ?? '').trim().toLowerCase();
        const content = attr('content');
        if (IMAGE_META_KEYS.has(key) && content !== null) raw.push({ value: content, foundIn: 'og_image' });
        break;
      }
      case 'video': {
        const poster = attr('poster');
        if (poster !== null) raw.push({ value: poster, foundIn: 'video_poster' });
        const src = attr('src');
        if (src !== null) raw.push({ value: src, foundIn: 'video_source' });
        break;
      }
      case 'a': {
        const href = attr('href');
        if (href !== null) raw.push({ value: href, foundIn: 'link' });
        break;
      }
    }
  }

  const documentUrl = tryUrl(baseUrl);
  const base = (baseHref !== null ? httpUrl(baseHref, documentUrl) : null) ?? documentUrl;
  const seen = new Set<string>();
  const references: PageMediaReference[] = [];
  for (const { value, foundIn } of raw) {
    const url = httpUrl(value, base);
    if (url === null) continue;
    if (foundIn === 'link' && !hasMediaExtension(url)) continue;
    if (seen.has(url.href)) continue;
    seen.add(url.href);
    references.push({ url: url.href, foundIn });
    if (references.length >= MAX_MEDIA_REFERENCES) break;
  }
  return references;
};

/** HTML elements in document order; iterative, so a deeply nested page cannot overflow the stack. */
function* elementsInOrder(root: Node): Generator<Element> {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as Node;
    if ('tagName' in node && node.namespaceURI === htmlSpec.NS.HTML) yield node;
    if ('childNodes' in node) {
      for (let i = node.childNodes.length - 1; i >= 0; i--) stack.push(node.childNodes[i] as Node);
    }
  }
}

function attribute(element: Element, name: string): string | null {
  return element.attrs.find((a) => a.name === name && a.namespace === undefined)?.value ?? null;
}

function parentTag(element: Element): string | null {
  const parent = element.parentNode;
  return parent !== null && 'tagName' in parent ? parent.tagName : null;
}

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f';

/**
 * The URL of every candidate in a `srcset`, per the HTML parsing rules: a URL runs to the next
 * white space (so a URL may contain commas), trailing commas end a candidate without
 * descriptors, and descriptors run to the next comma outside parentheses.
 */
export function srcsetUrls(srcset: string | null): string[] {
  if (srcset === null) return [];
  const urls: string[] = [];
  const n = srcset.length;
  let pos = 0;
  while (pos < n) {
    while (pos < n && (isSpace(srcset[pos] as string) || srcset[pos] === ',')) pos++;
    if (pos >= n) break;
    const start = pos;
    while (pos < n && !isSpace(srcset[pos] as string)) pos++;
    let url = srcset.slice(start, pos);
    if (url.endsWith(',')) {
      url = url.replace(/,+$/, '');
    } else {
      let inParens = false;
      for (; pos < n; pos++) {
        const c = srcset[pos];
        if (c === '(') inParens = true;
        else if (c === ')') inParens = false;
        else if (c === ',' && !inParens) {
          pos++;
          break;
        }
      }
    }
    if (url !== '') urls.push(url);
  }
  return urls;
}

function tryUrl(value: string): URL | null {
  try {
    return new URL(value);
  } catch {
    return null;
  }
}

/** Resolves `value` (attribute text, trimmed as browsers do) to an http(s) URL without fragment. */
function httpUrl(value: string, base: URL | null): URL | null {
  const trimmed = value.trim();
  if (trimmed === '') return null;
  let url: URL;
  try {
    url = base === null ? new URL(trimmed) : new URL(trimmed, base);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  url.hash = '';
  return url;
}

function hasMediaExtension(url: URL): boolean {
  const path = url.pathname.toLowerCase();
  return MEDIA_LINK_EXTENSIONS.some((extension) => path.endsWith(extension));
}
