import { afterEach, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { ApiError, apiErrorFrom, authHeaders, codeForStatus, fetchJson, jsonBody, setAuthTokenProvider } from "./api-client";

const schema = z.object({ items: z.array(z.number()) });

function answer(status: number, body: unknown, raw = false): Response {
  return new Response(raw ? (body as string) : JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

afterEach(() => {
  vi.unstubAllGlobals();
  setAuthTokenProvider(() => undefined);
});

describe("fetchJson", () => {
  it("parses a 2xx answer with the schema", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => answer(200, { items: [1, 2] })),
    );
    await expect(fetchJson("/api/x", schema)).resolves.toEqual({ items: [1, 2] });
  });

  it("turns an error answer into an ApiError with its code and details, never an empty list", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        answer(403, {
          error: { code: "FORBIDDEN", message: "not yours", details: [{ field: "tenant", rule: "must be yours" }] },
        }),
      ),
    );
    const e = await fetchJson("/api/x", schema).catch((x) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({
      status: 403,
      code: "FORBIDDEN",
      message: "not yours",
      details: [{ field: "tenant", rule: "must be yours" }],
    });
  });

  it("reads the code from the status when the body has none", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => answer(404, "<html>Not found</html>", true)),
    );
    await expect(fetchJson("/api/x", schema)).rejects.toMatchObject({ code: "NOT_FOUND", message: "HTTP 404" });
  });

  it("accepts listed error statuses (health answers 503 with a body)", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => answer(503, { items: [] })),
    );
    await expect(fetchJson("/api/x", schema, { acceptStatuses: [503] })).resolves.toEqual({ items: [] });
  });

  it("refuses an answer that does not match the schema", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => answer(200, { items: "nope" })),
    );
    await expect(fetchJson("/api/x", schema)).rejects.toMatchObject({ code: "INTERNAL" });
  });

  it("reports an unreachable API as UNAVAILABLE, and lets aborts through", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => Promise.reject(new TypeError("fetch failed"))),
    );
    await expect(fetchJson("/api/x", schema)).rejects.toMatchObject({ code: "UNAVAILABLE", status: 0 });
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => Promise.reject(new DOMException("aborted", "AbortError"))),
    );
    await expect(fetchJson("/api/x", schema)).rejects.toMatchObject({ name: "AbortError" });
  });

  it("sends the API key from the one auth hook, and JSON bodies with their type", async () => {
    const f = vi.fn(async (_url: string, _init?: RequestInit) => answer(200, { items: [] }));
    vi.stubGlobal("fetch", f);
    expect(authHeaders()).toEqual({});
    setAuthTokenProvider(() => "k-123");
    await fetchJson("/api/x", schema, jsonBody("POST", { a: 1 }, "application/cloudevents+json"));
    const init = f.mock.calls[0]?.[1];
    expect(init?.method).toBe("POST");
    expect(init?.body).toBe('{"a":1}');
    expect(init?.headers).toMatchObject({
      accept: "application/json",
      authorization: "Bearer k-123",
      "content-type": "application/cloudevents+json",
    });
  });
});

describe("error mapping", () => {
  it("maps statuses to codes", () => {
    expect(codeForStatus(400)).toBe("VALIDATION");
    expect(codeForStatus(409)).toBe("CONFLICT");
    expect(codeForStatus(418)).toBe("VALIDATION");
    expect(codeForStatus(502)).toBe("INTERNAL");
    expect(codeForStatus(503)).toBe("UNAVAILABLE");
  });

  it("keeps only well-formed details", () => {
    const e = apiErrorFrom(400, {
      error: { code: "VALIDATION", message: "m", details: [{ field: "a", rule: "r" }, { oops: 1 }, "x"] },
    });
    expect(e.details).toEqual([{ field: "a", rule: "r" }]);
    expect(apiErrorFrom(400, { error: { code: "NOPE" } }).code).toBe("VALIDATION");
  });
});
