import { describe, expect, it } from "vitest";
import { RateLimiter } from "./jobs";

function limiter(ratePerSec: number) {
  let t = 1_000_000;
  const l = new RateLimiter(ratePerSec, () => t);
  return { l, at: (ms: number) => (t = 1_000_000 + ms) };
}

describe("RateLimiter", () => {
  it("spaces units at the rate: each one waits for the debt before it", () => {
    const { l } = limiter(1000);
    expect([1, 2, 3, 4].map(() => l.delayMs(1))).toEqual([0, 1, 2, 3]);
    expect(l.delayMs(10)).toBe(4);
    expect(l.delayMs(1)).toBe(14);
  });

  it("makes up for time lost behind the schedule (a timer that overslept), so the average holds", () => {
    const { l, at } = limiter(1000);
    for (let i = 0; i < 100; i++) l.delayMs(1); // due until 100 ms
    at(105); // the wait overslept by 5 ms: 5 units go at once
    const waits = Array.from({ length: 7 }, () => l.delayMs(1));
    expect(waits.filter((w) => w < 1)).toHaveLength(6);
    // over the whole run: at most the rate (+ the catch-up allowance)
    at(1000);
    let n = 0;
    while (l.delayMs(1) < 1) n++;
    expect(n).toBeLessThanOrEqual(20 + 1);
  });

  it("after a long idle spell lets at most 20 ms of units go at once", () => {
    const { l, at } = limiter(10_000);
    at(60_000);
    let free = 0;
    while (l.delayMs(1) < 1) free++;
    expect(free).toBe(210); // 20 ms of catch-up and the 1 ms a wait needs to be worth a timer, at 10/ms
  });

  it("take() resolves at once under the rate and with a timer past it", async () => {
    const l = new RateLimiter(1000);
    expect(l.take(1)).toBeUndefined();
    const t0 = Date.now();
    await l.take(50);
    await l.take(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45);
  });
});
