import { WebSocket } from "ws";
import { type JsonParts, jsonPartsBuffer, jsonPartsLength, writeJsonParts } from "../../core/cloudevents/nats";

/** What the `ws` package keeps of an open connection (not in its typings). */
interface WsInternals {
  _socket?: { write(chunk: Buffer): boolean; once(event: "drain", f: () => void): unknown };
  _sender?: { _queue: unknown[]; _state: number; _bufferedBytes: number };
  _extensions?: Record<string, unknown>;
}

/** Bytes of an unmasked server frame header for a payload of `n` bytes (RFC 6455 §5.2). */
function headerBytes(n: number): number {
  return n < 126 ? 2 : n < 65_536 ? 4 : 10;
}

function writeHeader(buf: Buffer, at: number, n: number): number {
  buf[at] = 0x81; // FIN, text frame
  if (n < 126) {
    buf[at + 1] = n;
    return at + 2;
  }
  if (n < 65_536) {
    buf[at + 1] = 126;
    buf.writeUInt16BE(n, at + 2);
    return at + 4;
  }
  buf[at + 1] = 127;
  buf.writeUInt32BE(Math.floor(n / 2 ** 32), at + 2);
  buf.writeUInt32BE(n >>> 0, at + 6);
  return at + 10;
}

/**
 * The text frames one connection sends in one event-loop turn, written to its socket as one buffer
 * (one allocation and one system call for the turn, instead of two buffers and a write per frame
 * through `ws.send`). Frames go in the order they were sent. Where `ws` could be writing itself
 * (a compression extension, or a frame of its own still queued) it falls back to `ws.send`.
 * Call `flush()` before closing, so that what is queued goes before the close frame.
 */
export class TurnWriter {
  private texts: (string | JsonParts)[] = [];
  private bytes = 0;
  private scheduled = false;
  private draining = false;

  /** `written`: called after each turn's write reached the socket, and when the socket drains after a write it had to buffer. */
  constructor(
    private readonly ws: WebSocket,
    private readonly written?: () => void,
  ) {}

  /** Bytes queued for this turn, not yet given to the socket. */
  queued(): number {
    return this.bytes;
  }

  /** Queues a text frame: JSON text, or JSON in parts (copied straight into the turn's buffer). */
  send(text: string | JsonParts): void {
    this.texts.push(text);
    this.bytes +=
      typeof text === "string"
        ? text.length
        : (text.pre?.length ?? 0) + text.head.length + (text.data?.length ?? 0) + text.tail.length;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    const texts = this.texts;
    if (texts.length === 0) return;
    this.texts = [];
    this.bytes = 0;
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const w = this.ws as unknown as WsInternals;
    const socket = w._socket;
    const sender = w._sender;
    const direct =
      socket !== undefined &&
      sender !== undefined &&
      sender._queue.length === 0 &&
      sender._state === 0 &&
      Object.keys(w._extensions ?? {}).length === 0;
    if (!direct) {
      for (const t of texts) this.ws.send(typeof t === "string" ? t : jsonPartsBuffer(t), { binary: false });
      return;
    }
    const lengths = texts.map((t) => (typeof t === "string" ? Buffer.byteLength(t) : jsonPartsLength(t)));
    let total = 0;
    for (const n of lengths) total += headerBytes(n) + n;
    const buf = Buffer.allocUnsafe(total);
    let at = 0;
    for (let i = 0; i < texts.length; i++) {
      at = writeHeader(buf, at, lengths[i] as number);
      const t = texts[i] as string | JsonParts;
      at = typeof t === "string" ? at + buf.write(t, at, "utf8") : writeJsonParts(buf, at, t);
    }
    const written = this.written;
    if (!written) {
      socket.write(buf);
      return;
    }
    if (socket.write(buf)) written();
    else if (!this.draining) {
      // once for every turn written while the socket drains
      this.draining = true;
      socket.once("drain", () => {
        this.draining = false;
        written();
      });
    }
  }
}
