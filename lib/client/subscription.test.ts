import { describe, expect, it } from "vitest";
import { ApiError } from "../api-client";
import { RejectError, RetryLaterError, retryDelayOf } from "./errors";
import { openSubscription, reconnectDelayMs } from "./subscription";
import type { WebSocketLike } from "./websocket";

/** A scripted WebSocket: the test opens it, feeds it frames and drops it. */
class FakeSocket implements WebSocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  onopen: WebSocketLike["onopen"] = null;
  onmessage: WebSocketLike["onmessage"] = null;
  onclose: WebSocketLike["onclose"] = null;
  onerror: WebSocketLike["onerror"] = null;
  readonly sent: Record<string, unknown>[] = [];

  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    queueMicrotask(() => this.onclose?.({ code: 1000, reason: "" }));
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(frame: object): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }

  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006, reason: "" });
  }
}

const event = (seq: number, deliveryId = `d${seq}`) => ({
  type: "event",
  subscription: "sub_1",
  deliveryId,
  attempt: 1,
  seq,
  tenant: "default",
  event: { specversion: "1.0", id: `e${seq}`, source: "/s", type: "t" },
});

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond()).toBe(true);
}

function start(handler: Parameters<typeof openSubscription>[0]["handler"] = () => {}, errors: Error[] = []) {
  FakeSocket.all = [];
  return openSubscription({
    url: "ws://bus/api/ws",
    WebSocket: FakeSocket,
    target: "sub_1",
    handler,
    options: { maxInFlight: 3, reconnect: { initialDelayMs: 1, maxDelayMs: 1 }, onError: (e) => errors.push(e) },
  });
}

const socket = (i: number) => FakeSocket.all[i] as FakeSocket;

describe("reconnectDelayMs", () => {
  it("grows exponentially from the initial delay up to the cap", () => {
    const o = { initialDelayMs: 100, multiplier: 2, maxDelayMs: 1000, jitter: 0 };
    expect([0, 1, 2, 3, 4, 10].map((n) => reconnectDelayMs(o, n))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it("takes up to `jitter` of each delay off at random", () => {
    const o = { initialDelayMs: 1000, maxDelayMs: 1000, jitter: 0.5 };
    expect(reconnectDelayMs(o, 0, () => 0)).toBe(1000);
    expect(reconnectDelayMs(o, 0, () => 0.5)).toBe(750);
    expect(reconnectDelayMs({}, 0, () => 0)).toBe(250); // the defaults
  });
});

describe("retryDelayOf", () => {
  it("reads retryDelayMs from any error, rounded and within the server's range", () => {
    expect(retryDelayOf(new RetryLaterError("x", 1500.4))).toBe(1500);
    expect(retryDelayOf(Object.assign(new Error("x"), { retryDelayMs: -5 }))).toBe(0);
    expect(retryDelayOf(Object.assign(new Error("x"), { retryDelayMs: 1e12 }))).toBe(86_400_000);
    expect(retryDelayOf(new Error("x"))).toBeUndefined();
    expect(retryDelayOf("x")).toBeUndefined();
  });
});

describe("openSubscription", () => {
  it("subscribes on open and answers ack / nack / reject by the handler's outcome, and ping with pong", async () => {
    const s = start((e) => {
      if (e.id === "e2") throw new RetryLaterError("later", 250);
      if (e.id === "e3") throw new RejectError("never");
    });
    socket(0).open();
    expect(socket(0).sent).toEqual([{ type: "subscribe", subscription: "sub_1", maxInFlight: 3 }]);
    socket(0).receive({ type: "subscribed", subscription: "sub_1", adHoc: false });
    await s.ready;
    socket(0).receive(event(1));
    socket(0).receive(event(2));
    socket(0).receive(event(3));
    socket(0).receive({ type: "ping", at: "now" });
    await until(() => socket(0).sent.length === 5);
    expect(socket(0).sent.slice(1)).toEqual(
      expect.arrayContaining([
        { type: "ack", deliveryId: "d1" },
        { type: "nack", deliveryId: "d2", delayMs: 250 },
        { type: "reject", deliveryId: "d3", reason: "never" },
        { type: "pong" },
      ]),
    );
    await s.close();
  });

  it("acks given in one turn leave as one frame with deliveryIds; close sends the acks not yet sent", async () => {
    const s = start(() => {});
    socket(0).open();
    socket(0).receive({ type: "subscribed", subscription: "sub_1", adHoc: false });
    await s.ready;
    for (let i = 1; i <= 3; i++) socket(0).receive(event(i));
    await until(() => socket(0).sent.length === 2);
    expect(socket(0).sent[1]).toEqual({ type: "ack", deliveryIds: ["d1", "d2", "d3"] });
    socket(0).receive(event(4));
    await s.close(); // handled at once; its ack was queued for the next turn
    expect(socket(0).sent).toContainEqual({ type: "ack", deliveryId: "d4" });
  });

  it("reconnects after a drop and re-subscribes; an answer due on the old connection is not sent on the new one", async () => {
    let finish: () => void = () => {};
    const s = start(
      () =>
        new Promise<void>((r) => {
          finish = r;
        }),
    );
    socket(0).open();
    socket(0).receive({ type: "subscribed", subscription: "sub_1", adHoc: false });
    socket(0).receive(event(1));
    socket(0).drop();
    expect(s.state).toBe("reconnecting");
    await until(() => FakeSocket.all.length === 2);
    socket(1).open();
    expect(socket(1).sent).toEqual([{ type: "subscribe", subscription: "sub_1", maxInFlight: 3 }]);
    socket(1).receive({ type: "subscribed", subscription: "sub_1", adHoc: false });
    expect(s.state).toBe("subscribed");
    finish();
    await new Promise((r) => setTimeout(r, 10));
    expect(socket(1).sent).toHaveLength(1); // d1 means nothing on this connection; the server redelivers it
    await s.close();
  });

  it("retries a subscribe refused for a passing reason, and gives up on a final one", async () => {
    const errors: Error[] = [];
    const s = start(() => {}, errors);
    socket(0).open();
    socket(0).receive({ type: "error", code: "UNAVAILABLE", message: "NATS is down" });
    await until(() => FakeSocket.all.length === 2);
    socket(1).open();
    socket(1).receive({ type: "error", code: "NOT_FOUND", message: "No subscription sub_1" });
    const err = await s.ready.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: "NOT_FOUND", status: 404 });
    await until(() => s.state === "closed");
    expect(FakeSocket.all).toHaveLength(2);
    expect(errors.map((e) => (e as ApiError).code)).toEqual(["UNAVAILABLE", "NOT_FOUND"]);
  });

  it("close() before the server confirms rejects `ready`", async () => {
    const s = start();
    await s.close();
    await expect(s.ready).rejects.toThrow(/closed before/);
    expect(s.state).toBe("closed");
  });
});
