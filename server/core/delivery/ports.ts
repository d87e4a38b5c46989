import type { SubscriptionDto } from "../../../lib/contracts/subscriptions";
import type { ReadEvent } from "../bus/ports";
import type { CloudEvent } from "../cloudevents/event";
import type { TraceContext } from "../tracing";

export type Subscription = Omit<SubscriptionDto, "stats">;

/** One delivery of one stored event to one subscription (one JetStream delivery). */
export interface Delivery extends ReadEvent {
  readonly seq: number;
  readonly subject: string;
  readonly tenant: string;
  readonly storedAt: string;
  /** `storedAt` in ms since the epoch, where the source knows it. */
  readonly storedAtMs?: number;
  /**
   * 1-based attempt number. Sources give JetStream's delivery count; the dispatcher replaces it with
   * the number of recorded failed attempts + 1, so hand-backs (pause, open circuit, a member that
   * left) do not count as attempts.
   */
  readonly attempt: number;
  /** Unique per delivery attempt; clients ack by it. */
  readonly deliveryId: string;
  /** Set when the delivery comes from a replay. */
  readonly replayId?: string;
  /** Trace context of this attempt's delivery span (parent of handler and push spans), when tracing is on. */
  readonly trace?: TraceContext;
  /**
   * Where the attempt count of this delivery is kept: events of the event stream by their seq;
   * requeued copies (redelivery stream) by their own seq under `<subscription>_rd`; replayed events
   * (through a lane or as copies) by their original seq under `<subscription>_rp_<replayId>`.
   * @default { scope: subscription id, seq }
   */
  readonly attemptKey?: { scope: "stream" | "redelivery" | "replay"; seq: number };
  ack(): void;
  /** Redeliver after `delayMs`. */
  nak(delayMs: number): void;
  /** Never redeliver (after the dead-letter write). */
  term(): void;
  /** Still working: resets the ack timer. */
  working(): void;
}

/**
 * The delivery with some fields changed. Its other fields, read lazily, and its methods stay as
 * they are (a spread would read every field and drop a class's methods); methods run with the new
 * object as `this`, reading the original's fields through it.
 */
export function deliveryWith(d: Delivery, changes: { attempt?: number; trace?: TraceContext }): Delivery {
  return Object.assign(Object.create(d) as Delivery, changes);
}

/** A message that could not be decoded as a CloudEvent: it is dead-lettered as poison. */
export interface UndecodableDelivery {
  readonly undecodable: true;
  readonly seq: number;
  readonly subject: string;
  readonly attempt: number;
  readonly problems: string;
  readonly raw: { headers: [string, string][]; payload: Uint8Array };
  term(): void;
  nak(delayMs: number): void;
}

/** Pulls deliveries of one durable consumer. */
export interface DeliverySource {
  /**
   * Asks for up to `max` deliveries and hands each to `onDelivery` as it arrives (synchronously,
   * in the order received), for at most `expiresMs`; resolves when the pull is over. Returning
   * `false` from `onDelivery` ends the pull early (as `stop()` does): messages the server still
   * sends for it are handed back (nak) after `leftoverDelayMs()` — they are not attempts.
   */
  pull(
    max: number,
    expiresMs: number,
    onDelivery: (d: Delivery | UndecodableDelivery) => boolean,
    leftoverDelayMs?: () => number,
  ): Promise<void>;
  stop(): void;
  /** True once the source will hand nothing more (a replay's lane): its pull loop ends. */
  readonly ended?: boolean;
  /**
   * For a source that is mostly idle (the redelivery stream): called when its last pull came back
   * empty, before a slot is reserved for the next; resolves once there may be something to pull
   * (or at `stop()`). An idle pull would hold one of the subscription's in-flight slots for its
   * whole life — with `maxInFlight: 1`, every live event would wait for it to expire.
   */
  waitForWork?(pollMs: number): Promise<void>;
}

export interface ConsumerFigures {
  pending: number;
  ackPending: number;
  redelivered: number;
}

/** JetStream durable consumers for subscriptions. */
export interface ConsumerAdmin {
  /** Creates the durable consumer, or updates it to the definition (keeping its position). */
  ensure(sub: Subscription): Promise<void>;
  /** Moves the subscription's position in the event stream (recreating its consumer there). */
  reset(sub: Subscription, to: { time: string } | { sequence: number }): Promise<void>;
  remove(id: string): Promise<void>;
  figures(id: string): Promise<ConsumerFigures | undefined>;
  /** Deliveries from the event stream. */
  source(sub: Subscription): DeliverySource;
  /** Deliveries of replayed and requeued copies meant for this subscription alone. */
  redeliverySource(sub: Subscription): DeliverySource;
}

/** Where subscription definitions live (NATS KV), shared by every replica. */
export interface SubscriptionRepo {
  list(): Promise<Subscription[]>;
  get(id: string): Promise<Subscription | undefined>;
  /** Fails with CONFLICT when the id exists. */
  create(sub: Subscription): Promise<void>;
  put(sub: Subscription): Promise<void>;
  delete(id: string): Promise<void>;
  /** Calls back with each change (and first with every current entry); returns a stop function. */
  watch(onChange: (id: string, sub: Subscription | undefined) => void): Promise<() => void>;
}

export interface AttemptError {
  attempt: number;
  at: string;
  message: string;
  status?: number;
  /** The target said it can never take the event (rejected): no more attempts. */
  final?: true;
}

/** The failure record written with a dead letter. */
export interface DeadLetterRecord {
  subscription: string;
  tenant: string;
  reason: "max-attempts" | "rejected" | "undeliverable" | "poison";
  attempts: AttemptError[];
  firstFailedAt: string;
  lastFailedAt: string;
  originalSeq: number;
  originalSubject: string;
}

export interface DeadLetterSink {
  /** Resolves only once the dead-letter stream has acknowledged the write. */
  write(event: CloudEvent | { headers: [string, string][]; payload: Uint8Array }, record: DeadLetterRecord): Promise<void>;
}

/** Each attempt's error, kept across redeliveries (and replicas) until the event settles. */
export interface AttemptLog {
  get(subscription: string, seq: number): Promise<AttemptError[]>;
  record(subscription: string, seq: number, error: AttemptError): Promise<AttemptError[]>;
  clear(subscription: string, seq: number): Promise<void>;
}

export type DeliveryOutcome =
  | { ok: true }
  | { ok: false; message: string; status?: number; retryable: boolean; retryAfterMs?: number; delayMs?: number }
  /** The member went away before answering: redeliver at once, not a target failure. */
  | { ok: false; gone: true };

/** Where a subscription's deliveries go: push URL, WebSocket members or in-process handlers. */
export interface Target {
  /** How many more deliveries it can take now (0: none; the dispatcher waits). */
  capacity(): number;
  /** Resolves when capacity may have grown. */
  onCapacity(listener: () => void): () => void;
  deliver(d: Delivery): Promise<DeliveryOutcome>;
}

/** What one replica reports about one subscription (kept for a short time; aggregated for stats). */
export interface MemberStatus {
  instance: string;
  members: number;
  delivered: number;
  circuit: "closed" | "open" | "half-open";
  lastError: { message: string; status?: number; at: string } | null;
}

/** Per-replica runtime status, shared through NATS so every replica answers the same stats. */
export interface StatusBoard {
  report(subscription: string, status: MemberStatus): Promise<void>;
  read(subscription: string): Promise<MemberStatus[]>;
  clear(subscription: string, instance: string): Promise<void>;
}
