import { describe, expect, it } from "vitest";
import { describeSeries, toRatePoints } from "./series";

describe("rate series", () => {
  it("places the current second at t = 0", () => {
    expect(toRatePoints([1, 2, 3])).toEqual([
      { t: -2, value: 1 },
      { t: -1, value: 2 },
      { t: 0, value: 3 },
    ]);
  });
  it("describes the series for screen readers", () => {
    expect(describeSeries([1, 5, 2], "events/s")).toBe("3 seconds: now 2 events/s, peak 5 events/s");
    expect(describeSeries([], "events/s")).toBe("No events/s yet");
  });
});
