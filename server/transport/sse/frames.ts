import { type OverflowData, STREAM_EVENTS } from "../../../lib/contracts/stream";
import type { StoredEvent } from "../../core/bus/ports";
import { toJsonText } from "../../core/cloudevents/json";
import { type JsonParts, jsonParts, jsonPartsLength, writeJsonParts } from "../../core/cloudevents/nats";

/**
 * Server-Sent Events frames (HTML Living Standard, "Server-sent events"). Every frame ends with a
 * blank line; `data` is one line because JSON.stringify escapes CR and LF inside strings.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */

/**
 * One stored event: `id` is its stream sequence (what `Last-Event-ID` sends back), data the JSON
 * format. `shared`: other views get the same event object (a shared live read), so the frame is
 * made once for all of them; a view's own read (a replay, a resumed view) makes it without keeping
 * it — an entry per event in a WeakMap costs more than the frame.
 */
export function eventFrame(e: StoredEvent, shared = false): JsonParts {
  let frame = shared ? frames.get(e) : undefined;
  if (frame === undefined) {
    const head = `id: ${e.seq}\nevent: ${STREAM_EVENTS.cloudevent}\ndata: `;
    const json = e.json;
    frame =
      json === undefined
        ? jsonParts(`${toJsonText(e.event)}\n\n`, "", undefined, head)
        : jsonParts(json.head, `${json.tail}\n\n`, json.data, head, json.oneLine);
    if (shared) frames.set(e, frame);
  }
  return frame;
}

/** Frames of events views share, by event. */
const frames = new WeakMap<StoredEvent, JsonParts>();

/**
 * The frames of one write: their bytes are copied once, into one buffer, when it is taken (JSON
 * data straight from the stored bytes, its line breaks made spaces: no string of it is made).
 */
export class FrameQueue {
  private frames: (string | JsonParts)[] = [];
  /** Bytes queued. */
  bytes = 0;

  push(frame: string | JsonParts): void {
    this.frames.push(frame);
    this.bytes += typeof frame === "string" ? Buffer.byteLength(frame) : jsonPartsLength(frame);
  }

  /** Everything queued as one buffer (empty when nothing is), and the queue emptied. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.bytes);
    let at = 0;
    for (const f of this.frames) at = typeof f === "string" ? at + out.write(f, at, "utf8") : writeJsonParts(out, at, f);
    this.frames = [];
    this.bytes = 0;
    return out;
  }
}

/**
 * A position without an event: sets the client's last event id (browsers record it even though no
 * event is dispatched), so a reconnect resumes from where this stream started, with no gap.
 */
export function positionFrame(seq: number): string {
  return `id: ${seq}\n\n`;
}

/** A comment line, ignored by clients: keeps proxies and idle-timeouts from closing the stream. */
export function heartbeatFrame(at: Date): string {
  return `: hb ${at.toISOString()}\n\n`;
}

/** The last frame sent to a client too slow to keep up. */
export function overflowFrame(d: OverflowData): string {
  return `event: ${STREAM_EVENTS.overflow}\ndata: ${JSON.stringify({ dropped: d.dropped, lastSeq: d.lastSeq })}\n\n`;
}
