import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { afterAll, describe, expect, it } from "vitest";
import { cleanup, configEnv, startTestApp, type TestApp, testConfig } from "../server/testing/fixtures";
import { type ServerProcess, startChildApp, startRedisServer } from "../server/testing/processes";

const require = createRequire(import.meta.url);

const ADMIN = `admin-${randomUUID()}`;
const started: TestApp[] = [];
const configs: ReturnType<typeof testConfig>[] = [];
let redis: ServerProcess | undefined;

afterAll(async () => {
  for (const a of started) await a.stop();
  for (const c of configs) await cleanup(c);
  await redis?.dispose();
});

function limited(over: Record<string, string>) {
  const c = testConfig({
    AUTH_DISABLED: "false",
    ADMIN_API_KEY: ADMIN,
    RATE_LIMIT_KEY_REQUESTS: "0",
    RATE_LIMIT_KEY_EVENTS: "0",
    RATE_LIMIT_TENANT_REQUESTS: "0",
    RATE_LIMIT_TENANT_EVENTS: "0",
    RATE_LIMIT_BURST: "1",
    ...over,
  });
  configs.push(c);
  return c;
}

async function start(c: ReturnType<typeof testConfig>) {
  const a = await startTestApp(c);
  started.push(a);
  return a;
}

async function key(app: TestApp, tenant: string): Promise<string> {
  const r = await fetch(`${app.url}/api/keys`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
    body: JSON.stringify({ name: `k-${tenant}`, tenant, roles: ["publisher", "subscriber"] }),
  });
  return ((await r.json()) as { key: string }).key;
}

const publish = (url: string, k: string, tenant: string, n = 1) =>
  fetch(`${url}/api/events`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${k}`,
      "content-type": n === 1 ? "application/cloudevents+json" : "application/cloudevents-batch+json",
    },
    body: JSON.stringify(
      n === 1
        ? { specversion: "1.0", id: randomUUID(), source: "/rl", type: "com.anumate.rl.x", tenantid: tenant }
        : Array.from({ length: n }, () => ({
            specversion: "1.0",
            id: randomUUID(),
            source: "/rl",
            type: "com.anumate.rl.x",
            tenantid: tenant,
          })),
    ),
  });

describe("rate limits", () => {
  it("limits requests per key: 429 with Retry-After and RateLimit headers, shared by every replica through Redis", async () => {
    const c = limited({ RATE_LIMIT_KEY_REQUESTS: "5" });
    const [a, b] = [await start(c), await start(c)];
    const k = await key(a, "acme");
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let i = 0; i < 12; i++) {
      const r = await publish(i % 2 ? a.url : b.url, k, "acme");
      statuses.push(r.status);
      if (r.status === 429) refused ??= r;
      else expect(r.headers.get("ratelimit-limit")).toBe("5");
    }
    // burst 5 over both replicas together (a per-replica limit would allow 10)
    expect(statuses.filter((s) => s === 202).length).toBeLessThanOrEqual(6);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(6);
    expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused?.headers.get("ratelimit-remaining")).toBe("0");
    const body = (await refused?.json()) as { error: { code: string } };
    expect(body.error.code).toBe("RATE_LIMITED");
    // health is never limited
    for (let i = 0; i < 10; i++) expect((await fetch(`${a.url}/api/health/live`)).status).toBe(200);
  });

  it("limits events per tenant (a batch counts each event)", async () => {
    const c = limited({ RATE_LIMIT_TENANT_EVENTS: "50" });
    const a = await start(c);
    const k = await key(a, "acme");
    expect((await publish(a.url, k, "acme", 40)).status).toBe(202);
    const over = await publish(a.url, k, "acme", 40);
    expect(over.status).toBe(429);
    // the refused batch stored nothing: 10 tokens are still there
    expect((await publish(a.url, k, "acme", 10)).status).toBe(202);
  });

  it("a flooding tenant does not slow the others", async () => {
    // the service and the flood run in processes of their own, so the test's event loop measures only the quiet tenant
    const c = limited({ RATE_LIMIT_TENANT_REQUESTS: "50" });
    const helper = await start(c); // only to create the keys
    const [flooder, quiet] = [await key(helper, "flood"), await key(helper, "quiet")];
    const child = await startChildApp({ ...configEnv(c), API_PORT: "0", LOG_LEVEL: "silent" });
    try {
      const time = async () => {
        const t = performance.now();
        expect((await publish(child.url, quiet, "quiet")).status).toBe(202);
        return performance.now() - t;
      };
      const baseline: number[] = [];
      for (let i = 0; i < 30; i++) baseline.push(await time());
      const body = JSON.stringify({
        specversion: "1.0",
        id: "flood",
        source: "/rl",
        type: "com.anumate.rl.x",
        tenantid: "flood",
      });
      const flood = spawn(
        process.execPath,
        [
          require.resolve("autocannon/autocannon.js"),
          "-c",
          "20",
          "-d",
          "4",
          "-j",
          "-m",
          "POST",
          "-H",
          `authorization=Bearer ${flooder}`,
          "-H",
          "content-type=application/cloudevents+json",
          "-b",
          body,
          `${child.url}/api/events`,
        ],
        { stdio: ["ignore", "pipe", "ignore"] },
      );
      let out = "";
      flood.stdout.on("data", (d: Buffer) => {
        out += d.toString();
      });
      await new Promise((r) => setTimeout(r, 500));
      const during: number[] = [];
      for (let i = 0; i < 40; i++) during.push(await time());
      await new Promise((r) => flood.on("exit", r));
      const report = JSON.parse(out) as { non2xx: number; requests: { total: number } };
      const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number;
      expect(report.non2xx).toBeGreaterThan(1000); // the flood was refused
      // every quiet request succeeded (asserted in time()); its median latency stays of the same order
      expect(median(during)).toBeLessThan(Math.max(10 * median(baseline), 50));
    } finally {
      await child.kill("SIGTERM");
    }
  }, 30_000);

  it("keeps limiting with a local limiter while Redis is down", async () => {
    redis = await startRedisServer();
    const c = limited({ REDIS_URL: redis.url, RATE_LIMIT_KEY_REQUESTS: "5" });
    const a = await start(c);
    const k = await key(a, "acme");
    await redis.kill("SIGKILL");
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await publish(a.url, k, "acme")).status);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(5);
    expect(statuses.filter((s) => s === 202).length).toBeGreaterThanOrEqual(1);
  });
});
