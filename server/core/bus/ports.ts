import type { CloudEvent } from "../cloudevents/event";
import type { JsonParts } from "../cloudevents/nats";

/** One event to append, with where it goes and its idempotency key. */
export interface AppendItem {
  event: CloudEvent;
  tenant: string;
  subject: string;
  /** Deduplication id: the same id within the duplicate window is stored once. */
  msgId: string;
}

export interface AppendResult {
  seq: number;
  duplicate: boolean;
}

/** A stored event with its position. A reader may make `event` and `storedAt` only when they are read. */
export interface StoredEvent {
  readonly seq: number;
  /** When it was stored (RFC 3339). */
  readonly storedAt: string;
  /** The same time in ms since the epoch, where the reader knows it (cheaper than parsing `storedAt`). */
  readonly storedAtMs?: number;
  readonly tenant: string;
  readonly subject: string;
  readonly event: CloudEvent;
  /** `event.type`, where the reader knows it without decoding the event. */
  readonly type?: string;
  /** The event in the JSON format, where the reader makes it from the stored bytes (else render `event`). */
  readonly json?: JsonParts;
}

/** What a reader of the stream has of an event: `event` (possibly decoded only when read), and cheaper forms where it has them. */
export type ReadEvent = Pick<StoredEvent, "event" | "type" | "json">;

/** The event's type, without decoding the event where the reader knows it. */
export function typeOf(e: ReadEvent): string {
  return e.type ?? e.event.type;
}

export interface HistoryQuery {
  /** NATS subject filter (tenant and type pattern). */
  filterSubject: string;
  fromSeq?: number;
  fromTime?: string;
  toTime?: string;
  /** Most events to return. */
  limit: number;
  /** Most messages to read while filtering in the service (e.g. by CE subject). */
  scanLimit: number;
  /** Filters the bus applies itself; messages failing it are skipped. */
  accept?: (e: StoredEvent) => boolean;
}

export interface HistoryPage {
  items: StoredEvent[];
  /** Sequence to continue from, or null at the end of the stream. */
  nextSeq: number | null;
}

export interface StreamFigures {
  name: string;
  messages: number;
  bytes: number;
  firstSeq: number;
  lastSeq: number;
  consumers: number;
  limits: { maxMsgs: number; maxBytes: number; maxAgeSec: number };
}

export interface RangeInput {
  filterSubject: string;
  fromSeq?: number;
  fromTime?: string;
  toSeq?: number;
  toTime?: string;
  /** Attributes only (no data): enough to filter and count. */
  headersOnly?: boolean;
  /**
   * A long read of whole events (a replay): read where it costs this thread least, e.g. on another
   * one, where the store can. Short or header-only reads (counts, history pages) stay on this
   * thread: handing events over costs them more than it saves.
   */
  offload?: boolean;
}

/** Where events live (JetStream). */
export interface EventStore {
  /** A range in stream order, up to the last event stored when the read began, a batch (one pull) at a time. */
  read(q: RangeInput): AsyncIterable<StoredEvent[]>;
  /** How many events `read(q)` would give now (counted by the server, without reading them). */
  count(q: RangeInput): Promise<number>;
  /** Appends all items pipelined; resolves in item order. Rejects with `AppError` UNAVAILABLE if any is not acknowledged. */
  append(items: AppendItem[]): Promise<AppendResult[]>;
  get(seq: number): Promise<StoredEvent | undefined>;
  history(q: HistoryQuery): Promise<HistoryPage>;
  figures(): Promise<StreamFigures>;
  /** Largest stored event (bytes) the server takes, for size checks. */
  readonly maxMessageBytes: number;
  /** Stored size of an event (payload plus headers). */
  size(event: CloudEvent): number;
  connected(): boolean;
}

/** Counts for metrics; never awaited on the publish path, never throws. */
export interface MetricsSink {
  published(tenant: string, type: string, n: number): void;
}
