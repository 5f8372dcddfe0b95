// extractMediaReferences over a table of HTML snippets (benign markup only; no fetching).
import type { PageMediaReference } from '@hashline/domain';
import { describe, expect, test } from 'vitest';
import { extractMediaReferences, MAX_MEDIA_REFERENCES, srcsetUrls } from '../src/index.js';

const BASE = 'https://site.example/gallery/page.html';
type Case = { name: string; html: string; expected: [string, PageMediaReference['foundIn']][] };

const CASES: Case[] = [
  {
    name: 'img src, relative and absolute',
    html: '<img src="a.jpg"><img src="/b.png"><img src="https://cdn.example/c.gif">',
    expected: [
      ['https://site.example/gallery/a.jpg', 'img'],
      ['https://site.example/b.png', 'img'],
      ['https://cdn.example/c.gif', 'img'],
    ],
  },
  {
    name: 'every srcset candidate, with descriptors and commas inside URLs',
    html: '<img src="s.jpg" srcset="m.jpg 2x, l.jpg 3x,https://cdn.example/w,400/x.jpg 400w">',
    expected: [
      ['https://site.example/gallery/s.jpg', 'img'],
      ['https://site.example/gallery/m.jpg', 'srcset'],
      ['https://site.example/gallery/l.jpg', 'srcset'],
      ['https://cdn.example/w,400/x.jpg', 'srcset'],
    ],
  },
  {
    name: '<picture><source srcset>',
    html: '<picture><source srcset="p.avif" type="image/avif"><source srcset="p.webp 1x, p2.webp 2x"><img src="p.jpg"></picture>',
    expected: [
      ['https://site.example/gallery/p.avif', 'srcset'],
      ['https://site.example/gallery/p.webp', 'srcset'],
      ['https://site.example/gallery/p2.webp', 'srcset'],
      ['https://site.example/gallery/p.jpg', 'img'],
    ],
  },
  {
    name: 'og:image, og:image:url, og:image:secure_url, twitter:image meta',
    html: `<head>
      <meta property="og:image" content="/og.jpg">
      <meta property="og:image:url" content="/og-url.jpg">
      <meta property="OG:IMAGE:SECURE_URL" content="https://secure.example/og.jpg">
      <meta name="twitter:image" content="/tw.png">
      <meta property="og:title" content="/not-media.jpg">
      <meta name="description" content="https://site.example/not-media.jpg">
    </head>`,
    expected: [
      ['https://site.example/og.jpg', 'og_image'],
      ['https://site.example/og-url.jpg', 'og_image'],
      ['https://secure.example/og.jpg', 'og_image'],
      ['https://site.example/tw.png', 'og_image'],
    ],
  },
  {
    name: 'video poster, video src and <video><source src>',
    html: '<video poster="poster.jpg" src="v.mp4"><source src="v.webm" type="video/webm"><source src="v2.mp4"></video>',
    expected: [
      ['https://site.example/gallery/poster.jpg', 'video_poster'],
      ['https://site.example/gallery/v.mp4', 'video_source'],
      ['https://site.example/gallery/v.webm', 'video_source'],
      ['https://site.example/gallery/v2.mp4', 'video_source'],
    ],
  },
  {
    name: '<a href> only when the path ends in a media extension (any case, query ignored)',
    html: `<a href="full.JPG">x</a><a href="clip.mp4?t=1">x</a><a href="/page.html">x</a>
      <a href="/image.jpg/">x</a><a href="/photo.jpeg#top">x</a><a href="/scan.TIFF">x</a><a href="/x.avif">x</a>
      <a href="/y.bmp">x</a><a href="/z.tif">x</a><a href="/w.webm">x</a><a href="/q.webp">x</a><a href="/jpg">x</a>`,
    expected: [
      ['https://site.example/gallery/full.JPG', 'link'],
      ['https://site.example/gallery/clip.mp4?t=1', 'link'],
      ['https://site.example/photo.jpeg', 'link'],
      ['https://site.example/scan.TIFF', 'link'],
      ['https://site.example/x.avif', 'link'],
      ['https://site.example/y.bmp', 'link'],
      ['https://site.example/z.tif', 'link'],
      ['https://site.example/w.webm', 'link'],
      ['https://site.example/q.webp', 'link'],
    ],
  },
  {
    name: '<base href> wins over the page URL (the first one with href)',
    html: '<head><base target="_blank"><base href="https://other.example/media/"><base href="https://third.example/"></head><img src="a.jpg"><a href="../b.png">b</a>',
    expected: [
      ['https://other.example/media/a.jpg', 'img'],
      ['https://other.example/b.png', 'link'],
    ],
  },
  {
    name: 'a relative <base href> resolves against the page URL',
    html: '<base href="/static/"><img src="a.jpg">',
    expected: [['https://site.example/static/a.jpg', 'img']],
  },
  {
    name: 'a non-http base is ignored',
    html: '<base href="javascript:alert(1)//"><img src="a.jpg">',
    expected: [['https://site.example/gallery/a.jpg', 'img']],
  },
  {
    name: 'only http(s) is kept: data:, blob:, javascript:, ftp:, empty and invalid are dropped',
    html: `<img src="data:image/png;base64,iVBORw0KGgo="><img src="blob:https://site.example/1"><img src="javascript:x">
      <img src="ftp://files.example/a.jpg"><img src=""><img src="   "><img src="http://[::1"><img src="http://ok.example/a.png">`,
    expected: [['http://ok.example/a.png', 'img']],
  },
  {
    name: 'duplicates fold to the first occurrence; fragments are dropped first',
    html: '<meta property="og:image" content="/a.jpg"><img src="/a.jpg"><img src="/a.jpg#x" srcset="/a.jpg 2x, /b.jpg 2x"><a href="/b.jpg">b</a>',
    expected: [
      ['https://site.example/a.jpg', 'og_image'],
      ['https://site.example/b.jpg', 'srcset'],
    ],
  },
  {
    name: 'attribute values are trimmed and entities decoded (a parser, not a regex)',
    html: '<img src="  /x.png?a=1&amp;b=2  "><IMG SRC=/y.png><img src=\'/z.png\'>',
    expected: [
      ['https://site.example/x.png?a=1&b=2', 'img'],
      ['https://site.example/y.png', 'img'],
      ['https://site.example/z.png', 'img'],
    ],
  },
  {
    name: 'markup in comments, scripts and templates is not media; <noscript> fallbacks are',
    html: `<!-- <img src="/comment.jpg"> --><script>document.write('<img src="/script.jpg">')</script>
      <template><img src="/template.jpg"></template><textarea><img src="/textarea.jpg"></textarea>
      <noscript><img src="/noscript.jpg"></noscript>`,
    expected: [['https://site.example/noscript.jpg', 'img']],
  },
  {
    name: 'lazy-loading data-src and data-srcset on <img>',
    html: '<img src="/placeholder.gif" data-src="/real.jpg" data-srcset="/real-2x.jpg 2x">',
    expected: [
      ['https://site.example/placeholder.gif', 'img'],
      ['https://site.example/real.jpg', 'img'],
      ['https://site.example/real-2x.jpg', 'srcset'],
    ],
  },
  {
    name: 'broken markup still parses the way a browser does',
    html: '<div><p><img src="/one.png"<img src="/two.png"><table><img src="/three.png"></table>',
    expected: [
      ['https://site.example/one.png', 'img'], // the second src is a duplicate attribute of the same tag
      ['https://site.example/three.png', 'img'], // foster-parented out of the table, as browsers do
    ],
  },
  {
    name: 'SVG <image> and <a> in foreign content are not read as HTML elements',
    html: '<svg><image href="/svg.png"/><a href="/svg-link.png"></a></svg><img src="/html.png">',
    expected: [['https://site.example/html.png', 'img']],
  },
];

describe('extractMediaReferences', () => {
  test.each(CASES)('$name', ({ html, expected }) => {
    const found = extractMediaReferences(html, BASE).map((r) => [r.url, r.foundIn]);
    expect(found).toEqual(expected);
  });

  test(`keeps at most ${MAX_MEDIA_REFERENCES} references, the first ones in document order`, () => {
    const html = Array.from({ length: 250 }, (_, i) => `<img src="/img-${i}.png">`).join('');
    const found = extractMediaReferences(html, BASE);
    expect(found).toHaveLength(MAX_MEDIA_REFERENCES);
    expect(found[0]?.url).toBe('https://site.example/img-0.png');
    expect(found.at(-1)?.url).toBe(`https://site.example/img-${MAX_MEDIA_REFERENCES - 1}.png`);
  });

  test('a deeply nested page does not overflow the stack', () => {
    const html = `${'<div>'.repeat(50_000)}<img src="/deep.png">${'</div>'.repeat(50_000)}`;
    expect(extractMediaReferences(html, BASE).map((r) => r.url)).toEqual(['https://site.example/deep.png']);
  });

  test('an invalid page URL still keeps absolute references', () => {
    const found = extractMediaReferences(
      '<img src="/rel.png"><img src="https://abs.example/a.png">',
      'not a url',
    );
    expect(found.map((r) => r.url)).toEqual(['https://abs.example/a.png']);
  });
});

describe('srcsetUrls (HTML srcset parsing rules)', () => {
  test.each<[string, string[]]>([
    ['a.jpg', ['a.jpg']],
    ['a.jpg 1x', ['a.jpg']],
    ['a.jpg 1x, b.jpg 2x', ['a.jpg', 'b.jpg']],
    ['a.jpg,b.jpg', ['a.jpg,b.jpg']],
    ['a.jpg, b.jpg', ['a.jpg', 'b.jpg']],
    ['a.jpg,, b.jpg 2x', ['a.jpg', 'b.jpg']],
    ['  ,a.jpg 100w , b.jpg 200w ,', ['a.jpg', 'b.jpg']],
    ['a.jpg (foo, bar) 1x, b.jpg', ['a.jpg', 'b.jpg']],
    ['data:image/png;base64,AAAA 1x, c.jpg 2x', ['data:image/png;base64,AAAA', 'c.jpg']],
    ['', []],
  ])('%j → %j', (srcset, expected) => {
    expect(srcsetUrls(srcset)).toEqual(expected);
  });
});
