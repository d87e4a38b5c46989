import type { Redis } from "ioredis";
import { type Bucket, createLocalLimiter, type Limiter, type TakeResult } from "../../core/limits/limits";

/**
 * Token buckets in Redis, taken atomically by one Lua script (all buckets or none), so every
 * replica shares the limits. While Redis is down (or slow), a local limiter answers instead.
 */
const SCRIPT = `
local now = tonumber(ARGV[1])
local n = #KEYS
local level = {}
local allowed = 1
local retry = 0
for i = 1, n do
  local base = 1 + (i - 1) * 3
  local rate = tonumber(ARGV[base + 1])
  local burst = tonumber(ARGV[base + 2])
  local cost = tonumber(ARGV[base + 3])
  local s = redis.call('HMGET', KEYS[i], 't', 'a')
  local t = burst
  if s[1] then
    t = math.min(burst, tonumber(s[1]) + (now - tonumber(s[2])) / 1000 * rate)
  end
  level[i] = t
  if t < cost then
    allowed = 0
    retry = math.max(retry, (cost - t) / rate * 1000)
  end
end
local tight = 1
local tightFill = 2
local tightLeft = 0
for i = 1, n do
  local base = 1 + (i - 1) * 3
  local rate = tonumber(ARGV[base + 1])
  local burst = tonumber(ARGV[base + 2])
  local cost = tonumber(ARGV[base + 3])
  local left = level[i]
  if allowed == 1 then left = left - cost end
  redis.call('HSET', KEYS[i], 't', tostring(left), 'a', tostring(now))
  redis.call('PEXPIRE', KEYS[i], math.ceil(burst / rate * 1000) + 1000)
  if left / burst < tightFill then
    tight = i
    tightFill = left / burst
    tightLeft = left
  end
end
return { allowed, tostring(retry), tight, tostring(tightLeft) }
`;

export function createRedisLimiter(redis: Redis, opts: { prefix: string; timeoutMs?: number }): Limiter {
  const local = createLocalLimiter();
  const timeoutMs = opts.timeoutMs ?? 250;
  let sha: string | undefined;

  async function run(buckets: Bucket[]): Promise<TakeResult> {
    const keys = buckets.map((b) => `${opts.prefix}rl:${b.key}`);
    const args = [String(Date.now()), ...buckets.flatMap((b) => [String(b.rate), String(b.burst), String(b.cost)])];
    let out: [number, string, number, string];
    try {
      sha ??= (await redis.script("LOAD", SCRIPT)) as string;
      out = (await redis.evalsha(sha, keys.length, ...keys, ...args)) as [number, string, number, string];
    } catch (e) {
      if (String(e).includes("NOSCRIPT")) {
        sha = undefined;
        out = (await redis.eval(SCRIPT, keys.length, ...keys, ...args)) as [number, string, number, string];
      } else throw e;
    }
    const [allowed, retry, tight, left] = out;
    const b = buckets[tight - 1] as Bucket;
    const remaining = Number(left);
    return {
      allowed: allowed === 1,
      retryAfterMs: Number(retry),
      limit: b.rate,
      remaining,
      resetSec: (b.burst - remaining) / b.rate,
    };
  }

  return {
    async take(buckets) {
      if (redis.status !== "ready") return local.take(buckets);
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        return await Promise.race([
          run(buckets),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error("rate limiter timed out")), timeoutMs);
          }),
        ]);
      } catch {
        return local.take(buckets);
      } finally {
        if (timer) clearTimeout(timer);
      }
    },
  };
}
