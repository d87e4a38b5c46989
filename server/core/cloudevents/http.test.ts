import { CloudEvent as SdkCloudEvent, HTTP as SdkHTTP } from "cloudevents";
import { describe, expect, it } from "vitest";
import { AppError, type ErrorDetail, HTTP_STATUS } from "../../../lib/errors";
import { prng } from "../../testing/prng";
import { dataBytes, encodeUtf8 } from "./data";
import { type CloudEvent, createEvent, type EventData } from "./event";
import { attributeEntries, decodeBinary, decodeHttpRequest, detectMode, encodeBinary, type HttpHeaders } from "./http";
import { toJson } from "./json";

function randomBytes(rnd: () => number, max: number): Uint8Array {
  const out = new Uint8Array(Math.floor(rnd() * (max + 1)));
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(rnd() * 256);
  return out;
}

/** A random valid CloudEvents String (no controls, noncharacters or lone surrogates). */
function randomText(rnd: () => number, min = 0): string {
  const pool = ["a", "Z", "0", " ", '"', "%", "\\", "~", ".", ":", "/", "é", "€", "😀", "\u00A0", "%41", "+"];
  let s = "";
  for (let i = min + Math.floor(rnd() * 10); i > 0; i--) s += pool[Math.floor(rnd() * pool.length)];
  return s;
}

const LIMITS = { maxEventBytes: 1 << 20, maxBatchEvents: 100 };
const storedSize = (e: CloudEvent) => JSON.stringify(toJson(e)).length;

const BIN: HttpHeaders = {
  "ce-specversion": "1.0",
  "ce-id": "A234-1234-1234",
  "ce-source": "https://github.com/cloudevents/spec/pull",
  "ce-type": "com.github.pull_request.opened",
};
const EVENT = {
  specversion: "1.0",
  id: "A234-1234-1234",
  source: "https://github.com/cloudevents/spec/pull",
  type: "com.github.pull_request.opened",
};

const text = (s: string) => encodeUtf8(s);
const json = (v: unknown) => encodeUtf8(JSON.stringify(v));

function decode(headers: HttpHeaders, body: Uint8Array = new Uint8Array(0), limits = LIMITS) {
  return decodeHttpRequest(headers, body, limits, storedSize);
}

function one(headers: HttpHeaders, body?: Uint8Array): CloudEvent {
  const r = decode(headers, body);
  expect(r.events).toHaveLength(1);
  return r.events[0] as CloudEvent;
}

/** The AppError thrown by decoding (fails the test when nothing is thrown). */
function failure(headers: HttpHeaders, body: Uint8Array = new Uint8Array(0), limits = LIMITS): AppError {
  try {
    decode(headers, body, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    return e as AppError;
  }
  throw new Error("expected decodeHttpRequest to throw");
}

function details(e: AppError): ErrorDetail[] {
  return e.details ?? [];
}

function event(attributes: Record<string, unknown>, data?: EventData): CloudEvent {
  const r = createEvent({ attributes, data });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  return r.event;
}

describe("mode detection (HTTP-4, pitfall 1)", () => {
  it.each([
    ["application/cloudevents+json", "structured"],
    ["application/cloudevents+json; charset=UTF-8", "structured"],
    ["APPLICATION/CloudEvents+JSON", "structured"],
    ["application/cloudevents+avro", "structured"],
    ["application/cloudevents", "structured"],
    [" application/cloudevents+json", "structured"],
    ["application/cloudevents-batch+json", "batch"],
    ["application/cloudevents-batch+json; charset=UTF-8", "batch"],
    ["Application/CloudEvents-Batch+JSON", "batch"],
    ["application/json", "binary"],
    ["text/plain", "binary"],
    ["application/octet-stream", "binary"],
    ["", "binary"],
  ])("HTTP-4: %j is %s mode", (ct, mode) => {
    expect(detectMode(ct)).toBe(mode);
  });

  it("HTTP-4: no Content-Type is binary mode", () => {
    expect(detectMode(undefined)).toBe("binary");
  });

  it("HTTP-4/pitfall 1: a CloudEvent JSON body sent as application/json is a binary message with no ce- headers, so invalid", () => {
    const e = failure({ "content-type": "application/json" }, json(EVENT));
    expect(e.code).toBe("VALIDATION");
    expect(details(e).map((d) => d.field)).toEqual(["ce-specversion", "ce-id", "ce-source", "ce-type"]);
  });
});

describe("binary mode (HTTP-B1 … HTTP-B8)", () => {
  it("HTTP-B2/HTTP-B3: ce- headers are the attributes and the body is the data", () => {
    const r = decode({ ...BIN, "content-type": "application/json", "ce-lunch": "tacos" }, json({ a: 1 }));
    expect(r.mode).toBe("binary");
    const e = r.events[0] as CloudEvent;
    expect(e).toMatchObject({ ...EVENT, datacontenttype: "application/json" });
    expect(e.extensions).toEqual({ lunch: "tacos" });
    expect(e.data?.kind).toBe("json");
    expect(e.data?.value).toEqual({ a: 1 });
  });

  it("HTTP-B3: every optional attribute maps from its own ce- header", () => {
    const e = one({
      ...BIN,
      "ce-subject": "123",
      "ce-time": "2018-04-05T17:31:00Z",
      "ce-dataschema": "https://example.com/schema",
    });
    expect(e.subject).toBe("123");
    expect(e.time).toBe("2018-04-05T17:31:00Z");
    expect(e.dataschema).toBe("https://example.com/schema");
  });

  it("HTTP-B3: header names are case-insensitive, so ce-LUNCH is the attribute lunch", () => {
    expect(one({ ...BIN, "ce-LUNCH": "tacos" }).extensions).toEqual({ lunch: "tacos" });
  });

  it("HTTP-B3: extension values arrive as canonical strings", () => {
    expect(one({ ...BIN, "ce-count": "42", "ce-flag": "true" }).extensions).toEqual({ count: "42", flag: "true" });
  });

  it("HTTP-B1: Content-Type, parameters included, is the datacontenttype", () => {
    const e = one({ ...BIN, "content-type": "text/plain; charset=utf-8" }, text("hello"));
    expect(e.datacontenttype).toBe("text/plain; charset=utf-8");
  });

  it("HTTP-B1: a ce-datacontenttype header is rejected", () => {
    const e = failure({ ...BIN, "content-type": "text/plain", "ce-datacontenttype": "text/plain" }, text("x"));
    expect(e.code).toBe("VALIDATION");
    expect(HTTP_STATUS[e.code]).toBe(400);
    expect(details(e).map((d) => d.field)).toEqual(["ce-datacontenttype"]);
  });

  it("DCT-1: an invalid Content-Type in binary mode is an invalid datacontenttype", () => {
    expect(details(failure({ ...BIN, "content-type": "nonsense" }, text("x"))).map((d) => d.field)).toEqual(["datacontenttype"]);
  });

  it("HTTP-B2: random bytes under application/octet-stream are kept byte for byte", () => {
    const rnd = prng(3);
    for (let n = 0; n < 200; n++) {
      const body = randomBytes(rnd, 100);
      const e = one({ ...BIN, "content-type": "application/octet-stream" }, body);
      if (body.length === 0) {
        expect(e.data).toBeUndefined();
        continue;
      }
      expect(e.data?.kind).toBe("binary");
      expect(Buffer.from(dataBytes(e.data as EventData)).equals(Buffer.from(body))).toBe(true);
    }
  });

  it("HTTP-B2: without a Content-Type the body stays bytes and no datacontenttype is invented", () => {
    const e = one({ ...BIN }, text('{"a":1}'));
    expect(e.datacontenttype).toBeUndefined();
    expect(e.data?.kind).toBe("binary");
  });

  it("DATA-1: an empty body is an event without data", () => {
    expect(one({ ...BIN, "content-type": "application/json" }).data).toBeUndefined();
  });

  it("JSON-15: an unquoted string body under application/json is invalid (the spec's example)", () => {
    const e = failure({ ...BIN, "content-type": "application/json" }, text("I'm just a string"));
    expect(e.code).toBe("VALIDATION");
    expect(details(e).map((d) => d.field)).toEqual(["data"]);
  });

  it("JSON-15: a quoted string body under application/json is a JSON string", () => {
    const e = one({ ...BIN, "content-type": "application/json" }, text('"I\'m just a string"'));
    expect(e.data?.value).toBe("I'm just a string");
  });

  it("JSON-7: a body under */*+json must be JSON too", () => {
    expect(one({ ...BIN, "content-type": "application/vnd.x+json" }, text("[1]")).data?.value).toEqual([1]);
    expect(failure({ ...BIN, "content-type": "application/vnd.x+json" }, text("[1")).code).toBe("VALIDATION");
  });

  it("HTTP-6: a binary message missing a REQUIRED attribute is not a CloudEvent", () => {
    const { "ce-id": _id, ...rest } = BIN;
    const e = failure(rest);
    expect(details(e)).toEqual([{ field: "id", rule: "is required" }]);
  });

  it("SV-2: ce-specversion other than 1.0 is rejected", () => {
    expect(details(failure({ ...BIN, "ce-specversion": "0.3" })).map((d) => d.field)).toEqual(["specversion"]);
  });

  it("HTTP-B5/HTTP-B6: percent-encoded values are decoded", () => {
    expect(one({ ...BIN, "ce-subject": "Euro%20%E2%82%AC%20%F0%9F%98%80" }).subject).toBe("Euro € 😀");
  });

  it("pitfall 4: every attribute is decoded before it is checked (specversion, time, source)", () => {
    const e = one({
      ...BIN,
      "ce-specversion": "1%2E0",
      "ce-time": "2018-04-05T17%3A31%3A00Z",
      "ce-source": "%2Fa%2Fb",
      "ce-id": '"quoted id"',
    });
    expect(e.specversion).toBe("1.0");
    expect(e.time).toBe("2018-04-05T17:31:00Z");
    expect(e.source).toBe("/a/b");
    expect(e.id).toBe("quoted id");
  });

  it("HTTP-B6: double-quoted header values are unescaped", () => {
    expect(one({ ...BIN, "ce-subject": '"say \\"hi\\""' }).subject).toBe('say "hi"');
  });

  it("HTTP-B7: lower-case hex is accepted", () => {
    expect(one({ ...BIN, "ce-subject": "%e2%82%ac" }).subject).toBe("€");
  });

  it("HTTP-B8: rejects overlong UTF-8 %C0%A0", () => {
    const e = failure({ ...BIN, "ce-subject": "a%C0%A0b" });
    expect(e.code).toBe("VALIDATION");
    expect(details(e)).toEqual([{ field: "ce-subject", rule: "percent-encodes bytes that are not valid UTF-8" }]);
  });

  it("HTTP-B8: a header problem and an attribute problem are both reported, once each", () => {
    const { "ce-type": _t, ...rest } = BIN;
    const e = failure({ ...rest, "ce-subject": "%C0%A0" });
    expect(details(e).map((d) => d.field)).toEqual(["ce-subject", "type"]);
  });

  it("HTTP-B4: a raw non-ASCII header value is rejected", () => {
    expect(details(failure({ ...BIN, "ce-subject": "café" })).map((d) => d.field)).toEqual(["ce-subject"]);
  });

  it("CORE-7: a percent-encoded control character is still not allowed in a String", () => {
    expect(details(failure({ ...BIN, "ce-subject": "a%00b" })).map((d) => d.field)).toEqual(["subject"]);
  });

  it("CORE-3: a ce- header with an invalid attribute name is rejected", () => {
    expect(details(failure({ ...BIN, "ce-lunch_time": "noon" })).map((d) => d.field)).toEqual(["lunch_time"]);
    expect(details(failure({ ...BIN, "ce-__proto__": "x" })).map((d) => d.field)).toEqual(["__proto__"]);
  });

  it("EXT-2: headers without the ce- prefix are not attributes", () => {
    const e = one({ ...BIN, "x-request-id": "abc", host: "example.com", "ce-": "empty name" });
    expect(e.extensions).toEqual({});
  });

  it("decodeBinary joins repeated header values", () => {
    const r = decodeBinary({ ...BIN, "ce-lunch": ["tacos", "pizza"] }, new Uint8Array(0));
    expect(r.ok && r.event.extensions.lunch).toBe("tacos,pizza");
  });
});

describe("structured mode (HTTP-2, HTTP-S1, HTTP-S2, WH-5)", () => {
  const CT = { "content-type": "application/cloudevents+json; charset=UTF-8" };

  it("HTTP-2: a JSON-format body is decoded", () => {
    const r = decode(CT, json({ ...EVENT, datacontenttype: "text/xml", data: "<a/>", lunch: "tacos" }));
    expect(r.mode).toBe("structured");
    expect(r.events[0]).toMatchObject({ ...EVENT, datacontenttype: "text/xml", extensions: { lunch: "tacos" } });
    expect(r.events[0]?.data).toEqual({ kind: "text", value: "<a/>" });
  });

  it("HTTP-4: structured detection is case-insensitive", () => {
    expect(decode({ "content-type": "Application/CloudEvents+JSON" }, json(EVENT)).mode).toBe("structured");
  });

  it("HTTP-S2: the body is authoritative; ce- headers are ignored", () => {
    const e = one({ ...CT, "ce-id": "header-id", "ce-lunch": "header" }, json(EVENT));
    expect(e.id).toBe(EVENT.id);
    expect(e.extensions).toEqual({});
  });

  it("HTTP-S2: attributes only in headers do not count", () => {
    const { id: _id, ...noId } = EVENT;
    expect(details(failure({ ...CT, "ce-id": "x" }, json(noId)))).toEqual([{ field: "id", rule: "is required" }]);
  });

  it.each(["application/cloudevents+avro", "application/cloudevents", "application/cloudevents+xml; charset=utf-8"])(
    "WH-5/HTTP-5: event format %s is not understood: 415",
    (ct) => {
      const e = failure({ "content-type": ct }, json(EVENT));
      expect(e.code).toBe("UNSUPPORTED_MEDIA_TYPE");
      expect(HTTP_STATUS[e.code]).toBe(415);
      expect(details(e)).toEqual([{ field: "content-type", rule: "structured mode supports only the JSON event format" }]);
    },
  );

  it("WH-6: a body that is not JSON is a 400", () => {
    const e = failure(CT, text("{not json"));
    expect(e.code).toBe("VALIDATION");
    expect(HTTP_STATUS[e.code]).toBe(400);
    expect(details(e)).toEqual([{ field: "body", rule: "must be valid JSON" }]);
  });

  it("NATS-3/WH-6: a body that is not UTF-8 is a 400", () => {
    expect(details(failure(CT, new Uint8Array([0x7b, 0xff, 0x7d])))).toEqual([{ field: "body", rule: "must be UTF-8 JSON" }]);
  });

  it("BATCH-3/JSON-4: a JSON batch sent as the (single-event) JSON format is not accepted", () => {
    expect(details(failure(CT, json([EVENT])))).toEqual([{ field: "body", rule: "must be a JSON object (a CloudEvent)" }]);
  });

  it("JSON-10: data and data_base64 together are rejected", () => {
    expect(details(failure(CT, json({ ...EVENT, data: 1, data_base64: "AA==" }))).map((d) => d.field)).toEqual(["data_base64"]);
  });
});

describe("batched mode (BATCH-1 … BATCH-4, HTTP-BA1, HTTP-BA2)", () => {
  const CT = { "content-type": "application/cloudevents-batch+json; charset=UTF-8" };

  it("BATCH-1: a JSON array of JSON-format events is decoded in order", () => {
    const r = decode(
      CT,
      json([
        { ...EVENT, id: "1" },
        { ...EVENT, id: "2", datacontenttype: "text/plain", data: "x" },
      ]),
    );
    expect(r.mode).toBe("batch");
    expect(r.events.map((e) => e.id)).toEqual(["1", "2"]);
    expect(r.events[1]?.data).toEqual({ kind: "text", value: "x" });
  });

  it("BATCH-4/HTTP-BA2: the empty batch is valid", () => {
    expect(decode(CT, text("[]"))).toEqual({ mode: "batch", events: [] });
  });

  it("HTTP-BA2: members whose specversion is not the shared 1.0 are rejected, by index", () => {
    const e = failure(CT, json([EVENT, { ...EVENT, specversion: "0.3" }]));
    expect(e.code).toBe("VALIDATION");
    expect(details(e)).toEqual([{ field: "specversion", rule: expect.stringMatching(/1\.0/), index: 1 }]);
  });

  it("HTTP-BA2/pitfall 12: one invalid member rejects the whole batch, and every problem carries its index", () => {
    const e = failure(CT, json([EVENT, { ...EVENT, id: "" }, EVENT, { ...EVENT, time: "yesterday", source: "a b" }]));
    expect(details(e).map((d) => [d.index, d.field])).toEqual([
      [1, "id"],
      [3, "source"],
      [3, "time"],
    ]);
    expect(e.message).toMatch(/2 of 4 events are invalid/);
  });

  it("BATCH-1: a non-object member is reported by index", () => {
    expect(details(failure(CT, json([EVENT, "x"])))).toEqual([
      { field: "[1]", rule: "must be a JSON object (a CloudEvent)", index: 1 },
    ]);
  });

  it("BATCH-1: a batch body that is not an array is a 400", () => {
    expect(details(failure(CT, json(EVENT)))).toEqual([{ field: "body", rule: "must be a JSON array of CloudEvents" }]);
  });

  it("BATCH-2/HTTP-BA1/WH-5: a batch in another format than application/cloudevents-batch+json is a 415", () => {
    const e = failure({ "content-type": "application/cloudevents-batch+avro" }, json([]));
    expect(e.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    expect(HTTP_STATUS[e.code]).toBe(415);
  });

  it("a batch over the event count limit is a 413", () => {
    const e = failure(CT, json([EVENT, EVENT, EVENT]), { maxEventBytes: 1 << 20, maxBatchEvents: 2 });
    expect(e.code).toBe("PAYLOAD_TOO_LARGE");
    expect(HTTP_STATUS[e.code]).toBe(413);
    expect(details(e)).toEqual([{ field: "body", rule: "must hold at most 2 events" }]);
  });

  it("an oversized member is a 413 naming its index", () => {
    const big = { ...EVENT, data: "x".repeat(500) };
    const e = failure(CT, json([EVENT, big]), { maxEventBytes: 400, maxBatchEvents: 10 });
    expect(e.code).toBe("PAYLOAD_TOO_LARGE");
    expect(details(e)).toEqual([{ field: "[1]", rule: expect.stringMatching(/at most 400 bytes/), index: 1 }]);
  });
});

describe("size limits (SIZE-1)", () => {
  it("SIZE-1: a 64 KiB event is accepted when the limit is 64 KiB; one byte more is a 413", () => {
    const limits = { maxEventBytes: 64 * 1024, maxBatchEvents: 10 };
    const size = (e: CloudEvent) => (e.data ? dataBytes(e.data).length : 0);
    const ok = decodeHttpRequest({ ...BIN, "content-type": "application/octet-stream" }, new Uint8Array(64 * 1024), limits, size);
    expect(ok.events).toHaveLength(1);
    let err: unknown;
    try {
      decodeHttpRequest({ ...BIN, "content-type": "application/octet-stream" }, new Uint8Array(64 * 1024 + 1), limits, size);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("PAYLOAD_TOO_LARGE");
    expect((err as AppError).details).toEqual([{ field: "event", rule: "must be at most 65536 bytes (is 65537)" }]);
  });
});

describe("encoding binary mode (HTTP-B1 … HTTP-B5, JSON-15, CORE-12)", () => {
  it("HTTP-B3/CORE-12: every attribute becomes a ce- header with its canonical string", () => {
    const e = event({
      ...EVENT,
      subject: "s",
      time: "2018-04-05T17:31:00Z",
      dataschema: "https://example.com/s",
      count: 42,
      flag: false,
      lunch: "tacos",
    });
    const { headers, body } = encodeBinary(e);
    expect(headers).toEqual({
      "ce-specversion": "1.0",
      "ce-id": EVENT.id,
      "ce-source": EVENT.source,
      "ce-type": EVENT.type,
      "ce-subject": "s",
      "ce-time": "2018-04-05T17:31:00Z",
      "ce-dataschema": "https://example.com/s",
      "ce-count": "42",
      "ce-flag": "false",
      "ce-lunch": "tacos",
    });
    expect(body).toBeUndefined();
  });

  it("HTTP-B1: datacontenttype is written to Content-Type, never ce-datacontenttype", () => {
    const { headers, body } = encodeBinary(
      event({ ...EVENT, datacontenttype: "text/plain; charset=utf-8" }, { kind: "text", value: "héllo" }),
    );
    expect(headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(headers).not.toHaveProperty("ce-datacontenttype");
    expect(new TextDecoder().decode(body)).toBe("héllo");
  });

  it("HTTP-3/HTTP-B1: push delivery is binary mode, never a cloudevents (batch) content type", () => {
    const { headers } = encodeBinary(event({ ...EVENT }, { kind: "json", value: [1] }));
    expect(detectMode(headers["content-type"])).toBe("binary");
  });

  it("JSON-15/DCT-2: JSON data without datacontenttype gets an explicit application/json", () => {
    const { headers, body } = encodeBinary(event({ ...EVENT }, { kind: "json", value: "I'm just a string" }));
    expect(headers["content-type"]).toBe("application/json");
    expect(new TextDecoder().decode(body)).toBe('"I\'m just a string"');
  });

  it("HTTP-B2: JSON bytes from a binary-mode body are re-sent unchanged", () => {
    const raw = text('{ "a" :  1 }');
    const e = one({ ...BIN, "content-type": "application/json" }, raw);
    expect(encodeBinary(e).body).toEqual(raw);
  });

  it("HTTP-B2: binary data without a datacontenttype is sent without a Content-Type", () => {
    const { headers, body } = encodeBinary(event({ ...EVENT }, { kind: "binary", value: new Uint8Array([1, 2]) }));
    expect(headers).not.toHaveProperty("content-type");
    expect(body).toEqual(new Uint8Array([1, 2]));
  });

  it("HTTP-B4/HTTP-B5: header values are percent-encoded printable US-ASCII", () => {
    const { headers } = encodeBinary(event({ ...EVENT, subject: 'Euro € 😀 "q" 100%', lunch: "é" }));
    expect(headers["ce-subject"]).toBe("Euro%20%E2%82%AC%20%F0%9F%98%80%20%22q%22%20100%25");
    expect(headers["ce-lunch"]).toBe("%C3%A9");
  });

  it("attributeEntries lists core attributes first, then extensions", () => {
    const e = event({ ...EVENT, zeta: 1, datacontenttype: "text/plain", alpha: true });
    expect(attributeEntries(e).map(([k]) => k)).toEqual([
      "specversion",
      "id",
      "source",
      "type",
      "datacontenttype",
      "zeta",
      "alpha",
    ]);
  });

  it("HTTP-B3/HTTP-B4/HTTP-B6: random events survive encodeBinary → decodeHttpRequest", () => {
    const rnd = prng(77);
    for (let n = 0; n < 200; n++) {
      const attrs: Record<string, unknown> = {
        ...EVENT,
        id: randomText(rnd, 1),
        source: `/s/${Math.floor(rnd() * 1000)}`,
        type: randomText(rnd, 1),
      };
      if (rnd() < 0.5) attrs.subject = randomText(rnd, 1);
      if (rnd() < 0.3) attrs.time = "2018-04-05T17:31:00.5+01:00";
      if (rnd() < 0.5) attrs.lunch = randomText(rnd);
      const kind = Math.floor(rnd() * 4);
      let data: EventData | undefined;
      if (kind === 1) data = { kind: "json", value: { s: randomText(rnd), n: Math.floor(rnd() * 100) } };
      else if (kind === 2) {
        attrs.datacontenttype = "application/octet-stream";
        data = { kind: "binary", value: randomBytes(rnd, 40) };
      } else if (kind === 3) {
        attrs.datacontenttype = "text/plain; charset=utf-8";
        data = { kind: "text", value: randomText(rnd) };
      }
      const original = event(attrs, data);
      const { headers, body } = encodeBinary(original);
      for (const v of Object.values(headers)) expect(v).toMatch(/^[\x20-\x7E]*$/);
      const back = one(headers, body);
      const expected = { ...attrs };
      if (kind === 1) expected.datacontenttype = "application/json";
      delete expected.lunch;
      expect(back).toMatchObject(expected);
      expect(back.extensions).toEqual(attrs.lunch === undefined ? {} : { lunch: attrs.lunch });
      const bytesIn = data === undefined ? new Uint8Array(0) : dataBytes(data);
      const bytesOut = back.data === undefined ? new Uint8Array(0) : dataBytes(back.data);
      expect(Buffer.from(bytesOut).equals(Buffer.from(bytesIn))).toBe(true);
    }
  });
});

describe("interop with the cloudevents SDK (v10)", () => {
  /** What the receiving Node server sees: lower-case header names and string values. */
  function wire(message: { headers: Record<string, unknown>; body: unknown }): { headers: HttpHeaders; body: Uint8Array } {
    const headers: HttpHeaders = {};
    for (const [k, v] of Object.entries(message.headers)) headers[k.toLowerCase()] = String(v);
    const b = message.body;
    const body = typeof b === "string" ? encodeUtf8(b) : b instanceof Uint8Array ? b : new Uint8Array(0);
    return { headers, body };
  }

  const sdkEvents = (): SdkCloudEvent<unknown>[] => [
    new SdkCloudEvent({
      id: "sdk-1",
      source: "/sdk/source",
      type: "com.example.sdk.json",
      time: "2018-04-05T17:31:00.000Z",
      subject: "sub",
      dataschema: "https://example.com/schema.json",
      lunch: "tacos",
      data: { a: [1, "é", null], b: true },
    }),
    new SdkCloudEvent({
      id: "sdk-2",
      source: "urn:example:sdk",
      type: "com.example.sdk.binary",
      datacontenttype: "application/octet-stream",
      data: new Uint8Array([0, 255, 10, 128, 13]),
    }),
    new SdkCloudEvent({
      id: "sdk-3",
      source: "https://example.com/sdk",
      type: "com.example.sdk.text",
      datacontenttype: "text/plain",
      data: "hello there",
    }),
  ];

  function expectSame(ours: CloudEvent, theirs: SdkCloudEvent<unknown>, mode: "binary" | "structured") {
    expect(ours.id).toBe(theirs.id);
    expect(ours.source).toBe(theirs.source);
    expect(ours.type).toBe(theirs.type);
    expect(ours.specversion).toBe(theirs.specversion);
    expect(ours.time).toBe(theirs.time);
    expect(ours.subject).toBe(theirs.subject);
    expect(ours.dataschema).toBe(theirs.dataschema);
    if (theirs.datacontenttype !== undefined) expect(ours.datacontenttype).toBe(theirs.datacontenttype);
    expect(ours.extensions).toEqual(theirs.lunch === undefined ? {} : { lunch: theirs.lunch });
    const d = ours.data as EventData;
    if (theirs.data instanceof Uint8Array) {
      expect(Buffer.from(dataBytes(d)).equals(Buffer.from(theirs.data))).toBe(true);
      if (mode === "structured") expect(toJson(ours).data_base64).toBe(theirs.data_base64);
    } else if (typeof theirs.data === "string") {
      // text: bytes in binary mode, a string in structured mode; either way the same text and the same JSON rendering
      expect(new TextDecoder().decode(dataBytes(d))).toBe(theirs.data);
      expect(toJson(ours).data).toBe(theirs.data);
    } else {
      expect(d.kind).toBe("json");
      expect(d.value).toEqual(theirs.data);
    }
  }

  it("HTTP-1: events from HTTP.binary(...) decode to the same attributes and data", () => {
    for (const ce of sdkEvents()) {
      const { headers, body } = wire(SdkHTTP.binary(ce));
      const r = decode(headers, body);
      expect(r.mode).toBe("binary");
      expectSame(r.events[0] as CloudEvent, ce, "binary");
    }
  });

  it("HTTP-1: the SDK's default binary Content-Type becomes datacontenttype", () => {
    const [ce] = sdkEvents();
    const { headers, body } = wire(SdkHTTP.binary(ce as SdkCloudEvent<unknown>));
    expect(one(headers, body).datacontenttype).toBe("application/json; charset=utf-8");
  });

  it("HTTP-1/HTTP-2: events from HTTP.structured(...) decode to the same attributes and data", () => {
    for (const ce of sdkEvents()) {
      const { headers, body } = wire(SdkHTTP.structured(ce));
      const r = decode(headers, body);
      expect(r.mode).toBe("structured");
      expectSame(r.events[0] as CloudEvent, ce, "structured");
    }
  });

  it("CORE-1: our JSON rendering is read back by the SDK with the same attributes", () => {
    for (const ce of sdkEvents()) {
      const { headers, body } = wire(SdkHTTP.structured(ce));
      const ours = one(headers, body);
      const back = SdkHTTP.toEvent({
        headers: { "content-type": "application/cloudevents+json" },
        body: JSON.stringify(toJson(ours)),
      });
      const sdk = Array.isArray(back) ? back[0] : back;
      expect(sdk?.id).toBe(ce.id);
      expect(sdk?.type).toBe(ce.type);
      expect(sdk?.source).toBe(ce.source);
      expect(sdk?.time).toBe(ce.time);
    }
  });
});
