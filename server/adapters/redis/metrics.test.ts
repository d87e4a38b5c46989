import { describe, expect, it } from "vitest";
import { bucketIndex, parseStatus, seriesField, windowBuckets } from "./metrics";

describe("redis metrics layout", () => {
  it("per-second buckets up to 15 minutes, per-minute beyond, ending with the current bucket", () => {
    const now = Date.UTC(2026, 0, 1, 12, 30, 45, 500);
    const s = windowBuckets("5m", now);
    expect(s.step).toBe(1);
    expect(s.starts).toHaveLength(300);
    expect(s.starts.at(-1)).toBe(Math.floor(now / 1000));
    expect((s.starts.at(-1) ?? 0) - (s.starts[0] ?? 0)).toBe(299);
    const h = windowBuckets("1h", now);
    expect(h.step).toBe(60);
    expect(h.starts).toHaveLength(60);
    expect((h.starts.at(-1) ?? 0) % 60).toBe(0);
    expect(windowBuckets("24h", now).starts).toHaveLength(1440);
    expect(windowBuckets("15m", now).step).toBe(1);
  });

  it("reads the field matching the filter", () => {
    expect(seriesField(undefined, undefined)).toBe("*");
    expect(seriesField("acme", undefined)).toBe("t:acme");
    expect(seriesField(undefined, "a.b")).toBe("y:a.b");
    expect(seriesField("acme", "a.b")).toBe("p:acme\u0000a.b");
  });

  it("places latencies in their bucket", () => {
    expect(bucketIndex(0)).toBe(0);
    expect(bucketIndex(5)).toBe(0);
    expect(bucketIndex(6)).toBe(1);
    expect(bucketIndex(300_000)).toBe(13);
    expect(bucketIndex(300_001)).toBe(14);
  });

  it("parses status records into steps per subscription", () => {
    const s = parseStatus({
      sub_1: `1100,,1200,,2,\n1200|${JSON.stringify({ m: "HTTP 500: x|y, z\nw", s: 500 })}`,
      sub_2: ",1300,,,,300",
      sub_3: "1,2,3,4,5,6\nnot an error",
    });
    expect(s).toEqual({
      subscriptions: {
        sub_1: {
          delivered: 1100,
          attempts: 2,
          failed: 1200,
          lastError: { at: 1200, message: "HTTP 500: x|y, z\nw", status: 500 },
        },
        sub_2: { attempts: 0, acknowledged: 1300, latencyMs: 300 },
        sub_3: { delivered: 1, acknowledged: 2, failed: 3, deadLettered: 4, attempts: 5, latencyMs: 6 },
      },
    });
  });
});
