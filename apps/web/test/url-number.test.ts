import { describe, expect, it } from 'vitest';
import { urlNumber, urlRefs } from '../src/workbench/forwarding-panel.js';
import type { ReportUrl } from '../src/workbench/workbench-api.js';

const url = (id: number, address: string) => ({ id, url: address }) as unknown as ReportUrl;

describe('URLs are numbered by their place in the report (issue 17: "URL #2" on a one-URL report)', () => {
  const urls = [url(41, 'https://a.example/x'), url(42, 'https://b.example/y')];

  it('numbers by position, not by database id', () => {
    expect(urlNumber(41, urls)).toBe(1);
    expect(urlNumber(42, urls)).toBe(2);
    expect(urlRefs([42, 41], urls)).toBe('#2 (b.example), #1 (a.example)');
  });

  it('a report with one URL speaks of URL #1, whatever its id', () => {
    expect(urlNumber(2, [url(2, 'https://only.example/')])).toBe(1);
  });
});
