import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metricsSummarySchema } from "../lib/contracts/metrics";
import { systemCtx } from "../server/core/context";
import { cleanup, startTestApp, type TestApp, testConfig } from "../server/testing/fixtures";
import { sleep, until } from "../server/testing/http";
import { type ServerProcess, startRedisServer } from "../server/testing/processes";
import { parsePrometheus } from "../server/testing/prometheus-text";

/** Redis stopped and started under publish load: publishers see no error, metrics wait in memory and catch up. */

let redis: ServerProcess;
let app: TestApp;

async function health() {
  return ((await (await fetch(`${app.url}/api/health`)).json()) as { status: string }).status;
}

beforeAll(async () => {
  redis = await startRedisServer();
  app = await startTestApp(testConfig({ REDIS_URL: redis.url, METRICS_FLUSH_MS: "100", LAG_SAMPLE_MS: "200" }));
  await until(async () => (await health()) === "healthy");
});

afterAll(async () => {
  await app?.stop();
  if (app) await cleanup(app.config);
  await redis?.dispose();
});

describe("Redis stopped mid-run", () => {
  it("publishers see no error, health says degraded, and every count is written when Redis returns", async () => {
    const tenant = `rs${randomUUID().slice(0, 6)}`;
    const type = "com.anumate.test.resilience";
    const sub = await (
      await fetch(`${app.url}/api/subscriptions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: `rs-${tenant}`, types: [type], target: { type: "internal" } }),
      })
    ).json();
    let handled = 0;
    await app.container.subscriptions.attachHandler({
      ctx: systemCtx("test"),
      input: { id: (sub as { id: string }).id, handler: () => void handled++ },
    });

    let stop = false;
    let accepted = 0;
    const failures: string[] = [];
    const worker = async () => {
      while (!stop) {
        const id = randomUUID();
        try {
          const r = await fetch(`${app.url}/api/events`, {
            method: "POST",
            headers: { "content-type": "application/cloudevents+json" },
            body: JSON.stringify({ specversion: "1.0", id, source: "/tests/metrics-resilience", type, tenantid: tenant }),
          });
          if (r.status === 202) accepted++;
          else failures.push(`${r.status} ${await r.text()}`);
        } catch (e) {
          failures.push(String(e));
        }
        await sleep(5);
      }
    };
    const workers = Array.from({ length: 4 }, worker);

    await sleep(500);
    const beforeStop = accepted;
    // a clean stop that keeps its data (SHUTDOWN SAVE), so the counts from before can be checked too
    const admin = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    await admin.shutdown("SAVE").catch(() => {});
    admin.disconnect();
    await redis.kill("SIGKILL");
    await until(async () => (await health()) === "degraded", 10_000, "degraded");

    const read = await fetch(`${app.url}/api/metrics/summary?window=5m`);
    expect(read.status).toBe(503);
    expect(((await read.json()) as { error: { code: string } }).error.code).toBe("UNAVAILABLE");
    await sleep(1000);
    const prom = parsePrometheus(await (await fetch(`${app.url}/metrics`)).text());
    expect(prom.value("anumate_connection_up", { server: "redis" })).toBe(0);
    expect(prom.value("anumate_metrics_backlog")).toBeGreaterThan(0);
    const duringOutage = accepted - beforeStop;

    await redis.start();
    await until(async () => (await health()) === "healthy", 15_000, "healthy again");
    await sleep(500);
    stop = true;
    await Promise.all(workers);

    expect(failures).toEqual([]);
    expect(beforeStop).toBeGreaterThan(0);
    expect(duringOutage).toBeGreaterThan(0);
    await until(() => handled >= accepted, 20_000, "every event handled");

    const client = new Redis(redis.url);
    try {
      await until(
        async () => Number(await client.hget(`${app.config.REDIS_KEY_PREFIX}published`, `${tenant}\u0000${type}`)) === accepted,
        15_000,
        "all-time published count",
      );
      await until(async () => {
        const r = await fetch(`${app.url}/api/metrics/summary?window=5m&tenant=${tenant}`);
        if (r.status !== 200) return false;
        const t = metricsSummarySchema.parse(await r.json()).totals;
        return t.published === accepted && t.acknowledged === accepted;
      });
      const totals = metricsSummarySchema.parse(
        await (await fetch(`${app.url}/api/metrics/summary?window=5m&tenant=${tenant}`)).json(),
      ).totals;
      expect(totals).toMatchObject({ published: accepted, delivered: accepted, acknowledged: accepted, failed: 0 });
      expect(app.container.metrics.backlog()).toEqual({ entries: expect.any(Number), dropped: 0 });
    } finally {
      client.disconnect();
    }
  });

  it("status writes survive a Redis that forgot its scripts (SCRIPT FLUSH), without counting anything twice", async () => {
    const tenant = `sf${randomUUID().slice(0, 6)}`;
    const type = "com.anumate.test.scriptflush";
    const sub = (await (
      await fetch(`${app.url}/api/subscriptions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: `sf-${tenant}`, types: [type], target: { type: "internal" } }),
      })
    ).json()) as { id: string };
    const handled: number[] = [];
    await app.container.subscriptions.attachHandler({
      ctx: systemCtx("test"),
      input: { id: sub.id, handler: (_e, info) => void handled.push(info.seq) },
    });
    const client = new Redis(redis.url);
    try {
      const seqs: number[] = [];
      const statusOf = async (seq: number | undefined) =>
        ((await (await fetch(`${app.url}/api/events/${seq}/status`)).json()) as { subscriptions: { state: string }[] })
          .subscriptions[0]?.state;
      const publishOne = async () => {
        const r = await fetch(`${app.url}/api/events`, {
          method: "POST",
          headers: { "content-type": "application/cloudevents+json" },
          body: JSON.stringify({ specversion: "1.0", id: randomUUID(), source: "/tests/sf", type, tenantid: tenant }),
        });
        seqs.push(((await r.json()) as { seq: number }).seq);
      };
      // one status written (the script is loaded), then Redis forgets it
      await publishOne();
      await until(async () => (await statusOf(seqs[0])) === "acknowledged");
      await client.script("FLUSH");
      for (let i = 0; i < 3; i++) await publishOne();
      await until(() => handled.length === 4);
      await until(async () => (await statusOf(seqs[3])) === "acknowledged");
      await sleep(300); // a few more flushes: nothing may be written twice
      const totals = metricsSummarySchema.parse(
        await (await fetch(`${app.url}/api/metrics/summary?window=5m&tenant=${tenant}`)).json(),
      ).totals;
      expect(totals).toMatchObject({ published: 4, delivered: 4, acknowledged: 4 });
      const st = (await (await fetch(`${app.url}/api/events/${seqs[2]}/status`)).json()) as {
        subscriptions: { attempts: number }[];
      };
      expect(st.subscriptions[0]?.attempts).toBe(1);
    } finally {
      client.disconnect();
    }
  });
});
