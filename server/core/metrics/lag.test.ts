import { describe, expect, it } from "vitest";
import { createLagSampler } from "./lag";
import type { LagSample } from "./ports";

describe("lag sampler", () => {
  it("takes one sample per period, aligned to the period, only when it wins the claim", async () => {
    let t = 10_100;
    const written: LagSample[] = [];
    const claims: number[] = [];
    let win = true;
    const s = createLagSampler({
      intervalMs: 1000,
      now: () => t,
      figures: async () => [{ subscription: "sub_1", lag: 4, ackPending: 1 }],
      claim: async (p) => {
        claims.push(p);
        return win;
      },
      recorder: { lag: (x) => void written.push(...x) },
    });
    expect(await s.sample()).toHaveLength(1);
    t = 10_900;
    expect(await s.sample()).toEqual([]); // same period
    t = 11_050;
    win = false; // another replica took it
    expect(await s.sample()).toEqual([]);
    t = 12_000;
    win = true;
    await s.sample();
    expect(claims).toEqual([10_000, 11_000, 12_000]);
    expect(written).toEqual([
      { subscription: "sub_1", atMs: 10_000, lag: 4, ackPending: 1 },
      { subscription: "sub_1", atMs: 12_000, lag: 4, ackPending: 1 },
    ]);
  });

  it("samples anyway when the claim cannot be made (Redis down)", async () => {
    const written: LagSample[] = [];
    const s = createLagSampler({
      intervalMs: 1000,
      now: () => 5_000,
      figures: async () => [{ subscription: "s", lag: 1, ackPending: 0 }],
      claim: () => Promise.reject(new Error("down")),
      recorder: { lag: (x) => void written.push(...x) },
    });
    await s.sample();
    expect(written).toHaveLength(1);
  });
});
