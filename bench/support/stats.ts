/** Latency samples (milliseconds) with nearest-rank percentiles. */
export class Samples {
  private values: number[] = [];

  add(ms: number): void {
    this.values.push(ms);
  }

  get count(): number {
    return this.values.length;
  }

  summary(): { count: number; p50: number; p99: number; max: number; mean: number } {
    const sorted = Float64Array.from(this.values).sort();
    const at = (q: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number);
    const sum = sorted.reduce((a, b) => a + b, 0);
    return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: at(1), mean: sorted.length ? sum / sorted.length : NaN };
  }
}

export const fmtMs = (ms: number): string => (Number.isFinite(ms) ? `${ms.toFixed(ms < 10 ? 2 : 1)} ms` : 'n/a');
export const fmtNum = (n: number, digits = 0): string => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
export const ratio = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');
