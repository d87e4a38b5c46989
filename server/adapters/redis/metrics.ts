import type { Redis } from "ioredis";
import type { MetricsSink } from "../../core/bus/ports";

/**
 * Counts published events per tenant and type into Redis. Counting is in memory and synchronous;
 * a timer writes the counts with one pipeline. While Redis is down the counts wait (bounded by
 * `maxKeys`) and are written when it returns. Never throws into the publish path.
 */
export interface RedisMetrics extends MetricsSink {
  flush(): Promise<void>;
  stop(): Promise<void>;
}

export function createRedisMetrics(redis: Redis, opts: { prefix: string; intervalMs?: number; maxKeys?: number }): RedisMetrics {
  const pending = new Map<string, number>();
  const maxKeys = opts.maxKeys ?? 10_000;
  let dropped = 0;
  let flushing: Promise<void> | undefined;

  function add(key: string, n: number) {
    const cur = pending.get(key);
    if (cur === undefined && pending.size >= maxKeys) {
      dropped += n;
      return;
    }
    pending.set(key, (cur ?? 0) + n);
  }

  async function flushOnce(): Promise<void> {
    if (pending.size === 0 || redis.status !== "ready") return;
    const batch = [...pending];
    pending.clear();
    const p = redis.pipeline();
    for (const [key, n] of batch) p.hincrby(`${opts.prefix}published`, key, n);
    try {
      const res = await p.exec();
      if (!res || res.some(([err]) => err)) throw new Error("pipeline failed");
    } catch {
      for (const [key, n] of batch) add(key, n); // put back; written when Redis returns
    }
  }

  function flush(): Promise<void> {
    flushing ??= flushOnce().finally(() => {
      flushing = undefined;
    });
    return flushing;
  }

  const timer = setInterval(() => void flush(), opts.intervalMs ?? 1000);
  timer.unref();

  return {
    published(tenant, type, n) {
      add(`${tenant}\u0000${type}`, n);
    },
    flush,
    async stop() {
      clearInterval(timer);
      await flush();
      if (dropped > 0) dropped = 0;
    },
  };
}
