import { z } from "zod";

/**
 * Answers of the metrics read APIs (docs/api.md "Metrics"), shared by the server and the console's
 * dashboard. Times are RFC 3339 strings; durations in the field's unit (`step` in seconds, `*Ms` in ms).
 */

/** What is counted per tenant and event type. */
export const COUNT_METRICS = [
  "published",
  "delivered",
  "acknowledged",
  "failed",
  "deadLettered",
  "replayed",
  "requeued",
] as const;
export const countMetricSchema = z.enum(COUNT_METRICS);
export type CountMetric = z.infer<typeof countMetricSchema>;

/** Windows a read may cover, in seconds. Up to 15 minutes per-second buckets are read, beyond per-minute ones. */
export const METRIC_WINDOWS = { "5m": 300, "15m": 900, "1h": 3600, "6h": 21_600, "24h": 86_400 } as const;
export const metricWindowSchema = z.enum(["5m", "15m", "1h", "6h", "24h"]);
export type MetricWindow = z.infer<typeof metricWindowSchema>;

/** Bucket size of a window's series, in seconds. */
export function windowStep(window: MetricWindow): number {
  return METRIC_WINDOWS[window] <= 900 ? 1 : 60;
}

export const seriesPointSchema = z.object({ t: z.string(), value: z.number() });

/** `GET /api/metrics/series`: one point per bucket, oldest first, zero-filled. */
export const metricSeriesSchema = z.object({
  metric: countMetricSchema,
  window: metricWindowSchema,
  /** Bucket size in seconds (1 up to 15 minutes, 60 beyond). */
  step: z.number().int().positive(),
  tenant: z.string().nullable(),
  type: z.string().nullable(),
  /** Sum of the points. */
  total: z.number(),
  points: z.array(seriesPointSchema),
});
export type MetricSeries = z.infer<typeof metricSeriesSchema>;

/** `GET /api/metrics/top`: the largest tenants or types in the window, largest first. */
export const metricTopSchema = z.object({
  by: z.enum(["type", "tenant"]),
  metric: countMetricSchema,
  window: metricWindowSchema,
  tenant: z.string().nullable(),
  items: z.array(z.object({ key: z.string(), value: z.number() })),
});
export type MetricTop = z.infer<typeof metricTopSchema>;

/** `GET /api/metrics/summary`: every counter summed over the window. */
export const metricsSummarySchema = z.object({
  window: metricWindowSchema,
  tenant: z.string().nullable(),
  totals: z.object(Object.fromEntries(COUNT_METRICS.map((m) => [m, z.number()])) as Record<CountMetric, z.ZodNumber>),
});
export type MetricsSummary = z.infer<typeof metricsSummarySchema>;

/** `GET /api/subscriptions/{id}/lag`: sampled lag (events not yet delivered) and ack-pending, oldest first. */
export const lagSeriesSchema = z.object({
  subscription: z.string(),
  window: metricWindowSchema,
  /** Sampling period in seconds (`LAG_SAMPLE_MS`); missing samples are gaps, not zeros. */
  step: z.number().positive(),
  points: z.array(z.object({ t: z.string(), lag: z.number(), ackPending: z.number() })),
});
export type LagSeries = z.infer<typeof lagSeriesSchema>;

/** Upper bounds (ms) of the publish → acknowledgement latency buckets. */
export const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000] as const;

/** `GET /api/subscriptions/{id}/latency`: publish → acknowledgement latency in the window. */
export const latencySchema = z.object({
  subscription: z.string(),
  window: metricWindowSchema,
  count: z.number(),
  meanMs: z.number().nullable(),
  /** Estimated from the buckets (upper bound of the bucket holding the quantile). */
  p50Ms: z.number().nullable(),
  p90Ms: z.number().nullable(),
  p99Ms: z.number().nullable(),
  /** Per bucket (not cumulative); `leMs: null` is the bucket above the last bound. */
  buckets: z.array(z.object({ leMs: z.number().nullable(), count: z.number() })),
});
export type Latency = z.infer<typeof latencySchema>;

export const deliveryStateSchema = z.enum(["delivered", "acknowledged", "failed", "dead-lettered"]);

/** `GET /api/events/{seq}/status`: where one event is, per subscription. */
export const eventStatusSchema = z.object({
  seq: z.number().int(),
  id: z.string(),
  tenant: z.string(),
  type: z.string(),
  /** When it was stored (from the stream). */
  storedAt: z.string(),
  /** False when nothing is kept for it: older than `EVENT_STATUS_TTL` with no recent step, or tracking is off. */
  tracked: z.boolean(),
  /** "published", or the most advanced state over its subscriptions. */
  status: z.enum(["published", "delivered", "acknowledged", "failed", "dead-lettered"]),
  /** When it was published: its time in the stream (same as `storedAt`). */
  publishedAt: z.string().nullable(),
  subscriptions: z.array(
    z.object({
      subscription: z.string(),
      state: deliveryStateSchema,
      /** Delivery attempts recorded (replays and requeues included). */
      attempts: z.number(),
      deliveredAt: z.string().nullable(),
      acknowledgedAt: z.string().nullable(),
      failedAt: z.string().nullable(),
      deadLetteredAt: z.string().nullable(),
      /** Publish → acknowledgement, for events acknowledged from the stream. */
      latencyMs: z.number().nullable(),
      lastError: z.object({ message: z.string(), status: z.number().optional(), at: z.string() }).nullable(),
    }),
  ),
});
export type EventStatus = z.infer<typeof eventStatusSchema>;
