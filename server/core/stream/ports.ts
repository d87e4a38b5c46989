import type { StoredEvent } from "../bus/ports";

/**
 * Where a live read starts: at the next event stored (`now`), at a stream sequence (inclusive) or at
 * the first event stored at or after a time (RFC 3339).
 */
export type LiveStart = { type: "now" } | { type: "seq"; seq: number } | { type: "time"; time: string };

export interface LiveSourceOptions {
  /** NATS subject filter (tenant and type pattern), one subject: servers before 2.10 take only one. */
  filterSubject: string;
  from: LiveStart;
}

/**
 * Stored events in stream order, then new ones as they are stored. Pull-based: the source reads
 * ahead only a small batch, so a reader that stops pulling stops the reading (backpressure).
 * One reader at a time.
 */
export interface LiveSubscription extends AsyncIterable<StoredEvent> {
  /** The first stream sequence this subscription can deliver (`from` resolved: `now` is the last stored + 1). */
  readonly startSeq: number;
  /** Its events are the objects other views get too (a shared read): what is made of one serves all. */
  readonly shared?: boolean;
  /**
   * Events matching `filterSubject` after the last one yielded (read ahead but not yet yielded,
   * plus those not read yet). Best effort, for overflow reports.
   */
  pending(): Promise<number>;
  /** Stops reading at once and removes what the source holds (e.g. its consumer); the iteration ends. Safe to call twice. */
  stop(): Promise<void>;
}

/** Live reads of the event stream (JetStream ordered consumers). */
export interface LiveSource {
  /** Resolves once the subscription is in place: no event stored after that is missed. Rejects with `AppError` UNAVAILABLE. */
  open(opts: LiveSourceOptions): Promise<LiveSubscription>;
}
