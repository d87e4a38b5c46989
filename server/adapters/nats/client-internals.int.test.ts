import { AckPolicy, type ConsumeCallback, type FetchOptions, type JsMsg, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { MsgHdrsImpl, RequestOne } from "@nats-io/nats-core/internal";
import { connect, type NatsConnection, headers as natsHeaders } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { testConfig, uniqueSuffix } from "../../testing/fixtures";
import { parseAckReply } from "./ack-reply";
import { natsOptions } from "./connection";
import { messageHeaders, replyBytes, subjectBytes } from "./message-headers";

// Things this adapter relies on in nats.js internals, checked against the real client and server.

let nc: NatsConnection;
const stream = `T_${uniqueSuffix()}_INTERNALS`;

beforeAll(async () => {
  nc = await connect(natsOptions(testConfig()));
  await (await jetstreamManager(nc)).streams.add({ name: stream, subjects: [`${stream}.>`] });
});
afterAll(async () => {
  await (await jetstreamManager(nc)).streams.delete(stream).catch(() => {});
  await nc?.close();
});

describe("answered requests build no Error (answered-requests.ts)", () => {
  it("a JetStream publish resolves without cancel() (which builds a RequestError); failures still reject", async () => {
    expect((RequestOne.prototype as unknown as { __answeredPatched?: true }).__answeredPatched).toBe(true);
    const cancel = vi.spyOn(RequestOne.prototype, "cancel");
    const js = jetstream(nc);
    const acks = await Promise.all(Array.from({ length: 20 }, (_, i) => js.publish(`${stream}.a`, String(i))));
    expect(new Set(acks.map((a) => a.seq)).size).toBe(20);
    expect(cancel).not.toHaveBeenCalled();
    cancel.mockRestore();

    await expect(nc.request(`nobody.${uniqueSuffix()}`, "x", { timeout: 500 })).rejects.toThrow(/no responders/i);
    const sub = nc.subscribe(`slow.${stream}`, { callback: () => {} });
    await expect(nc.request(`slow.${stream}`, "x", { timeout: 200 })).rejects.toThrow(/timeout/i);
    sub.unsubscribe();
    const echo = nc.subscribe(`echo.${stream}`, { callback: (_e, m) => void m.respond(m.data) });
    expect((await nc.request(`echo.${stream}`, "hi")).string()).toBe("hi");
    echo.unsubscribe();
  });
});

describe("messageHeaders reads the raw header block of a received message", () => {
  it("gives what msg.headers gives, without nats.js decoding the headers", async () => {
    const h = natsHeaders();
    h.set("ce-id", "e-1");
    h.set("Content-Type", "application/json");
    h.append("x-multi", "first");
    h.append("x-multi", "second");
    const js = jetstream(nc);
    await js.publish(`${stream}.h`, "{}", { headers: h });
    const consumer = await js.consumers.get(stream, { filter_subjects: `${stream}.h` });
    const m = await consumer.next({ expires: 2000 });
    if (!m) throw new Error("no message");
    const decode = vi.spyOn(MsgHdrsImpl, "decode");
    const ours = messageHeaders(m);
    expect(decode).not.toHaveBeenCalled();
    decode.mockRestore();
    expect(ours?.get("ce-id")).toBe("e-1");
    expect(ours?.get("content-type")).toBe("application/json");
    expect(ours?.get("x-multi")).toBe("first");
    expect([...(ours?.keys() ?? [])]).toEqual([...(m.headers?.keys() ?? [])]);
  });
});

describe("replyBytes and subjectBytes read a received message's subjects as bytes", () => {
  it("give the bytes of reply and subject (core and JetStream), null for a message without a reply", async () => {
    const seen: [string, string][] = [];
    const sub = nc.subscribe(`${stream}.core.*`, {
      callback: (_e, m) => {
        const r = replyBytes(m);
        seen.push([Buffer.from(subjectBytes(m) ?? []).toString(), r === null ? "none" : Buffer.from(r ?? []).toString()]);
      },
    });
    nc.publish(`${stream}.core.a`, "x", { reply: "the.reply" });
    nc.publish(`${stream}.core.b`, "y");
    await nc.flush();
    await vi.waitFor(() => expect(seen.length).toBe(2));
    sub.unsubscribe();
    expect(seen).toEqual([
      [`${stream}.core.a`, "the.reply"],
      [`${stream}.core.b`, "none"],
    ]);
    const js = jetstream(nc);
    await js.publish(`${stream}.rb`, "z");
    const m = await (await js.consumers.get(stream, { filter_subjects: `${stream}.rb` })).next({ expires: 2000 });
    if (!m) throw new Error("no message");
    const bytes = replyBytes(m);
    expect(bytes && Buffer.from(bytes).toString()).toBe((m as unknown as { reply: string }).reply);
    expect(parseAckReply(bytes ?? "")?.seq).toBe(m.seq);
  });
});

describe("fetch in callback mode (consumers.ts delivery sources)", () => {
  it("hands each message to the callback, and closed() resolves when the batch is complete or expires", async () => {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    for (let i = 0; i < 5; i++) await js.publish(`${stream}.cb`, String(i));
    const name = `cb_${uniqueSuffix()}`;
    await jsm.consumers.add(stream, { durable_name: name, ack_policy: AckPolicy.Explicit, filter_subject: `${stream}.cb` });
    const consumer = await js.consumers.get(stream, name);
    const got: string[] = [];
    const fetch = (max_messages: number, expires: number) =>
      consumer.fetch({
        max_messages,
        expires,
        callback: (m: JsMsg) => {
          got.push(m.string());
          m.ack();
        },
      } as FetchOptions & ConsumeCallback);
    const full = await fetch(3, 5000);
    const started = Date.now();
    expect(await full.closed()).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(4000); // ended by the batch, not by its expiry
    expect(got).toEqual(["0", "1", "2"]);

    const rest = await fetch(10, 1000);
    expect(await rest.closed()).toBeUndefined();
    expect(got).toEqual(["0", "1", "2", "3", "4"]);
    await jsm.consumers.delete(stream, name);
  });
});
