import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ProgressBar } from '../src/hash/progress-bar.js';

function tty() {
  const chunks: string[] = [];
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 60 });
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  return { stream, text: () => chunks.join('') };
}

describe('ProgressBar', () => {
  it('renders done/total, percent, rate and eta within the terminal width', () => {
    let now = 0;
    const { stream } = tty();
    const bar = new ProgressBar({ stream, total: 200, enabled: true, now: () => now });
    now = 50; // every tick below is throttled away: only the counter moves
    for (let i = 0; i < 50; i++) bar.tick();
    now = 10_000;
    const text = bar.render(60);
    bar.stop();
    expect(text).toMatch(/^\[#+\.+\] 50\/200 25% 5\.0 img\/s eta 30s$/);
    expect(text.length).toBeLessThanOrEqual(60);
  });

  it('stays hidden for a short run of few files and draws for many files', async () => {
    const few = tty();
    const small = new ProgressBar({ stream: few.stream, total: 5, enabled: true });
    for (let i = 0; i < 5; i++) small.tick();
    small.stop();
    const many = tty();
    const large = new ProgressBar({ stream: many.stream, total: 21, enabled: true });
    large.tick();
    large.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(few.text()).toBe('');
    // eslint-disable-next-line no-control-regex -- the bar is drawn with terminal escapes
    expect(many.text()).toMatch(/^\r\x1b\[2K\[[#.]+\] 1\/21 4% .*\r\x1b\[2K$/);
  });

  it('falls back to 80 columns when the terminal reports width 0', () => {
    const { stream, text } = tty();
    stream.columns = 0;
    const bar = new ProgressBar({ stream, total: 50, enabled: true });
    bar.tick();
    bar.stop();
    expect(text()).toContain('1/50 2%');
  });

  it('draws nothing when disabled', async () => {
    const { stream, text } = tty();
    const bar = new ProgressBar({ stream, total: 100, enabled: false });
    for (let i = 0; i < 100; i++) bar.tick();
    bar.stop();
    await new Promise((resolve) => setImmediate(resolve));
    expect(text()).toBe('');
  });
});
