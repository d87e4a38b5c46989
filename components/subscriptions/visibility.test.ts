import { describe, expect, it } from "vitest";
import { visibleForTenant } from "./visibility";

describe("visibleForTenant", () => {
  const subs = [{ tenant: "acme" }, { tenant: "globex" }, { tenant: undefined }];
  it("shows a tenant's own subscriptions and those for every tenant", () => {
    expect(visibleForTenant(subs, "acme")).toEqual([{ tenant: "acme" }, { tenant: undefined }]);
  });
  it("shows everything for all tenants", () => {
    expect(visibleForTenant(subs, undefined)).toHaveLength(3);
  });
});
