import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanup, startTestApp, type TestApp, testConfig } from "../server/testing/fixtures";
import { createHttpServer, type HttpServer } from "../server/transport/http/server";

/** Security headers on every answer of the custom server, and the redacted configuration view. */

const ADMIN = `admin-${randomBytes(12).toString("hex")}`;
let app: TestApp;
let withPages: HttpServer;
let pagesUrl = "";

beforeAll(async () => {
  app = await startTestApp(testConfig({ AUTH_DISABLED: "false", ADMIN_API_KEY: ADMIN, MAX_EVENT_BYTES: "1024" }));
  // the same server with a stand-in for Next: it shows what Next would see and answers HTML
  withPages = createHttpServer(app.container, (req, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(`<html><body data-csp="${req.headers["content-security-policy"] ?? ""}"></body></html>`);
  });
  pagesUrl = `http://127.0.0.1:${await withPages.listen(0, "127.0.0.1")}`;
});
afterAll(async () => {
  await withPages?.close(1000);
  await app?.stop();
  if (app) await cleanup(app.config);
});

const API_CSP = "default-src 'none'; frame-ancestors 'none'";

function expectCommon(h: Headers, what: string): void {
  expect(h.get("x-content-type-options"), what).toBe("nosniff");
  expect(h.get("referrer-policy"), what).toBe("no-referrer");
  expect(h.get("x-frame-options"), what).toBe("DENY");
}

describe("API answers", () => {
  it("every kind of answer carries nosniff, no-referrer, DENY and the API policy", async () => {
    const auth = { authorization: `Bearer ${ADMIN}` };
    const answers: [string, Promise<Response>][] = [
      ["200 health", fetch(`${app.url}/api/health`)],
      ["200 metrics", fetch(`${app.url}/metrics`)],
      ["401", fetch(`${app.url}/api/events`)],
      ["404", fetch(`${app.url}/api/nope`, { headers: auth })],
      ["405", fetch(`${app.url}/api/health`, { method: "DELETE" })],
      [
        "400",
        fetch(`${app.url}/api/events`, {
          method: "POST",
          headers: { ...auth, "content-type": "application/cloudevents+json" },
          body: "{",
        }),
      ],
      [
        "413",
        fetch(`${app.url}/api/events`, {
          method: "POST",
          headers: { ...auth, "content-type": "application/cloudevents+json" },
          body: "x".repeat(200_000),
        }),
      ],
      [
        "202",
        fetch(`${app.url}/api/events`, {
          method: "POST",
          headers: { ...auth, "content-type": "application/cloudevents+json" },
          body: JSON.stringify({ specversion: "1.0", id: "h1", source: "/h", type: "t" }),
        }),
      ],
      ["204", fetch(`${app.url}/api/session`, { method: "DELETE" })],
    ];
    for (const [what, p] of answers) {
      const res = await p;
      expect(String(res.status), what).toBe(what.split(" ")[0]);
      expectCommon(res.headers, what);
      expect(res.headers.get("content-security-policy"), what).toBe(API_CSP);
      await res.arrayBuffer();
    }
  });

  it("the SSE stream carries them too", async () => {
    const ctl = new AbortController();
    const res = await fetch(`${app.url}/api/stream`, { headers: { authorization: `Bearer ${ADMIN}` }, signal: ctl.signal });
    expect(res.status).toBe(200);
    expectCommon(res.headers, "sse");
    expect(res.headers.get("content-security-policy")).toBe(API_CSP);
    ctl.abort();
  });
});

describe("page answers (through the fallback, as Next serves them)", () => {
  it("carry the console policy, and the renderer never sees a client's CSP header (Next would take its nonce)", async () => {
    const res = await fetch(`${pagesUrl}/explorer`, {
      headers: { "content-security-policy": "script-src 'nonce-chosenbyclient'" },
    });
    expect(res.status).toBe(200);
    expectCommon(res.headers, "page");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toMatch(/^default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self'; /);
    expect(csp).not.toContain("unsafe-eval");
    for (const d of [
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ])
      expect(csp).toContain(d);
    expect(await res.text()).toContain('data-csp=""');
  });
});

describe("GET /api/config", () => {
  it("shows the configuration redacted, to admins of all tenants only", async () => {
    const res = await fetch(`${app.url}/api/config`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(200);
    expectCommon(res.headers, "config");
    const text = await res.text();
    expect(text).not.toContain(ADMIN);
    const cfg = JSON.parse(text) as Record<string, unknown>;
    expect(cfg.ADMIN_API_KEY).toBe("[redacted]");
    expect(cfg.STREAM_NAME).toBe(app.config.STREAM_NAME);

    expect((await fetch(`${app.url}/api/config`)).status).toBe(401);
    const mk = async (body: object) => {
      const r = await fetch(`${app.url}/api/keys`, {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "cfg", ...body }),
      });
      return ((await r.json()) as { key: string }).key;
    };
    const tenantAdmin = await mk({ tenant: "acme", roles: ["admin"] });
    const operator = await mk({ roles: ["operator"] });
    const denied = await fetch(`${app.url}/api/config`, { headers: { authorization: `Bearer ${tenantAdmin}` } });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
    expect((await fetch(`${app.url}/api/config`, { headers: { authorization: `Bearer ${operator}` } })).status).toBe(403);
  });
});
