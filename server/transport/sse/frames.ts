import { type OverflowData, STREAM_EVENTS } from "../../../lib/contracts/stream";
import type { StoredEvent } from "../../core/bus/ports";
import { toJsonText } from "../../core/cloudevents/json";

/**
 * Server-Sent Events frames (HTML Living Standard, "Server-sent events"). Every frame ends with a
 * blank line; `data` is one line because JSON.stringify escapes CR and LF inside strings.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */

/** One stored event: `id` is its stream sequence (what `Last-Event-ID` sends back), data the JSON format. */
export function eventFrame(e: StoredEvent): string {
  let frame = frames.get(e);
  if (frame === undefined) {
    frame = `id: ${e.seq}\nevent: ${STREAM_EVENTS.cloudevent}\ndata: ${toJsonText(e.event)}\n\n`;
    frames.set(e, frame);
  }
  return frame;
}

/** Views that share a read get the same stored event: its frame is made once for all of them. */
const frames = new WeakMap<StoredEvent, string>();

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
