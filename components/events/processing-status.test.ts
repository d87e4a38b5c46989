import { describe, expect, it } from "vitest";
import { stepsOf } from "./processing-status";

describe("processing status", () => {
  it("lists the steps that happened in time order", () => {
    expect(
      stepsOf({
        subscription: "sub_1",
        state: "acknowledged",
        attempts: 2,
        deliveredAt: "2026-01-01T00:00:03Z",
        acknowledgedAt: "2026-01-01T00:00:04Z",
        failedAt: "2026-01-01T00:00:02Z",
        deadLetteredAt: null,
        latencyMs: 4000,
        lastError: null,
      }),
    ).toEqual([
      ["failed", "2026-01-01T00:00:02Z"],
      ["delivered", "2026-01-01T00:00:03Z"],
      ["acknowledged", "2026-01-01T00:00:04Z"],
    ]);
  });
});
