import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type APIRequestContext, expect } from "@playwright/test";

/** A tenant id of its own for each test: tests share one server and one stream. */
export function uniqueTenant(prefix = "e2e"): string {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

export interface TestEvent {
  id?: string;
  type?: string;
  source?: string;
  tenantid?: string;
  subject?: string;
  data?: unknown;
  [ext: string]: unknown;
}

/** Publishes one event through the API (structured mode) and returns its id and seq. */
export async function publish(request: APIRequestContext, e: TestEvent): Promise<{ id: string; seq: number }> {
  const id = e.id ?? randomUUID();
  const r = await request.post("/api/events", {
    headers: { "content-type": "application/cloudevents+json" },
    data: { specversion: "1.0", source: "/e2e", type: "com.anumate.e2e.test", datacontenttype: "application/json", ...e, id },
  });
  expect(r.status(), await r.text()).toBe(202);
  const body = (await r.json()) as { seq: number };
  return { id, seq: body.seq };
}

/** Where every page's screenshot goes (look at them: the file viewer shows PNGs). */
export const shot = (name: string) => `e2e/artifacts/${name}.png`;

/** The e2e server's admin key (e2e/run.mjs sets it); the sign-in spec types it in. */
export function adminKey(): string {
  const k = process.env.ADMIN_API_KEY;
  if (!k) throw new Error("ADMIN_API_KEY is not set: run the suite through `npm run test:e2e`");
  return k;
}

/** One request a push target received. */
export interface Received {
  id: string;
  type: string;
  status: number;
  attempt: string | undefined;
  replayId: string | undefined;
}

/**
 * A tiny HTTP push target on 127.0.0.1: answers `status` (change it at any time, e.g. 500 until
 * the "fix", then 200) and records every delivery (binary mode: the event id is `ce-id`).
 */
export interface PushTarget {
  url: string;
  status: number;
  received: Received[];
  /** Ids answered 2xx. */
  acked(): string[];
  close(): Promise<void>;
}

export async function startPushTarget(status = 200): Promise<PushTarget> {
  const target = {
    url: "",
    status,
    received: [] as Received[],
    acked: () => target.received.filter((r) => r.status < 300).map((r) => r.id),
    close: async () => {},
  };
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const h = (n: string) => (typeof req.headers[n] === "string" ? (req.headers[n] as string) : undefined);
      const answer = target.status;
      target.received.push({
        id: h("ce-id") ?? "",
        type: h("ce-type") ?? "",
        status: answer,
        attempt: h("anumate-attempt"),
        replayId: h("anumate-replay-id"),
      });
      res.writeHead(answer, { "content-type": "text/plain" }).end(answer < 300 ? "ok" : "target failing on purpose");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  target.url = `http://127.0.0.1:${port}/hook`;
  target.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return target;
}

/** Creates a push subscription through the API and returns its id. */
export async function createPushSubscription(
  request: APIRequestContext,
  s: { name?: string; tenant: string; types?: string[]; url: string; maxAttempts?: number },
): Promise<string> {
  const r = await request.post("/api/subscriptions", {
    data: {
      name: s.name ?? `e2e-${randomBytes(3).toString("hex")}`,
      tenant: s.tenant,
      ...(s.types ? { types: s.types } : {}),
      target: { type: "push", url: s.url, timeoutMs: 2000 },
      retry: { maxAttempts: s.maxAttempts ?? 1, initialDelayMs: 100, maxDelayMs: 1000 },
    },
  });
  expect(r.status(), await r.text()).toBe(201);
  return ((await r.json()) as { id: string }).id;
}

/** Waits until the tenant has `n` dead letters and returns them (oldest first). */
export async function waitForDeadLetters(
  request: APIRequestContext,
  tenant: string,
  n: number,
): Promise<{ id: string; event: { id: string }; originalSeq: number }[]> {
  let items: { id: string; event: { id: string }; originalSeq: number }[] = [];
  await expect
    .poll(
      async () => {
        const r = await request.get(`/api/dead-letters?tenant=${tenant}`);
        const body = (await r.json()) as { total: number; items: typeof items };
        items = body.items;
        return body.total;
      },
      { timeout: 20_000 },
    )
    .toBe(n);
  return items;
}
