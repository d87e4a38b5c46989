import { describe, expect, it } from "vitest";
import { emptyKeyForm, splitList, toKeyInput } from "./key-form";

describe("key form", () => {
  it("builds the API input, leaving empty fields out", () => {
    expect(toKeyInput({ name: " ci ", tenant: "", roles: ["publisher"], types: "" })).toEqual({
      ok: true,
      value: { name: "ci", roles: ["publisher"] },
    });
    expect(toKeyInput({ name: "acme", tenant: "acme", roles: ["operator", "subscriber"], types: "a.b.*,\n c.>\n" })).toEqual({
      ok: true,
      value: { name: "acme", tenant: "acme", roles: ["operator", "subscriber"], types: ["a.b.*", "c.>"] },
    });
  });

  it("names each problem on its field", () => {
    const r = toKeyInput({ ...emptyKeyForm(), tenant: "not ok!" });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const fields = r.problems.map((p) => p.field).sort();
    expect(fields).toEqual(["name", "roles", "tenant"]);
    expect(r.problems.find((p) => p.field === "roles")?.rule).toBe("must hold at least one role");
  });

  it("splits lists on lines and commas", () => {
    expect(splitList(" a ,b\n\nc ")).toEqual(["a", "b", "c"]);
    expect(splitList("")).toEqual([]);
  });
});
