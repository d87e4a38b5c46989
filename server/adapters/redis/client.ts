import { readFileSync } from "node:fs";
import { Redis } from "ioredis";

/** PEM files for `rediss://`: the CA to trust (default: the system's) and a client certificate. */
export interface RedisTlsFiles {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
}

function readPem(variable: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new Error(`${variable}: cannot read ${file} (${(e as Error).message})`, { cause: e });
  }
}

/** ioredis `tls` options for a `rediss://` URL (undefined for `redis://`). */
export function redisTlsOptions(
  url: string,
  files: RedisTlsFiles = {},
): { ca?: Buffer; cert?: Buffer; key?: Buffer } | undefined {
  if (!url.startsWith("rediss://")) return undefined;
  return {
    ...(files.ca ? { ca: readPem("REDIS_TLS_CA", files.ca) } : {}),
    ...(files.cert ? { cert: readPem("REDIS_TLS_CERT", files.cert) } : {}),
    ...(files.key ? { key: readPem("REDIS_TLS_KEY", files.key) } : {}),
  };
}

/**
 * A Redis client that never makes a caller wait for Redis: no offline queue (commands fail at once
 * while it is down), one try per command, and endless reconnects in the background.
 */
export function createRedis(url: string, log: (msg: string, extra?: object) => void, tlsFiles: RedisTlsFiles = {}): Redis {
  const tls = redisTlsOptions(url, tlsFiles);
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...(tls ? { tls } : {}),
  });
  let wasReady = false;
  // Each distinct error is logged once, even before the first "ready" (a wrong password or an
  // untrusted certificate fails every reconnect the same way: say so once, not every 2 s).
  let lastError: string | undefined;
  redis.on("ready", () => {
    wasReady = true;
    lastError = undefined;
    log("redis ready");
  });
  redis.on("error", (e) => {
    if (wasReady || e.message !== lastError) log("redis error", { error: e.message });
    lastError = e.message;
    wasReady = false;
  });
  return redis;
}

export function redisReady(redis: Redis): boolean {
  return redis.status === "ready";
}
