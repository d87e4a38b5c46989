import { describe, expect, it } from "vitest";
import { effectiveTenant, hrefWithTenant, parseRecent, pushRecent, tenantRule, withTenantParam } from "./tenant";

describe("effectiveTenant", () => {
  it("prefers the URL, then storage; empty or invalid means all tenants", () => {
    expect(effectiveTenant("acme", "globex")).toBe("acme");
    expect(effectiveTenant(null, "globex")).toBe("globex");
    expect(effectiveTenant(null, null)).toBeUndefined();
    expect(effectiveTenant(null, "")).toBeUndefined();
    expect(effectiveTenant("", "globex")).toBeUndefined();
    expect(effectiveTenant("not valid!", null)).toBeUndefined();
  });
});

describe("tenantRule", () => {
  it("is the bus's rule for tenantid", () => {
    expect(tenantRule("acme_EU-1")).toBeUndefined();
    expect(tenantRule("a".repeat(64))).toBeUndefined();
    expect(tenantRule("a".repeat(65))).toMatch(/1-64/);
    expect(tenantRule("with space")).toMatch(/A-Z/);
    expect(tenantRule("")).toBeDefined();
  });
});

describe("recent tenants", () => {
  it("puts the latest first, without repeats, bounded", () => {
    expect(pushRecent(["a", "b", "c"], "b")).toEqual(["b", "a", "c"]);
    expect(pushRecent(["a", "b"], "c", 2)).toEqual(["c", "a"]);
  });

  it("reads only a stored list of valid ids", () => {
    expect(parseRecent('["acme","bad id",3,"globex"]')).toEqual(["acme", "globex"]);
    expect(parseRecent("{not json")).toEqual([]);
    expect(parseRecent('{"a":1}')).toEqual([]);
    expect(parseRecent(null)).toEqual([]);
  });
});

describe("URLs", () => {
  it("sets or removes the tenant, keeping other parameters", () => {
    expect(withTenantParam("?type=a.b&tenant=x", "acme")).toBe("?type=a.b&tenant=acme");
    expect(withTenantParam("type=a.b&tenant=x", undefined)).toBe("?type=a.b");
    expect(withTenantParam("", undefined)).toBe("");
    expect(withTenantParam(new URLSearchParams(), "a b")).toBe("?tenant=a+b");
  });

  it("keeps the tenant on console links", () => {
    expect(hrefWithTenant("/live", "acme")).toBe("/live?tenant=acme");
    expect(hrefWithTenant("/live", undefined)).toBe("/live");
  });
});
