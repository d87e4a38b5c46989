import { describe, expect, it } from "vitest";
import { describeTarget, emptyDraft, parseDraft, pruneSelection, toggle, toggleAll } from "./model";

describe("dead-letter filters", () => {
  it("builds the API filter with the switcher's tenant, leaving empty fields out", () => {
    expect(parseDraft(emptyDraft, undefined)).toEqual({ ok: true, filter: {} });
    expect(parseDraft({ ...emptyDraft, type: " com.a.* ", subscription: "sub_1", q: " 500 " }, "acme")).toEqual({
      ok: true,
      filter: { tenant: "acme", type: "com.a.*", subscription: "sub_1", q: "500" },
    });
  });

  it("turns local times into RFC 3339 and names bad fields", () => {
    const r = parseDraft({ ...emptyDraft, from: "2026-01-02T03:04:05" }, undefined);
    expect(r.ok && r.filter.from).toBe(new Date("2026-01-02T03:04:05").toISOString());
    expect(parseDraft({ ...emptyDraft, type: "a.>.b", from: "nope" }, undefined)).toEqual({
      ok: false,
      problems: { type: "'>' may only be the last token", from: "must be a date and time" },
    });
    expect(parseDraft({ ...emptyDraft, from: "2026-01-02T03:04:05", to: "2026-01-01T00:00:00" }, undefined)).toEqual({
      ok: false,
      problems: { to: "must not be before from" },
    });
  });
});

describe("selection", () => {
  it("toggles one and all", () => {
    expect([...toggle(new Set(["1"]), "2")]).toEqual(["1", "2"]);
    expect([...toggle(new Set(["1", "2"]), "1")]).toEqual(["2"]);
    expect([...toggleAll(new Set(["1"]), ["1", "2", "3"])].sort()).toEqual(["1", "2", "3"]);
    expect([...toggleAll(new Set(["1", "2", "9"]), ["1", "2"])]).toEqual(["9"]);
    expect([...toggleAll(new Set(), [])]).toEqual([]);
  });

  it("forgets entries that left the list, keeping the same set when none did", () => {
    const s = new Set(["1", "2"]);
    expect(pruneSelection(s, ["1", "2", "3"])).toBe(s);
    expect([...pruneSelection(s, ["2"])]).toEqual(["2"]);
  });

  it("says what a bulk action applies to", () => {
    expect(describeTarget({ ids: ["1"] })).toBe("1 selected dead letter");
    expect(describeTarget({ ids: ["1", "2"] })).toBe("2 selected dead letters");
    expect(describeTarget({ filter: {} })).toBe("every dead letter");
    expect(describeTarget({ filter: { tenant: "acme", q: "timeout" } })).toBe(
      'every dead letter matching tenant acme, text "timeout"',
    );
  });
});
