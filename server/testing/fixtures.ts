import { randomBytes } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { Redis } from "ioredis";
import { type Config, loadConfig } from "../config";
import { type Container, createContainer } from "../container";
import { createLogger } from "../log";
import { createHttpServer, type HttpServer } from "../transport/http/server";
import type { WsOptions } from "../transport/ws/gateway";

/**
 * Test fixtures against the real NATS and Redis. Every run gets its own stream names, subject
 * prefix and Redis key prefix, and `cleanup()` deletes them.
 */

export function uniqueSuffix(): string {
  return randomBytes(4).toString("hex");
}

/** A config for one test run (env from the process for server addresses, unique names). */
export function testConfig(overrides: Record<string, string> = {}): Config {
  const id = uniqueSuffix();
  return loadConfig({
    NATS_URL: process.env.NATS_URL,
    REDIS_URL: process.env.REDIS_URL,
    STREAM_NAME: `T_${id}_EVENTS`,
    DEAD_LETTER_STREAM: `T_${id}_DLQ`,
    AUDIT_STREAM: `T_${id}_AUDIT`,
    SUBJECT_PREFIX: `t${id}`,
    REDIS_KEY_PREFIX: `test:${id}:`,
    DUPLICATE_WINDOW: "120",
    API_PORT: "0",
    API_HOST: "127.0.0.1",
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
    // most tests exercise behaviour, not auth; test/security*.int.test.ts turn it on
    AUTH_DISABLED: "true",
    // likewise rate limits: test/rate-limits.int.test.ts turns them on
    RATE_LIMIT_KEY_REQUESTS: "0",
    RATE_LIMIT_KEY_EVENTS: "0",
    RATE_LIMIT_TENANT_REQUESTS: "0",
    RATE_LIMIT_TENANT_EVENTS: "0",
    ...overrides,
  });
}

export interface TestApp {
  config: Config;
  container: Container;
  http: HttpServer;
  url: string;
  /** The `/api/ws` endpoint. */
  wsUrl: string;
  /**
   * Destroys the server side of every `/api/ws` connection (as a crashed proxy or a network cut would),
   * without a close frame. Returns how many were dropped.
   */
  dropWsClients(): number;
  /**
   * The most bytes ever queued in this process for one `/api/ws` socket (written by the server, not
   * yet taken by the kernel), measured after each write.
   */
  wsBufferedHighWater(): number;
  stop(): Promise<void>;
}

/** Remembers the sockets upgraded on `/api/ws`, so a test can cut them from the server side. */
function trackWsSockets(server: Server): { dropAll(): number; highWater(): number } {
  const sockets = new Set<Duplex>();
  let highWater = 0;
  server.on("upgrade", (req: IncomingMessage, socket: Duplex) => {
    if ((req.url ?? "").split("?")[0] !== "/api/ws") return;
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    const write = socket.write;
    socket.write = function (this: Duplex, ...args: Parameters<Duplex["write"]>) {
      const ok = write.apply(this, args);
      highWater = Math.max(highWater, this.writableLength);
      return ok;
    } as Duplex["write"];
  });
  return {
    dropAll() {
      const n = sockets.size;
      for (const s of sockets) s.destroy();
      sockets.clear();
      return n;
    },
    highWater: () => highWater,
  };
}

export interface TestAppOptions {
  /** WebSocket gateway options (e.g. a small `maxBufferedBytes` for slow-client tests). */
  ws?: WsOptions;
}

/** Container + HTTP API (no Next) on a free port. */
export async function startTestApp(config: Config = testConfig(), opts: TestAppOptions = {}): Promise<TestApp> {
  const container = await createContainer(config, { logger: createLogger(config.LOG_LEVEL) });
  const http = createHttpServer(container, undefined, opts.ws ? { ws: opts.ws } : {});
  const sockets = trackWsSockets(http.server);
  const port = await http.listen(0, "127.0.0.1");
  return {
    config,
    container,
    http,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/api/ws`,
    dropWsClients: () => sockets.dropAll(),
    wsBufferedHighWater: () => sockets.highWater(),
    async stop() {
      await http.close(2000);
      await container.stop();
    },
  };
}

/** Deletes the run's streams and Redis keys. */
export async function cleanup(config: Config): Promise<void> {
  const nc = await connect({ servers: config.NATS_URL });
  try {
    const jsm = await jetstreamManager(nc);
    const names = [config.STREAM_NAME, config.DEAD_LETTER_STREAM, config.AUDIT_STREAM, `${config.STREAM_NAME}_REDELIVERY`];
    for await (const name of jsm.streams.names()) if (name.startsWith(`KV_${config.STREAM_NAME}_`)) names.push(name);
    for (const name of names) await jsm.streams.delete(name).catch(() => {});
  } finally {
    await nc.close();
  }
  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on("error", () => {});
  try {
    await redis.connect();
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${config.REDIS_KEY_PREFIX}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== "0");
  } catch {
    // Redis may be down in a test that stopped its own server
  } finally {
    redis.disconnect();
  }
}

/** The config as environment variables (for a child process running the same service). */
export function configEnv(config: Config): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    if (v === undefined) continue;
    env[k] = Array.isArray(v) ? v.join(",") : String(v);
  }
  return env;
}
