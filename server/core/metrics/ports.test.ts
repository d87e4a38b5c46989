import { describe, expect, it } from "vitest";
import type { CloudEvent } from "../cloudevents/event";
import { countEvents } from "./ports";

const ev = (tenant: string, type: string) => ({ tenant, type, event: { type } as CloudEvent });

describe("countEvents", () => {
  it("makes one count per tenant and type, with the number of its events", () => {
    const calls: [string, string, string, number][] = [];
    countEvents({ count: (m, tenant, type, n) => calls.push([m, tenant, type, n]) }, "replayed", [
      ev("acme", "a"),
      ev("acme", "b"),
      ev("acme", "a"),
      ev("beta", "a"),
      ev("acme", "a"),
    ]);
    expect(calls.sort()).toEqual([
      ["replayed", "acme", "a", 3],
      ["replayed", "acme", "b", 1],
      ["replayed", "beta", "a", 1],
    ]);
  });

  it("takes the type from the event where the reader has no type of its own", () => {
    const calls: string[] = [];
    countEvents({ count: (_m, _t, type) => calls.push(type) }, "replayed", [
      { tenant: "acme", event: { type: "x" } as CloudEvent },
    ]);
    expect(calls).toEqual(["x"]);
  });
});
