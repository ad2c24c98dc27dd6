/**
 * Progress on stderr: a bar redrawn in place on a terminal; plain lines (at most one per interval, and only
 * when something changed) when stderr is a pipe or a file, so logs stay readable.
 */

export interface ProgressStream { isTTY?: boolean; write(text: string): unknown }

export interface ProgressUpdate {
  /** 0..1, or undefined when the total is unknown (no bar, just the label). */
  fraction: number | undefined;
  label: string;
}

export interface ProgressOptions {
  /** Minimum time between plain lines (not a terminal). */
  plainIntervalMs?: number;
  /** Minimum time between redraws of the bar (a terminal). */
  redrawIntervalMs?: number;
  now?: () => number;
}

const BAR_WIDTH = 30;

export function renderBar(fraction: number): string {
  const clamped = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(clamped * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(clamped * 100)).padStart(3)}%`;
}

export class ProgressReporter {
  private readonly tty: boolean;
  private lastText: string | undefined;
  private lastAt = -Infinity;
  private drawn = false;

  constructor(private readonly stream: ProgressStream, private readonly options: ProgressOptions = {}) {
    this.tty = stream.isTTY === true;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  update(update: ProgressUpdate): void {
    const now = this.now();
    if (this.tty) {
      if (now - this.lastAt < (this.options.redrawIntervalMs ?? 100) && update.fraction !== 1) return;
      const bar = update.fraction === undefined ? '' : `${renderBar(update.fraction)} `;
      this.stream.write(`\r\x1b[2K${bar}${update.label}`);
      this.drawn = true;
      this.lastAt = now;
      return;
    }
    if (update.label === this.lastText) return;
    if (this.lastText !== undefined && now - this.lastAt < (this.options.plainIntervalMs ?? 5000)) return;
    this.stream.write(`${update.label}\n`);
    this.lastText = update.label;
    this.lastAt = now;
  }

  /** Ends the bar (or the plain lines) with a final line. */
  done(finalLine: string): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[2K');
    this.stream.write(`${finalLine}\n`);
  }
}
