import { z } from "zod";
import { countMetricSchema, metricWindowSchema } from "../../../lib/contracts/metrics";
import { sendJson, validation } from "./io";
import { parseQuery, seq, tenant } from "./params";
import type { Route } from "./router";

/** `/metrics` (Prometheus) and the dashboard's read APIs (docs/api.md "Metrics"). */

const eventType = z.string().min(1, "must not be empty").max(256, "must be at most 256 characters");

const seriesQuery = z
  .object({
    metric: countMetricSchema,
    window: metricWindowSchema.default("15m"),
    tenant: tenant.optional(),
    type: eventType.optional(),
  })
  .strict();

const topQuery = z
  .object({
    by: z.enum(["type", "tenant"]),
    metric: countMetricSchema.default("published"),
    window: metricWindowSchema.default("1h"),
    tenant: tenant.optional(),
    limit: z.coerce.number().int("must be an integer").min(1, "must be 1 to 100").max(100, "must be 1 to 100").default(10),
  })
  .strict();

const summaryQuery = z.object({ window: metricWindowSchema.default("15m"), tenant: tenant.optional() }).strict();
const windowQuery = z.object({ window: metricWindowSchema.default("1h") }).strict();

export const metricsRoutes: readonly Route[] = [
  {
    // never rate-limited, no key: scraped by Prometheus like /api/health is probed
    method: "GET",
    path: "/metrics",
    access: "public",
    async handler({ res, c }) {
      const prom = c.observability.prometheus;
      const body = await prom.render();
      res.writeHead(200, {
        "content-type": prom.contentType,
        "content-length": Buffer.byteLength(body),
        "cache-control": "no-store",
      });
      res.end(body);
    },
  },
  {
    method: "GET",
    path: "/api/metrics/series",
    access: "events:read",
    async handler({ res, ctx, c, query }) {
      const q = parseQuery(seriesQuery, query);
      sendJson(res, 200, await c.observability.queries.series({ ctx, input: q }));
    },
  },
  {
    method: "GET",
    path: "/api/metrics/top",
    access: "events:read",
    async handler({ res, ctx, c, query }) {
      const q = parseQuery(topQuery, query);
      sendJson(res, 200, await c.observability.queries.top({ ctx, input: q }));
    },
  },
  {
    method: "GET",
    path: "/api/metrics/summary",
    access: "events:read",
    async handler({ res, ctx, c, query }) {
      const q = parseQuery(summaryQuery, query);
      sendJson(res, 200, await c.observability.queries.summary({ ctx, input: q }));
    },
  },
  {
    method: "GET",
    path: "/api/subscriptions/:id/lag",
    access: "subscriptions:read",
    async handler({ res, ctx, c, query, params }) {
      const q = parseQuery(windowQuery, query);
      sendJson(res, 200, await c.observability.queries.lag({ ctx, input: { id: params.id as string, window: q.window } }));
    },
  },
  {
    method: "GET",
    path: "/api/subscriptions/:id/latency",
    access: "subscriptions:read",
    async handler({ res, ctx, c, query, params }) {
      const q = parseQuery(windowQuery, query);
      sendJson(res, 200, await c.observability.queries.latency({ ctx, input: { id: params.id as string, window: q.window } }));
    },
  },
  {
    method: "GET",
    path: "/api/events/:seq/status",
    access: "events:read",
    async handler({ res, ctx, c, params }) {
      const r = seq.safeParse(params.seq);
      if (!r.success) throw validation(r.error, "Invalid seq", "seq");
      sendJson(res, 200, await c.observability.queries.eventStatus({ ctx, input: { seq: r.data } }));
    },
  },
];
