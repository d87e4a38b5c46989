import { describe, expect, it } from "vitest";
import { isAtBottom, scrollToReveal, visibleWindow } from "./window";

describe("visibleWindow", () => {
  it("renders the rows in view plus the overscan", () => {
    // 10 rows of 50 px visible from row 20
    expect(visibleWindow({ scrollTop: 1000, viewportHeight: 500, rowHeight: 50, count: 5000, overscan: 3 })).toEqual({
      start: 17,
      end: 33,
      offsetTop: 850,
      totalHeight: 250_000,
    });
  });

  it("clamps at the top and the bottom", () => {
    expect(visibleWindow({ scrollTop: 0, viewportHeight: 500, rowHeight: 50, count: 100, overscan: 5 })).toMatchObject({
      start: 0,
      end: 15,
    });
    // scrolled past the end (e.g. rows were removed): still shows the last rows
    expect(visibleWindow({ scrollTop: 99_999, viewportHeight: 500, rowHeight: 50, count: 100, overscan: 5 })).toMatchObject({
      start: 85,
      end: 100,
    });
  });

  it("handles a partial row at the bottom", () => {
    expect(visibleWindow({ scrollTop: 25, viewportHeight: 100, rowHeight: 50, count: 10, overscan: 0 })).toMatchObject({
      start: 0,
      end: 3,
    });
  });

  it("is empty for no rows, and renders a row before the viewport is measured", () => {
    expect(visibleWindow({ scrollTop: 0, viewportHeight: 500, rowHeight: 50, count: 0 })).toEqual({
      start: 0,
      end: 0,
      offsetTop: 0,
      totalHeight: 0,
    });
    expect(visibleWindow({ scrollTop: 0, viewportHeight: 0, rowHeight: 50, count: 10, overscan: 0 })).toMatchObject({
      start: 0,
      end: 1,
    });
  });

  it("fits fewer rows than the viewport entirely", () => {
    expect(visibleWindow({ scrollTop: 0, viewportHeight: 800, rowHeight: 48, count: 4 })).toMatchObject({ start: 0, end: 4 });
  });
});

describe("isAtBottom", () => {
  it("is true within the tolerance of the end", () => {
    expect(isAtBottom(500, 500, 1000)).toBe(true);
    expect(isAtBottom(497, 500, 1000)).toBe(true);
    expect(isAtBottom(490, 500, 1000)).toBe(false);
    expect(isAtBottom(490, 500, 1000, 24)).toBe(true);
  });
});

describe("scrollToReveal", () => {
  it("scrolls up to a row above the view and down to one below it", () => {
    expect(scrollToReveal(2, 50, 300, 200)).toBe(100);
    expect(scrollToReveal(10, 50, 0, 200)).toBe(350);
    expect(scrollToReveal(3, 50, 100, 200)).toBeUndefined();
  });
});
