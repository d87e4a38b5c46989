import { describe, expect, it } from "vitest";
import type { StoredEvent } from "../bus/ports";
import { createEvent } from "../cloudevents/event";
import type { Ctx } from "../context";
import type { MetricsReader } from "./ports";
import { createMetricsService, overallStatus, quantile, readScope, subscriptionState, toEventStatus } from "./service";

const admin: Ctx = { caller: "admin", tenants: "*" };
const acme: Ctx = { caller: "k1", tenants: ["acme"] };
const two: Ctx = { caller: "k2", tenants: ["acme", "beta"] };

function stored(seq = 7): StoredEvent {
  const r = createEvent({ attributes: { specversion: "1.0", id: "e-7", source: "/t", type: "a.b", tenantid: "acme" } });
  if (!r.ok) throw new Error("bad");
  return { seq, storedAt: "2026-01-01T00:00:00.000Z", tenant: "acme", subject: "x", event: r.event };
}

describe("status", () => {
  it("a subscription's state is the step recorded last, ties going to the final one", () => {
    expect(subscriptionState({ attempts: 1, delivered: 10 })).toBe("delivered");
    expect(subscriptionState({ attempts: 1, delivered: 10, acknowledged: 12 })).toBe("acknowledged");
    expect(subscriptionState({ attempts: 2, delivered: 20, failed: 15, acknowledged: 12 })).toBe("delivered");
    expect(subscriptionState({ attempts: 2, delivered: 10, failed: 11, deadLettered: 11 })).toBe("dead-lettered");
    // requeued and acknowledged after the dead letter
    expect(subscriptionState({ attempts: 3, delivered: 30, deadLettered: 20, acknowledged: 31 })).toBe("acknowledged");
  });

  it("the event's status is the one needing attention first", () => {
    expect(overallStatus([])).toBe("published");
    expect(overallStatus(["acknowledged", "acknowledged"])).toBe("acknowledged");
    expect(overallStatus(["acknowledged", "delivered"])).toBe("delivered");
    expect(overallStatus(["acknowledged", "failed", "dead-lettered"])).toBe("dead-lettered");
  });

  it("renders times as RFC 3339 and says whether anything is tracked", () => {
    const s = toEventStatus(stored(), {
      subscriptions: {
        sub_b: {
          attempts: 1,
          delivered: Date.UTC(2026, 0, 1, 0, 0, 2),
          acknowledged: Date.UTC(2026, 0, 1, 0, 0, 3),
          latencyMs: 42,
        },
        sub_a: {
          attempts: 1,
          delivered: Date.UTC(2026, 0, 1, 0, 0, 2),
          failed: Date.UTC(2026, 0, 1, 0, 0, 3),
          lastError: { message: "HTTP 500", status: 500, at: Date.UTC(2026, 0, 1, 0, 0, 3) },
        },
      },
    });
    expect(s).toMatchObject({ seq: 7, id: "e-7", tenant: "acme", type: "a.b", tracked: true, status: "failed" });
    expect(s.publishedAt).toBe("2026-01-01T00:00:00.000Z"); // the stream's time
    expect(s.subscriptions.map((x) => x.subscription)).toEqual(["sub_a", "sub_b"]);
    expect(s.subscriptions[0]).toMatchObject({
      state: "failed",
      lastError: { message: "HTTP 500", status: 500, at: "2026-01-01T00:00:03.000Z" },
      acknowledgedAt: null,
    });
    expect(s.subscriptions[1]).toMatchObject({
      state: "acknowledged",
      latencyMs: 42,
      acknowledgedAt: "2026-01-01T00:00:03.000Z",
    });
    expect(toEventStatus(stored(), undefined)).toMatchObject({ tracked: false, status: "published", subscriptions: [] });
    // no step yet, but young enough to be tracked when one comes
    expect(toEventStatus(stored(), undefined, Date.UTC(2025, 11, 31)).tracked).toBe(true);
    expect(toEventStatus(stored(), undefined, Date.UTC(2026, 0, 2)).tracked).toBe(false);
  });
});

describe("quantile", () => {
  it("is the upper bound of the bucket holding the rank", () => {
    // buckets: <=5, <=10, <=25, ...
    expect(quantile([0, 0, 0], 0.5)).toBeNull();
    expect(quantile([10, 0, 0], 0.99)).toBe(5);
    expect(quantile([50, 40, 10], 0.5)).toBe(5);
    expect(quantile([50, 40, 10], 0.9)).toBe(10);
    expect(quantile([50, 40, 10], 0.99)).toBe(25);
    const overflow = new Array(15).fill(0);
    overflow[14] = 3;
    expect(quantile(overflow, 0.5)).toBeNull(); // above the last bound
  });
});

describe("tenant scope of reads", () => {
  it("admins read all or one; a one-tenant key reads its own; a several-tenant key must name one", () => {
    expect(readScope(admin, undefined)).toBeUndefined();
    expect(readScope(admin, "x")).toBe("x");
    expect(readScope(acme, undefined)).toBe("acme");
    expect(() => readScope(acme, "beta")).toThrow(expect.objectContaining({ code: "FORBIDDEN" }));
    expect(() => readScope(two, undefined)).toThrow(expect.objectContaining({ code: "VALIDATION" }));
    expect(readScope(two, "beta")).toBe("beta");
  });

  it("top by tenant shows a scoped key only its tenants", async () => {
    const reader = {
      group: async () =>
        new Map([
          ["acme", 5],
          ["beta", 9],
          ["gamma", 20],
        ]),
    } as unknown as MetricsReader;
    const svc = createMetricsService({
      reader,
      checkSubscription: async () => {},
      event: async () => stored(),
      lagSampleMs: 5000,
    });
    const all = await svc.top({ ctx: admin, input: { by: "tenant", metric: "published", window: "1h", limit: 2 } });
    expect(all.items).toEqual([
      { key: "gamma", value: 20 },
      { key: "beta", value: 9 },
    ]);
    const scoped = await svc.top({ ctx: two, input: { by: "tenant", metric: "published", window: "1h", limit: 10 } });
    expect(scoped.items.map((i) => i.key)).toEqual(["beta", "acme"]);
  });
});
