/**
 * Events per second over a sliding window of whole-second buckets. Time is passed in (ms), so the
 * meter is pure and testable.
 */
export class RateMeter {
  private readonly buckets: number[];
  private lastSecond: number | undefined;
  private startMs: number | undefined;

  /** @param windowSec seconds the rate averages over; the history keeps `historySec` buckets for a chart. */
  constructor(
    readonly windowSec = 5,
    readonly historySec = 60,
  ) {
    this.buckets = new Array(Math.max(windowSec + 1, historySec)).fill(0);
  }

  private advance(nowMs: number): void {
    const sec = Math.floor(nowMs / 1000);
    this.startMs ??= nowMs;
    if (this.lastSecond === undefined) this.lastSecond = sec;
    const gap = sec - this.lastSecond;
    if (gap > 0) {
      // shift: the newest bucket is last
      const n = Math.min(gap, this.buckets.length);
      this.buckets.splice(0, n);
      for (let i = 0; i < n; i++) this.buckets.push(0);
      this.lastSecond = sec;
    }
  }

  record(nowMs: number, n = 1): void {
    this.advance(nowMs);
    // the newest bucket is the current second (a clock that went back still counts here)
    this.buckets[this.buckets.length - 1] = (this.buckets.at(-1) ?? 0) + n;
  }

  /**
   * Average events/s over the last `windowSec` complete seconds plus the current partial one; over
   * the time since the first record while that is shorter (but at least a second, so one event
   * just now is not "10/s").
   */
  rate(nowMs: number): number {
    this.advance(nowMs);
    const fraction = (nowMs % 1000) / 1000;
    const sum = this.buckets.slice(-(this.windowSec + 1)).reduce((a, b) => a + b, 0);
    const elapsed = (nowMs - (this.startMs ?? nowMs)) / 1000;
    const span = Math.max(1, Math.min(this.windowSec + fraction, elapsed));
    return sum / span;
  }

  /** Counts per second, oldest first, the current second last (`historySec` long). */
  history(nowMs: number): number[] {
    this.advance(nowMs);
    return this.buckets.slice(-this.historySec);
  }

  reset(): void {
    this.buckets.fill(0);
    this.lastSecond = undefined;
    this.startMs = undefined;
  }
}
