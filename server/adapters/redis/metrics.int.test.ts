import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testConfig, uniqueSuffix } from "../../testing/fixtures";
import { createRedisMetrics } from "./metrics";

// The status buffer against the real Redis: the changes of several subscriptions to one event,
// made between two flushes, all reach its status hash.

let redis: Redis;
const prefix = `test:${uniqueSuffix()}:`;

beforeAll(async () => {
  redis = new Redis(testConfig().REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
});

describe("event status", () => {
  it("keeps each subscription's steps of one event, in one flush and across two", async () => {
    const m = createRedisMetrics(redis, { prefix, flushMs: 60_000 });
    try {
      m.status({ seq: 7, subscription: "sub_a", kind: "delivered", atMs: 1_000 });
      m.status({ seq: 7, subscription: "sub_b", kind: "delivered", atMs: 1_010 });
      m.status({ seq: 7, subscription: "sub_a", kind: "acknowledged", atMs: 1_020, latencyMs: 20 });
      m.status({ seq: 7, subscription: "sub_b", kind: "failed", atMs: 1_030, error: { message: "HTTP 503", status: 503 } });
      m.status({ seq: 7, subscription: "sub_c", kind: "delivered", atMs: 1_040 });
      await m.flush();
      expect(await m.eventStatus(7)).toEqual({
        subscriptions: {
          sub_a: { delivered: 1_000, acknowledged: 1_020, latencyMs: 20, attempts: 1 },
          sub_b: { delivered: 1_010, failed: 1_030, attempts: 1, lastError: { at: 1_030, message: "HTTP 503", status: 503 } },
          sub_c: { delivered: 1_040, attempts: 1 },
        },
      });

      // the second attempt of sub_b, and sub_c dead-lettered, in a later flush: merged with what is there
      m.status({ seq: 7, subscription: "sub_c", kind: "dead-lettered", atMs: 1_100 });
      m.status({ seq: 7, subscription: "sub_b", kind: "delivered", atMs: 1_090 });
      m.status({ seq: 7, subscription: "sub_b", kind: "acknowledged", atMs: 1_095, latencyMs: 95 });
      // an event next to it (the same hash), and a late write of an older step from another replica
      m.status({ seq: 8, subscription: "sub_a", kind: "delivered", atMs: 2_000 });
      await m.flush();
      m.status({ seq: 7, subscription: "sub_a", kind: "delivered", atMs: 900 });
      m.status({ seq: 7, subscription: "sub_a", kind: "failed", atMs: 950, error: { message: "older" } });
      await m.flush();
      const s = await m.eventStatus(7);
      expect(s?.subscriptions).toEqual({
        sub_a: {
          delivered: 1_000,
          acknowledged: 1_020,
          failed: 950,
          latencyMs: 20,
          attempts: 2,
          lastError: { at: 950, message: "older" },
        },
        sub_b: {
          delivered: 1_090,
          acknowledged: 1_095,
          failed: 1_030,
          latencyMs: 95,
          attempts: 2,
          lastError: { at: 1_030, message: "HTTP 503", status: 503 },
        },
        sub_c: { delivered: 1_040, deadLettered: 1_100, attempts: 1 },
      });
      expect(await m.eventStatus(8)).toEqual({ subscriptions: { sub_a: { delivered: 2_000, attempts: 1 } } });
      expect(await m.eventStatus(9)).toBeUndefined();
      expect(await m.eventStatus(70)).toBeUndefined();
    } finally {
      await m.stop();
    }
  });

  it("writes many events per script call, each key getting its own group of changes", async () => {
    const m = createRedisMetrics(redis, { prefix, flushMs: 60_000 });
    try {
      // 450 events: more than two calls' worth; every third has a second subscription
      for (let seq = 1_000; seq < 1_450; seq++) {
        m.status({ seq, subscription: "sub_a", kind: "delivered", atMs: seq * 10 });
        m.status({ seq, subscription: "sub_a", kind: "acknowledged", atMs: seq * 10 + 1, latencyMs: seq % 7 });
        if (seq % 3 === 0) m.status({ seq, subscription: "sub_b", kind: "delivered", atMs: seq * 10 + 2 });
      }
      await m.flush();
      for (const seq of [1_000, 1_001, 1_199, 1_200, 1_201, 1_399, 1_400, 1_449]) {
        const expected: Record<string, unknown> = {
          sub_a: { delivered: seq * 10, acknowledged: seq * 10 + 1, latencyMs: seq % 7, attempts: 1 },
          ...(seq % 3 === 0 ? { sub_b: { delivered: seq * 10 + 2, attempts: 1 } } : {}),
        };
        expect(await m.eventStatus(seq), String(seq)).toEqual({ subscriptions: expected });
      }
    } finally {
      await m.stop();
    }
  });

  it("writes an event with more subscriptions than one script argument holds", async () => {
    const m = createRedisMetrics(redis, { prefix, flushMs: 60_000 });
    try {
      // 5,000 records for one hash, one argument per subscription (Lua unpacks at most ~8,000 values at once)
      for (let i = 0; i < 5_000; i++) m.status({ seq: 3_000, subscription: `sub_${i}`, kind: "acknowledged", atMs: 5_000 + i });
      await m.flush();
      const s = await m.eventStatus(3_000);
      expect(Object.keys(s?.subscriptions ?? {})).toHaveLength(5_000);
      expect(s?.subscriptions.sub_4999).toEqual({ acknowledged: 9_999, attempts: 0 });
    } finally {
      await m.stop();
    }
  });

  it("drops (and counts) status changes past `maxPending`, and writes the rest whole", async () => {
    const logged: string[] = [];
    const m = createRedisMetrics(redis, { prefix, flushMs: 60_000, maxPending: 3, log: (msg) => logged.push(msg) });
    try {
      // five events in five hashes: three taken, then the buffer is full (a change to one taken still counts)
      for (const seq of [4_000, 4_064, 4_128, 4_192, 4_256])
        m.status({ seq, subscription: "sub_a", kind: "delivered", atMs: seq });
      m.status({ seq: 4_064, subscription: "sub_a", kind: "acknowledged", atMs: 5_000 });
      expect(m.backlog()).toEqual({ entries: 3, dropped: 2 });
      await m.flush();
      expect(logged).toEqual([]);
      expect(await m.eventStatus(4_064)).toEqual({
        subscriptions: { sub_a: { delivered: 4_064, acknowledged: 5_000, attempts: 1 } },
      });
      expect(await m.eventStatus(4_128)).toEqual({ subscriptions: { sub_a: { delivered: 4_128, attempts: 1 } } });
      expect(await m.eventStatus(4_192)).toBeUndefined();
      expect(await m.eventStatus(4_256)).toBeUndefined();
    } finally {
      await m.stop();
    }
  });

  it("writes a flush in transactions of about `chunk` writes, so Redis is never held for all of it", async () => {
    // each MULTI/EXEC the recorder makes, with the commands queued in it
    const sizes: number[] = [];
    const counting = new Proxy(redis, {
      get(target, key, receiver) {
        if (key !== "multi") return Reflect.get(target, key, receiver);
        return () => {
          const m = target.multi();
          const exec = m.exec.bind(m);
          m.exec = (async () => {
            sizes.push(m.length);
            return exec();
          }) as typeof m.exec;
          return m;
        };
      },
    });
    const m = createRedisMetrics(counting, { prefix, flushMs: 60_000, chunk: 150 });
    try {
      for (let seq = 2_000; seq < 2_450; seq++) {
        m.status({ seq, subscription: "sub_a", kind: "acknowledged", atMs: seq });
        m.count("acknowledged", "acme", "com.example.x", 1);
      }
      await m.flush();
      // the count, then 450 statuses in script calls of whole hashes of 64 events, from 200 events
      // up: 240 (48 + 3 × 64) and 210 (3 × 64 + 18), each alone (over 150)
      expect(sizes.length).toBe(3);
      expect(await m.eventStatus(2_000)).toEqual({ subscriptions: { sub_a: { acknowledged: 2_000, attempts: 0 } } });
      expect(await m.eventStatus(2_449)).toEqual({ subscriptions: { sub_a: { acknowledged: 2_449, attempts: 0 } } });
    } finally {
      await m.stop();
    }
  });
});
