/** A retry policy (API.md "Subscriptions"). `maxAttempts` counts every attempt, the first included. */
export interface RetryPolicy {
  maxAttempts: number;
  initialDelayMs: number;
  multiplier: number;
  maxDelayMs: number;
  /** Fraction of each delay drawn at random, 0 to 1. @default 0.2 */
  jitter: number;
}

/**
 * Delay before the attempt after `attempt` (1-based): initial × multiplier^(attempt-1), capped at
 * maxDelayMs; then `jitter` of it is random: delay × (1 − jitter × r), r in [0, 1).
 * A `Retry-After` from the target raises the delay to at least that (still capped).
 */
export function retryDelayMs(
  policy: RetryPolicy,
  attempt: number,
  random: () => number = Math.random,
  retryAfterMs?: number,
): number {
  // 0 × Infinity (a growth factor that overflows) would be NaN: no initial delay means none at all
  const grown = policy.initialDelayMs === 0 ? 0 : policy.initialDelayMs * policy.multiplier ** Math.max(0, attempt - 1);
  const base = Math.min(grown, policy.maxDelayMs);
  const jittered = base * (1 - policy.jitter * random());
  const delay = retryAfterMs === undefined ? jittered : Math.max(jittered, retryAfterMs);
  return Math.round(Math.min(delay, policy.maxDelayMs));
}
