import type { CountMetric, MetricWindow } from "../../../lib/contracts/metrics";
import { type MetricsSink, type ReadEvent, typeOf } from "../bus/ports";

export type { CountMetric, MetricWindow };

/** One step of an event's processing for one subscription. */
export interface StatusUpdate {
  seq: number;
  subscription: string;
  kind: "delivered" | "acknowledged" | "failed" | "dead-lettered";
  atMs: number;
  error?: { message: string; status?: number };
  /** Publish → acknowledgement, for `acknowledged` from the event stream. */
  latencyMs?: number;
}

export interface LagSample {
  subscription: string;
  /** Start of the sampling period (ms since the epoch); one sample per period and subscription is kept. */
  atMs: number;
  lag: number;
  ackPending: number;
}

/**
 * Where metrics are counted. Every method is synchronous, never throws and does no I/O: the
 * implementation buffers in memory (bounded) and writes in the background.
 */
export interface MetricsRecorder extends MetricsSink {
  count(metric: CountMetric, tenant: string, type: string, n: number): void;
  status(u: StatusUpdate): void;
  /** Publish → acknowledgement latency of one delivery of a subscription. */
  latency(subscription: string, ms: number): void;
  lag(samples: readonly LagSample[]): void;
}

/** Per-subscription processing status as kept (times in ms since the epoch). */
export interface RawSubscriptionStatus {
  delivered?: number;
  acknowledged?: number;
  failed?: number;
  deadLettered?: number;
  attempts: number;
  latencyMs?: number;
  lastError?: { message: string; status?: number; at: number };
}

/** What is kept of an event's processing (its publication is the stream's: `storedAt`). */
export interface RawEventStatus {
  subscriptions: Record<string, RawSubscriptionStatus>;
}

/** What the metrics read APIs need (implemented on Redis; shared by every replica). */
export interface MetricsReader {
  /** One value per bucket (`step` seconds) over the window ending now, oldest first. */
  series(q: {
    metric: CountMetric;
    window: MetricWindow;
    tenant?: string;
    type?: string;
    nowMs: number;
  }): Promise<{ step: number; points: { atMs: number; value: number }[] }>;
  /** Sums over the window, grouped by tenant or by type (of one tenant, when given). */
  group(q: {
    metric: CountMetric;
    window: MetricWindow;
    by: "tenant" | "type";
    tenant?: string;
    nowMs: number;
  }): Promise<Map<string, number>>;
  /** Every counter summed over the window (all tenants, or one). */
  totals(q: { window: MetricWindow; tenant?: string; nowMs: number }): Promise<Record<CountMetric, number>>;
  lagSeries(q: { subscription: string; window: MetricWindow; nowMs: number }): Promise<LagSample[]>;
  /** Latency histogram: counts per bucket of `LATENCY_BUCKETS_MS` (+1 overflow bucket). */
  latencyHistogram(q: {
    subscription: string;
    window: MetricWindow;
    nowMs: number;
  }): Promise<{ buckets: number[]; count: number; sumMs: number }>;
  eventStatus(seq: number): Promise<RawEventStatus | undefined>;
}

/** Sends every call to each recorder (e.g. Redis for the console and Prometheus for scrapes). */
export function fanOut(...recorders: Partial<MetricsRecorder>[]): MetricsRecorder {
  return {
    published: (tenant, type, n) => {
      for (const r of recorders) r.published?.(tenant, type, n);
    },
    count: (metric, tenant, type, n) => {
      for (const r of recorders) r.count?.(metric, tenant, type, n);
    },
    status: (u) => {
      for (const r of recorders) r.status?.(u);
    },
    latency: (sub, ms) => {
      for (const r of recorders) r.latency?.(sub, ms);
    },
    lag: (samples) => {
      for (const r of recorders) r.lag?.(samples);
    },
  };
}

/** Counts events grouped by tenant and type (one call per group). */
export function countEvents(
  recorder: Pick<MetricsRecorder, "count"> | undefined,
  metric: CountMetric,
  events: readonly (ReadEvent & { tenant: string })[],
): void {
  if (!recorder) return;
  // by tenant, then type: no key string per event
  const groups = new Map<string, Map<string, number>>();
  for (const e of events) {
    const type = typeOf(e);
    let byType = groups.get(e.tenant);
    if (!byType) {
      byType = new Map();
      groups.set(e.tenant, byType);
    }
    byType.set(type, (byType.get(type) ?? 0) + 1);
  }
  for (const [tenant, byType] of groups) for (const [type, n] of byType) recorder.count(metric, tenant, type, n);
}
