import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type CapsuleCreatedData,
  catalog,
  DOMAINS,
  type EventDataOf,
  getCatalogEntry,
  isEventType,
  listEventTypes,
  SERVICES,
  UNKNOWN_TYPE_RULE,
  validateEventData,
} from ".";
import { renderCatalogDoc } from "./doc";

const SEED_TYPES = [
  "com.anumate.capsule.created",
  "com.anumate.capsule.updated",
  "com.anumate.capsule.deleted",
  "com.anumate.capsule.published",
  "com.anumate.policy.created",
  "com.anumate.policy.updated",
  "com.anumate.policy.violated",
  "com.anumate.policy.enforced",
  "com.anumate.execution.started",
  "com.anumate.execution.completed",
  "com.anumate.execution.failed",
  "com.anumate.execution.paused",
  "com.anumate.approval.requested",
  "com.anumate.approval.granted",
  "com.anumate.approval.rejected",
];

/** A copy of a type's example with some fields replaced (`undefined` removes the field). */
function exampleWith(type: string, changes: Record<string, unknown>): Record<string, unknown> {
  const entry = getCatalogEntry(type);
  if (entry === undefined) throw new Error(`no entry ${type}`);
  const data: Record<string, unknown> = { ...entry.example, ...changes };
  for (const [k, v] of Object.entries(changes)) if (v === undefined) delete data[k];
  return data;
}

function problems(type: string, data: unknown) {
  const r = validateEventData(type, data);
  if (r.ok) throw new Error(`expected ${type} data to be rejected`);
  return r.problems;
}

describe("catalog contents", () => {
  it("holds every type of the seed", () => {
    expect(listEventTypes()).toEqual(expect.arrayContaining(SEED_TYPES));
  });

  it("names every type com.anumate.<domain>.<verb>", () => {
    for (const type of listEventTypes()) expect(type).toMatch(/^com\.anumate\.[a-z]+\.[a-z_]+$/);
  });

  it("holds no type twice", () => {
    const types = listEventTypes();
    expect(new Set(types).size).toBe(types.length);
  });

  it("lists the types in catalog order", () => {
    expect(listEventTypes()).toEqual(catalog.map((e) => e.type));
    expect(listEventTypes()).toHaveLength(21);
  });

  it.each(catalog.map((e) => [e.type, e] as const))("%s: domain, producer and one-sentence description", (type, e) => {
    expect(e.domain).toBe(type.split(".")[2]);
    expect(DOMAINS).toContain(e.domain);
    expect(SERVICES).toContain(e.service);
    expect(e.description).toMatch(/^[A-Z][^\n]{10,160}\.$/);
    expect(e.description).not.toMatch(/\.\s+[A-Z]/); // a second sentence
  });

  it.each(catalog.map((e) => [e.type, e] as const))("%s: the example passes its schema and is plain JSON", (type, e) => {
    expect(e.schema.safeParse(e.example).success).toBe(true);
    const r = validateEventData(type, JSON.parse(JSON.stringify(e.example)));
    expect(r).toEqual({ ok: true, data: e.example });
  });

  it.each(catalog.map((e) => [e.type] as const))("%s: the schema requires fields and rejects unknown ones", (type) => {
    const empty = problems(type, {});
    expect(empty.length).toBeGreaterThan(0);
    expect(empty.every((p) => p.field.startsWith("data.") && p.rule === "is required")).toBe(true);
    expect(problems(type, exampleWith(type, { tenantId: "acme" }))).toEqual([
      { field: "data.tenantId", rule: "is not a known field" },
    ]);
  });

  it("is frozen", () => {
    expect(Object.isFrozen(catalog)).toBe(true);
    expect(catalog.every((e) => Object.isFrozen(e))).toBe(true);
  });

  it("stays isomorphic: imports only zod, vitest/node in tests, and its own modules", () => {
    const dir = new URL(".", import.meta.url);
    for (const file of readdirSync(dir).filter((f) => f.endsWith(".ts"))) {
      const source = readFileSync(new URL(file, dir), "utf8");
      const imports = [...source.matchAll(/^\s*(?:import|export)\b[^;]*?from\s+"([^"]+)"/gm)].map((m) => m[1]);
      const allowed = file.endsWith(".test.ts") ? /^(zod|vitest|node:fs|\.{1,2}(\/[\w.-]+)?)$/ : /^(zod|\.\/[\w.-]+)$/;
      for (const spec of imports) expect(spec, `${file} imports ${spec}`).toMatch(allowed);
    }
  });
});

describe("getCatalogEntry", () => {
  it("finds a type's entry", () => {
    const e = getCatalogEntry("com.anumate.capsule.created");
    expect(e.service).toBe("capsule-registry");
    expect(e.domain).toBe("capsule");
    expect(e.example.capsuleId).toBe("cap_01J9Z6Q3M4T8");
  });

  it("answers undefined for a type outside the catalog", () => {
    expect(getCatalogEntry("com.anumate.capsule.exploded")).toBeUndefined();
    expect(getCatalogEntry("com.anumate.Capsule.created")).toBeUndefined();
    expect(isEventType("com.anumate.capsule.exploded")).toBe(false);
    expect(isEventType("com.anumate.capsule.created")).toBe(true);
  });
});

describe("validateEventData", () => {
  const created = "com.anumate.capsule.created";

  it("returns the typed data when it passes", () => {
    const r = validateEventData(created, exampleWith(created, { description: undefined }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const data: CapsuleCreatedData = r.data;
    expect(data.capsuleName).toBe("invoice-reconciliation");
    expect(data.description).toBeUndefined();
  });

  it("names a field of the wrong type", () => {
    expect(problems(created, exampleWith(created, { capsuleId: 42 }))).toEqual([
      { field: "data.capsuleId", rule: "must be a string" },
    ]);
  });

  it("names a missing required field", () => {
    expect(problems(created, exampleWith(created, { author: undefined }))).toEqual([
      { field: "data.author", rule: "is required" },
    ]);
  });

  it("names every bad field at once", () => {
    const ps = problems(created, exampleWith(created, { capsuleName: " ", version: "1.0", createdAt: "2025-03-14 09:26" }));
    expect(ps.map((p) => p.field)).toEqual(["data.capsuleName", "data.version", "data.createdAt"]);
    expect(ps.map((p) => p.rule)).toEqual([
      "must not be blank",
      "must be a semantic version, e.g. 1.4.0",
      "must be an RFC 3339 date-time with a time zone, e.g. 2025-03-14T09:26:53Z",
    ]);
  });

  it("names nested fields and array items by dotted path", () => {
    expect(problems(created, exampleWith(created, { author: { kind: "robot", id: "usr_1" } }))).toEqual([
      { field: "data.author.kind", rule: 'must be one of "user", "service"' },
    ]);
    const requested = "com.anumate.approval.requested";
    expect(problems(requested, exampleWith(requested, { approvers: ["grp_finance", "has space"] }))).toEqual([
      { field: "data.approvers.1", rule: "must be an id: 1 to 128 letters, digits, '.', '_', ':' or '-'" },
    ]);
    const started = "com.anumate.execution.started";
    expect(
      problems(started, exampleWith(started, { parameters: { "bad key": 1, ok: [1, { a: null }], when: new Date(0) } })),
    ).toEqual([
      { field: "data.parameters.bad key", rule: "must be a name: 1 to 64 letters, digits or '_', not starting with a digit" },
      { field: "data.parameters.when", rule: "must be a JSON value" },
    ]);
  });

  it("names each unknown field, so typos surface", () => {
    expect(problems(created, exampleWith(created, { capsuleId: undefined, capsuleID: "cap_1" }))).toEqual([
      { field: "data.capsuleId", rule: "is required" },
      { field: "data.capsuleID", rule: "is not a known field" },
    ]);
  });

  it("names data itself when it is not an object", () => {
    expect(problems(created, undefined)).toEqual([{ field: "data", rule: "is required" }]);
    expect(problems(created, null)).toEqual([{ field: "data", rule: "must be an object" }]);
    expect(problems(created, [])).toEqual([{ field: "data", rule: "must be an object" }]);
    expect(problems(created, "cap_1")).toEqual([{ field: "data", rule: "must be an object" }]);
  });

  it("phrases bounds", () => {
    const failed = "com.anumate.execution.failed";
    expect(problems(failed, exampleWith(failed, { attempt: 0 }))).toEqual([
      { field: "data.attempt", rule: "must be at least 1" },
    ]);
    expect(problems(failed, exampleWith(failed, { attempt: 1.5 }))).toEqual([
      { field: "data.attempt", rule: "must be an integer" },
    ]);
    expect(problems(failed, exampleWith(failed, { retryable: "yes" }))).toEqual([
      { field: "data.retryable", rule: "must be a boolean" },
    ]);
    expect(problems(failed, exampleWith(failed, { error: { code: "boom", message: "x".repeat(2001) } }))).toEqual([
      { field: "data.error.code", rule: "must be an UPPER_SNAKE_CASE code" },
      { field: "data.error.message", rule: "must be at most 2000 characters" },
    ]);
  });

  it("checks rules across fields, on the field to fix", () => {
    const paused = "com.anumate.execution.paused";
    expect(problems(paused, exampleWith(paused, { policyId: undefined }))).toEqual([
      { field: "data.policyId", rule: "is required when reason is policy" },
    ]);
    expect(validateEventData(paused, exampleWith(paused, { reason: "manual", policyId: undefined })).ok).toBe(true);

    const requested = "com.anumate.approval.requested";
    expect(problems(requested, exampleWith(requested, { expiresAt: "2025-03-21T10:15:06Z" }))).toEqual([
      { field: "data.expiresAt", rule: "must be after requestedAt" },
    ]);
    // a malformed time is one problem, not also an ordering one
    expect(problems(requested, exampleWith(requested, { requestedAt: "yesterday" })).map((p) => p.field)).toEqual([
      "data.requestedAt",
    ]);
    expect(problems(requested, exampleWith(requested, { requiredApprovals: 2 }))).toEqual([
      { field: "data.requiredApprovals", rule: "must not exceed the number of approvers" },
    ]);

    const updated = "com.anumate.policy.updated";
    expect(problems(updated, exampleWith(updated, { previousRevision: 2 }))).toEqual([
      { field: "data.revision", rule: "must be greater than previousRevision" },
    ]);

    const enforced = "com.anumate.policy.enforced";
    expect(problems(enforced, exampleWith(enforced, { executionId: undefined }))).toEqual([
      { field: "data.executionId", rule: "is required when action is approval_required" },
    ]);
    expect(validateEventData(enforced, exampleWith(enforced, { action: "blocked", executionId: undefined })).ok).toBe(true);

    const completed = "com.anumate.execution.completed";
    expect(problems(completed, exampleWith(completed, { completedAt: "2025-03-21T10:14:59+00:00" }))).toEqual([
      { field: "data.completedAt", rule: "must not be before startedAt" },
    ]);
    // offsets are compared as instants: 12:15+02:00 is 10:15Z
    expect(validateEventData(completed, exampleWith(completed, { completedAt: "2025-03-21T12:15:00+02:00" })).ok).toBe(true);
  });

  it("answers a type outside the catalog with one problem on the field type", () => {
    expect(validateEventData("com.anumate.capsule.exploded", { capsuleId: "cap_1" })).toEqual({
      ok: false,
      problems: [{ field: "type", rule: UNKNOWN_TYPE_RULE }],
    });
    expect(validateEventData("", {})).toEqual({ ok: false, problems: [{ field: "type", rule: UNKNOWN_TYPE_RULE }] });
  });

  it("infers each type's data shape", () => {
    const r = validateEventData("com.anumate.approval.rejected", getCatalogEntry("com.anumate.approval.rejected").example);
    if (!r.ok) throw new Error("example rejected");
    const data: EventDataOf<"com.anumate.approval.rejected"> = r.data;
    expect(data.reason).toMatch(/supplier/);
  });
});

describe("docs/catalog.md", () => {
  it("is the generated text (npx tsx scripts/catalog-doc.ts > docs/catalog.md)", () => {
    const committed = readFileSync(new URL("../../docs/catalog.md", import.meta.url), "utf8");
    expect(committed, "docs/catalog.md is stale: run npx tsx scripts/catalog-doc.ts > docs/catalog.md").toBe(renderCatalogDoc());
  });

  it("has one row per type with its producer and description", () => {
    const doc = renderCatalogDoc();
    for (const e of catalog) expect(doc).toContain(`| \`${e.type}\` | ${e.service} | ${e.description} |`);
  });

  it("keeps a table cell whole", () => {
    expect(renderCatalogDoc([{ type: "com.anumate.x.y", service: "s", description: "a | b\nc." }])).toContain(
      "| `com.anumate.x.y` | s | a \\| b c. |",
    );
  });
});
