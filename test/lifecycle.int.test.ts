import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { request } from "node:http";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../server/config";
import { cleanup, startTestApp, testConfig } from "../server/testing/fixtures";

describe("graceful shutdown", () => {
  it("finishes publishes under way, then drains; stopping twice is safe", async () => {
    const app = await startTestApp();
    try {
      let received = 0;
      app.http.server.on("request", () => {
        received++;
      });
      // 20 requests whose bodies are half sent when the stop begins: they are under way
      const inFlight = Array.from({ length: 20 }, () => {
        const id = randomUUID();
        const body = JSON.stringify({ specversion: "1.0", id, source: "/tests/shutdown", type: "com.anumate.test.shutdown" });
        const req = request(`${app.url}/api/events`, {
          method: "POST",
          headers: { "content-type": "application/cloudevents+json", "content-length": Buffer.byteLength(body) },
        });
        const status = new Promise<number>((resolve) => {
          req.on("response", (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on("error", () => resolve(0));
        });
        req.write(body.slice(0, 10));
        return { id, status, finish: () => req.end(body.slice(10)) };
      });
      while (received < inFlight.length) await new Promise((r) => setTimeout(r, 5));
      const stopping = app.stop();
      await new Promise((r) => setTimeout(r, 50));
      expect((await fetch(`${app.url}/api/health`).catch(() => undefined))?.status).toBeUndefined(); // no new connections
      for (const r of inFlight) r.finish();
      const statuses = await Promise.all(inFlight.map((r) => r.status));
      await stopping;
      await app.stop(); // a second stop resolves too
      expect(app.container.running()).toBe(false);
      expect(statuses).toEqual(Array(inFlight.length).fill(202));

      const nc = await connect({ servers: app.config.NATS_URL });
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(app.config.STREAM_NAME);
      await nc.close();
      expect(info.state.messages).toBe(inFlight.length);
    } finally {
      await cleanup(app.config);
    }
  });
});

describe("configuration", () => {
  it("names each bad variable and its rule", () => {
    try {
      loadConfig({ API_PORT: "http", MAX_DELIVER_ATTEMPTS: "0", REDIS_URL: "localhost:6379", NATS_URL: "nats://a:4222,bad url" });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const vars = (e as ConfigError).problems.map((p) => p.variable).sort();
      expect(vars).toEqual(["API_PORT", "MAX_DELIVER_ATTEMPTS", "NATS_URL", "REDIS_URL"]);
      expect((e as Error).message).toMatch(/REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL/);
    }
  });

  it("applies the documented defaults", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      NATS_URL: ["nats://127.0.0.1:4222"],
      REDIS_URL: "redis://127.0.0.1:6379",
      STREAM_NAME: "ANUMATE_EVENTS",
      MAX_MSGS: 1_000_000,
      MAX_BYTES: 1_073_741_824,
      MAX_AGE: 604_800,
      STREAM_REPLICAS: 1,
      DUPLICATE_WINDOW: 120,
      DEAD_LETTER_STREAM: "ANUMATE_DEAD_LETTERS",
      MAX_DELIVER_ATTEMPTS: 5,
      API_HOST: "0.0.0.0",
      API_PORT: 8080,
      MAX_EVENT_BYTES: 1_048_576,
    });
    expect(loadConfig({ NATS_URL: "nats://a:4222, nats://b:4222" }).NATS_URL).toEqual(["nats://a:4222", "nats://b:4222"]);
  });

  it("stops the server at start-up with a message naming the variable", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
      env: { ...process.env, API_PORT: "99999", STREAM_NAME: "bad name" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(2);
    expect(stderr).toMatch(/API_PORT: must be 0-65535/);
    expect(stderr).toMatch(/STREAM_NAME: must be 1-64 characters/);
  });

  it("refuses to start against a stream that exists with other subjects", async () => {
    const cfg = testConfig();
    const nc = await connect({ servers: cfg.NATS_URL });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: cfg.STREAM_NAME, subjects: [`other${randomUUID().slice(0, 8)}.>`] });
    try {
      await expect(startTestApp(cfg)).rejects.toThrow(/left untouched/);
      expect((await jsm.streams.info(cfg.STREAM_NAME)).config.subjects?.[0]).toMatch(/^other/);
    } finally {
      await nc.close();
      await cleanup(cfg);
    }
  });
});
