import { describe, expect, it } from "vitest";
import { historyUrl } from "./events";
import { streamUrl } from "./live";
import { queryString } from "./params";

describe("query strings", () => {
  it("leaves out empty values", () => {
    expect(queryString({ a: "x", b: undefined, c: "", d: null, e: 0 })).toBe("?a=x&e=0");
    expect(queryString({})).toBe("");
  });

  it("builds the history URL; a cursor replaces fromSeq", () => {
    expect(historyUrl({ tenant: "acme", type: "com.anumate.capsule.*", limit: 50 })).toBe(
      "/api/events?tenant=acme&type=com.anumate.capsule.*&limit=50",
    );
    expect(historyUrl({ fromSeq: 10, from: "2025-03-14T09:26:53+01:00" }, null)).toBe(
      "/api/events?from=2025-03-14T09%3A26%3A53%2B01%3A00&fromSeq=10",
    );
    expect(historyUrl({ fromSeq: 10 }, "42")).toBe("/api/events?cursor=42");
  });

  it("builds the stream URL with its start position", () => {
    expect(streamUrl({ tenant: "acme", type: "a.>", subject: "s/1" })).toBe("/api/stream?tenant=acme&type=a.%3E&subject=s%2F1");
    expect(streamUrl({}, { seq: 43 })).toBe("/api/stream?from=seq%3A43");
    expect(streamUrl({}, { time: "2025-01-01T00:00:00+02:00" })).toBe(
      "/api/stream?from=time%3A2025-01-01T00%3A00%3A00%2B02%3A00",
    );
    expect(streamUrl({}, "now")).toBe("/api/stream");
    // a replay is its own stream: no filter or start position goes with it
    expect(streamUrl({ replay: "job_1", tenant: "acme" }, { seq: 3 })).toBe("/api/stream?replay=job_1");
  });
});
