import { describe, expect, it } from "vitest";
import { isTerminal, progressView, replayProgress } from "./progress";

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

  it("reads a replay's status: delivered are done, dead-lettered failed", () => {
    const p = replayProgress({
      id: "replay_1",
      state: "completed",
      delivered: 39,
      deadLettered: 1,
      total: 40,
      target: { type: "subscription", id: "sub_1" },
      createdAt: "2026-11-27T00:00:00.000Z",
      updatedAt: "2026-11-27T00:00:01.000Z",
    });
    expect(p).toMatchObject({ state: "completed", done: 39, failed: 1, total: 40 });
    expect(progressView(p).summary).toBe("39 of 40 done, 1 failed");
  });
});
