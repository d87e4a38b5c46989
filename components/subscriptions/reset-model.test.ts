import { describe, expect, it } from "vitest";
import { parseReset, resetAllowed } from "./reset-model";

describe("reset position", () => {
  it("reads a time or a sequence", () => {
    expect(parseReset("time", "2026-01-02T03:04:05", "")).toEqual({
      ok: true,
      to: { time: new Date("2026-01-02T03:04:05").toISOString() },
    });
    expect(parseReset("sequence", "", " 42 ")).toEqual({ ok: true, to: { sequence: 42 } });
  });

  it("names what is wrong", () => {
    expect(parseReset("time", "", "")).toEqual({ ok: false, problem: "must be a date and time" });
    for (const bad of ["", "0", "1.5", "x"]) expect(parseReset("sequence", "", bad)).toMatchObject({ ok: false });
  });

  it("is allowed while paused or without members", () => {
    expect(resetAllowed({ state: "paused", stats: { members: 3 } })).toBe(true);
    expect(resetAllowed({ state: "active", stats: { members: 0 } })).toBe(true);
    expect(resetAllowed({ state: "active", stats: { members: 1 } })).toBe(false);
    expect(resetAllowed({ state: "active" })).toBe(false);
  });
});
