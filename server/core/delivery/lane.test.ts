import { afterEach, describe, expect, it } from "vitest";
import { testSubscription } from "../../testing/subscription";
import type { StoredEvent } from "../bus/ports";
import { createEvent } from "../cloudevents/event";
import { Dispatcher } from "./dispatcher";
import { Lane } from "./lane";
import type { AttemptError, Delivery, DeliveryOutcome, DeliverySource, Target, UndecodableDelivery } from "./ports";

const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until(cond: () => boolean, what: string, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await wait(2);
  }
}

function stored(seq: number): StoredEvent {
  const r = createEvent({
    attributes: { specversion: "1.0", id: `e${seq}`, source: "/orders", type: "com.acme.order.created", tenantid: "acme" },
  });
  if (!r.ok) throw new Error("bad event");
  return { seq, storedAt: "2024-01-01T00:00:00.000Z", tenant: "acme", subject: `events.acme.${seq}`, event: r.event };
}

function lane(settled: [number, string][] = [], capacity = 100): Lane {
  return new Lane({ replayId: "replay_1", capacity, onSettled: (seq, o) => void settled.push([seq, o]) });
}

/** Pulls once, taking what is handed. */
async function take(l: Lane, max = 10, expiresMs = 20): Promise<Delivery[]> {
  const got: Delivery[] = [];
  await l.pull(max, expiresMs, (d: Delivery | UndecodableDelivery) => {
    got.push(d as Delivery);
    return true;
  });
  return got;
}

describe("Lane", () => {
  it("hands events in order, marked with the replay; an ack settles each once", async () => {
    const settled: [number, string][] = [];
    const l = lane(settled);
    for (const s of [5, 6, 7]) l.offer(stored(s));
    const got = await take(l, 2);
    expect(got.map((d) => [d.seq, d.attempt, d.replayId, d.deliveryId, d.attemptKey?.scope])).toEqual([
      [5, 1, "replay_1", "replay_1:5:1", "replay"],
      [6, 1, "replay_1", "replay_1:6:1", "replay"],
    ]);
    expect(got[0]?.event.id).toBe("e5");
    expect(l.held).toBe(3);
    got[0]?.ack();
    got[0]?.ack(); // a second answer is ignored
    got[1]?.term();
    expect(settled).toEqual([
      [5, "acknowledged"],
      [6, "dead-lettered"],
    ]);
    expect(l.held).toBe(1);
    expect((await take(l)).map((d) => d.seq)).toEqual([7]);
  });

  it("a pull waits for an offer, or ends empty after its expiry", async () => {
    const l = lane();
    const t0 = Date.now();
    expect(await take(l, 5, 30)).toEqual([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
    const pending = take(l, 5, 5000);
    await wait(10);
    l.offer(stored(1));
    expect((await pending).map((d) => d.seq)).toEqual([1]);
  });

  it("a nak brings the event back after its delay as the next attempt, with its own delivery id", async () => {
    const l = lane();
    l.offer(stored(1));
    const [first] = await take(l);
    first?.nak(40);
    expect(l.held).toBe(1);
    expect(await take(l, 10, 10)).toEqual([]);
    const again = await take(l, 10, 1000);
    expect(again.map((d) => [d.seq, d.attempt, d.deliveryId])).toEqual([[1, 2, "replay_1:1:2"]]);
  });

  it("is full at its capacity; changed() resolves on an answer, or after its timeout", async () => {
    const l = lane([], 2);
    l.offer(stored(1));
    expect(l.full).toBe(false);
    l.offer(stored(2));
    expect(l.full).toBe(true);
    const t0 = Date.now();
    await l.changed(30);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
    const [d] = await take(l, 1);
    const change = l.changed(10_000);
    d?.ack();
    await change;
    expect(l.full).toBe(false);
  });

  it("detached by its dispatcher: leftovers are the queued, the waiting and those handed back since, with their deliveries", async () => {
    const l = lane();
    for (const s of [1, 2, 3, 4]) l.offer(stored(s));
    const [a, b, c] = await take(l, 3);
    a?.nak(60_000); // waiting to be retried: one delivery so far
    l.stop();
    expect(l.ended).toBe(true);
    expect(await take(l)).toEqual([]); // hands nothing more
    b?.nak(1000); // handed back after the stop
    c?.ack();
    expect(() => l.offer(stored(9))).toThrow(/detached/);
    const left = l.leftovers().map((x) => [x.event.seq, x.delivered]);
    expect(left.sort()).toEqual([
      [1, 1],
      [2, 1],
      [4, 0],
    ]);
    expect(l.leftovers()).toEqual([]); // taken once
  });

  it("closed (cancelled): drops what it holds", async () => {
    const l = lane();
    for (const s of [1, 2]) l.offer(stored(s));
    const [a] = await take(l, 1);
    l.close();
    a?.nak(10);
    expect(l.leftovers()).toEqual([]);
    expect(l.held).toBe(0);
  });
});

describe("a lane as a dispatcher's added source", () => {
  const running: Dispatcher[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((d) => d.stop(20)));
  });

  const sub = testSubscription({
    maxInFlight: 3,
    retry: { maxAttempts: 2, initialDelayMs: 5, multiplier: 1, maxDelayMs: 5 },
  });

  function setup(behave: (d: Delivery) => DeliveryOutcome | Promise<DeliveryOutcome>) {
    const idle: DeliverySource = { pull: (_m, ms) => wait(ms), stop() {} };
    let active = 0;
    const stats = { maxActive: 0, delivered: [] as string[] };
    const target: Target = {
      capacity: () => 10,
      onCapacity: () => () => {},
      async deliver(d) {
        stats.delivered.push(`${d.seq}#${d.attempt}`);
        active++;
        stats.maxActive = Math.max(stats.maxActive, active);
        try {
          return await behave(d);
        } finally {
          active--;
        }
      },
    };
    const log = new Map<string, AttemptError[]>();
    const deadLettered: { seq: number; attempts: number[] }[] = [];
    const d = new Dispatcher(sub, {
      source: idle,
      target,
      deadLetters: {
        async write(_e, r) {
          deadLettered.push({ seq: r.originalSeq, attempts: r.attempts.map((a) => a.attempt) });
        },
      },
      attempts: {
        get: async (s, q) => [...(log.get(`${s}/${q}`) ?? [])],
        async record(s, q, e) {
          const l = [...(log.get(`${s}/${q}`) ?? []), e];
          log.set(`${s}/${q}`, l);
          return l;
        },
        async clear(s, q) {
          log.delete(`${s}/${q}`);
        },
      },
      log: () => {},
      pullExpiresMs: 20,
    });
    running.push(d);
    return { d, stats, log, deadLettered };
  }

  it("is refused by a dispatcher that is not running", () => {
    const { d } = setup(() => ({ ok: true }));
    expect(d.addSource(lane())).toBe(false);
  });

  it("delivers within maxInFlight, retries under the replay's attempt key, dead-letters after the last attempt", async () => {
    const { d, stats, log, deadLettered } = setup(async (x) => {
      await wait(2);
      if (x.seq === 3 && x.attempt === 1) {
        expect(log.size).toBe(0);
        return { ok: false, message: "flaky", retryable: true };
      }
      // the first failure is on record under the replay's key
      if (x.seq === 3) expect([...log.keys()]).toContain("sub-1_rp_replay_1/3");
      return x.seq === 4 ? { ok: false, message: "always", retryable: true } : { ok: true };
    });
    d.start();
    const settled: [number, string][] = [];
    const l = lane(settled);
    expect(d.addSource(l)).toBe(true);
    for (let s = 1; s <= 8; s++) l.offer(stored(s));
    await until(() => settled.length === 8, "all settled");
    expect(stats.maxActive).toBeLessThanOrEqual(3);
    expect(stats.delivered.filter((x) => x.startsWith("3#"))).toEqual(["3#1", "3#2"]);
    expect(stats.delivered.filter((x) => x.startsWith("4#"))).toEqual(["4#1", "4#2"]);
    expect(deadLettered).toEqual([{ seq: 4, attempts: [1, 2] }]);
    expect(settled.filter(([, o]) => o === "dead-lettered")).toEqual([[4, "dead-lettered"]]);
    expect(log.size).toBe(0); // cleared once settled
    // an ended lane's pull loop stops; the dispatcher goes on
    l.stop();
    await wait(50);
    expect(d.stats.delivered).toBe(7);
  });

  it("the dispatcher's stop detaches the lane", async () => {
    const { d } = setup(() => ({ ok: true }));
    d.start();
    const l = lane();
    d.addSource(l);
    await d.stop(20);
    expect(l.ended).toBe(true);
  });
});
