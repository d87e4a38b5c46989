import { describe, expect, it } from "vitest";
import { type CloudEvent, createEvent } from "../cloudevents/event";
import { type AttributeFilter, matchesFilter, matchesFilters, matchesTypePattern, matchesTypes } from "./filters";

function ev(attributes: Record<string, unknown> = {}): CloudEvent {
  const r = createEvent({
    attributes: { specversion: "1.0", id: "evt-1", source: "/orders/eu", type: "com.acme.order.created", ...attributes },
  });
  if (!r.ok) throw new Error(`invalid test event: ${JSON.stringify(r.problems)}`);
  return r.event;
}

const E = ev({
  subject: "orders/42",
  datacontenttype: "application/json",
  dataschema: "https://acme.example/schemas/order.json",
  time: "2024-05-01T12:00:00Z",
  tenantid: "acme",
  region: "eu-west-1",
  priority: 5,
  negative: -12,
  urgent: true,
  archived: false,
});

const m = (f: AttributeFilter, e: CloudEvent = E) => matchesFilter(e, f);

describe("exact", () => {
  it("matches each core attribute", () => {
    expect(m({ exact: { id: "evt-1" } })).toBe(true);
    expect(m({ exact: { source: "/orders/eu" } })).toBe(true);
    expect(m({ exact: { type: "com.acme.order.created" } })).toBe(true);
    expect(m({ exact: { specversion: "1.0" } })).toBe(true);
    expect(m({ exact: { subject: "orders/42" } })).toBe(true);
    expect(m({ exact: { datacontenttype: "application/json" } })).toBe(true);
    expect(m({ exact: { dataschema: "https://acme.example/schemas/order.json" } })).toBe(true);
    expect(m({ exact: { time: "2024-05-01T12:00:00Z" } })).toBe(true);
  });

  it("is exact: no prefix, no suffix, case-sensitive", () => {
    expect(m({ exact: { type: "com.acme.order" } })).toBe(false);
    expect(m({ exact: { type: "com.acme.order.created.v2" } })).toBe(false);
    expect(m({ exact: { type: "COM.acme.order.created" } })).toBe(false);
    expect(m({ exact: { id: "" } })).toBe(false);
  });

  it("matches String extensions", () => {
    expect(m({ exact: { tenantid: "acme" } })).toBe(true);
    expect(m({ exact: { region: "eu-west-1" } })).toBe(true);
    expect(m({ exact: { region: "eu-west-2" } })).toBe(false);
  });

  it("compares Integer extensions by their canonical string", () => {
    expect(m({ exact: { priority: "5" } })).toBe(true);
    expect(m({ exact: { priority: "05" } })).toBe(false);
    expect(m({ exact: { priority: "5.0" } })).toBe(false);
    expect(m({ exact: { priority: "+5" } })).toBe(false);
    expect(m({ exact: { negative: "-12" } })).toBe(true);
  });

  it("compares Boolean extensions as 'true' / 'false'", () => {
    expect(m({ exact: { urgent: "true" } })).toBe(true);
    expect(m({ exact: { urgent: "True" } })).toBe(false);
    expect(m({ exact: { urgent: "1" } })).toBe(false);
    expect(m({ exact: { archived: "false" } })).toBe(true);
    expect(m({ exact: { archived: "" } })).toBe(false);
  });

  it("requires every listed attribute to match", () => {
    expect(m({ exact: { tenantid: "acme", region: "eu-west-1", priority: "5" } })).toBe(true);
    expect(m({ exact: { tenantid: "acme", region: "us-east-1" } })).toBe(false);
  });

  it("a missing attribute never matches, not even the empty string or 'undefined'", () => {
    const bare = ev();
    expect(m({ exact: { subject: "" } }, bare)).toBe(false);
    expect(m({ exact: { subject: "undefined" } }, bare)).toBe(false);
    expect(m({ exact: { region: "" } }, bare)).toBe(false);
    expect(m({ exact: { nosuchext: "x" } })).toBe(false);
  });

  it("an extension named like an Object.prototype member is missing unless set", () => {
    // `constructor` is a valid extension name (lower-case letters)
    const bare = ev();
    expect(m({ prefix: { constructor: "function" } }, bare)).toBe(false);
    expect(m({ suffix: { constructor: "}" } }, bare)).toBe(false);
    expect(m({ exact: { constructor: String(Object) } }, bare)).toBe(false);
    expect(m({ not: { prefix: { constructor: "" } } }, bare)).toBe(true);
    const set = ev({ constructor: "yes" });
    expect(m({ exact: { constructor: "yes" } }, set)).toBe(true);
  });

  it("`data` is not an attribute", () => {
    const withData = createEvent({
      attributes: { specversion: "1.0", id: "1", source: "/s", type: "t" },
      data: { kind: "text", value: "hello" },
    });
    if (!withData.ok) throw new Error("invalid");
    expect(m({ prefix: { data: "" } }, withData.event)).toBe(false);
  });
});

describe("prefix and suffix", () => {
  it("prefix matches the start of the value", () => {
    expect(m({ prefix: { type: "com.acme." } })).toBe(true);
    expect(m({ prefix: { type: "com.acme.order.created" } })).toBe(true); // the whole value is a prefix
    expect(m({ prefix: { type: "acme" } })).toBe(false);
    expect(m({ prefix: { source: "/orders" } })).toBe(true);
  });

  it("suffix matches the end of the value", () => {
    expect(m({ suffix: { type: ".created" } })).toBe(true);
    expect(m({ suffix: { type: "com.acme.order.created" } })).toBe(true);
    expect(m({ suffix: { type: ".updated" } })).toBe(false);
    expect(m({ suffix: { subject: "/42" } })).toBe(true);
  });

  it("an empty prefix/suffix matches any present value but not a missing one", () => {
    expect(m({ prefix: { region: "" } })).toBe(true);
    expect(m({ suffix: { region: "" } })).toBe(true);
    expect(m({ prefix: { region: "" } }, ev())).toBe(false);
    expect(m({ suffix: { subject: "" } }, ev())).toBe(false);
  });

  it("works on Integer and Boolean extensions as canonical strings", () => {
    const big = ev({ count: 12345, flag: true });
    expect(m({ prefix: { count: "123" } }, big)).toBe(true);
    expect(m({ suffix: { count: "45" } }, big)).toBe(true);
    expect(m({ prefix: { count: "2" } }, big)).toBe(false);
    expect(m({ prefix: { flag: "tr" } }, big)).toBe(true);
    expect(m({ suffix: { negative: "12" } })).toBe(true);
    expect(m({ prefix: { negative: "-" } })).toBe(true);
  });

  it("is case-sensitive", () => {
    expect(m({ prefix: { region: "EU" } })).toBe(false);
    expect(m({ suffix: { type: "CREATED" } })).toBe(false);
  });

  it("requires every listed attribute to match", () => {
    expect(m({ prefix: { type: "com.", region: "eu-" } })).toBe(true);
    expect(m({ prefix: { type: "com.", region: "us-" } })).toBe(false);
    expect(m({ suffix: { type: "created", missing: "" } })).toBe(false);
  });
});

describe("all, any, not", () => {
  const yes: AttributeFilter = { exact: { tenantid: "acme" } };
  const no: AttributeFilter = { exact: { tenantid: "globex" } };

  it("all: every sub-filter must match", () => {
    expect(m({ all: [yes] })).toBe(true);
    expect(m({ all: [yes, { prefix: { type: "com." } }] })).toBe(true);
    expect(m({ all: [yes, no] })).toBe(false);
    expect(m({ all: [no, yes] })).toBe(false);
  });

  it("any: one sub-filter is enough", () => {
    expect(m({ any: [no, yes] })).toBe(true);
    expect(m({ any: [yes, no] })).toBe(true);
    expect(m({ any: [no, { exact: { region: "x" } }] })).toBe(false);
  });

  it("not: inverts, including for missing attributes", () => {
    expect(m({ not: yes })).toBe(false);
    expect(m({ not: no })).toBe(true);
    expect(m({ not: { exact: { subject: "x" } } }, ev())).toBe(true);
    expect(m({ not: { not: yes } })).toBe(true);
  });

  it("nests", () => {
    const f: AttributeFilter = {
      all: [
        { prefix: { type: "com.acme.order." } },
        { any: [{ exact: { region: "us-east-1" } }, { suffix: { region: "-1" } }] },
        { not: { exact: { urgent: "false" } } },
      ],
    };
    expect(m(f)).toBe(true);
    expect(m(f, ev({ region: "eu-west-1", urgent: false }))).toBe(false);
    expect(m(f, ev({ region: "eu-west-2" }))).toBe(false);
    expect(m(f, ev({ region: "ap-south-1" }))).toBe(true);
  });
});

describe("matchesFilters (implicit all)", () => {
  it("undefined or empty matches everything", () => {
    expect(matchesFilters(E, undefined)).toBe(true);
    expect(matchesFilters(E, [])).toBe(true);
  });

  it("every filter of the list must match", () => {
    expect(matchesFilters(E, [{ exact: { tenantid: "acme" } }, { prefix: { type: "com." } }])).toBe(true);
    expect(matchesFilters(E, [{ exact: { tenantid: "acme" } }, { prefix: { type: "org." } }])).toBe(false);
  });
});

describe("type patterns", () => {
  it("literal patterns match only the same type", () => {
    expect(matchesTypePattern("a.b", "a.b")).toBe(true);
    expect(matchesTypePattern("a.b", "a.c")).toBe(false);
    expect(matchesTypePattern("a.b.c", "a.b")).toBe(false);
    expect(matchesTypePattern("a", "a.b")).toBe(false);
    expect(matchesTypePattern("a", "a")).toBe(true);
    expect(matchesTypePattern("ab", "a")).toBe(false);
  });

  it("`*` matches exactly one token", () => {
    expect(matchesTypePattern("a.b", "a.*")).toBe(true);
    expect(matchesTypePattern("a", "a.*")).toBe(false);
    expect(matchesTypePattern("a.b.c", "a.*")).toBe(false);
    expect(matchesTypePattern("x.b", "*.b")).toBe(true);
    expect(matchesTypePattern("x.c", "*.b")).toBe(false);
    expect(matchesTypePattern("a.x.c", "a.*.c")).toBe(true);
    expect(matchesTypePattern("a.c", "a.*.c")).toBe(false);
    expect(matchesTypePattern("a", "*")).toBe(true);
    expect(matchesTypePattern("a.b", "*")).toBe(false);
  });

  it("`>` matches one or more trailing tokens", () => {
    expect(matchesTypePattern("a.b", "a.>")).toBe(true);
    expect(matchesTypePattern("a.b.c.d", "a.>")).toBe(true);
    expect(matchesTypePattern("a", "a.>")).toBe(false);
    expect(matchesTypePattern("b.c", "a.>")).toBe(false);
    expect(matchesTypePattern("ab.c", "a.>")).toBe(false);
    expect(matchesTypePattern("a", ">")).toBe(true);
    expect(matchesTypePattern("a.b.c", ">")).toBe(true);
    expect(matchesTypePattern("a.x.c.d", "a.*.>")).toBe(true);
    expect(matchesTypePattern("a.x", "a.*.>")).toBe(false);
  });

  it("tokens are compared whole, case-sensitively", () => {
    expect(matchesTypePattern("com.acme.order", "com.acme.ord")).toBe(false);
    expect(matchesTypePattern("com.acme.order", "com.ACME.order")).toBe(false);
    expect(matchesTypePattern("com.acme.order.created", "com.acme.>")).toBe(true);
  });

  it("matchesTypes: no patterns (undefined or empty) match every type; otherwise any pattern", () => {
    expect(matchesTypes("a.b", undefined)).toBe(true);
    expect(matchesTypes("a.b", [])).toBe(true);
    expect(matchesTypes("a.b", ["x.>", "a.*"])).toBe(true);
    expect(matchesTypes("a.b", ["x.>", "a.b.>"])).toBe(false);
  });
});
