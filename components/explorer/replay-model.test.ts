import { describe, expect, it } from "vitest";
import type { StoredEventDto } from "@/lib/contracts/events";
import { buildReplay, MAX_SELECTED } from "./replay-model";

const ev = (seq: number, id: string, tenant = "acme"): StoredEventDto => ({
  seq,
  storedAt: "2026-01-01T00:00:00Z",
  tenant,
  event: { specversion: "1.0", id, source: "/s", type: "a.b" },
});

describe("replay from the explorer", () => {
  it("replays the selected events: their sequence range narrowed to their ids", () => {
    const r = buildReplay({ kind: "selected", events: [ev(9, "b"), ev(4, "a")] }, undefined, {
      type: "subscription",
      id: "sub_1",
    });
    expect(r).toEqual({
      ok: true,
      notes: [],
      input: {
        from: { sequence: 4 },
        to: { sequence: 9 },
        filter: { tenant: "acme", filters: [{ any: [{ exact: { id: "a" } }, { exact: { id: "b" } }] }] },
        target: { type: "subscription", id: "sub_1" },
      },
    });
    const one = buildReplay({ kind: "selected", events: [ev(3, "x", "t1")] }, "t1", { type: "stream" }, 50);
    expect(one.ok && one.input).toEqual({
      from: { sequence: 3 },
      to: { sequence: 3 },
      filter: { tenant: "t1", filters: [{ exact: { id: "x" } }] },
      target: { type: "stream" },
      ratePerSec: 50,
    });
  });

  it("leaves the tenant out for a selection across tenants, and refuses none or too many", () => {
    const r = buildReplay({ kind: "selected", events: [ev(1, "a", "t1"), ev(2, "b", "t2")] }, undefined, { type: "stream" });
    expect(r.ok && r.input.filter?.tenant).toBeUndefined();
    expect(buildReplay({ kind: "selected", events: [] }, undefined, { type: "stream" })).toMatchObject({ ok: false });
    const many = Array.from({ length: MAX_SELECTED + 1 }, (_, i) => ev(i + 1, `e${i}`));
    expect(buildReplay({ kind: "selected", events: many }, undefined, { type: "stream" })).toEqual({
      ok: false,
      problem: `Select at most ${MAX_SELECTED} events, or replay the current range`,
    });
  });

  it("replays the current range with the history filters", () => {
    const r = buildReplay(
      {
        kind: "range",
        search: { type: "a.*", subject: "s/1", from: "2026-01-01T00:00:00.000Z", to: "2026-01-02T00:00:00.000Z" },
        attribute: { name: "correlationid", value: "c1" },
        text: "invoice",
      },
      "acme",
      { type: "subscription", id: "sub_2" },
    );
    expect(r).toEqual({
      ok: true,
      notes: [expect.stringContaining("Text in data")],
      input: {
        from: { time: "2026-01-01T00:00:00.000Z" },
        to: { time: "2026-01-02T00:00:00.000Z" },
        filter: { tenant: "acme", types: ["a.*"], filters: [{ exact: { subject: "s/1" } }, { exact: { correlationid: "c1" } }] },
        target: { type: "subscription", id: "sub_2" },
      },
    });
    expect(buildReplay({ kind: "range", search: {} }, undefined, { type: "stream" })).toEqual({
      ok: true,
      notes: [],
      input: { from: { sequence: 1 }, target: { type: "stream" } },
    });
    const both = buildReplay({ kind: "range", search: { fromSeq: 7, from: "2026-01-01T00:00:00.000Z" } }, undefined, {
      type: "stream",
    });
    expect(both.ok && both.input.from).toEqual({ sequence: 7 });
    expect(both.ok && both.notes).toHaveLength(1);
  });
});
