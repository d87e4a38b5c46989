import { randomBytes, randomUUID } from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { ApiError } from "../lib/api-client";
import {
  type CloudEventJson,
  createEventBusClient,
  type DeliveryInfo,
  type EventBusClient,
  type EventSubscription,
  RejectError,
  RetryLaterError,
  type SubscriptionState,
} from "../lib/client";
import type { SubscriptionDto } from "../lib/contracts/subscriptions";
import { cleanup, startTestApp, type TestApp, testConfig } from "../server/testing/fixtures";
import { until } from "../server/testing/ws-client";

let app: TestApp;
let nc: NatsConnection;
let bus: EventBusClient;
const subscriptions: EventSubscription[] = [];
/** Every frame the clients sent, parsed. */
const sent: { type: string }[] = [];

/** `ws`'s WebSocket, recording what the client sends. */
class RecordingWebSocket extends WebSocket {
  override send(data: unknown, ...rest: unknown[]): void {
    if (typeof data === "string") sent.push(JSON.parse(data) as { type: string });
    (super.send as (...a: unknown[]) => void)(data, ...rest);
  }
}

beforeAll(async () => {
  // fast server pings, so the tests see them
  app = await startTestApp(testConfig(), { ws: { heartbeatMs: 300 } });
  nc = await connect({ servers: app.config.NATS_URL });
  bus = createEventBusClient({ baseUrl: app.url, WebSocket: RecordingWebSocket });
});

afterEach(async () => {
  await Promise.all(subscriptions.splice(0).map((s) => s.close()));
});

afterAll(async () => {
  await nc?.close();
  await app?.stop();
  if (app) await cleanup(app.config);
});

function uniqueType(): string {
  return `com.anumate.clienttest.t${randomBytes(4).toString("hex")}`;
}

async function createSub(def: Record<string, unknown>): Promise<SubscriptionDto> {
  const res = await fetch(`${app.url}/api/subscriptions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name: `client-${randomBytes(4).toString("hex")}`, target: { type: "websocket" }, ...def }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as SubscriptionDto;
}

async function getSub(id: string): Promise<SubscriptionDto> {
  const res = await fetch(`${app.url}/api/subscriptions/${id}`);
  expect(res.status).toBe(200);
  return (await res.json()) as SubscriptionDto;
}

function track(s: EventSubscription): EventSubscription {
  subscriptions.push(s);
  return s;
}

interface Received {
  event: CloudEventJson;
  info: DeliveryInfo;
  at: number;
}

describe("publish", () => {
  it("publishes one event in structured mode, filling specversion and id", async () => {
    const type = uniqueType();
    const r = await bus.publish({ source: "/tests/client", type, subject: "s1", tenantid: "acme", data: { n: 1 } });
    expect(r).toMatchObject({ source: "/tests/client", tenant: "acme", stream: app.config.STREAM_NAME, duplicate: false });
    expect(r.id).toMatch(/^[0-9a-f-]{36}$/);
    const stored = (await (await fetch(`${app.url}/api/events/${r.seq}`)).json()) as { event: Record<string, unknown> };
    expect(stored.event).toMatchObject({ specversion: "1.0", id: r.id, type, subject: "s1", tenantid: "acme", data: { n: 1 } });

    // the same id again is a duplicate, stored once
    const again = await bus.publish({ id: r.id, source: "/tests/client", type, tenantid: "acme" });
    expect(again).toMatchObject({ duplicate: true, seq: r.seq });
  });

  it("publishes a batch, answering in request order", async () => {
    const type = uniqueType();
    const events = Array.from({ length: 5 }, (_, i) => ({ id: randomUUID(), source: "/tests/client", type, data: { i } }));
    const { results } = await bus.publishBatch(events);
    expect(results.map((x) => x.id)).toEqual(events.map((e) => e.id));
    const seqs = results.map((x) => x.seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(new Set(seqs).size).toBe(5);
  });

  it("throws ApiError with the code and details of a refusal", async () => {
    const bad = await bus.publish({ source: "/tests/client", type: "" }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ApiError);
    expect(bad).toMatchObject({
      status: 400,
      code: "VALIDATION",
      details: expect.arrayContaining([expect.objectContaining({ field: "type" })]),
    });

    const batch = await bus
      .publishBatch([
        { source: "/tests/client", type: uniqueType() },
        { source: "not a uri ^", type: uniqueType() },
      ])
      .catch((e: unknown) => e);
    expect(batch).toBeInstanceOf(ApiError);
    expect((batch as ApiError).details.map((d) => d.index)).toEqual([1]);

    const unreachable = createEventBusClient({ baseUrl: "http://127.0.0.1:9" });
    const down = await unreachable.publish({ source: "/s", type: "t" }).catch((e: unknown) => e);
    expect(down).toMatchObject({ name: "ApiError", status: 0, code: "UNAVAILABLE" });
  });
});

describe("subscribe", () => {
  it("hands each event to the handler and acknowledges it when the handler resolves", async () => {
    const type = uniqueType();
    const sub = await createSub({ types: [type] });
    const got: Received[] = [];
    const s = track(
      bus.subscribe(sub.id, (event, info) => {
        got.push({ event, info, at: Date.now() });
      }),
    );
    await s.ready;
    expect(s.state).toBe("subscribed");
    expect(s.subscriptionId).toBe(sub.id);

    const r = await bus.publish({ source: "/tests/client", type, data: { hello: "world" } });
    await until(() => got.length === 1, 5000, "the event");
    expect(got[0]?.event).toMatchObject({ id: r.id, type, data: { hello: "world" } });
    expect(got[0]?.info).toMatchObject({ subscription: sub.id, seq: r.seq, attempt: 1, deliveryId: expect.any(String) });
    const stats = await until(
      async () => {
        const st = (await getSub(sub.id)).stats;
        return st && st.delivered >= 1 && st.ackPending === 0 ? st : undefined;
      },
      5000,
      "the ack",
    );
    expect(stats.members).toBe(1);
    expect(sent).toContainEqual({ type: "ack", deliveryId: got[0]?.info.deliveryId });
  });

  it("nacks when the handler throws: plain errors after the backoff, RetryLaterError after its delay", async () => {
    const type = uniqueType();
    const sub = await createSub({ types: [type], retry: { maxAttempts: 5, initialDelayMs: 100, maxDelayMs: 100, jitter: 0 } });
    const got: Received[] = [];
    await track(
      bus.subscribe(sub.id, (event, info) => {
        got.push({ event, info, at: Date.now() });
        if (event.subject === "plain" && info.attempt === 1) throw new Error("database busy");
        if (event.subject === "later" && info.attempt === 1) throw new RetryLaterError("not yet", 600);
      }),
    ).ready;

    const plain = await bus.publish({ source: "/tests/client", type, subject: "plain" });
    const later = await bus.publish({ source: "/tests/client", type, subject: "later" });
    await until(() => got.filter((g) => g.info.attempt === 2).length === 2, 5000, "both retried");
    const attemptsOf = (seq: number) => got.filter((g) => g.info.seq === seq);
    expect(attemptsOf(plain.seq).map((g) => g.info.attempt)).toEqual([1, 2]);
    expect(attemptsOf(later.seq).map((g) => g.info.attempt)).toEqual([1, 2]);
    const [l1, l2] = attemptsOf(later.seq) as [Received, Received];
    expect(l2.at - l1.at).toBeGreaterThanOrEqual(580);
    expect(sent).toContainEqual({ type: "nack", deliveryId: l1.info.deliveryId, delayMs: 600 });
    const p1 = attemptsOf(plain.seq)[0] as Received;
    expect(sent).toContainEqual({ type: "nack", deliveryId: p1.info.deliveryId });
    await until(async () => (await getSub(sub.id)).stats?.ackPending === 0, 5000, "both acknowledged");
  });

  it("rejects (dead-letters) when the handler throws RejectError", async () => {
    const type = uniqueType();
    const sub = await createSub({ types: [type], retry: { maxAttempts: 5 } });
    let calls = 0;
    await track(
      bus.subscribe(sub.id, () => {
        calls++;
        throw new RejectError("malformed order");
      }),
    ).ready;
    const r = await bus.publish({ source: "/tests/client", type });
    const jsm = await jetstreamManager(nc);
    const record = await until(
      async () => {
        const info = await jsm.streams.info(app.config.DEAD_LETTER_STREAM);
        for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
          const m = await jsm.streams.getMessage(app.config.DEAD_LETTER_STREAM, { seq }).catch(() => null);
          const raw = m?.header.get("Anumate-Dead-Letter");
          const rec = raw ? (JSON.parse(raw) as { subscription: string; reason: string; originalSeq: number }) : undefined;
          if (rec?.subscription === sub.id) return rec;
        }
        return undefined;
      },
      5000,
      "the dead letter",
    );
    expect(record).toMatchObject({ reason: "rejected", originalSeq: r.seq });
    expect(calls).toBe(1);
  });

  it("reconnects and re-subscribes after the server drops the connection; later events still arrive", async () => {
    const type = uniqueType();
    const sub = await createSub({ types: [type] });
    const got: Received[] = [];
    const states: SubscriptionState[] = [];
    const s = track(
      bus.subscribe(
        sub.id,
        (event, info) => {
          got.push({ event, info, at: Date.now() });
        },
        { reconnect: { initialDelayMs: 50, maxDelayMs: 500 }, onStateChange: (st) => states.push(st) },
      ),
    );
    await s.ready;
    await bus.publish({ source: "/tests/client", type, data: { before: true } });
    await until(() => got.length === 1, 5000, "the first event");

    expect(app.dropWsClients()).toBeGreaterThanOrEqual(1);
    await until(() => states.includes("reconnecting"), 5000, "the client to notice");
    const after = await bus.publishBatch(Array.from({ length: 3 }, (_, i) => ({ source: "/tests/client", type, data: { i } })));
    // at least once: the first event may come again if its ack was cut off with the connection
    const seqs = () => new Set(got.map((g) => g.info.seq));
    await until(() => after.results.every((x) => seqs().has(x.seq)), 10_000, "the events published after the drop");
    expect(states).toEqual(["subscribed", "reconnecting", "subscribed"]);
    expect(s.state).toBe("subscribed");
    await until(async () => (await getSub(sub.id)).stats?.ackPending === 0, 5000, "all acknowledged");
  });

  it("answers server pings with pong, and reconnects when the server goes silent", async () => {
    const sub = await createSub({ types: [uniqueType()] });
    const before = sent.filter((f) => f.type === "pong").length;
    const s = track(bus.subscribe(sub.id, () => {}));
    await s.ready;
    await until(() => sent.filter((f) => f.type === "pong").length > before, 3000, "a pong");

    // pings every 300 ms, but this client wants a frame every 100 ms: it takes the connection as dead
    const errors: Error[] = [];
    const states: SubscriptionState[] = [];
    const impatient = track(
      bus.subscribe(sub.id, () => {}, {
        idleTimeoutMs: 100,
        reconnect: { initialDelayMs: 20, maxDelayMs: 20 },
        onError: (e) => errors.push(e),
        onStateChange: (st) => states.push(st),
      }),
    );
    await impatient.ready;
    await until(() => states.filter((st) => st === "subscribed").length >= 2, 5000, "a reconnect");
    expect(errors.some((e) => /No frame from the server/.test(e.message))).toBe(true);
  });

  it("subscribes with an ad-hoc filter; closing removes the temporary subscription", async () => {
    const type = uniqueType();
    const got: Received[] = [];
    const s = track(bus.subscribe({ types: [type] }, (event, info) => void got.push({ event, info, at: Date.now() })));
    await s.ready;
    const id = s.subscriptionId as string;
    expect(id).toMatch(/^sub_/);
    const r = await bus.publish({ source: "/tests/client", type });
    await until(() => got.length === 1, 5000, "the event");
    expect(got[0]?.info).toMatchObject({ subscription: id, seq: r.seq });

    await s.close();
    expect(s.state).toBe("closed");
    await until(
      async () => (await fetch(`${app.url}/api/subscriptions/${id}`)).status === 404,
      5000,
      "the temporary subscription to go",
    );
  });

  it("rejects `ready` with the server's refusal, and stops", async () => {
    const s = track(bus.subscribe("sub_doesnotexist", () => {}));
    const err = await s.ready.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: "NOT_FOUND", status: 404 });
    await until(() => s.state === "closed", 2000, "the subscription to stop");
  });

  it("close() lets a running handler answer before it disconnects", async () => {
    const type = uniqueType();
    const sub = await createSub({ types: [type] });
    let release: () => void = () => {};
    let started = false;
    const s = track(
      bus.subscribe(sub.id, async () => {
        started = true;
        await new Promise<void>((r) => {
          release = r;
        });
      }),
    );
    await s.ready;
    await bus.publish({ source: "/tests/client", type });
    await until(() => started, 5000, "the handler to start");
    const closing = s.close();
    setTimeout(() => release(), 100);
    await closing;
    const stats = await until(
      async () => {
        const st = (await getSub(sub.id)).stats;
        return st && st.ackPending === 0 && st.members === 0 ? st : undefined;
      },
      5000,
      "the ack and the member to leave",
    );
    expect(stats.redelivered).toBe(0);
  });
});
