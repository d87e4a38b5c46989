import type { Msg, MsgHdrs } from "@nats-io/transport-node";
import type { HeaderReader } from "../../core/cloudevents/nats";

/** Headers as the binding reads them: names as stored, case-insensitive lookup for Content-Type. */
export function headerReader(h: MsgHdrs | undefined): HeaderReader | undefined {
  if (!h) return undefined;
  return {
    keys: () => h.keys(),
    get: (name) => h.get(name) || (name.toLowerCase() === "content-type" ? h.get("Content-Type") : ""),
  };
}

/** A header block read once: names in order of first appearance, the first value of each. */
class HeaderBlock implements HeaderReader {
  private readonly names: string[] = [];
  private readonly values: string[] = [];

  add(name: string, value: string): void {
    if (!this.names.includes(name)) {
      this.names.push(name);
      this.values.push(value);
    }
  }

  keys(): string[] {
    return this.names;
  }

  get(name: string): string {
    const i = this.names.indexOf(name);
    if (i >= 0) return this.values[i] ?? "";
    if (name.length !== 12 || name.toLowerCase() !== "content-type") return "";
    const j = this.names.findIndex((n) => n.toLowerCase() === "content-type");
    return j >= 0 ? (this.values[j] ?? "") : "";
  }
}

const utf8 = new TextDecoder();

/**
 * Parses a NATS header block (`NATS/1.0[ status]\r\nName: value\r\n…\r\n\r\n`) as nats.js does
 * (names kept as sent, values trimmed, the first value of a repeated name) — without its
 * per-header canonical-name checks and maps of arrays, which cost more than the rest of a delivery.
 */
export function parseHeaderBlock(text: string): HeaderReader {
  const block = new HeaderBlock();
  let start = text.indexOf("\r\n");
  if (start < 0) return block;
  start += 2;
  while (start < text.length) {
    let end = text.indexOf("\r\n", start);
    if (end < 0) end = text.length;
    const colon = text.indexOf(":", start);
    if (colon > start && colon < end) block.add(text.slice(start, colon), headerValueAt(text, colon + 1, end));
    start = end + 2;
  }
  return block;
}

/** The value between `from` and `end`, trimmed — `Name: value` (one space, then printable ASCII) without a second string. */
function headerValueAt(text: string, from: number, end: number): string {
  const last = text.charCodeAt(end - 1);
  if (end - from >= 2 && text.charCodeAt(from) === 0x20 && text.charCodeAt(from + 1) > 0x20 && last > 0x20 && last < 0x7f)
    return text.slice(from + 1, end);
  return text.slice(from, end).trim();
}

/** What nats.js keeps of a received message (not in its typings): the bytes and where the headers end. */
interface ReceivedMsg {
  _msg?: { hdr?: unknown; subject?: unknown; reply?: unknown };
  _rdata?: unknown;
  /** a JetStream message wraps the core message */
  msg?: ReceivedMsg;
}

/**
 * The headers of a received message (core or JetStream), read from the raw header block when the
 * client exposes it, else through `msg.headers`.
 */
export function messageHeaders(m: { headers?: MsgHdrs }): HeaderReader | undefined {
  const r = m as ReceivedMsg;
  const inner = r.msg ?? r;
  const hdr = inner._msg?.hdr;
  const raw = inner._rdata;
  if (typeof hdr !== "number" || !(raw instanceof Uint8Array)) return headerReader(m.headers);
  if (hdr <= 0) return undefined;
  return parseHeaderBlock(utf8.decode(raw.subarray(0, hdr)));
}

/**
 * A received message as the client read it (a view, not a copy), where the client exposes it: its
 * header block (the first `receivedHeaderLength` bytes) and then its data.
 */
function receivedBytes(m: { headers?: MsgHdrs }): Uint8Array | undefined {
  const r = m as ReceivedMsg;
  const inner = r.msg ?? r;
  return typeof inner._msg?.hdr === "number" && inner._rdata instanceof Uint8Array ? inner._rdata : undefined;
}

/** The length of the header block at the start of `receivedBytes` (0: none). */
function receivedHeaderLength(m: { headers?: MsgHdrs }): number {
  const r = m as ReceivedMsg;
  const hdr = (r.msg ?? r)._msg?.hdr;
  return typeof hdr === "number" && hdr > 0 ? hdr : 0;
}

/** Every header of a message, each value of a repeated one (a dead letter keeps them as received). */
export function allHeaders(m: { headers?: MsgHdrs }): [string, string][] {
  const out: [string, string][] = [];
  if (m.headers) for (const [k, vs] of m.headers) for (const v of vs) out.push([k, v]);
  return out;
}

/** A received message's (core or JetStream) reply subject as bytes (a view), where the client exposes it: null when it has none. */
export function replyBytes(m: Msg | { headers?: MsgHdrs }): Uint8Array | null | undefined {
  const r = m as ReceivedMsg;
  const inner = (r.msg ?? r)._msg;
  if (!inner || !(inner.subject instanceof Uint8Array)) return undefined;
  return inner.reply instanceof Uint8Array ? inner.reply : inner.reply === undefined ? null : undefined;
}

/** A received core message's subject as bytes (a view), where the client exposes it. */
export function subjectBytes(m: Msg): Uint8Array | undefined {
  const subject = (m as ReceivedMsg)._msg?.subject;
  return subject instanceof Uint8Array ? subject : undefined;
}

/**
 * A received message (core or JetStream) kept as the client read it (`raw`, `headerLength`): its
 * headers and data are read from it only when asked for — the reading thread takes the bus's own
 * events byte for byte (read-wire.ts), and a class makes no closure per message.
 */
export class KeptMessage<M extends { headers?: MsgHdrs; data: Uint8Array }> {
  readonly raw: Uint8Array | undefined;
  readonly headerLength: number;
  private read: HeaderReader | undefined | null = null;
  constructor(protected readonly m: M) {
    this.raw = receivedBytes(m);
    this.headerLength = receivedHeaderLength(m);
  }
  get headers(): HeaderReader | undefined {
    if (this.read === null) this.read = messageHeaders(this.m);
    return this.read;
  }
  get data(): Uint8Array {
    return this.m.data;
  }
}
