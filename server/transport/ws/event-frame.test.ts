import { describe, expect, it } from "vitest";
import { storedJsonData } from "../../core/cloudevents/data";
import { createEvent } from "../../core/cloudevents/event";
import { toJson } from "../../core/cloudevents/json";
import { jsonPartsBuffer } from "../../core/cloudevents/nats";
import type { Delivery } from "../../core/delivery/ports";
import { eventFramer } from "./gateway";

const eventFrameText = (subscription: string, d: Delivery) => jsonPartsBuffer(eventFramer(subscription)(d)).toString("utf8");

function delivery(over: Partial<Delivery> = {}): Delivery {
  const r = createEvent({
    attributes: {
      specversion: "1.0",
      id: 'e"1\\u2028',
      source: "/s",
      type: "com.anumate.t",
      datacontenttype: "application/json",
    },
    data: storedJsonData(new TextEncoder().encode('{\n "a": "ü\\n"\n}')),
  });
  if (!r.ok) throw new Error("bad event");
  const noop = () => {};
  return {
    seq: 42,
    subject: "p.acme.com.anumate.t",
    tenant: "acme",
    storedAt: "2026-01-01T00:00:00.000Z",
    event: r.event,
    attempt: 2,
    deliveryId: "sub_1:42:2",
    ack: noop,
    nak: noop,
    term: noop,
    working: noop,
    ...over,
  };
}

describe("eventFramer (the WebSocket event frames)", () => {
  it("is the JSON of the event frame, stored data included as it was stored", () => {
    const d = delivery();
    const frame = JSON.parse(eventFrameText('sub "x"', d));
    expect(frame).toEqual({
      type: "event",
      subscription: 'sub "x"',
      deliveryId: "sub_1:42:2",
      attempt: 2,
      seq: 42,
      tenant: "acme",
      event: { ...toJson(d.event), data: { a: "ü\n" } },
    });
    expect(eventFrameText("s", d)).not.toContain("\n");
  });

  it("frames each delivery with its own tenant and replay id, one framer for many", () => {
    const frame = eventFramer("s");
    const seen = [
      delivery({ tenant: "a", replayId: "job_1" }),
      delivery({ tenant: "a", replayId: "job_1" }),
      delivery({ tenant: "b" }),
      delivery({ tenant: 'c"q' }),
      delivery({ tenant: "a", replayId: "job_2" }),
      delivery({ tenant: "a" }),
    ].map((d) => JSON.parse(jsonPartsBuffer(frame(d)).toString("utf8")) as { tenant: string; replayId?: string });
    expect(seen.map((f) => [f.tenant, f.replayId])).toEqual([
      ["a", "job_1"],
      ["a", "job_1"],
      ["b", undefined],
      ['c"q', undefined],
      ["a", "job_2"],
      ["a", undefined],
    ]);
  });

  it("carries the replay id when there is one", () => {
    expect(JSON.parse(eventFrameText("s", delivery({ replayId: "job_1" })))).toMatchObject({ replayId: "job_1" });
    expect(JSON.parse(eventFrameText("s", delivery()))).not.toHaveProperty("replayId");
  });
});
