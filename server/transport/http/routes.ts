import { z } from "zod";
import { AppError, HTTP_STATUS } from "../../../lib/errors";
import type { StoredEvent } from "../../core/bus/ports";
import { typePatternRule } from "../../core/bus/subjects";
import { decodeHttpRequest, detectMode } from "../../core/cloudevents/http";
import { toJson } from "../../core/cloudevents/json";
import { checkTimestamp, checkUriReference } from "../../core/cloudevents/types";
import { createStreamHandler } from "../sse/stream";
import { readBody, sendJson, validation } from "./io";
import type { Route, RouteRequest } from "./router";
import { subscriptionRoutes } from "./subscription-routes";

/**
 * Every HTTP route of the API, in one table: the router, the docs and the tenant-isolation test
 * all read this list, so a route cannot be added without them seeing it.
 */

const tenant = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 characters of A-Z, a-z, 0-9, _ or -");
const timestamp = z.string().refine((v) => checkTimestamp(v) === undefined, "must be an RFC 3339 timestamp");
const seq = z.coerce.number().int("must be an integer").min(1, "must be >= 1").max(Number.MAX_SAFE_INTEGER, "is too large");
const typePattern = z.string().superRefine((v, ctx) => {
  const rule = typePatternRule(v);
  if (rule) ctx.addIssue({ code: "custom", message: rule });
});

/** `?limit=` (default 50, max 1000) and an opaque `?cursor=`. */
export const listParams = {
  limit: z.coerce.number().int("must be an integer").min(1, "must be 1 to 1000").max(1000, "must be 1 to 1000").default(50),
  cursor: z.string().regex(/^\d+$/, "must be a cursor from a previous answer's `next`").optional(),
};

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

function parseQuery<T extends z.ZodType>(schema: T, query: URLSearchParams): z.infer<T> {
  const obj: Record<string, string> = {};
  for (const [k, v] of query) obj[k] = v;
  const r = schema.safeParse(obj);
  if (!r.success) throw validation(r.error, "Invalid query parameters");
  return r.data;
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (e) {
    throw new AppError("VALIDATION", `The body is not valid JSON: ${(e as Error).message}`, {
      details: [{ field: "body", rule: "must be valid JSON" }],
      cause: e,
    });
  }
}

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
  { method: "POST", path: "/api/events", handler: publishEvents },
  { method: "POST", path: "/api/events/publish", handler: publishSimple },
  { method: "GET", path: "/api/events", handler: history },
  { method: "GET", path: "/api/events/:seq", handler: getEvent },
  { method: "GET", path: "/api/stream", handler: createStreamHandler() },
  { method: "GET", path: "/api/health", public: true, handler: health },
  {
    method: "GET",
    path: "/api/health/live",
    public: true,
    handler: ({ res }) => sendJson(res, 200, { status: "alive", timestamp: new Date().toISOString() }),
  },
  {
    method: "GET",
    path: "/api/health/ready",
    public: true,
    handler: ({ res, c }) => {
      const ready = c.running() && c.nats.connected();
      sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "not ready", timestamp: new Date().toISOString() });
    },
  },
];
