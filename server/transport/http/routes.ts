import { z } from "zod";
import { HTTP_STATUS } from "../../../lib/errors";
import type { StoredEvent } from "../../core/bus/ports";
import { decodeHttpRequest, detectMode } from "../../core/cloudevents/http";
import { toJson } from "../../core/cloudevents/json";
import { checkUriReference } from "../../core/cloudevents/types";
import { createStreamHandler } from "../sse/stream";
import { authRoutes } from "./auth-routes";
import { configRoutes } from "./config-routes";
import { readBody, sendJson, validation } from "./io";
import { metricsRoutes } from "./metrics-routes";
import { listParams, parseJson, parseQuery, seq, tenant, timestamp, typePattern } from "./params";
import { recoveryRoutes } from "./recovery-routes";
import type { Route, RouteRequest } from "./router";
import { subscriptionRoutes } from "./subscription-routes";

/**
 * Every HTTP route of the API, in one table: the router, the docs and the tenant-isolation test
 * all read this list, so a route cannot be added without them seeing it.
 */

const historyQuery = z
  .object({
    tenant: tenant.optional(),
    type: typePattern.optional(),
    subject: z.string().min(1, "must not be empty").optional(),
    from: timestamp.optional(),
    to: timestamp.optional(),
    fromSeq: seq.optional(),
    ...listParams,
  })
  .strict();

const simplePublishBody = z
  .object({
    event_type: z.string().min(1, "must be a non-empty string"),
    data: z.unknown().optional(),
    tenant_id: z.string().optional(),
    subject: z.string().optional(),
    correlation_id: z.string().optional(),
  })
  .strict();

const simplePublishQuery = z.object({
  source: z
    .string()
    .min(1, "is required (a URI-reference naming the producer)")
    .refine((v) => checkUriReference(v) === undefined, "must be a URI-reference"),
});

function storedItem(e: StoredEvent) {
  return { seq: e.seq, storedAt: e.storedAt, tenant: e.tenant, event: toJson(e.event) };
}

/** Body limit for one event: its stored size, with room for the JSON envelope and base64. */
export function singleBodyLimit(maxEventBytes: number): number {
  return Math.ceil((maxEventBytes * 4) / 3) + 64 * 1024;
}

async function publishEvents({ req, res, ctx, c }: RouteRequest): Promise<void> {
  const contentType = req.headers["content-type"];
  const mode = detectMode(typeof contentType === "string" ? contentType : undefined);
  const limit = mode === "batch" ? c.config.MAX_BATCH_BYTES : singleBodyLimit(c.maxEventBytes);
  const body = await readBody(req, limit);
  const decoded = decodeHttpRequest(
    req.headers,
    body,
    { maxEventBytes: c.maxEventBytes, maxBatchEvents: c.config.MAX_BATCH_EVENTS },
    c.store.size,
  );
  const results = await c.events.publish({ ctx, input: { events: decoded.events } });
  sendJson(res, 202, decoded.mode === "batch" ? { results } : results[0]);
}

async function publishSimple({ req, res, ctx, c, query }: RouteRequest): Promise<void> {
  const { source } = parseQuery(simplePublishQuery, new URLSearchParams({ source: query.get("source") ?? "" }));
  const body = await readBody(req, singleBodyLimit(c.maxEventBytes));
  const parsed = simplePublishBody.safeParse(parseJson(body));
  if (!parsed.success) throw validation(parsed.error, "Invalid publish request");
  const b = parsed.data;
  const result = await c.events.publishSimple({
    ctx,
    input: {
      source,
      eventType: b.event_type,
      data: b.data,
      tenantId: b.tenant_id,
      subject: b.subject,
      correlationId: b.correlation_id,
    },
  });
  sendJson(res, 202, result);
}

async function history({ res, ctx, c, query }: RouteRequest): Promise<void> {
  const q = parseQuery(historyQuery, query);
  const page = await c.events.history({
    ctx,
    input: {
      tenant: q.tenant,
      type: q.type,
      subject: q.subject,
      from: q.from,
      to: q.to,
      fromSeq: q.cursor !== undefined ? Number(q.cursor) : q.fromSeq,
      limit: q.limit,
    },
  });
  sendJson(res, 200, { items: page.items.map(storedItem), next: page.nextSeq === null ? null : String(page.nextSeq) });
}

async function getEvent({ res, ctx, c, params }: RouteRequest): Promise<void> {
  const r = seq.safeParse(params.seq);
  if (!r.success) throw validation(r.error, "Invalid seq", "seq");
  sendJson(res, 200, storedItem(await c.events.get({ ctx, input: { seq: r.data } })));
}

async function health({ res, c }: RouteRequest): Promise<void> {
  const h = await c.health();
  sendJson(res, h.status === "unhealthy" ? HTTP_STATUS.UNAVAILABLE : 200, h);
}

export const routes: readonly Route[] = [
  ...subscriptionRoutes,
  ...recoveryRoutes,
  ...metricsRoutes,
  ...authRoutes,
  ...configRoutes,
  { method: "POST", path: "/api/events", access: "events:publish", handler: publishEvents },
  { method: "POST", path: "/api/events/publish", access: "events:publish", handler: publishSimple },
  { method: "GET", path: "/api/events", access: "events:read", handler: history },
  { method: "GET", path: "/api/events/:seq", access: "events:read", handler: getEvent },
  { method: "GET", path: "/api/stream", access: "events:read", handler: createStreamHandler() },
  { method: "GET", path: "/api/health", access: "public", handler: health },
  {
    method: "GET",
    path: "/api/health/live",
    access: "public",
    handler: ({ res }) => sendJson(res, 200, { status: "alive", timestamp: new Date().toISOString() }),
  },
  {
    method: "GET",
    path: "/api/health/ready",
    access: "public",
    handler: ({ res, c }) => {
      const ready = c.running() && c.nats.connected();
      sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "not ready", timestamp: new Date().toISOString() });
    },
  },
];
