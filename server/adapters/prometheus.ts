import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { COUNT_METRICS, type CountMetric, LATENCY_BUCKETS_MS } from "../../lib/contracts/metrics";
import type { StreamFigures } from "../core/bus/ports";
import type { MetricsRecorder } from "../core/metrics/ports";

/** What `/metrics` reads at scrape time. Each source may fail: its metrics are then left out of that scrape. */
export interface PrometheusSources {
  natsConnected(): boolean;
  redisConnected(): boolean;
  subscriptions(): Promise<
    { id: string; name: string; pending: number; ackPending: number; circuit: "closed" | "open" | "half-open" }[]
  >;
  streams(): Promise<{ events: StreamFigures; deadLetters: StreamFigures }>;
  sseClients(): number;
  metricsBacklog(): { entries: number; dropped: number };
}

export interface Prometheus extends Pick<MetricsRecorder, "published" | "count" | "latency"> {
  readonly contentType: string;
  /** One HTTP request served (`route` is the route's pattern, never the raw path). */
  http(method: string, route: string, status: number, seconds: number): void;
  /** Where the WebSocket client count comes from (the HTTP server, built after the container). */
  setWebSocketClients(count: () => number): void;
  /** The exposition text. */
  render(): Promise<string>;
}

/**
 * Keeps a label's cardinality bounded: the first `limit` distinct values are kept, later ones
 * become `_other` (a scrape never grows without bound whatever tenants and types appear).
 */
export class LabelLimiter {
  private readonly seen = new Set<string>();
  constructor(private readonly limit: number) {}

  value(v: string): string {
    if (this.seen.has(v)) return v;
    if (this.seen.size < this.limit) {
      this.seen.add(v);
      return v;
    }
    return "_other";
  }
}

const CHILD_CACHE = 10_000;

const SNAKE: Record<CountMetric, string> = {
  published: "published",
  delivered: "delivered",
  acknowledged: "acknowledged",
  failed: "failed",
  deadLettered: "dead_lettered",
  replayed: "replayed",
  requeued: "requeued",
};

const CIRCUIT_STATES = ["closed", "half-open", "open"] as const;

async function within<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let t: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([p, new Promise<undefined>((r) => (t = setTimeout(() => r(undefined), ms)))]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(t);
  }
}

/**
 * The Prometheus registry of one process (its own `Registry`, not the global one, so several
 * containers in one test process do not collide). Counters and histograms are this replica's;
 * Prometheus sums replicas. Gauges are read from NATS, Redis and the servers at scrape time.
 */
export function createPrometheus(o: { labelLimit: number; sources: PrometheusSources; prefix?: string }): Prometheus {
  const registry = new Registry();
  const p = o.prefix ?? "anumate_";
  collectDefaultMetrics({ register: registry });
  const tenants = new LabelLimiter(o.labelLimit);
  const types = new LabelLimiter(o.labelLimit);

  const events = new Counter({
    name: `${p}events_total`,
    help: "Events by what happened to them (published, delivered attempts, acknowledged, failed attempts, dead_lettered, replayed, requeued), tenant and type",
    labelNames: ["event", "tenant", "type"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: `${p}delivery_latency_seconds`,
    help: "Publish to acknowledgement latency per subscription (events delivered from the stream)",
    labelNames: ["subscription"] as const,
    buckets: LATENCY_BUCKETS_MS.map((ms) => ms / 1000),
    registers: [registry],
  });
  const lag = new Gauge({
    name: `${p}subscription_lag`,
    help: "Events of the subscription not yet delivered (consumer pending)",
    labelNames: ["subscription", "name"] as const,
    registers: [registry],
  });
  const ackPending = new Gauge({
    name: `${p}subscription_ack_pending`,
    help: "Events delivered to the subscription and not yet acknowledged",
    labelNames: ["subscription", "name"] as const,
    registers: [registry],
  });
  const circuit = new Gauge({
    name: `${p}subscription_circuit_state`,
    help: "1 for the circuit breaker state each subscription is in (worst over replicas)",
    labelNames: ["subscription", "name", "state"] as const,
    registers: [registry],
  });
  const deadLetters = new Gauge({
    name: `${p}dead_letters`,
    help: "Dead letters waiting in the dead-letter stream",
    registers: [registry],
  });
  const streamMessages = new Gauge({
    name: `${p}stream_messages`,
    help: "Messages in each JetStream stream",
    labelNames: ["stream"] as const,
    registers: [registry],
  });
  const streamBytes = new Gauge({
    name: `${p}stream_bytes`,
    help: "Bytes in each JetStream stream",
    labelNames: ["stream"] as const,
    registers: [registry],
  });
  const connected = new Gauge({
    name: `${p}connection_up`,
    help: "1 while the connection to the server is up",
    labelNames: ["server"] as const,
    registers: [registry],
  });
  const clients = new Gauge({
    name: `${p}clients`,
    help: "Connected WebSocket and SSE clients",
    labelNames: ["transport"] as const,
    registers: [registry],
  });
  const backlog = new Gauge({
    name: `${p}metrics_backlog`,
    help: "Metric entries waiting in memory to be written to Redis",
    registers: [registry],
  });
  const dropped = new Gauge({
    name: `${p}metrics_dropped`,
    help: "Counts dropped because the in-memory metrics buffer was full (while Redis was down)",
    registers: [registry],
  });
  const httpRequests = new Counter({
    name: `${p}http_requests_total`,
    help: "HTTP requests by method, route pattern and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const httpDuration = new Histogram({
    name: `${p}http_request_duration_seconds`,
    help: "HTTP request duration by method and route pattern",
    labelNames: ["method", "route"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  // every counter exists from the start, so rate() has a zero to start from
  for (const m of COUNT_METRICS) events.inc({ event: SNAKE[m], tenant: "_none", type: "_none" }, 0);

  let wsClients: () => number = () => 0;

  async function refresh(): Promise<void> {
    const s = o.sources;
    connected.set({ server: "nats" }, s.natsConnected() ? 1 : 0);
    connected.set({ server: "redis" }, s.redisConnected() ? 1 : 0);
    clients.set({ transport: "websocket" }, wsClients());
    clients.set({ transport: "sse" }, s.sseClients());
    const b = s.metricsBacklog();
    backlog.set(b.entries);
    dropped.set(b.dropped);
    const [subs, streams] = await Promise.all([
      s.natsConnected() ? within(s.subscriptions(), 3000) : undefined,
      s.natsConnected() ? within(s.streams(), 3000) : undefined,
    ]);
    lag.reset();
    ackPending.reset();
    circuit.reset();
    for (const sub of subs ?? []) {
      const l = { subscription: sub.id, name: sub.name };
      lag.set(l, sub.pending);
      ackPending.set(l, sub.ackPending);
      for (const st of CIRCUIT_STATES) circuit.set({ ...l, state: st }, sub.circuit === st ? 1 : 0);
    }
    streamMessages.reset();
    streamBytes.reset();
    if (streams) {
      for (const f of [streams.events, streams.deadLetters]) {
        streamMessages.set({ stream: f.name }, f.messages);
        streamBytes.set({ stream: f.name }, f.bytes);
      }
      deadLetters.set(streams.deadLetters.messages);
    }
  }

  // Event counts are added up here and given to prom-client when scraped (prom-client hashes the
  // label set on every inc — it was per delivered event), one entry per label set, the last one
  // used per metric found without building its key again. Latency label sets are looked up once
  // and kept. Both caches are emptied if they ever hold CHILD_CACHE entries.
  interface Pending {
    tenant: string;
    type: string;
    child: { inc(n: number): void };
    n: number;
  }
  const eventCounts = new Map<string, Pending>();
  const lastCount = new Map<CountMetric, Pending>();
  const latencyChildren = new Map<string, { observe(v: number): void }>();
  function applyCounts(): void {
    for (const p of eventCounts.values()) {
      if (p.n > 0) p.child.inc(p.n);
      p.n = 0;
    }
  }
  function count(metric: CountMetric, tenant: string, type: string, n: number): void {
    let p = lastCount.get(metric);
    if (p === undefined || p.tenant !== tenant || p.type !== type) {
      const key = `${metric}\u0000${tenant}\u0000${type}`;
      p = eventCounts.get(key);
      if (!p) {
        if (eventCounts.size >= CHILD_CACHE) {
          applyCounts();
          eventCounts.clear();
          lastCount.clear();
        }
        const child = events.labels({ event: SNAKE[metric], tenant: tenants.value(tenant), type: types.value(type) });
        p = { tenant, type, child, n: 0 };
        eventCounts.set(key, p);
      }
      lastCount.set(metric, p);
    }
    p.n += n;
  }

  return {
    contentType: registry.contentType,
    published: (tenant, type, n) => count("published", tenant, type, n),
    count,
    latency(subscription, ms) {
      let child = latencyChildren.get(subscription);
      if (!child) {
        if (latencyChildren.size >= CHILD_CACHE) latencyChildren.clear();
        child = latency.labels({ subscription });
        latencyChildren.set(subscription, child);
      }
      child.observe(ms / 1000);
    },
    http(method, route, status, seconds) {
      httpRequests.inc({ method, route, status: String(status) });
      httpDuration.observe({ method, route }, seconds);
    },
    setWebSocketClients(count) {
      wsClients = count;
    },
    async render() {
      applyCounts();
      await refresh();
      return registry.metrics();
    },
  };
}
