import { AppError } from "../../../lib/errors";
import type { Ctx } from "../context";

/** One token bucket: `rate` tokens per second, up to `burst`. */
export interface Bucket {
  key: string;
  rate: number;
  burst: number;
  cost: number;
}

export interface TakeResult {
  allowed: boolean;
  /** When refused: how long until the request would be allowed. */
  retryAfterMs: number;
  /** The tightest bucket: its limit and what is left after this request. */
  limit: number;
  remaining: number;
  /** Seconds until the tightest bucket is full again. */
  resetSec: number;
}

/** Token buckets shared by every replica (Redis), with a local fallback. All buckets are taken or none. */
export interface Limiter {
  take(buckets: Bucket[]): Promise<TakeResult>;
}

export interface LimitPolicy {
  /** Per key. 0 turns a limit off. */
  keyRequestsPerSec: number;
  keyEventsPerSec: number;
  /** Per tenant (shared by all its keys). */
  tenantRequestsPerSec: number;
  tenantEventsPerSec: number;
  /** Burst as a multiple of the rate. @default 2 */
  burstFactor: number;
}

function bucket(key: string, rate: number, factor: number, cost: number): Bucket[] {
  return rate > 0 ? [{ key, rate, burst: Math.max(cost, Math.ceil(rate * factor)), cost }] : [];
}

/** RateLimit headers (IETF draft) for a result. */
export function rateLimitHeaders(r: TakeResult): Record<string, string> {
  return {
    "ratelimit-limit": String(r.limit),
    "ratelimit-remaining": String(Math.max(0, Math.floor(r.remaining))),
    "ratelimit-reset": String(Math.max(0, Math.ceil(r.resetSec))),
  };
}

/**
 * Rate limits per key and per tenant, for requests and for events. A caller scoped to one tenant
 * counts against that tenant; events count against the tenant they are published to.
 */
export function createLimits(limiter: Limiter, policy: LimitPolicy) {
  const f = policy.burstFactor;

  function refuse(r: TakeResult, what: string): never {
    const retryAfterSec = Math.max(1, Math.ceil(r.retryAfterMs / 1000));
    throw new AppError("RATE_LIMITED", `Too many ${what}; retry in ${retryAfterSec} s`, {
      details: [{ field: what, rule: `must stay under ${r.limit} per second (with bursts)` }],
      retryAfterSec,
      headers: rateLimitHeaders(r),
    });
  }

  return {
    /** One request of a caller. Returns the headers to send. */
    async request(ctx: Ctx): Promise<Record<string, string>> {
      const buckets = [
        ...bucket(`key:${ctx.caller}:req`, policy.keyRequestsPerSec, f, 1),
        ...(ctx.tenants !== "*" && ctx.tenants.length === 1
          ? bucket(`tenant:${ctx.tenants[0]}:req`, policy.tenantRequestsPerSec, f, 1)
          : []),
      ];
      if (buckets.length === 0) return {};
      const r = await limiter.take(buckets);
      if (!r.allowed) refuse(r, "requests");
      return rateLimitHeaders(r);
    },

    /** Events about to be published, counted per tenant. */
    async events(ctx: Ctx, perTenant: Map<string, number>): Promise<void> {
      let total = 0;
      const buckets: Bucket[] = [];
      for (const [tenant, n] of perTenant) {
        total += n;
        buckets.push(...bucket(`tenant:${tenant}:events`, policy.tenantEventsPerSec, f, n));
      }
      buckets.push(...bucket(`key:${ctx.caller}:events`, policy.keyEventsPerSec, f, total));
      if (buckets.length === 0) return;
      const r = await limiter.take(buckets);
      if (!r.allowed) refuse(r, "events");
    },
  };
}

export type Limits = ReturnType<typeof createLimits>;

/** In-memory token buckets (one replica): the fallback while Redis is down, and for tests. */
export function createLocalLimiter(now: () => number = Date.now, maxBuckets = 100_000): Limiter {
  const state = new Map<string, { tokens: number; at: number }>();
  return {
    async take(buckets) {
      const t = now();
      const levels = buckets.map((b) => {
        const s = state.get(b.key);
        const tokens = s ? Math.min(b.burst, s.tokens + ((t - s.at) / 1000) * b.rate) : b.burst;
        return { b, tokens };
      });
      const allowed = levels.every((l) => l.tokens >= l.b.cost);
      let tightest = levels[0] as { b: Bucket; tokens: number };
      let retryAfterMs = 0;
      for (const l of levels) {
        const left = allowed ? l.tokens - l.b.cost : l.tokens;
        if (left / l.b.burst < (allowed ? tightest.tokens - tightest.b.cost : tightest.tokens) / tightest.b.burst) tightest = l;
        if (!allowed && l.tokens < l.b.cost) retryAfterMs = Math.max(retryAfterMs, ((l.b.cost - l.tokens) / l.b.rate) * 1000);
        if (state.size >= maxBuckets && !state.has(l.b.key)) state.delete(state.keys().next().value as string);
        state.set(l.b.key, { tokens: allowed ? l.tokens - l.b.cost : l.tokens, at: t });
      }
      const remaining = allowed ? tightest.tokens - tightest.b.cost : tightest.tokens;
      return {
        allowed,
        retryAfterMs,
        limit: tightest.b.rate,
        remaining,
        resetSec: (tightest.b.burst - remaining) / tightest.b.rate,
      };
    },
  };
}
