import { describe, expect, it } from "vitest";
import { formatClock, formatCount, formatRate, formatTimestamp, previewData } from "./format";

describe("formatTimestamp", () => {
  it("shows date and time with milliseconds in the given zone", () => {
    expect(formatTimestamp("2025-03-14T09:26:53.123Z", { timeZone: "UTC" })).toBe("2025-03-14 09:26:53.123");
    expect(formatTimestamp("2025-03-14T09:26:53.123Z", { timeZone: "Asia/Tokyo" })).toBe("2025-03-14 18:26:53.123");
    expect(formatTimestamp("2025-03-14T23:30:00+02:00", { timeZone: "UTC", ms: false })).toBe("2025-03-14 21:30:00");
  });

  it("leaves what is not a time alone", () => {
    expect(formatTimestamp("yesterday")).toBe("yesterday");
    expect(formatTimestamp(undefined)).toBe("–");
  });
});

describe("formatClock", () => {
  it("is a 24-hour clock with milliseconds", () => {
    expect(formatClock(Date.parse("2025-03-14T21:05:09.007Z"), "UTC")).toBe("21:05:09.007");
  });
});

describe("formatRate and formatCount", () => {
  it("rounds rates for reading", () => {
    expect(formatRate(0)).toBe("0");
    expect(formatRate(Number.NaN)).toBe("0");
    expect(formatRate(0.04)).toBe("0.0");
    expect(formatRate(2.345)).toBe("2.3");
    expect(formatRate(12.6)).toBe("13");
    expect(formatRate(12_345.2)).toBe("12,345");
    expect(formatCount(5000)).toBe("5,000");
  });
});

describe("previewData", () => {
  it("is one line, at most max characters", () => {
    expect(previewData({ a: 1, b: "x" }, undefined)).toBe('{"a":1,"b":"x"}');
    expect(previewData("line one\n  line two", undefined)).toBe("line one line two");
    expect(previewData("x".repeat(200), undefined, 10)).toBe(`${"x".repeat(9)}…`);
    expect(previewData(undefined, "AAEC")).toBe("base64:AAEC");
    expect(previewData(undefined, undefined)).toBe("");
  });
});
