import { describe, expect, it } from "vitest";
import { type RetryPolicy, retryDelayMs } from "./backoff";

const POLICY: RetryPolicy = { maxAttempts: 10, initialDelayMs: 100, multiplier: 2, maxDelayMs: 10_000, jitter: 0 };
const r = (v: number) => () => v;

describe("retryDelayMs: exponential growth", () => {
  it("starts at initialDelayMs after the first attempt and multiplies per attempt", () => {
    expect([1, 2, 3, 4, 5].map((a) => retryDelayMs(POLICY, a, r(0)))).toEqual([100, 200, 400, 800, 1600]);
  });

  it("uses the multiplier given (3×)", () => {
    const p = { ...POLICY, multiplier: 3 };
    expect([1, 2, 3, 4].map((a) => retryDelayMs(p, a, r(0)))).toEqual([100, 300, 900, 2700]);
  });

  it("a multiplier of 1 gives a constant delay", () => {
    const p = { ...POLICY, multiplier: 1 };
    expect([1, 2, 7, 100].map((a) => retryDelayMs(p, a, r(0)))).toEqual([100, 100, 100, 100]);
  });

  it("treats attempt numbers below 1 as the first attempt", () => {
    expect(retryDelayMs(POLICY, 0, r(0))).toBe(100);
    expect(retryDelayMs(POLICY, -3, r(0))).toBe(100);
  });

  it("a fractional multiplier yields whole milliseconds", () => {
    const p = { ...POLICY, initialDelayMs: 333, multiplier: 1.5 };
    const d = retryDelayMs(p, 3, r(0));
    expect(Number.isInteger(d)).toBe(true);
    expect(d).toBe(Math.round(333 * 1.5 ** 2));
  });

  it("an initial delay of 0 stays 0 (retry at once)", () => {
    const p = { ...POLICY, initialDelayMs: 0 };
    expect(retryDelayMs(p, 1, r(0))).toBe(0);
    expect(retryDelayMs(p, 5, r(0.9))).toBe(0);
  });
});

describe("retryDelayMs: cap", () => {
  it("never exceeds maxDelayMs", () => {
    expect(retryDelayMs(POLICY, 7, r(0))).toBe(6400);
    expect(retryDelayMs(POLICY, 8, r(0))).toBe(10_000); // 12800 capped
    expect(retryDelayMs(POLICY, 30, r(0))).toBe(10_000);
  });

  it("stays at the cap for huge attempt numbers (multiplier ** n overflows to Infinity)", () => {
    const p = { ...POLICY, multiplier: 10 };
    expect(retryDelayMs(p, 1000, r(0))).toBe(10_000);
  });

  it("stays a finite 0 with initialDelayMs 0 and an overflowing growth factor (0 × Infinity)", () => {
    // valid per the schema: initialDelayMs 0, multiplier up to 10, maxAttempts up to 1000
    const p = { ...POLICY, initialDelayMs: 0, multiplier: 10, maxDelayMs: 60_000, maxAttempts: 1000 };
    const d = retryDelayMs(p, 999, r(0.5));
    expect(Number.isFinite(d)).toBe(true);
    expect(d).toBe(0);
  });

  it("maxDelayMs equal to initialDelayMs gives a constant delay", () => {
    const p = { ...POLICY, maxDelayMs: 100 };
    expect([1, 2, 3].map((a) => retryDelayMs(p, a, r(0)))).toEqual([100, 100, 100]);
  });
});

describe("retryDelayMs: jitter", () => {
  const J = { ...POLICY, jitter: 0.2 };

  it("random 0 gives the full delay", () => {
    expect(retryDelayMs(J, 3, r(0))).toBe(400);
  });

  it("takes delay × (1 − jitter × r) with the injected random", () => {
    expect(retryDelayMs(J, 3, r(0.5))).toBe(360); // 400 × 0.9
    expect(retryDelayMs(J, 1, r(0.25))).toBe(95); // 100 × 0.95
    expect(retryDelayMs(J, 3, r(0.999999))).toBe(320); // → 400 × 0.8
  });

  it("jitter 1 can take the whole delay down towards 0", () => {
    const p = { ...POLICY, jitter: 1 };
    expect(retryDelayMs(p, 2, r(0.5))).toBe(100);
    expect(retryDelayMs(p, 2, r(0.999))).toBe(0);
  });

  it("jitter 0 ignores the random value", () => {
    expect(retryDelayMs(POLICY, 2, r(0.9))).toBe(200);
  });

  it("applies to the capped delay (never above the cap, spread below it)", () => {
    expect(retryDelayMs(J, 20, r(0))).toBe(10_000);
    expect(retryDelayMs(J, 20, r(0.5))).toBe(9000);
  });

  it("calls the injected random once per delay", () => {
    let calls = 0;
    retryDelayMs(J, 2, () => {
      calls++;
      return 0.3;
    });
    expect(calls).toBe(1);
  });

  it("with the default Math.random stays within [delay × (1 − jitter), delay]", () => {
    for (let i = 0; i < 200; i++) {
      const d = retryDelayMs(J, 4, undefined);
      expect(d).toBeGreaterThanOrEqual(640);
      expect(d).toBeLessThanOrEqual(800);
    }
  });
});

describe("retryDelayMs: Retry-After", () => {
  const J = { ...POLICY, jitter: 0.2 };

  it("raises the delay to at least Retry-After", () => {
    expect(retryDelayMs(J, 1, r(0), 5000)).toBe(5000);
    expect(retryDelayMs(J, 1, r(0.9), 2500)).toBe(2500); // not jittered below the server's wish
  });

  it("does not lower a longer backoff", () => {
    expect(retryDelayMs(J, 5, r(0), 200)).toBe(1600);
    expect(retryDelayMs(J, 5, r(0.5), 0)).toBe(1440);
  });

  it("is still capped at maxDelayMs", () => {
    expect(retryDelayMs(J, 1, r(0), 60_000)).toBe(10_000);
    expect(retryDelayMs(J, 20, r(0.5), 3_600_000)).toBe(10_000);
  });

  it("undefined Retry-After leaves the backoff as is", () => {
    expect(retryDelayMs(J, 2, r(0.5), undefined)).toBe(180);
  });
});
