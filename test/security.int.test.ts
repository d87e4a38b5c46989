import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { cleanup, startTestApp, type TestApp, testConfig } from "../server/testing/fixtures";
import { routes } from "../server/transport/http/routes";

const ADMIN = `admin-${randomUUID()}`;
let app: TestApp;
let config: ReturnType<typeof testConfig>;

beforeAll(async () => {
  config = testConfig({ AUTH_DISABLED: "false", ADMIN_API_KEY: ADMIN, SESSION_TTL: "2" });
  app = await startTestApp(config);
});
afterAll(async () => {
  await app?.stop();
  if (app) await cleanup(config);
});

type Json = Record<string, unknown> & { error?: { code: string; details?: { field: string; rule: string }[] } };
async function call(
  method: string,
  path: string,
  key: string | undefined,
  body?: unknown,
  headers: Record<string, string> = {},
  base = app.url,
) {
  const res = await fetch(base + path, {
    method,
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Json = {};
  try {
    json = text ? (JSON.parse(text) as Json) : {};
  } catch {
    json = { raw: text };
  }
  return { status: res.status, body: json, headers: res.headers };
}

async function newKey(input: Record<string, unknown>): Promise<string> {
  const r = await call("POST", "/api/keys", ADMIN, { name: `k-${randomUUID().slice(0, 6)}`, ...input });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.key as string;
}

const ce = (extra: Record<string, unknown> = {}) => ({
  specversion: "1.0",
  id: randomUUID(),
  source: "/tests/security",
  type: "com.anumate.sec.x",
  ...extra,
});
const publish = (key: string | undefined, e: Record<string, unknown>) =>
  call("POST", "/api/events", key, JSON.stringify(e), { "content-type": "application/cloudevents+json" });

describe("API keys", () => {
  it("refuses requests without a valid key (401 with the JSON error shape); health stays public", async () => {
    const none = await publish(undefined, ce());
    expect(none.status).toBe(401);
    expect(none.body.error?.code).toBe("UNAUTHENTICATED");
    expect((await publish("anm_000000000000_notarealsecretnotarealsecret", ce())).status).toBe(401);
    expect((await call("GET", "/api/events", "Basic abc")).status).toBe(401);
    expect((await call("GET", "/api/health", undefined)).status).toBe(200);
    expect((await publish(ADMIN, ce())).status).toBe(202);
  });

  it("shows a new key once, lists keys without secrets, and a revoked key is refused at once on every replica", async () => {
    const other = await startTestApp(config);
    try {
      const created = await call("POST", "/api/keys", ADMIN, { name: "svc", tenant: "acme", roles: ["publisher"] });
      expect(created.status).toBe(201);
      const key = created.body.key as string;
      expect(key).toMatch(/^anm_[0-9a-f]{12}_/);
      const list = await call("GET", "/api/keys", ADMIN);
      expect(JSON.stringify(list.body)).not.toContain(key.split("_").slice(2).join("_"));
      expect((list.body.items as { id: string }[]).some((k) => k.id === created.body.id)).toBe(true);
      expect((await publish(key, ce({ tenantid: "acme" }))).status).toBe(202);
      // the other replica learns of the new key through NATS KV (it was polling this replica, then
      // asking the other once: a slow KV watch made that one a 401 now and then)
      const publishViaOther = () =>
        call(
          "POST",
          "/api/events",
          key,
          JSON.stringify(ce({ tenantid: "acme" })),
          { "content-type": "application/cloudevents+json" },
          other.url,
        );
      const until = Date.now() + 5000;
      let viaOther = await publishViaOther();
      while (viaOther.status !== 202 && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 50));
        viaOther = await publishViaOther();
      }
      expect(viaOther.status).toBe(202);
      expect((await call("DELETE", `/api/keys/${created.body.id}`, ADMIN)).status).toBe(204);
      expect((await publish(key, ce({ tenantid: "acme" }))).status).toBe(401);
      const end = Date.now() + 2000;
      let status = 0;
      do status = (await publishViaOther()).status;
      while (status !== 401 && Date.now() < end);
      expect(status).toBe(401);
    } finally {
      await other.stop();
    }
  });

  it("enforces roles and allowed types", async () => {
    const publisher = await newKey({ tenant: "acme", roles: ["publisher"], types: ["com.anumate.sec.*"] });
    const subscriber = await newKey({ tenant: "acme", roles: ["subscriber"] });
    const operator = await newKey({ tenant: "acme", roles: ["operator"] });
    expect((await publish(publisher, ce({ tenantid: "acme" }))).status).toBe(202);
    const wrongType = await publish(publisher, ce({ tenantid: "acme", type: "com.anumate.other.x" }));
    expect(wrongType.status).toBe(403);
    expect(wrongType.body.error?.details?.[0]?.field).toBe("type");
    expect((await call("GET", "/api/events?tenant=acme", publisher)).status).toBe(403);
    expect((await call("GET", "/api/events?tenant=acme", subscriber)).status).toBe(200);
    expect((await publish(subscriber, ce({ tenantid: "acme" }))).status).toBe(403);
    expect((await call("POST", "/api/subscriptions", subscriber, { name: "nope", target: { type: "internal" } })).status).toBe(
      403,
    );
    const sub = await call("POST", "/api/subscriptions", operator, {
      name: `op-${randomUUID().slice(0, 6)}`,
      tenant: "acme",
      target: { type: "internal" },
    });
    expect(sub.status).toBe(201);
    expect((await call("GET", "/api/keys", operator)).status).toBe(403);
    // a tenant-scoped key cannot subscribe to all tenants
    expect((await call("POST", "/api/subscriptions", operator, { name: "all", target: { type: "internal" } })).status).toBe(403);
  });

  it("refuses the WebSocket upgrade without a key", async () => {
    const ws = new WebSocket(`${app.url.replace("http", "ws")}/api/ws`);
    const status = await new Promise<number>((resolve) => {
      ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
      ws.on("open", () => resolve(101));
      ws.on("error", () => {});
    });
    expect(status).toBe(401);
    const ok = new WebSocket(`${app.url.replace("http", "ws")}/api/ws`, { headers: { authorization: `Bearer ${ADMIN}` } });
    await new Promise<void>((resolve, reject) => {
      ok.on("open", () => resolve());
      ok.on("error", reject);
    });
    ok.close();
  });
});

describe("console sessions", () => {
  it("signs in with a key into an httpOnly SameSite=Strict cookie, checks Origin on mutations, signs out, expires", async () => {
    const bad = await call("POST", "/api/session", undefined, { key: "wrong" });
    expect(bad.status).toBe(401);
    const r = await call("POST", "/api/session", undefined, { key: ADMIN });
    expect(r.status).toBe(200);
    const setCookie = r.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const cookie = setCookie.split(";")[0] as string;
    const host = new URL(app.url).host;
    expect((await call("GET", "/api/events?limit=1", undefined, undefined, { cookie })).status).toBe(200);
    expect((await call("GET", "/api/session", undefined, undefined, { cookie })).body.authenticated).toBe(true);
    const foreign = await call("POST", "/api/events", undefined, JSON.stringify(ce()), {
      cookie,
      origin: "https://evil.example",
      "content-type": "application/cloudevents+json",
    });
    expect(foreign.status).toBe(403);
    const noOrigin = await call("POST", "/api/events", undefined, JSON.stringify(ce()), {
      cookie,
      "content-type": "application/cloudevents+json",
    });
    expect(noOrigin.status).toBe(403);
    const same = await call("POST", "/api/events", undefined, JSON.stringify(ce()), {
      cookie,
      origin: `http://${host}`,
      "content-type": "application/cloudevents+json",
    });
    expect(same.status).toBe(202);
    expect((await call("DELETE", "/api/session", undefined, undefined, { cookie })).status).toBe(204);
    expect((await call("GET", "/api/events?limit=1", undefined, undefined, { cookie })).status).toBe(401);
    // expiry (SESSION_TTL=2 s in this test)
    const again = await call("POST", "/api/session", undefined, { key: ADMIN });
    const c2 = (again.headers.get("set-cookie") ?? "").split(";")[0] as string;
    expect((await call("GET", "/api/events?limit=1", undefined, undefined, { cookie: c2 })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 2500));
    expect((await call("GET", "/api/events?limit=1", undefined, undefined, { cookie: c2 })).status).toBe(401);
  });
});

describe("tenant isolation on every route", () => {
  it("a key of tenant A is refused, or sees nothing, on each route used against tenant B's data", async () => {
    // tenant B's data
    const b = await call("POST", "/api/subscriptions", ADMIN, {
      name: `b-${randomUUID().slice(0, 6)}`,
      tenant: "tenant-b",
      types: ["com.anumate.sec.b"],
      target: { type: "internal" },
      retry: { maxAttempts: 1 },
    });
    const bSub = b.body.id as string;
    const bEvent = await publish(ADMIN, ce({ tenantid: "tenant-b", type: "com.anumate.sec.b" }));
    const bSeq = bEvent.body.seq as number;
    await app.container.subscriptions.attachHandler({
      ctx: { caller: "test", tenants: "*" },
      input: { id: bSub, handler: () => Promise.reject(new Error("fail")) },
    });
    let dlqId = "";
    for (let i = 0; i < 100 && !dlqId; i++) {
      const list = await call("GET", `/api/dead-letters?subscription=${bSub}`, ADMIN);
      dlqId = ((list.body.items as { id: string }[] | undefined) ?? [])[0]?.id ?? "";
      if (!dlqId) await new Promise((r) => setTimeout(r, 50));
    }
    expect(dlqId).not.toBe("");
    const replay = await call("POST", "/api/replays", ADMIN, {
      from: { sequence: bSeq },
      to: { sequence: bSeq },
      target: { type: "subscription", id: bSub },
    });
    const replayId = replay.body.id as string;
    const bulk = await call("POST", "/api/dead-letters/discard", ADMIN, { ids: ["999999999"] });
    const jobId = bulk.body.jobId as string;

    const a = await newKey({ tenant: "tenant-a", roles: ["operator", "publisher", "subscriber"] });
    const params: Record<string, string> = { id: bSub, seq: String(bSeq) };
    const results: string[] = [];
    for (const r of routes) {
      if (r.access === "public") continue;
      let path = r.path;
      if (path.startsWith("/api/dead-letters/:id")) path = path.replace(":id", dlqId);
      else if (path.startsWith("/api/jobs/:id")) path = path.replace(":id", jobId);
      else if (path.startsWith("/api/replays/:id")) path = path.replace(":id", replayId);
      else if (path.startsWith("/api/keys/:id")) path = path.replace(":id", "000000000000");
      path = path.replace(/:(\w+)/g, (_, k: string) => params[k] ?? "x");
      const bodies: Record<string, unknown> = {
        "POST /api/events": JSON.stringify(ce({ tenantid: "tenant-b" })),
        "POST /api/events/publish": { event_type: "com.anumate.sec.x", tenant_id: "tenant-b" },
        "POST /api/subscriptions": { name: "steal", tenant: "tenant-b", target: { type: "internal" } },
        "PATCH /api/subscriptions/:id": { maxInFlight: 1 },
        "POST /api/subscriptions/:id/reset": { to: { sequence: 1 } },
        "POST /api/dead-letters/requeue": { filter: { tenant: "tenant-b" } },
        "POST /api/dead-letters/discard": { filter: { tenant: "tenant-b" } },
        "POST /api/replays": { from: { sequence: 1 }, filter: { tenant: "tenant-b" }, target: { type: "stream" } },
        "POST /api/keys": { name: "x", roles: ["admin"] },
      };
      const key = `${r.method} ${r.path}`;
      const query: Record<string, string> = {
        "GET /api/events": "?tenant=tenant-b",
        "GET /api/stream": "?tenant=tenant-b",
        "GET /api/dead-letters": "?tenant=tenant-b",
        "GET /api/audit": "",
        "POST /api/events/publish": "?source=/steal",
        "GET /api/metrics/series": "?metric=published&window=15m&tenant=tenant-b",
        "GET /api/metrics/top": "?by=tenant&metric=published&window=15m",
      };
      const headers: Record<string, string> =
        r.path === "/api/events" && r.method === "POST" ? { "content-type": "application/cloudevents+json" } : {};
      const res = await call(r.method, path + (query[key] ?? ""), a, bodies[key], headers);
      const refused = res.status === 401 || res.status === 403 || res.status === 404;
      // a list may answer, with none of B's data in it
      const emptyList = r.method === "GET" && res.status === 200 && !JSON.stringify(res.body).includes("tenant-b");
      if (!refused && !emptyList) results.push(`${key} → ${res.status} ${JSON.stringify(res.body).slice(0, 120)}`);
      else if (refused) expect(res.body.error?.code, key).toMatch(/UNAUTHENTICATED|FORBIDDEN|NOT_FOUND/);
    }
    expect(results).toEqual([]);
    // and list routes without a tenant filter show A nothing of B
    const subs = await call("GET", "/api/subscriptions", a);
    expect((subs.body.items as { tenant?: string }[]).every((s) => s.tenant === "tenant-a")).toBe(true);
    const events = await call("GET", "/api/events?limit=1000", a);
    expect((events.body.items as { tenant: string }[]).every((e) => e.tenant === "tenant-a")).toBe(true);
    const dlq = await call("GET", "/api/dead-letters", a);
    expect(dlq.body.total).toBe(0);
  });
});

describe("a tenant's audit trail", () => {
  it("holds the bulk jobs and replays its own operators ran, and none of another tenant's", async () => {
    const a = await newKey({ tenant: "tenant-audit-a", roles: ["operator"] });
    const bulk = await call("POST", "/api/dead-letters/discard", a, { ids: ["999999998"] });
    expect(bulk.status).toBe(202);
    const replay = await call("POST", "/api/replays", a, { from: { sequence: 1 }, target: { type: "stream" } });
    expect(replay.status).toBe(202);
    const cancelled = await call("DELETE", `/api/jobs/${replay.body.id as string}`, a);
    expect(cancelled.status).toBe(202);
    // an admin's replay of another tenant
    const other = await call("POST", "/api/replays", ADMIN, {
      from: { sequence: 1 },
      filter: { tenant: "tenant-audit-b" },
      target: { type: "stream" },
    });
    expect(other.status).toBe(202);

    type Rec = { action: string; target: string; tenant?: string };
    let items: Rec[] = [];
    for (let i = 0; i < 100; i++) {
      const page = await call("GET", "/api/audit?limit=1000", a);
      expect(page.status).toBe(200);
      items = page.body.items as Rec[];
      if (items.some((r) => r.action === "dead-letter.discard-bulk")) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const mine = (action: string, target: string) => items.some((r) => r.action === action && r.target === target);
    expect(mine("dead-letter.discard-bulk-start", bulk.body.jobId as string)).toBe(true);
    expect(mine("dead-letter.discard-bulk", bulk.body.jobId as string)).toBe(true);
    expect(mine("replay.create", replay.body.id as string)).toBe(true);
    expect(mine("replay.cancel", replay.body.id as string)).toBe(true);
    expect(items.every((r) => r.tenant === "tenant-audit-a")).toBe(true);
    expect(items.some((r) => r.target === other.body.id)).toBe(false);
    const admin = await call("GET", "/api/audit?tenant=tenant-audit-b&action=replay.create", ADMIN);
    expect((admin.body.items as Rec[]).map((r) => r.target)).toContain(other.body.id);
  });
});
