import { describe, expect, it } from "vitest";
import { describeLag, lagPoints } from "./lag";

describe("lag chart points", () => {
  it("keeps samples and breaks the line where samples are missing", () => {
    const pts = lagPoints({
      step: 5,
      points: [
        { t: "2026-01-01T00:00:00Z", lag: 1, ackPending: 0 },
        { t: "2026-01-01T00:00:05Z", lag: 3, ackPending: 1 },
        // nobody sampled for 20 s
        { t: "2026-01-01T00:00:30Z", lag: 0, ackPending: 0 },
      ],
    });
    const t0 = Date.parse("2026-01-01T00:00:00Z");
    expect(pts).toEqual([
      { t: t0, lag: 1, ackPending: 0 },
      { t: t0 + 5000, lag: 3, ackPending: 1 },
      { t: t0 + 10_000, lag: null, ackPending: null },
      { t: t0 + 30_000, lag: 0, ackPending: 0 },
    ]);
    expect(describeLag(pts)).toBe("Lag: now 0, peak 3 events over 3 samples");
  });

  it("says when there is nothing", () => {
    expect(lagPoints({ step: 5, points: [] })).toEqual([]);
    expect(describeLag([])).toBe("Lag: no samples in this window");
  });
});
