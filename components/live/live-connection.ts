import { ApiError, apiErrorFrom, authHeaders, fetchJson, isApiError } from "@/lib/api-client";
import { cloudEventJsonSchema } from "@/lib/contracts/events";
import { replayStatusSchema } from "@/lib/contracts/replays";
import { overflowDataSchema, STREAM_EVENTS } from "@/lib/contracts/stream";
import type { ErrorCode } from "@/lib/errors";
import { type LiveSnapshot, type StreamFrom, type StreamParams, streamUrl } from "@/lib/queries/live";
import { type LiveRow, toLiveRow } from "./filters";
import { RateMeter } from "./rate";
import { RingBuffer } from "./ring-buffer";

export type StreamStatus =
  | { state: "connecting" }
  | { state: "open" }
  | { state: "reconnecting"; error?: unknown }
  | { state: "error"; error: unknown }
  /** A replay's stream reached the end of its range (a replay is read once: no reconnect). */
  | { state: "ended" };

/** What the connection needs of an `EventSource` (a fake in tests). */
export interface EventSourceLike {
  readonly readyState: number;
  onopen: ((e: Event) => void) | null;
  onerror: ((e: Event) => void) | null;
  addEventListener(type: string, listener: (e: MessageEvent<string>) => void): void;
  close(): void;
}

/** `EventSource.CONNECTING`: the browser is retrying by itself. */
export const SOURCE_CONNECTING = 0;

export interface LiveConnectionOptions {
  params: StreamParams;
  /** Most events kept. */
  capacity: number;
  /**
   * Least time between two showings of new events, in ms. An event arriving after a quiet spell
   * shows at once (in the next task, with any others of the same burst). @default 100
   */
  flushMs?: number;
  createSource: (url: string) => EventSourceLike;
  /** Why the server refused the stream (its JSON error), or `undefined` when it now answers. */
  probe: (url: string) => Promise<ApiError | undefined>;
  onSnapshot: (s: LiveSnapshot<LiveRow>) => void;
  onStatus: (s: StreamStatus) => void;
  /** Events that arrived while paused. */
  onPending: (n: number) => void;
  onNotice: (message: string) => void;
  now?: () => number;
  /** First delay before reconnecting after the server refused; doubles up to 15 s. @default 1000 */
  retryMs?: number;
}

/** Errors worth reconnecting after; the others (a bad filter, no permission) stop the stream. */
const RETRYABLE: ReadonlySet<ErrorCode> = new Set(["UNAVAILABLE", "RATE_LIMITED", "INTERNAL"]);

/**
 * The live tail's connection, free of React: an event source on `GET /api/stream`, a bounded ring
 * buffer, a rate meter, pause/resume. Snapshots of the buffer are published at most once per
 * `flushMs`, at once after a quiet spell (never while paused). Events are kept in sequence order
 * without repeats: after any reconnect the stream resumes after the last sequence received
 * (`Last-Event-ID` for the browser's own retries, `from=seq:N+1` when we reconnect after an error).
 */
export class LiveConnection {
  private readonly buffer: RingBuffer<LiveRow>;
  private readonly meter = new RateMeter(5, 60);
  private readonly flushMs: number;
  private readonly now: () => number;
  private source: EventSourceLike | undefined;
  private lastSeq: number | undefined;
  private paused = false;
  private pausedAt = 0;
  private stopped = false;
  /** Whether a connection has opened (for a replay: its range is being read, so a close is its end). */
  private opened = false;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** When new events were last shown (or counted while paused). */
  private flushedAt = Number.NEGATIVE_INFINITY;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryDelay: number;

  constructor(private readonly o: LiveConnectionOptions) {
    this.buffer = new RingBuffer<LiveRow>(o.capacity);
    this.flushMs = o.flushMs ?? 100;
    this.now = o.now ?? Date.now;
    this.retryDelay = o.retryMs ?? 1000;
  }

  start(): void {
    this.publish();
    this.o.onStatus({ state: "connecting" });
    this.connect("now");
  }

  stop(): void {
    this.stopped = true;
    this.source?.close();
    clearTimeout(this.flushTimer);
    clearTimeout(this.retryTimer);
  }

  /** Freezes the view; events keep arriving and are counted. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.pausedAt = this.buffer.total;
    this.o.onPending(0);
  }

  /** Shows everything that arrived while paused at once. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.o.onPending(0);
    this.publish();
  }

  clear(): void {
    this.buffer.clear();
    this.pausedAt = 0;
    this.o.onPending(0);
    this.publish();
  }

  /** Events/s received (before any browser-side filter). */
  rate(): number {
    return this.meter.rate(this.now());
  }

  /** Events per second over the last minute, oldest first. */
  rateHistory(): number[] {
    return this.meter.history(this.now());
  }

  private publish(): void {
    this.o.onSnapshot({ rows: this.buffer.toArray(), received: this.buffer.total, evicted: this.buffer.evicted });
  }

  private flush = (): void => {
    this.flushTimer = undefined;
    this.flushedAt = this.now();
    if (this.paused) this.o.onPending(this.buffer.total - this.pausedAt);
    else this.publish();
  };

  private onEvent = (m: MessageEvent<string>): void => {
    const seq = Number(m.lastEventId);
    if (!Number.isSafeInteger(seq) || (this.lastSeq !== undefined && seq <= this.lastSeq)) return;
    let json: unknown;
    try {
      json = JSON.parse(m.data);
    } catch {
      return;
    }
    const parsed = cloudEventJsonSchema.safeParse(json);
    if (!parsed.success) return;
    this.lastSeq = seq;
    const at = this.now();
    this.buffer.push(toLiveRow(seq, parsed.data, at));
    this.meter.record(at);
    this.flushTimer ??= setTimeout(this.flush, Math.max(0, this.flushedAt + this.flushMs - at));
  };

  private onOverflow = (m: MessageEvent<string>): void => {
    let d: { dropped: number; lastSeq: number } | undefined;
    try {
      const r = overflowDataSchema.safeParse(JSON.parse(m.data));
      d = r.success ? r.data : undefined;
    } catch {
      d = undefined;
    }
    // the server ends the response; the browser reconnects with Last-Event-ID and it resumes there
    this.o.onNotice(
      d
        ? `The tab fell behind: ${d.dropped.toLocaleString("en-US")} events were held back and are being caught up from seq ${d.lastSeq + 1}.`
        : "The tab fell behind; catching up.",
    );
  };

  private connect(from: StreamFrom): void {
    if (this.stopped) return;
    const url = streamUrl(this.o.params, from);
    const source = this.o.createSource(url);
    this.source = source;
    source.onopen = () => {
      this.opened = true;
      this.retryDelay = this.o.retryMs ?? 1000;
      this.o.onStatus({ state: "open" });
    };
    source.addEventListener(STREAM_EVENTS.cloudevent, this.onEvent);
    source.addEventListener(STREAM_EVENTS.overflow, this.onOverflow);
    source.onerror = () => {
      if (this.stopped || source !== this.source) return;
      if (this.o.params.replay !== undefined && this.opened) {
        // the server ended the replay's response after its range; the browser's own reconnect
        // would be refused (a stream replay is read once), so this is the end
        source.close();
        clearTimeout(this.flushTimer);
        this.flush();
        this.o.onStatus({ state: "ended" });
        return;
      }
      if (source.readyState === SOURCE_CONNECTING) {
        this.o.onStatus({ state: "reconnecting" });
        return;
      }
      // closed for good: the server answered an error, or something that is not an event stream
      source.close();
      this.o.onStatus({ state: "reconnecting" });
      void this.o.probe(url).then((error) => {
        if (this.stopped) return;
        if (error && !RETRYABLE.has(error.code)) {
          this.o.onStatus({ state: "error", error });
          return;
        }
        this.o.onStatus({ state: "reconnecting", error });
        this.retryTimer = setTimeout(
          () => this.connect(this.lastSeq === undefined ? "now" : { seq: this.lastSeq + 1 }),
          this.retryDelay,
        );
        this.retryDelay = Math.min(this.retryDelay * 2, 15_000);
      });
    };
  }
}

/** Asks the server why it refused a stream: the JSON error it answers before any stream byte. */
export async function probeStream(url: string): Promise<ApiError | undefined> {
  const ctrl = new AbortController();
  try {
    const res = await fetch(url, { headers: { accept: "text/event-stream", ...authHeaders() }, signal: ctrl.signal });
    if (res.ok) return undefined;
    return apiErrorFrom(res.status, await res.json().catch(() => undefined));
  } catch (e) {
    return new ApiError(0, "UNAVAILABLE", "The live stream could not be reached", [], { cause: e });
  } finally {
    ctrl.abort();
  }
}

/**
 * Asks why a replay's stream was refused without touching the stream itself (reading it would
 * start the replay, and a stream replay is read once): from `GET /api/replays/{id}`. `undefined`
 * while it still waits to be read (worth reconnecting).
 */
export function replayProbe(id: string): (url: string) => Promise<ApiError | undefined> {
  return async () => {
    try {
      const r = await fetchJson(`/api/replays/${encodeURIComponent(id)}`, replayStatusSchema);
      if (r.state === "pending") return undefined;
      return new ApiError(
        409,
        "CONFLICT",
        `Replay ${id} is ${r.state}: a stream replay is read once. Start a new one from the explorer.`,
      );
    } catch (e) {
      return isApiError(e) ? e : new ApiError(0, "UNAVAILABLE", "The replay could not be checked", [], { cause: e });
    }
  };
}
