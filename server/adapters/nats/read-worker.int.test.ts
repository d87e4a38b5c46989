import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StoredEvent } from "../../core/bus/ports";
import { eventSubject } from "../../core/bus/subjects";
import { createEvent } from "../../core/cloudevents/event";
import { toJsonText } from "../../core/cloudevents/json";
import { jsonPartsBuffer } from "../../core/cloudevents/nats";
import type { Delivery, DeliverySource, UndecodableDelivery } from "../../core/delivery/ports";
import { testConfig } from "../../testing/fixtures";
import { testSubscription } from "../../testing/subscription";
import { createConsumerAdmin } from "./consumers";
import { createNatsEventStore, type NatsEventStoreOptions } from "./event-store";
import { createReadWorker, type ReadWorker } from "./read-worker-client";

const config = testConfig();
const stream = config.STREAM_NAME;
const prefix = config.SUBJECT_PREFIX;
let nc: NatsConnection;
let opts: NatsEventStoreOptions;
const logged: string[] = [];
const workers: ReadWorker[] = [];

function reader(cfg = config): ReadWorker {
  const w = createReadWorker(
    { config: cfg, subjectPrefix: prefix, defaultTenant: "default" },
    { subjectPrefix: prefix, defaultTenant: "default", log: (msg) => logged.push(msg) },
  );
  workers.push(w);
  return w;
}

function event(i: number) {
  const made = createEvent({
    attributes: { specversion: "1.0", id: `e-${i}`, source: "/rw", type: `com.anumate.t${i % 3}`, tenantid: "acme", n: i },
    data: { kind: "json", value: { i, text: i % 7 === 0 ? "two\nlines" : "one line", emoji: "é✓" } },
  });
  if (!made.ok) throw new Error("bad event");
  return made.event;
}

/** What a delivery uses of each event: its position, attributes known without decoding, the JSON it writes, the event. */
function seen(events: StoredEvent[]) {
  return events.map((e) => ({
    seq: e.seq,
    tenant: e.tenant,
    subject: e.subject,
    type: e.type,
    storedAtMs: e.storedAtMs,
    storedAt: e.storedAt,
    written: e.json ? jsonPartsBuffer(e.json).toString("utf8") : toJsonText(e.event),
    event: toJsonText(e.event),
  }));
}

/** Everything `q` reads, offloaded (a store with a reading thread reads it there). */
async function readAll(store: ReturnType<typeof createNatsEventStore>, q: Parameters<typeof store.read>[0]) {
  const out: StoredEvent[] = [];
  for await (const batch of store.read({ ...q, offload: true })) out.push(...batch);
  return out;
}

beforeAll(async () => {
  nc = await connect({ servers: config.NATS_URL });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects: [`${prefix}.>`] });
  const js = jetstream(nc);
  opts = {
    js,
    jsm,
    stream,
    subjectPrefix: prefix,
    defaultTenant: "default",
    maxPayload: 1_048_576,
    publishTimeoutMs: 5_000,
    connected: () => true,
    log: (msg) => logged.push(msg),
  };
  const store = createNatsEventStore(opts);
  // 700 events the bus wrote (binary mode, marked) …
  const items = Array.from({ length: 700 }, (_, i) => {
    const e = event(i);
    return { event: e, tenant: "acme", subject: eventSubject(prefix, "acme", e.type), msgId: e.id };
  });
  await store.append(items);
  // … one a service published straight to NATS in structured mode, and one that is no CloudEvent
  const h = headers();
  h.set("content-type", "application/cloudevents+json");
  const direct = { specversion: "1.0", id: "d-1", source: "/svc", type: "com.anumate.t1", data: { x: 1 } };
  await js.publish(eventSubject(prefix, "beta", "com.anumate.t1"), JSON.stringify(direct), { headers: h });
  await js.publish(eventSubject(prefix, "beta", "com.anumate.t1"), "not an event");
  await store.append(items.slice(0, 5).map((it) => ({ ...it, msgId: `${it.msgId}-again` })));
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(stream).catch(() => {});
  await jsm.streams.delete(`${stream}_RD`).catch(() => {});
  await nc?.close();
});

describe("range reads on a thread of their own", () => {
  it("give the same events as an inline read: positions, attributes, JSON bytes and the decoded event", async () => {
    const inline = createNatsEventStore(opts);
    const w = reader();
    expect(await w.available()).toBe(true);
    let threadReads = 0;
    const threaded = createNatsEventStore({
      ...opts,
      reader: {
        ...w,
        read: (q) => {
          threadReads++;
          return w.read(q);
        },
      },
    });
    const q = { filterSubject: `${prefix}.>` };
    logged.length = 0;
    const [a, b] = [await readAll(inline, q), await readAll(threaded, q)];
    expect(threadReads).toBe(1);
    // a read not offloaded stays on this thread
    for await (const _ of threaded.read(q)) break;
    expect(threadReads).toBe(1);
    expect(a.length).toBe(706); // 707 messages, one skipped
    expect(seen(b)).toEqual(seen(a));
    expect(seen(b)[7]?.written).toContain('"two\\nlines"');
    expect(seen(b).find((e) => e.seq === 701)).toMatchObject({ tenant: "beta", type: "com.anumate.t1" });
    // the message that is no CloudEvent is skipped and logged by both
    expect(logged.filter((m) => m.includes("not a valid CloudEvent")).length).toBe(2);
  });

  it("read ranges bounded by sequence and time, and header-only reads (no JSON)", async () => {
    const inline = createNatsEventStore(opts);
    const threaded = createNatsEventStore({ ...opts, reader: reader() });
    const q = { filterSubject: eventSubject(prefix, "acme", "com.anumate.t2"), fromSeq: 100, toSeq: 400 };
    const [a, b] = [await readAll(inline, q), await readAll(threaded, q)];
    expect(b.map((e) => e.seq)).toEqual(a.map((e) => e.seq));
    expect(b.length).toBe(100);
    const first = (await readAll(threaded, { filterSubject: `${prefix}.>`, toSeq: 1 }))[0] as StoredEvent;
    const byTime = await readAll(threaded, { filterSubject: `${prefix}.>`, fromTime: first.storedAt });
    expect(byTime[0]?.seq).toBe(1);
    const headersOnly = { filterSubject: `${prefix}.>`, headersOnly: true };
    const heads = await readAll(threaded, headersOnly);
    expect(heads.map((e) => e.seq)).toEqual((await readAll(inline, headersOnly)).map((e) => e.seq));
    expect(heads.length).toBe(705); // the event in structured mode is not one without its payload
    expect(heads.every((e) => e.json === undefined && e.type !== undefined)).toBe(true);
  });

  it("reads several ranges at once; a read left early is cancelled and its consumer removed", async () => {
    const threaded = createNatsEventStore({ ...opts, reader: reader() });
    const q = { filterSubject: `${prefix}.>` };
    const all = await Promise.all([readAll(threaded, q), readAll(threaded, { ...q, fromSeq: 300 }), readAll(threaded, q)]);
    expect(all.map((r) => r.length)).toEqual([706, 407, 706]);
    let taken = 0;
    for await (const batch of threaded.read({ ...q, offload: true })) {
      taken += batch.length;
      break;
    }
    expect(taken).toBeGreaterThan(0);
    const jsm = await jetstreamManager(nc);
    const deadline = Date.now() + 5_000;
    let left = 1;
    while (left > 0 && Date.now() < deadline) {
      left = 0;
      for await (const c of jsm.consumers.list(stream)) if (c.name.startsWith("range_")) left++;
      if (left > 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(left).toBe(0);
  });

  it("hand events on as they arrive while the taker keeps up, and gather them while it does not", async () => {
    // a range of its own, long enough for many socket reads
    const big = `${stream}_BIG`;
    const bigPrefix = `${prefix}big`;
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: big, subjects: [`${bigPrefix}.>`] });
    try {
      const store = createNatsEventStore({ ...opts, stream: big, subjectPrefix: bigPrefix });
      for (let k = 0; k < 3; k++)
        await store.append(
          Array.from({ length: 1000 }, (_, i) => {
            const e = event(1000 * k + i);
            return { event: e, tenant: "acme", subject: eventSubject(bigPrefix, "acme", e.type), msgId: e.id };
          }),
        );
      const w = reader();
      const q = { stream: big, filterSubject: `${bigPrefix}.>`, batch: 2048 };
      const fast: number[] = [];
      for await (const batch of w.read(q)) fast.push(batch.length);
      expect(fast.reduce((a, b) => a + b, 0)).toBe(3000);
      // two pulls (2,048 + 952), handed on in pieces as they arrive, not each at its end
      expect(fast.length).toBeGreaterThan(4);
      // a taker that stops after each batch: the thread sends two ahead and gathers the rest, up to a
      // pull's worth at a time
      const slow: StoredEvent[][] = [];
      for await (const batch of w.read(q)) {
        slow.push(batch);
        await new Promise((r) => setTimeout(r, 300));
      }
      const seqs = slow.flat().map((e) => e.seq);
      expect(seqs).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
      expect(slow.length).toBeLessThanOrEqual(2 + Math.ceil(3000 / 2048) + 1);
      expect(Math.max(...slow.map((b) => b.length))).toBeLessThanOrEqual(2048 + Math.max(...fast));
    } finally {
      await jsm.streams.delete(big).catch(() => {});
    }
  });

  it("fall back to inline reads, and say so, when the thread cannot connect", async () => {
    const unreachable = testConfig({ NATS_URL: "nats://127.0.0.1:1" });
    const w = reader(unreachable);
    logged.length = 0;
    expect(await w.available()).toBe(false);
    expect(logged.some((m) => m.includes("range reads go inline"))).toBe(true);
    const store = createNatsEventStore({ ...opts, reader: w });
    expect((await readAll(store, { filterSubject: `${prefix}.>` })).length).toBe(706);
  });
});

describe("durable pulls on the reading thread", () => {
  function admin(w?: ReadWorker) {
    return createConsumerAdmin({
      nc,
      js: opts.js,
      jsm: opts.jsm,
      stream,
      redeliveryStream: `${stream}_RD`,
      subjectPrefix: prefix,
      defaultTenant: "default",
      multiFilter: false,
      log: (msg) => logged.push(msg),
      ...(w ? { reader: w } : {}),
    });
  }

  /** Every delivery of a source's pulls until `n` came (none answered). */
  async function pullAll(source: DeliverySource, n: number, max = 100) {
    const got: (Delivery | UndecodableDelivery)[] = [];
    while (got.length < n) await source.pull(max, 1000, (d) => got.push(d) > 0);
    return got;
  }

  const what = (d: Delivery | UndecodableDelivery) =>
    "undecodable" in d
      ? { seq: d.seq, attempt: d.attempt, undecodable: d.problems, payload: Buffer.from(d.raw.payload).toString() }
      : {
          seq: d.seq,
          attempt: d.attempt,
          id: d.deliveryId.split(":").slice(1).join(":"),
          tenant: d.tenant,
          type: d.type,
          written: d.json ? jsonPartsBuffer(d.json).toString("utf8") : toJsonText(d.event),
          event: toJsonText(d.event),
        };

  it("hand over the same deliveries as inline pulls; answers go out by reply subject on the main connection", async () => {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: `${stream}_RD`, subjects: [`${prefix}_rd.>`] });
    const w = reader();
    const inlineAdmin = admin();
    const threadAdmin = admin(w);
    const inlineSub = testSubscription({ id: "pull_inline", startAt: { type: "all" }, maxInFlight: 1000 });
    const threadSub = testSubscription({ id: "pull_thread", startAt: { type: "all" }, maxInFlight: 1000 });
    await inlineAdmin.ensure(inlineSub);
    await threadAdmin.ensure(threadSub);
    const a = await pullAll(inlineAdmin.source(inlineSub), 707);
    const b = await pullAll(threadAdmin.source(threadSub), 707);
    expect(b.length).toBe(707);
    const order = (x: ReturnType<typeof what>, y: ReturnType<typeof what>) => x.seq - y.seq;
    expect(b.map(what).sort(order)).toEqual(a.map(what).sort(order));
    const bad = b.find((d) => "undecodable" in d) as UndecodableDelivery;
    expect(bad).toMatchObject({ seq: 702, attempt: 1 });
    expect(Buffer.from(bad.raw.payload).toString()).toBe("not an event");
    expect((b.find((d) => d.seq === 8) as Delivery).deliveryId).toBe("pull_thread:8:1");

    // acknowledged, rejected, and one handed back with a delay that comes back as a second attempt
    const back = b.find((d) => d.seq === 3) as Delivery;
    for (const d of b) {
      if (d === back) d.nak(100);
      else if ("undecodable" in d) d.term();
      else d.ack();
    }
    const again = await pullAll(threadAdmin.source(threadSub), 1);
    expect(again.map((d) => [d.seq, d.attempt, (d as Delivery).deliveryId])).toEqual([[3, 2, "pull_thread:3:2"]]);
    (again[0] as Delivery).ack();
    const deadline = Date.now() + 5_000;
    let info = await jsm.consumers.info(stream, threadSub.id);
    while ((info.num_ack_pending > 0 || info.num_pending > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      info = await jsm.consumers.info(stream, threadSub.id);
    }
    expect({ pending: info.num_pending, ackPending: info.num_ack_pending }).toEqual({ pending: 0, ackPending: 0 });

    // a message that is no CloudEvent keeps every header value for its dead letter, on either path
    const h = headers();
    h.append("x-repeated", "one");
    h.append("x-repeated", "two");
    await opts.js.publish(eventSubject(prefix, "beta", "com.anumate.t1"), "poison", { headers: h });
    const [viaThread] = await pullAll(threadAdmin.source(threadSub), 1, 1);
    const [viaInline] = await pullAll(inlineAdmin.source(inlineSub), 1, 1);
    for (const d of [viaThread, viaInline]) {
      expect(d && "undecodable" in d).toBe(true);
      expect((d as UndecodableDelivery).raw.headers.filter(([k]) => k === "x-repeated")).toEqual([
        ["x-repeated", "one"],
        ["x-repeated", "two"],
      ]);
      (d as UndecodableDelivery).term();
    }
    await inlineAdmin.remove(inlineSub.id);
    await threadAdmin.remove(threadSub.id);
  });

  it("a pull ended early hands back what still comes for it, after the reader's delay", async () => {
    const threadAdmin = admin(reader());
    const sub = testSubscription({ id: "pull_early", startAt: { type: "all" }, maxInFlight: 1000 });
    await threadAdmin.ensure(sub);
    const source = threadAdmin.source(sub);
    const taken: number[] = [];
    await source.pull(
      50,
      1000,
      (d) => taken.push(d.seq) < 3,
      () => 100,
    );
    expect(taken).toEqual([1, 2, 3]);
    // the 47 handed back come again once their delay is over, before newer events
    await new Promise((r) => setTimeout(r, 300));
    const next = await pullAll(source, 47, 47);
    expect(next.map((d) => d.seq).sort((x, y) => x - y)).toEqual(Array.from({ length: 47 }, (_, i) => i + 4));
    expect(next.every((d) => d.attempt === 2)).toBe(true);
    await threadAdmin.remove(sub.id);
  });
});
