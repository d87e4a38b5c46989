import { describe, expect, it } from "vitest";
import { createEvent } from "../../core/cloudevents/event";
import { toJson, toJsonText } from "../../core/cloudevents/json";
import { encodeNats, jsonPartsBuffer } from "../../core/cloudevents/nats";
import { parseHeaderBlock } from "./message-headers";
import { decodeStored } from "./stored-event";

const ctx = { subjectPrefix: "ev", defaultTenant: "default", log: () => {} };

function headerBlock(headers: [string, string][]) {
  return parseHeaderBlock(`NATS/1.0\r\n${headers.map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n`);
}

const made = createEvent({
  attributes: { specversion: "1.0", id: "e-1", source: "/s", type: "com.anumate.capsule.created", tenantid: "acme", n: 7 },
  data: { kind: "json", value: { a: "line\nbreak" } },
});
if (!made.ok) throw new Error("bad event");
const event = made.event;

describe("decodeStored (a stored message as an event with its position)", () => {
  it("reads a message the bus wrote: type at once, the event when read, its JSON from the stored bytes", () => {
    const m = encodeNats(event);
    const r = decodeStored(ctx, 9, "ev.acme.com.anumate.capsule.created", 1_700_000_000_123, headerBlock(m.headers), m.payload);
    if (!r.ok) throw new Error(r.problems);
    const s = r.stored;
    expect([s.seq, s.tenant, s.type, s.storedAtMs, s.storedAt]).toEqual([
      9,
      "acme",
      "com.anumate.capsule.created",
      1_700_000_000_123,
      "2023-11-14T22:13:20.123Z",
    ]);
    expect(s.json && jsonPartsBuffer(s.json).toString("utf8")).toBe(toJsonText(s.event));
    expect(toJson(s.event)).toEqual(toJson({ ...event, datacontenttype: "application/json" }));
    expect(s.event).toBe(s.event); // decoded once
  });

  it("reads a message a service published in binary mode (not marked) in full, and refuses one that is no CloudEvent", () => {
    const direct = decodeStored(
      ctx,
      1,
      "ev.acme.x",
      0,
      headerBlock([
        ["ce-specversion", "1.0"],
        ["ce-id", "1"],
        ["ce-source", "/s"],
        ["ce-type", "x"],
      ]),
      new Uint8Array(0),
    );
    if (!direct.ok) throw new Error(direct.problems);
    expect(direct.stored.json).toBeUndefined();
    expect([direct.stored.type, direct.stored.event.id]).toEqual(["x", "1"]);
    const bad = decodeStored(ctx, 2, "ev.acme.x", 0, headerBlock([["ce-id", "1"]]), new Uint8Array(0));
    expect(bad.ok).toBe(false);
  });
});
