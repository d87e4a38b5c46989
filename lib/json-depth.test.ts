import { describe, expect, it } from "vitest";
import { jsonDepthExceeds } from "./json-depth";

describe("jsonDepthExceeds", () => {
  it("counts arrays and objects inside each other, not side by side", () => {
    expect(jsonDepthExceeds("[[1]]", 2)).toBe(false);
    expect(jsonDepthExceeds("[[[1]]]", 2)).toBe(true);
    expect(jsonDepthExceeds('{"a":{"b":[1]}}', 3)).toBe(false);
    expect(jsonDepthExceeds('{"a":{"b":[1]}}', 2)).toBe(true);
    expect(jsonDepthExceeds("[[1],[2],[3],[4]]", 2)).toBe(false);
    expect(jsonDepthExceeds("1", 0)).toBe(false);
  });

  it("ignores brackets inside strings, escaped quotes included", () => {
    expect(jsonDepthExceeds(`["[[[[", "\\"[[[[", "\\\\"]`, 1)).toBe(false);
    expect(jsonDepthExceeds(`{"k\\"{{{": "}}}{{{"}`, 1)).toBe(false);
  });

  it("handles deep input without recursion", () => {
    const n = 1_000_000;
    expect(jsonDepthExceeds(`${"[".repeat(n)}${"]".repeat(n)}`, 256)).toBe(true);
  });
});
