/**
 * The metrics recorder's cost per delivered event, against the real Redis: what the delivery
 * observer records for one successful delivery (an attempt, then its acknowledgement: counts and
 * processing status) and what writing it to Redis costs this process when the buffer is flushed,
 * and Redis itself (its own count of the time it spent in the flush's transactions, `INFO
 * commandstats`: other clients' transactions meanwhile would count too — run it alone).
 * `npm run bench:recorder` — prints µs per event for each, three rounds of 200,000 events.
 */
import { Redis } from "ioredis";
import { createRedisMetrics } from "../server/adapters/redis/metrics";
import type { ReadEvent } from "../server/core/bus/ports";
import type { Delivery, Subscription } from "../server/core/delivery/ports";
import { createDeliveryObserver } from "../server/core/metrics/observer";
import { fanOut } from "../server/core/metrics/ports";
import { testConfig, uniqueSuffix } from "../server/testing/fixtures";

const N = 200_000;

/** Microseconds Redis has spent in EXEC (every write of a flush is in a MULTI/EXEC transaction). */
async function execUsec(redis: Redis): Promise<number> {
  const m = /cmdstat_exec:calls=\d+,usec=(\d+)/.exec(await redis.info("commandstats"));
  return Number(m?.[1] ?? 0);
}
const PER_FLUSH = 50_000; // about a second of a busy subscription

async function main() {
  const redis = new Redis(testConfig().REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  const prefix = `bench:${uniqueSuffix()}:`;
  const metrics = createRedisMetrics(redis, { prefix, flushMs: 3_600_000 });
  // as in the server: Redis and a second recorder (Prometheus there; one that does nothing here)
  const observe = createDeliveryObserver({ recorder: fanOut(metrics, { count() {} }), debugEnabled: () => false });
  const sub = { id: "sub_0123456789ab" } as Subscription;
  const delivery = (seq: number) =>
    ({
      seq,
      tenant: "acme",
      type: "com.acme.order.created",
      storedAt: "",
      storedAtMs: Date.now(),
      attempt: 1,
      event: {} as ReadEvent["event"],
    }) as unknown as Delivery;
  try {
    for (let round = 1; round <= 3; round++) {
      let recordMs = 0;
      let flushCpuMs = 0;
      let redisUs = 0;
      for (let done = 0; done < N; done += PER_FLUSH) {
        const t0 = performance.now();
        for (let i = 0; i < PER_FLUSH; i++) {
          const d = delivery(round * 10_000_000 + done + i);
          observe(sub, { kind: "attempt", d });
          observe(sub, { kind: "delivered", d, latencyMs: 3 });
        }
        recordMs += performance.now() - t0;
        const before = await execUsec(redis);
        const cpu = process.cpuUsage();
        await metrics.flush();
        const used = process.cpuUsage(cpu);
        flushCpuMs += (used.user + used.system) / 1000;
        redisUs += (await execUsec(redis)) - before;
      }
      console.log(
        `round ${round}: record ${((recordMs * 1000) / N).toFixed(2)} µs/event, flush ${((flushCpuMs * 1000) / N).toFixed(2)} µs/event (this process's CPU), Redis ${(redisUs / N).toFixed(2)} µs/event`,
      );
    }
  } finally {
    await metrics.stop();
    const keys = await redis.keys(`${prefix}*`);
    for (let i = 0; i < keys.length; i += 1000) await redis.del(...keys.slice(i, i + 1000));
    redis.disconnect();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
