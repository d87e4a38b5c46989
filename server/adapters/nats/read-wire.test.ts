import { describe, expect, it } from "vitest";
import { storedJsonData } from "../../core/cloudevents/data";
import { createEvent } from "../../core/cloudevents/event";
import { toJsonText } from "../../core/cloudevents/json";
import { encodeNats, jsonPartsBuffer } from "../../core/cloudevents/nats";
import { parseHeaderBlock } from "./message-headers";
import type { RangeMessage } from "./range-reader";
import { decodeBatch, encodeBatch, transferables, type WireBatch } from "./read-wire";
import { decodeStored } from "./stored-event";

const logged: unknown[] = [];
const ctx = { subjectPrefix: "ev", defaultTenant: "default", log: (msg: string, extra?: object) => logged.push({ msg, extra }) };

function message(seq: number, keepBytes: boolean): RangeMessage {
  const made = createEvent({
    // an Integer extension (typed by a header: decoded on the general path) on the third of each four
    attributes: {
      specversion: "1.0",
      id: `e ${seq}`,
      source: "/s",
      type: `com.anumate.t${seq % 2}`,
      tenantid: "acme",
      ...(seq % 4 === 3 ? { n: seq } : {}),
    },
    // stored JSON data with line breaks (every second): the JSON written once, on one line
    data:
      seq % 2 === 0
        ? storedJsonData(new TextEncoder().encode(`{\n "seq": ${seq},\r\n "text": "é ✓"\n}`))
        : { kind: "json", value: { seq, text: "é ✓" } },
  });
  if (!made.ok) throw new Error("bad event");
  const m = encodeNats(made.event);
  const block = `NATS/1.0\r\n${m.headers.map(([k, v]) => `${k}: ${v}\r\n`).join("")}\r\n`;
  return {
    seq,
    subject: `ev.acme.com.anumate.t${seq % 2}`,
    timeMs: 1_700_000_000_000 + seq,
    headers: parseHeaderBlock(block),
    ...(keepBytes ? { raw: Buffer.concat([Buffer.from(block), m.payload]), headerLength: Buffer.byteLength(block) } : {}),
    data: m.payload,
  };
}

/** As postMessage hands it over: the arrays' memory moved, the rest copied. */
const handOver = (b: WireBatch): WireBatch => structuredClone(b, { transfer: transferables(b) });

describe("read-wire (a batch handed from the reading thread to the main thread)", () => {
  it("gives each event as decoding it in place would: position, tenant, type, JSON bytes, the event", () => {
    // header blocks as received (taken byte for byte: 1, 4; decoded: 3), and made again from the
    // headers read (a client that does not expose them: 2)
    const read = [message(1, true), message(2, false), message(3, true), message(4, true)];
    const sent = encodeBatch(ctx, read, true);
    const got = decodeBatch(ctx, handOver(sent));
    expect(sent.bytes.byteLength).toBe(0); // moved, not copied
    // each distinct subject and type once
    expect(sent.names).toEqual(["", "ev.acme.com.anumate.t1", "com.anumate.t1", "ev.acme.com.anumate.t0", "com.anumate.t0"]);
    expect(got.length).toBe(4);
    for (const [i, m] of read.entries()) {
      const r = decodeStored(ctx, m.seq, m.subject, m.timeMs, m.headers, m.data);
      if (!r.ok) throw new Error(r.problems);
      const [a, b] = [r.stored, got[i]];
      if (!a.json || !b?.json) throw new Error("no JSON");
      expect([b.seq, b.tenant, b.subject, b.type, b.storedAtMs, b.storedAt]).toEqual([
        a.seq,
        a.tenant,
        a.subject,
        a.type,
        a.storedAtMs,
        a.storedAt,
      ]);
      expect(jsonPartsBuffer(b.json).equals(jsonPartsBuffer(a.json))).toBe(true);
      // the JSON's bytes, written out by the thread: copied as they are
      expect(b.json.oneLine).toBe(true);
      expect(jsonPartsBuffer(b.json).includes("\n")).toBe(false);
      expect(toJsonText(b.event)).toBe(toJsonText(a.event));
    }
  });

  it("skips a message that is no CloudEvent (logged on the main thread); header-only batches carry no JSON", () => {
    logged.length = 0;
    const bad: RangeMessage = {
      seq: 9,
      subject: "ev.acme.x",
      timeMs: 1,
      headers: undefined,
      data: new TextEncoder().encode("nope"),
    };
    const got = decodeBatch(ctx, handOver(encodeBatch(ctx, [message(1, true), bad, message(3, false)], false)));
    expect(got.map((e) => e.seq)).toEqual([1, 3]);
    expect(got.every((e) => e.json === undefined)).toBe(true);
    expect(got[1]?.event.id).toBe("e 3");
    expect(logged).toEqual([
      { msg: "skipping a stored message that is not a valid CloudEvent", extra: expect.objectContaining({ seq: 9 }) },
    ]);
  });
});
