import { describe, expect, it, vi } from "vitest";
import { type CloudEvent, createEvent } from "../cloudevents/event";
import { type EventHandler, handlerMember, type Member, MemberPool, RejectEvent } from "./members";
import type { Delivery, DeliveryOutcome } from "./ports";

function event(): CloudEvent {
  const r = createEvent({ attributes: { specversion: "1.0", id: "e1", source: "/s", type: "a.b" } });
  if (!r.ok) throw new Error("invalid");
  return r.event;
}

function delivery(over: Partial<Delivery> = {}): Delivery {
  return {
    seq: 7,
    subject: "events.acme.a.b",
    tenant: "acme",
    storedAt: "2024-01-01T00:00:00.000Z",
    event: event(),
    attempt: 2,
    deliveryId: "dlv-1",
    ack: () => {},
    nak: () => {},
    term: () => {},
    working: () => {},
    ...over,
  };
}

/** A member with a settable capacity that records what it received. */
function fake(id: string, cap = 1, outcome: DeliveryOutcome = { ok: true }) {
  const got: Delivery[] = [];
  const m: Member & { cap: number; got: Delivery[] } = {
    id,
    cap,
    got,
    capacity: () => m.cap,
    deliver: async (d) => {
      got.push(d);
      return outcome;
    },
  };
  return m;
}

type Fake = ReturnType<typeof fake>;

/** Delivers `n` deliveries through a pool of `members`; which member got each ("gone" if none). */
async function who(pool: MemberPool, members: Fake[], n: number): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = delivery({ deliveryId: `d${i}` });
    const out = await pool.deliver(d);
    if ("gone" in out) seen.push("gone");
    else seen.push(members.find((m) => m.got.includes(d))?.id ?? "?");
  }
  return seen;
}

describe("MemberPool", () => {
  it("round-robins across members with capacity", async () => {
    const members = [fake("a"), fake("b"), fake("c")];
    const pool = new MemberPool();
    for (const m of members) pool.add(m);
    expect(await who(pool, members, 7)).toEqual(["a", "b", "c", "a", "b", "c", "a"]);
  });

  it("skips full members and keeps the rotation going", async () => {
    const members = [fake("a"), fake("b", 0), fake("c")];
    const pool = new MemberPool();
    for (const m of members) pool.add(m);
    expect(await who(pool, members, 4)).toEqual(["a", "c", "a", "c"]);
    (members[1] as Fake).cap = 2;
    expect(await who(pool, members, 3)).toEqual(["a", "b", "c"]);
  });

  it("goes to the only member with capacity every time", async () => {
    const members = [fake("a", 0), fake("b", 0), fake("c", 3)];
    const pool = new MemberPool();
    for (const m of members) pool.add(m);
    expect(await who(pool, members, 3)).toEqual(["c", "c", "c"]);
  });

  it("passes the delivery through and returns the member's outcome", async () => {
    const outcome: DeliveryOutcome = { ok: false, message: "boom", status: 503, retryable: true };
    const a = fake("a", 1, outcome);
    const pool = new MemberPool();
    pool.add(a);
    const d = delivery();
    expect(await pool.deliver(d)).toBe(outcome);
    expect(a.got).toEqual([d]);
  });

  it("answers {gone: true} with no members", async () => {
    const pool = new MemberPool();
    expect(await pool.deliver(delivery())).toEqual({ ok: false, gone: true });
  });

  it("answers {gone: true} when every member is full, delivering to none", async () => {
    const members = [fake("a", 0), fake("b", -1)];
    const pool = new MemberPool();
    for (const m of members) pool.add(m);
    expect(await pool.deliver(delivery())).toEqual({ ok: false, gone: true });
    expect(members.every((m) => m.got.length === 0)).toBe(true);
  });

  it("a delivery no member has capacity for waits while one has room (flow control), and goes to it in order once notified", async () => {
    const a = Object.assign(fake("a", 0), { room: () => Math.max(2, a.cap) });
    const pool = new MemberPool();
    pool.add(a);
    const first = pool.deliver(delivery({ deliveryId: "w1" }));
    const second = pool.deliver(delivery({ deliveryId: "w2" }));
    // beyond its room: answered at once
    expect(await pool.deliver(delivery({ deliveryId: "w3" }))).toEqual({ ok: false, gone: true });
    expect([pool.held, a.got.length]).toEqual([2, 0]);
    pool.notify(); // still no capacity: they keep waiting
    expect(pool.held).toBe(2);
    a.cap = 5;
    // capacity is back: the next delivery lets the waiting ones go first
    const third = pool.deliver(delivery({ deliveryId: "w4" }));
    expect(await Promise.all([first, second, third])).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    expect(a.got.map((d) => d.deliveryId)).toEqual(["w1", "w2", "w4"]);
    expect(pool.held).toBe(0);
  });

  it("waiting deliveries are answered {gone: true} when no member has room for them any more", async () => {
    const a = Object.assign(fake("a", 0), { room: () => 3 });
    const b = Object.assign(fake("b", 0), { room: () => 1 });
    const pool = new MemberPool();
    pool.add(a);
    pool.add(b);
    const waiting = [1, 2, 3, 4].map((i) => pool.deliver(delivery({ deliveryId: `w${i}` })));
    expect(pool.held).toBe(4);
    pool.remove("a"); // b has room for one: the oldest keeps waiting
    expect(pool.held).toBe(1);
    expect(await Promise.all(waiting.slice(1))).toEqual([
      { ok: false, gone: true },
      { ok: false, gone: true },
      { ok: false, gone: true },
    ]);
    b.cap = 1;
    pool.notify();
    expect(await waiting[0]).toEqual({ ok: true });
    expect(b.got.map((d) => d.deliveryId)).toEqual(["w1"]);
  });

  it("answers {gone: true} after the last member is removed", async () => {
    const a = fake("a");
    const pool = new MemberPool();
    pool.add(a);
    expect(pool.remove("a")).toBe(true);
    expect(pool.remove("a")).toBe(false);
    expect(pool.size).toBe(0);
    expect(await pool.deliver(delivery())).toEqual({ ok: false, gone: true });
    expect(a.got).toEqual([]);
  });

  it("keeps delivering to the remaining members after a removal", async () => {
    const members = [fake("a"), fake("b"), fake("c")];
    const pool = new MemberPool();
    for (const m of members) pool.add(m);
    await who(pool, members, 1); // a
    pool.remove("b");
    const seen = await who(pool, members, 4);
    expect(new Set(seen)).toEqual(new Set(["a", "c"]));
    expect(seen.filter((s) => s === "a")).toHaveLength(2);
  });

  it("a member added again under the same id replaces the old one", async () => {
    const old = fake("a");
    const neu = fake("a");
    const pool = new MemberPool();
    pool.add(old);
    pool.add(neu);
    expect(pool.size).toBe(1);
    await pool.deliver(delivery());
    expect(old.got).toHaveLength(0);
    expect(neu.got).toHaveLength(1);
  });

  it("capacity is the sum of the members' capacities, negatives counted as 0", () => {
    const pool = new MemberPool();
    expect(pool.capacity()).toBe(0);
    const a = fake("a", 2);
    pool.add(a);
    pool.add(fake("b", 3));
    pool.add(fake("c", -4));
    expect(pool.capacity()).toBe(5);
    a.cap = 0;
    expect(pool.capacity()).toBe(3);
    pool.remove("b");
    expect(pool.capacity()).toBe(0);
    pool.add(handlerMember("h", () => {}));
    expect(pool.capacity()).toBe(Number.POSITIVE_INFINITY);
  });

  it("size counts members", () => {
    const pool = new MemberPool();
    pool.add(fake("a"));
    pool.add(fake("b"));
    expect(pool.size).toBe(2);
  });

  it("notifies capacity listeners when a member is added and on notify(), until unsubscribed", () => {
    const pool = new MemberPool();
    const l1 = vi.fn();
    const l2 = vi.fn();
    const off1 = pool.onCapacity(l1);
    pool.onCapacity(l2);
    pool.add(fake("a"));
    expect(l1).toHaveBeenCalledTimes(1);
    expect(l2).toHaveBeenCalledTimes(1);
    pool.notify();
    expect(l1).toHaveBeenCalledTimes(2);
    off1();
    pool.notify();
    pool.add(fake("b"));
    expect(l1).toHaveBeenCalledTimes(2);
    expect(l2).toHaveBeenCalledTimes(4);
  });
});

describe("handlerMember", () => {
  it("has unlimited capacity of its own", () => {
    expect(handlerMember("h", () => {}).capacity()).toBe(Number.POSITIVE_INFINITY);
    expect(handlerMember("h", () => {}).id).toBe("h");
  });

  it("resolve → ok", async () => {
    const m = handlerMember("h", async () => {});
    expect(await m.deliver(delivery())).toEqual({ ok: true });
  });

  it("a synchronous handler returning → ok", async () => {
    const m = handlerMember("h", () => undefined);
    expect(await m.deliver(delivery())).toEqual({ ok: true });
  });

  it("waits for the handler's promise before answering", async () => {
    let release: () => void = () => {};
    const m = handlerMember("h", () => new Promise<void>((r) => (release = r)));
    let answered = false;
    const p = m.deliver(delivery()).then((o) => {
      answered = true;
      return o;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(answered).toBe(false);
    release();
    expect(await p).toEqual({ ok: true });
  });

  it("throw → retryable failure with the message", async () => {
    const m = handlerMember("h", async () => {
      throw new Error("db down");
    });
    expect(await m.deliver(delivery())).toEqual({ ok: false, retryable: true, message: "db down" });
  });

  it("a synchronous throw → retryable failure", async () => {
    const m = handlerMember("h", () => {
      throw new TypeError("bad");
    });
    expect(await m.deliver(delivery())).toEqual({ ok: false, retryable: true, message: "bad" });
  });

  it("throwing a non-Error → retryable failure with its string form", async () => {
    const m = handlerMember("h", () => {
      throw "plain string";
    });
    expect(await m.deliver(delivery())).toEqual({ ok: false, retryable: true, message: "plain string" });
  });

  it("RejectEvent → not retryable", async () => {
    const m = handlerMember("h", async () => {
      throw new RejectEvent("schema mismatch");
    });
    expect(await m.deliver(delivery())).toEqual({ ok: false, retryable: false, message: "schema mismatch" });
  });

  it("a subclass of RejectEvent is not retryable either", async () => {
    class Poison extends RejectEvent {}
    const m = handlerMember("h", () => {
      throw new Poison("nope");
    });
    expect(await m.deliver(delivery())).toMatchObject({ ok: false, retryable: false });
  });

  it("RejectEvent is an Error named RejectEvent", () => {
    const e = new RejectEvent("x");
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("RejectEvent");
    expect(e.message).toBe("x");
  });

  it("hands the event and the delivery's context to the handler", async () => {
    const h = vi.fn<EventHandler>();
    const d = delivery({ seq: 42, attempt: 3, deliveryId: "dlv-9", subject: "events.acme.a.b", tenant: "acme" });
    await handlerMember("h", h).deliver(d);
    expect(h).toHaveBeenCalledTimes(1);
    expect(h.mock.calls[0]?.[0]).toBe(d.event);
    expect(h.mock.calls[0]?.[1]).toEqual({
      seq: 42,
      tenant: "acme",
      attempt: 3,
      deliveryId: "dlv-9",
      subject: "events.acme.a.b",
    });
  });

  it("includes replayId only for replayed deliveries", async () => {
    const h = vi.fn<EventHandler>();
    await handlerMember("h", h).deliver(delivery({ replayId: "rp-1" }));
    await handlerMember("h", h).deliver(delivery());
    expect(h.mock.calls[0]?.[1].replayId).toBe("rp-1");
    expect(h.mock.calls[1]?.[1]).not.toHaveProperty("replayId");
  });

  it("works as a pool member", async () => {
    const seen: number[] = [];
    const pool = new MemberPool();
    pool.add(handlerMember("h", (_e, ctx) => void seen.push(ctx.seq)));
    expect(await pool.deliver(delivery({ seq: 9 }))).toEqual({ ok: true });
    expect(seen).toEqual([9]);
  });
});
