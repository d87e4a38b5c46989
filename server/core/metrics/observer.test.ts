import { describe, expect, it } from "vitest";
import { createEvent } from "../cloudevents/event";
import type { Delivery, Subscription } from "../delivery/ports";
import { createDeliveryObserver } from "./observer";
import type { MetricsRecorder, StatusUpdate } from "./ports";

function delivery(over: Partial<Delivery> = {}): Delivery {
  const r = createEvent({
    attributes: { specversion: "1.0", id: "e1", source: "/t", type: "a.b", tenantid: "acme", correlationid: "c1" },
  });
  if (!r.ok) throw new Error("bad");
  return {
    seq: 3,
    subject: "s",
    tenant: "acme",
    storedAt: new Date(1_000).toISOString(),
    event: r.event,
    attempt: 1,
    deliveryId: "d",
    ack() {},
    nak() {},
    term() {},
    working() {},
    ...over,
  };
}

function recorder() {
  const counts: string[] = [];
  const statuses: StatusUpdate[] = [];
  const latencies: number[] = [];
  const r: MetricsRecorder = {
    published() {},
    count: (m, t, ty, n) => void counts.push(`${m}:${t}:${ty}:${n}`),
    status: (u) => void statuses.push(u),
    latency: (_s, ms) => void latencies.push(ms),
    lag() {},
  };
  return { r, counts, statuses, latencies };
}

const sub = { id: "sub_1" } as Subscription;

describe("delivery observer", () => {
  it("counts attempts, acknowledgements, failures and dead letters by tenant and type", () => {
    const { r, counts, statuses, latencies } = recorder();
    const logs: { level: string; msg: string; extra: Record<string, unknown> }[] = [];
    const observe = createDeliveryObserver({
      recorder: r,
      now: () => 1_250,
      log: (level, msg, extra) => void logs.push({ level, msg, extra: extra as Record<string, unknown> }),
    });
    const d = delivery();
    observe(sub, { kind: "attempt", d });
    observe(sub, { kind: "failed", d, error: { attempt: 1, at: "x", message: "HTTP 503", status: 503 }, willRetry: true });
    observe(sub, { kind: "attempt", d: { ...d, attempt: 2 } });
    observe(sub, { kind: "delivered", d: { ...d, attempt: 2 }, latencyMs: 3 });
    observe(sub, { kind: "skipped", d });
    observe(sub, { kind: "dead-lettered", seq: 9, reason: "poison" });
    expect(counts).toEqual([
      "delivered:acme:a.b:1",
      "failed:acme:a.b:1",
      "delivered:acme:a.b:1",
      "acknowledged:acme:a.b:1",
      "deadLettered:_unknown:_undecodable:1",
    ]);
    expect(statuses.map((s) => s.kind)).toEqual(["delivered", "failed", "delivered", "acknowledged", "dead-lettered"]);
    expect(statuses[1]?.error).toEqual({ message: "HTTP 503", status: 503 });
    // publish → acknowledgement: now (1250) − storedAt (1000)
    expect(latencies).toEqual([250]);
    expect(statuses[3]?.latencyMs).toBe(250);
    const failed = logs.find((l) => l.msg === "delivery failed");
    expect(failed?.extra).toMatchObject({ event_id: "e1", event_type: "a.b", tenant_id: "acme", correlation_id: "c1", seq: 3 });
  });

  it("does not take the age of replayed or requeued copies as latency", () => {
    const { r, latencies, statuses } = recorder();
    const observe = createDeliveryObserver({ recorder: r, now: () => 99_000 });
    observe(sub, { kind: "delivered", d: delivery({ attemptKey: { scope: "redelivery", seq: 1 } }), latencyMs: 1 });
    expect(latencies).toEqual([]);
    expect(statuses[0]).toMatchObject({ kind: "acknowledged" });
    expect(statuses[0]?.latencyMs).toBeUndefined();
  });
});
