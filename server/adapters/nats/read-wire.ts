import type { StoredEvent } from "../../core/bus/ports";
import type { CloudEvent } from "../../core/cloudevents/event";
import { toJsonText } from "../../core/cloudevents/json";
import { type HeaderReader, type JsonParts, jsonParts, jsonPartsLength, writeJsonParts } from "../../core/cloudevents/nats";
import { sameBytes } from "./bytes";
import { MarkedJsonWriter } from "./marked-json-bytes";
import { parseHeaderBlock } from "./message-headers";
import type { RangeMessage, RangeQuery } from "./range-reader";
import { type DecodeContext, decodeStored, logSkipped, tenantOf } from "./stored-event";

/**
 * A range read's batch as the reading thread hands it to the main thread (see read-worker.ts):
 * numbers and bytes in arrays whose memory is transferred, not copied; each distinct subject and type
 * once (a range holds few: tenant × type), each event naming its own by index.
 * Each event's header block, data and JSON format are in `bytes`, the JSON already made (its data's
 * line breaks made spaces): a delivery writes those bytes as they are.
 */
export interface WireBatch {
  seq: Float64Array;
  time: Float64Array;
  /** Each event's subject and type: indexes into `names` (a type of 0: not known without decoding). */
  subject: Uint32Array;
  type: Uint32Array;
  /** Distinct subjects and types; entry 0 is unused. */
  names: string[];
  /** Per event, where its header block, data and JSON begin in `bytes`; then where the last ends. */
  offsets: Uint32Array;
  bytes: Uint8Array;
  /** Messages that are not CloudEvents: skipped, to be logged by the main thread (a pull's: handed over raw, to be dead-lettered). */
  skipped: SkippedMessage[];
  /** A pull's batch (a durable consumer's messages): each event's reply subject (its ack) and delivery count. */
  reply?: string[];
  attempt?: Uint32Array;
}

export interface SkippedMessage {
  seq: number;
  subject: string;
  problems: string;
  /** A pull's: what the dispatcher needs to dead-letter it. */
  pulled?: { reply: string; attempt: number; headers: [string, string][]; payload: Uint8Array };
}

/** A message of a durable consumer's pull, as the reading thread hands it over. */
export interface PulledMessage extends RangeMessage {
  reply: string;
  /** Its delivery count (1 on its first delivery). */
  attempt: number;
  /** Every header as received (read only for a message that is no CloudEvent, to dead-letter it). */
  allHeaders: () => [string, string][];
}

/** A pull of a durable consumer (see consumers.ts: the main thread acknowledges through `reply`). */
export interface PullQuery {
  stream: string;
  consumer: string;
  max: number;
  expiresMs: number;
}

/** What the main thread asks of the reading thread. */
export type ReaderRequest =
  | { type: "read"; id: number; query: RangeQuery; credit: number }
  /** The main thread took batches: `n` more may be sent. */
  | { type: "credit"; id: number; n: number }
  | { type: "cancel"; id: number }
  | { type: "pull"; id: number; query: PullQuery }
  | { type: "close" };

/** What the reading thread answers. */
export type ReaderReply =
  | { type: "ready" }
  | { type: "log"; msg: string; extra?: object }
  | { type: "batch"; id: number; batch: WireBatch }
  | { type: "end"; id: number }
  | { type: "error"; id: number; message: string };

const utf8 = new TextDecoder();
const EMPTY = new Uint8Array(0);

/** A header block as NATS writes one, from the headers as read (names as stored, the first value of each). */
function headerBlock(h: HeaderReader): string {
  let s = "NATS/1.0\r\n";
  for (const k of h.keys()) s += `${k}: ${h.get(k)}\r\n`;
  return `${s}\r\n`;
}

/** Writes each bus-written event's JSON straight from its bytes (see marked-json-bytes.ts); one per thread. */
const writer = new MarkedJsonWriter();

/**
 * The batch for the main thread; `withJson`: the JSON format of each event too (not for header-only
 * reads). A pull's messages (`PulledMessage`) also carry their reply subjects and delivery counts.
 * An event the bus wrote, with its header block as received, is taken byte for byte
 * (`MarkedJsonWriter`); any other is decoded (`decodeStored`) and its JSON made from that.
 */
export function encodeBatch(o: DecodeContext, read: RangeMessage[] | PulledMessage[], withJson: boolean): WireBatch {
  const n = read.length;
  const seq = new Float64Array(n);
  const time = new Float64Array(n);
  const subject = new Uint32Array(n);
  const type = new Uint32Array(n);
  const names: string[] = [""];
  const index = new Map<string, number>();
  const nameOf = (s: string) => {
    let i = index.get(s);
    if (i === undefined) {
      i = names.push(s) - 1;
      index.set(s, i);
    }
    return i;
  };
  // the type last read byte for byte, to name it without making its string again
  let lastType: Uint8Array = EMPTY;
  let lastTypeIndex = 0;
  const pulled = n > 0 && "reply" in (read[0] as RangeMessage | PulledMessage);
  const reply: string[] = [];
  const attempt = new Uint32Array(pulled ? n : 0);
  let count = 0;
  const skipped: SkippedMessage[] = [];
  const offsets = new Uint32Array(3 * n + 1);
  // room for each event's block, data and JSON (which the byte path keeps within the first two);
  // grown for a JSON that is longer (escaped text, base64). A buffer of its own (not a slice of
  // Node's pool): its memory goes to the other thread.
  let room = 64;
  for (const m of read) room += m.raw ? 2 * m.raw.length : 2 * (256 + m.data.length);
  let bytes = Buffer.allocUnsafeSlow(room);
  let at = 0;
  const ensure = (more: number) => {
    if (at + more <= bytes.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(2 * bytes.length, at + more));
    bytes.copy(grown, 0, 0, at);
    bytes = grown;
  };
  for (const m of read) {
    const raw = m.raw;
    const headerLength = m.headerLength ?? 0;
    let end = -1;
    if (withJson && raw !== undefined) {
      ensure(2 * raw.length);
      end = writer.write(raw, headerLength, bytes, at);
      if (end >= 0) {
        const i = count++;
        offsets[3 * i] = at;
        offsets[3 * i + 1] = at + headerLength;
        offsets[3 * i + 2] = at + raw.length;
        at = end;
        subject[i] = nameOf(m.subject);
        // its type, as written into the JSON
        const t0 = writer.typeStart;
        const t1 = writer.typeEnd;
        if (!sameBytes(lastType, 0, lastType.length, bytes, t0, t1)) {
          lastType = bytes.slice(t0, t1);
          lastTypeIndex = nameOf(Buffer.from(lastType.buffer, lastType.byteOffset, lastType.length).toString("latin1"));
        }
        type[i] = lastTypeIndex;
      }
    }
    if (end < 0) {
      const r = decodeStored(o, m.seq, m.subject, m.timeMs, m.headers, m.data);
      if (!r.ok) {
        skipped.push({
          seq: m.seq,
          subject: m.subject,
          problems: r.problems,
          ...(pulled ? { pulled: rawPulled(m as PulledMessage) } : {}),
        });
        continue;
      }
      const i = count++;
      subject[i] = nameOf(m.subject);
      type[i] = r.stored.type === undefined ? 0 : nameOf(r.stored.type);
      const json = withJson ? (r.stored.json ?? jsonParts(toJsonText(r.stored.event), "")) : undefined;
      // the message as received; else its header block as NATS would write it from the headers read
      const head = raw ? EMPTY : m.headers ? Buffer.from(headerBlock(m.headers)) : EMPTY;
      const data = raw ?? m.data;
      ensure(head.length + data.length + (json ? jsonPartsLength(json) : 0));
      offsets[3 * i] = at;
      bytes.set(head, at);
      bytes.set(data, at + head.length);
      offsets[3 * i + 1] = at + (raw ? headerLength : head.length);
      at += head.length + data.length;
      offsets[3 * i + 2] = at;
      if (json) at = writeJsonParts(bytes, at, json);
    }
    const i = count - 1;
    if (pulled) {
      reply.push((m as PulledMessage).reply);
      attempt[i] = (m as PulledMessage).attempt;
    }
    seq[i] = m.seq;
    time[i] = m.timeMs;
  }
  offsets[3 * count] = at;
  return {
    seq: count === n ? seq : seq.slice(0, count),
    time: count === n ? time : time.slice(0, count),
    subject: count === n ? subject : subject.slice(0, count),
    type: count === n ? type : type.slice(0, count),
    names,
    offsets: count === n ? offsets : offsets.slice(0, 3 * count + 1),
    bytes,
    skipped,
    ...(pulled ? { reply, attempt: count === n ? attempt : attempt.slice(0, count) } : {}),
  };
}

function rawPulled(m: PulledMessage): NonNullable<SkippedMessage["pulled"]> {
  return { reply: m.reply, attempt: m.attempt, headers: m.allHeaders(), payload: m.data };
}

/** The memory `postMessage` hands over with a batch. */
export function transferables(b: WireBatch): ArrayBuffer[] {
  const t = [b.seq.buffer, b.time.buffer, b.subject.buffer, b.type.buffer, b.offsets.buffer, b.bytes.buffer] as ArrayBuffer[];
  if (b.attempt) t.push(b.attempt.buffer as ArrayBuffer);
  return t;
}

/** The batch's events, on the main thread (skipped messages logged as the thread reading inline does; a pull's are the caller's). */
export function decodeBatch(o: DecodeContext, b: WireBatch): StoredEvent[] {
  for (const s of b.skipped) if (!s.pulled) logSkipped(o, s.seq, s.subject, s.problems);
  const out: StoredEvent[] = new Array(b.seq.length);
  // a Buffer over the memory handed over (no copy): its searches (the JSON's line breaks) are native
  const bytes = Buffer.from(b.bytes.buffer, b.bytes.byteOffset, b.bytes.byteLength);
  for (let i = 0; i < out.length; i++) {
    const subject = b.names[b.subject[i] as number] as string;
    const type = b.type[i] as number;
    out[i] = new WireStoredEvent(
      o,
      b.seq[i] as number,
      b.time[i] as number,
      tenantOf(o, subject),
      subject,
      type === 0 ? undefined : b.names[type],
      bytes,
      b.offsets,
      3 * i,
    );
  }
  return out;
}

/** An event of a batch: its JSON is the bytes made by the reading thread; the event itself is decoded only when asked for. */
class WireStoredEvent implements StoredEvent {
  private iso: string | undefined;
  private parts: JsonParts | undefined;
  private decoded: CloudEvent | undefined;

  constructor(
    private readonly o: DecodeContext,
    readonly seq: number,
    readonly storedAtMs: number,
    readonly tenant: string,
    readonly subject: string,
    readonly type: string | undefined,
    private readonly bytes: Uint8Array,
    private readonly offsets: Uint32Array,
    private readonly at: number,
  ) {}

  get storedAt(): string {
    this.iso ??= new Date(this.storedAtMs).toISOString();
    return this.iso;
  }

  get event(): CloudEvent {
    if (this.decoded === undefined) {
      const h = this.offsets[this.at] as number;
      const d = this.offsets[this.at + 1] as number;
      const j = this.offsets[this.at + 2] as number;
      const headers = d > h ? parseHeaderBlock(utf8.decode(this.bytes.subarray(h, d))) : undefined;
      const r = decodeStored(this.o, this.seq, this.subject, this.storedAtMs, headers, this.bytes.subarray(d, j));
      // the reading thread checked it: a message that is no CloudEvent is not here
      if (!r.ok) throw new Error(`stored message ${this.seq} is not a valid CloudEvent: ${r.problems}`);
      this.decoded = r.stored.event;
    }
    return this.decoded;
  }

  get json(): JsonParts | undefined {
    const j = this.offsets[this.at + 2] as number;
    const end = this.offsets[this.at + 3] as number;
    if (end === j) return undefined;
    // written out once by the reading thread (writeJsonParts): one line already
    this.parts ??= jsonParts("", "", this.bytes.subarray(j, end), undefined, true);
    return this.parts;
  }
}
