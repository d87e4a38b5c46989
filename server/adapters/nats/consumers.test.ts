import type { JetStreamClient, JetStreamManager, JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Delivery, Subscription, UndecodableDelivery } from "../../core/delivery/ports";
import { createConsumerAdmin } from "./consumers";

// The delivery source's own timing, against a stand-in for nats.js whose pulls the test ends (or
// never ends, as nats-server 2.9 now and then fails to say that a pull request expired).

interface FakeFetch {
  callback: (m: JsMsg) => void;
  close: (err?: Error) => void;
}

function setup() {
  const fetches: FakeFetch[] = [];
  const consumer = {
    fetch: async (opts: { callback: (m: JsMsg) => void }) => {
      let close: (err?: Error) => void = () => {};
      const closed = new Promise<Error | undefined>((resolve) => {
        close = resolve;
      });
      fetches.push({ callback: opts.callback, close });
      return { closed: () => closed };
    },
  };
  const js = { consumers: { get: async () => consumer } } as unknown as JetStreamClient;
  const admin = createConsumerAdmin({
    nc: {} as NatsConnection,
    js,
    jsm: {} as JetStreamManager,
    stream: "S",
    redeliveryStream: "S_RD",
    subjectPrefix: "t",
    defaultTenant: "default",
    multiFilter: false,
    log: () => {},
  });
  const source = admin.source({ id: "sub_1" } as Subscription);
  return { fetches, source };
}

let seq = 0;
function message() {
  seq++;
  const data = new TextEncoder().encode(JSON.stringify({ specversion: "1.0", id: `e-${seq}`, source: "/s", type: "t.x" }));
  return {
    seq,
    subject: "t.acme.t.x",
    time: new Date(),
    info: { deliveryCount: 1, consumer: "sub_1" },
    data,
    nak: vi.fn(),
    ack: vi.fn(),
    term: vi.fn(),
    working: vi.fn(),
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("delivery source pulls", () => {
  it("hands each message over as it arrives and ends when the server ends the pull", async () => {
    const { fetches, source } = setup();
    const got: (Delivery | UndecodableDelivery)[] = [];
    let over = false;
    const pulling = source
      .pull(10, 1000, (d) => got.push(d) > 0)
      .then(() => {
        over = true;
      });
    await vi.advanceTimersByTimeAsync(0);
    const f = fetches[0] as FakeFetch;
    f.callback(message() as unknown as JsMsg);
    f.callback(message() as unknown as JsMsg);
    expect(got.map((d) => d.seq)).toEqual([seq - 1, seq]);
    expect(over).toBe(false);
    f.close();
    await pulling;
    expect(over).toBe(true);
  });

  it("a pull the server does not end is over shortly after it expires; what still comes is handed back at once", async () => {
    const { fetches, source } = setup();
    let over = false;
    const pulling = source
      .pull(
        10,
        1000,
        () => true,
        () => 1250,
      )
      .then(() => {
        over = true;
      });
    await vi.advanceTimersByTimeAsync(1000);
    expect(over).toBe(false);
    await vi.advanceTimersByTimeAsync(60);
    await pulling;
    expect(over).toBe(true);
    const late = message();
    (fetches[0] as FakeFetch).callback(late as unknown as JsMsg);
    expect(late.nak).toHaveBeenCalledWith(50);
  });

  it("ended early by its reader (or stop), later messages go back after the reader's hand-back delay", async () => {
    const { fetches, source } = setup();
    const got: number[] = [];
    const pulling = source.pull(
      10,
      1000,
      (d) => {
        got.push(d.seq);
        return false;
      },
      () => 1250,
    );
    await vi.advanceTimersByTimeAsync(0);
    const f = fetches[0] as FakeFetch;
    const first = message();
    const second = message();
    f.callback(first as unknown as JsMsg);
    f.callback(second as unknown as JsMsg);
    await pulling;
    expect(got).toEqual([first.seq]);
    expect(first.nak).not.toHaveBeenCalled();
    expect(second.nak).toHaveBeenCalledWith(1250);

    const next = source.pull(
      10,
      1000,
      () => true,
      () => 1250,
    );
    await vi.advanceTimersByTimeAsync(0);
    source.stop();
    await next;
    const after = message();
    (fetches[1] as FakeFetch).callback(after as unknown as JsMsg);
    expect(after.nak).toHaveBeenCalledWith(1250);
  });

  it("a pull that fails (e.g. heartbeats missed) rejects with the error", async () => {
    const { fetches, source } = setup();
    const pulling = source.pull(10, 1000, () => true);
    await vi.advanceTimersByTimeAsync(0);
    (fetches[0] as FakeFetch).close(new Error("heartbeats missed"));
    await expect(pulling).rejects.toThrow("heartbeats missed");
  });
});
