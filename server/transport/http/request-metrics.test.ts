import { describe, expect, it } from "vitest";
import { routeLabeler } from "./request-metrics";
import type { Route } from "./router";

const r = (method: Route["method"], path: string): Route => ({ method, path, access: "public", handler: () => {} });

describe("route label of HTTP metrics", () => {
  const label = routeLabeler(
    [r("GET", "/api/events/:seq"), r("GET", "/api/events/:seq/status"), r("POST", "/api/events"), r("GET", "/metrics")],
    (p) => p === "/metrics" || p.startsWith("/api/"),
  );

  it("is the route's pattern, never the raw path", () => {
    expect(label("/api/events/42")).toBe("/api/events/:seq");
    expect(label("/api/events/42/")).toBe("/api/events/:seq");
    expect(label("/api/events/42/status")).toBe("/api/events/:seq/status");
    expect(label("/api/events")).toBe("/api/events");
    expect(label("/metrics")).toBe("/metrics");
  });

  it("folds unknown API paths and console pages into two values", () => {
    expect(label("/api/nope/1/2/3")).toBe("(api unknown)");
    expect(label(`/api/${"x".repeat(50)}`)).toBe("(api unknown)");
    expect(label("/live")).toBe("(console)");
    expect(label("/subscriptions/sub_1")).toBe("(console)");
  });
});
