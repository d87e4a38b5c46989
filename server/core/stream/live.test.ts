import { describe, expect, it } from "vitest";
import { isAppError } from "../../../lib/errors";
import type { StoredEvent } from "../bus/ports";
import { createEvent } from "../cloudevents/event";
import type { Ctx } from "../context";
import { createLiveService } from "./live";
import type { LiveSource, LiveSourceOptions, LiveSubscription } from "./ports";

function stored(seq: number, tenant: string, subject?: string): StoredEvent {
  const r = createEvent({ attributes: { specversion: "1.0", id: `e${seq}`, source: "/s", type: "com.anumate.t", subject } });
  if (!r.ok) throw new Error("bad event");
  return { seq, storedAt: "2026-01-01T00:00:00.000Z", tenant, subject: `p.${tenant}.com.anumate.t`, event: r.event };
}

/** A source that yields the given events, then waits (as a live stream does) until stopped. */
function fakeSource(events: StoredEvent[]) {
  const opened: LiveSourceOptions[] = [];
  const subs: { stopped: boolean }[] = [];
  const source: LiveSource = {
    async open(opts) {
      opened.push(opts);
      const state = { stopped: false };
      subs.push(state);
      let wake = () => {};
      const sub: LiveSubscription = {
        startSeq: 1,
        pending: async () => 0,
        async stop() {
          state.stopped = true;
          wake();
        },
        async *[Symbol.asyncIterator]() {
          for (const e of events) {
            if (state.stopped) return;
            yield e;
          }
          if (!state.stopped) await new Promise<void>((r) => (wake = r));
        },
      };
      return sub;
    },
  };
  return { source, opened, subs };
}

const admin: Ctx = { caller: "admin", tenants: "*" };

async function collect(it: AsyncIterable<StoredEvent>, n: number): Promise<number[]> {
  const out: number[] = [];
  for await (const e of it) {
    out.push(e.seq);
    if (out.length === n) break;
  }
  return out;
}

describe("live service", () => {
  it("builds the NATS filter from tenant and type pattern, and passes the start on", async () => {
    const f = fakeSource([]);
    const live = createLiveService({ source: f.source, subjectPrefix: "ev" });
    await live.open({ ctx: admin, input: { tenant: "acme", type: "com.anumate.*", from: { type: "seq", seq: 5 } } });
    await live.open({ ctx: admin, input: { from: { type: "now" } } });
    expect(f.opened).toEqual([
      { filterSubject: "ev.acme.com.anumate.*", from: { type: "seq", seq: 5 } },
      { filterSubject: "ev.*.>", from: { type: "now" } },
    ]);
    await live.stop();
  });

  it("filters by CloudEvents subject", async () => {
    const f = fakeSource([stored(1, "a", "x"), stored(2, "a", "y"), stored(3, "a"), stored(4, "b", "x")]);
    const live = createLiveService({ source: f.source, subjectPrefix: "ev" });
    const s = await live.open({ ctx: admin, input: { subject: "x", from: { type: "now" } } });
    expect(await collect(s, 2)).toEqual([1, 4]);
  });

  it("keeps a tenant-scoped caller to its tenants", async () => {
    const f = fakeSource([stored(1, "a"), stored(2, "b"), stored(3, "c"), stored(4, "a")]);
    const live = createLiveService({ source: f.source, subjectPrefix: "ev" });
    const one = await live.open({ ctx: { caller: "k1", tenants: ["a"] }, input: { from: { type: "now" } } });
    expect(f.opened[0]?.filterSubject).toBe("ev.a.>");
    await one.stop();
    const two = await live.open({ ctx: { caller: "k2", tenants: ["a", "c"] }, input: { from: { type: "now" } } });
    expect(f.opened[1]?.filterSubject).toBe("ev.*.>");
    expect(await collect(two, 3)).toEqual([1, 3, 4]);
    const denied = await live
      .open({ ctx: { caller: "k1", tenants: ["a"] }, input: { tenant: "b", from: { type: "now" } } })
      .catch((e) => e);
    expect(isAppError(denied) && denied.code).toBe("FORBIDDEN");
    expect(f.opened).toHaveLength(2);
  });

  it("answers NOT_FOUND for a replay when no replay service is wired, without opening anything", async () => {
    const f = fakeSource([]);
    const live = createLiveService({ source: f.source, subjectPrefix: "ev" });
    const e = await live.open({ ctx: admin, input: { replay: "r1", from: { type: "now" } } }).catch((x) => x);
    expect(isAppError(e) && e.code).toBe("NOT_FOUND");
    expect((e as Error).message).toBe("no such replay");
    expect(f.opened).toHaveLength(0);
  });

  it("counts open views; stop() ends them (the iteration returns) and refuses new ones", async () => {
    const f = fakeSource([stored(1, "a")]);
    const live = createLiveService({ source: f.source, subjectPrefix: "ev" });
    const a = await live.open({ ctx: admin, input: { from: { type: "now" } } });
    const b = await live.open({ ctx: admin, input: { from: { type: "now" } } });
    expect(live.openCount()).toBe(2);
    // a reader waiting for the next event is released
    const it = a[Symbol.asyncIterator]();
    expect((await it.next()).value?.seq).toBe(1);
    const waiting = it.next();
    await a.stop();
    expect((await waiting).done).toBe(true);
    expect(live.openCount()).toBe(1);
    expect(b.signal.aborted).toBe(false);
    await live.stop();
    await live.stop(); // twice is fine
    expect(b.signal.aborted).toBe(true);
    expect(live.openCount()).toBe(0);
    expect(f.subs.every((s) => s.stopped)).toBe(true);
    const refused = await live.open({ ctx: admin, input: { from: { type: "now" } } }).catch((e) => e);
    expect(isAppError(refused) && refused.code).toBe("UNAVAILABLE");
  });

  it("stops the view when its reader breaks off", async () => {
    const f = fakeSource([stored(1, "a"), stored(2, "a")]);
    const live = createLiveService({ source: f.source, subjectPrefix: "ev" });
    const s = await live.open({ ctx: admin, input: { from: { type: "now" } } });
    expect(await collect(s, 1)).toEqual([1]);
    expect(live.openCount()).toBe(0);
    expect(f.subs[0]?.stopped).toBe(true);
  });
});
