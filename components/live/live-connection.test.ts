import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "@/lib/api-client";
import type { LiveSnapshot } from "@/lib/queries/live";
import type { LiveRow } from "./filters";
import {
  type EventSourceLike,
  LiveConnection,
  type LiveConnectionOptions,
  SOURCE_CONNECTING,
  type StreamStatus,
} from "./live-connection";

const CLOSED = 2;

class FakeSource implements EventSourceLike {
  readyState = SOURCE_CONNECTING;
  onopen: ((e: Event) => void) | null = null;
  onerror: ((e: Event) => void) | null = null;
  closed = false;
  private listeners = new Map<string, ((e: MessageEvent<string>) => void)[]>();
  constructor(readonly url: string) {}
  addEventListener(type: string, l: (e: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), l]);
  }
  close(): void {
    this.closed = true;
    this.readyState = CLOSED;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }
  emit(type: string, data: string, lastEventId = ""): void {
    for (const l of this.listeners.get(type) ?? []) l(new MessageEvent(type, { data, lastEventId }));
  }
  event(seq: number, over: Record<string, unknown> = {}): void {
    this.emit(
      "cloudevent",
      JSON.stringify({ specversion: "1.0", id: `e-${seq}`, source: "/t", type: "t.x", ...over }),
      String(seq),
    );
  }
  fail(readyState: number): void {
    this.readyState = readyState;
    this.onerror?.(new Event("error"));
  }
}

function setup(over: Partial<LiveConnectionOptions> = {}) {
  const sources: FakeSource[] = [];
  const snapshots: LiveSnapshot<LiveRow>[] = [];
  const statuses: StreamStatus[] = [];
  const pending: number[] = [];
  const notices: string[] = [];
  const c = new LiveConnection({
    params: { tenant: "acme", type: "t.*" },
    capacity: 5,
    flushMs: 100,
    createSource: (url) => {
      const s = new FakeSource(url);
      sources.push(s);
      return s;
    },
    probe: async () => undefined,
    onSnapshot: (s) => snapshots.push(s),
    onStatus: (s) => statuses.push(s),
    onPending: (n) => pending.push(n),
    onNotice: (m) => notices.push(m),
    now: () => Date.now(),
    ...over,
  });
  const source = () => sources.at(-1) as FakeSource;
  const shown = () => (snapshots.at(-1)?.rows ?? []).map((r) => r.seq);
  return { c, sources, source, snapshots, statuses, pending, notices, shown };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("LiveConnection", () => {
  it("connects with the server-side filters and reports when it is live", () => {
    const t = setup();
    t.c.start();
    expect(t.source().url).toBe("/api/stream?tenant=acme&type=t.*");
    expect(t.statuses).toEqual([{ state: "connecting" }]);
    t.source().open();
    expect(t.statuses.at(-1)).toEqual({ state: "open" });
  });

  it("shows the events of one burst together", () => {
    const t = setup();
    t.c.start();
    t.source().open();
    t.source().event(1);
    t.source().event(2);
    expect(t.shown()).toEqual([]);
    vi.advanceTimersByTime(0);
    expect(t.shown()).toEqual([1, 2]);
    expect(t.snapshots.at(-1)?.rows[0]?.event.id).toBe("e-1");
  });

  it("shows an event after a quiet spell at once, then no more often than every flushMs", () => {
    const t = setup();
    t.c.start();
    t.source().open();
    t.source().event(1);
    t.source().event(2);
    vi.advanceTimersByTime(0);
    expect(t.shown()).toEqual([1, 2]);
    vi.advanceTimersByTime(30);
    t.source().event(3);
    vi.advanceTimersByTime(69);
    expect(t.shown()).toEqual([1, 2]);
    vi.advanceTimersByTime(1);
    expect(t.shown()).toEqual([1, 2, 3]);
    vi.advanceTimersByTime(500);
    t.source().event(4);
    vi.advanceTimersByTime(0);
    expect(t.shown()).toEqual([1, 2, 3, 4]);
  });

  it("keeps the last `capacity` events and counts the others", () => {
    const t = setup();
    t.c.start();
    for (let i = 1; i <= 8; i++) t.source().event(i);
    vi.advanceTimersByTime(100);
    expect(t.shown()).toEqual([4, 5, 6, 7, 8]);
    expect(t.snapshots.at(-1)).toMatchObject({ received: 8, evicted: 3 });
  });

  it("never shows an event twice or out of order, and skips what is not a CloudEvent", () => {
    const t = setup();
    t.c.start();
    t.source().event(5);
    t.source().event(5);
    t.source().event(4);
    t.source().emit("cloudevent", "{not json", "6");
    t.source().emit("cloudevent", JSON.stringify({ hello: 1 }), "7");
    t.source().emit("cloudevent", JSON.stringify({ specversion: "1.0", id: "x", source: "/s", type: "t" }), "");
    t.source().event(8);
    vi.advanceTimersByTime(100);
    expect(t.shown()).toEqual([5, 8]);
  });

  it("while paused, keeps receiving and counts; on resume shows them all", () => {
    const t = setup({ capacity: 100 });
    t.c.start();
    t.source().event(1);
    vi.advanceTimersByTime(100);
    t.c.pause();
    for (let i = 2; i <= 11; i++) t.source().event(i);
    vi.advanceTimersByTime(100);
    expect(t.shown()).toEqual([1]);
    expect(t.pending.at(-1)).toBe(10);
    t.c.resume();
    expect(t.shown()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(t.pending.at(-1)).toBe(0);
  });

  it("clears the view and the count", () => {
    const t = setup();
    t.c.start();
    t.source().event(1);
    vi.advanceTimersByTime(100);
    t.c.clear();
    expect(t.shown()).toEqual([]);
    expect(t.snapshots.at(-1)?.received).toBe(0);
  });

  it("leaves reconnecting to the browser while it retries by itself", () => {
    const t = setup();
    t.c.start();
    t.source().fail(SOURCE_CONNECTING);
    expect(t.statuses.at(-1)).toEqual({ state: "reconnecting" });
    expect(t.sources).toHaveLength(1);
    expect(t.source().closed).toBe(false);
  });

  it("after a refusal it asks why, and reconnects after the last event it has when worth it", async () => {
    const t = setup({ probe: async () => new ApiError(503, "UNAVAILABLE", "NATS down"), retryMs: 1000 });
    t.c.start();
    t.source().event(41);
    t.source().fail(CLOSED);
    await vi.advanceTimersByTimeAsync(0);
    expect(t.statuses.at(-1)).toMatchObject({ state: "reconnecting", error: { code: "UNAVAILABLE" } });
    expect(t.sources).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.sources).toHaveLength(2);
    expect(t.source().url).toBe("/api/stream?tenant=acme&type=t.*&from=seq%3A42");
    // backoff doubles
    t.source().fail(CLOSED);
    await vi.advanceTimersByTimeAsync(1999);
    expect(t.sources).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.sources).toHaveLength(3);
  });

  it("stops on an error that retrying cannot fix, and says which", async () => {
    const t = setup({ probe: async () => new ApiError(400, "VALIDATION", "bad", [{ field: "type", rule: "nope" }]) });
    t.c.start();
    t.source().fail(CLOSED);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(t.statuses.at(-1)).toMatchObject({ state: "error", error: { code: "VALIDATION" } });
    expect(t.sources).toHaveLength(1);
  });

  it("passes the server's overflow notice on", () => {
    const t = setup();
    t.c.start();
    t.source().emit("overflow", JSON.stringify({ dropped: 1234, lastSeq: 42 }));
    expect(t.notices.at(-1)).toContain("1,234 events were held back and are being caught up from seq 43");
  });

  it("measures the rate of received events", () => {
    vi.setSystemTime(1_700_000_000_000);
    const t = setup();
    t.c.start();
    for (let i = 1; i <= 30; i++) {
      t.source().event(i);
      vi.advanceTimersByTime(100);
    }
    expect(t.c.rate()).toBeCloseTo(10, 0);
    expect(t.c.rateHistory().reduce((a, b) => a + b, 0)).toBe(30);
  });

  it("stops cleanly: no more snapshots, no reconnects", async () => {
    const t = setup({ probe: async () => new ApiError(503, "UNAVAILABLE", "x") });
    t.c.start();
    t.source().event(1);
    t.c.stop();
    expect(t.source().closed).toBe(true);
    const before = t.snapshots.length;
    vi.advanceTimersByTime(1000);
    t.source().fail(CLOSED);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(t.snapshots.length).toBe(before);
    expect(t.sources).toHaveLength(1);
  });
});

describe("LiveConnection reading a replay", () => {
  it("reads the replay's stream, shows its events and ends with the range (no reconnect)", () => {
    const t = setup({ params: { replay: "job_7" } });
    t.c.start();
    expect(t.source().url).toBe("/api/stream?replay=job_7");
    t.source().open();
    t.source().event(3);
    t.source().event(4);
    // the server ends the response: the browser would retry by itself
    t.source().fail(SOURCE_CONNECTING);
    expect(t.source().closed).toBe(true);
    expect(t.statuses.at(-1)).toEqual({ state: "ended" });
    // what arrived is shown at once
    expect(t.shown()).toEqual([3, 4]);
    vi.advanceTimersByTime(60_000);
    expect(t.sources).toHaveLength(1);
  });

  it("a replay refused before it opened is an error, asked of the probe", async () => {
    const refusal = new ApiError(409, "CONFLICT", "Replay job_7 is completed; a stream replay is read once");
    const probed: string[] = [];
    const t = setup({
      params: { replay: "job_7" },
      probe: async (url) => {
        probed.push(url);
        return refusal;
      },
    });
    t.c.start();
    t.source().fail(CLOSED);
    await vi.advanceTimersByTimeAsync(0);
    expect(probed).toEqual(["/api/stream?replay=job_7"]);
    expect(t.statuses.at(-1)).toEqual({ state: "error", error: refusal });
    expect(t.sources).toHaveLength(1);
  });
});
