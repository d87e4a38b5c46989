import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../bus/ports";
import { createEvent } from "../cloudevents/event";
import type { LiveSource, LiveSourceOptions, LiveSubscription } from "./ports";
import { SharedTails } from "./tails";

function stored(seq: number, filter: string): StoredEvent {
  const r = createEvent({ attributes: { specversion: "1.0", id: `e${seq}`, source: "/s", type: "com.anumate.t" } });
  if (!r.ok) throw new Error("bad event");
  return { seq, storedAt: "2026-01-01T00:00:00.000Z", tenant: "a", subject: filter, event: r.event };
}

/** An in-memory stream: `append` stores an event; reads follow it live, each from its start. */
function fakeStream() {
  const events: StoredEvent[] = [];
  const opened: LiveSourceOptions[] = [];
  const live = new Set<{ stopped: boolean; wake: () => void }>();
  let failWith: Error | undefined;
  const source: LiveSource = {
    async open(opts) {
      opened.push(opts);
      const from = opts.from;
      let next = from.type === "seq" ? from.seq : from.type === "now" ? events.length + 1 : 1;
      const state = { stopped: false, wake: () => {} };
      live.add(state);
      const sub: LiveSubscription = {
        startSeq: next,
        pending: async () => events.filter((e) => e.seq >= next && e.subject === opts.filterSubject).length,
        async stop() {
          state.stopped = true;
          live.delete(state);
          state.wake();
        },
        async *[Symbol.asyncIterator]() {
          while (!state.stopped) {
            if (failWith) throw failWith;
            const e = events[next - 1];
            if (!e) {
              await new Promise<void>((r) => (state.wake = r));
              continue;
            }
            next++;
            if (e.subject === opts.filterSubject) yield e;
          }
        },
      };
      return sub;
    },
  };
  const wakeAll = () => {
    for (const s of live) s.wake();
  };
  return {
    source,
    opened,
    reads: () => live.size,
    append(filter: string) {
      events.push(stored(events.length + 1, filter));
      wakeAll();
    },
    fail(e: Error) {
      failWith = e;
      wakeAll();
    },
  };
}

const tick = () => new Promise((r) => setImmediate(r));

async function take(it: AsyncIterator<StoredEvent>, n: number): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  while (out.length < n) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

describe("shared tails (live views from now)", () => {
  it("views of one filter share one read and get the same event objects; other filters read apart", async () => {
    const s = fakeStream();
    const tails = new SharedTails({ source: s.source });
    const a = await tails.join("x");
    const b = await tails.join("x");
    const c = await tails.join("y");
    expect(s.opened).toEqual([
      { filterSubject: "x", from: { type: "now" } },
      { filterSubject: "y", from: { type: "now" } },
    ]);
    expect(tails.figures()).toEqual({ tails: 2, views: 3 });
    for (const f of ["x", "y", "x"]) s.append(f);
    const [ea, eb, ec] = await Promise.all([
      take(a[Symbol.asyncIterator](), 2),
      take(b[Symbol.asyncIterator](), 2),
      take(c[Symbol.asyncIterator](), 1),
    ]);
    expect(ea?.map((e) => e.seq)).toEqual([1, 3]);
    expect(eb?.[0]).toBe(ea?.[0]); // decoded once, framed once
    expect(ec?.map((e) => e.seq)).toEqual([2]);
  });

  it("a view joining later starts where the shared read is, with no gap after its start", async () => {
    const s = fakeStream();
    const tails = new SharedTails({ source: s.source });
    const a = await tails.join("x");
    const ia = a[Symbol.asyncIterator]();
    s.append("x");
    expect((await take(ia, 1)).map((e) => e.seq)).toEqual([1]);
    const b = await tails.join("x");
    expect(b.startSeq).toBe(2);
    s.append("x");
    s.append("x");
    expect((await take(b[Symbol.asyncIterator](), 2)).map((e) => e.seq)).toEqual([2, 3]);
  });

  it("a view that falls behind goes on with its own read from its last event: nothing lost, nobody held up", async () => {
    const s = fakeStream();
    const tails = new SharedTails({ source: s.source, maxQueued: 5 });
    const slow = await tails.join("x");
    const fast = await tails.join("x");
    const ifast = fast[Symbol.asyncIterator]();
    const islow = slow[Symbol.asyncIterator]();
    s.append("x");
    expect((await take(islow, 1)).map((e) => e.seq)).toEqual([1]);
    for (let i = 0; i < 20; i++) s.append("x");
    expect((await take(ifast, 21)).map((e) => e.seq)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    await tick();
    expect(tails.figures()).toEqual({ tails: 1, views: 1 }); // the slow one left the shared read
    expect(await slow.pending()).toBe(20); // its queue was dropped: its own read counts what it has not read
    expect((await take(islow, 20)).map((e) => e.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
    expect(s.opened.at(-1)).toEqual({ filterSubject: "x", from: { type: "seq", seq: 2 } });
    await slow.stop();
    await fast.stop();
    expect(s.reads()).toBe(0);
  });

  it("stops the shared read with its last view; a later view opens a new one", async () => {
    const s = fakeStream();
    const tails = new SharedTails({ source: s.source });
    const a = await tails.join("x");
    const b = await tails.join("x");
    await a.stop();
    expect(s.reads()).toBe(1);
    await b.stop();
    expect(s.reads()).toBe(0);
    expect(tails.figures()).toEqual({ tails: 0, views: 0 });
    const c = await tails.join("x");
    expect(s.opened).toHaveLength(2);
    const waiting = c[Symbol.asyncIterator]().next();
    await c.stop();
    expect((await waiting).done).toBe(true);
  });

  it("a failed shared read ends every view with its error", async () => {
    const s = fakeStream();
    const tails = new SharedTails({ source: s.source });
    const a = await tails.join("x");
    const b = await tails.join("x");
    const pa = a[Symbol.asyncIterator]().next();
    const pb = b[Symbol.asyncIterator]().next();
    s.fail(new Error("nats gone"));
    await expect(pa).rejects.toThrow("nats gone");
    await expect(pb).rejects.toThrow("nats gone");
    expect(tails.figures().tails).toBe(0);
  });
});
