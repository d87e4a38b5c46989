import { describe, expect, it } from "vitest";
import { parsePrometheus } from "../testing/prometheus-text";
import { createPrometheus, LabelLimiter } from "./prometheus";

const figures = (name: string, messages: number, bytes: number) => ({
  name,
  messages,
  bytes,
  firstSeq: 1,
  lastSeq: messages,
  consumers: 0,
  limits: { maxMsgs: 1, maxBytes: 1, maxAgeSec: 1 },
});

function registry(labelLimit = 2) {
  return createPrometheus({
    labelLimit,
    sources: {
      natsConnected: () => true,
      redisConnected: () => false,
      subscriptions: async () => [{ id: "sub_1", name: "orders", pending: 7, ackPending: 2, circuit: "open" }],
      streams: async () => ({ events: figures("EV", 10, 1000), deadLetters: figures("DLQ", 3, 300) }),
      sseClients: () => 4,
      metricsBacklog: () => ({ entries: 12, dropped: 1 }),
    },
  });
}

describe("label limiter", () => {
  it("keeps the first N values and folds the rest into _other", () => {
    const l = new LabelLimiter(2);
    expect(["a", "b", "c", "a", "d"].map((v) => l.value(v))).toEqual(["a", "b", "_other", "a", "_other"]);
  });
});

describe("prometheus registry", () => {
  it("renders valid exposition text with counters, histograms and scrape-time gauges", async () => {
    const p = registry();
    p.published("acme", "a.created", 3);
    p.count("deadLettered", "acme", "a.created", 1);
    p.latency("sub_1", 30);
    p.latency("sub_1", 2000);
    p.http("GET", "/api/events/:seq", 200, 0.004);
    p.setWebSocketClients(() => 5);
    const text = await p.render();
    expect(p.contentType).toMatch(/^text\/plain/);
    const prom = parsePrometheus(text);
    const fams = prom.families;
    expect(prom.value("anumate_events_total", { event: "published", tenant: "acme", type: "a.created" })).toBe(3);
    expect(prom.value("anumate_events_total", { event: "dead_lettered", tenant: "acme" })).toBe(1);
    expect(fams.find((f) => f.name === "anumate_delivery_latency_seconds")?.type).toBe("HISTOGRAM");
    expect(prom.value("anumate_delivery_latency_seconds_count", { subscription: "sub_1" })).toBe(2);
    expect(prom.value("anumate_delivery_latency_seconds_bucket", { subscription: "sub_1", le: "0.05" })).toBe(1);
    expect(prom.value("anumate_delivery_latency_seconds_bucket", { subscription: "sub_1", le: "2.5" })).toBe(2);
    expect(prom.value("anumate_subscription_lag", { subscription: "sub_1", name: "orders" })).toBe(7);
    expect(prom.value("anumate_subscription_ack_pending", { subscription: "sub_1" })).toBe(2);
    expect(prom.value("anumate_subscription_circuit_state", { subscription: "sub_1", state: "open" })).toBe(1);
    expect(prom.value("anumate_subscription_circuit_state", { subscription: "sub_1", state: "closed" })).toBe(0);
    expect(prom.value("anumate_dead_letters")).toBe(3);
    expect(prom.value("anumate_stream_messages", { stream: "EV" })).toBe(10);
    expect(prom.value("anumate_stream_bytes", { stream: "DLQ" })).toBe(300);
    expect(prom.value("anumate_connection_up", { server: "nats" })).toBe(1);
    expect(prom.value("anumate_connection_up", { server: "redis" })).toBe(0);
    expect(prom.value("anumate_clients", { transport: "websocket" })).toBe(5);
    expect(prom.value("anumate_clients", { transport: "sse" })).toBe(4);
    expect(prom.value("anumate_metrics_backlog")).toBe(12);
    expect(prom.value("anumate_http_requests_total", { method: "GET", route: "/api/events/:seq", status: "200" })).toBe(1);
    expect(fams.some((f) => f.name === "process_cpu_user_seconds_total")).toBe(true);
    expect(fams.some((f) => f.name === "nodejs_eventloop_lag_seconds")).toBe(true);
  });

  it("bounds tenant and type label values", async () => {
    const p = registry(2);
    for (const t of ["t1", "t2", "t3", "t4"]) p.published(t, `type.${t}`, 1);
    const prom = parsePrometheus(await p.render());
    const series = prom.samples("anumate_events_total").filter((m) => m.labels.event === "published");
    const tenants = new Set(series.map((m) => m.labels.tenant));
    expect(tenants).toEqual(new Set(["_none", "t1", "t2", "_other"]));
    expect(prom.value("anumate_events_total", { event: "published", tenant: "_other", type: "_other" })).toBe(2);
  });

  it("counts every event exactly once, across scrapes and label sets, also past the label-set cache", async () => {
    const p = registry(20_000);
    const value = async (tenant: string, type: string, event = "acknowledged") =>
      parsePrometheus(await p.render()).value("anumate_events_total", { event, tenant, type });
    for (let i = 0; i < 5; i++) {
      p.count("acknowledged", "acme", "a.x", 1);
      p.count("acknowledged", "acme", "a.y", 2);
      p.count("delivered", "acme", "a.x", 1);
    }
    expect(await value("acme", "a.x")).toBe(5);
    expect(await value("acme", "a.y")).toBe(10);
    expect(await value("acme", "a.x", "delivered")).toBe(5);
    p.count("acknowledged", "acme", "a.x", 1);
    expect(await value("acme", "a.x")).toBe(6);
    expect(await value("acme", "a.x")).toBe(6);
    // more label sets than the cache holds: what was counted before it is emptied still counts
    for (let i = 0; i < 10_050; i++) p.count("failed", `t${i % 10_050}`, "a.z", 1);
    p.count("acknowledged", "acme", "a.x", 1);
    expect(await value("t0", "a.z", "failed")).toBe(1);
    expect(await value("t10049", "a.z", "failed")).toBe(1);
    expect(await value("acme", "a.x")).toBe(7);
  });

  it("the parser refuses text that is not Prometheus exposition", () => {
    expect(() => parsePrometheus('a{l="1" 3\n')).toThrow();
    expect(() => parsePrometheus("# TYPE a counter\na hello\n")).toThrow();
  });
});
