import { describe, expect, it } from "vitest";
import { getCatalogEntry } from "@/lib/catalog";
import { buildEvent, formFieldOf, initialValues, newEventId } from "./publish-model";

const meta = { id: "0b6f7a1e-1111-4222-8333-944455556666", time: "2025-03-14T09:26:53.000Z" };

describe("initialValues", () => {
  it("starts from the type's producer and example", () => {
    const v = initialValues("com.anumate.capsule.created", "acme");
    expect(v.source).toBe("/capsule-registry");
    expect(v.tenant).toBe("acme");
    expect(JSON.parse(v.dataText)).toEqual(getCatalogEntry("com.anumate.capsule.created").example);
    expect(initialValues("com.anumate.approval.granted", undefined)).toMatchObject({ source: "/approvals", tenant: "" });
  });
});

describe("buildEvent", () => {
  it("builds a structured-mode event, extensions only when filled", () => {
    const v = { ...initialValues("com.anumate.capsule.created", "acme"), subject: " cap_1 ", correlationId: "corr-1" };
    const r = buildEvent(v, meta);
    expect(r).toEqual({
      ok: true,
      event: {
        specversion: "1.0",
        id: meta.id,
        source: "/capsule-registry",
        type: "com.anumate.capsule.created",
        time: meta.time,
        datacontenttype: "application/json",
        subject: "cap_1",
        tenantid: "acme",
        correlationid: "corr-1",
        data: getCatalogEntry("com.anumate.capsule.created").example,
      },
    });
    const bare = buildEvent(initialValues("com.anumate.capsule.created", undefined), meta);
    expect(bare.ok && Object.keys(bare.event)).not.toContain("tenantid");
    expect(bare.ok && Object.keys(bare.event)).not.toContain("subject");
  });

  it("names data problems by field, from the catalog's schema", () => {
    const v = initialValues("com.anumate.capsule.created", undefined);
    const data = JSON.parse(v.dataText);
    delete data.capsuleId;
    data.version = "1.0";
    const r = buildEvent({ ...v, dataText: JSON.stringify(data) }, meta);
    expect(r).toEqual({
      ok: false,
      problems: [
        { field: "data.capsuleId", rule: "is required" },
        { field: "data.version", rule: "must be a semantic version, e.g. 1.4.0" },
      ],
    });
  });

  it("names data that is not JSON, and a missing source", () => {
    const r = buildEvent({ ...initialValues("com.anumate.capsule.created", undefined), dataText: "{ nope", source: " " }, meta);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.field)).toEqual(["source", "data"]);
    expect(r.problems[1]?.rule).toMatch(/^must be valid JSON/);
  });
});

describe("formFieldOf", () => {
  it("maps the event's attribute names to the form's fields", () => {
    expect(formFieldOf("tenantid")).toBe("tenant");
    expect(formFieldOf("correlationid")).toBe("correlationId");
    expect(formFieldOf("source")).toBe("source");
    expect(formFieldOf("data.capsuleId")).toBe("data.capsuleId");
  });
});

describe("newEventId", () => {
  it("makes a v4 UUID, with or without crypto.randomUUID", () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(newEventId()).toMatch(uuid);
    const noRandomUUID = { getRandomValues: (a: Uint8Array) => globalThis.crypto.getRandomValues(a) } as unknown as Crypto;
    const ids = new Set(Array.from({ length: 50 }, () => newEventId(noRandomUUID)));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(uuid);
  });
});
