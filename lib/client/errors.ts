/**
 * What a subscription handler throws to choose the answer: `RejectError` dead-letters the event at
 * once (it can never succeed); any other error retries it, after `retryDelayMs` when the error
 * carries one (`RetryLaterError` does) and after the subscription's backoff otherwise.
 */

/** Thrown by a handler for an event that can never succeed: the server dead-letters it without retries. */
export class RejectError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RejectError";
  }
}

/** Thrown by a handler to have the event redelivered after `retryDelayMs`. */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly retryDelayMs: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "RetryLaterError";
  }
}

export function isRejectError(e: unknown): e is RejectError {
  return e instanceof RejectError || (e instanceof Error && e.name === "RejectError");
}

/** The redelivery delay an error asks for (`retryDelayMs`, any error type), within what the server takes. */
export function retryDelayOf(e: unknown): number | undefined {
  const ms = typeof e === "object" && e !== null ? (e as { retryDelayMs?: unknown }).retryDelayMs : undefined;
  if (typeof ms !== "number" || !Number.isFinite(ms)) return undefined;
  return Math.min(Math.max(0, Math.round(ms)), 86_400_000);
}
