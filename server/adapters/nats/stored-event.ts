import type { StoredEvent } from "../../core/bus/ports";
import { parseEventSubject } from "../../core/bus/subjects";
import type { CloudEvent } from "../../core/cloudevents/event";
import { toJsonText } from "../../core/cloudevents/json";
import {
  decodeMarked,
  decodeNats,
  type HeaderReader,
  headerValue,
  type JsonParts,
  jsonParts,
  markedJson,
  markedKind,
} from "../../core/cloudevents/nats";

export type DecodeContext = { subjectPrefix: string; defaultTenant: string; log: (msg: string, extra?: object) => void };

/** A stored message as an event with its position (tenant from the subject), or the problems that make it no CloudEvent. */
export function decodeStored(
  o: DecodeContext,
  seq: number,
  subject: string,
  timeMs: number,
  h: HeaderReader | undefined,
  data: Uint8Array,
): { ok: true; stored: StoredEvent } | { ok: false; problems: string } {
  // written by the bus (marked, see `markedKind`): decoded only when read, its JSON made from the bytes when asked for
  const kind = h && markedKind(h);
  let event: CloudEvent | undefined;
  if (kind === undefined) {
    const decoded = decodeNats(h, data);
    if (!decoded.ok) return { ok: false, problems: decoded.problems.map((p) => `${p.field}: ${p.rule}`).join("; ") };
    event = decoded.event;
  }
  return { ok: true, stored: new ReadStoredEvent(seq, timeMs, tenantOf(o, subject), subject, h, data, kind, event) };
}

/** A stored event as read: a class, so that reading one makes no closures. */
class ReadStoredEvent implements StoredEvent {
  readonly type: string | undefined;
  private iso: string | undefined;
  private parts: JsonParts | undefined;

  constructor(
    readonly seq: number,
    readonly storedAtMs: number,
    readonly tenant: string,
    readonly subject: string,
    private readonly headers: HeaderReader | undefined,
    private readonly data: Uint8Array,
    /** Set for a message the bus wrote (`markedKind`): then `decoded` is made when first read. */
    private readonly kind: string | undefined,
    private decoded: CloudEvent | undefined,
  ) {
    this.type = decoded ? decoded.type : headers && headerValue(headers.get("ce-type"));
  }

  /** RFC 3339, made only when read (most deliveries never do). */
  get storedAt(): string {
    this.iso ??= new Date(this.storedAtMs).toISOString();
    return this.iso;
  }

  get event(): CloudEvent {
    // (set at once unless the message is marked: then kind and headers are)
    this.decoded ??= decodeMarked(this.headers as HeaderReader, this.kind as string, this.data);
    return this.decoded;
  }

  get json(): JsonParts | undefined {
    if (this.kind !== undefined && this.headers)
      this.parts ??= markedJson(this.headers, this.kind, this.data) ?? jsonParts(toJsonText(this.event), "");
    return this.parts;
  }
}

/** Tenants by subject, per reader: a stream holds few distinct subjects (tenant × type), each parsed once. */
const tenantCaches = new WeakMap<DecodeContext, Map<string, string>>();
export function tenantOf(o: DecodeContext, subject: string): string {
  let cache = tenantCaches.get(o);
  if (!cache) {
    cache = new Map();
    tenantCaches.set(o, cache);
  }
  let t = cache.get(subject);
  if (t === undefined) {
    t = parseEventSubject(o.subjectPrefix, subject)?.tenant ?? o.defaultTenant;
    if (cache.size >= 10_000) cache.clear();
    cache.set(subject, t);
  }
  return t;
}

/** As `decodeStored`, for readers that skip (and log) messages that are not CloudEvents. */
export function toStored(
  o: DecodeContext,
  seq: number,
  subject: string,
  timeMs: number,
  h: HeaderReader | undefined,
  data: Uint8Array,
): StoredEvent | undefined {
  const r = decodeStored(o, seq, subject, timeMs, h, data);
  if (r.ok) return r.stored;
  logSkipped(o, seq, subject, r.problems);
  return undefined;
}

/** Logs a stored message a reader skips: it is no CloudEvent. */
export function logSkipped(o: DecodeContext, seq: number, subject: string, problems: string): void {
  o.log("skipping a stored message that is not a valid CloudEvent", { seq, subject, problems });
}
