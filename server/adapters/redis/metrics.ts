import type { ChainableCommander, Redis } from "ioredis";
import { COUNT_METRICS, LATENCY_BUCKETS_MS, METRIC_WINDOWS, type MetricWindow, windowStep } from "../../../lib/contracts/metrics";
import { AppError } from "../../../lib/errors";
import type {
  CountMetric,
  LagSample,
  MetricsReader,
  MetricsRecorder,
  RawEventStatus,
  RawSubscriptionStatus,
  StatusUpdate,
} from "../../core/metrics/ports";

/**
 * Metrics in Redis, shared by every replica. Recording is synchronous and in memory; a timer writes
 * what was recorded with MULTI/EXEC transactions (pipelined: one round trip per chunk, never awaited
 * on the publish path). While Redis is down the entries wait, bounded by `maxPending` (counts then
 * fall back to per-minute entries, then are dropped and counted), and are written when it returns.
 * A chunk is all-or-nothing, so a chunk that fails is put back whole and written once. Chunks are
 * small (`chunk`), and the metrics have their own connection: a flush never holds up the rate-limit
 * checks of requests for long.
 *
 * Keys (P = `REDIS_KEY_PREFIX`):
 * - `P<metric>` hash `<tenant>\0<type>` → all-time count (e.g. `Ppublished`)
 * - `Pm:<metric>:s:<epoch s>` / `Pm:<metric>:m:<epoch s of the minute>` hashes with fields `*` (all),
 *   `t:<tenant>`, `y:<type>`, `p:<tenant>\0<type>` → count in that second / minute
 * - `Plat:<subscription>:<minute>` hash: bucket index → count, `n` count, `s` sum (ms)
 * - `Plag:<subscription>:<hour>` hash: sample time (ms) → `<lag> <ackPending>` (first writer wins)
 * - `Plagclaim:<period ms>` string: which replica samples that period (SET NX)
 * - `Psb:<seq / 64>` hash, one per 64 events: `<seq>|<subscription>` → the record
 *   `<delivered>,<acknowledged>,<failed>,<dead-lettered>,<attempts>,<latency>` (times in ms, empty
 *   where there is none), then `\n<at>|{"m": message, "s": status}` for the last error; kept
 *   `EVENT_STATUS_TTL` after its last change. Publication itself is the stream's.
 */
export interface RedisMetrics extends MetricsRecorder, MetricsReader {
  /** Writes what is buffered now (if Redis is ready). */
  flush(): Promise<void>;
  /** SET NX for a lag sampling period: true when this replica takes it (or Redis cannot tell). */
  claimLagPeriod(periodMs: number): Promise<boolean>;
  /** Entries waiting in memory, and counts dropped because the buffer was full. */
  backlog(): { entries: number; dropped: number };
  stop(): Promise<void>;
}

export interface RedisMetricsOptions {
  prefix: string;
  /** @default 1000 */
  flushMs?: number;
  /** @default 3600 */
  secondRetentionSec?: number;
  /** @default 172800 */
  minuteRetentionSec?: number;
  /** 0 turns status tracking off. @default 3600 */
  statusTtlSec?: number;
  /** Lag sampling period (the claim lives two periods). @default 5000 */
  lagSampleMs?: number;
  /** Most entries of each kind held in memory. @default 100000 */
  maxPending?: number;
  /** Transaction size, in writes (an entry, or one event's status): Redis serves no one else during one. @default 500 */
  chunk?: number;
  instance?: string;
  log?: (msg: string, extra?: object) => void;
  now?: () => number;
}

/**
 * Writes the status records of many events, one hash per `STATUS_BUCKET` events. KEYS[k] gets
 * ARGV[k + 1], a JSON array of its fields and records (`field, record, …`: one argument per hash,
 * not two per event — each argument costs the client as much as its bytes). A record already there
 * (an event whose steps straddle two flushes, or another replica's attempt) is merged: the later of
 * each time, the sum of the attempts, the first latency, the newer error. ARGV[1] is the TTL.
 * (A hash of a few events is stored compactly and written with one HSET; a hash per event, with a
 * field per step and its own EXPIRE, cost Redis 6.8–8.4 µs per event: 1.0–1.4 now, counts
 * included, `npm run bench:recorder`.)
 */
const STATUS_LUA = `
local function slots(s)
  local t = {}
  local i = 1
  for v in string.gmatch(s, '([^,]*),?') do
    if i > 6 then break end
    t[i] = v
    i = i + 1
  end
  return t
end
local function merge(old, new)
  local ob, oe = string.match(old, '^([^\\n]*)\\n?(.*)$')
  local nb, ne = string.match(new, '^([^\\n]*)\\n?(.*)$')
  local o, n = slots(ob), slots(nb)
  for i = 1, 4 do
    local a, b = tonumber(o[i]), tonumber(n[i])
    if a and ((not b) or a > b) then n[i] = o[i] end
  end
  n[5] = tostring((tonumber(o[5]) or 0) + (tonumber(n[5]) or 0))
  if o[6] ~= nil and o[6] ~= '' then n[6] = o[6] end
  local e = ne
  if oe ~= '' and (ne == '' or tonumber(string.match(oe, '^%d+')) > tonumber(string.match(ne, '^%d+'))) then e = oe end
  local out = table.concat({n[1] or '', n[2] or '', n[3] or '', n[4] or '', n[5] or '', n[6] or ''}, ',')
  if e ~= '' then out = out .. '\\n' .. e end
  return out
end
local ttl = ARGV[1]
for k = 1, #KEYS do
  local fv = cjson.decode(ARGV[k + 1])
  local n = #fv / 2
  local fields = {}
  for i = 1, n do fields[i] = fv[2 * i - 1] end
  local cur = redis.call('HMGET', KEYS[k], unpack(fields))
  for i = 1, n do
    if cur[i] then fv[2 * i] = merge(cur[i], fv[2 * i]) end
  end
  redis.call('HSET', KEYS[k], unpack(fv))
  redis.call('EXPIRE', KEYS[k], ttl)
end
return 1
`;

/**
 * Events per status hash. A script argument holds one subscription's records of one hash: at most
 * 2 × 64 values, well within what Lua unpacks onto its stack (~8,000).
 */
const STATUS_BUCKET = 64;

interface CountEntry {
  metric: CountMetric;
  tenant: string;
  type: string;
  /** Second (epoch s), or the minute's first second for a coarse entry. */
  sec: number;
  coarse: boolean;
  n: number;
  /** Still in the map being filled (false once a flush has taken it). */
  live: boolean;
}

/** A status slot's fields, at `index * SLOT` in a bucket's `v`. Times are ms since the epoch, 0 for none. */
const DELIVERED = 0;
const ACKNOWLEDGED = 1;
const FAILED = 2;
const DEAD_LETTERED = 3;
const ATTEMPTS = 4;
/** Latency + 1 (0: none). */
const LATENCY = 5;
const SLOT = 6;

interface StatusError {
  at: number;
  message: string;
  status?: number | undefined;
}

/**
 * One subscription's changes to the events of one status hash (`STATUS_BUCKET` events from
 * `no * STATUS_BUCKET`), as numbers in one array: no object, and no map entry, per event (events
 * are delivered and acknowledged in runs of neighbours, and a flush takes about a second of them).
 */
class StatusBucket {
  readonly v = new Float64Array(STATUS_BUCKET * SLOT);
  /** 1 where the event has changes. */
  readonly used = new Uint8Array(STATUS_BUCKET);
  /** The last error of each event, where there is one. */
  errors: (StatusError | undefined)[] | undefined;
  /** Events with changes. */
  n = 0;
  constructor(
    readonly sub: string,
    readonly no: number,
  ) {}
}

/** A subscription's buckets, and the last one used (the next change is usually to it). */
interface SubBuckets {
  last: StatusBucket | undefined;
  buckets: Map<number, StatusBucket>;
}

interface LatencyAcc {
  subscription: string;
  minute: number;
  buckets: number[];
  n: number;
  sum: number;
}

/** One buffered entry as Redis commands, and how to put it back if they were not written. */
interface Unit {
  write(m: ChainableCommander, expire: Map<string, number>): void;
  restore(): void;
  /** Written by the status script (which a restarted Redis may have forgotten). */
  script?: true;
  /** Fields it writes, roughly (what Redis spends on it): a status unit is its events. @default 1 */
  weight?: number;
}

const NB = LATENCY_BUCKETS_MS.length + 1;
/** Events whose status changes go in one script call (whole hashes: about this many). */
const STATUS_PER_CALL = 200;
const minuteOf = (sec: number) => sec - (sec % 60);

export function bucketIndex(ms: number): number {
  const i = LATENCY_BUCKETS_MS.findIndex((b) => ms <= b);
  return i < 0 ? LATENCY_BUCKETS_MS.length : i;
}

/** The hash field a series reads: all, one tenant, one type, or one (tenant, type). */
export function seriesField(tenant: string | undefined, type: string | undefined): string {
  if (tenant !== undefined && type !== undefined) return `p:${tenant}\u0000${type}`;
  if (tenant !== undefined) return `t:${tenant}`;
  if (type !== undefined) return `y:${type}`;
  return "*";
}

/** Start times (epoch s) of the buckets of a window ending at `nowMs`, oldest first. */
export function windowBuckets(window: MetricWindow, nowMs: number): { step: number; starts: number[] } {
  const step = windowStep(window);
  const n = METRIC_WINDOWS[window] / step;
  const nowSec = Math.floor(nowMs / 1000);
  const last = nowSec - (nowSec % step);
  return { step, starts: Array.from({ length: n }, (_, i) => last - (n - 1 - i) * step) };
}

const unavailable = (e?: unknown) =>
  new AppError("UNAVAILABLE", "Metrics are unavailable: Redis is not reachable", { retryAfterSec: 1, cause: e });

export function createRedisMetrics(redis: Redis, opts: RedisMetricsOptions): RedisMetrics {
  const P = opts.prefix;
  const secondTtl = opts.secondRetentionSec ?? 3600;
  const minuteTtl = opts.minuteRetentionSec ?? 172_800;
  const statusTtl = opts.statusTtlSec ?? 3600;
  const lagMs = opts.lagSampleMs ?? 5000;
  const maxPending = opts.maxPending ?? 100_000;
  const chunkSize = opts.chunk ?? 500;
  const now = opts.now ?? Date.now;
  const instance = opts.instance ?? Math.random().toString(36).slice(2, 10);

  let counts = new Map<string, CountEntry>();
  let statuses = new Map<string, SubBuckets>();
  /** Events with changes in `statuses` (one per subscription and event). */
  let statusCount = 0;
  let latencies = new Map<string, LatencyAcc>();
  let lags: LagSample[] = [];
  let dropped = 0;
  let flushing: Promise<void> | undefined;
  let scriptSha: string | undefined;
  redis.on("ready", () => {
    scriptSha = undefined; // a restarted server has an empty script cache
  });

  const secKey = (m: CountMetric, sec: number) => `${P}m:${m}:s:${sec}`;
  const minKey = (m: CountMetric, sec: number) => `${P}m:${m}:m:${minuteOf(sec)}`;
  const latKey = (sub: string, minute: number) => `${P}lat:${sub}:${minute}`;
  const lagKey = (sub: string, hour: number) => `${P}lag:${sub}:${hour}`;
  const statusKey = (seq: number) => `${P}sb:${Math.floor(seq / STATUS_BUCKET)}`;

  // ---- recording (synchronous, bounded) ----

  // the entry each metric counted into last: a run of events of one tenant and type in one second
  // (the usual case) adds to it without building its key again
  const lastCount = new Map<CountMetric, CountEntry>();

  function addCount(metric: CountMetric, tenant: string, type: string, n: number, sec: number, coarse = false): void {
    if (n <= 0) return;
    const last = lastCount.get(metric);
    if (!coarse && last && last.sec === sec && !last.coarse && last.tenant === tenant && last.type === type && last.live) {
      last.n += n;
      return;
    }
    const s = coarse ? minuteOf(sec) : sec;
    const key = `${metric}\u0000${tenant}\u0000${type}\u0000${s}\u0000${coarse ? "m" : "s"}`;
    const cur = counts.get(key);
    if (cur) {
      cur.n += n;
      if (!coarse) lastCount.set(metric, cur);
      return;
    }
    if (counts.size < maxPending) {
      const entry: CountEntry = { metric, tenant, type, sec: s, coarse, n, live: true };
      counts.set(key, entry);
      if (!coarse) lastCount.set(metric, entry);
      return;
    }
    // full: keep the minute (and the total) rather than the second; past twice the bound, drop and count
    if (!coarse) {
      addCount(metric, tenant, type, n, sec, true);
      return;
    }
    if (counts.size < maxPending * 2) counts.set(key, { metric, tenant, type, sec: s, coarse, n, live: true });
    else dropped += n;
  }

  /**
   * The bucket of subscription `sub`'s changes to event `seq`, with the event's slot taken
   * (undefined when the buffer is full).
   */
  function bucketOf(seq: number, sub: string): StatusBucket | undefined {
    let of = statuses.get(sub);
    if (!of) {
      of = { last: undefined, buckets: new Map() };
      statuses.set(sub, of);
    }
    const no = Math.floor(seq / STATUS_BUCKET);
    let b = of.last;
    if (b === undefined || b.no !== no) b = of.buckets.get(no);
    const i = seq - no * STATUS_BUCKET;
    if (b === undefined || b.used[i] === 0) {
      // full: nothing more is taken (not even an empty bucket, which a flush would send as an empty argument)
      if (statusCount >= maxPending) {
        dropped++;
        return undefined;
      }
      if (b === undefined) {
        b = new StatusBucket(sub, no);
        of.buckets.set(no, b);
      }
      b.used[i] = 1;
      b.n++;
      statusCount++;
    }
    of.last = b;
    return b;
  }

  /** Records `e` as the last error of slot `i` unless a later one is there. */
  function setError(b: StatusBucket, i: number, e: StatusError): void {
    b.errors ??= [];
    const cur = b.errors[i];
    if (!cur || e.at > cur.at) b.errors[i] = e;
  }

  /** Puts back changes that were not written (merged with any recorded since). */
  function restoreStatus(from: StatusBucket): void {
    for (let i = 0; i < STATUS_BUCKET; i++) {
      if (from.used[i] === 0) continue;
      const into = bucketOf(from.no * STATUS_BUCKET + i, from.sub);
      if (!into) continue;
      const f = from.v;
      const t = into.v;
      const at = i * SLOT;
      for (const k of [DELIVERED, ACKNOWLEDGED, FAILED, DEAD_LETTERED])
        t[at + k] = Math.max(t[at + k] as number, f[at + k] as number);
      t[at + ATTEMPTS] = (t[at + ATTEMPTS] as number) + (f[at + ATTEMPTS] as number);
      if (t[at + LATENCY] === 0) t[at + LATENCY] = f[at + LATENCY] as number;
      const e = from.errors?.[i];
      if (e) setError(into, i, e);
    }
  }

  /** Adds bucket counts, or (`buckets` undefined) one observation in bucket `one`. */
  function addLatency(
    subscription: string,
    minute: number,
    buckets: number[] | undefined,
    n: number,
    sum: number,
    one = 0,
  ): void {
    const key = `${subscription}\u0000${minute}`;
    let acc = latencies.get(key);
    if (!acc) {
      if (latencies.size >= maxPending) {
        dropped += n;
        return;
      }
      acc = { subscription, minute, buckets: new Array(NB).fill(0), n: 0, sum: 0 };
      latencies.set(key, acc);
    }
    if (buckets) for (let i = 0; i < NB; i++) acc.buckets[i] = (acc.buckets[i] ?? 0) + (buckets[i] ?? 0);
    else acc.buckets[one] = (acc.buckets[one] ?? 0) + 1;
    acc.n += n;
    acc.sum += sum;
  }

  function addLags(samples: readonly LagSample[]): void {
    for (const s of samples) {
      if (lags.length >= maxPending) {
        dropped++;
        continue;
      }
      lags.push(s);
    }
  }

  // ---- writing ----

  function countUnit(e: CountEntry): Unit {
    const fields = ["*", `t:${e.tenant}`, `y:${e.type}`, `p:${e.tenant}\u0000${e.type}`];
    return {
      write(m, expire) {
        if (!e.coarse) {
          const k = secKey(e.metric, e.sec);
          for (const f of fields) m.hincrby(k, f, e.n);
          expire.set(k, secondTtl);
        }
        const km = minKey(e.metric, e.sec);
        for (const f of fields) m.hincrby(km, f, e.n);
        expire.set(km, minuteTtl);
        m.hincrby(`${P}${e.metric}`, `${e.tenant}\u0000${e.type}`, e.n);
      },
      restore: () => addCount(e.metric, e.tenant, e.type, e.n, e.sec, e.coarse),
    };
  }

  /** Slot `i` of a bucket as its status record (see STATUS_LUA). */
  function statusRecord(b: StatusBucket, i: number): string {
    const v = b.v;
    const at = i * SLOT;
    const field = (k: number) => (v[at + k] as number) || "";
    const latency = v[at + LATENCY] as number;
    const rec = `${field(DELIVERED)},${field(ACKNOWLEDGED)},${field(FAILED)},${field(DEAD_LETTERED)},${field(ATTEMPTS)},${latency > 0 ? latency - 1 : ""}`;
    const e = b.errors?.[i];
    // JSON text holds no raw line break
    return e ? `${rec}\n${e.at}|${JSON.stringify({ m: e.message, s: e.status })}` : rec;
  }

  /** The status changes of several buckets as one script call: an argument per bucket. */
  function statusUnit(part: StatusBucket[], sha: string): Unit {
    const keys: string[] = [];
    const args: string[] = [String(statusTtl)];
    let weight = 0;
    for (const b of part) {
      weight += b.n;
      const fv: string[] = [];
      const first = b.no * STATUS_BUCKET;
      const suffix = `|${b.sub}`;
      for (let i = 0; i < STATUS_BUCKET; i++) if (b.used[i] === 1) fv.push(`${first + i}${suffix}`, statusRecord(b, i));
      keys.push(statusKey(first));
      args.push(JSON.stringify(fv));
    }
    return {
      write: (m) => void m.evalsha(sha, keys.length, ...keys, ...args),
      restore: () => {
        for (const b of part) restoreStatus(b);
      },
      script: true,
      weight,
    };
  }

  function latencyUnit(l: LatencyAcc): Unit {
    return {
      write(m, expire) {
        const k = latKey(l.subscription, l.minute);
        l.buckets.forEach((c, i) => {
          if (c > 0) m.hincrby(k, String(i), c);
        });
        m.hincrby(k, "n", l.n);
        m.hincrbyfloat(k, "s", l.sum);
        expire.set(k, minuteTtl);
      },
      restore: () => addLatency(l.subscription, l.minute, l.buckets, l.n, l.sum),
    };
  }

  function lagUnit(s: LagSample): Unit {
    return {
      write(m, expire) {
        const hour = Math.floor(s.atMs / 3_600_000) * 3600;
        const k = lagKey(s.subscription, hour);
        m.hsetnx(k, String(s.atMs), `${s.lag} ${s.ackPending}`);
        expire.set(k, minuteTtl + 3600);
      },
      restore: () => addLags([s]),
    };
  }

  async function ensureScript(): Promise<string> {
    scriptSha ??= (await redis.script("LOAD", STATUS_LUA)) as string;
    return scriptSha;
  }

  async function flushOnce(): Promise<void> {
    if (redis.status !== "ready") return;
    if (counts.size + statusCount + latencies.size + lags.length === 0) return;
    let sha: string | undefined;
    if (statusCount > 0) {
      try {
        sha = await ensureScript();
      } catch {
        return; // Redis went away: everything stays buffered
      }
    }
    const units: Unit[] = [];
    const c = counts;
    const st = statuses;
    const la = latencies;
    const lg = lags;
    counts = new Map();
    statuses = new Map();
    statusCount = 0;
    latencies = new Map();
    lags = [];
    for (const e of c.values()) {
      e.live = false;
      units.push(countUnit(e));
    }
    if (sha) {
      let part: StatusBucket[] = [];
      let n = 0;
      for (const of of st.values()) {
        for (const b of of.buckets.values()) {
          part.push(b);
          n += b.n;
          if (n >= STATUS_PER_CALL) {
            units.push(statusUnit(part, sha));
            part = [];
            n = 0;
          }
        }
      }
      if (part.length > 0) units.push(statusUnit(part, sha));
    }
    for (const l of la.values()) units.push(latencyUnit(l));
    for (const s of lg) units.push(lagUnit(s));

    // Transactions of about `chunkSize` writes each: Redis runs a whole EXEC before serving anyone
    // else, so one flush in one transaction would hold every other client (each request's rate
    // limit check among them) for all of its writes.
    for (let i = 0, end = 0; i < units.length; i = end) {
      let weight = 0;
      end = i;
      while (end < units.length && (end === i || weight + (units[end]?.weight ?? 1) <= chunkSize))
        weight += units[end++]?.weight ?? 1;
      const part = units.slice(i, end);
      const m = redis.multi();
      const expire = new Map<string, number>();
      for (const u of part) u.write(m, expire);
      for (const [k, ttl] of expire) m.expire(k, ttl);
      try {
        const res = await m.exec();
        if (!res) throw new Error("transaction discarded");
        const noscript = res.some(([err]) => err?.message.includes("NOSCRIPT"));
        if (noscript) {
          // the script cache was flushed under us: reload next time; only the status lines were not applied
          scriptSha = undefined;
          for (const u of part) if (u.script) u.restore();
          opts.log?.("metrics status script was missing; status writes retried");
          continue;
        }
        const failed = res.filter(([err]) => err);
        if (failed.length > 0) opts.log?.("some metric writes failed", { errors: failed.length, first: String(failed[0]?.[0]) });
      } catch {
        // nothing of this chunk was applied (MULTI): put it and the rest back for the next flush
        for (const u of units.slice(i)) u.restore();
        return;
      }
    }
  }

  function flush(): Promise<void> {
    flushing ??= flushOnce().finally(() => {
      flushing = undefined;
    });
    return flushing;
  }

  const timer = setInterval(() => void flush(), opts.flushMs ?? 1000);
  timer.unref();

  // ---- reading ----

  async function read<T>(f: () => Promise<T>): Promise<T> {
    if (redis.status !== "ready") throw unavailable();
    try {
      return await f();
    } catch (e) {
      throw unavailable(e);
    }
  }

  async function execAll(p: ChainableCommander): Promise<unknown[]> {
    const res = (await p.exec()) ?? [];
    return res.map(([err, v]) => {
      if (err) throw err;
      return v;
    });
  }

  function bucketKeys(metric: CountMetric, window: MetricWindow, nowMs: number) {
    const { step, starts } = windowBuckets(window, nowMs);
    return { step, starts, keys: starts.map((s) => (step === 1 ? secKey(metric, s) : `${P}m:${metric}:m:${s}`)) };
  }

  const recorder: MetricsRecorder = {
    published(tenant, type, n) {
      addCount("published", tenant, type, n, Math.floor(now() / 1000));
    },
    count(metric, tenant, type, n) {
      addCount(metric, tenant, type, n, Math.floor(now() / 1000));
    },
    status(u: StatusUpdate) {
      if (statusTtl <= 0) return;
      const b = bucketOf(u.seq, u.subscription);
      if (!b) return;
      const i = u.seq - b.no * STATUS_BUCKET;
      const v = b.v;
      const at = i * SLOT;
      switch (u.kind) {
        case "delivered":
          v[at + DELIVERED] = Math.max(v[at + DELIVERED] as number, u.atMs);
          v[at + ATTEMPTS] = (v[at + ATTEMPTS] as number) + 1;
          break;
        case "acknowledged":
          v[at + ACKNOWLEDGED] = Math.max(v[at + ACKNOWLEDGED] as number, u.atMs);
          if (v[at + LATENCY] === 0 && u.latencyMs !== undefined) v[at + LATENCY] = u.latencyMs + 1;
          break;
        case "failed":
          v[at + FAILED] = Math.max(v[at + FAILED] as number, u.atMs);
          if (u.error) setError(b, i, { at: u.atMs, message: u.error.message.slice(0, 500), status: u.error.status });
          break;
        case "dead-lettered":
          v[at + DEAD_LETTERED] = Math.max(v[at + DEAD_LETTERED] as number, u.atMs);
          break;
      }
    },
    latency(subscription, ms) {
      addLatency(subscription, minuteOf(Math.floor(now() / 1000)), undefined, 1, ms, bucketIndex(ms));
    },
    lag: addLags,
  };

  const reader: MetricsReader = {
    series: ({ metric, window, tenant, type, nowMs }) =>
      read(async () => {
        const { step, starts, keys } = bucketKeys(metric, window, nowMs);
        const field = seriesField(tenant, type);
        const p = redis.pipeline();
        for (const k of keys) p.hget(k, field);
        const vals = await execAll(p);
        return { step, points: starts.map((s, i) => ({ atMs: s * 1000, value: Number(vals[i] ?? 0) || 0 })) };
      }),

    group: ({ metric, window, by, tenant, nowMs }) =>
      read(async () => {
        const { keys } = bucketKeys(metric, window, nowMs);
        const p = redis.pipeline();
        for (const k of keys) p.hgetall(k);
        const prefix = by === "tenant" ? "t:" : tenant !== undefined ? `p:${tenant}\u0000` : "y:";
        const out = new Map<string, number>();
        for (const h of (await execAll(p)) as Record<string, string>[]) {
          for (const [f, v] of Object.entries(h ?? {})) {
            if (!f.startsWith(prefix)) continue;
            const key = f.slice(prefix.length);
            out.set(key, (out.get(key) ?? 0) + Number(v));
          }
        }
        return out;
      }),

    totals: ({ window, tenant, nowMs }) =>
      read(async () => {
        const field = seriesField(tenant, undefined);
        const p = redis.pipeline();
        const per = COUNT_METRICS.map((m) => bucketKeys(m, window, nowMs).keys);
        for (const keys of per) for (const k of keys) p.hget(k, field);
        const vals = await execAll(p);
        const out = {} as Record<CountMetric, number>;
        let i = 0;
        COUNT_METRICS.forEach((m, mi) => {
          let sum = 0;
          for (let j = 0; j < (per[mi]?.length ?? 0); j++) sum += Number(vals[i++] ?? 0) || 0;
          out[m] = sum;
        });
        return out;
      }),

    lagSeries: ({ subscription, window, nowMs }) =>
      read(async () => {
        const from = nowMs - METRIC_WINDOWS[window] * 1000;
        const p = redis.pipeline();
        for (let h = Math.floor(from / 3_600_000); h <= Math.floor(nowMs / 3_600_000); h++)
          p.hgetall(lagKey(subscription, h * 3600));
        const out: LagSample[] = [];
        for (const h of (await execAll(p)) as Record<string, string>[]) {
          for (const [f, v] of Object.entries(h ?? {})) {
            const atMs = Number(f);
            if (atMs < from || atMs > nowMs) continue;
            const [lag, ackPending] = v.split(" ").map(Number);
            out.push({ subscription, atMs, lag: lag ?? 0, ackPending: ackPending ?? 0 });
          }
        }
        return out.sort((a, b) => a.atMs - b.atMs);
      }),

    latencyHistogram: ({ subscription, window, nowMs }) =>
      read(async () => {
        const nowSec = Math.floor(nowMs / 1000);
        const minutes = Math.ceil(METRIC_WINDOWS[window] / 60);
        const p = redis.pipeline();
        for (let i = 0; i < minutes; i++) p.hgetall(latKey(subscription, minuteOf(nowSec) - i * 60));
        const buckets = new Array(NB).fill(0) as number[];
        let count = 0;
        let sumMs = 0;
        for (const h of (await execAll(p)) as Record<string, string>[]) {
          for (const [f, v] of Object.entries(h ?? {})) {
            if (f === "n") count += Number(v);
            else if (f === "s") sumMs += Number(v);
            else if (/^\d+$/.test(f)) buckets[Number(f)] = (buckets[Number(f)] ?? 0) + Number(v);
          }
        }
        return { buckets, count, sumMs };
      }),

    eventStatus: (seq) =>
      read(async () => {
        // the event's fields of its hash (shared with the events next to it)
        const h: Record<string, string> = {};
        let cursor = "0";
        do {
          const [next, fv] = await redis.hscan(statusKey(seq), cursor, "MATCH", `${seq}|*`, "COUNT", 1000);
          for (let i = 0; i + 1 < fv.length; i += 2) h[(fv[i] as string).slice(String(seq).length + 1)] = fv[i + 1] as string;
          cursor = next;
        } while (cursor !== "0");
        return Object.keys(h).length === 0 ? undefined : parseStatus(h);
      }),
  };

  return {
    ...recorder,
    ...reader,
    flush,
    async claimLagPeriod(periodMs) {
      if (redis.status !== "ready") return true;
      try {
        return (await redis.set(`${P}lagclaim:${periodMs}`, instance, "PX", lagMs * 2, "NX")) === "OK";
      } catch {
        return true;
      }
    },
    backlog: () => ({ entries: counts.size + statusCount + latencies.size + lags.length, dropped }),
    async stop() {
      clearInterval(timer);
      await flush();
    },
  };
}

/** An event's status records by subscription (see STATUS_LUA). */
export function parseStatus(records: Record<string, string>): RawEventStatus {
  const out: RawEventStatus = { subscriptions: {} };
  const time = (v: string | undefined) => (v ? Number(v) : undefined);
  for (const [sub, record] of Object.entries(records)) {
    const nl = record.indexOf("\n");
    const [d, a, f, x, n, l] = (nl < 0 ? record : record.slice(0, nl)).split(",");
    const s: RawSubscriptionStatus = { attempts: Number(n) || 0 };
    const steps = { delivered: time(d), acknowledged: time(a), failed: time(f), deadLettered: time(x), latencyMs: time(l) };
    for (const [k, v] of Object.entries(steps)) if (v !== undefined && Number.isFinite(v)) s[k as keyof typeof steps] = v;
    if (nl >= 0) {
      const e = record.slice(nl + 1);
      const sep = e.indexOf("|");
      try {
        const j = JSON.parse(e.slice(sep + 1)) as { m: string; s?: number };
        s.lastError = { at: Number(e.slice(0, sep)), message: j.m, ...(typeof j.s === "number" ? { status: j.s } : {}) };
      } catch {
        // a malformed entry is left out
      }
    }
    out.subscriptions[sub] = s;
  }
  return out;
}
