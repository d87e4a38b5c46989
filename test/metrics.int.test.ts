import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  eventStatusSchema,
  lagSeriesSchema,
  latencySchema,
  metricSeriesSchema,
  metricsSummarySchema,
  metricTopSchema,
} from "../lib/contracts/metrics";
import type { SubscriptionDto } from "../lib/contracts/subscriptions";
import { systemCtx } from "../server/core/context";
import { RejectEvent } from "../server/core/delivery/members";
import { cleanup, startTestApp, type TestApp, testConfig } from "../server/testing/fixtures";
import { apiClient, sleep, until } from "../server/testing/http";
import { parsePrometheus } from "../server/testing/prometheus-text";

/** Metrics against the real NATS and Redis: exact counts after a known workload, the read APIs, /metrics, lag. */

let app: TestApp;
const ctx = systemCtx("test");
const run = randomUUID().slice(0, 6);

const api = apiClient(() => app.url);

async function createSub(def: Record<string, unknown>, base = app.url): Promise<SubscriptionDto> {
  const r = await api<SubscriptionDto>("POST", "/api/subscriptions", { name: `m-${randomUUID().slice(0, 8)}`, ...def }, base);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

async function publish(
  type: string,
  tenant: string,
  extra: Record<string, unknown> = {},
  base = app.url,
  id: string = randomUUID(),
) {
  const res = await fetch(`${base}/api/events`, {
    method: "POST",
    headers: { "content-type": "application/cloudevents+json" },
    body: JSON.stringify({ specversion: "1.0", id, source: "/tests/metrics", type, tenantid: tenant, data: { id }, ...extra }),
  });
  expect(res.status).toBe(202);
  return { id, ...((await res.json()) as { seq: number; duplicate: boolean }) };
}

beforeAll(async () => {
  app = await startTestApp(testConfig({ LAG_SAMPLE_MS: "200", METRICS_FLUSH_MS: "100", MAX_DELIVER_ATTEMPTS: "3" }));
});
afterAll(async () => {
  await app?.stop();
  if (app) await cleanup(app.config);
});

describe("counters after a known workload", () => {
  const t1 = `ma${run}`;
  const t2 = `mb${run}`;
  const typeA = `com.anumate.m${run}.a`;
  const typeB = `com.anumate.m${run}.b`;
  let sub: SubscriptionDto;
  const okEvents: { id: string; seq: number }[] = [];
  const seen: { id: string; attempt: number; replayId?: string }[] = [];
  let rejected: { seq: number };
  let flaky: { seq: number };

  beforeAll(async () => {
    sub = await createSub({
      types: [typeA, typeB],
      target: { type: "internal" },
      retry: { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 50 },
      circuit: { failureThreshold: 100 }, // five failures in a row must not open it here
    });
    await app.container.subscriptions.attachHandler({
      ctx,
      input: {
        id: sub.id,
        handler: (e, info) => {
          seen.push({ id: e.id, attempt: info.attempt, ...(info.replayId ? { replayId: info.replayId } : {}) });
          if (e.extensions.mode === "reject") throw new RejectEvent("cannot take it");
          if (e.extensions.mode === "flaky" && info.attempt === 1 && !info.replayId) throw new Error("HTTP 503: try later");
        },
      },
    });
    // t1/A: 6 acknowledged at once (one published twice: stored and counted once)
    for (let i = 0; i < 6; i++) okEvents.push(await publish(typeA, t1, { mode: "ok" }));
    const dup = await publish(typeA, t1, { mode: "ok" }, app.url, okEvents[0]?.id);
    expect(dup.duplicate).toBe(true);
    // t1/B: 2 rejected (dead-lettered at the first attempt)
    rejected = await publish(typeB, t1, { mode: "reject" });
    await publish(typeB, t1, { mode: "reject" });
    // t2/A: 3 failing once, then acknowledged
    flaky = await publish(typeA, t2, { mode: "flaky" });
    await publish(typeA, t2, { mode: "flaky" });
    await publish(typeA, t2, { mode: "flaky" });
    await until(() => seen.length === 6 + 2 + 6, 20_000, "every attempt");
  });

  const expected = { published: 11, delivered: 14, acknowledged: 9, failed: 5, deadLettered: 2, replayed: 0, requeued: 0 };

  it("the summary, series and top lists are exact", async () => {
    await until(
      async () => {
        const r = await api("GET", "/api/metrics/summary?window=5m");
        return JSON.stringify((r.body as { totals: unknown }).totals) === JSON.stringify(expected);
      },
      20_000,
      "summary totals",
    );
    const summary = metricsSummarySchema.parse((await api("GET", "/api/metrics/summary?window=5m")).body);
    expect(summary.totals).toEqual(expected);
    expect(metricsSummarySchema.parse((await api("GET", `/api/metrics/summary?window=1h&tenant=${t2}`)).body).totals).toEqual({
      published: 3,
      delivered: 6,
      acknowledged: 3,
      failed: 3,
      deadLettered: 0,
      replayed: 0,
      requeued: 0,
    });

    const series = metricSeriesSchema.parse(
      (await api("GET", `/api/metrics/series?metric=published&window=15m&tenant=${t1}&type=${typeA}`)).body,
    );
    expect(series).toMatchObject({ metric: "published", window: "15m", step: 1, tenant: t1, type: typeA, total: 6 });
    expect(series.points).toHaveLength(900);
    expect(series.points.reduce((a, p) => a + p.value, 0)).toBe(6);
    const times = series.points.map((p) => Date.parse(p.t));
    expect(times.every((t, i) => i === 0 || t - (times[i - 1] ?? 0) === 1000)).toBe(true);
    expect(Date.now() - (times.at(-1) ?? 0)).toBeLessThan(5000);

    const perMinute = metricSeriesSchema.parse(
      (await api("GET", `/api/metrics/series?metric=failed&window=1h&type=${typeA}`)).body,
    );
    expect(perMinute.step).toBe(60);
    expect(perMinute.points).toHaveLength(60);
    expect(perMinute.total).toBe(3);
    const dl = metricSeriesSchema.parse((await api("GET", "/api/metrics/series?metric=deadLettered&window=5m")).body);
    expect(dl.total).toBe(2);

    const byType = metricTopSchema.parse(
      (await api("GET", `/api/metrics/top?by=type&metric=published&window=1h&tenant=${t1}`)).body,
    );
    expect(byType.items).toEqual([
      { key: typeA, value: 6 },
      { key: typeB, value: 2 },
    ]);
    const byTenant = metricTopSchema.parse((await api("GET", "/api/metrics/top?by=tenant&metric=delivered&window=15m")).body);
    expect(byTenant.items).toEqual([
      { key: t1, value: 8 },
      { key: t2, value: 6 },
    ]);
    const allTypes = metricTopSchema.parse(
      (await api("GET", "/api/metrics/top?by=type&metric=acknowledged&window=24h&limit=1")).body,
    );
    expect(allTypes.items).toEqual([{ key: typeA, value: 9 }]);
  });

  it("the all-time counts in Redis are exact", async () => {
    const redis = new Redis(app.config.REDIS_URL);
    try {
      const p = app.config.REDIS_KEY_PREFIX;
      expect(await redis.hgetall(`${p}published`)).toEqual({
        [`${t1}\u0000${typeA}`]: "6",
        [`${t1}\u0000${typeB}`]: "2",
        [`${t2}\u0000${typeA}`]: "3",
      });
      expect(await redis.hget(`${p}failed`, `${t2}\u0000${typeA}`)).toBe("3");
      expect(await redis.hget(`${p}deadLettered`, `${t1}\u0000${typeB}`)).toBe("2");
      // per-second buckets expire after METRICS_SECOND_RETENTION, per-minute ones after METRICS_MINUTE_RETENTION
      const [secKey] = await redis.keys(`${p}m:published:s:*`);
      const [minKey] = await redis.keys(`${p}m:published:m:*`);
      const secTtl = await redis.ttl(secKey as string);
      const minTtl = await redis.ttl(minKey as string);
      expect(secTtl).toBeGreaterThan(3500);
      expect(secTtl).toBeLessThanOrEqual(3600);
      expect(minTtl).toBeGreaterThan(172_000);
      expect(minTtl).toBeLessThanOrEqual(172_800);
    } finally {
      redis.disconnect();
    }
  });

  it("each event's processing status, per subscription, with times", async () => {
    const ok = eventStatusSchema.parse((await api("GET", `/api/events/${okEvents[1]?.seq}/status`)).body);
    expect(ok).toMatchObject({ seq: okEvents[1]?.seq, id: okEvents[1]?.id, tenant: t1, type: typeA, tracked: true });
    expect(ok.status).toBe("acknowledged");
    expect(ok.subscriptions).toHaveLength(1);
    const s = ok.subscriptions[0];
    expect(s).toMatchObject({ subscription: sub.id, state: "acknowledged", attempts: 1, failedAt: null, lastError: null });
    expect(Date.parse(ok.publishedAt ?? "")).toBeLessThanOrEqual(Date.parse(s?.deliveredAt ?? ""));
    expect(Date.parse(s?.deliveredAt ?? "")).toBeLessThanOrEqual(Date.parse(s?.acknowledgedAt ?? ""));
    expect(s?.latencyMs).toBeGreaterThanOrEqual(0);

    const f = eventStatusSchema.parse((await api("GET", `/api/events/${flaky.seq}/status`)).body);
    expect(f.subscriptions[0]).toMatchObject({
      state: "acknowledged",
      attempts: 2,
      lastError: { message: "HTTP 503: try later" },
    });
    expect(Date.parse(f.subscriptions[0]?.failedAt ?? "")).toBeLessThan(Date.parse(f.subscriptions[0]?.acknowledgedAt ?? ""));

    const r = eventStatusSchema.parse((await api("GET", `/api/events/${rejected.seq}/status`)).body);
    expect(r.status).toBe("dead-lettered");
    expect(r.subscriptions[0]).toMatchObject({ state: "dead-lettered", attempts: 1, lastError: { message: "cannot take it" } });
    expect(r.subscriptions[0]?.deadLetteredAt).not.toBeNull();

    expect((await api("GET", "/api/events/999999999/status")).status).toBe(404);
    expect((await api("GET", "/api/events/abc/status")).status).toBe(400);
  });

  it("publish → acknowledgement latency per subscription", async () => {
    const l = latencySchema.parse((await api("GET", `/api/subscriptions/${sub.id}/latency?window=15m`)).body);
    expect(l.count).toBe(9);
    expect(l.buckets.reduce((a, b) => a + b.count, 0)).toBe(9);
    expect(l.p50Ms).not.toBeNull();
    expect(l.meanMs).toBeGreaterThanOrEqual(0);
    expect((await api("GET", "/api/subscriptions/sub_nope/latency")).status).toBe(404);
  });

  it("/metrics has the same counts, as valid Prometheus text", async () => {
    const res = await fetch(`${app.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const prom = parsePrometheus(await res.text());
    expect(prom.value("anumate_events_total", { event: "published", tenant: t1, type: typeA })).toBe(6);
    expect(prom.value("anumate_events_total", { event: "failed", tenant: t2, type: typeA })).toBe(3);
    expect(prom.value("anumate_events_total", { event: "dead_lettered", tenant: t1, type: typeB })).toBe(2);
    const acked = prom.samples("anumate_events_total").filter((s) => s.labels.event === "acknowledged");
    expect(acked.reduce((a, s) => a + s.value, 0)).toBe(9);
    expect(prom.value("anumate_delivery_latency_seconds_count", { subscription: sub.id })).toBe(9);
    expect(prom.value("anumate_subscription_lag", { subscription: sub.id })).toBe(0);
    expect(prom.value("anumate_subscription_circuit_state", { subscription: sub.id, state: "closed" })).toBe(1);
    expect(prom.value("anumate_dead_letters")).toBe(2);
    expect(prom.value("anumate_stream_messages", { stream: app.config.STREAM_NAME })).toBeGreaterThanOrEqual(11);
    expect(prom.value("anumate_connection_up", { server: "nats" })).toBe(1);
    expect(prom.value("anumate_connection_up", { server: "redis" })).toBe(1);
    expect(prom.value("anumate_http_requests_total", { method: "POST", route: "/api/events", status: "202" })).toBe(12);
    expect(prom.value("anumate_http_requests_total", { route: "/api/events/:seq/status", status: "404" })).toBe(1);
    expect(prom.value("process_resident_memory_bytes")).toBeGreaterThan(0);
  });

  it("replayed events are counted, and their age is not taken as latency", async () => {
    const r = await api<{ id: string; count: number }>("POST", "/api/replays", {
      from: { sequence: okEvents[0]?.seq },
      to: { sequence: okEvents[5]?.seq },
      filter: { tenant: t1, types: [typeA] },
      target: { type: "subscription", id: sub.id },
    });
    expect(r.status).toBe(202);
    expect(r.body.count).toBe(6);
    await until(() => seen.filter((s) => s.replayId === r.body.id).length === 6, 20_000, "replayed deliveries");
    await until(
      async () =>
        metricsSummarySchema.parse((await api("GET", "/api/metrics/summary?window=5m")).body).totals.acknowledged === 15,
    );
    const totals = metricsSummarySchema.parse((await api("GET", "/api/metrics/summary?window=5m")).body).totals;
    expect(totals).toEqual({ ...expected, replayed: 6, delivered: 20, acknowledged: 15 });
    const l = latencySchema.parse((await api("GET", `/api/subscriptions/${sub.id}/latency?window=15m`)).body);
    expect(l.count).toBe(9);
    const st = eventStatusSchema.parse((await api("GET", `/api/events/${okEvents[2]?.seq}/status`)).body);
    expect(st.subscriptions[0]).toMatchObject({ state: "acknowledged", attempts: 2 });
  });

  it("refuses unknown metrics and windows, naming the field", async () => {
    const r = await api<{ error: { code: string; details: { field: string }[] } }>("GET", "/api/metrics/series?metric=nope");
    expect(r.status).toBe(400);
    expect(r.body.error.details[0]?.field).toBe("metric");
    const w = await api<{ error: { details: { field: string }[] } }>("GET", "/api/metrics/top?by=type&window=2d");
    expect(w.status).toBe(400);
    expect(w.body.error.details[0]?.field).toBe("window");
  });
});

describe("lag history", () => {
  it("is sampled once per period across replicas, and two replicas count into the same series", async () => {
    const type = `com.anumate.lag${run}.x`;
    const tenant = `lag${run}`;
    const replica = await startTestApp(app.config);
    try {
      // a WebSocket subscription with no client connected: its events wait (lag)
      const sub = await createSub({ types: [type], target: { type: "websocket" } });
      for (let i = 0; i < 3; i++) await publish(type, tenant);
      for (let i = 0; i < 2; i++) await publish(type, tenant, {}, replica.url);
      await until(
        async () => {
          const r = lagSeriesSchema.parse((await api("GET", `/api/subscriptions/${sub.id}/lag?window=5m`)).body);
          return r.points.at(-1)?.lag === 5;
        },
        20_000,
        "lag sample of 5",
      );
      await sleep(1500); // several periods, both replicas sampling
      const lag = lagSeriesSchema.parse(
        (await api("GET", `/api/subscriptions/${sub.id}/lag?window=5m`, undefined, replica.url)).body,
      );
      expect(lag.step).toBe(0.2);
      const times = lag.points.map((p) => Date.parse(p.t));
      expect(new Set(times).size).toBe(times.length); // one sample per period, not one per replica
      expect(times.every((t) => t % 200 === 0)).toBe(true);
      expect(times).toEqual([...times].sort((a, b) => a - b));
      expect(lag.points.at(-1)).toMatchObject({ lag: 5, ackPending: 0 });

      await until(async () => {
        const s = metricSeriesSchema.parse(
          (await api("GET", `/api/metrics/series?metric=published&window=5m&tenant=${tenant}`)).body,
        );
        return s.total === 5;
      });
      const fromReplica = metricSeriesSchema.parse(
        (await api("GET", `/api/metrics/series?metric=published&window=5m&tenant=${tenant}`, undefined, replica.url)).body,
      );
      expect(fromReplica.total).toBe(5);
    } finally {
      await replica.stop();
    }
  });
});

describe("/metrics and auth", () => {
  it("is public and never rate-limited, while the read APIs need a key", async () => {
    const key = `adm_${randomUUID()}`;
    const secured = await startTestApp(
      testConfig({ AUTH_DISABLED: "false", ADMIN_API_KEY: key, RATE_LIMIT_KEY_REQUESTS: "1", RATE_LIMIT_BURST: "1" }),
    );
    try {
      const answers = await Promise.all(Array.from({ length: 15 }, () => fetch(`${secured.url}/metrics`)));
      expect(answers.map((r) => r.status)).toEqual(Array(15).fill(200));
      parsePrometheus(await (answers[0] as Response).text());
      for (const r of answers.slice(1)) await r.arrayBuffer();
      expect((await fetch(`${secured.url}/api/metrics/summary`)).status).toBe(401);
      const ok = await fetch(`${secured.url}/api/metrics/summary?window=5m`, { headers: { authorization: `Bearer ${key}` } });
      expect(ok.status).toBe(200);
      expect(metricsSummarySchema.parse(await ok.json()).totals.published).toBe(0);
    } finally {
      await secured.stop();
      await cleanup(secured.config);
    }
  });
});
