import { describe, expect, it } from "vitest";
import { isAppError } from "../../../lib/errors";
import type { StoredEvent } from "../../core/bus/ports";
import { createEvent } from "../../core/cloudevents/event";
import { type JsonParts, jsonPartsLength } from "../../core/cloudevents/nats";
import { eventFrame, FrameQueue, heartbeatFrame, overflowFrame, positionFrame } from "./frames";
import { parseFrom, parseStreamRequest } from "./stream";

function stored(seq: number, attributes: Record<string, unknown>, data?: unknown): StoredEvent {
  const r = createEvent({
    attributes: { specversion: "1.0", id: `e${seq}`, source: "/s", type: "com.anumate.t", ...attributes },
    data: data === undefined ? undefined : { kind: "json", value: data },
  });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return { seq, storedAt: "2026-01-01T00:00:00.000Z", tenant: "acme", subject: "x", event: r.event };
}

/** Frames as the stream writes them. */
function written(...frames: (string | JsonParts)[]): string {
  const q = new FrameQueue();
  for (const f of frames) q.push(f);
  const bytes = q.bytes;
  const out = q.take();
  expect(out.length).toBe(bytes);
  expect(q.bytes).toBe(0);
  return out.toString("utf8");
}

/** The fields of one frame, as an EventSource reads them (lines split on CR, LF or CRLF). */
function fields(frame: string): [string, string][] {
  return frame
    .replace(/\n\n$/, "")
    .split(/\r\n|\r|\n/)
    .map((l) => {
      const i = l.indexOf(":");
      return [l.slice(0, i), l.slice(i + 1).replace(/^ /, "")] as [string, string];
    });
}

describe("SSE frames", () => {
  it("writes an event as id, event and a single data line holding the JSON format", () => {
    // CR and LF can only be in data (attributes refuse control characters); U+2028 is no SSE line break
    const e = stored(42, { subject: "a\u2028b", tenantid: "acme", datacontenttype: "application/json" }, { s: "a\nb\r\nc\rd" });
    const frame = written(eventFrame(e));
    expect(frame.endsWith("\n\n")).toBe(true);
    expect(frame.slice(0, -2)).not.toMatch(/\n\n|\r/);
    const f = fields(frame);
    expect(f.map(([k]) => k)).toEqual(["id", "event", "data"]);
    expect(f[0]?.[1]).toBe("42");
    expect(f[1]?.[1]).toBe("cloudevent");
    expect(JSON.parse(f[2]?.[1] ?? "")).toEqual({
      specversion: "1.0",
      id: "e42",
      source: "/s",
      type: "com.anumate.t",
      datacontenttype: "application/json",
      subject: "a\u2028b",
      tenantid: "acme",
      data: { s: "a\nb\r\nc\rd" },
    });
  });

  it("writes the JSON a reader made from the stored bytes as it is, data line breaks as spaces, once per event", () => {
    const base = stored(5, {});
    const json: JsonParts = { head: '{"id":"e5","data":', data: Buffer.from('{"é":\r\n"€",\n"n":1}'), tail: "}" };
    const frame = eventFrame({ ...base, json });
    expect(written(frame)).toBe('id: 5\nevent: cloudevent\ndata: {"id":"e5","data":{"é":  "€", "n":1}}\n\n');
    expect(jsonPartsLength(frame)).toBe(Buffer.byteLength(written(frame)));
    const e: StoredEvent = { ...base, json };
    // made once for the views of a shared read, each time for a view's own read
    expect(eventFrame(e, true)).toBe(eventFrame(e, true));
    expect(eventFrame(e)).not.toBe(eventFrame(e));
    expect(eventFrame(e)).toEqual(eventFrame(e, true));
    // frames of one turn, text and parts, in order
    expect(written(positionFrame(4), frame, ": x\n\n")).toBe(`id: 4\n\n${written(frame)}: x\n\n`);
  });

  it("writes position, heartbeat and overflow frames", () => {
    expect(positionFrame(7)).toBe("id: 7\n\n");
    expect(heartbeatFrame(new Date("2026-01-02T03:04:05.000Z"))).toBe(": hb 2026-01-02T03:04:05.000Z\n\n");
    const f = fields(overflowFrame({ dropped: 12, lastSeq: 99 }));
    expect(f[0]).toEqual(["event", "overflow"]);
    expect(JSON.parse(f[1]?.[1] ?? "")).toEqual({ dropped: 12, lastSeq: 99 });
  });
});

describe("GET /api/stream parameters", () => {
  it("parses from=now|seq:N|time:T", () => {
    expect(parseFrom("now")).toEqual({ type: "now" });
    expect(parseFrom("seq:1")).toEqual({ type: "seq", seq: 1 });
    expect(parseFrom("seq:9007199254740991")).toEqual({ type: "seq", seq: 9007199254740991 });
    expect(parseFrom("time:2026-01-31T12:00:00Z")).toEqual({ type: "time", time: "2026-01-31T12:00:00Z" });
    // an unencoded '+' arrives as a space
    expect(parseFrom("time:2026-01-31T12:00:00 02:00")).toEqual({ type: "time", time: "2026-01-31T12:00:00+02:00" });
    for (const bad of [
      "",
      "NOW",
      "seq:",
      "seq:0",
      "seq:-1",
      "seq:1.5",
      "seq:1e3",
      "seq:99999999999999999",
      "time:yesterday",
      "time:2026-02-30T00:00:00Z",
      "latest",
    ]) {
      expect(typeof parseFrom(bad), bad).toBe("string");
    }
  });

  it("defaults to now; Last-Event-ID wins over from and resumes after it", () => {
    expect(parseStreamRequest(new URLSearchParams(""), undefined)).toMatchObject({ from: { type: "now" } });
    const r = parseStreamRequest(new URLSearchParams("from=seq:5&tenant=acme&type=a.b.*&subject=s1"), "41");
    expect(r).toEqual({ tenant: "acme", type: "a.b.*", subject: "s1", from: { type: "seq", seq: 42 }, replay: undefined });
    expect(parseStreamRequest(new URLSearchParams(""), "0").from).toEqual({ type: "seq", seq: 1 });
  });

  it("rejects bad parameters naming the field", () => {
    const fieldOf = (q: string, lastEventId?: string) => {
      try {
        parseStreamRequest(new URLSearchParams(q), lastEventId);
      } catch (e) {
        if (isAppError(e) && e.code === "VALIDATION") return e.details?.[0]?.field;
        throw e;
      }
      return undefined;
    };
    expect(fieldOf("from=later")).toBe("from");
    expect(fieldOf("type=a.>.b")).toBe("type");
    expect(fieldOf("tenant=a%20b")).toBe("tenant");
    expect(fieldOf("subject=")).toBe("subject");
    expect(fieldOf("replay=")).toBe("replay");
    expect(fieldOf("bogus=1")).toBeDefined();
    expect(fieldOf("", "abc")).toBe("Last-Event-ID");
    expect(fieldOf("", "-1")).toBe("Last-Event-ID");
    expect(fieldOf("from=now", "12")).toBeUndefined();
  });
});
