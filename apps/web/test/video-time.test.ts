import { describe, expect, it } from 'vitest';
import { videoTime } from '../src/workbench/video-contact-sheet.js';

describe("a video's time on its contact sheet label (issue #13)", () => {
  it('is m:ss below an hour and h:mm:ss from an hour, whole seconds rounded down', () => {
    expect(videoTime(0)).toBe('0:00');
    expect(videoTime(0.97)).toBe('0:00');
    expect(videoTime(12.5)).toBe('0:12');
    expect(videoTime(61)).toBe('1:01');
    expect(videoTime(3599.9)).toBe('59:59');
    expect(videoTime(3600)).toBe('1:00:00');
    expect(videoTime(4 * 3600 + 5 * 60 + 7)).toBe('4:05:07');
  });

  it('never shows a negative time', () => {
    expect(videoTime(-3)).toBe('0:00');
  });
});
