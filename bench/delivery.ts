import { randomBytes } from "node:crypto";
import { request } from "node:http";
import os from "node:os";
import path from "node:path";
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, StorageType } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { WebSocket } from "ws";
import type { Config } from "../server/config";
import { cleanup } from "../server/testing/fixtures";
import { bundle } from "./bundle";
import {
  type Child,
  cpuSeconds,
  listeningPid,
  machineBusySeconds,
  NATS_URL,
  percentiles,
  SERVER_NODE_FLAGS,
  startChild,
} from "./common";
import { nowMs, SENT_AT, timedEvent } from "./delivery-common";
import { analyzeProfile, formatProfile } from "./profile";

/**
 * The delivery benchmark (`npm run bench:delivery`). The product server (bench/product-server.ts)
 * and the publisher (bench/paced-publish.ts) are child processes; the clients (WebSocket, SSE, raw
 * @nats-io) run in this process. One run measures, each case BENCH_REPEAT (2) times:
 *   1. publish→delivery latency (client receive time − `sentAt` in the event data), WS and SSE:
 *      2,000 events/s to one client, and 200 events/s to 100 clients (SSE: 100 connections each
 *      receiving every event; WS: 100 clients on one durable subscription sharing the events); for
 *      one client, also the baseline: the same batches published and consumed with bare @nats-io;
 *   2. drain throughput of one durable subscription over N pre-loaded events — in-process handler,
 *      WebSocket client (acking each event) — against a raw durable pull consumer `consume()`;
 *   3. replay throughput of the same N events into SSE (`/api/stream?replay=`) and into a WebSocket
 *      subscription (replay target subscription) — against a raw ordered consumer.
 * Every stream created is deleted (the product server's cleanup on SIGTERM, then again here).
 *
 * `--profile`: the V8 CPU profiler runs in the product server for the whole run (combine with
 * BENCH_ONLY to profile one section); its summary is printed at the end.
 *
 * Env: BENCH_WARMUP_SEC (2), BENCH_DURATION_SEC (10), BENCH_REPEAT (2), BENCH_DRAIN_EVENTS (50000),
 * BENCH_THROUGHPUT_WARMUP (1: unrecorded runs of each drain and replay case first, raw and product alike),
 * BENCH_ONLY (comma-separated: latency, drain, replay; and, only when named, interference: WS × 1 latency at
 * 2,000/s while replays run back to back into another subscription), BENCH_DRAIN_TARGETS (internal,ws), BENCH_REPLAY_TARGETS (sse,ws).
 */

const WARMUP_SEC = Number(process.env.BENCH_WARMUP_SEC ?? 2);
const DURATION_SEC = Number(process.env.BENCH_DURATION_SEC ?? 10);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 2);
/** Unrecorded runs of each drain and replay case before the recorded ones. */
const THROUGHPUT_WARMUP_RUNS = Number(process.env.BENCH_THROUGHPUT_WARMUP ?? 1);
const N = Number(process.env.BENCH_DRAIN_EVENTS ?? 50_000);
const ONLY = process.env.BENCH_ONLY?.split(",").map((k) => k.trim());
const selected = (k: string) => ONLY === undefined || ONLY.includes(k);
/** Only when asked for (BENCH_ONLY=interference): WS × 1 latency with replays into another subscription alongside. */
const INTERFERENCE = ONLY?.includes("interference") ?? false;
const REPLAY_TARGETS = (process.env.BENCH_REPLAY_TARGETS ?? "sse,ws").split(",");
const DRAIN_TARGETS = (process.env.BENCH_DRAIN_TARGETS ?? "internal,ws").split(",");
const RUN = randomBytes(3).toString("hex");
const PROFILE = process.argv.includes("--profile");
const profileFile = path.join(os.tmpdir(), `bench-delivery-${RUN}.cpuprofile`);
const TENANT = "bench";

interface ProductReady {
  url: string;
  controlUrl: string;
  stream: string;
  config: Config;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(new URL(path, base), {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

// ---------------------------------------------------------------------------------------------
// Clients

/** A latency recorder: samples of events published inside the measured window. */
class Latency {
  samples = new Float64Array(1 << 16);
  n = 0;
  received = 0;
  constructor(
    public from: number,
    public to: number,
  ) {}
  add(sentAt: number, at: number) {
    this.received++;
    if (sentAt < this.from || sentAt > this.to) return;
    if (this.n === this.samples.length) {
      const b = new Float64Array(this.n * 2);
      b.set(this.samples);
      this.samples = b;
    }
    this.samples[this.n++] = at - sentAt;
  }
}

const CLOUDEVENT_MARK = Buffer.from("event: cloudevent\n");

/** An SSE client: counts `cloudevent` frames and hands each frame's sentAt to `onSentAt`. */
function sseClient(
  url: string,
  onSentAt: ((sentAt: number, at: number) => void) | undefined,
): { opened: Promise<void>; ended: Promise<number>; count: () => number; close: () => void } {
  let count = 0;
  let rest = "";
  let close = () => {};
  let opened!: () => void;
  let fail!: (e: Error) => void;
  const openedP = new Promise<void>((resolve, reject) => {
    opened = resolve;
    fail = reject;
  });
  const ended = new Promise<number>((resolve, reject) => {
    const req = request(url, { headers: { accept: "text/event-stream" } }, (res) => {
      if (res.statusCode !== 200) {
        fail(new Error(`SSE ${url}: HTTP ${res.statusCode}`));
        res.resume();
        return;
      }
      opened();
      if (!onSentAt) {
        // only counting: frames are counted in the bytes, with no UTF-8 decoding (the string path
        // below held the server under a core in some runs; see docs/benchmarks.md, fifth round)
        let carry: Buffer | undefined;
        res.on("data", (chunk: Buffer) => {
          // a mark split between two chunks (at most one fits in the joint; none fits in either part)
          if (carry && Buffer.concat([carry, chunk.subarray(0, CLOUDEVENT_MARK.length - 1)]).includes(CLOUDEVENT_MARK)) count++;
          for (let i = chunk.indexOf(CLOUDEVENT_MARK); i >= 0; i = chunk.indexOf(CLOUDEVENT_MARK, i + CLOUDEVENT_MARK.length))
            count++;
          carry = Buffer.from(chunk.subarray(Math.max(0, chunk.length - (CLOUDEVENT_MARK.length - 1))));
        });
        res.on("end", () => resolve(count));
        res.on("error", reject);
        return;
      }
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        const at = nowMs();
        const buf = rest + chunk;
        const cut = buf.lastIndexOf("\n\n");
        if (cut < 0) {
          rest = buf;
          return;
        }
        const whole = buf.slice(0, cut);
        rest = buf.slice(cut + 2);
        let i = whole.indexOf("event: cloudevent\n");
        while (i >= 0) {
          count++;
          i = whole.indexOf("event: cloudevent\n", i + 18);
        }
        if (onSentAt) for (const m of whole.matchAll(SENT_AT)) onSentAt(Number(m[1]), at);
      });
      res.on("end", () => resolve(count));
      res.on("error", reject);
    });
    req.on("error", (e) => {
      fail(e);
      reject(e);
    });
    close = () => req.destroy();
    req.end();
  });
  ended.catch(() => {});
  return { opened: openedP, ended, count: () => count, close };
}

const DELIVERY_ID = /"deliveryId":"([^"]+)"/;

/** A WebSocket client on one durable subscription; acks every event, those of one turn in one frame (as lib/client does). */
async function wsClient(
  wsUrl: string,
  subscription: string,
  maxInFlight: number,
  onEvent: (frame: string, at: number) => void,
): Promise<{ ws: WebSocket; subscribed: Promise<void> }> {
  const ws = new WebSocket(wsUrl);
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  let ok!: () => void;
  let fail!: (e: Error) => void;
  const subscribed = new Promise<void>((resolve, reject) => {
    ok = resolve;
    fail = reject;
  });
  let acks: string[] = [];
  const flushAcks = () => {
    const ids = acks;
    acks = [];
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "ack", deliveryIds: ids }));
  };
  ws.on("message", (data) => {
    const at = nowMs();
    const s = data.toString();
    if (s.startsWith('{"type":"event"')) {
      const id = DELIVERY_ID.exec(s)?.[1];
      if (id) {
        if (acks.length === 0) setImmediate(flushAcks);
        acks.push(id);
      }
      onEvent(s, at);
    } else if (s.includes('"type":"subscribed"')) ok();
    else if (s.includes('"type":"error"') || s.includes('"type":"overflow"')) fail(new Error(`WS: ${s}`));
  });
  ws.send(JSON.stringify({ type: "subscribe", subscription, maxInFlight }));
  return { ws, subscribed };
}

// ---------------------------------------------------------------------------------------------
// Processes and CPU

let product: Child | undefined;
let productInfo: ProductReady | undefined;
const natsPid = listeningPid(4222);

function cpuSnapshot() {
  return {
    t: performance.now(),
    server: cpuSeconds(product?.proc.pid),
    nats: cpuSeconds(natsPid),
    self: process.cpuUsage(),
    machine: machineBusySeconds(),
  };
}
function cpuSince(s: ReturnType<typeof cpuSnapshot>, pubPid?: number, pub0?: number) {
  const sec = (performance.now() - s.t) / 1000;
  const pct = (a?: number, b?: number) => (a !== undefined && b !== undefined ? Math.round(((a - b) / sec) * 100) : undefined);
  const u = process.cpuUsage(s.self);
  const server = pct(cpuSeconds(product?.proc.pid), s.server);
  const nats = pct(cpuSeconds(natsPid), s.nats);
  const clients = Math.round(((u.user + u.system) / 1e6 / sec) * 100);
  const publisher = pct(cpuSeconds(pubPid), pub0);
  const machine = pct(machineBusySeconds(), s.machine);
  // everything else on the machine (other work sharing the cores)
  const other = machine === undefined ? undefined : machine - (server ?? 0) - (nats ?? 0) - clients - (publisher ?? 0);
  return { server, nats, clients, publisher, other };
}
type Cpu = ReturnType<typeof cpuSince>;
const fmtCpu = (c: Cpu) => `${c.server ?? "?"} · ${c.clients} · ${c.nats ?? "?"} · ${c.publisher ?? "–"} · ${c.other ?? "?"}`;

let publisherScript = "";
let productScript = "";

// ---------------------------------------------------------------------------------------------
// 1. Latency

interface LatencyRow {
  transport: Transport;
  /** Events/s replayed into another subscription during the window (the `interference` section). */
  replayedPerSec?: number;
  rate: number;
  clients: number;
  run: number;
  p50: number;
  p99: number;
  max: number;
  samples: number;
  published: number;
  received: number;
  cpu: Cpu;
  note: string;
  /** The publisher's POST /api/events round trip (batch sent → 2xx; raw: → its last PubAck), whole run. */
  postP50: number;
  postP99: number;
}

/** `raw`: the baseline — the same paced batches published with @nats-io to a stream of their own,
 * read by a raw durable pull consumer `consume()` in this process, acking each. */
type Transport = "WS" | "SSE" | "raw";

/**
 * Replays of `range` into a WebSocket subscription of its own (which also gets the live events),
 * back to back at full speed, until the returned stop is called; it resolves to the replayed events.
 */
async function replaysAlongside(range: { first: number; last: number }, run: number): Promise<() => Promise<number>> {
  const p = productInfo as ProductReady;
  const sub = await api<{ id: string }>(p.url, "POST", "/api/subscriptions", {
    name: `bench-bg-${RUN}-${run}`,
    tenant: TENANT,
    target: { type: "websocket" },
    startAt: { type: "new" },
    maxInFlight: 1000,
  });
  let replayed = 0;
  const c = await wsClient(`${p.url.replace("http://", "ws://")}/api/ws`, sub.id, 500, (s) => {
    if (s.includes('"replayId"')) replayed++;
  });
  await c.subscribed;
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      const r = await api<{ id: string }>(p.url, "POST", "/api/replays", {
        from: { sequence: range.first },
        to: { sequence: range.last },
        target: { type: "subscription", id: sub.id },
        ratePerSec: 1_000_000,
      });
      for (;;) {
        await sleep(100);
        const st = await api<{ state: string }>(p.url, "GET", `/api/replays/${r.id}`);
        if (st.state !== "pending" && st.state !== "running") break;
        if (stop) {
          await api(p.url, "DELETE", `/api/replays/${r.id}`).catch(() => {});
          break;
        }
      }
    }
  })();
  return async () => {
    stop = true;
    await loop;
    c.ws.close();
    await api(p.url, "DELETE", `/api/subscriptions/${sub.id}`).catch(() => {});
    return replayed;
  };
}

async function latencyCase(
  transport: Transport,
  rate: number,
  clients: number,
  run: number,
  alongside?: { first: number; last: number },
): Promise<LatencyRow> {
  const p = productInfo as ProductReady;
  const wsUrl = `${p.url.replace("http://", "ws://")}/api/ws`;
  // the window is known once the publisher says when its warm-up ends; until then nothing counts
  const lat = new Latency(Number.POSITIVE_INFINITY, 0);
  const closers: (() => void)[] = [];
  let subId: string | undefined;
  let note = "";
  let natsSubject: string | undefined;
  if (transport === "raw") {
    const nc = await connect({ servers: NATS_URL, name: "bench-latency-raw" });
    const jsm = await jetstreamManager(nc);
    const stream = `${p.stream}_rawlat_${run}`;
    natsSubject = `rawlat_${RUN}_${run}.x`;
    await jsm.streams.add({ name: stream, subjects: [natsSubject], storage: StorageType.File });
    await jsm.consumers.add(stream, {
      durable_name: "lat",
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
      max_ack_pending: 1000,
    });
    const msgs = await (await jetstream(nc).consumers.get(stream, "lat")).consume({ max_messages: 500 });
    const decoder = new TextDecoder();
    void (async () => {
      for await (const m of msgs) {
        const at = nowMs();
        for (const x of decoder.decode(m.data).matchAll(SENT_AT)) lat.add(Number(x[1]), at);
        m.ack();
      }
    })();
    closers.push(() => {
      void (async () => {
        await msgs.close();
        await jsm.streams.delete(stream).catch(() => {});
        await nc.close();
      })();
    });
    note = "raw @nats-io: the publisher's batches straight to JetStream, a durable pull consumer consume() acking each";
  } else if (transport === "SSE") {
    const url = `${p.url}/api/stream?tenant=${TENANT}&from=now`;
    const cs = Array.from({ length: clients }, () => sseClient(url, (s, at) => lat.add(s, at)));
    await Promise.all(cs.map((c) => c.opened));
    for (const c of cs) closers.push(c.close);
    note = clients > 1 ? `${clients} SSE connections, each receives every event` : "1 SSE connection";
  } else {
    const sub = await api<{ id: string }>(p.url, "POST", "/api/subscriptions", {
      name: `bench-lat-${RUN}-${run}-${clients}`,
      tenant: TENANT,
      target: { type: "websocket" },
      startAt: { type: "new" },
      maxInFlight: 1000,
    });
    subId = sub.id;
    const perClient = clients > 1 ? 20 : 500;
    for (let i = 0; i < clients; i++) {
      const c = await wsClient(wsUrl, sub.id, perClient, (s, at) => {
        for (const m of s.matchAll(SENT_AT)) lat.add(Number(m[1]), at);
      });
      await c.subscribed;
      closers.push(() => c.ws.close());
    }
    note =
      clients > 1
        ? `${clients} WS clients on one durable subscription, sharing the events (each event to one client; maxInFlight ${perClient} per client)`
        : "1 WS client, durable subscription, maxInFlight 500, acks every event";
  }
  const stopReplays = alongside ? await replaysAlongside(alongside, run) : undefined;
  const replaysStarted = performance.now();
  if (alongside) note += "; meanwhile, replays of the pre-loaded range into another WebSocket subscription, back to back";
  await sleep(300);
  const pub = startChild("publisher", publisherScript, [
    JSON.stringify({
      url: p.url,
      rate,
      warmupSec: WARMUP_SEC,
      durationSec: DURATION_SEC,
      tag: `${RUN}${transport}${run}${clients}`,
      ...(natsSubject ? { natsSubject } : {}),
    }),
  ]);
  await pub.line("READY");
  const { measureFrom } = await pub.line<{ measureFrom: number }>("MEASURE");
  const pub0 = cpuSeconds(pub.proc.pid);
  await sleep(Math.max(0, measureFrom - nowMs()));
  const snap = cpuSnapshot();
  const pubPid = pub.proc.pid;
  lat.from = measureFrom;
  lat.to = measureFrom + DURATION_SEC * 1000;
  await sleep(DURATION_SEC * 1000);
  const cpu = cpuSince(snap, pubPid, pub0);
  const res = await pub.line<{
    sent: number;
    accepted: number;
    failed: number;
    firstError?: string;
    postLatencyMs: { p50: number; p99: number };
  }>("RESULT");
  await pub.exited;
  const replayed = stopReplays ? await stopReplays() : 0;
  const replayMs = performance.now() - replaysStarted;
  await sleep(1000); // stragglers
  for (const c of closers) c();
  if (subId) await api(p.url, "DELETE", `/api/subscriptions/${subId}`).catch(() => {});
  if (res.failed > 0) note += `; ${res.failed} publishes failed (${res.firstError})`;
  const pc = percentiles(lat.samples, lat.n);
  const expected = Math.round(rate * DURATION_SEC) * (transport === "SSE" ? clients : 1);
  return {
    transport,
    rate,
    clients,
    run,
    p50: pc.p50,
    p99: pc.p99,
    max: pc.max,
    samples: lat.n,
    published: expected,
    received: lat.received,
    cpu,
    note,
    postP50: res.postLatencyMs.p50,
    postP99: res.postLatencyMs.p99,
    ...(stopReplays ? { replayedPerSec: (replayed * 1000) / replayMs } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// 2./3. Drain and replay

interface ThroughputRow {
  section: "drain" | "replay";
  label: string;
  run: number;
  events: number;
  seconds: number;
  perSec: number;
  cpu: Cpu;
}

async function preload(count: number): Promise<{ first: number; last: number }> {
  const p = productInfo as ProductReady;
  const nc = await connect({ servers: NATS_URL });
  const jsm = await jetstreamManager(nc);
  const before = (await jsm.streams.info(p.stream)).state.last_seq;
  let k = 0;
  const batch = 500;
  const post = async () => {
    while (k < count) {
      const size = Math.min(batch, count - k);
      const parts: string[] = [];
      for (let i = 0; i < size; i++) parts.push(timedEvent(`${RUN}pre-${(k + i).toString(36)}`, nowMs()));
      k += size;
      const r = await fetch(`${p.url}/api/events`, {
        method: "POST",
        headers: { "content-type": "application/cloudevents-batch+json" },
        body: `[${parts.join(",")}]`,
      });
      await r.text();
      if (r.status >= 300) throw new Error(`preload: HTTP ${r.status}`);
    }
  };
  await Promise.all([post(), post(), post(), post()]);
  const after = (await jsm.streams.info(p.stream)).state.last_seq;
  await nc.close();
  if (after - before !== count) throw new Error(`preload stored ${after - before} of ${count}`);
  return { first: before + 1, last: after };
}

async function until(cond: () => boolean, timeoutMs: number, what: string) {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out: ${what}`);
    await sleep(5);
  }
}

function row(section: "drain" | "replay", label: string, run: number, events: number, ms: number, cpu: Cpu): ThroughputRow {
  return { section, label, run, events, seconds: ms / 1000, perSec: events / (ms / 1000), cpu };
}

async function drainInternal(range: { first: number }, run: number): Promise<ThroughputRow> {
  const p = productInfo as ProductReady;
  const sub = await api<{ id: string }>(p.url, "POST", "/api/subscriptions", {
    name: `bench-int-${RUN}-${run}`,
    tenant: TENANT,
    target: { type: "internal" },
    startAt: { type: "sequence", value: range.first },
    maxInFlight: 1000,
  });
  const snap = cpuSnapshot();
  await api(p.controlUrl, "POST", `/attach?id=${sub.id}&n=${N}`);
  let c = { count: 0, attachedAt: 0, doneAt: undefined as number | undefined };
  const t0 = performance.now();
  while (c.doneAt === undefined) {
    if (performance.now() - t0 > 300_000) throw new Error("internal drain timed out");
    await sleep(20);
    c = await api(p.controlUrl, "GET", `/count?id=${sub.id}`);
  }
  const cpu = cpuSince(snap);
  await api(p.url, "DELETE", `/api/subscriptions/${sub.id}`).catch(() => {});
  return row("drain", "in-process handler (internal target, maxInFlight 1000)", run, N, c.doneAt - c.attachedAt, cpu);
}

async function drainWs(range: { first: number }, run: number): Promise<ThroughputRow> {
  const p = productInfo as ProductReady;
  const sub = await api<{ id: string }>(p.url, "POST", "/api/subscriptions", {
    name: `bench-ws-${RUN}-${run}`,
    tenant: TENANT,
    target: { type: "websocket" },
    startAt: { type: "sequence", value: range.first },
    maxInFlight: 1000,
  });
  let got = 0;
  const snap = cpuSnapshot();
  const t0 = performance.now();
  let t1 = 0;
  const c = await wsClient(`${p.url.replace("http://", "ws://")}/api/ws`, sub.id, 500, () => {
    if (++got === N) t1 = performance.now();
  });
  await c.subscribed;
  await until(() => got >= N, 300_000, "WS drain");
  const cpu = cpuSince(snap);
  c.ws.close();
  await api(p.url, "DELETE", `/api/subscriptions/${sub.id}`).catch(() => {});
  return row("drain", "WebSocket client (maxInFlight 500, acks every event, one frame per turn)", run, N, t1 - t0, cpu);
}

async function drainRaw(nc: NatsConnection, range: { first: number }, run: number): Promise<ThroughputRow> {
  const p = productInfo as ProductReady;
  const jsm = await jetstreamManager(nc);
  const name = `bench_raw_${RUN}_${run}`;
  await jsm.consumers.add(p.stream, {
    durable_name: name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: range.first,
    max_ack_pending: 1000,
  });
  const snap = cpuSnapshot();
  const t0 = performance.now();
  const consumer = await jetstream(nc).consumers.get(p.stream, name);
  const msgs = await consumer.consume({ max_messages: 500 });
  let got = 0;
  for await (const m of msgs) {
    m.ack();
    if (++got === N) break;
  }
  const ms = performance.now() - t0;
  const cpu = cpuSince(snap);
  await msgs.close();
  await jsm.consumers.delete(p.stream, name).catch(() => {});
  return row("drain", "raw @nats-io durable pull consumer consume(), ack each", run, N, ms, cpu);
}

async function replaySse(range: { first: number; last: number }, run: number): Promise<ThroughputRow> {
  const p = productInfo as ProductReady;
  const snap = cpuSnapshot();
  const t0 = performance.now();
  const r = await api<{ id: string }>(p.url, "POST", "/api/replays", {
    from: { sequence: range.first },
    to: { sequence: range.last },
    target: { type: "stream" },
    ratePerSec: 1_000_000,
  });
  const c = sseClient(`${p.url}/api/stream?replay=${encodeURIComponent(r.id)}`, undefined);
  const got = await c.ended;
  const ms = performance.now() - t0;
  const cpu = cpuSince(snap);
  if (got !== N) throw new Error(`SSE replay delivered ${got} of ${N}`);
  return row("replay", "SSE /api/stream?replay= (ratePerSec 1000000)", run, N, ms, cpu);
}

async function replayWs(range: { first: number; last: number }, run: number): Promise<ThroughputRow> {
  const p = productInfo as ProductReady;
  const sub = await api<{ id: string }>(p.url, "POST", "/api/subscriptions", {
    name: `bench-rws-${RUN}-${run}`,
    tenant: TENANT,
    target: { type: "websocket" },
    startAt: { type: "new" },
    maxInFlight: 1000,
  });
  let got = 0;
  let t1 = 0;
  const c = await wsClient(`${p.url.replace("http://", "ws://")}/api/ws`, sub.id, 500, (s) => {
    if (s.includes('"replayId"') && ++got === N) t1 = performance.now();
  });
  await c.subscribed;
  const snap = cpuSnapshot();
  const t0 = performance.now();
  await api(p.url, "POST", "/api/replays", {
    from: { sequence: range.first },
    to: { sequence: range.last },
    target: { type: "subscription", id: sub.id },
    ratePerSec: 1_000_000,
  });
  await until(() => got >= N, 300_000, "WS replay");
  const cpu = cpuSince(snap);
  c.ws.close();
  await api(p.url, "DELETE", `/api/subscriptions/${sub.id}`).catch(() => {});
  return row("replay", "WebSocket subscription (replay target subscription, maxInFlight 500)", run, N, t1 - t0, cpu);
}

async function replayRaw(nc: NatsConnection, range: { first: number }, run: number): Promise<ThroughputRow> {
  const p = productInfo as ProductReady;
  const snap = cpuSnapshot();
  const t0 = performance.now();
  const consumer = await jetstream(nc).consumers.get(p.stream, {
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: range.first,
  });
  const msgs = await consumer.consume();
  let got = 0;
  for await (const _m of msgs) {
    if (++got === N) break;
  }
  const ms = performance.now() - t0;
  const cpu = cpuSince(snap);
  await msgs.close();
  return row("replay", "raw @nats-io ordered consumer", run, N, ms, cpu);
}

// ---------------------------------------------------------------------------------------------

const f1 = (x: number) => x.toFixed(1);
const int = (x: number) => Math.round(x).toLocaleString("en-US");

async function main() {
  const started = new Date();
  const loadBefore = os.loadavg()[0]?.toFixed(2);
  console.log(`delivery bench ${RUN}: ${started.toISOString()}, ${os.cpus().length} CPUs, load avg ${loadBefore}`);
  productScript = await bundle("product-server.ts");
  publisherScript = await bundle("paced-publish.ts");
  product = startChild("product-server", productScript, [], {
    env: { BENCH_CONTROL: "1", ...(PROFILE ? { BENCH_CPU_PROFILE: profileFile } : {}) },
    nodeArgs: [...SERVER_NODE_FLAGS, ...(process.env.BENCH_SERVER_NODE_ARGS?.split(" ").filter(Boolean) ?? [])],
  });
  productInfo = await product.line<ProductReady>("READY");
  // the profile covers the measured sections (not the pre-load of the drain and replay sections)
  let profiling = false;
  const startProfile = () => {
    if ((PROFILE || process.env.BENCH_HEAP_PROFILE) && !profiling) product?.proc.kill("SIGUSR2");
    profiling = true;
  };
  const p = productInfo;

  const lat: LatencyRow[] = [];
  const thr: ThroughputRow[] = [];
  const logLatency = (r: LatencyRow) => {
    lat.push(r);
    console.log(
      `latency ${r.transport} ${r.rate}/s × ${r.clients} client(s)${r.replayedPerSec === undefined ? "" : `, ${int(r.replayedPerSec)} events/s replayed alongside`} run ${r.run}: p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(1)} ms (POST p50 ${r.postP50.toFixed(1)} p99 ${r.postP99.toFixed(1)} ms), ${r.samples} samples (${r.received} received), CPU % server·clients·nats·publisher·other ${fmtCpu(r.cpu)}`,
    );
  };
  try {
    if (selected("latency")) {
      startProfile();
      for (const [rate, clients] of [
        [2000, 1],
        [200, 100],
      ] as const) {
        // the baseline for one client: what a bare @nats-io client gets on this machine, in the same run
        for (const transport of clients === 1 ? (["raw", "WS", "SSE"] as const) : (["WS", "SSE"] as const)) {
          for (let run = 1; run <= REPEAT; run++) {
            logLatency(await latencyCase(transport, rate, clients, run));
          }
        }
      }
    }
    if (selected("drain") || selected("replay")) {
      console.log(`pre-loading ${N} events …`);
      const range = await preload(N);
      console.log(`pre-loaded seq ${range.first}..${range.last}`);
      startProfile();
      const nc = await connect({ servers: NATS_URL, name: "bench-delivery-raw" });
      try {
        // runs up to 0 warm up (both sides compiled by V8, as in a server that has been running): not recorded
        for (let run = 1 - THROUGHPUT_WARMUP_RUNS; run <= REPEAT; run++) {
          const cases: (() => Promise<ThroughputRow>)[] = [];
          if (selected("drain")) {
            cases.push(() => drainRaw(nc, range, run));
            if (DRAIN_TARGETS.includes("internal")) cases.push(() => drainInternal(range, run));
            if (DRAIN_TARGETS.includes("ws")) cases.push(() => drainWs(range, run));
          }
          if (selected("replay")) {
            cases.push(() => replayRaw(nc, range, run));
            if (REPLAY_TARGETS.includes("sse")) cases.push(() => replaySse(range, run));
            if (REPLAY_TARGETS.includes("ws")) cases.push(() => replayWs(range, run));
          }
          for (const c of cases) {
            const r = await c();
            if (run > 0) thr.push(r);
            console.log(
              `${r.section} ${r.label} ${run > 0 ? `run ${run}` : "warm-up (not recorded)"}: ${int(r.perSec)} events/s (${r.events} in ${r.seconds.toFixed(2)} s), CPU % server·clients·nats·publisher·other ${fmtCpu(r.cpu)}`,
            );
            await sleep(500);
          }
        }
      } finally {
        await nc.close();
      }
    }
    if (INTERFERENCE) {
      // live latency while a subscription catches up through replays at full speed
      console.log(`pre-loading ${N} events …`);
      const range = await preload(N);
      startProfile();
      for (let run = 1; run <= REPEAT; run++) logLatency(await latencyCase("WS", 2000, 1, run, range));
    }
  } finally {
    await product.stop();
    await cleanup(p.config).catch(() => {});
  }

  // ---- tables
  const out: string[] = [];
  out.push("");
  out.push(`Delivery bench ${RUN} — ${started.toISOString()} — load avg at start ${loadBefore} (machine shared)`);
  out.push("");
  if (lat.length > 0) {
    out.push(
      "| Transport | Load | Run | p50 ms | p99 ms | max ms | POST p50 / p99 ms | samples (expected) | CPU % server · clients · nats · publisher · other | Target p99 | Verdict |",
    );
    out.push("|---|---|---:|---:|---:|---:|---:|---:|---|---:|---|");
    for (const r of lat) {
      const target = r.clients > 1 ? 50 : 20;
      // with replays alongside: a figure to compare (RANGE_READ_THREAD), not one of the targets
      const measured = r.transport !== "raw" && r.replayedPerSec === undefined;
      const verdict = r.transport === "raw" ? "baseline" : !measured ? "–" : r.p99 <= target ? "met" : "**missed**";
      out.push(
        `| ${r.transport} | ${int(r.rate)}/s × ${r.clients} client${r.clients > 1 ? "s" : ""}${r.replayedPerSec === undefined ? "" : ` + ${int(r.replayedPerSec)}/s replayed alongside`} | ${r.run} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${f1(r.max)} | ${r.postP50.toFixed(1)} / ${r.postP99.toFixed(1)} | ${int(r.samples)} (${int(r.published)}) | ${fmtCpu(r.cpu)} | ${measured ? `≤ ${target}` : "–"} | ${verdict} |`,
      );
    }
    out.push("");
    for (const n of new Set(lat.map((r) => `${r.transport} ${r.clients}: ${r.note}`))) out.push(`- ${n}`);
    out.push("");
  }
  if (thr.length > 0) {
    out.push(
      `| Section | Consumer | Run | events | seconds | **events/s** | CPU % server · clients · nats · publisher · other | vs raw (same run) | Target | Verdict |`,
    );
    out.push("|---|---|---:|---:|---:|---:|---|---:|---:|---|");
    for (const r of thr) {
      const raw = thr.find((x) => x.section === r.section && x.run === r.run && x.label.startsWith("raw"));
      const isRaw = r.label.startsWith("raw");
      const ratio = raw && !isRaw ? r.perSec / raw.perSec : undefined;
      out.push(
        `| ${r.section} | ${r.label} | ${r.run} | ${int(r.events)} | ${r.seconds.toFixed(2)} | **${int(r.perSec)}** | ${fmtCpu(r.cpu)} | ${ratio === undefined ? "–" : ratio.toFixed(2)} | ${isRaw ? "–" : "≥ 0.5"} | ${ratio === undefined ? "–" : ratio >= 0.5 ? "met" : "**missed**"} |`,
      );
    }
  }
  console.log(out.join("\n"));
  if (PROFILE) {
    console.log("");
    console.log(formatProfile(`product server, sections ${ONLY?.join(", ") ?? "all"}`, analyzeProfile(profileFile, 20)));
  }
}

process.once("SIGINT", () => {
  void (async () => {
    await product?.stop();
    if (productInfo) await cleanup(productInfo.config).catch(() => {});
    process.exit(130);
  })();
});

main().catch(async (e) => {
  console.error(`delivery bench failed: ${e instanceof Error ? e.stack : String(e)}`);
  await product?.stop().catch(() => {});
  if (productInfo) await cleanup(productInfo.config).catch(() => {});
  process.exit(1);
});
