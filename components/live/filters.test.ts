import { describe, expect, it } from "vitest";
import type { CloudEventJson } from "@/lib/contracts/events";
import { applyClientFilters, dataTextOf, matchesClientFilters, parseAttributeMatch, toLiveRow, typePatternRule } from "./filters";

const event = (over: Partial<CloudEventJson> = {}): CloudEventJson => ({
  specversion: "1.0",
  id: "e-1",
  source: "/capsule-registry",
  type: "com.anumate.capsule.created",
  ...over,
});

describe("parseAttributeMatch", () => {
  it("reads name=value, trimming both", () => {
    expect(parseAttributeMatch(" correlationid = abc-123 ")).toEqual({ name: "correlationid", value: "abc-123" });
    expect(parseAttributeMatch("subject=a=b")).toEqual({ name: "subject", value: "a=b" });
  });

  it("is no filter when empty", () => {
    expect(parseAttributeMatch("   ")).toBeUndefined();
  });

  it("names what is wrong", () => {
    expect(parseAttributeMatch("correlationid")).toEqual({ error: expect.stringContaining("name=value") });
    expect(parseAttributeMatch("=x")).toEqual({ error: expect.stringContaining("name=value") });
    expect(parseAttributeMatch("Tenant-Id=x")).toEqual({ error: expect.stringContaining("lower-case") });
  });
});

describe("matchesClientFilters", () => {
  const row = toLiveRow(
    7,
    event({ subject: "orders/1", tenantid: "acme", attempt: 3, flag: true, data: { invoice: "INV-7", lines: [1] } }),
    0,
  );

  it("matches an attribute exactly, extensions and non-strings included", () => {
    expect(matchesClientFilters(row, { attribute: { name: "subject", value: "orders/1" } })).toBe(true);
    expect(matchesClientFilters(row, { attribute: { name: "subject", value: "orders" } })).toBe(false);
    expect(matchesClientFilters(row, { attribute: { name: "tenantid", value: "acme" } })).toBe(true);
    expect(matchesClientFilters(row, { attribute: { name: "attempt", value: "3" } })).toBe(true);
    expect(matchesClientFilters(row, { attribute: { name: "flag", value: "true" } })).toBe(true);
    expect(matchesClientFilters(row, { attribute: { name: "missing", value: "" } })).toBe(false);
    // the data is not an attribute
    expect(matchesClientFilters(row, { attribute: { name: "data", value: "[object Object]" } })).toBe(false);
  });

  it("finds text in the data, case-insensitively", () => {
    expect(matchesClientFilters(row, { text: "inv-7" })).toBe(true);
    expect(matchesClientFilters(row, { text: '"lines":[1]' })).toBe(true);
    expect(matchesClientFilters(row, { text: "orders" })).toBe(false); // the subject is not data
    expect(matchesClientFilters(row, { text: "  " })).toBe(true);
  });

  it("needs both when both are set", () => {
    expect(matchesClientFilters(row, { attribute: { name: "tenantid", value: "acme" }, text: "inv" })).toBe(true);
    expect(matchesClientFilters(row, { attribute: { name: "tenantid", value: "other" }, text: "inv" })).toBe(false);
  });
});

describe("applyClientFilters", () => {
  it("returns the same array without filters (no copy of thousands of rows)", () => {
    const rows = [toLiveRow(1, event(), 0)];
    expect(applyClientFilters(rows, {})).toBe(rows);
    expect(applyClientFilters(rows, { text: "" })).toBe(rows);
  });

  it("keeps the matching rows in order", () => {
    const rows = [1, 2, 3, 4].map((n) => toLiveRow(n, event({ id: `e-${n}`, data: { n: n % 2 === 0 ? "even" : "odd" } }), 0));
    expect(applyClientFilters(rows, { text: "even" }).map((r) => r.seq)).toEqual([2, 4]);
  });
});

describe("dataTextOf", () => {
  it("reads JSON, text and Base64 data", () => {
    expect(dataTextOf(event({ data: { A: 1 } }))).toBe('{"a":1}');
    expect(dataTextOf(event({ data: "Plain Text" }))).toBe("plain text");
    expect(dataTextOf(event({ data_base64: "SGk=" }))).toBe("sgk=");
    expect(dataTextOf(event())).toBe("");
  });
});

describe("typePatternRule", () => {
  it("accepts exact types and whole-token wildcards", () => {
    for (const p of ["com.anumate.capsule.created", "com.anumate.*", "com.anumate.>", "com.*.capsule.>", ">"]) {
      expect(typePatternRule(p)).toBeUndefined();
    }
  });

  it("refuses wildcards inside tokens, '>' before the end, and bad lengths", () => {
    expect(typePatternRule("com.anu*")).toBe("'*' and '>' must be whole tokens");
    expect(typePatternRule("com.>.x")).toBe("'>' may only be the last token");
    expect(typePatternRule("")).toBe("must not be empty");
    expect(typePatternRule("a".repeat(257))).toBe("must be at most 256 characters");
  });
});
