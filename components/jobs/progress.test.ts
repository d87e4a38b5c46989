import { describe, expect, it } from "vitest";
import { isTerminal, progressView } from "./progress";

describe("job progress", () => {
  it("counts done and failed toward the bar, says what failed", () => {
    expect(progressView({ state: "running", done: 10, total: 40, failed: 2 })).toEqual({
      percent: 30,
      terminal: false,
      tone: "blue",
      summary: "10 of 40 done, 2 failed",
    });
  });

  it("is complete for an empty finished job, and clamps odd figures", () => {
    expect(progressView({ state: "completed", done: 0, total: 0, failed: 0 }).percent).toBe(100);
    expect(progressView({ state: "pending", done: 0, total: 0, failed: 0 }).percent).toBe(0);
    expect(progressView({ state: "running", done: 12, total: 10, failed: 0 }).percent).toBe(100);
  });

  it("knows which states end a job", () => {
    expect(["pending", "running"].map((s) => isTerminal(s as "running"))).toEqual([false, false]);
    expect(["completed", "cancelled", "interrupted", "failed"].every((s) => isTerminal(s as "failed"))).toBe(true);
    expect(progressView({ state: "interrupted", done: 3, total: 5, failed: 0 }).tone).toBe("amber");
  });
});
