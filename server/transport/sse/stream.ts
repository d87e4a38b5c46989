import type { ServerResponse } from "node:http";
import { z } from "zod";
import { tenantIdSchema } from "../../../lib/contracts/ids";
import { validationError } from "../../../lib/errors";
import { typePatternRule } from "../../core/bus/subjects";
import { type JsonParts, jsonPartsLength } from "../../core/cloudevents/nats";
import { checkTimestamp } from "../../core/cloudevents/types";
import type { LiveInput, LiveStream } from "../../core/stream/live";
import type { LiveStart } from "../../core/stream/ports";
import { validation } from "../http/io";
import type { RouteRequest } from "../http/router";
import { eventFrame, FrameQueue, heartbeatFrame, overflowFrame, positionFrame } from "./frames";

/** How the SSE writer paces itself. */
export interface SseOptions {
  /** Interval of comment heartbeats (`: hb <time>`). @default 15000 */
  heartbeatMs?: number;
  /**
   * Most bytes queued on one response: an event that would go past it waits for the client to take
   * what is queued (an event larger than this alone is written to an empty queue). @default 1048576
   */
  maxBufferedBytes?: number;
  /** A client that takes nothing for this long while events wait is sent `overflow` and cut off. @default 10000 */
  stallMs?: number;
}

const tenant = tenantIdSchema;
const typePattern = z.string().superRefine((v, ctx) => {
  const rule = typePatternRule(v);
  if (rule) ctx.addIssue({ code: "custom", message: rule });
});
const FROM_RULE = "must be now, seq:<N> (N >= 1) or time:<RFC 3339 time>";

/** `from=now|seq:N|time:T` as a start position, or the rule it breaks. */
export function parseFrom(v: string): LiveStart | string {
  if (v === "now") return { type: "now" };
  if (v.startsWith("seq:")) {
    const n = Number(v.slice(4));
    return /^\d{1,16}$/.test(v.slice(4)) && Number.isSafeInteger(n) && n >= 1 ? { type: "seq", seq: n } : FROM_RULE;
  }
  if (v.startsWith("time:")) {
    // a '+' left unencoded in a query string arrives as a space: take it back for the offset
    const t = v.slice(5).replace(/ (\d{2}:\d{2})$/, "+$1");
    return checkTimestamp(t) === undefined ? { type: "time", time: t } : FROM_RULE;
  }
  return FROM_RULE;
}

const from = z.string().transform((v, ctx): LiveStart => {
  const r = parseFrom(v);
  if (typeof r === "string") {
    ctx.addIssue({ code: "custom", message: r });
    return z.NEVER;
  }
  return r;
});

export const streamQuery = z
  .object({
    tenant: tenant.optional(),
    type: typePattern.optional(),
    subject: z.string().min(1, "must not be empty").optional(),
    from: from.optional(),
    replay: z.string().min(1, "must not be empty").optional(),
  })
  .strict();

const lastEventId = z
  .string()
  .regex(/^\d{1,16}$/, "must be the id of an event from this stream (a sequence number)")
  .transform(Number)
  .refine(Number.isSafeInteger, "is too large");

/** The query and `Last-Event-ID` header as the verb's input. `Last-Event-ID: N` wins over `from`: it resumes at N + 1. */
export function parseStreamRequest(query: URLSearchParams, lastEventIdHeader: string | string[] | undefined): LiveInput {
  const obj: Record<string, string> = {};
  for (const [k, v] of query) obj[k] = v;
  const q = streamQuery.safeParse(obj);
  if (!q.success) throw validation(q.error, "Invalid query parameters");
  let start: LiveStart = q.data.from ?? { type: "now" };
  if (lastEventIdHeader !== undefined) {
    const header = Array.isArray(lastEventIdHeader) ? lastEventIdHeader.join(",") : lastEventIdHeader;
    const id = lastEventId.safeParse(header.trim());
    if (!id.success) {
      throw validationError("Last-Event-ID", id.error.issues[0]?.message ?? "is invalid", "Invalid Last-Event-ID header");
    }
    start = { type: "seq", seq: id.data + 1 };
  }
  const { tenant, type, subject, replay } = q.data;
  return { tenant, type, subject, from: start, replay };
}

type Wait = "flushed" | "stalled" | "stopped";

/**
 * Resolves when `flushed` does (everything written so far has gone to the OS), the view stops
 * (shutdown, disconnect) or `ms` pass. Leaves no listener or timer behind.
 */
function settle(flushed: Promise<void>, res: ServerResponse, live: LiveStream, ms: number): Promise<Wait> {
  if (live.signal.aborted || res.destroyed) return Promise.resolve("stopped");
  return new Promise((resolve) => {
    let settled = false;
    const done = (w: Wait) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      res.off("close", onStop);
      live.signal.removeEventListener("abort", onStop);
      resolve(w);
    };
    const onStop = () => done("stopped");
    const timer = setTimeout(() => done("stalled"), ms);
    res.on("close", onStop);
    live.signal.addEventListener("abort", onStop);
    flushed.then(() => done("flushed"));
  });
}

/**
 * `GET /api/stream`: Server-Sent Events for read-only live views. Parses, opens the view (any
 * error is answered as JSON before a byte of the stream), then writes each event as it arrives.
 * Frames are queued up to a quarter of `maxBufferedBytes` (writes of up to 256 KB by default: fewer
 * system calls than the socket's 16 KB mark); past that the next event is read only once the socket
 * has taken what is queued, so a slow client slows only its own consumer; one that takes nothing
 * for `stallMs` gets `event: overflow` and is closed.
 */
export function createStreamHandler(options: SseOptions = {}): (r: RouteRequest) => Promise<void> {
  const o = { heartbeatMs: 15_000, maxBufferedBytes: 1_048_576, stallMs: 10_000, ...options };

  return async function stream({ req, res, query, ctx, c }: RouteRequest): Promise<void> {
    const input = parseStreamRequest(query, req.headers["last-event-id"]);
    // The response's 'close' marks a disconnect in every Node version (the request's 'close' may
    // fire as soon as its empty body is read).
    let gone = false;
    const onGone = () => {
      gone = true;
    };
    res.once("close", onGone);
    const live = await c.live.open({ ctx, input }).finally(() => res.off("close", onGone));
    if (gone) {
      await live.stop();
      return;
    }

    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
      connection: "keep-alive",
    });
    res.flushHeaders();

    const onClose = () => void live.stop();
    res.on("close", onClose);
    // `flushed()` settles once everything written so far has gone to the OS (every write's callback
    // has run): a count of writes under way, not a promise per write
    let unwritten = 0;
    let onFlushed: (() => void)[] = [];
    const written = () => {
      if (--unwritten > 0 || onFlushed.length === 0) return;
      const waiting = onFlushed;
      onFlushed = [];
      for (const w of waiting) w();
    };
    const flushed = (): Promise<void> =>
      unwritten === 0 ? Promise.resolve() : new Promise<void>((resolve) => onFlushed.push(resolve));
    // Frames of one event-loop turn are joined and leave as one write (one chunk, one system call).
    const queue = new FrameQueue();
    let scheduled = false;
    const flush = (): void => {
      scheduled = false;
      if (queue.bytes === 0) return;
      const out = queue.take();
      if (res.writableEnded || res.destroyed) return;
      unwritten++;
      res.write(out, written);
    };
    /** Bytes given to this response and not yet taken by the OS. */
    const queued = () => res.writableLength + queue.bytes;
    /** Queues a frame; false once the queue reaches a quarter of maxBufferedBytes (or the socket's mark, if higher). */
    const write = (frame: string | JsonParts): boolean => {
      queue.push(frame);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      return queued() < Math.max(res.writableHighWaterMark, o.maxBufferedBytes / 4);
    };
    /** Writes what is queued and settles once the OS has taken everything. */
    const drained = (): Promise<void> => {
      flush();
      return flushed();
    };
    const heartbeat = setInterval(() => {
      // skipped while the socket is full: the client is not reading, and the queue must not grow
      if (!res.writableNeedDrain) write(heartbeatFrame(new Date()));
    }, o.heartbeatMs);
    let lastSeq = live.startSeq - 1;
    let held = 0; // an event taken from the view but not written
    let overflow = false;
    try {
      write(positionFrame(lastSeq));
      for await (const e of live) {
        if (res.destroyed) break;
        const frame = eventFrame(e, live.shared);
        // The queue stays under maxBufferedBytes: a frame that would pass it waits for the queue to
        // empty (one larger than the bound goes alone).
        if (queued() > 0 && queued() + jsonPartsLength(frame) > o.maxBufferedBytes) {
          const w = await settle(drained(), res, live, o.stallMs);
          if (w !== "flushed") {
            held = 1;
            overflow = w === "stalled";
            break;
          }
        }
        lastSeq = e.seq;
        // Past the socket's high-water mark: read nothing more from NATS until the client has taken it all.
        if (!write(frame)) {
          const w = await settle(drained(), res, live, o.stallMs);
          if (w !== "flushed") {
            overflow = w === "stalled";
            break;
          }
        }
      }
    } catch (e) {
      // headers are sent: end the stream; the client reconnects with Last-Event-ID
      c.log.warn({ err: e }, "live stream failed");
    } finally {
      clearInterval(heartbeat);
      res.off("close", onClose);
      // counted before the consumer goes
      const dropped = overflow ? held + (await live.pending().catch(() => 0)) : 0;
      await live.stop();
      flush(); // frames still queued go before the end
      if (overflow) endOverflowed(res, overflowFrame({ dropped, lastSeq }), o.stallMs);
      else if (!res.writableEnded && !res.destroyed) res.end();
    }
  };
}

/**
 * Ends the response with the overflow frame. A client that still reads nothing would keep the
 * socket and what is queued on it: it is cut off if the end has not gone out within `ms`.
 */
function endOverflowed(res: ServerResponse, frame: string, ms: number): void {
  if (res.writableEnded || res.destroyed) return;
  const cut = setTimeout(() => res.destroy(), ms);
  const clear = () => clearTimeout(cut);
  res.once("finish", clear);
  res.once("close", clear);
  res.end(frame);
}
