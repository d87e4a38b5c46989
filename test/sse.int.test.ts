import { randomBytes, randomUUID } from "node:crypto";
import {
  type ClientRequest,
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
} from "node:http";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { overflowDataSchema } from "../lib/contracts/stream";
import { cleanup, startTestApp, type TestApp, testConfig } from "../server/testing/fixtures";
import { sleep } from "../server/testing/http";
import { createRouter } from "../server/transport/http/router";
import { isApiPath } from "../server/transport/http/server";
import { createStreamHandler } from "../server/transport/sse/stream";

/**
 * `GET /api/stream` against the real NATS. Most tests use a second HTTP server with the same
 * container and the stream route built with short timings (heartbeats 200 ms, overflow after
 * 700 ms without a drain); route registration, errors and shutdown go through the app's own server.
 */

let app: TestApp;
let nc: NatsConnection;
let sse: Server;
let sseUrl = "";

const HEARTBEAT_MS = 200;
const STALL_MS = 700;

beforeAll(async () => {
  app = await startTestApp(testConfig());
  nc = await connect({ servers: app.config.NATS_URL });
  const router = createRouter(
    [
      {
        method: "GET",
        path: "/api/stream",
        handler: createStreamHandler({ heartbeatMs: HEARTBEAT_MS, stallMs: STALL_MS, maxBufferedBytes: 256 * 1024 }),
      },
    ],
    isApiPath,
  );
  sse = createServer((req, res) => {
    void router(req, res, app.container).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => sse.listen(0, "127.0.0.1", resolve));
  const addr = sse.address();
  sseUrl = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
});

afterAll(async () => {
  sse?.closeAllConnections();
  await new Promise((r) => sse?.close(r));
  await nc?.close();
  await app?.stop();
  if (app) await cleanup(app.config);
});

interface Frame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
  /** Date.now() when the frame was parsed. */
  at: number;
}

/** A minimal EventSource over node:http: raw bytes (no decompression), frames kept in order. */
class SseClient {
  readonly frames: Frame[] = [];
  readonly chunks: Buffer[] = [];
  private buf = "";
  private waiters: (() => void)[] = [];
  ended = false;

  private constructor(
    readonly req: ClientRequest,
    readonly res: IncomingMessage,
  ) {
    res.on("end", () => this.finish());
    res.on("close", () => this.finish());
    res.on("error", () => this.finish());
  }

  /** Opens a stream; resolves once the headers have arrived. `paused`: read nothing until `resume()`. */
  static open(url: string, headers: Record<string, string> = {}, paused = false): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = request(url, { headers: { accept: "text/event-stream", ...headers } });
      req.on("error", reject);
      req.on("response", (res) => {
        const c = new SseClient(req, res);
        if (!paused) c.resume();
        resolve(c);
      });
      req.end();
    });
  }

  get status(): number {
    return this.res.statusCode ?? 0;
  }

  get headers(): IncomingHttpHeaders {
    return this.res.headers;
  }

  resume(): void {
    this.res.on("data", (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buf += chunk.toString("utf8");
      let i = this.buf.indexOf("\n\n");
      while (i >= 0) {
        this.frames.push(parseFrame(this.buf.slice(0, i)));
        this.buf = this.buf.slice(i + 2);
        i = this.buf.indexOf("\n\n");
      }
      this.notify();
    });
  }

  private finish(): void {
    this.ended = true;
    this.notify();
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until `done(frames)` holds. */
  async until(done: (frames: Frame[]) => boolean, timeoutMs = 3000, what = "frames"): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.frames)) {
      if (this.ended) throw new Error(`stream ended before ${what}; got ${JSON.stringify(this.frames.slice(-5))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames.slice(-5))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The CloudEvents received, as `{seq, event}`. */
  events(): { seq: number; id: string; event: Record<string, unknown>; at: number }[] {
    return this.frames
      .filter((f) => f.event === "cloudevent")
      .map((f) => {
        const event = JSON.parse(f.data ?? "") as Record<string, unknown>;
        return { seq: Number(f.id), id: event.id as string, event, at: f.at };
      });
  }

  /** Waits for `n` CloudEvents in all. */
  async untilEvents(n: number, timeoutMs = 3000): Promise<void> {
    await this.until((fs) => fs.filter((f) => f.event === "cloudevent").length >= n, timeoutMs, `${n} events`);
  }

  async untilEnd(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended && Date.now() < deadline) await sleep(10);
    if (!this.ended) throw new Error("the stream did not end");
  }

  close(): void {
    this.req.destroy();
  }
}

function parseFrame(text: string): Frame {
  const f: Frame = { at: Date.now() };
  for (const line of text.split("\n")) {
    if (line.startsWith(":")) f.comment = line.slice(1).trim();
    else {
      const i = line.indexOf(":");
      const [k, v] = i < 0 ? [line, ""] : [line.slice(0, i), line.slice(i + 1).replace(/^ /, "")];
      if (k === "id" || k === "event" || k === "data") f[k] = v;
    }
  }
  return f;
}

const uniqueTenant = (p: string) => `${p}${randomBytes(3).toString("hex")}`;

function ce(tenant: string, extra: Record<string, unknown> = {}) {
  return {
    specversion: "1.0",
    id: randomUUID(),
    source: "/tests/sse",
    type: "com.anumate.order.created",
    tenantid: tenant,
    ...extra,
  };
}

/** Publishes a batch through the API; resolves to the stored sequences in order. */
async function publish(events: object[]): Promise<number[]> {
  const res = await fetch(`${app.url}/api/events`, {
    method: "POST",
    headers: { "content-type": "application/cloudevents-batch+json" },
    body: JSON.stringify(events),
  });
  expect(res.status).toBe(202);
  const body = (await res.json()) as { results: { seq: number }[] };
  return body.results.map((r) => r.seq);
}

async function liveConsumers(): Promise<string[]> {
  const jsm = await jetstreamManager(nc);
  const names: string[] = [];
  for await (const ci of jsm.consumers.list(app.config.STREAM_NAME)) names.push(ci.name);
  return names;
}

/** Polls until `check()` is true (or fails after `timeoutMs`). */
async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 3000, what = "condition"): Promise<number> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
  return Date.now() - t0;
}

/** The position frame a stream starts with: the seq before its first event. */
async function started(c: SseClient): Promise<number> {
  await c.until((fs) => fs.some((f) => f.id !== undefined && f.event === undefined), 3000, "the position frame");
  return Number(c.frames.find((f) => f.id !== undefined && f.event === undefined)?.id);
}

describe("GET /api/stream — live delivery", () => {
  it("answers an event stream, unbuffered, and delivers an event published after connecting within a second", async () => {
    const tenant = uniqueTenant("live");
    const c = await SseClient.open(`${sseUrl}/api/stream?tenant=${tenant}`);
    try {
      expect(c.status).toBe(200);
      expect(c.headers["content-type"]).toBe("text/event-stream");
      expect(c.headers["cache-control"]).toBe("no-cache, no-transform");
      expect(c.headers["x-accel-buffering"]).toBe("no");
      expect(c.headers.connection).toBe("keep-alive");
      expect(c.headers["content-length"]).toBeUndefined();
      expect(c.headers["content-encoding"]).toBeUndefined();
      const position = await started(c);
      const e = ce(tenant, { data: { n: 1 }, subject: "o-1" });
      const t0 = Date.now();
      const [seq] = await publish([e]);
      await c.untilEvents(1, 1000);
      const [got] = c.events();
      expect(got?.at).toBeDefined();
      expect((got?.at ?? Number.POSITIVE_INFINITY) - t0).toBeLessThan(1000);
      expect(got?.seq).toBe(seq);
      expect(position).toBe((seq ?? 0) - 1); // nothing else was stored in between
      expect(got?.event).toEqual({ ...e, datacontenttype: "application/json" });
    } finally {
      c.close();
    }
  });

  it("filters by tenant, type pattern and CloudEvents subject", async () => {
    const tenant = uniqueTenant("flt");
    const q = (params: string) => SseClient.open(`${sseUrl}/api/stream?tenant=${tenant}&${params}`);
    const [oneToken, anyTokens, exact, bySubject] = await Promise.all([
      q("type=com.anumate.order.*"),
      q("type=com.anumate.order.>"),
      q("type=com.anumate.order.shipped"),
      q("type=com.anumate.order.*&subject=s1"),
    ]);
    const clients = [oneToken, anyTokens, exact, bySubject] as SseClient[];
    try {
      await Promise.all(clients.map(started));
      const events = [
        ce(tenant, { type: "com.anumate.order.created", subject: "s1" }), // 0
        ce(`${tenant}x`, { type: "com.anumate.order.created", subject: "s1" }), // 1: other tenant
        ce(tenant, { type: "com.anumate.order.created", subject: "s2" }), // 2
        ce(tenant, { type: "com.anumate.order.item.added", subject: "s1" }), // 3: two more tokens
        ce(tenant, { type: "com.anumate.payment.done", subject: "s1" }), // 4
        ce(tenant, { type: "com.anumate.order.shipped" }), // 5: no subject
        ce(tenant, { type: "com.anumate.order.shipped", subject: "s1" }), // 6: matches every filter, last
      ];
      await publish(events);
      const last = events[6]?.id;
      await Promise.all(clients.map((c) => c.until(() => c.events().some((e) => e.id === last), 2000, "the last event")));
      const ids = (c: SseClient) => c.events().map((e) => events.findIndex((x) => x.id === e.id));
      expect(ids(oneToken as SseClient)).toEqual([0, 2, 5, 6]);
      expect(ids(anyTokens as SseClient)).toEqual([0, 2, 3, 5, 6]);
      expect(ids(exact as SseClient)).toEqual([5, 6]);
      expect(ids(bySubject as SseClient)).toEqual([0, 6]);
    } finally {
      for (const c of clients) c.close();
    }
  });

  it("sends comment heartbeats", async () => {
    const c = await SseClient.open(`${sseUrl}/api/stream?tenant=${uniqueTenant("hb")}`);
    try {
      const t0 = Date.now();
      await c.until((fs) => fs.filter((f) => f.comment?.startsWith("hb ")).length >= 2, 2000, "two heartbeats");
      expect(Date.now() - t0).toBeGreaterThanOrEqual(HEARTBEAT_MS * 2 - 50);
      for (const f of c.frames.filter((x) => x.comment)) {
        expect(Number.isNaN(Date.parse(f.comment?.slice(3) ?? ""))).toBe(false);
      }
    } finally {
      c.close();
    }
  });

  it("never compresses, even when the client accepts gzip, and still delivers promptly", async () => {
    const tenant = uniqueTenant("gz");
    const c = await SseClient.open(`${sseUrl}/api/stream?tenant=${tenant}`, { "accept-encoding": "gzip, deflate, br" });
    try {
      expect(c.headers["content-encoding"]).toBeUndefined();
      await started(c);
      const t0 = Date.now();
      await publish([ce(tenant, { data: { big: "x".repeat(4000) } })]);
      await c.untilEvents(1, 1000);
      expect((c.events()[0]?.at ?? Number.POSITIVE_INFINITY) - t0).toBeLessThan(1000);
      const raw = Buffer.concat(c.chunks);
      expect(raw.subarray(0, 2).equals(Buffer.from([0x1f, 0x8b]))).toBe(false);
      expect(raw.toString("utf8").startsWith("id: ")).toBe(true);
    } finally {
      c.close();
    }
  });
  it("passes events larger than the queue bound to a client that reads, without overflow", async () => {
    const tenant = uniqueTenant("big");
    const c = await SseClient.open(`${sseUrl}/api/stream?tenant=${tenant}`);
    try {
      await started(c);
      // the test server's bound is 256 KiB: each of these frames is larger, one small event between them
      const big = (n: number) => ce(tenant, { data: { n, pad: "y".repeat(300_000) } });
      const seqs = await publish([ce(tenant, { data: { n: 0 } }), big(1), ce(tenant, { data: { n: 2 } }), big(3), big(4)]);
      await c.untilEvents(5, 5000);
      expect(c.events().map((e) => e.seq)).toEqual(seqs);
      expect(c.events().map((e) => (e.event.data as { n: number }).n)).toEqual([0, 1, 2, 3, 4]);
      expect(c.frames.some((f) => f.event === "overflow")).toBe(false);
    } finally {
      c.close();
    }
  });
});

describe("GET /api/stream — positions", () => {
  it("from=seq:N replays from N, then continues live", async () => {
    const tenant = uniqueTenant("seq");
    const seqs = await publish([ce(tenant), ce(tenant), ce(tenant)]);
    const c = await SseClient.open(`${sseUrl}/api/stream?tenant=${tenant}&from=seq:${seqs[1]}`);
    try {
      expect(await started(c)).toBe((seqs[1] ?? 0) - 1);
      await c.untilEvents(2);
      const [live] = await publish([ce(tenant)]);
      await c.untilEvents(3);
      await sleep(100); // nothing more arrives
      expect(c.events().map((e) => e.seq)).toEqual([seqs[1], seqs[2], live]);
    } finally {
      c.close();
    }
  });

  it("from=time:T replays events stored at or after T, then continues live", async () => {
    const tenant = uniqueTenant("time");
    await publish([ce(tenant)]);
    await sleep(30);
    const t = new Date().toISOString();
    await sleep(30);
    const after = await publish([ce(tenant), ce(tenant)]);
    const c = await SseClient.open(`${sseUrl}/api/stream?tenant=${tenant}&from=time:${encodeURIComponent(t)}`);
    try {
      await c.untilEvents(2);
      const [live] = await publish([ce(tenant)]);
      await c.untilEvents(3);
      await sleep(100);
      expect(c.events().map((e) => e.seq)).toEqual([...after, live]);
    } finally {
      c.close();
    }
  });

  it("Last-Event-ID resumes after that sequence (winning over from), with no gap and no duplicate", async () => {
    const tenant = uniqueTenant("resume");
    const url = `${sseUrl}/api/stream?tenant=${tenant}&from=now`;
    const first = await SseClient.open(url);
    const seen: number[] = [];
    let lastId = 0;
    let a: number[] = [];
    try {
      lastId = await started(first);
      a = await publish([ce(tenant), ce(tenant)]);
      await first.untilEvents(2);
      seen.push(...first.events().map((e) => e.seq));
      expect(seen).toEqual(a);
      lastId = Number(first.frames.filter((f) => f.id !== undefined).at(-1)?.id);
    } finally {
      first.close();
    }
    // stored while no one is connected
    const b = await publish([ce(tenant), ce(tenant), ce(tenant)]);
    const second = await SseClient.open(url, { "last-event-id": String(lastId) });
    try {
      await second.untilEvents(3);
      const c = await publish([ce(tenant)]);
      await second.untilEvents(4);
      await sleep(100);
      seen.push(...second.events().map((e) => e.seq));
      expect(seen).toEqual([...a, ...b, ...c]);
    } finally {
      second.close();
    }
  });

  it("a client that received no event yet resumes from the position it started at", async () => {
    const tenant = uniqueTenant("pos");
    const first = await SseClient.open(`${sseUrl}/api/stream?tenant=${tenant}`);
    const position = await started(first);
    first.close();
    const missed = await publish([ce(tenant)]);
    const second = await SseClient.open(`${sseUrl}/api/stream?tenant=${tenant}`, { "last-event-id": String(position) });
    try {
      await second.untilEvents(1);
      expect(second.events().map((e) => e.seq)).toEqual(missed);
    } finally {
      second.close();
    }
  });
});

describe("GET /api/stream — resources", () => {
  it("a disconnect stops the consumer at once", async () => {
    await eventually(() => app.container.live.openCount() === 0, 3000, "no open streams before");
    const before = await liveConsumers();
    const c = await SseClient.open(`${sseUrl}/api/stream?type=com.anumate.*`);
    await started(c);
    expect(app.container.live.openCount()).toBe(1);
    const during = await liveConsumers();
    expect(during.length).toBe(before.length + 1);
    c.close();
    const ms = await eventually(
      async () => app.container.live.openCount() === 0 && (await liveConsumers()).length === before.length,
    );
    expect(ms).toBeLessThan(1000);
  });

  it("a client that never reads gets `overflow` and is let go; the server stops reading NATS for it", async () => {
    const tenant = uniqueTenant("slow");
    const before = await liveConsumers();
    const data = { pad: "x".repeat(4000) };
    // paused: headers read, body never read — the socket fills and stays full
    const c = await SseClient.open(`${sseUrl}/api/stream?tenant=${tenant}`, {}, true);
    const seqs: number[] = [];
    try {
      expect(app.container.live.openCount()).toBe(1);
      for (let i = 0; i < 5; i++) seqs.push(...(await publish(Array.from({ length: 1000 }, () => ce(tenant, { data })))));
      // the server gives up on the client (no drain for STALL_MS) and frees everything
      await eventually(() => app.container.live.openCount() === 0, 8000, "the slow stream to be dropped");
      await eventually(async () => (await liveConsumers()).length === before.length, 2000, "its consumer to go");
      // reading now: what was queued, then the overflow frame, then the end
      c.resume();
      await c.untilEnd();
      const got = c.events().map((e) => e.seq);
      const overflow = c.frames.find((f) => f.event === "overflow");
      expect(overflow).toBeDefined();
      expect(c.frames.at(-1)).toBe(overflow);
      const o = overflowDataSchema.parse(JSON.parse(overflow?.data ?? ""));
      expect(got).toEqual(seqs.slice(0, got.length)); // a prefix, in order, with no gap
      expect(got.length).toBeLessThan(seqs.length);
      expect(o.lastSeq).toBe(got.at(-1));
      expect(o.dropped).toBeGreaterThan(0);
      expect(got.length + o.dropped).toBeLessThanOrEqual(seqs.length);
    } finally {
      c.close();
    }

    // once everything is stored, `dropped` is exact: what was sent plus what was dropped is all of it
    const replay = await SseClient.open(`${sseUrl}/api/stream?tenant=${tenant}&from=seq:${seqs[0]}`, {}, true);
    try {
      await eventually(() => app.container.live.openCount() === 0, 8000, "the slow replay to be dropped");
      replay.resume();
      await replay.untilEnd();
      const got = replay.events().map((e) => e.seq);
      const o = overflowDataSchema.parse(JSON.parse(replay.frames.find((f) => f.event === "overflow")?.data ?? ""));
      expect(got).toEqual(seqs.slice(0, got.length));
      expect(o.lastSeq).toBe(got.at(-1));
      expect(got.length + o.dropped).toBe(seqs.length);
    } finally {
      replay.close();
    }
    expect(await liveConsumers()).toEqual(before);
  });
});

describe("GET /api/stream — the app's route", () => {
  it("answers bad parameters with 400 JSON naming the field, before any stream byte", async () => {
    for (const [q, headers, field] of [
      ["from=yesterday", {}, "from"],
      ["from=seq:0", {}, "from"],
      ["type=a.>.b", {}, "type"],
      ["tenant=not%20a%20tenant", {}, "tenant"],
      ["", { "last-event-id": "abc" }, "Last-Event-ID"],
    ] as const) {
      const res = await fetch(`${app.url}/api/stream?${q}`, { headers });
      expect(res.status, q).toBe(400);
      expect(res.headers.get("content-type"), q).toMatch(/^application\/json/);
      const body = (await res.json()) as { error: { code: string; details: { field: string }[] } };
      expect(body.error.code).toBe("VALIDATION");
      expect(body.error.details[0]?.field, q).toBe(field);
    }
    const unknown = await fetch(`${app.url}/api/stream?bogus=1`);
    expect(unknown.status).toBe(400);
    await unknown.body?.cancel();
    expect(app.container.live.openCount()).toBe(0);
  });

  it("answers ?replay=<id> of no such replay with 404 NOT_FOUND", async () => {
    const res = await fetch(`${app.url}/api/stream?replay=r-123`);
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: "NOT_FOUND", message: "no such replay" });
  });

  it("serves the stream on the app's server, and shutdown ends open streams at once", async () => {
    const other = await startTestApp(testConfig());
    try {
      const c = await SseClient.open(`${other.url}/api/stream`);
      expect(c.status).toBe(200);
      await started(c);
      const t0 = Date.now();
      await other.stop(); // the HTTP grace period is 2 s here (10 s in production)
      expect(Date.now() - t0).toBeLessThan(1000);
      await c.untilEnd(1000);
      expect(other.container.live.openCount()).toBe(0);
    } finally {
      await other.stop();
      await cleanup(other.config);
    }
  });
});
