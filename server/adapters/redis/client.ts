import { Redis } from "ioredis";

/**
 * A Redis client that never makes a caller wait for Redis: no offline queue (commands fail at once
 * while it is down), one try per command, and endless reconnects in the background.
 */
export function createRedis(url: string, log: (msg: string, extra?: object) => void): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
    ...(url.startsWith("rediss://") ? { tls: {} } : {}),
  });
  let wasReady = false;
  redis.on("ready", () => {
    wasReady = true;
    log("redis ready");
  });
  redis.on("error", (e) => {
    if (wasReady) log("redis error", { error: e.message });
    wasReady = false;
  });
  return redis;
}

export function redisReady(redis: Redis): boolean {
  return redis.status === "ready";
}
