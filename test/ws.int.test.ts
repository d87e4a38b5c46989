import { randomBytes, randomUUID } from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SubscriptionDto } from "../lib/contracts/subscriptions";
import { cleanup, startTestApp, type TestApp, testConfig } from "../server/testing/fixtures";
import { type EventFrame, TestWsClient, until } from "../server/testing/ws-client";

/** The slow-client limit: small, so a client that stops reading is found out after a few events. */
const MAX_BUFFERED = 256 * 1024;

let app: TestApp;
let nc: NatsConnection;
const clients: TestWsClient[] = [];

beforeAll(async () => {
  app = await startTestApp(testConfig(), { ws: { maxBufferedBytes: MAX_BUFFERED, stallMs: 1500 } });
  nc = await connect({ servers: app.config.NATS_URL });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.terminate()));
});

afterAll(async () => {
  await nc?.close();
  await app?.stop();
  if (app) await cleanup(app.config);
});

async function client(): Promise<TestWsClient> {
  const c = await TestWsClient.open(app.wsUrl);
  clients.push(c);
  return c;
}

/** A CloudEvents type of its own per test, so subscriptions only see their test's events. */
function uniqueType(): string {
  return `com.anumate.wstest.t${randomBytes(4).toString("hex")}`;
}

function ce(type: string, extra: Record<string, unknown> = {}) {
  return { specversion: "1.0", id: randomUUID(), source: "/tests/ws", type, ...extra };
}

async function api<T>(method: string, path: string, body?: unknown, expectStatus?: number): Promise<T> {
  const res = await fetch(app.url + path, {
    method,
    ...(body !== undefined ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (expectStatus !== undefined) expect(res.status, text).toBe(expectStatus);
  return (text ? JSON.parse(text) : undefined) as T;
}

function createSub(def: Record<string, unknown>): Promise<SubscriptionDto> {
  return api<SubscriptionDto>(
    "POST",
    "/api/subscriptions",
    { name: `ws-${randomBytes(4).toString("hex")}`, target: { type: "websocket" }, ...def },
    201,
  );
}

const getSub = (id: string) => api<SubscriptionDto>("GET", `/api/subscriptions/${id}`, undefined, 200);

async function publish(e: object): Promise<{ seq: number; id: string }> {
  const res = await fetch(`${app.url}/api/events`, {
    method: "POST",
    headers: { "content-type": "application/cloudevents+json" },
    body: JSON.stringify(e),
  });
  expect(res.status).toBe(202);
  return (await res.json()) as { seq: number; id: string };
}

async function publishBatch(events: object[]): Promise<number[]> {
  const res = await fetch(`${app.url}/api/events`, {
    method: "POST",
    headers: { "content-type": "application/cloudevents-batch+json" },
    body: JSON.stringify(events),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { results: { seq: number }[] }).results.map((r) => r.seq);
}

/** Acknowledges every event a client receives (on any subscription) and records them. */
function autoAck(c: TestWsClient): { frames: EventFrame[]; stop(): void } {
  const frames: EventFrame[] = [];
  let running = true;
  void (async () => {
    while (running) {
      const f = await c.nextEvent(undefined, 60_000).catch(() => undefined);
      if (!f || !running) return;
      frames.push(f);
      c.send({ type: "ack", deliveryId: f.deliveryId });
    }
  })();
  return {
    frames,
    stop: () => {
      running = false;
    },
  };
}

/** The dead letters (record header parsed) of one subscription. */
async function deadLetters(subscription: string) {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(app.config.DEAD_LETTER_STREAM);
  const found: { seq: number; record: Record<string, unknown>; headers: Record<string, string> }[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(app.config.DEAD_LETTER_STREAM, { seq }).catch(() => null);
    const raw = m?.header.get("Anumate-Dead-Letter");
    if (!m || !raw) continue;
    const record = JSON.parse(raw) as Record<string, unknown>;
    const headers: Record<string, string> = {};
    for (const [k, v] of m.header) headers[k.toLowerCase()] = v[0] ?? "";
    if (record.subscription === subscription) found.push({ seq, record, headers });
  }
  return found;
}

describe("WebSocket delivery of a durable subscription", () => {
  it("delivers {event, deliveryId, attempt 1, seq}; an ack settles it and shows in the stats", async () => {
    const type = uniqueType();
    const sub = await createSub({ types: [type] });
    const c = await client();
    expect(await c.subscribe({ subscription: sub.id })).toBe(sub.id);

    const e = ce(type, { data: { n: 1 }, subject: "s-1" });
    const pub = await publish(e);
    const f = await c.nextEvent(sub.id);
    expect(f).toMatchObject({ type: "event", subscription: sub.id, attempt: 1, seq: pub.seq });
    expect(f.deliveryId).toEqual(expect.any(String));
    expect(f.event).toMatchObject({ specversion: "1.0", id: e.id, source: e.source, type, subject: "s-1", data: { n: 1 } });

    c.send({ type: "ack", deliveryId: f.deliveryId });
    const stats = await until(
      async () => {
        const s = (await getSub(sub.id)).stats;
        return s && s.delivered >= 1 && s.ackPending === 0 ? s : undefined;
      },
      5000,
      "delivered ≥ 1 and ackPending 0",
    );
    expect(stats).toMatchObject({ members: 1, pending: 0, redelivered: 0 });
    // an answer is taken once: acking again is an unknown delivery
    c.send({ type: "ack", deliveryId: f.deliveryId });
    expect(await c.take((x) => x.type === "error")).toMatchObject({ code: "NOT_FOUND" });
  });

  it("acks several deliveries in one frame (deliveryIds); an unknown id in it is reported, the rest settle", async () => {
    const type = uniqueType();
    const sub = await createSub({ types: [type] });
    const c = await client();
    await c.subscribe({ subscription: sub.id, maxInFlight: 10 });
    await publishBatch([ce(type), ce(type), ce(type)]);
    const frames = [await c.nextEvent(sub.id), await c.nextEvent(sub.id), await c.nextEvent(sub.id)];
    c.send({ type: "ack", deliveryIds: [...frames.map((f) => f.deliveryId), "nope"] });
    expect(await c.take((x) => x.type === "error")).toMatchObject({
      code: "NOT_FOUND",
      message: expect.stringContaining("nope"),
    });
    await until(async () => {
      const st = (await getSub(sub.id)).stats;
      return st && st.delivered >= 3 && st.ackPending === 0 ? st : undefined;
    });
    c.send({ type: "ack", deliveryId: "x", deliveryIds: ["y"] });
    expect(await c.take((x) => x.type === "error")).toMatchObject({ code: "VALIDATION" });
  });

  it("an event not answered within the subscription's ack wait is retried as attempt 2", async () => {
    const type = uniqueType();
    const sub = await createSub({ types: [type], retry: { ackWaitMs: 1000, initialDelayMs: 0, jitter: 0 } });
    const c = await client();
    await c.subscribe({ subscription: sub.id });
    const pub = await publish(ce(type));
    const first = await c.nextEvent(sub.id);
    const sentAt = Date.now();
    expect(first).toMatchObject({ seq: pub.seq, attempt: 1 });
    // no answer: after ~1 s the server counts a failed attempt and the event comes again
    const second = await c.nextEvent(sub.id, 10_000);
    expect(second).toMatchObject({ seq: pub.seq, attempt: 2 });
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(900);
    c.send({ type: "ack", deliveryId: second.deliveryId });
    // the late answer to the first delivery is refused: it was already given up
    c.send({ type: "ack", deliveryId: first.deliveryId });
    expect(await c.take((x) => x.type === "error")).toMatchObject({ code: "NOT_FOUND" });
    const stats = await until(async () => {
      const st = (await getSub(sub.id)).stats;
      return st?.lastError && st.delivered >= 1 ? st : undefined;
    });
    expect(stats.lastError?.message).toMatch(/not acknowledged within 1000 ms/);
  });

  it("nack with delayMs redelivers the same event as attempt 2, no sooner than the delay", async () => {
    const type = uniqueType();
    const sub = await createSub({ types: [type] });
    const c = await client();
    await c.subscribe({ subscription: sub.id });
    const pub = await publish(ce(type));
    const first = await c.nextEvent(sub.id);
    expect(first).toMatchObject({ seq: pub.seq, attempt: 1 });

    const nackedAt = performance.now();
    c.send({ type: "nack", deliveryId: first.deliveryId, delayMs: 300 });
    const again = await c.nextEvent(sub.id);
    const elapsed = performance.now() - nackedAt;
    expect(again).toMatchObject({ seq: pub.seq, attempt: 2, event: { id: first.event.id } });
    expect(again.deliveryId).not.toBe(first.deliveryId);
    expect(elapsed).toBeGreaterThanOrEqual(290); // timer granularity
    expect(elapsed).toBeLessThan(3000);
    c.send({ type: "ack", deliveryId: again.deliveryId });
    await until(async () => (await getSub(sub.id)).stats?.ackPending === 0, 5000, "ackPending 0");
  });

  it("reject dead-letters the event at once with reason 'rejected', and it is not redelivered", async () => {
    const type = uniqueType();
    const sub = await createSub({ types: [type], maxInFlight: 1, retry: { maxAttempts: 5 } });
    const c = await client();
    await c.subscribe({ subscription: sub.id });
    const e = ce(type, { data: { poison: true }, tenantid: "acme" });
    const pub = await publish(e);
    const f = await c.nextEvent(sub.id);
    c.send({ type: "reject", deliveryId: f.deliveryId, reason: "cannot parse the order" });

    const dl = await until(async () => (await deadLetters(sub.id))[0], 5000, "the dead letter");
    expect(dl.record).toMatchObject({ reason: "rejected", subscription: sub.id, originalSeq: pub.seq, tenant: "acme" });
    expect((dl.record.attempts as { attempt: number; message: string }[])[0]).toMatchObject({
      attempt: 1,
      message: expect.stringContaining("cannot parse the order"),
    });
    // the dead letter is the same CloudEvent (NATS binary mode)
    expect(dl.headers["ce-id"]).toBe(e.id);

    // with maxInFlight 1 the subscription is in order: the next event comes only after the rejected one
    // is settled, and the rejected one never comes back
    const marker = await publish(ce(type));
    const next = await c.nextEvent(sub.id);
    expect(next.seq).toBe(marker.seq);
    c.send({ type: "ack", deliveryId: next.deliveryId });
    const stats = await until(
      async () => {
        const s = (await getSub(sub.id)).stats;
        return s && s.ackPending === 0 && s.pending === 0 ? s : undefined;
      },
      5000,
      "nothing pending",
    );
    expect(stats.redelivered).toBe(0);
    expect(c.log.filter((x) => x.type === "event" && x.seq === pub.seq)).toHaveLength(1);
    expect(await deadLetters(sub.id)).toHaveLength(1);
  });
});

describe("members of one subscription", () => {
  it("share the events (each to exactly one) and respect each client's maxInFlight", async () => {
    const type = uniqueType();
    const sub = await createSub({ types: [type], maxInFlight: 100 });
    const a = await client();
    const b = await client();
    await a.subscribe({ subscription: sub.id, maxInFlight: 2 });
    await b.subscribe({ subscription: sub.id, maxInFlight: 2 });
    expect((await getSub(sub.id)).stats?.members).toBe(2);

    const seqs = await publishBatch(Array.from({ length: 10 }, (_, i) => ce(type, { data: { i } })));
    const heldA = [await a.nextEvent(sub.id), await a.nextEvent(sub.id)];
    const heldB = [await b.nextEvent(sub.id), await b.nextEvent(sub.id)];
    // both are full: the rest stays in the stream, not in the server and not on the wire
    const full = await until(
      async () => {
        const s = (await getSub(sub.id)).stats;
        return s && s.ackPending === 4 && s.pending === 6 ? s : undefined;
      },
      5000,
      "4 in flight, 6 pending",
    );
    expect(full.ackPending).toBe(4);
    await new Promise((r) => setTimeout(r, 300)); // a negative: give a wrong extra delivery time to show up
    expect(a.queue.filter((f) => f.type === "event")).toHaveLength(0);
    expect(b.queue.filter((f) => f.type === "event")).toHaveLength(0);

    // one ack frees one slot on that client only
    const [firstA, secondA] = heldA as [EventFrame, EventFrame];
    a.send({ type: "ack", deliveryId: firstA.deliveryId });
    const third = await a.nextEvent(sub.id);
    expect(b.queue.filter((f) => f.type === "event")).toHaveLength(0);

    const got = { a: [firstA, secondA, third], b: [...heldB] };
    const ackA = autoAck(a);
    const ackB = autoAck(b);
    a.send({ type: "ack", deliveryId: secondA.deliveryId });
    a.send({ type: "ack", deliveryId: third.deliveryId });
    for (const f of heldB) b.send({ type: "ack", deliveryId: f.deliveryId });
    await until(() => got.a.length + ackA.frames.length + got.b.length + ackB.frames.length >= 10, 5000, "all 10 events");
    ackA.stop();
    ackB.stop();
    const seqsA = [...got.a, ...ackA.frames].map((f) => f.seq);
    const seqsB = [...got.b, ...ackB.frames].map((f) => f.seq);
    expect([...seqsA, ...seqsB].sort((x, y) => x - y)).toEqual(seqs);
    expect(seqsA.length).toBeGreaterThan(0);
    expect(seqsB.length).toBeGreaterThan(0);
    expect([...got.a, ...ackA.frames, ...got.b, ...ackB.frames].every((f) => f.attempt === 1)).toBe(true);
    await until(async () => (await getSub(sub.id)).stats?.ackPending === 0, 5000, "all acknowledged");
  });

  it("redelivers what a client held when it disconnects to the remaining client", async () => {
    const type = uniqueType();
    const sub = await createSub({ types: [type], maxInFlight: 100 });
    const a = await client();
    const b = await client();
    await a.subscribe({ subscription: sub.id, maxInFlight: 3 });
    await b.subscribe({ subscription: sub.id, maxInFlight: 3 });
    const acked = autoAck(b);

    const seqs = await publishBatch(Array.from({ length: 8 }, (_, i) => ce(type, { data: { i } })));
    // A holds what it got, unanswered
    await until(
      () => {
        const heldByA = a.queue.filter((f) => f.type === "event").length;
        return heldByA > 0 && heldByA + acked.frames.length === seqs.length;
      },
      5000,
      "every event at A or B",
    );
    const heldFrames = a.queue.filter((f): f is EventFrame => f.type === "event");
    const held = heldFrames.map((f) => f.seq);
    expect(held.length).toBeLessThanOrEqual(3);

    await a.terminate();
    await until(() => acked.frames.length === seqs.length, 5000, "A's events at B");
    acked.stop();
    expect(acked.frames.map((f) => f.seq).sort((x, y) => x - y)).toEqual(seqs);
    const redelivered = acked.frames.filter((f) => held.includes(f.seq));
    expect(redelivered.map((f) => f.seq).sort()).toEqual([...held].sort());
    // a new delivery of the same event; a member leaving is a hand-back, not a failed attempt
    for (const f of redelivered) {
      expect(f.deliveryId).not.toBe(heldFrames.find((h) => h.seq === f.seq)?.deliveryId);
      expect(f.attempt).toBe(1);
    }
    const stats = await until(
      async () => {
        const s = (await getSub(sub.id)).stats;
        return s && s.ackPending === 0 && s.pending === 0 ? s : undefined;
      },
      5000,
      "all acknowledged",
    );
    expect(stats.members).toBe(1);
  });
});

describe("ad-hoc subscriptions", () => {
  it("deliver what the filter matches, and their temporary subscription ends with the connection", async () => {
    const type = uniqueType();
    const c = await client();
    c.send({ type: "subscribe", filter: { types: [type], filters: [{ prefix: { subject: "keep" } }] } });
    const subscribed = await c.take((f) => f.type === "subscribed");
    expect(subscribed).toMatchObject({ adHoc: true });
    const id = subscribed.type === "subscribed" ? subscribed.subscription : "";
    const listed = await api<{ items: SubscriptionDto[] }>("GET", "/api/subscriptions", undefined, 200);
    expect(listed.items.find((s) => s.id === id)).toMatchObject({
      types: [type],
      target: { type: "websocket" },
      startAt: { type: "new" },
    });

    await publish(ce(`${type}x`, { subject: "keep-other-type" }));
    await publish(ce(type, { subject: "drop-me" }));
    const wanted = await publish(ce(type, { subject: "keep-me" }));
    const f = await c.nextEvent(id);
    expect(f).toMatchObject({ seq: wanted.seq, event: { type, subject: "keep-me" } });
    c.send({ type: "ack", deliveryId: f.deliveryId });

    await c.close();
    await until(
      async () => {
        const after = await api<{ items: SubscriptionDto[] }>("GET", "/api/subscriptions", undefined, 200);
        return after.items.every((s) => s.id !== id);
      },
      5000,
      "the temporary subscription to go",
    );
    await api("GET", `/api/subscriptions/${id}`, undefined, 404);
  });

  it("are removed even when the client leaves before the subscription is set up", async () => {
    const adHocNames = async () =>
      (await api<{ items: SubscriptionDto[] }>("GET", "/api/subscriptions", undefined, 200)).items
        .filter((s) => s.name.startsWith("ws-adhoc-"))
        .map((s) => s.id);
    expect(await adHocNames()).toEqual([]);
    // count the temporary subscriptions the gateway creates, to know when they all exist
    const service = app.container.subscriptions;
    const create = service.create;
    let created = 0;
    service.create = async (a) => {
      const sub = await create(a);
      created++;
      return sub;
    };
    try {
      const leavers = await Promise.all(Array.from({ length: 5 }, () => client()));
      for (const c of leavers) {
        c.send({ type: "subscribe", filter: { types: [uniqueType()] } });
        void c.terminate(); // gone while the server is still setting the subscription up
      }
      await until(() => created === leavers.length, 5000, "the temporary subscriptions to be created");
    } finally {
      service.create = create;
    }
    await until(async () => (await adHocNames()).length === 0, 5000, "no temporary subscription left");
  });
});

describe("protocol errors", () => {
  it("answer bad frames with {type:'error', code, message} and keep the connection open", async () => {
    const c = await client();
    const error = () => c.take((f) => f.type === "error");

    c.send("{not json");
    expect(await error()).toMatchObject({ type: "error", code: "VALIDATION", message: expect.any(String) });
    c.send({ type: "teleport" });
    expect(await error()).toMatchObject({
      code: "VALIDATION",
      details: expect.arrayContaining([expect.objectContaining({ field: "type" })]),
    });
    c.send({ type: "ack", deliveryId: "sub_x:1:1" });
    expect(await error()).toMatchObject({ code: "NOT_FOUND", details: [{ field: "deliveryId" }] });
    c.send({ type: "nack", deliveryId: "nope", delayMs: -1 });
    expect(await error()).toMatchObject({ code: "VALIDATION", details: [{ field: "delayMs" }] });
    c.send({ type: "subscribe" });
    expect(await error()).toMatchObject({ code: "VALIDATION" });
    c.send({ type: "subscribe", subscription: "sub_doesnotexist" });
    expect(await error()).toMatchObject({ code: "NOT_FOUND" });
    // an ad-hoc filter is held to a durable subscription's rules
    c.send({ type: "subscribe", filter: { types: ["com.example.>.created"] } });
    expect(await error()).toMatchObject({
      code: "VALIDATION",
      details: [{ field: "filter.types.0", rule: expect.stringContaining("'>' only last") }],
    });
    const deep = { not: { not: { not: { not: { not: { not: { exact: { type: "x" } } } } } } } };
    c.send({ type: "subscribe", filter: { filters: [deep] } });
    expect(await error()).toMatchObject({
      code: "VALIDATION",
      details: [{ field: "filter.filters", rule: expect.stringContaining("levels deep") }],
    });
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    expect(await error()).toMatchObject({ code: "VALIDATION", details: [{ field: "frame" }] });

    expect(c.isOpen).toBe(true);
    c.send({ type: "ping" });
    expect(await c.take((f) => f.type === "pong")).toMatchObject({ at: expect.any(String) });
  });

  it("refuses to join a push subscription", async () => {
    const sub = await createSub({ types: [uniqueType()], target: { type: "push", url: "http://127.0.0.1:9/hook" } });
    const c = await client();
    c.send({ type: "subscribe", subscription: sub.id });
    expect(await c.take((f) => f.type === "error")).toMatchObject({ code: "CONFLICT" });
    expect(c.isOpen).toBe(true);
  });
});

describe("flow control", () => {
  it("a client whose events in flight are more bytes than the buffer limit gets them all, none handed back", async () => {
    const type = uniqueType();
    const sub = await createSub({ types: [type], maxInFlight: 200 });
    const c = await client();
    const acked = autoAck(c);
    await c.subscribe({ subscription: sub.id, maxInFlight: 200 });
    // 300 events of 5 KB: a pull of 200 is 1 MB of frames, four times MAX_BUFFERED
    const payload = "y".repeat(5 * 1024);
    const seqs = await publishBatch(Array.from({ length: 300 }, (_, i) => ce(type, { data: { i, payload } })));
    await until(() => new Set(acked.frames.map((f) => f.seq)).size === seqs.length, 20_000, "all 300 events");
    acked.stop();
    expect(acked.frames).toHaveLength(300);
    // in order, each once: what the server could not write at once waited for the socket to drain,
    // nothing went back to the stream for a hand-back delay (which reordered them before)
    expect(acked.frames.map((f) => f.seq)).toEqual(seqs);
    const info = await (await jetstreamManager(nc)).consumers.info(app.config.STREAM_NAME, sub.id);
    expect([info.num_redelivered, info.num_ack_pending]).toEqual([0, 0]);
  });
});

describe("slow clients", () => {
  /**
   * Watches the server side of the next `/api/ws` connection (its raw socket, from the HTTP server's
   * `upgrade` event): `closing()` turns true once the server has written a close frame to it.
   */
  function watchNextConnection(): { closing: () => boolean } {
    const server = app.http.server;
    let closing = false;
    const onUpgrade = (req: import("node:http").IncomingMessage, socket: import("node:stream").Duplex) => {
      if ((req.url ?? "").split("?")[0] !== "/api/ws") return;
      server.off("upgrade", onUpgrade);
      const write = socket.write;
      socket.write = function (this: import("node:stream").Duplex, ...args: Parameters<typeof write>) {
        const chunk = args[0];
        // RFC 6455 §5.2: FIN + opcode 0x8 starts a close frame (a server's frames are unmasked, and
        // `ws` writes a frame's header as a chunk of its own; text frames start 0x81, their JSON `{`)
        if (Buffer.isBuffer(chunk) && chunk[0] === 0x88) closing = true;
        return write.apply(this, args);
      } as typeof write;
    };
    server.on("upgrade", onUpgrade);
    return { closing: () => closing };
  }

  it("are disconnected instead of buffered without bound; their events go to another client", async () => {
    const type = uniqueType();
    // no delivery is settled by its ack wait while the client stalls: overflow's count is every event it was sent
    const sub = await createSub({ types: [type], maxInFlight: 1000, retry: { ackWaitMs: 600_000 } });
    const serverSide = watchNextConnection();
    const slow = await client();
    await slow.subscribe({ subscription: sub.id, maxInFlight: 1000 });
    slow.pauseReading();

    const memBefore = process.memoryUsage();
    const payload = "x".repeat(60 * 1024);
    const seqs: number[] = [];
    // ~18 MB: more than the kernel's socket buffers hold, so the server's own buffer must fill
    for (let batch = 0; batch < 6; batch++) {
      seqs.push(...(await publishBatch(Array.from({ length: 50 }, (_, i) => ce(type, { data: { i, payload } })))));
    }
    // flow control holds the server's buffer near the limit (the frame that crosses it, then the overflow frame) …
    await until(() => app.wsBufferedHighWater() > MAX_BUFFERED, 10_000, "the server's buffer for the slow client to fill");
    // … and a client that stays stalled past stallMs is given up: overflow frame, then a close frame (1008);
    // stallMs later the connection is cut (1006) if the client has not answered the close
    await until(serverSide.closing, 20_000, "the server to close the stalled client");
    expect(app.wsBufferedHighWater()).toBeLessThan(MAX_BUFFERED + 2 * 70 * 1024);

    // the client reads again before the cut: what the kernel and the server held, the overflow frame
    // (queued behind them, ahead of the close frame), then the close handshake
    slow.resumeReading();
    const closed = await slow.closed;
    const slowEvents = slow.log.filter((f): f is EventFrame => f.type === "event");
    expect(slowEvents.length).toBeGreaterThan(0);
    // the overflow frame comes last, after every event frame, and counts them: none was acknowledged
    expect(slow.log.at(-1)).toEqual({ type: "overflow", pending: slowEvents.length, bufferedBytes: expect.any(Number) });
    const overflow = slow.log.at(-1) as { pending: number; bufferedBytes: number };
    expect(overflow.pending).toBeGreaterThan(0);
    expect(overflow.bufferedBytes).toBeGreaterThan(0);
    expect(overflow.bufferedBytes).toBeLessThanOrEqual(app.wsBufferedHighWater());
    expect(closed).toEqual({ code: 1008, reason: `overflow: too slow, ${overflow.pending} events not acknowledged` });
    await until(() => app.http.wsClients() === 0, 10_000, "the server to drop the closed client");
    expect(new Set(slowEvents.map((f) => f.seq)).size).toBeLessThan(seqs.length);

    const normal = await client();
    const acked = autoAck(normal);
    await normal.subscribe({ subscription: sub.id, maxInFlight: 3 }); // 3 × 60 KB in flight stays under the limit
    await until(
      () => new Set(acked.frames.map((f) => f.seq)).size === seqs.length,
      30_000, // generous: the machine may be busy with other tests
      "every event at the normal client",
    ).catch(async (e: Error) => {
      const got = new Set(acked.frames.map((f) => f.seq));
      const missing = seqs.filter((q) => !got.has(q));
      const stats = JSON.stringify((await getSub(sub.id)).stats);
      throw new Error(
        `${e.message}: ${missing.length} missing (${missing.slice(0, 10).join(", ")}…), open ${normal.isOpen}, stats ${stats}`,
      );
    });
    acked.stop();
    expect([...new Set(acked.frames.map((f) => f.seq))].sort((x, y) => x - y)).toEqual(seqs);
    // what the slow client was sent comes again as a new delivery (a hand-back: not counted as an attempt)
    const slowIds = new Set(slowEvents.map((f) => f.deliveryId));
    expect(acked.frames.some((f) => slowIds.has(f.deliveryId))).toBe(false);
    expect(acked.frames.every((f) => f.attempt === 1)).toBe(true);

    const memAfter = process.memoryUsage();
    // generous: ~18 MB went through; without a bound the server would hold it all (and more) per slow client
    expect(memAfter.heapUsed - memBefore.heapUsed).toBeLessThan(256 * 1024 * 1024);
    expect(memAfter.rss - memBefore.rss).toBeLessThan(512 * 1024 * 1024);
  });
});
