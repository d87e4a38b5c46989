import { describe, expect, it } from "vitest";
import { isCurrent, NAV, navItem } from "./nav";

describe("navigation", () => {
  it("lists the pages in the console's order", () => {
    expect(NAV.map((n) => n.label)).toEqual([
      "Dashboard",
      "Live tail",
      "Explorer",
      "Subscriptions",
      "Dead letters",
      "Tenants",
      "Audit",
      "Keys",
      "Publish",
    ]);
    // every page is built
    expect(NAV.filter((n) => n.comingWith).map((n) => n.href)).toEqual([]);
  });

  it("marks the current page", () => {
    expect(isCurrent("/", "/")).toBe(true);
    expect(isCurrent("/", "/live")).toBe(false);
    expect(isCurrent("/live", "/live")).toBe(true);
    expect(isCurrent("/live", "/live/123")).toBe(true);
    expect(isCurrent("/live", "/liver")).toBe(false);
  });

  it("finds an item or says it is missing", () => {
    expect(navItem("/audit").label).toBe("Audit");
    expect(navItem("/keys").comingWith).toBeUndefined();
    expect(() => navItem("/nope")).toThrow(/no nav item/);
  });
});
