import { describe, expect, it } from "vitest";
import { rateText, tenantRows } from "./model";

describe("tenants table", () => {
  it("merges each metric's top list per tenant, with rates over the window", () => {
    const rows = tenantRows(
      {
        published: {
          items: [
            { key: "acme", value: 600 },
            { key: "beta", value: 60 },
          ],
        },
        failed: {
          items: [
            { key: "beta", value: 6 },
            { key: "gamma", value: 3 },
          ],
        },
      },
      60,
    );
    expect(rows.map((r) => r.tenant)).toEqual(["acme", "beta", "gamma"]);
    expect(rows[1]).toEqual({
      tenant: "beta",
      counts: { published: 60, delivered: 0, failed: 6, deadLettered: 0 },
      rates: { published: 1, delivered: 0, failed: 0.1, deadLettered: 0 },
    });
    expect(tenantRows({}, 60)).toEqual([]);
  });

  it("keeps small rates visible", () => {
    expect([rateText(0), rateText(5 / 3600), rateText(0.5), rateText(12.4), rateText(1234.5)]).toEqual([
      "0",
      "<0.01",
      "0.50",
      "12",
      "1,235",
    ]);
  });
});
