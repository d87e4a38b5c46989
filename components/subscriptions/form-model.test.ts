import { describe, expect, it } from "vitest";
import type { SubscriptionDto } from "@/lib/contracts/subscriptions";
import { emptyForm, formFromSubscription, splitPatterns, toCreateInput, toPatch } from "./form-model";

const base = { ...emptyForm("acme"), name: "billing-hook", url: "http://127.0.0.1:9/hook" };

describe("toCreateInput", () => {
  it("sends only what was filled; the server fills the defaults", () => {
    expect(toCreateInput(base)).toEqual({
      ok: true,
      value: {
        name: "billing-hook",
        tenant: "acme",
        target: { type: "push", url: "http://127.0.0.1:9/hook" },
        startAt: { type: "new" },
      },
    });
  });

  it("reads patterns, numbers, filters and the start position", () => {
    const r = toCreateInput({
      ...base,
      types: "com.anumate.capsule.>\n com.anumate.policy.* , ",
      timeoutMs: "5000",
      maxAttempts: "3",
      jitter: "0.5",
      maxInFlight: "1",
      filters: '[{"exact": {"subject": "orders"}}]',
      startAt: "sequence",
      startValue: "42",
    });
    expect(r).toEqual({
      ok: true,
      value: {
        name: "billing-hook",
        tenant: "acme",
        types: ["com.anumate.capsule.>", "com.anumate.policy.*"],
        filters: [{ exact: { subject: "orders" } }],
        target: { type: "push", url: "http://127.0.0.1:9/hook", timeoutMs: 5000 },
        retry: { maxAttempts: 3, jitter: 0.5 },
        startAt: { type: "sequence", value: 42 },
        maxInFlight: 1,
      },
    });
  });

  it("names each problem by the API's field path, with the shared schema's rules", () => {
    const r = toCreateInput({
      ...base,
      name: "no spaces allowed",
      url: "not a url",
      jitter: "2",
      types: "com.anu*",
      maxAttempts: "three",
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual(
      expect.arrayContaining([
        { field: "retry.maxAttempts", rule: "must be a number" },
        { field: "name", rule: "must be 1-64 characters of A-Z, a-z, 0-9, _ or -" },
        { field: "types.0", rule: "must use '*' and '>' only as whole tokens, '>' only last" },
        { field: "target.url", rule: "must be an http(s) URL" },
        { field: "retry.jitter", rule: "must be 0 to 1" },
      ]),
    );
    // one problem per field: the schema's generic "expected number" is not repeated
    expect(r.problems.filter((p) => p.field === "retry.maxAttempts")).toHaveLength(1);
  });

  it("needs a value for a time or sequence start, and valid JSON filters", () => {
    const r = toCreateInput({ ...base, startAt: "time", filters: "[{" });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.map((p) => p.field)).toEqual(["filters", "startAt.value"]);
    const t = toCreateInput({ ...base, startAt: "time", startValue: "2025-03-14 09:26" });
    expect(!t.ok && t.problems).toEqual([{ field: "startAt.value", rule: "must be an RFC 3339 timestamp" }]);
  });

  it("has no URL for WebSocket and internal targets", () => {
    const r = toCreateInput({ ...base, targetType: "websocket", url: "ignored" });
    expect(r.ok && r.value.target).toEqual({ type: "websocket" });
  });
});

const stored: SubscriptionDto = {
  id: "sub_1",
  name: "billing-hook",
  tenant: "acme",
  types: ["com.anumate.capsule.>"],
  queueGroup: "billing-hook",
  target: { type: "push", url: "http://127.0.0.1:9/hook", timeoutMs: 10_000 },
  retry: { maxAttempts: 5, initialDelayMs: 1000, multiplier: 2, maxDelayMs: 60_000, jitter: 0.2, ackWaitMs: 30_000 },
  startAt: { type: "sequence", value: 7 },
  maxInFlight: 100,
  circuit: { failureThreshold: 5, cooldownMs: 30_000 },
  state: "active",
  createdAt: "2025-03-14T09:26:53Z",
  updatedAt: "2025-03-14T09:26:53Z",
};

describe("editing", () => {
  it("shows a stored subscription and patches what may change, every editable field", () => {
    const form = formFromSubscription(stored);
    expect(form).toMatchObject({
      name: "billing-hook",
      types: "com.anumate.capsule.>",
      startAt: "sequence",
      startValue: "7",
      jitter: "0.2",
    });
    expect(toPatch({ ...form, maxInFlight: "7", types: "" })).toEqual({
      ok: true,
      value: {
        types: [],
        filters: [],
        queueGroup: "billing-hook",
        target: { type: "push", url: "http://127.0.0.1:9/hook", timeoutMs: 10_000 },
        retry: { maxAttempts: 5, initialDelayMs: 1000, multiplier: 2, maxDelayMs: 60_000, jitter: 0.2, ackWaitMs: 30_000 },
        maxInFlight: 7,
      },
    });
  });

  it("checks a patch with the shared schema", () => {
    const r = toPatch({ ...formFromSubscription(stored), maxDelayMs: "10", initialDelayMs: "500" });
    expect(!r.ok && r.problems).toEqual([{ field: "retry.maxDelayMs", rule: "must be >= initialDelayMs" }]);
  });
});

describe("splitPatterns", () => {
  it("splits on lines and commas", () => {
    expect(splitPatterns(" a.b \n\n c.*, d.> ")).toEqual(["a.b", "c.*", "d.>"]);
  });
});
