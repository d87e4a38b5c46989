import type { Msg, NatsConnection } from "@nats-io/transport-node";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type Connection, Puller } from "./range-reader";

/** A connection that records pull requests and lets the test answer them (timing logic only). */
function fakeConnection() {
  let deliver: ((err: Error | null, m: Msg) => void) | undefined;
  const requests: { subject: string; reply: string; body: Record<string, unknown> }[] = [];
  const nc = {
    subscribe: (_subject: string, o: { callback: (err: Error | null, m: Msg) => void }) => {
      deliver = o.callback;
      return { unsubscribe() {} };
    },
    publish: (subject: string, data: string, o: { reply: string }) =>
      requests.push({ subject, reply: o.reply, body: JSON.parse(data) }),
  } as unknown as NatsConnection;
  const message = (seq: number, pending: number) =>
    ({
      subject: "S.x",
      reply: `$JS.ACK.S.c.1.${seq}.${seq}.1700000000000000000.${pending}`,
      data: new Uint8Array(),
    }) as unknown as Msg;
  const status = (reply: string, code: number, description: string) =>
    ({ subject: reply, reply: "", data: new Uint8Array(), headers: { code, description } }) as unknown as Msg;
  return { c: { nc } as Connection, requests, send: (m: Msg) => deliver?.(null, m), message, status };
}

const MAX_BYTES = 1 << 20;

describe("Puller", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("times each pull from its own start: one made just before the timer's tick is not failed by it", async () => {
    const f = fakeConnection();
    const puller = new Puller(f.c, "S", "c", 10_000, MAX_BYTES);
    try {
      await vi.advanceTimersByTimeAsync(9_990);
      let outcome: string | undefined;
      puller.pull(2);
      const take = () =>
        puller.take().then(
          (t) => {
            outcome = `got ${t.messages.map((m) => m.seq).join(",")}${t.done ? ", done" : ""}`;
          },
          (e: Error) => {
            outcome = e.message;
          },
        );
      void take();
      await vi.advanceTimersByTimeAsync(5_000); // past the 10 s mark, 5 s into the pull
      expect(outcome).toBeUndefined();
      f.send(f.message(1, 5)); // a slow answer goes on, handed on as it comes
      await vi.advanceTimersByTimeAsync(0);
      expect(outcome).toBe("got 1");
      outcome = undefined;
      void take();
      await vi.advanceTimersByTimeAsync(9_000);
      expect(outcome).toBeUndefined();
      f.send(f.message(2, 4));
      await vi.advanceTimersByTimeAsync(0);
      expect(outcome).toBe("got 2, done");
      expect(f.requests).toHaveLength(1);
      // over and taken: the next pull may be asked for, not before
      puller.pull(2);
      expect(() => puller.pull(2)).toThrow("a pull is under way");
    } finally {
      puller.close();
    }
  });

  it("fails a pull that hears nothing for the timeout", async () => {
    const f = fakeConnection();
    const puller = new Puller(f.c, "S", "c", 1000, MAX_BYTES);
    try {
      let outcome: string | undefined;
      puller.pull(2);
      await vi.advanceTimersByTimeAsync(400);
      f.send(f.message(1, 5));
      expect((await puller.take()).messages).toHaveLength(1);
      puller.take().catch((e: Error) => {
        outcome = e.message;
      });
      // quiet is counted from the first tick after the message (ticks every 250 ms): it fails between
      // 1,000 and 1,250 ms after it
      await vi.advanceTimersByTimeAsync(1000);
      expect(outcome).toBeUndefined();
      await vi.advanceTimersByTimeAsync(250);
      expect(outcome).toBe("no answer to a pull from S within 1000 ms");
    } finally {
      puller.close();
    }
  });

  it("asks for at most its bytes; a pull ended by them goes on, one that could bring nothing fails", async () => {
    const f = fakeConnection();
    const puller = new Puller(f.c, "S", "c", 10_000, MAX_BYTES);
    try {
      puller.pull(100);
      const req = f.requests[0];
      expect(req?.body).toMatchObject({ batch: 100, max_bytes: MAX_BYTES, no_wait: true });
      f.send(f.message(1, 50));
      f.send(f.status(req?.reply ?? "", 409, "Message Size Exceeds MaxBytes"));
      const first = await puller.take();
      expect([first.messages.map((m) => m.seq), first.done]).toEqual([[1], true]);
      // the next message alone is bigger than a pull's bytes: an error, not an empty pull that ends the read
      puller.pull(100);
      f.send(f.status(f.requests[1]?.reply ?? "", 409, "Message Size Exceeds MaxBytes"));
      await expect(puller.take()).rejects.toThrow(`a message of S is bigger than a pull's ${MAX_BYTES} bytes`);
    } finally {
      puller.close();
    }
  });
});
