import type { StoredEvent } from "../../core/bus/ports";
import { parseEventSubject } from "../../core/bus/subjects";
import type { CloudEvent } from "../../core/cloudevents/event";
import { toJsonText } from "../../core/cloudevents/json";
import {
  decodeMarked,
  decodeNats,
  type HeaderReader,
  type JsonParts,
  jsonParts,
  type Marked,
  markedJson,
  readMarked,
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
  // written by the bus (marked, see `readMarked`): decoded only when read, its JSON made from the bytes when asked for
  const marked = h && readMarked(h);
  let event: CloudEvent | undefined;
  if (marked === undefined) {
    const decoded = decodeNats(h, data);
    if (!decoded.ok) return { ok: false, problems: decoded.problems.map((p) => `${p.field}: ${p.rule}`).join("; ") };
    event = decoded.event;
  }
  return { ok: true, stored: new ReadStoredEvent(seq, timeMs, tenantOf(o, subject), subject, data, marked, event) };
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
    private readonly data: Uint8Array,
    /** Set for a message the bus wrote (`readMarked`): then `decoded` is made when first read. */
    private readonly marked: Marked | undefined,
    private decoded: CloudEvent | undefined,
  ) {
    this.type = decoded ? decoded.type : marked?.type;
  }

  /** RFC 3339, made only when read (most deliveries never do). */
  get storedAt(): string {
    this.iso ??= new Date(this.storedAtMs).toISOString();
    return this.iso;
  }

  get event(): CloudEvent {
    // (set at once unless the message is marked: then `marked` is)
    this.decoded ??= decodeMarked(this.marked as Marked, this.data);
    return this.decoded;
  }

  get json(): JsonParts | undefined {
    if (this.marked !== undefined) this.parts ??= markedJson(this.marked, this.data) ?? jsonParts(toJsonText(this.event), "");
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
