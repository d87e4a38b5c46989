import { describe, expect, it } from "vitest";
import { z } from "zod";
import { detailsFromZod, errorsFor, groupDetails, hasErrors, otherErrors } from "./field-errors";

describe("field errors", () => {
  const details = [
    { field: "target.url", rule: "must be an http(s) URL" },
    { field: "retry.jitter", rule: "must be 0 to 1" },
    { field: "retry.jitter", rule: "must be 0 to 1" },
    { field: "tenantid", rule: "must be 1-64 characters" },
    { field: "body", rule: "must be valid JSON" },
  ];

  it("groups by field without repeats, renaming wire fields to form fields", () => {
    const g = groupDetails(details, (f) => (f === "tenantid" ? "tenant" : undefined));
    expect(g).toEqual({
      "target.url": ["must be an http(s) URL"],
      "retry.jitter": ["must be 0 to 1"],
      tenant: ["must be 1-64 characters"],
      body: ["must be valid JSON"],
    });
    expect(hasErrors(g)).toBe(true);
    expect(hasErrors({})).toBe(false);
  });

  it("finds a field's errors, with its nested fields when asked", () => {
    const g = groupDetails([...details, { field: "retry", rule: "is invalid" }]);
    expect(errorsFor(g, "retry")).toEqual(["is invalid"]);
    expect(errorsFor(g, "retry", true)).toEqual(["is invalid", "jitter: must be 0 to 1"]);
    expect(errorsFor(g, "name")).toEqual([]);
  });

  it("lists what no control shows", () => {
    expect(otherErrors(groupDetails(details), ["target", "retry", "tenantid"])).toEqual([
      { field: "body", rule: "must be valid JSON" },
    ]);
  });

  it("turns zod issues into API-style details", () => {
    const r = z
      .object({ a: z.object({ b: z.number() }), c: z.string().min(2, "too short") })
      .safeParse({ a: { b: "x" }, c: "1" });
    expect(r.success).toBe(false);
    if (r.success) return;
    expect(detailsFromZod(r.error).map((d) => d.field)).toEqual(["a.b", "c"]);
    expect(detailsFromZod(r.error)[1]).toEqual({ field: "c", rule: "too short" });
    const whole = z.string().safeParse(1);
    if (!whole.success) expect(detailsFromZod(whole.error, "data.")[0]?.field).toBe("data.body");
  });
});
