import { describe, expect, it } from "vitest";
import {
  attributeString,
  type CloudEvent,
  createEvent,
  type EventData,
  isCoreAttribute,
  OPTIONAL_ATTRIBUTES,
  REQUIRED_ATTRIBUTES,
  withExtensions,
} from "./event";

const BASE = { specversion: "1.0", id: "evt-1", source: "/sensors/tn-1", type: "com.example.sensor.read" } as const;

function ok(attributes: Record<string, unknown>, data?: EventData): CloudEvent {
  const r = createEvent({ attributes, data });
  if (!r.ok) throw new Error(`expected a valid event, got ${JSON.stringify(r.problems)}`);
  return r.event;
}

/** The problems for these attributes (fails the test if the event is valid). */
function problems(attributes: Record<string, unknown>, index?: number) {
  const r = createEvent({ attributes }, index);
  if (r.ok) throw new Error(`expected an invalid event: ${JSON.stringify(attributes)}`);
  return r.problems;
}

function fields(attributes: Record<string, unknown>): string[] {
  return problems(attributes).map((p) => p.field);
}

describe("required attributes (CORE-2, ID-1, SRC-1, SV-1, TYPE-1)", () => {
  it("CORE-2: the four REQUIRED attributes alone make a valid event", () => {
    const e = ok({ ...BASE });
    expect(e).toMatchObject(BASE);
    expect(e.extensions).toEqual({});
    expect(e.data).toBeUndefined();
    for (const name of OPTIONAL_ATTRIBUTES) expect(e[name]).toBeUndefined();
  });

  it("CORE-2: the required and optional attribute lists are the spec's", () => {
    expect([...REQUIRED_ATTRIBUTES].sort()).toEqual(["id", "source", "specversion", "type"]);
    expect([...OPTIONAL_ATTRIBUTES].sort()).toEqual(["datacontenttype", "dataschema", "subject", "time"]);
    expect(isCoreAttribute("time")).toBe(true);
    expect(isCoreAttribute("lunch")).toBe(false);
  });

  it.each(REQUIRED_ATTRIBUTES)("CORE-2: a missing %s is reported", (name) => {
    const attrs: Record<string, unknown> = { ...BASE };
    delete attrs[name];
    expect(problems(attrs)).toEqual([{ field: name, rule: "is required" }]);
  });

  it("CORE-2: every missing attribute is reported at once", () => {
    expect(fields({}).sort()).toEqual(["id", "source", "specversion", "type"]);
  });

  it.each(REQUIRED_ATTRIBUTES)("JSON-3: a null %s counts as missing", (name) => {
    expect(problems({ ...BASE, [name]: null })).toEqual([{ field: name, rule: "is required" }]);
  });

  it.each(["id", "source", "type"])("ID-1/SRC-1/TYPE-1: an empty %s is rejected", (name) => {
    expect(problems({ ...BASE, [name]: "" })).toEqual([{ field: name, rule: "must be a non-empty string" }]);
  });

  it("SV-1: an empty specversion is rejected", () => {
    expect(fields({ ...BASE, specversion: "" })).toEqual(["specversion"]);
  });

  it.each([
    ["id", 123],
    ["source", true],
    ["type", { a: 1 }],
    ["specversion", 1.0],
  ])("JSON-2: a non-string %s is rejected", (name, v) => {
    expect(problems({ ...BASE, [name]: v })).toEqual([{ field: name, rule: "must be a string" }]);
  });

  it.each(["1.0.2", "0.3", "2.0", "1", "1.0 ", "v1.0"])("SV-2: specversion %j is not accepted", (v) => {
    const p = problems({ ...BASE, specversion: v });
    expect(p.map((x) => x.field)).toEqual(["specversion"]);
    expect(p[0]?.rule).toMatch(/"1\.0"/);
  });

  it("SV-2: the event's specversion is 1.0", () => {
    expect(ok({ ...BASE }).specversion).toBe("1.0");
  });

  it.each(["a\u0000b", "x\uDEAD", "\uFFFF"])("CORE-7/ID-1: an id %j with disallowed characters is rejected", (v) => {
    expect(fields({ ...BASE, id: v })).toEqual(["id"]);
  });

  it("CORE-7/TYPE-1: a type with a control character is rejected", () => {
    expect(fields({ ...BASE, type: "com.example\u007F" })).toEqual(["type"]);
  });

  it("TYPE-1: a type without a reverse-DNS prefix is only a SHOULD, so it is accepted", () => {
    expect(ok({ ...BASE, type: "created" }).type).toBe("created");
  });

  it.each([
    "https://github.com/cloudevents",
    "mailto:cncf-wg-serverless@lists.cncf.io",
    "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
    "cloudevents/spec/pull/123",
    "/sensors/tn-1234567/alerts",
    "1-555-123-4567",
    "//host/path",
  ])("SRC-1: source %s (a URI-reference; absolute is only RECOMMENDED) is accepted", (source) => {
    expect(ok({ ...BASE, source }).source).toBe(source);
  });

  it.each(["my source", "1a:b", "/a%zz", "/é"])("SRC-1: source %j that is not a URI-reference is rejected", (source) => {
    const p = problems({ ...BASE, source });
    expect(p.map((x) => x.field)).toEqual(["source"]);
    expect(p[0]?.rule).toMatch(/URI-reference/);
  });
});

describe("optional attributes (DCT-1, DS-1, SUBJ-1, TIME-1, JSON-3)", () => {
  it("CORE-2: every OPTIONAL attribute is kept when valid", () => {
    const e = ok({
      ...BASE,
      datacontenttype: "application/json; charset=utf-8",
      dataschema: "https://example.com/schema.json",
      subject: "mynewfile.jpg",
      time: "2018-04-05T17:31:00Z",
    });
    expect(e.datacontenttype).toBe("application/json; charset=utf-8");
    expect(e.dataschema).toBe("https://example.com/schema.json");
    expect(e.subject).toBe("mynewfile.jpg");
    expect(e.time).toBe("2018-04-05T17:31:00Z");
  });

  it.each(OPTIONAL_ATTRIBUTES)("JSON-3: a null %s is unset", (name) => {
    const e = ok({ ...BASE, [name]: null });
    expect(e[name]).toBeUndefined();
    expect(Object.hasOwn(e, name)).toBe(false);
  });

  it.each(OPTIONAL_ATTRIBUTES)("JSON-2: a non-string %s is rejected", (name) => {
    expect(problems({ ...BASE, [name]: 1522949460 })).toEqual([{ field: name, rule: "must be a string" }]);
  });

  it.each(["json", "text/", "text/plain;", "text/plain\n", 'text/plain; a="\u0001"', "text/plain\t"])(
    "DCT-1/CORE-7: datacontenttype %j is rejected",
    (v) => {
      expect(fields({ ...BASE, datacontenttype: v })).toEqual(["datacontenttype"]);
    },
  );

  it("DS-1: dataschema must be an absolute URI", () => {
    expect(ok({ ...BASE, dataschema: "urn:example:schema" }).dataschema).toBe("urn:example:schema");
    expect(fields({ ...BASE, dataschema: "/schema.json" })).toEqual(["dataschema"]);
    expect(fields({ ...BASE, dataschema: "//example.com/schema.json" })).toEqual(["dataschema"]);
    expect(fields({ ...BASE, dataschema: "https://example.com/s.json#x" })).toEqual(["dataschema"]);
  });

  it("DS-1: an empty dataschema is rejected", () => {
    expect(problems({ ...BASE, dataschema: "" })).toEqual([{ field: "dataschema", rule: "must be a non-empty URI" }]);
  });

  it("SUBJ-1: an empty subject is rejected", () => {
    expect(problems({ ...BASE, subject: "" })).toEqual([{ field: "subject", rule: "must be a non-empty string" }]);
  });

  it("SUBJ-1/CORE-7: a subject with a control character is rejected", () => {
    expect(fields({ ...BASE, subject: "a\nb" })).toEqual(["subject"]);
  });

  it.each(["2018-04-05", "2018-04-05T17:31:00", "2018-02-30T00:00:00Z", "Thu, 05 Apr 2018 17:31:00 GMT"])(
    "TIME-1: time %j is rejected",
    (time) => {
      expect(fields({ ...BASE, time })).toEqual(["time"]);
    },
  );

  it("TIME-1: lower-case t/z, fractions and a leap second are accepted", () => {
    expect(ok({ ...BASE, time: "2016-12-31t23:59:60.123456z" }).time).toBe("2016-12-31t23:59:60.123456z");
  });
});

describe("extension attributes (EXT-1, CORE-3, JSON-2)", () => {
  it("EXT-1: String, Boolean and Integer extensions keep their native types", () => {
    const e = ok({ ...BASE, lunch: "tacos", flag: true, count: 42, neg: -7 });
    expect(e.extensions).toEqual({ lunch: "tacos", flag: true, count: 42, neg: -7 });
  });

  it("EXT-1: falsy values are real values and are kept", () => {
    const e = ok({ ...BASE, off: false, zero: 0, empty: "" });
    expect(e.extensions).toEqual({ off: false, zero: 0, empty: "" });
  });

  it("JSON-3: a null extension is unset", () => {
    expect(ok({ ...BASE, lunch: null }).extensions).toEqual({});
  });

  it.each(["a", "abc123", "123", "averyveryverylongextensionname"])(
    "CORE-3: extension name %s is accepted (over 20 characters is only SHOULD NOT)",
    (name) => {
      expect(ok({ ...BASE, [name]: "v" }).extensions[name]).toBe("v");
    },
  );

  it.each(["constructor", "tostring", "valueof", "hasownproperty", "isprototypeof"])(
    "EXT-1/CORE-3: extension %s (an Object.prototype-like name) is a valid extension",
    (name) => {
      expect(ok({ ...BASE, [name]: "v" }).extensions[name]).toBe("v");
    },
  );

  it.each(["Lunch", "LUNCH", "lun-ch", "lun_ch", "lun.ch", "lünch", "a b", ""])(
    "CORE-3/EXT-1: extension name %j is rejected",
    (name) => {
      const p = problems({ ...BASE, [name]: "v" });
      expect(p.map((x) => x.field)).toEqual([name]);
      expect(p[0]?.rule).toMatch(/lower-case letters/);
    },
  );

  it("CORE-3: 'data' cannot be an extension name", () => {
    expect(fields({ ...BASE, data: "x" })).toEqual(["data"]);
  });

  it.each([
    ["a float", 1.5],
    ["an Integer above the 32-bit range", 2_147_483_648],
    ["an Integer below the 32-bit range", -2_147_483_649],
    ["an object", { a: 1 }],
    ["an array", [1, 2]],
  ])("JSON-2/CORE-6: an extension holding %s is rejected", (_name, v) => {
    expect(fields({ ...BASE, ext: v })).toEqual(["ext"]);
  });

  it("CORE-4: every attribute value is one of the listed types, each with a canonical string", () => {
    for (const v of [1n, () => 1, Symbol("s"), new Date(0)]) {
      expect(fields({ ...BASE, ext: v }), typeof v).toEqual(["ext"]);
    }
    const e = ok({ ...BASE, s: "x", i: -5, b: true });
    expect([attributeString(e, "s"), attributeString(e, "i"), attributeString(e, "b")]).toEqual(["x", "-5", "true"]);
  });

  it("CORE-6: the 32-bit boundaries are accepted as extension Integers", () => {
    expect(ok({ ...BASE, max: 2_147_483_647, min: -2_147_483_648 }).extensions).toEqual({
      max: 2_147_483_647,
      min: -2_147_483_648,
    });
  });

  it("EXT-1/CORE-7: a String extension follows the String rules", () => {
    expect(fields({ ...BASE, ext: "a\u0000" })).toEqual(["ext"]);
    expect(fields({ ...BASE, ext: "\uD800" })).toEqual(["ext"]);
  });

  it("bus extensions: tenantid and traceparent are checked", () => {
    expect(ok({ ...BASE, tenantid: "acme_1-x" }).extensions.tenantid).toBe("acme_1-x");
    expect(fields({ ...BASE, tenantid: "acme.corp" })).toEqual(["tenantid"]);
    expect(fields({ ...BASE, tenantid: "x".repeat(65) })).toEqual(["tenantid"]);
    expect(fields({ ...BASE, tenantid: 5 })).toEqual(["tenantid"]);
    const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    expect(ok({ ...BASE, traceparent: tp }).extensions.traceparent).toBe(tp);
    expect(fields({ ...BASE, traceparent: "00-xyz" })).toEqual(["traceparent"]);
  });
});

describe("problem reports", () => {
  it("every problem is reported with field and rule", () => {
    const p = problems({ specversion: "2.0", id: "", source: "a b", type: "t", time: "yesterday", Bad: 1 });
    expect(p.map((x) => x.field).sort()).toEqual(["Bad", "id", "source", "specversion", "time"]);
    for (const x of p) expect(typeof x.rule).toBe("string");
  });

  it("HTTP-BA2: an index tags every problem (batch answers)", () => {
    const p = problems({ id: "" }, 3);
    expect(p.length).toBeGreaterThan(1);
    for (const x of p) expect(x.index).toBe(3);
  });

  it("without an index, problems carry none", () => {
    for (const x of problems({})) expect(Object.hasOwn(x, "index")).toBe(false);
  });
});

describe("immutability", () => {
  it("the event, its extensions and its data are frozen", () => {
    const e = ok({ ...BASE, lunch: "tacos" }, { kind: "json", value: { a: 1 } });
    expect(Object.isFrozen(e)).toBe(true);
    expect(Object.isFrozen(e.extensions)).toBe(true);
    expect(Object.isFrozen(e.data)).toBe(true);
    expect(() => {
      (e as unknown as Record<string, unknown>).id = "other";
    }).toThrow(TypeError);
    expect(() => {
      (e.extensions as Record<string, unknown>).lunch = "pizza";
    }).toThrow(TypeError);
    expect(e.id).toBe("evt-1");
    expect(e.extensions.lunch).toBe("tacos");
  });

  it("changing the input attributes afterwards does not change the event", () => {
    const attrs: Record<string, unknown> = { ...BASE, lunch: "tacos" };
    const e = ok(attrs);
    attrs.id = "changed";
    attrs.lunch = "pizza";
    attrs.extra = "x";
    expect(e.id).toBe("evt-1");
    expect(e.extensions).toEqual({ lunch: "tacos" });
  });

  it("withExtensions returns a new frozen event and leaves the original alone", () => {
    const e = ok({ ...BASE, lunch: "tacos" });
    const e2 = withExtensions(e, { tenantid: "acme", lunch: "pizza" });
    expect(e2).not.toBe(e);
    expect(Object.isFrozen(e2)).toBe(true);
    expect(Object.isFrozen(e2.extensions)).toBe(true);
    expect(e2.extensions).toEqual({ lunch: "pizza", tenantid: "acme" });
    expect(e.extensions).toEqual({ lunch: "tacos" });
    expect(e2.id).toBe(e.id);
  });
});

describe("canonical strings (CORE-12)", () => {
  it("CORE-12: attributeString gives every attribute in canonical string form", () => {
    const e = ok({ ...BASE, time: "2018-04-05T17:31:00Z", count: 42, neg: -1, flag: false, lunch: "tacos" });
    expect(attributeString(e, "specversion")).toBe("1.0");
    expect(attributeString(e, "id")).toBe("evt-1");
    expect(attributeString(e, "time")).toBe("2018-04-05T17:31:00Z");
    expect(attributeString(e, "count")).toBe("42");
    expect(attributeString(e, "neg")).toBe("-1");
    expect(attributeString(e, "flag")).toBe("false");
    expect(attributeString(e, "lunch")).toBe("tacos");
    expect(attributeString(e, "subject")).toBeUndefined();
    expect(attributeString(e, "missing")).toBeUndefined();
  });
});
