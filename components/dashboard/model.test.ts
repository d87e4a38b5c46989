import { describe, expect, it } from "vitest";
import { bucketTotals, formatBytes, formatDuration, largestLag, rateRows, streamUsage } from "./model";

const at = (i: number, step = 1) => new Date(Date.UTC(2026, 0, 1) + i * step * 1000).toISOString();
const series = (values: number[], step = 1) => ({ step, points: values.map((value, i) => ({ t: at(i, step), value })) });

describe("dashboard rates", () => {
  it("turns counts per bucket into events per second, one row per bucket", () => {
    const rows = rateRows({ published: series([2, 4]), failed: series([0, 1]) });
    expect(rows).toEqual([
      { t: Date.parse(at(0)), published: 2, delivered: 0, failed: 0, deadLettered: 0 },
      { t: Date.parse(at(1)), published: 4, delivered: 0, failed: 1, deadLettered: 0 },
    ]);
  });

  it("per-minute buckets become per-second rates, and long series are averaged into at most maxPoints rows", () => {
    expect(rateRows({ delivered: series([120], 60) })[0]?.delivered).toBe(2);
    const rows = rateRows({ published: series(Array.from({ length: 900 }, (_, i) => (i % 2 === 0 ? 2 : 0))) }, 300);
    expect(rows).toHaveLength(300);
    expect(rows[0]).toMatchObject({ t: Date.parse(at(0)), published: 1.33 });
  });

  it("has no rows without data", () => {
    expect(rateRows({})).toEqual([]);
    expect(rateRows({ published: series([]) })).toEqual([]);
  });

  it("sums buckets into larger ones", () => {
    expect(bucketTotals(series([1, 2, 3, 4, 5], 60).points, 2)).toEqual([
      { t: Date.parse(at(0, 60)), value: 3 },
      { t: Date.parse(at(2, 60)), value: 7 },
      { t: Date.parse(at(4, 60)), value: 5 },
    ]);
  });
});

describe("stream usage", () => {
  it("compares messages, bytes and the oldest event's age with the limits", () => {
    expect(
      streamUsage({ messages: 250, bytes: 2048, limits: { maxMsgs: 1000, maxBytes: 1024 * 1024, maxAgeSec: 86_400 } }, 43_200),
    ).toEqual([
      { label: "Messages", used: "250", limit: "1,000", percent: 25 },
      { label: "Bytes", used: "2.0 KiB", limit: "1.0 MiB", percent: 0.2 },
      { label: "Oldest event", used: "12 h", limit: "1 d", percent: 50 },
    ]);
  });

  it("says so when there is no limit or the age is unknown", () => {
    const u = streamUsage({ messages: 5, bytes: 10, limits: { maxMsgs: -1, maxBytes: -1, maxAgeSec: 0 } }, undefined);
    expect(u.map((x) => [x.limit, x.percent])).toEqual([
      ["no limit", null],
      ["no limit", null],
      ["no limit", null],
    ]);
    expect(u[2]?.used).toBe("–");
  });

  it("formats sizes and durations", () => {
    expect([formatBytes(0), formatBytes(1536), formatBytes(5 * 1024 ** 3)]).toEqual(["0 B", "1.5 KiB", "5.0 GiB"]);
    expect([formatDuration(5), formatDuration(600), formatDuration(5400), formatDuration(3 * 86_400)]).toEqual([
      "5 s",
      "10 min",
      "1.5 h",
      "3 d",
    ]);
  });
});

describe("largest lag", () => {
  const sub = (id: string, pending?: number) => ({
    id,
    stats:
      pending === undefined
        ? undefined
        : { pending, ackPending: 0, redelivered: 0, delivered: 0, members: 0, circuit: "closed" as const, lastError: null },
  });

  it("lists the subscriptions furthest behind first, those with lag only", () => {
    expect(largestLag([sub("a", 3), sub("b", 0), sub("c", 10), sub("d"), sub("e", 3)], 2).map((s) => s.id)).toEqual(["c", "a"]);
    expect(largestLag([sub("b", 0)])).toEqual([]);
  });
});
