import { describe, expect, it } from "vitest";
import { fromLocalInput, toLocalInput } from "./draft";

describe("datetime-local values", () => {
  it("round-trips a time through the viewer's local zone", () => {
    const iso = "2025-03-14T09:26:53.000Z";
    const local = toLocalInput(iso);
    expect(local).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(fromLocalInput(local)).toBe(iso);
  });

  it("is empty or undefined for nothing and for garbage", () => {
    expect(toLocalInput(undefined)).toBe("");
    expect(toLocalInput("nope")).toBe("");
    expect(fromLocalInput("")).toBeUndefined();
    expect(fromLocalInput("nope")).toBeUndefined();
  });
});
