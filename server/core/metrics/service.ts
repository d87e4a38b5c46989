import {
  COUNT_METRICS,
  type EventStatus,
  LATENCY_BUCKETS_MS,
  type LagSeries,
  type Latency,
  type MetricSeries,
  type MetricsSummary,
  type MetricTop,
} from "../../../lib/contracts/metrics";
import { AppError } from "../../../lib/errors";
import type { StoredEvent } from "../bus/ports";
import { type Ctx, mayActOn } from "../context";
import type { CountMetric, MetricsReader, MetricWindow, RawEventStatus, RawSubscriptionStatus } from "./ports";

export interface MetricsServiceOptions {
  reader: MetricsReader;
  /** Resolves when the caller may see the subscription; throws NOT_FOUND otherwise. */
  checkSubscription(ctx: Ctx, id: string): Promise<void>;
  /** The stored event at `seq` as the caller may see it; throws NOT_FOUND otherwise. */
  event(ctx: Ctx, seq: number): Promise<StoredEvent>;
  /** Lag sampling period, ms. */
  lagSampleMs: number;
  /** How long statuses are kept (`EVENT_STATUS_TTL`, seconds; 0: not tracked). @default 0 */
  statusTtlSec?: number;
  now?: () => number;
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/**
 * The tenant a read covers: the one named (if the caller may), else every tenant for an admin, the
 * caller's only tenant for a key scoped to one; a key scoped to several must name one.
 */
export function readScope(ctx: Ctx, tenant: string | undefined): string | undefined {
  if (tenant !== undefined) {
    if (!mayActOn(ctx, tenant)) {
      throw new AppError("FORBIDDEN", `This key may not act on tenant "${tenant}"`, {
        details: [{ field: "tenant", rule: "must be a tenant this key is allowed to use" }],
      });
    }
    return tenant;
  }
  if (ctx.tenants === "*") return undefined;
  if (ctx.tenants.length === 1) return ctx.tenants[0];
  throw new AppError("VALIDATION", "Name the tenant to read", {
    details: [{ field: "tenant", rule: "is required for this key" }],
  });
}

const STATE_ORDER = ["acknowledged", "dead-lettered", "failed", "delivered"] as const;
type State = (typeof STATE_ORDER)[number];

/** A subscription's state: the step recorded last (ties: acknowledged, dead-lettered, failed, delivered). */
export function subscriptionState(s: RawSubscriptionStatus): State {
  const times: Record<State, number | undefined> = {
    acknowledged: s.acknowledged,
    "dead-lettered": s.deadLettered,
    failed: s.failed,
    delivered: s.delivered,
  };
  let best: State = "delivered";
  let bestAt = Number.NEGATIVE_INFINITY;
  for (const st of STATE_ORDER) {
    const at = times[st];
    if (at !== undefined && at > bestAt) {
      best = st;
      bestAt = at;
    }
  }
  return best;
}

/** The event's overall status: the subscription state needing attention first (dead-lettered, failed, in flight, done). */
export function overallStatus(states: readonly State[]): EventStatus["status"] {
  for (const s of ["dead-lettered", "failed", "delivered", "acknowledged"] as const) if (states.includes(s)) return s;
  return "published";
}

/**
 * `tracked`: a status record exists, or would if a subscription had taken a step (tracking is on
 * and the event is younger than the status TTL).
 */
export function toEventStatus(
  e: StoredEvent,
  raw: RawEventStatus | undefined,
  trackedSince = Number.POSITIVE_INFINITY,
): EventStatus {
  const subs = Object.entries(raw?.subscriptions ?? {})
    .map(([subscription, s]) => ({
      subscription,
      state: subscriptionState(s),
      attempts: s.attempts,
      deliveredAt: iso(s.delivered),
      acknowledgedAt: iso(s.acknowledged),
      failedAt: iso(s.failed),
      deadLetteredAt: iso(s.deadLettered),
      latencyMs: s.latencyMs ?? null,
      lastError: s.lastError
        ? {
            message: s.lastError.message,
            ...(s.lastError.status !== undefined ? { status: s.lastError.status } : {}),
            at: new Date(s.lastError.at).toISOString(),
          }
        : null,
    }))
    .sort((a, b) => a.subscription.localeCompare(b.subscription));
  return {
    seq: e.seq,
    id: e.event.id,
    tenant: e.tenant,
    type: e.event.type,
    storedAt: e.storedAt,
    tracked: raw !== undefined || Date.parse(e.storedAt) >= trackedSince,
    status: overallStatus(subs.map((s) => s.state)),
    publishedAt: e.storedAt,
    subscriptions: subs,
  };
}

/** Quantile estimate from per-bucket counts: the upper bound of the bucket that holds it (null above the last bound). */
export function quantile(buckets: readonly number[], q: number): number | null {
  const total = buckets.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i] ?? 0;
    if (seen >= rank) return LATENCY_BUCKETS_MS[i] ?? null;
  }
  return null;
}

/** Read verbs of the console's dashboard (docs/api.md "Metrics"). */
export function createMetricsService(o: MetricsServiceOptions) {
  const now = o.now ?? Date.now;

  return {
    async series({
      ctx,
      input,
    }: {
      ctx: Ctx;
      input: { metric: CountMetric; window: MetricWindow; tenant?: string; type?: string };
    }): Promise<MetricSeries> {
      const tenant = readScope(ctx, input.tenant);
      const r = await o.reader.series({ ...input, tenant, nowMs: now() });
      return {
        metric: input.metric,
        window: input.window,
        step: r.step,
        tenant: tenant ?? null,
        type: input.type ?? null,
        total: r.points.reduce((a, p) => a + p.value, 0),
        points: r.points.map((p) => ({ t: new Date(p.atMs).toISOString(), value: p.value })),
      };
    },

    async top({
      ctx,
      input,
    }: {
      ctx: Ctx;
      input: { by: "type" | "tenant"; metric: CountMetric; window: MetricWindow; tenant?: string; limit: number };
    }): Promise<MetricTop> {
      let tenant: string | undefined;
      if (input.by === "type") tenant = readScope(ctx, input.tenant);
      else if (input.tenant !== undefined) {
        throw new AppError("VALIDATION", "by=tenant ranks tenants; leave tenant out", {
          details: [{ field: "tenant", rule: "is only for by=type" }],
        });
      }
      const groups = await o.reader.group({ metric: input.metric, window: input.window, by: input.by, tenant, nowMs: now() });
      const items = [...groups]
        .filter(([key, value]) => value > 0 && (input.by === "type" || mayActOn(ctx, key)))
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, input.limit)
        .map(([key, value]) => ({ key, value }));
      return { by: input.by, metric: input.metric, window: input.window, tenant: tenant ?? null, items };
    },

    async summary({ ctx, input }: { ctx: Ctx; input: { window: MetricWindow; tenant?: string } }): Promise<MetricsSummary> {
      const tenant = readScope(ctx, input.tenant);
      const totals = await o.reader.totals({ window: input.window, tenant, nowMs: now() });
      return {
        window: input.window,
        tenant: tenant ?? null,
        totals: Object.fromEntries(COUNT_METRICS.map((m) => [m, totals[m] ?? 0])) as MetricsSummary["totals"],
      };
    },

    async lag({ ctx, input }: { ctx: Ctx; input: { id: string; window: MetricWindow } }): Promise<LagSeries> {
      await o.checkSubscription(ctx, input.id);
      const samples = await o.reader.lagSeries({ subscription: input.id, window: input.window, nowMs: now() });
      return {
        subscription: input.id,
        window: input.window,
        step: o.lagSampleMs / 1000,
        points: samples.map((s) => ({ t: new Date(s.atMs).toISOString(), lag: s.lag, ackPending: s.ackPending })),
      };
    },

    async latency({ ctx, input }: { ctx: Ctx; input: { id: string; window: MetricWindow } }): Promise<Latency> {
      await o.checkSubscription(ctx, input.id);
      const h = await o.reader.latencyHistogram({ subscription: input.id, window: input.window, nowMs: now() });
      return {
        subscription: input.id,
        window: input.window,
        count: h.count,
        meanMs: h.count > 0 ? Math.round((h.sumMs / h.count) * 10) / 10 : null,
        p50Ms: quantile(h.buckets, 0.5),
        p90Ms: quantile(h.buckets, 0.9),
        p99Ms: quantile(h.buckets, 0.99),
        buckets: h.buckets.map((count, i) => ({ leMs: LATENCY_BUCKETS_MS[i] ?? null, count })),
      };
    },

    async eventStatus({ ctx, input }: { ctx: Ctx; input: { seq: number } }): Promise<EventStatus> {
      const e = await o.event(ctx, input.seq);
      const ttl = o.statusTtlSec ?? 0;
      return toEventStatus(e, await o.reader.eventStatus(input.seq), ttl > 0 ? now() - ttl * 1000 : undefined);
    },
  };
}

export type MetricsService = ReturnType<typeof createMetricsService>;
