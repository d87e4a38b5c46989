import { describe, expect, it } from "vitest";
import { prng } from "../../testing/prng";
import { dataBytes, dataFromBody, decodeUtf8, encodeUtf8, renderData, storedJsonData } from "./data";
import { type CloudEvent, createEvent } from "./event";
import { fromJson, toJson, toJsonText } from "./json";

function randomBytes(rnd: () => number, max: number): Uint8Array {
  const out = new Uint8Array(Math.floor(rnd() * (max + 1)));
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(rnd() * 256);
  return out;
}

/** A random JSON value (no undefined, no non-finite numbers). */
function randomJson(rnd: () => number, depth = 0): unknown {
  const pick = Math.floor(rnd() * (depth > 2 ? 5 : 7));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return rnd() < 0.5;
    case 2:
      return rnd() < 0.5 ? Math.floor(rnd() * 2000) - 1000 : rnd() * 1e6;
    case 3:
      return ["", "x", '{"a":1}', "é 😀", "line\nbreak", "null"][Math.floor(rnd() * 6)];
    case 4:
      return String.fromCharCode(...Array.from({ length: Math.floor(rnd() * 8) }, () => 32 + Math.floor(rnd() * 95)));
    case 5:
      return Array.from({ length: Math.floor(rnd() * 4) }, () => randomJson(rnd, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rnd() * 4); i > 0; i--) o[`k${Math.floor(rnd() * 10)}`] = randomJson(rnd, depth + 1);
      return o;
    }
  }
}

const BASE = {
  specversion: "1.0",
  id: "A234-1234-1234",
  source: "https://github.com/cloudevents/spec/pull",
  type: "com.github.pull_request.opened",
};

function decode(value: unknown): CloudEvent {
  const r = fromJson(value);
  if (!r.ok) throw new Error(`expected a valid event, got ${JSON.stringify(r.problems)}`);
  return r.event;
}

function problems(value: unknown, index?: number) {
  const r = fromJson(value, index);
  if (r.ok) throw new Error(`expected an invalid event: ${JSON.stringify(value)}`);
  return r.problems;
}

/** Through the wire: object → JSON text → object → event → JSON-format object. */
function wire(value: unknown): Record<string, unknown> {
  return toJson(decode(JSON.parse(JSON.stringify(value))));
}

describe("JSON format attributes (CORE-1, JSON-1, JSON-2, JSON-3, JSON-5)", () => {
  it("CORE-1/JSON-5: the spec's example event round-trips member for member", () => {
    const ev = {
      ...BASE,
      subject: "123",
      time: "2018-04-05T17:31:00Z",
      comexampleextension1: "value",
      comexampleothervalue: 5,
      datacontenttype: "text/xml",
      data: '<much wow="xml"/>',
    };
    expect(wire(ev)).toEqual(ev);
  });

  it("JSON-5: every present attribute becomes a member, and absent ones do not", () => {
    const full = {
      ...BASE,
      datacontenttype: "application/json",
      dataschema: "https://example.com/schema",
      subject: "s",
      time: "2018-04-05T17:31:00Z",
    };
    expect(Object.keys(wire(full)).sort()).toEqual(Object.keys(full).sort());
    expect(Object.keys(wire(BASE)).sort()).toEqual(Object.keys(BASE).sort());
  });

  it("JSON-1: extensions are top-level members, with their JSON types", () => {
    const j = wire({ ...BASE, lunch: "tacos", count: -3, flag: false, zero: 0, empty: "" });
    expect(j).toMatchObject({ lunch: "tacos", count: -3, flag: false, zero: 0, empty: "" });
    expect(j).not.toHaveProperty("extensions");
  });

  it.each([
    ["id", 123],
    ["specversion", 1.0],
    ["time", 1522949460],
    ["source", ["a"]],
    ["type", { a: 1 }],
    ["subject", true],
  ])("JSON-2: %s as a non-string JSON value is rejected", (field, v) => {
    expect(problems({ ...BASE, [field]: v }).map((p) => p.field)).toEqual([field]);
  });

  it.each([
    ["a float", 1.5],
    ["an object", { a: 1 }],
    ["an array", []],
    ["a number beyond 32 bits", 4_294_967_296],
  ])("JSON-2: an extension holding %s is rejected", (_name, v) => {
    expect(problems({ ...BASE, ext: v }).map((p) => p.field)).toEqual(["ext"]);
  });

  it("JSON-3: null optional attributes and extensions are unset and are not re-emitted", () => {
    const j = wire({ ...BASE, subject: null, time: null, dataschema: null, datacontenttype: null, lunch: null });
    expect(j).toEqual(BASE);
  });

  it("JSON-3: a null REQUIRED attribute counts as missing", () => {
    expect(problems({ ...BASE, id: null })).toEqual([{ field: "id", rule: "is required" }]);
  });

  it("CORE-3: a member with an upper-case name is not a valid attribute", () => {
    expect(problems({ ...BASE, LUNCH: "x" }).map((p) => p.field)).toEqual(["LUNCH"]);
  });

  it("CORE-2/CORE-3: a '__proto__' member is an invalid attribute, never a source of the REQUIRED ones", () => {
    const r = fromJson(JSON.parse('{"__proto__": {"specversion":"1.0","id":"1","source":"/s","type":"t"}}'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.problems.map((p) => p.field).sort()).toEqual(["__proto__", "id", "source", "specversion", "type"]);
    const r2 = fromJson(JSON.parse(`{"__proto__": "x", ${JSON.stringify(BASE).slice(1)}`));
    expect(r2.ok).toBe(false);
    if (!r2.ok) expect(r2.problems.map((p) => p.field)).toEqual(["__proto__"]);
  });

  it.each([null, 5, "event", [BASE]])("JSON-4: a body that is not a JSON object (%j) is rejected", (v) => {
    expect(problems(v)).toEqual([{ field: "body", rule: "must be a JSON object (a CloudEvent)" }]);
  });

  it("BATCH-1: inside a batch, a non-object member is reported by index", () => {
    expect(problems(7, 2)).toEqual([{ field: "[2]", rule: "must be a JSON object (a CloudEvent)", index: 2 }]);
    for (const p of problems({ ...BASE, id: "" }, 4)) expect(p.index).toBe(4);
  });
});

describe("JSON format data (JSON-6 … JSON-15, DCT-2)", () => {
  it("JSON-8: JSON data is a JSON value in `data`, not an encoded document", () => {
    const e = decode({ ...BASE, datacontenttype: "application/json", data: { a: [1, "x"] } });
    expect(e.data).toEqual({ kind: "json", value: { a: [1, "x"] } });
    expect(toJson(e).data).toEqual({ a: [1, "x"] });
  });

  it.each(["application/json", "text/json", "application/vnd.api+json; charset=utf-8", "APPLICATION/JSON"])(
    "JSON-7: data under %s is JSON",
    (datacontenttype) => {
      expect(decode({ ...BASE, datacontenttype, data: 5 }).data).toEqual({ kind: "json", value: 5 });
    },
  );

  it("JSON-15/DCT-2: without datacontenttype, data is JSON, the same as with application/json", () => {
    const a = decode({ ...BASE, data: { x: 1 } });
    const b = decode({ ...BASE, datacontenttype: "application/json", data: { x: 1 } });
    expect(a.data).toEqual(b.data);
    expect(a.data?.kind).toBe("json");
  });

  it("JSON-13: a JSON string in `data` is never parsed a second time", () => {
    const e = decode({ ...BASE, data: '{"a":1}' });
    expect(e.data).toEqual({ kind: "json", value: '{"a":1}' });
    expect(toJson(e).data).toBe('{"a":1}');
    expect(new TextDecoder().decode(dataBytes(e.data ?? { kind: "json", value: null }))).toBe('"{\\"a\\":1}"');
  });

  it("JSON-9/JSON-14: non-JSON data is a string in `data`", () => {
    const e = decode({ ...BASE, datacontenttype: "text/xml", data: "<a/>" });
    expect(e.data).toEqual({ kind: "text", value: "<a/>" });
    expect(toJson(e)).toMatchObject({ datacontenttype: "text/xml", data: "<a/>" });
  });

  it.each([5, { a: 1 }, [1], true, null])("JSON-14: non-JSON datacontenttype with non-string data %j is refused", (data) => {
    expect(problems({ ...BASE, datacontenttype: "text/plain", data }).map((p) => p.field)).toEqual(["data"]);
  });

  it("JSON-10: `data` and `data_base64` together are rejected", () => {
    expect(problems({ ...BASE, data: "x", data_base64: "AA==" })).toEqual([
      { field: "data_base64", rule: "data and data_base64 are mutually exclusive" },
    ]);
    expect(problems({ ...BASE, data: null, data_base64: "AA==" }).map((p) => p.field)).toEqual(["data_base64"]);
  });

  it("JSON-3/JSON-10: a null `data_base64` is unset, so `data` alone is used", () => {
    expect(decode({ ...BASE, data: 1, data_base64: null }).data).toEqual({ kind: "json", value: 1 });
    expect(decode({ ...BASE, data_base64: null }).data).toBeUndefined();
  });

  it("JSON-11: `data: null` is an explicit null payload, distinct from no data", () => {
    const withNull = decode({ ...BASE, data: null });
    const without = decode({ ...BASE });
    expect(withNull.data).toEqual({ kind: "json", value: null });
    expect(without.data).toBeUndefined();
    expect(toJson(withNull)).toHaveProperty("data", null);
    expect(toJson(without)).not.toHaveProperty("data");
    expect(wire({ ...BASE, data: null })).toEqual({ ...BASE, data: null });
  });

  it("JSON-12: `data_base64` is decoded into bytes", () => {
    const e = decode({ ...BASE, datacontenttype: "application/octet-stream", data_base64: "AP8KgA==" });
    expect(e.data?.kind).toBe("binary");
    expect(Array.from(e.data?.value as Uint8Array)).toEqual([0, 255, 10, 128]);
  });

  it("JSON-12: without datacontenttype, `data_base64` stays bytes (no JSON assumed) and no datacontenttype is added", () => {
    const e = decode({ ...BASE, data_base64: "eyJhIjoxfQ==" }); // {"a":1}
    expect(e.data?.kind).toBe("binary");
    const j = toJson(e);
    expect(j).not.toHaveProperty("datacontenttype");
    expect(j.data_base64).toBe("eyJhIjoxfQ==");
    expect(j).not.toHaveProperty("data");
  });

  it("JSON-12: an empty `data_base64` is zero bytes", () => {
    const e = decode({ ...BASE, data_base64: "" });
    expect(e.data).toEqual({ kind: "binary", value: new Uint8Array(0) });
  });

  it.each(["AP8", "A===", "AP8K!", "-_8=", "AP8K\n", " AP8K", 5, true])("CORE-8/JSON-12: bad Base64 %j is rejected", (v) => {
    expect(problems({ ...BASE, data_base64: v })).toEqual([{ field: "data_base64", rule: "must be a Base64 string (RFC 4648)" }]);
  });

  it("JSON-6: binary data is rendered as `data_base64`, and datacontenttype still describes the bytes", () => {
    const r = createEvent({
      attributes: { ...BASE, datacontenttype: "image/png" },
      data: { kind: "binary", value: new Uint8Array([137, 80, 78, 71]) },
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const j = toJson(r.event);
    expect(j.data_base64).toBe("iVBORw==");
    expect(j.datacontenttype).toBe("image/png");
    expect(j).not.toHaveProperty("data");
  });

  it("JSON-6: binary data that is a view into a larger buffer is encoded from its own bytes only", () => {
    const buf = new Uint8Array([9, 9, 1, 2, 3, 9]);
    const r = createEvent({ attributes: { ...BASE }, data: { kind: "binary", value: buf.subarray(2, 5) } });
    if (!r.ok) throw new Error("invalid");
    expect(renderData(r.event)).toEqual({ data_base64: "AQID" });
  });

  it("JSON-9: binary data under a text type is rendered as a `data` string when it is UTF-8", () => {
    const r = createEvent({
      attributes: { ...BASE, datacontenttype: "text/plain; charset=utf-8" },
      data: { kind: "binary", value: encodeUtf8("héllo") },
    });
    if (!r.ok) throw new Error("invalid");
    expect(renderData(r.event)).toEqual({ data: "héllo" });
  });

  it("JSON-6: binary data under a text type that is not UTF-8 stays `data_base64`", () => {
    const r = createEvent({
      attributes: { ...BASE, datacontenttype: "text/plain" },
      data: { kind: "binary", value: new Uint8Array([0xc0, 0xa0]) },
    });
    if (!r.ok) throw new Error("invalid");
    expect(renderData(r.event)).toEqual({ data_base64: "wKA=" });
  });

  it("JSON-15: JSON bytes from a binary-mode body keep their value in `data`", () => {
    const body = encodeUtf8('{ "a" : 1 }');
    const d = dataFromBody(body, "application/json");
    expect(d).toEqual({ ok: true, data: { kind: "json", value: { a: 1 }, bytes: body } });
    expect(dataFromBody(encodeUtf8("I'm just a string"), "application/json").ok).toBe(false);
    expect(dataFromBody(new Uint8Array([0xff]), "application/json").ok).toBe(false);
    expect(dataFromBody(new Uint8Array(0), "application/json")).toEqual({ ok: true, data: undefined });
    expect(dataFromBody(encodeUtf8("{}"), undefined)).toEqual({ ok: true, data: { kind: "binary", value: encodeUtf8("{}") } });
  });

  it("HTTP-B8: decodeUtf8 is strict", () => {
    expect(decodeUtf8(encodeUtf8("é😀"))).toBe("é😀");
    expect(decodeUtf8(new Uint8Array([0xc0, 0xa0]))).toBeUndefined();
    expect(decodeUtf8(new Uint8Array([0xed, 0xa0, 0x80]))).toBeUndefined();
    expect(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))).toBe("\uFEFFA");
  });
});

describe("round trips (property style)", () => {
  it("JSON-12/CORE-8: random bytes survive data_base64 → event → data_base64 → bytes", () => {
    const rnd = prng(42);
    for (let n = 0; n < 300; n++) {
      const bytes = randomBytes(rnd, 64);
      const b64 = Buffer.from(bytes).toString("base64");
      const j = wire({ ...BASE, datacontenttype: "application/octet-stream", data_base64: b64 });
      expect(j.data_base64).toBe(b64);
      const e = decode(j);
      expect(e.data?.kind).toBe("binary");
      expect(Buffer.from(e.data?.value as Uint8Array).equals(Buffer.from(bytes))).toBe(true);
      expect(Buffer.from(dataBytes(e.data ?? { kind: "text", value: "" })).equals(Buffer.from(bytes))).toBe(true);
    }
  });

  it("JSON-8/JSON-11/JSON-13: random JSON data survives toJson/fromJson unchanged", () => {
    const rnd = prng(1234);
    for (let n = 0; n < 300; n++) {
      const data = randomJson(rnd);
      const ev = rnd() < 0.5 ? { ...BASE, data } : { ...BASE, datacontenttype: "application/json", data };
      expect(wire(ev)).toEqual(ev);
      expect(JSON.parse(new TextDecoder().decode(dataBytes(decode(ev).data ?? { kind: "text", value: "" })))).toEqual(data);
    }
  });

  it("JSON-1/EXT-1: random extensions survive toJson/fromJson with their types", () => {
    const rnd = prng(99);
    for (let n = 0; n < 200; n++) {
      const ev: Record<string, unknown> = { ...BASE };
      for (let i = Math.floor(rnd() * 5); i > 0; i--) {
        const name = `x${Math.floor(rnd() * 1000)}`;
        const t = Math.floor(rnd() * 3);
        ev[name] = t === 0 ? rnd() < 0.5 : t === 1 ? Math.floor(rnd() * 4294967296) - 2147483648 : `v${rnd()}`;
      }
      expect(wire(ev)).toEqual(ev);
    }
  });
});

describe("toJsonText (the JSON format as one line of text)", () => {
  it("equals JSON.stringify(toJson(e)) for random events with parsed data", () => {
    const rnd = prng(77);
    for (let n = 0; n < 200; n++) {
      const e = decode({ ...BASE, subject: `s${n}`, xn: n, data: randomJson(rnd) });
      expect(toJsonText(e)).toBe(JSON.stringify(toJson(e)));
    }
  });

  it("writes stored JSON data as its text, with line breaks (JSON whitespace) as spaces", () => {
    const text = '{\r\n  "a": [1, 2],\n  "s": "line\\nbreak"\n}';
    const stored = createEvent({
      attributes: { ...BASE, datacontenttype: "application/json" },
      data: storedJsonData(encodeUtf8(text)),
    });
    if (!stored.ok) throw new Error("invalid");
    const out = toJsonText(stored.event);
    expect(out).not.toMatch(/[\r\n]/);
    expect(JSON.parse(out)).toEqual({ ...BASE, datacontenttype: "application/json", data: { a: [1, 2], s: "line\nbreak" } });
    expect(out).toContain('"data":{    "a": [1, 2],   "s": "line\\nbreak" }');
  });
});
