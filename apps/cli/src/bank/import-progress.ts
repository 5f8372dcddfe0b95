import type { ReadProgress } from './text-file-source.js';

/** Options of {@link ImportProgressBar}. */
export interface ImportProgressOptions {
  readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Size of the file in bytes (the bar's 100%). */
  readonly totalBytes: number;
  /** Draw at all (false with `--no-progress` or when the stream is not a terminal). */
  readonly enabled: boolean;
  /** What the counted lines are called (`rows`, or `lines` for XML). */
  readonly unit?: string;
  /** Injected clock for tests. */
  readonly now?: () => number;
}

/**
 * A one-line progress bar for a file import on stderr: share of the file read, rows so far and
 * rows per second, and the time left. Redrawn at most ten times a second by a timer that never
 * keeps the process alive; an import read twice (`--on-error abort` checks the whole file first)
 * shows which pass it is in.
 */
export class ImportProgressBar {
  private visible = false;
  private pass = { label: 'importing', started: 0, progress: { bytes: 0, lines: 0 } as ReadProgress };
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: ImportProgressOptions) {
    this.now = options.now ?? Date.now;
    if (options.enabled) {
      this.timer = setInterval(() => this.draw(), 100);
      this.timer.unref();
    }
  }

  /** Starts following a pass over the file (`checking` or `importing`) with its read counters. */
  follow(label: string, progress: ReadProgress): void {
    this.pass = { label, started: this.now(), progress };
  }

  /** Erases the bar for good. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.visible) this.options.stream.write('\r\x1b[2K');
    this.visible = false;
  }

  /** The text of the bar for the current state (exported for tests). */
  render(width: number): string {
    const { bytes, lines } = this.pass.progress;
    const total = Math.max(1, this.options.totalBytes);
    const share = Math.min(1, bytes / total);
    const seconds = Math.max(0.001, (this.now() - this.pass.started) / 1000);
    const rate = lines / seconds;
    const bytesPerSecond = bytes / seconds;
    const eta = bytesPerSecond > 0 && share < 1 ? Math.ceil((total - bytes) / bytesPerSecond) : undefined;
    const unit = this.options.unit ?? 'rows';
    const tail =
      ` ${this.pass.label} ${Math.floor(share * 100)}% ${lines.toLocaleString('en')} ${unit}` +
      ` ${Math.round(rate).toLocaleString('en')} ${unit}/s${eta === undefined ? '' : ` eta ${formatSeconds(eta)}`}`;
    const barWidth = Math.max(10, Math.min(30, width - tail.length - 3));
    const filled = Math.round(share * barWidth);
    return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]${tail}`;
  }

  private draw(): void {
    const width = this.options.stream.columns || 80; // 0 or undefined: size unknown
    this.options.stream.write('\r\x1b[2K' + this.render(width).slice(0, Math.max(0, width - 1)));
    this.visible = true;
  }
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
