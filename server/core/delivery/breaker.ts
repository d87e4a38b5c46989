export type CircuitState = "closed" | "open" | "half-open";

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. @default 5 */
  failureThreshold: number;
  /** How long it stays open before one probe is let through. @default 30000 */
  cooldownMs: number;
}

/**
 * A circuit breaker for one subscription target. Closed: everything passes. After
 * `failureThreshold` consecutive failures it opens: nothing passes (the dispatcher stops pulling,
 * so no attempts are spent). After `cooldownMs` it is half-open: one probe passes; success closes
 * it, failure opens it again.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt = 0;
  private probing = false;
  private current: CircuitState = "closed";

  constructor(
    private readonly opts: BreakerOptions,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): CircuitState {
    if (this.current === "open" && this.now() - this.openedAt >= this.opts.cooldownMs) this.current = "half-open";
    return this.current;
  }

  /** How many deliveries may start now, given `free` slots. */
  allowance(free: number): number {
    const s = this.state;
    if (s === "closed") return free;
    if (s === "open" || this.probing) return 0;
    return Math.min(free, 1);
  }

  /** Call when a delivery starts (marks the half-open probe). */
  started(): void {
    if (this.state === "half-open") this.probing = true;
  }

  /** A probe that ended without an answer from the target: another may go. */
  release(): void {
    this.probing = false;
  }

  /** Milliseconds until the circuit half-opens (0 unless open). */
  msUntilProbe(): number {
    return this.state === "open" ? Math.max(0, this.opts.cooldownMs - (this.now() - this.openedAt)) : 0;
  }

  success(): void {
    this.failures = 0;
    this.probing = false;
    this.current = "closed";
  }

  failure(): void {
    this.failures++;
    const s = this.state;
    if (s === "half-open" || (s === "closed" && this.failures >= this.opts.failureThreshold)) {
      this.current = "open";
      this.openedAt = this.now();
      this.probing = false;
    }
  }
}
