/** Where the bar draws, and whether stdout shares the terminal (then rows must not tear the bar). */
export interface ProgressBarOptions {
  readonly stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly total: number;
  /** Draw at all (false with `--no-progress` or when the stream is not a TTY). */
  readonly enabled: boolean;
  /** Show from the start when there are more files than this. */
  readonly minFiles?: number;
  /** Otherwise show once the run has lasted this long. */
  readonly minMillis?: number;
  /** Injected clock for tests. */
  readonly now?: () => number;
}

/**
 * A one-line progress bar on stderr, redrawn at most ten times a second. It appears only on a TTY
 * and only for long runs (many files, or more than a second), so short runs and pipes stay clean.
 * Call {@link clear} before writing anything else to the same terminal and {@link stop} at the end.
 */
export class ProgressBar {
  private done = 0;
  private visible = false;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private readonly started: number;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly options: ProgressBarOptions) {
    this.now = options.now ?? Date.now;
    this.started = this.now();
    if (options.enabled && options.total > 0) {
      this.timer = setInterval(() => this.draw(), 100);
      this.timer.unref(); // never keep the process alive for the bar
    }
  }

  /** Records that one more file finished (hashed or skipped). */
  tick(): void {
    this.done++;
    // Redraw from ticks too (not only from the timer), throttled, so a fast run still shows progress.
    if (this.timer && this.now() - this.lastDraw >= 100) this.draw();
  }

  /** Erases the bar so the next write starts on a clean line; the timer redraws it later. */
  clear(): void {
    if (!this.visible) return;
    this.options.stream.write('\r\x1b[2K');
    this.visible = false;
  }

  /** Erases the bar for good. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.clear();
  }

  /** The text of the bar for the current state (exported for tests). */
  render(width: number): string {
    const { total } = this.options;
    const elapsed = Math.max(1, this.now() - this.started) / 1000;
    const rate = this.done / elapsed;
    const eta = rate > 0 ? Math.ceil((total - this.done) / rate) : undefined;
    const percent = Math.floor((this.done / total) * 100);
    const tail = ` ${this.done}/${total} ${percent}% ${rate.toFixed(1)} img/s${eta === undefined ? '' : ` eta ${formatSeconds(eta)}`}`;
    const barWidth = Math.max(10, Math.min(40, width - tail.length - 3));
    const filled = Math.round((this.done / total) * barWidth);
    return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]${tail}`;
  }

  private draw(): void {
    const { minFiles = 20, minMillis = 1000, total } = this.options;
    if (!this.visible && total <= minFiles && this.now() - this.started < minMillis) return;
    const width = this.options.stream.columns || 80; // 0 or undefined: size unknown
    this.options.stream.write('\r\x1b[2K' + this.render(width).slice(0, Math.max(0, width - 1)));
    this.visible = true;
    this.lastDraw = this.now();
  }
}

function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}
