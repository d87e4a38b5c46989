import { describe, expect, it } from "vitest";
import { createEvent } from "../cloudevents/event";
import type { Tracer } from "../tracing";
import { tracePublish } from "./observe";

function ev(id: string, ext: Record<string, string> = {}) {
  const r = createEvent({ attributes: { specversion: "1.0", id, source: "/t", type: "a.b", ...ext } });
  if (!r.ok) throw new Error("bad");
  return r.event;
}

/** A tracer whose spans get ids 1, 2, … in a trace of their parent's (or a new one). */
function fakeTracer() {
  const started: { name: string; parent?: string; ended: boolean; failed: boolean }[] = [];
  let n = 0;
  const tracer: Tracer = {
    enabled: true,
    start(name, o = {}) {
      const s = { name, parent: o.parent?.traceparent, ended: false, failed: false };
      started.push(s);
      const trace = o.parent?.traceparent.split("-")[1] ?? "f".repeat(32);
      const id = String(++n).padStart(16, "0");
      return {
        context: { traceparent: `00-${trace}-${id}-01` },
        setAttributes() {},
        fail: () => {
          s.failed = true;
        },
        end: () => {
          s.ended = true;
        },
      };
    },
  };
  return { tracer, started };
}

const TP = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

describe("publish tracing", () => {
  it("keeps an event's trace context and gives one to an event without", async () => {
    const { tracer, started } = fakeTracer();
    const items = [
      { event: ev("a", { traceparent: TP }), tenant: "t" },
      { event: ev("b"), tenant: "t" },
    ];
    const seen: (string | number | boolean | undefined)[] = [];
    const acks = await tracePublish(tracer, items, async () => {
      seen.push(...items.map((i) => i.event.extensions.traceparent));
      return [
        { seq: 1, duplicate: false },
        { seq: 2, duplicate: true },
      ];
    });
    expect(acks).toHaveLength(2);
    expect(seen[0]).toBe(TP); // unchanged: the producer's context
    expect(seen[1]).toBe(`00-${"f".repeat(32)}-0000000000000002-01`); // the publish span's
    expect(started.map((s) => [s.name, s.parent, s.ended])).toEqual([
      ["publish", TP, true],
      ["publish", undefined, true],
    ]);
  });

  it("fails the spans when the append fails", async () => {
    const { tracer, started } = fakeTracer();
    await expect(
      tracePublish(tracer, [{ event: ev("a"), tenant: "t" }], () => Promise.reject(new Error("nats down"))),
    ).rejects.toThrow("nats down");
    expect(started[0]).toMatchObject({ ended: true, failed: true });
  });
});
