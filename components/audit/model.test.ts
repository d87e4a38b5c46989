import { describe, expect, it } from "vitest";
import { auditUrl } from "@/lib/queries/audit";
import { detailsLine, emptyAuditDraft, parseAuditDraft } from "./model";

describe("audit filters", () => {
  it("builds the query with the switcher's tenant", () => {
    const r = parseAuditDraft({ ...emptyAuditDraft, actor: " admin ", action: "dead-letter.requeue" }, "acme");
    expect(r).toEqual({ ok: true, filter: { tenant: "acme", actor: "admin", action: "dead-letter.requeue" } });
    expect(r.ok && auditUrl(r.filter, 50, "17")).toBe(
      "/api/audit?actor=admin&action=dead-letter.requeue&tenant=acme&limit=50&cursor=17",
    );
  });

  it("names bad fields", () => {
    expect(parseAuditDraft({ ...emptyAuditDraft, from: "x", actor: "a".repeat(201) }, undefined)).toEqual({
      ok: false,
      problems: { actor: "must be at most 200 characters", from: "must be a date and time" },
    });
  });

  it("puts details on one line", () => {
    expect(detailsLine({ eventId: "e1", count: 3, filter: { tenant: "a" } })).toBe('eventId=e1 count=3 filter={"tenant":"a"}');
    expect(detailsLine({})).toBe("");
  });
});
