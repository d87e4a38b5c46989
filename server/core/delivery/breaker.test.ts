import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "./breaker";

function setup(failureThreshold = 3, cooldownMs = 1000) {
  let t = 10_000;
  const clock = {
    advance(ms: number) {
      t += ms;
    },
  };
  const b = new CircuitBreaker({ failureThreshold, cooldownMs }, () => t);
  return { b, clock };
}

function fail(b: CircuitBreaker, n: number) {
  for (let i = 0; i < n; i++) b.failure();
}

describe("CircuitBreaker: closed", () => {
  it("starts closed and lets every free slot through", () => {
    const { b } = setup();
    expect(b.state).toBe("closed");
    expect(b.allowance(7)).toBe(7);
    expect(b.allowance(0)).toBe(0);
    expect(b.msUntilProbe()).toBe(0);
  });

  it("stays closed below the threshold of consecutive failures", () => {
    const { b } = setup(3);
    fail(b, 2);
    expect(b.state).toBe("closed");
    expect(b.allowance(4)).toBe(4);
  });

  it("opens on the Nth consecutive failure", () => {
    const { b } = setup(3);
    fail(b, 3);
    expect(b.state).toBe("open");
  });

  it("a threshold of 1 opens on the first failure", () => {
    const { b } = setup(1);
    b.failure();
    expect(b.state).toBe("open");
  });

  it("a success resets the count: failures must be consecutive", () => {
    const { b } = setup(3);
    fail(b, 2);
    b.success();
    fail(b, 2);
    expect(b.state).toBe("closed");
    b.failure();
    expect(b.state).toBe("open");
  });

  it("started() while closed changes nothing", () => {
    const { b } = setup();
    b.started();
    b.started();
    expect(b.state).toBe("closed");
    expect(b.allowance(3)).toBe(3);
  });
});

describe("CircuitBreaker: open", () => {
  it("gives allowance 0 however many slots are free", () => {
    const { b } = setup(2);
    fail(b, 2);
    expect(b.allowance(100)).toBe(0);
    expect(b.allowance(1)).toBe(0);
  });

  it("msUntilProbe counts down the cooldown on the injected clock", () => {
    const { b, clock } = setup(2, 1000);
    fail(b, 2);
    expect(b.msUntilProbe()).toBe(1000);
    clock.advance(400);
    expect(b.msUntilProbe()).toBe(600);
    clock.advance(599);
    expect(b.msUntilProbe()).toBe(1);
    expect(b.state).toBe("open");
  });

  it("more failures while open do not extend the cooldown", () => {
    const { b, clock } = setup(2, 1000);
    fail(b, 2);
    clock.advance(500);
    b.failure(); // a delivery started before the circuit opened
    expect(b.state).toBe("open");
    expect(b.msUntilProbe()).toBe(500);
  });
});

describe("CircuitBreaker: half-open", () => {
  it("half-opens exactly when the cooldown has passed", () => {
    const { b, clock } = setup(2, 1000);
    fail(b, 2);
    clock.advance(999);
    expect(b.state).toBe("open");
    clock.advance(1);
    expect(b.state).toBe("half-open");
    expect(b.msUntilProbe()).toBe(0);
  });

  it("lets exactly one probe through", () => {
    const { b, clock } = setup(2, 1000);
    fail(b, 2);
    clock.advance(1000);
    expect(b.allowance(10)).toBe(1);
    expect(b.allowance(0)).toBe(0);
    b.started();
    expect(b.state).toBe("half-open");
    expect(b.allowance(10)).toBe(0);
    expect(b.allowance(1)).toBe(0);
    clock.advance(60_000);
    expect(b.allowance(10)).toBe(0); // the probe is still under way
  });

  it("a successful probe closes the circuit and resets the count", () => {
    const { b, clock } = setup(2, 1000);
    fail(b, 2);
    clock.advance(1000);
    b.started();
    b.success();
    expect(b.state).toBe("closed");
    expect(b.allowance(10)).toBe(10);
    b.failure();
    expect(b.state).toBe("closed"); // one failure is not N consecutive ones
    b.failure();
    expect(b.state).toBe("open");
  });

  it("a failed probe re-opens the circuit with a fresh cooldown", () => {
    const { b, clock } = setup(3, 1000);
    fail(b, 3);
    clock.advance(1500);
    expect(b.state).toBe("half-open");
    b.started();
    b.failure();
    expect(b.state).toBe("open");
    expect(b.allowance(5)).toBe(0);
    expect(b.msUntilProbe()).toBe(1000);
    clock.advance(999);
    expect(b.state).toBe("open");
    clock.advance(1);
    expect(b.state).toBe("half-open");
    expect(b.allowance(5)).toBe(1); // a new probe
  });

  it("a single failure in half-open re-opens it even though it is below the threshold", () => {
    const { b, clock } = setup(5, 1000);
    fail(b, 5);
    clock.advance(1000);
    b.started();
    b.failure();
    expect(b.state).toBe("open");
  });

  it("can go round open → half-open → open → half-open → closed", () => {
    const { b, clock } = setup(2, 100);
    fail(b, 2);
    for (let i = 0; i < 3; i++) {
      clock.advance(100);
      expect(b.allowance(4)).toBe(1);
      b.started();
      b.failure();
      expect(b.state).toBe("open");
    }
    clock.advance(100);
    b.started();
    b.success();
    expect(b.state).toBe("closed");
    expect(b.allowance(4)).toBe(4);
  });
});
