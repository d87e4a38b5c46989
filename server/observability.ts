import type { Redis } from "ioredis";
import { createTracing, type Tracing } from "./adapters/otel";
import { createPrometheus, type Prometheus } from "./adapters/prometheus";
import { redisReady } from "./adapters/redis/client";
import { createRedisMetrics, type RedisMetrics } from "./adapters/redis/metrics";
import type { Config } from "./config";
import type { EventsService } from "./core/bus/events";
import type { StreamFigures } from "./core/bus/ports";
import { systemCtx } from "./core/context";
import type { DeliveryObservation } from "./core/delivery/dispatcher";
import type { Subscription } from "./core/delivery/ports";
import type { SubscriptionService } from "./core/delivery/service";
import { createLagSampler, type LagSampler } from "./core/metrics/lag";
import { createDeliveryObserver } from "./core/metrics/observer";
import { fanOut, type MetricsRecorder } from "./core/metrics/ports";
import { createMetricsService, type MetricsService } from "./core/metrics/service";
import type { LiveService } from "./core/stream/live";
import type { Tracer } from "./core/tracing";
import type { Logger } from "./log";

/**
 * Metrics, tracing and their wiring, built for the container: Redis metrics (shared by replicas,
 * read by the console), the Prometheus registry (this replica, `/metrics`), the tracer (OTLP or
 * no-op), the delivery observer, the lag sampler and the read verbs.
 */
export interface Observability {
  readonly redis: RedisMetrics;
  readonly prometheus: Prometheus;
  readonly tracer: Tracer;
  /** Counts go to Redis and Prometheus. */
  readonly recorder: MetricsRecorder;
  /** The subscription service's `observe` hook. */
  readonly observe: (sub: Subscription, e: DeliveryObservation) => void;
  /** Read verbs of `/api/metrics/*` (after `start`). */
  readonly queries: MetricsService;
  readonly lag: LagSampler;
  /** Starts lag sampling and the scrape-time sources, once the services exist. */
  start(deps: ObservabilityDeps): void;
  /** Stops sampling, writes the buffered metrics, exports the last spans. Safe to call twice. */
  stop(): Promise<void>;
}

export interface ObservabilityDeps {
  subscriptions: SubscriptionService;
  events: EventsService;
  live: LiveService;
  natsConnected(): boolean;
  streams(): Promise<{ events: StreamFigures; deadLetters: StreamFigures }>;
}

/** `main`: the connection requests use (its state is the health check's); `metrics`: the metrics' own. */
export async function createObservability(
  config: Config,
  redis: { main: Redis; metrics: Redis },
  log: Logger,
): Promise<Observability> {
  const tracing: Tracing = await createTracing({
    endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
    serviceName: config.OTEL_SERVICE_NAME,
  });
  const redisMetrics = createRedisMetrics(redis.metrics, {
    prefix: config.REDIS_KEY_PREFIX,
    flushMs: config.METRICS_FLUSH_MS,
    secondRetentionSec: config.METRICS_SECOND_RETENTION,
    minuteRetentionSec: config.METRICS_MINUTE_RETENTION,
    statusTtlSec: config.EVENT_STATUS_TTL,
    lagSampleMs: config.LAG_SAMPLE_MS,
    maxPending: config.METRICS_MAX_PENDING,
    log: (msg, extra) => log.warn(extra ?? {}, msg),
  });
  let deps: ObservabilityDeps | undefined;
  const subscriptionFigures = async () => {
    if (!deps) return [];
    const subs = await deps.subscriptions.list({ ctx: systemCtx("metrics") });
    return subs.map((s) => ({
      id: s.id,
      name: s.name,
      pending: s.stats?.pending ?? 0,
      ackPending: s.stats?.ackPending ?? 0,
      circuit: s.stats?.circuit ?? ("closed" as const),
    }));
  };
  const prometheus = createPrometheus({
    labelLimit: config.METRICS_LABEL_LIMIT,
    sources: {
      natsConnected: () => deps?.natsConnected() ?? false,
      redisConnected: () => redisReady(redis.main),
      subscriptions: subscriptionFigures,
      streams: () => (deps ? deps.streams() : Promise.reject(new Error("not started"))),
      sseClients: () => deps?.live.openCount() ?? 0,
      metricsBacklog: () => redisMetrics.backlog(),
    },
  });
  const recorder = fanOut(redisMetrics, prometheus);
  const observe = createDeliveryObserver({
    recorder,
    log: (level, msg, extra) => log[level](extra, msg),
    debugEnabled: () => log.isLevelEnabled("debug"),
  });
  const lag = createLagSampler({
    intervalMs: config.LAG_SAMPLE_MS,
    figures: async () =>
      (await subscriptionFigures()).map((s) => ({ subscription: s.id, lag: s.pending, ackPending: s.ackPending })),
    claim: (period) => redisMetrics.claimLagPeriod(period),
    recorder: redisMetrics,
    log: (msg, extra) => log.debug(extra, msg),
  });
  let queries: MetricsService | undefined;
  let stopped: Promise<void> | undefined;

  return {
    redis: redisMetrics,
    prometheus,
    tracer: tracing.tracer,
    recorder,
    observe,
    lag,
    get queries(): MetricsService {
      if (!queries) throw new Error("observability is not started");
      return queries;
    },
    start(d) {
      deps = d;
      queries = createMetricsService({
        reader: redisMetrics,
        checkSubscription: async (ctx, id) => {
          await d.subscriptions.get({ ctx, input: { id } });
        },
        event: (ctx, seq) => d.events.get({ ctx, input: { seq } }),
        lagSampleMs: config.LAG_SAMPLE_MS,
        statusTtlSec: config.EVENT_STATUS_TTL,
      });
      lag.start();
    },
    stop() {
      stopped ??= (async () => {
        await lag.stop();
        await redisMetrics.stop().catch(() => {});
        await tracing.shutdown();
      })();
      return stopped;
    },
  };
}
