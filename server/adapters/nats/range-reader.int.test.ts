import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testConfig, uniqueSuffix } from "../../testing/fixtures";
import { pullMaxBytes, readRange, readRangeBatches } from "./range-reader";

let nc: NatsConnection;
const stream = `T_${uniqueSuffix()}_RANGE`;

beforeAll(async () => {
  nc = await connect({ servers: testConfig().NATS_URL });
  await (await jetstreamManager(nc)).streams.add({ name: stream, subjects: [`${stream}.>`] });
});
afterAll(async () => {
  await (await jetstreamManager(nc)).streams.delete(stream).catch(() => {});
  await nc?.close();
});

describe("readRange", () => {
  it("reads a range in order, filtered and bounded, without waiting when nothing matches", async () => {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    for (let i = 0; i < 600; i++) await js.publish(`${stream}.t${i % 3}`, String(i));
    const seqs: number[] = [];
    for await (const m of readRange(js, jsm, { stream, filterSubject: `${stream}.t1`, fromSeq: 100, toSeq: 400 }))
      seqs.push(m.seq);
    expect(seqs.length).toBe(100);
    expect(seqs.every((s, i) => (i === 0 || s > (seqs[i - 1] as number)) && s >= 100 && s <= 400 && (s - 1) % 3 === 1)).toBe(
      true,
    );
    let all = 0;
    for await (const m of readRange(js, jsm, { stream, filterSubject: `${stream}.>`, batch: 64 })) {
      expect(new TextDecoder().decode(m.data)).toBe(String(m.seq - 1));
      all++;
    }
    expect(all).toBe(600);
    // pulls of 7 through one subscription: every message once, in order; a read left early (a pull
    // asked for ahead still under way) ends cleanly
    const small: number[] = [];
    for await (const m of readRange(js, jsm, { stream, filterSubject: `${stream}.t2`, batch: 7 })) small.push(m.seq);
    expect(small).toEqual(Array.from({ length: 200 }, (_, i) => i * 3 + 3));
    let taken = 0;
    for await (const _ of readRange(js, jsm, { stream, filterSubject: `${stream}.>`, batch: 7 })) if (++taken === 10) break;
    expect(taken).toBe(10);
    const t = Date.now();
    for await (const _ of readRange(js, jsm, { stream, filterSubject: `${stream}.none` })) expect.unreachable();
    expect(Date.now() - t).toBeLessThan(500);
  });

  it("does not stall on messages deleted while it reads (a requeue or discard running meanwhile)", async () => {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(stream);
    const pubs: Promise<unknown>[] = [];
    for (let i = 0; i < 2000; i++) pubs.push(js.publish(`${stream}.d`, "x"));
    await Promise.all(pubs);
    const first = info.state.last_seq + 1;
    let stop = false;
    const deleter = (async () => {
      for (let seq = first; seq < first + 2000 && !stop; seq++) {
        await jsm.streams.deleteMessage(stream, seq, false).catch(() => {});
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const times: number[] = [];
    for (let k = 0; k < 8; k++) {
      const t = Date.now();
      let last = 0;
      for await (const m of readRange(js, jsm, { stream, filterSubject: `${stream}.d`, headersOnly: true })) {
        expect(m.seq).toBeGreaterThan(last);
        last = m.seq;
      }
      times.push(Date.now() - t);
    }
    stop = true;
    await deleter;
    // a client fetch waited its whole `expires` (5 s) for each deleted message counted as pending
    expect(Math.max(...times), times.join(" ")).toBeLessThan(2500);
  });

  it("bounds each pull by bytes (at least twice the server's largest message) and reads every event still", async () => {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    expect(pullMaxBytes(nc)).toBeGreaterThanOrEqual(2 * (nc.info?.max_payload ?? Number.POSITIVE_INFINITY));
    const big = new Uint8Array(512 * 1024).fill(7);
    for (let i = 0; i < 40; i++) await js.publish(`${stream}.big`, big);
    // the pull requests this read sends
    const publish = nc.publish.bind(nc);
    let pulls = 0;
    nc.publish = ((subject: string, ...rest: Parameters<NatsConnection["publish"]> extends [string, ...infer R] ? R : never) => {
      if (subject.startsWith(`$JS.API.CONSUMER.MSG.NEXT.${stream}.`)) pulls++;
      return publish(subject, ...rest);
    }) as NatsConnection["publish"];
    let bytes = 0;
    try {
      for await (const batch of readRangeBatches(js, jsm, { stream, filterSubject: `${stream}.big`, batch: 4096 }))
        for (const m of batch) bytes += m.data.length;
    } finally {
      nc.publish = publish;
    }
    expect(bytes).toBe(40 * big.length);
    // 20 MiB in pulls of at most 8 MiB (one pull of 4,096 without the bound)
    expect(pulls).toBeGreaterThanOrEqual(Math.ceil((40 * big.length) / pullMaxBytes(nc)));
    expect(pulls).toBeGreaterThanOrEqual(3);
  });
});
