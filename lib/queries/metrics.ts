import { queryOptions } from "@tanstack/react-query";
import { fetchJson } from "../api-client";
import {
  type CountMetric,
  eventStatusSchema,
  lagSeriesSchema,
  type MetricWindow,
  metricSeriesSchema,
  metricTopSchema,
} from "../contracts/metrics";
import { queryString } from "./params";

/** Reads of the metrics API (docs/api.md "Metrics"). Every answer is parsed with its shared contract. */

export const metricKeys = {
  all: ["metrics"] as const,
  series: (p: SeriesParams) => ["metrics", "series", p] as const,
  top: (p: TopParams) => ["metrics", "top", p] as const,
  lag: (id: string, window: MetricWindow) => ["metrics", "lag", id, window] as const,
  status: (seq: number) => ["metrics", "status", seq] as const,
};

export interface SeriesParams {
  metric: CountMetric;
  window: MetricWindow;
  tenant?: string;
  type?: string;
}

export interface TopParams {
  by: "type" | "tenant";
  metric: CountMetric;
  window: MetricWindow;
  tenant?: string;
  limit?: number;
}

/** Refresh every few seconds for the short windows (per-second buckets), every minute beyond. */
const refreshMs = (w: MetricWindow) => (w === "5m" || w === "15m" ? 5000 : 60_000);

export const seriesQuery = (p: SeriesParams) =>
  queryOptions({
    queryKey: metricKeys.series(p),
    queryFn: ({ signal }) =>
      fetchJson(
        `/api/metrics/series${queryString({ metric: p.metric, window: p.window, tenant: p.tenant, type: p.type })}`,
        metricSeriesSchema,
        { signal },
      ),
    refetchInterval: refreshMs(p.window),
  });

export const topQuery = (p: TopParams) =>
  queryOptions({
    queryKey: metricKeys.top(p),
    queryFn: ({ signal }) =>
      fetchJson(
        `/api/metrics/top${queryString({ by: p.by, metric: p.metric, window: p.window, tenant: p.by === "type" ? p.tenant : undefined, limit: p.limit })}`,
        metricTopSchema,
        { signal },
      ),
    refetchInterval: refreshMs(p.window),
  });

/** A subscription's sampled lag. */
export const lagQuery = (id: string, window: MetricWindow) =>
  queryOptions({
    queryKey: metricKeys.lag(id, window),
    queryFn: ({ signal }) =>
      fetchJson(`/api/subscriptions/${encodeURIComponent(id)}/lag${queryString({ window })}`, lagSeriesSchema, { signal }),
    refetchInterval: 5000,
  });

/** Where one event is, per subscription. */
export const eventStatusQuery = (seq: number) =>
  queryOptions({
    queryKey: metricKeys.status(seq),
    queryFn: ({ signal }) => fetchJson(`/api/events/${seq}/status`, eventStatusSchema, { signal }),
    refetchInterval: 5000,
  });
