import { randomUUID } from "node:crypto";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemCtx } from "../server/core/context";
import { cleanup, startTestApp, type TestApp, testConfig } from "../server/testing/fixtures";
import { sleep, until } from "../server/testing/http";
import { type ServerProcess, startNatsServer, startRedisServer } from "../server/testing/processes";

/** These tests stop and kill servers, so they run their own nats-server and redis-server on free ports. */

let nats: ServerProcess;
let redis: ServerProcess;
let app: TestApp;
const ctx = systemCtx("test");

async function health() {
  const res = await fetch(`${app.url}/api/health`);
  return {
    status: res.status,
    body: (await res.json()) as { status: string; details: { nats_connected: boolean; redis_connected: boolean } },
  };
}

function publish(id = randomUUID(), tenant = "acme") {
  return fetch(`${app.url}/api/events`, {
    method: "POST",
    headers: { "content-type": "application/cloudevents+json" },
    body: JSON.stringify({
      specversion: "1.0",
      id,
      source: "/tests/resilience",
      type: "com.anumate.test.load",
      tenantid: tenant,
      data: { id },
    }),
  });
}

beforeAll(async () => {
  [nats, redis] = await Promise.all([startNatsServer(), startRedisServer()]);
  app = await startTestApp(testConfig({ NATS_URL: nats.url, REDIS_URL: redis.url, PUBLISH_TIMEOUT_MS: "2000" }));
  await until(async () => (await health()).body.status === "healthy");
});

afterAll(async () => {
  await app?.stop();
  if (app) await cleanup(app.config);
  await Promise.all([nats?.dispose(), redis?.dispose()]);
});

describe("Redis down", () => {
  it("says degraded, keeps publishing without errors, and writes the counts when Redis returns", async () => {
    await redis.kill("SIGKILL");
    await until(async () => (await health()).body.status === "degraded");
    const h = await health();
    expect(h.status).toBe(200);
    expect(h.body.details.redis_connected).toBe(false);
    const tenant = `r${Date.now()}`;
    const answers = await Promise.all(Array.from({ length: 25 }, () => publish(undefined, tenant)));
    expect(answers.map((r) => r.status)).toEqual(Array(25).fill(202));

    await redis.start();
    await until(async () => (await health()).body.status === "healthy");
    const client = new Redis(redis.url);
    try {
      await until(
        async () =>
          Number(await client.hget(`${app.config.REDIS_KEY_PREFIX}published`, `${tenant}\u0000com.anumate.test.load`)) === 25,
      );
    } finally {
      client.disconnect();
    }
  });
});

describe("NATS down", () => {
  /** What a replay of everything stored would send (a dry run). */
  async function replayCount(): Promise<number> {
    const res = await fetch(`${app.url}/api/replays`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ from: { sequence: 1 }, target: { type: "stream" }, dryRun: true }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { count: number }).count;
  }

  /** The ids a replay of everything stored delivers to an in-process subscription (read on the reading thread). */
  async function replayIds(): Promise<string[]> {
    const post = (path: string, body: object) =>
      fetch(`${app.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const sub = (await (
      await post("/api/subscriptions", {
        name: `r-${randomUUID().slice(0, 8)}`,
        target: { type: "internal" },
        startAt: { type: "new" },
      })
    ).json()) as { id: string };
    const got: string[] = [];
    await app.container.subscriptions.attachHandler({ ctx, input: { id: sub.id, handler: (e) => void got.push(e.id) } });
    const res = await post("/api/replays", { from: { sequence: 1 }, target: { type: "subscription", id: sub.id } });
    expect(res.status).toBe(202);
    const { id, count } = (await res.json()) as { id: string; count: number };
    await until(async () => {
      const st = (await (await fetch(`${app.url}/api/replays/${id}`)).json()) as { state: string };
      return st.state === "completed";
    });
    expect(got.length).toBe(count);
    return got;
  }

  it("says unhealthy (503), answers publishes 503 with Retry-After, and recovers", async () => {
    const before = await replayCount();
    expect(before).toBeGreaterThan(0);
    expect((await replayIds()).length).toBe(before); // the reading thread and its own connection are up
    await nats.kill("SIGKILL");
    await until(async () => (await health()).status === 503);
    expect((await health()).body).toMatchObject({ status: "unhealthy", details: { nats_connected: false } });
    const r = await publish();
    expect(r.status).toBe(503);
    expect(r.headers.get("retry-after")).toBe("1");
    expect(((await r.json()) as { error: { code: string } }).error.code).toBe("UNAVAILABLE");
    expect((await fetch(`${app.url}/api/health/ready`)).status).toBe(503);
    expect((await fetch(`${app.url}/api/health/live`)).status).toBe(200);

    await nats.start();
    await until(async () => (await health()).status === 200);
    const id = randomUUID();
    expect((await publish(id)).status).toBe(202);
    // replays read again once the reading thread's connection is back: everything stored, the new event last
    expect(await replayCount()).toBe(before + 1);
    const ids = await replayIds();
    expect(ids.length).toBe(before + 1);
    expect(ids.at(-1)).toBe(id);
  });

  it("loses nothing acknowledged when nats-server is killed (-9) under publish load", async () => {
    const acked = new Set<string>();
    let errors = 0;
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const id = randomUUID();
        try {
          const r = await publish(id);
          if (r.status === 202) acked.add(id);
          else {
            expect([503]).toContain(r.status);
            errors++;
            await sleep(20);
          }
        } catch {
          errors++;
        }
      }
    };
    const workers = Array.from({ length: 16 }, worker);
    await sleep(800);
    const beforeKill = acked.size;
    await nats.kill("SIGKILL");
    await sleep(1000);
    await nats.start();
    await until(async () => (await health()).status === 200);
    // publishing resumes: answers 202 again (waited for, not timed: a loaded machine takes longer)
    const atRestart = acked.size;
    await until(() => acked.size > atRestart + 10, 15_000, "publishes acknowledged after the restart");
    stop = true;
    await Promise.all(workers);

    expect(beforeKill).toBeGreaterThan(0);
    expect(errors).toBeGreaterThan(0); // clients were told, not falsely acknowledged

    // every event answered 202 is in the stream
    const nc = await connect({ servers: nats.url });
    try {
      const jsm = await jetstreamManager(nc);
      const js = jetstream(nc);
      const info = await jsm.streams.info(app.config.STREAM_NAME);
      const c = await js.consumers.get(app.config.STREAM_NAME, { filter_subjects: `${app.config.SUBJECT_PREFIX}.acme.>` });
      const seen = new Set<string>();
      const msgs = await c.fetch({ max_messages: info.state.messages, expires: 5000 });
      for await (const m of msgs) {
        seen.add(m.headers?.get("ce-id") ?? "");
        if (m.info.pending === 0) break;
      }
      const missing = [...acked].filter((id) => !seen.has(id));
      expect(missing).toEqual([]);
      expect(acked.size).toBeGreaterThan(beforeKill);
    } finally {
      await nc.close();
    }
  });
});
