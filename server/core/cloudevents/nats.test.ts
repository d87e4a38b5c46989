import { describe, expect, it } from "vitest";
import { prng } from "../../testing/prng";
import { dataBytes, encodeUtf8 } from "./data";
import { type CloudEvent, createEvent, type EventData } from "./event";
import { toJson, toJsonText } from "./json";
import {
  DATA_KIND_HEADER,
  decodeNats,
  EXT_TYPES_HEADER,
  encodeNats,
  type HeaderReader,
  jsonParts,
  jsonPartsBuffer,
  jsonPartsLength,
  markedJson,
  type NatsMessage,
  readMarked,
} from "./nats";

function randomBytes(rnd: () => number, max: number): Uint8Array {
  const out = new Uint8Array(Math.floor(rnd() * (max + 1)));
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(rnd() * 256);
  return out;
}

function randomText(rnd: () => number, min = 0): string {
  const pool = ["a", "Z", "0", " ", '"', "%", "\\", "~", ".", ":", "é", "€", "😀", "%C0%A0", "\u00A0"];
  let s = "";
  for (let i = min + Math.floor(rnd() * 10); i > 0; i--) s += pool[Math.floor(rnd() * pool.length)];
  return s;
}

/** Headers as nats.js gives them: names as sent, exact-match lookup, "" when missing. */
function reader(headers: [string, string][]): HeaderReader {
  return {
    keys: () => headers.map(([k]) => k),
    get: (name) => headers.find(([k]) => k === name)?.[1] ?? "",
  };
}

const EVENT = { specversion: "1.0", id: "n-1", source: "/nats/test", type: "com.example.nats" };
const CE_HEADERS: [string, string][] = [
  ["ce-specversion", "1.0"],
  ["ce-id", "n-1"],
  ["ce-source", "/nats/test"],
  ["ce-type", "com.example.nats"],
];

function event(attributes: Record<string, unknown>, data?: EventData): CloudEvent {
  const r = createEvent({ attributes, data });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.event;
}

function ok(headers: HeaderReader | undefined, payload: Uint8Array): CloudEvent {
  const r = decodeNats(headers, payload);
  if (!r.ok) throw new Error(`expected a valid event, got ${JSON.stringify(r.problems)}`);
  return r.event;
}

function bad(headers: HeaderReader | undefined, payload: Uint8Array) {
  const r = decodeNats(headers, payload);
  if (r.ok) throw new Error("expected decodeNats to fail");
  return r.problems;
}

function roundTrip(e: CloudEvent): CloudEvent {
  const m: NatsMessage = encodeNats(e);
  return ok(reader(m.headers), m.payload);
}

function header(m: NatsMessage, name: string): string | undefined {
  return m.headers.find(([k]) => k === name)?.[1];
}

describe("encoding (NATS-7, NATS-8, NATS-9)", () => {
  it("NATS-7: every attribute, datacontenttype included, is its own ce- header", () => {
    const m = encodeNats(
      event(
        { ...EVENT, datacontenttype: "text/plain", subject: "s", time: "2018-04-05T17:31:00Z", lunch: "tacos" },
        { kind: "text", value: "hi" },
      ),
    );
    expect(m.headers.filter(([k]) => k.startsWith("ce-"))).toEqual([
      ["ce-specversion", "1.0"],
      ["ce-id", "n-1"],
      ["ce-source", "/nats/test"],
      ["ce-type", "com.example.nats"],
      ["ce-datacontenttype", "text/plain"],
      ["ce-subject", "s"],
      ["ce-time", "2018-04-05T17:31:00Z"],
      ["ce-lunch", "tacos"],
    ]);
  });

  it("NATS-6: stored messages carry no application/cloudevents Content-Type, so they read back as binary", () => {
    const m = encodeNats(event({ ...EVENT }, { kind: "json", value: 1 }));
    expect(m.headers.some(([k]) => k.toLowerCase() === "content-type")).toBe(false);
  });

  it("NATS-9: the payload is the data bytes", () => {
    const bytes = new Uint8Array([0, 1, 2, 255]);
    expect(encodeNats(event({ ...EVENT }, { kind: "binary", value: bytes })).payload).toEqual(bytes);
    expect(new TextDecoder().decode(encodeNats(event({ ...EVENT }, { kind: "json", value: { a: 1 } })).payload)).toBe('{"a":1}');
  });

  it("DATA-1/NATS-9: no data is an empty payload, marked as such (data kind none), and decodes to no data", () => {
    const m = encodeNats(event({ ...EVENT }));
    expect(m.payload).toHaveLength(0);
    expect(header(m, DATA_KIND_HEADER)).toBe("none");
  });

  it("reads messages the bus did not mark in full: an invalid attribute is refused", () => {
    const h = new Map<string, string>([
      ["ce-specversion", "1.0"],
      ["ce-id", "x"],
      ["ce-source", "/s"],
      ["ce-type", "t"],
      ["ce-time", "2026-02-30T00:00:00Z"],
    ]);
    const reader = { keys: () => h.keys(), get: (k: string) => h.get(k) ?? "" };
    const r = decodeNats(reader, new Uint8Array());
    expect(r.ok).toBe(false);
  });

  it("JSON-15/DCT-2: JSON data without datacontenttype gets an explicit ce-datacontenttype: application/json", () => {
    const m = encodeNats(event({ ...EVENT }, { kind: "json", value: "str" }));
    expect(header(m, "ce-datacontenttype")).toBe("application/json");
    expect(new TextDecoder().decode(m.payload)).toBe('"str"');
  });

  it("NATS-8/HTTP-B5: header values are percent-encoded printable US-ASCII", () => {
    const m = encodeNats(event({ ...EVENT, subject: "Euro € 😀", datacontenttype: "text/plain; charset=utf-8" }));
    expect(header(m, "ce-subject")).toBe("Euro%20%E2%82%AC%20%F0%9F%98%80");
    expect(header(m, "ce-datacontenttype")).toBe("text/plain;%20charset=utf-8");
    for (const [, v] of m.headers) expect(v).toMatch(/^[\x21-\x7E]*$/);
  });

  it("EXT-2/CORE-12: Integer and Boolean extension types travel in a private, non-ce- header", () => {
    const m = encodeNats(event({ ...EVENT, count: 42, flag: false, lunch: "x" }));
    expect(header(m, EXT_TYPES_HEADER)).toBe("count=i,flag=b");
    expect(header(m, "ce-count")).toBe("42");
    expect(header(m, "ce-flag")).toBe("false");
    expect(EXT_TYPES_HEADER.toLowerCase().startsWith("ce-")).toBe(false);
    expect(DATA_KIND_HEADER.toLowerCase().startsWith("ce-")).toBe(false);
  });
});

describe("round trips through the stored form", () => {
  it("CORE-12: every attribute and Integer/Boolean/String extension survives", () => {
    const e = event({
      ...EVENT,
      datacontenttype: "application/xml",
      dataschema: "https://example.com/s",
      subject: 'a "quoted" 100% subject',
      time: "2018-04-05T17:31:00.123+02:00",
      count: -2_147_483_648,
      flag: true,
      off: false,
      zero: 0,
      empty: "",
      lunch: "tacos",
    });
    const back = roundTrip(e);
    expect(back).toEqual(e);
  });

  it("JSON-11: an explicit null JSON payload survives", () => {
    expect(roundTrip(event({ ...EVENT }, { kind: "json", value: null })).data).toEqual({
      kind: "json",
      value: null,
      bytes: encodeUtf8("null"),
      text: "null",
    });
  });

  it("stored JSON data is kept as its text and parsed only when its value is read", () => {
    const back = roundTrip(event({ ...EVENT }, { kind: "json", value: { a: [1, "x"] } }));
    expect(back.data).toMatchObject({ kind: "json", text: '{"a":[1,"x"]}' });
    expect(back.data?.value).toEqual({ a: [1, "x"] });
    expect(back.data?.value).toBe(back.data?.value); // parsed once
  });

  it("JSON-13: a JSON string stays a string (quotes kept)", () => {
    expect(roundTrip(event({ ...EVENT }, { kind: "json", value: '{"a":1}' })).data?.value).toBe('{"a":1}');
  });

  it("text data keeps its kind (even when empty)", () => {
    const back = roundTrip(event({ ...EVENT, datacontenttype: "text/plain" }, { kind: "text", value: "" }));
    expect(back.data).toEqual({ kind: "text", value: "" });
  });

  it("JSON-6/JSON-12: binary data under a JSON content type stays bytes", () => {
    const bytes = encodeUtf8("not json");
    const back = roundTrip(event({ ...EVENT, datacontenttype: "application/json" }, { kind: "binary", value: bytes }));
    expect(back.data).toEqual({ kind: "binary", value: bytes });
  });

  it("NATS-7/NATS-8/NATS-9: random events survive encodeNats → decodeNats", () => {
    const rnd = prng(31337);
    for (let n = 0; n < 300; n++) {
      const attrs: Record<string, unknown> = { ...EVENT, id: randomText(rnd, 1), type: randomText(rnd, 1) };
      if (rnd() < 0.5) attrs.subject = randomText(rnd, 1);
      if (rnd() < 0.5) attrs.s = randomText(rnd);
      if (rnd() < 0.5) attrs.i = Math.floor(rnd() * 4294967296) - 2147483648;
      if (rnd() < 0.5) attrs.b = rnd() < 0.5;
      const kind = Math.floor(rnd() * 4);
      let data: EventData | undefined;
      if (kind === 1) data = { kind: "json", value: { t: randomText(rnd), n: rnd() } };
      else if (kind === 2) {
        if (rnd() < 0.5) attrs.datacontenttype = "application/octet-stream";
        data = { kind: "binary", value: randomBytes(rnd, 64) };
      } else if (kind === 3) {
        attrs.datacontenttype = "text/plain; charset=utf-8";
        data = { kind: "text", value: randomText(rnd) };
      }
      const e = event(attrs, data);
      const back = roundTrip(e);
      const { data: _d1, datacontenttype: ct1, ...a1 } = e;
      const { data: _d2, datacontenttype: ct2, ...a2 } = back;
      expect(a2).toEqual(a1);
      expect(ct2).toBe(kind === 1 ? "application/json" : ct1);
      if (data === undefined) expect(back.data).toBeUndefined();
      else {
        expect(back.data?.kind).toBe(data.kind);
        expect(Buffer.from(dataBytes(back.data as EventData)).equals(Buffer.from(dataBytes(data)))).toBe(true);
        expect(toJson(back).data).toEqual(toJson(e).data);
      }
    }
  });
});

/** Random attributes: optional ones, String / Integer / Boolean extensions, sometimes one named by digits only. */
function randomAttributes(rnd: () => number): Record<string, unknown> {
  const attrs: Record<string, unknown> = { ...EVENT, id: randomText(rnd, 1), type: randomText(rnd, 1) };
  if (rnd() < 0.5) attrs.subject = randomText(rnd, 1);
  if (rnd() < 0.5) attrs.time = "2026-01-31T12:00:00.5Z";
  if (rnd() < 0.3) attrs.dataschema = "https://example.com/s";
  if (rnd() < 0.5) attrs.s = randomText(rnd);
  if (rnd() < 0.5) attrs.i = Math.floor(rnd() * 4294967296) - 2147483648;
  if (rnd() < 0.5) attrs.b = rnd() < 0.5;
  if (rnd() < 0.2) attrs["7"] = "numeric name";
  return attrs;
}

describe("the bus's own messages (marked Anumate-Data)", () => {
  it("are decoded straight into the event, equal to what the general path makes of them", () => {
    const rnd = prng(2718);
    for (let n = 0; n < 300; n++) {
      const attrs = randomAttributes(rnd);
      const kind = Math.floor(rnd() * 4);
      const data: EventData | undefined =
        kind === 1
          ? { kind: "json", value: { t: randomText(rnd) } }
          : kind === 2
            ? { kind: "binary", value: randomBytes(rnd, 16) }
            : kind === 3
              ? { kind: "text", value: randomText(rnd) }
              : undefined;
      if (kind === 3) attrs.datacontenttype = "text/plain";
      const m = encodeNats(event(attrs, data));
      const fast = decodeNats(reader(m.headers), m.payload);
      // the same headers with the names in upper case take the general path (names are case-insensitive)
      const general = decodeNats(reader(m.headers.map(([k, v]) => [k.startsWith("ce-") ? k.toUpperCase() : k, v])), m.payload);
      if (!fast.ok || !general.ok) throw new Error("not decoded");
      expect(fast.event).toEqual(general.event);
      expect(Object.keys(fast.event.extensions)).toEqual(Object.keys(general.event.extensions));
      expect(toJson(fast.event)).toEqual(toJson(general.event));
      expect(Object.isFrozen(fast.event) && Object.isFrozen(fast.event.extensions)).toBe(true);
    }
  });

  it("their JSON format, made from headers and payload, is the text of the decoded event (JSON data kept as its bytes)", () => {
    const rnd = prng(1618);
    let digitNamed = 0;
    for (let n = 0; n < 400; n++) {
      const attrs = randomAttributes(rnd);
      const kind = Math.floor(rnd() * 5);
      let data: EventData | undefined;
      if (kind === 1) data = { kind: "json", value: rnd() < 0.2 ? "line\nbreak" : { t: randomText(rnd), n: [1, null, true] } };
      else if (kind === 2) {
        if (rnd() < 0.5) attrs.datacontenttype = "application/octet-stream";
        data = { kind: "binary", value: randomBytes(rnd, 32) };
      } else if (kind === 3) {
        attrs.datacontenttype = "text/plain";
        data = { kind: "text", value: randomText(rnd) };
      } else if (kind === 4) {
        attrs.datacontenttype = "text/csv";
        data = { kind: "binary", value: encodeUtf8(randomText(rnd)) };
      }
      const m = encodeNats(event(attrs, data));
      // JSON data as a service sent it: with its own spacing and line breaks
      const payload = kind === 1 ? encodeUtf8(JSON.stringify(data?.value, null, rnd() < 0.5 ? 2 : 0)) : m.payload;
      const h = reader(m.headers);
      const marked = readMarked(h);
      expect(marked?.kind).toBe(m.headers.find(([name]) => name === DATA_KIND_HEADER)?.[1]);
      expect(marked?.type).toBe(attrs.type);
      const parts = markedJson(marked as NonNullable<typeof marked>, payload);
      const decoded = ok(h, payload);
      if (Object.hasOwn(attrs, "7")) {
        expect(parts).toBeUndefined();
        digitNamed++;
        continue;
      }
      const text =
        parts &&
        `${parts.head}${
          parts.data
            ? Buffer.from(parts.data)
                .toString("utf8")
                .replace(/[\r\n]/g, " ")
            : ""
        }${parts.tail}`;
      expect(text).toBe(toJsonText(decoded));
      expect(JSON.parse(text as string)).toEqual(toJson(decoded));
    }
    expect(digitNamed).toBeGreaterThan(10);
  });

  it("only messages that decode straight into the event are taken by readMarked", () => {
    const m = encodeNats(event({ ...EVENT, s: "x" }, { kind: "json", value: 1 }));
    const with_ = (f: (h: [string, string][]) => [string, string][]) => readMarked(reader(f(m.headers)))?.kind;
    expect(with_((h) => h)).toBe("json");
    expect(with_((h) => h.map(([k, v]) => (k === "ce-id" ? [k, "%zz"] : [k, v])))).toBeUndefined();
    expect(with_((h) => h.map(([k, v]) => (k === "ce-s" ? ["CE-S", v] : [k, v])))).toBeUndefined();
    expect(with_((h) => h.map(([k, v]) => (k === "ce-specversion" ? [k, "0.3"] : [k, v])))).toBeUndefined();
    expect(with_((h) => h.filter(([k]) => k !== "ce-source"))).toBeUndefined();
    expect(with_((h) => h.map(([k, v]) => (k === DATA_KIND_HEADER ? [k, "yaml"] : [k, v])))).toBeUndefined();
    expect(with_((h) => [...h, ["content-type", "application/cloudevents+json"]])).toBeUndefined();
    expect(with_((h) => [...h, ["Content-Type", "Application/CloudEvents+JSON"]])).toBeUndefined();
    expect(with_((h) => [...h, ["Content-Type", "text/plain"]])).toBe("json");
    expect(with_((h) => [...h, ["Ce-Extra", "x"]])).toBeUndefined();
    // a quoted or percent-encoded value that decodes is fine
    expect(with_((h) => h.map(([k, v]) => (k === "ce-id" ? [k, '"a%20b"'] : [k, v])))).toBe("json");
  });

  it("a marked message that does not decode cleanly goes to the general path and its errors", () => {
    const m = encodeNats(event({ ...EVENT }, undefined));
    const bad = m.headers.map(([k, v]): [string, string] => (k === "ce-id" ? [k, "%zz"] : [k, v]));
    const r = decodeNats(reader(bad), m.payload);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems[0]?.field).toBe("ce-id");
  });
});

describe("structured mode (NATS-1 … NATS-6)", () => {
  const payload = encodeUtf8(JSON.stringify({ ...EVENT, datacontenttype: "text/plain", data: "hi", lunch: "tacos" }));

  it("NATS-1/NATS-2/NATS-3: a message without headers is a JSON-format event (1.0.2)", () => {
    const e = ok(undefined, payload);
    expect(e).toMatchObject({ ...EVENT, datacontenttype: "text/plain", extensions: { lunch: "tacos" } });
    expect(e.data).toEqual({ kind: "text", value: "hi" });
  });

  it.each(["application/cloudevents+json", "application/cloudevents+json; charset=utf-8", "Application/CloudEvents+JSON"])(
    "NATS-6: Content-Type %s (matched case-insensitively) means structured mode",
    (ct) => {
      expect(ok(reader([["content-type", ct]]), payload).id).toBe("n-1");
      expect(ok(reader([["Content-Type", ct]]), payload).id).toBe("n-1");
    },
  );

  it("NATS-6: in structured mode the payload is authoritative; ce- headers are ignored", () => {
    const e = ok(
      reader([
        ["Content-Type", "application/cloudevents+json"],
        ["ce-id", "other"],
      ]),
      payload,
    );
    expect(e.id).toBe("n-1");
  });

  it("NATS-1: headers that are not CloudEvents headers (e.g. Nats-Msg-Id) still mean structured mode", () => {
    expect(ok(reader([["Nats-Msg-Id", "abc"]]), payload).id).toBe("n-1");
  });

  it("NATS-3: a payload that is not UTF-8 is rejected", () => {
    expect(bad(undefined, new Uint8Array([0x7b, 0xc0, 0xa0, 0x7d]))).toEqual([
      { field: "payload", rule: "must be UTF-8 JSON (structured mode)" },
    ]);
  });

  it("NATS-4: a payload that is not JSON is rejected", () => {
    expect(bad(undefined, encodeUtf8("hello"))).toEqual([
      { field: "payload", rule: "must be a JSON-format CloudEvent (structured mode)" },
    ]);
  });

  it("NATS-4: structured payloads follow every JSON-format rule", () => {
    expect(bad(undefined, encodeUtf8(JSON.stringify({ ...EVENT, specversion: "0.3" }))).map((p) => p.field)).toEqual([
      "specversion",
    ]);
    expect(bad(undefined, encodeUtf8(JSON.stringify({ ...EVENT, data: 1, data_base64: "AA==" }))).map((p) => p.field)).toEqual([
      "data_base64",
    ]);
  });

  it("NATS-5: there is no batch mode: a JSON array is not an event", () => {
    const r = decodeNats(reader([["content-type", "application/cloudevents-batch+json"]]), encodeUtf8(JSON.stringify([EVENT])));
    expect(r.ok).toBe(false);
  });
});

describe("binary mode published directly by services (NATS-6, NATS-7, NATS-8)", () => {
  it("NATS-7: ce- headers with a JSON payload and no datacontenttype are read as JSON (JSON-15)", () => {
    const e = ok(reader(CE_HEADERS), encodeUtf8('{"a":1}'));
    expect(e).toMatchObject(EVENT);
    expect(e.datacontenttype).toBeUndefined();
    expect(e.data?.kind).toBe("json");
    expect(e.data?.value).toEqual({ a: 1 });
  });

  it("NATS-7: header names are case-insensitive", () => {
    const e = ok(
      reader([
        ["CE-SPECVERSION", "1.0"],
        ["Ce-Id", "n-1"],
        ["ce-Source", "/nats/test"],
        ["ce-type", "com.example.nats"],
        ["Ce-Lunch", "tacos"],
      ]),
      new Uint8Array(0),
    );
    expect(e).toMatchObject(EVENT);
    expect(e.extensions).toEqual({ lunch: "tacos" });
  });

  it("NATS-7: ce-datacontenttype is the datacontenttype; a non-JSON payload stays bytes", () => {
    const bytes = new Uint8Array([0xff, 0x00, 0x10]);
    const e = ok(reader([...CE_HEADERS, ["ce-datacontenttype", "application/octet-stream"]]), bytes);
    expect(e.datacontenttype).toBe("application/octet-stream");
    expect(e.data).toEqual({ kind: "binary", value: bytes });
  });

  it("JSON-15: a payload that is not JSON under a JSON ce-datacontenttype is rejected", () => {
    expect(bad(reader([...CE_HEADERS, ["ce-datacontenttype", "application/json"]]), encodeUtf8("I'm just a string"))).toEqual([
      { field: "data", rule: expect.stringMatching(/valid JSON/) },
    ]);
  });

  it("JSON-12: without any datacontenttype, a payload that is not JSON is kept as bytes", () => {
    const bytes = encodeUtf8("plain words");
    expect(ok(reader(CE_HEADERS), bytes).data).toEqual({ kind: "binary", value: bytes });
  });

  it("NATS-8/HTTP-B6/HTTP-B7: header values are unquoted and percent-decoded once", () => {
    const e = ok(
      reader([
        ["ce-specversion", "1%2E0"],
        ["ce-id", '"quoted \\"id\\""'],
        ["ce-source", "/nats/test"],
        ["ce-type", "com.example.nats"],
        ["ce-subject", "%e2%82%ac%2541"],
      ]),
      new Uint8Array(0),
    );
    expect(e.specversion).toBe("1.0");
    expect(e.id).toBe('quoted "id"');
    expect(e.subject).toBe("€%41");
  });

  it("NATS-8/HTTP-B8: rejects overlong UTF-8 %C0%A0 in a NATS header", () => {
    expect(bad(reader([...CE_HEADERS, ["ce-subject", "%C0%A0"]]), new Uint8Array(0))).toEqual([
      { field: "ce-subject", rule: "percent-encodes bytes that are not valid UTF-8" },
    ]);
  });

  it("NATS-6: ce- headers without ce-specversion are an invalid binary message, not a structured one", () => {
    const headers = CE_HEADERS.filter(([k]) => k !== "ce-specversion");
    const structuredLooking = encodeUtf8(JSON.stringify({ ...EVENT, id: "from-payload" }));
    expect(bad(reader(headers), structuredLooking)).toEqual([{ field: "specversion", rule: "is required" }]);
  });

  it("HTTP-6: a missing REQUIRED attribute is reported", () => {
    const headers = CE_HEADERS.filter(([k]) => k !== "ce-type");
    expect(bad(reader(headers), new Uint8Array(0))).toEqual([{ field: "type", rule: "is required" }]);
  });

  it("CORE-3: a ce- header with an invalid attribute name is rejected", () => {
    expect(bad(reader([...CE_HEADERS, ["ce-lunch_time", "noon"]]), new Uint8Array(0)).map((p) => p.field)).toEqual([
      "lunch_time",
    ]);
    expect(bad(reader([...CE_HEADERS, ["ce-__proto__", "x"]]), new Uint8Array(0)).map((p) => p.field)).toEqual(["__proto__"]);
  });

  it("CORE-12: the extension-types header restores Integer and Boolean values", () => {
    const e = ok(
      reader([...CE_HEADERS, ["ce-count", "-7"], ["ce-flag", "true"], ["ce-word", "7"], [EXT_TYPES_HEADER, "count=i,flag=b"]]),
      new Uint8Array(0),
    );
    expect(e.extensions).toEqual({ count: -7, flag: true, word: "7" });
  });

  it("CORE-6: an extension typed as Integer beyond 32 bits is rejected", () => {
    expect(
      bad(reader([...CE_HEADERS, ["ce-count", "2147483648"], [EXT_TYPES_HEADER, "count=i"]]), new Uint8Array(0)).map(
        (p) => p.field,
      ),
    ).toEqual(["count"]);
  });

  it("CORE-5: a Boolean is only the case-sensitive true or false; anything else stays a String", () => {
    const e = ok(reader([...CE_HEADERS, ["ce-flag", "TRUE"], [EXT_TYPES_HEADER, "flag=b"]]), new Uint8Array(0));
    expect(e.extensions).toEqual({ flag: "TRUE" });
  });
});

describe("writeJsonParts", () => {
  const data = new TextEncoder().encode('{\n "a": 1\r\n}');
  it("makes the data's line breaks spaces, unless the parts say it has none left", () => {
    expect(jsonPartsBuffer(jsonParts('{"data":', "}", data, "pre:")).toString()).toBe('pre:{"data":{  "a": 1  }}');
    // (one-line data is copied as it is: here, to show it is not searched)
    expect(jsonPartsBuffer(jsonParts('{"data":', "}", data, undefined, true)).toString()).toBe('{"data":{\n "a": 1\r\n}}');
  });

  it("measures and writes every part as UTF-8, short or long, ASCII or not", () => {
    for (const [pre, head, tail] of [
      ["", "", "}"],
      ["é", '{"é":', "}€\n\n"],
      ["😀😀😀😀", "x".repeat(8), "y".repeat(9)],
      ['{"type":"event","é":1,"event":', "", "}\n\n"],
    ] as const) {
      const p = jsonParts(head, tail, data, pre, true);
      const want = Buffer.concat([Buffer.from(pre + head), data, Buffer.from(tail)]);
      expect(jsonPartsLength(p)).toBe(want.length);
      expect(jsonPartsBuffer(p).equals(want)).toBe(true);
    }
  });
});
