import { describe, expect, it } from "vitest";
import { RateMeter } from "./rate";

const T0 = 1_700_000_000_000; // a whole second

describe("RateMeter", () => {
  it("averages events per second over the window", () => {
    const m = new RateMeter(5, 60);
    // 10 events a second for 6 seconds
    for (let s = 0; s < 6; s++) for (let i = 0; i < 10; i++) m.record(T0 + s * 1000 + i * 50);
    // at the start of second 6: the last 5 complete seconds plus an empty current one
    expect(m.rate(T0 + 6000)).toBeCloseTo(10, 5);
  });

  it("does not call one event a burst: at least one second is measured", () => {
    const m = new RateMeter(5, 60);
    m.record(T0 + 100);
    expect(m.rate(T0 + 200)).toBe(1);
  });

  it("uses the time since the first event while it is shorter than the window", () => {
    const m = new RateMeter(5, 60);
    for (let i = 0; i < 20; i++) m.record(T0 + i * 100); // 20 events in 2 s
    expect(m.rate(T0 + 2000)).toBeCloseTo(10, 5);
  });

  it("falls to zero when nothing arrives", () => {
    const m = new RateMeter(5, 60);
    for (let i = 0; i < 50; i++) m.record(T0 + i * 10);
    expect(m.rate(T0 + 60_000)).toBe(0);
  });

  it("keeps a per-second history, newest last", () => {
    const m = new RateMeter(5, 10);
    m.record(T0, 3);
    m.record(T0 + 1000, 1);
    m.record(T0 + 3500, 2);
    const h = m.history(T0 + 3600);
    expect(h).toHaveLength(10);
    expect(h.slice(-4)).toEqual([3, 1, 0, 2]);
    // long gaps shift everything out
    expect(m.history(T0 + 100_000)).toEqual(new Array(10).fill(0));
  });

  it("resets", () => {
    const m = new RateMeter();
    m.record(T0, 100);
    m.reset();
    expect(m.rate(T0 + 10)).toBe(0);
  });
});
