import { randomUUID } from "node:crypto";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import { createDeadLetterSink } from "../server/adapters/nats/dead-letters";
import { createEvent } from "../server/core/cloudevents/event";
import { systemCtx } from "../server/core/context";
import { createSubscription, withTestApp } from "../server/testing/app-hooks";
import { configEnv, testConfig } from "../server/testing/fixtures";
import { apiClient, sleep, until } from "../server/testing/http";
import { startChildApp } from "../server/testing/processes";
import { startPushTarget } from "../server/testing/push-target";
import { type EventFrame, TestWsClient } from "../server/testing/ws-client";

const app = withTestApp(() => testConfig({ DUPLICATE_WINDOW: "600" }));
const ctx = systemCtx("test");

const api = apiClient(() => app.url);

const createSub = (def: Record<string, unknown>) => createSubscription(api, def);

async function publish(type: string, extra: Record<string, unknown> = {}) {
  const id = randomUUID();
  const res = await fetch(`${app.url}/api/events`, {
    method: "POST",
    headers: { "content-type": "application/cloudevents+json" },
    body: JSON.stringify({ specversion: "1.0", id, source: "/tests/recovery", type, data: { id }, ...extra }),
  });
  expect(res.status).toBe(202);
  return { id, seq: ((await res.json()) as { seq: number }).seq };
}

type DlItem = {
  id: string;
  event: { id: string; type: string };
  subscription: string;
  attempts: number;
  lastError: { message: string; status?: number };
  originalSeq: number;
  errors?: unknown[];
};
type DlPage = { items: DlItem[]; next: string | null; total: number };

/** Writes dead letters straight to the stream (fast setup for bulk tests). */
async function seedDeadLetters(subscription: string, n: number, type: string): Promise<string[]> {
  const sink = createDeadLetterSink({
    js: jetstream(app.container.nats.nc),
    subjectPrefix: app.config.SUBJECT_PREFIX,
    timeoutMs: 10_000,
  });
  const ids: string[] = [];
  const at = new Date().toISOString();
  for (let i = 0; i < n; i += 500) {
    await Promise.all(
      Array.from({ length: Math.min(500, n - i) }, (_, j) => {
        const id = `seed-${i + j}-${randomUUID().slice(0, 6)}`;
        ids.push(id);
        const r = createEvent({ attributes: { specversion: "1.0", id, source: "/seed", type, tenantid: "acme" } });
        if (!r.ok) throw new Error("bad seed event");
        return sink.write(r.event, {
          subscription,
          tenant: "acme",
          reason: "max-attempts",
          attempts: [{ attempt: 1, at, message: "seeded failure", status: 500 }],
          firstFailedAt: at,
          lastFailedAt: at,
          originalSeq: 1_000_000 + i + j,
          originalSubject: `${app.config.SUBJECT_PREFIX}.acme.${type}`,
        });
      }),
    );
  }
  return ids;
}

async function dlPage(q: string): Promise<DlPage> {
  const r = await api<DlPage>("GET", `/api/dead-letters?${q}`);
  expect(r.status).toBe(200);
  return r.body;
}

describe("dead letters", () => {
  it("lists with filters, total and pagination; inspects one with every attempt's error", async () => {
    let healthy = false;
    const target = await startPushTarget(() => ({ status: healthy ? 200 : 500 }));
    try {
      const type = `com.anumate.dl${randomUUID().slice(0, 6)}.x`;
      const s = await createSub({
        types: [type],
        target: { type: "push", url: target.url },
        retry: { maxAttempts: 2, initialDelayMs: 20, maxDelayMs: 20 },
        circuit: { failureThreshold: 100 }, // keep the circuit out of this test
      });
      const events = [
        await publish(type, { subject: "a" }),
        await publish(type, { subject: "b" }),
        await publish(type, { subject: "c" }),
      ];
      await until(async () => (await dlPage(`subscription=${s.id}`)).total === 3);
      const all = await dlPage(`subscription=${s.id}&limit=2`);
      expect(all.items).toHaveLength(2);
      expect(all.next).not.toBeNull();
      const rest = await dlPage(`subscription=${s.id}&limit=2&cursor=${all.next}`);
      expect(rest.items).toHaveLength(1);
      expect(rest.next).toBeNull();
      // every one once, in the order they were dead-lettered (retries are jittered: not always the publish order)
      expect([...all.items, ...rest.items].map((i) => i.event.id).sort()).toEqual(events.map((e) => e.id).sort());
      const first = events.find((e) => e.id === all.items[0]?.event.id);
      expect(all.items[0]).toMatchObject({
        subscription: s.id,
        attempts: 2,
        lastError: { status: 500 },
        originalSeq: first?.seq,
      });
      expect((await dlPage(`subscription=${s.id}&q=${events[1]?.id}`)).total).toBe(1);
      expect((await dlPage(`subscription=${s.id}&type=com.anumate.other.*`)).total).toBe(0);
      const one = await api<DlItem>("GET", `/api/dead-letters/${all.items[0]?.id}`);
      expect(one.body.errors).toHaveLength(2);

      // requeue one: it goes back to this subscription, and leaves the dead-letter stream
      healthy = true;
      const before = target.received.length;
      const rq = await api("POST", `/api/dead-letters/${all.items[0]?.id}/requeue`);
      expect(rq.status).toBe(202);
      await until(() => target.received.slice(before).some((r) => r.headers["ce-id"] === first?.id));
      expect((await api("GET", `/api/dead-letters/${all.items[0]?.id}`)).status).toBe(404);
      // discard another
      expect((await api("DELETE", `/api/dead-letters/${all.items[1]?.id}`)).status).toBe(204);
      expect((await dlPage(`subscription=${s.id}`)).total).toBe(1);
    } finally {
      await target.close();
    }
  });

  it("a requeue goes to the subscription that dead-lettered it alone; two requeues at once deliver once", async () => {
    const type = `com.anumate.rq${randomUUID().slice(0, 6)}.x`;
    const failing = await createSub({ types: [type], target: { type: "internal" }, retry: { maxAttempts: 1 } });
    const other = await createSub({ types: [type], target: { type: "internal" } });
    let fail = true;
    const gotFailing: string[] = [];
    const gotOther: string[] = [];
    await app.container.subscriptions.attachHandler({
      ctx,
      input: {
        id: failing.id,
        handler: (e) => {
          if (fail) throw new Error("down");
          gotFailing.push(e.id);
        },
      },
    });
    await app.container.subscriptions.attachHandler({ ctx, input: { id: other.id, handler: (e) => void gotOther.push(e.id) } });
    const e = await publish(type);
    await until(async () => (await dlPage(`subscription=${failing.id}`)).total === 1);
    await until(() => gotOther.includes(e.id));
    fail = false;
    const dl = (await dlPage(`subscription=${failing.id}`)).items[0] as DlItem;
    const [a, b] = await Promise.all([
      api("POST", `/api/dead-letters/${dl.id}/requeue`),
      api("POST", `/api/dead-letters/${dl.id}/requeue`),
    ]);
    expect([a.status, b.status].filter((s) => s === 202).length).toBeGreaterThanOrEqual(1);
    await until(() => gotFailing.includes(e.id));
    await sleep(1500);
    expect(gotFailing.filter((x) => x === e.id)).toHaveLength(1);
    expect(gotOther.filter((x) => x === e.id)).toHaveLength(1);
  });

  it("bulk requeue of 10,000 dead letters: none lost, none handled twice; dry run counts first", async () => {
    const type = `com.anumate.bulk${randomUUID().slice(0, 6)}.x`;
    const s = await createSub({ types: [type], target: { type: "internal" }, maxInFlight: 500 });
    const handled = new Map<string, number>();
    await app.container.subscriptions.attachHandler({
      ctx,
      input: { id: s.id, handler: (e) => void handled.set(e.id, (handled.get(e.id) ?? 0) + 1) },
    });
    const ids = await seedDeadLetters(s.id, 10_000, type);
    const dry = await api<{ count: number }>("POST", "/api/dead-letters/requeue", {
      filter: { subscription: s.id },
      dryRun: true,
    });
    expect(dry.body.count).toBe(10_000);
    const job = await api<{ jobId: string; count: number }>("POST", "/api/dead-letters/requeue", {
      filter: { subscription: s.id },
      ratePerSec: 20_000,
    });
    expect(job.status).toBe(202);
    await until(
      async () => (await api<{ state: string }>("GET", `/api/jobs/${job.body.jobId}`)).body.state === "completed",
      120_000,
      "job completed",
    );
    await until(() => handled.size === 10_000, 120_000, "all handled");
    await sleep(500);
    expect([...handled.values()].every((n) => n === 1)).toBe(true);
    expect(ids.every((id) => handled.has(id))).toBe(true);
    expect((await dlPage(`subscription=${s.id}`)).total).toBe(0);
    const status = await api<{ done: number; total: number; failed: number }>("GET", `/api/jobs/${job.body.jobId}`);
    expect(status.body).toMatchObject({ done: 10_000, total: 10_000, failed: 0 });
  }, 240_000);

  it("cancel half-way leaves the rest in the dead-letter stream", async () => {
    const type = `com.anumate.cancel${randomUUID().slice(0, 6)}.x`;
    const s = await createSub({ types: [type], target: { type: "internal" } });
    await seedDeadLetters(s.id, 1000, type);
    const job = await api<{ jobId: string }>("POST", "/api/dead-letters/requeue", {
      filter: { subscription: s.id },
      ratePerSec: 400,
    });
    await sleep(800);
    expect((await api("DELETE", `/api/jobs/${job.body.jobId}`)).status).toBe(202);
    await until(async () => (await api<{ state: string }>("GET", `/api/jobs/${job.body.jobId}`)).body.state === "cancelled");
    const st = await api<{ done: number; total: number }>("GET", `/api/jobs/${job.body.jobId}`);
    expect(st.body.done).toBeGreaterThan(0);
    expect(st.body.done).toBeLessThan(1000);
    expect((await dlPage(`subscription=${s.id}`)).total).toBe(1000 - st.body.done);
  });

  it("kill -9 of the service during a bulk requeue: every entry is still dead-lettered or handled", async () => {
    const type = `com.anumate.kill${randomUUID().slice(0, 6)}.x`;
    const s = await createSub({ types: [type], target: { type: "internal" }, maxInFlight: 200 });
    const handled = new Set<string>();
    await app.container.subscriptions.attachHandler({ ctx, input: { id: s.id, handler: (e) => void handled.add(e.id) } });
    const ids = await seedDeadLetters(s.id, 3000, type);
    const child = await startChildApp({ ...configEnv(app.config), API_PORT: "0", LOG_LEVEL: "silent" });
    const job = await api<{ jobId: string }>(
      "POST",
      "/api/dead-letters/requeue",
      { filter: { subscription: s.id }, ratePerSec: 2000 },
      child.url,
    );
    expect(job.status).toBe(202);
    await sleep(700);
    await child.kill("SIGKILL");
    await sleep(1500); // let delivered copies reach the handler
    const remaining = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: DlPage = await dlPage(`subscription=${s.id}&limit=1000${cursor ? `&cursor=${cursor}` : ""}`);
      for (const i of page.items) remaining.add(i.event.id);
      cursor = page.next;
    } while (cursor);
    await until(() => ids.every((id) => remaining.has(id) || handled.has(id)), 20_000, "every entry dead-lettered or handled");
    expect(handled.size).toBeGreaterThan(0);
    expect(remaining.size).toBeGreaterThan(0);
    // the job is reported interrupted, with how far it got
    await until(
      async () => (await api<{ state: string }>("GET", `/api/jobs/${job.body.jobId}`)).body.state === "interrupted",
      20_000,
    );
  }, 60_000);
});

describe("replays", () => {
  it("replays a time range into one subscription alone, in sequence order, marked with the replay id", async () => {
    const type = `com.anumate.rp${randomUUID().slice(0, 6)}.x`;
    const target = await createSub({ types: [type], target: { type: "internal" }, startAt: { type: "new" } });
    const bystander = await createSub({ types: [type], target: { type: "internal" } });
    const got: { id: string; seq: number; replayId?: string }[] = [];
    const seenByOther: string[] = [];
    await app.container.subscriptions.attachHandler({
      ctx,
      input: {
        id: target.id,
        handler: (e, i) => void got.push({ id: e.id, seq: i.seq, ...(i.replayId ? { replayId: i.replayId } : {}) }),
      },
    });
    await app.container.subscriptions.attachHandler({
      ctx,
      input: { id: bystander.id, handler: (e) => void seenByOther.push(e.id) },
    });
    await publish(type); // before the range
    await sleep(30);
    const from = new Date().toISOString();
    const inRange = [await publish(type), await publish(type), await publish(type)];
    await sleep(30);
    const to = new Date().toISOString();
    await publish(type); // after the range
    await until(() => got.length === 5 && seenByOther.length === 5);
    got.length = 0;
    seenByOther.length = 0;

    const dry = await api<{ count: number }>("POST", "/api/replays", {
      from: { time: from },
      to: { time: to },
      filter: { types: [type] },
      target: { type: "subscription", id: target.id },
      dryRun: true,
    });
    expect(dry.status).toBe(200);
    expect(dry.body.count).toBe(3);
    const r = await api<{ id: string; count: number }>("POST", "/api/replays", {
      from: { time: from },
      to: { time: to },
      filter: { types: [type] },
      target: { type: "subscription", id: target.id },
    });
    expect(r.status).toBe(202);
    await until(() => got.length === 3);
    await sleep(300);
    expect(got.map((g) => g.id)).toEqual(inRange.map((e) => e.id));
    expect(got.map((g) => g.seq)).toEqual(inRange.map((e) => e.seq));
    expect(got.every((g) => g.replayId === r.body.id)).toBe(true);
    expect(seenByOther).toEqual([]);
    await until(async () => (await api<{ state: string }>("GET", `/api/replays/${r.body.id}`)).body.state === "completed");
    expect((await api("GET", `/api/replays/${r.body.id}`)).body).toMatchObject({ delivered: 3, total: 3 });
  });

  it("goes straight to the subscription's members here: no copies, done once each is acknowledged or dead-lettered", async () => {
    const type = `com.anumate.rpl${randomUUID().slice(0, 6)}.x`;
    const events: { id: string; seq: number }[] = [];
    for (let i = 0; i < 40; i++) events.push(await publish(type, { poison: i === 7 ? "yes" : "no" }));
    // created after them: it has only the replay
    const sub = await createSub({
      types: [type],
      target: { type: "internal" },
      startAt: { type: "new" },
      retry: { maxAttempts: 2, initialDelayMs: 20, maxDelayMs: 20 },
    });
    const got: { id: string; attempt: number; replayId?: string }[] = [];
    await app.container.subscriptions.attachHandler({
      ctx,
      input: {
        id: sub.id,
        handler: (e, i) => {
          got.push({ id: e.id, attempt: i.attempt, ...(i.replayId ? { replayId: i.replayId } : {}) });
          // one event fails its first attempt, another every attempt
          if (e.id === events[3]?.id && i.attempt === 1) throw new Error("flaky");
          if (e.extensions.poison === "yes") throw new Error("never");
        },
      },
    });
    const jsm = await jetstreamManager(app.container.nats.nc);
    const rdStream = `${app.config.STREAM_NAME}_REDELIVERY`;
    const copiesBefore = (await jsm.streams.info(rdStream)).state.messages;
    const r = await api<{ id: string; count: number }>("POST", "/api/replays", {
      from: { sequence: events[0]?.seq },
      to: { sequence: events[39]?.seq },
      filter: { types: [type] },
      target: { type: "subscription", id: sub.id },
    });
    expect(r.status).toBe(202);
    expect(r.body.count).toBe(40);
    await until(async () => (await api<{ state: string }>("GET", `/api/replays/${r.body.id}`)).body.state === "completed");
    // done means settled: 39 acknowledged, the poison one dead-lettered after exactly 2 attempts
    const replayed = got.filter((g) => g.replayId === r.body.id);
    expect(replayed.filter((g) => g.attempt === 1).map((g) => g.id)).toEqual(events.map((e) => e.id));
    // (retried with jitter: in either order)
    expect(
      replayed
        .filter((g) => g.attempt === 2)
        .map((g) => g.id)
        .sort(),
    ).toEqual([events[3]?.id, events[7]?.id].sort());
    expect(replayed).toHaveLength(42);
    expect((await api("GET", `/api/replays/${r.body.id}`)).body).toMatchObject({ delivered: 39, deadLettered: 1, total: 40 });
    const dl = await dlPage(`subscription=${sub.id}`);
    expect(dl.items.map((i) => [i.event.id, i.attempts, i.originalSeq])).toEqual([[events[7]?.id, 2, events[7]?.seq]]);
    expect((await jsm.streams.info(rdStream)).state.messages).toBe(copiesBefore);
  });

  it("a replay into a push subscription posts each event in binary mode with anumate-replay-id; into a WebSocket one, frames carry replayId", async () => {
    const type = `com.anumate.rpp${randomUUID().slice(0, 6)}.x`;
    const target = await startPushTarget(() => ({ status: 200 }));
    const ws = await TestWsClient.open(`${app.url.replace("http", "ws")}/api/ws`);
    try {
      // the subscriptions see the events live first: their replays must be the same events
      const push = await createSub({ types: [type], target: { type: "push", url: target.url }, startAt: { type: "new" } });
      const wsSub = await createSub({ types: [type], target: { type: "websocket" }, startAt: { type: "new" } });
      ws.send({ type: "subscribe", subscription: wsSub.id, maxInFlight: 2 });
      await ws.take((f) => f.type === "subscribed");
      // every kind of attribute (optional core ones, typed and trace extensions, values that are
      // percent-encoded in headers) and of data (JSON, binary, text, none)
      const full = {
        subject: 'commande/été 100% "ok"',
        time: "2024-02-29T23:59:59.123456Z",
        dataschema: "https://example.com/schemas/order.json",
        tenantid: "acme",
        correlationid: "corr-é/1",
        traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        tracestate: "vendor=a1,other=b2",
        flag: true,
        count: 42,
        data: { text: "héllo ✓", n: 1.5, list: [null, false, "x"] },
      };
      const events = [
        await publish(type, full),
        await publish(type, { datacontenttype: "application/octet-stream", data: undefined, data_base64: "AP8QgH9+" }),
        await publish(type, { datacontenttype: "text/plain; charset=utf-8", data: 'plain "text" é' }),
        await publish(type, { data: undefined }),
      ];

      await until(() => target.received.length === events.length, 20_000, "every live push");
      const livePush = [...target.received];
      expect(livePush.map((r) => r.headers["ce-id"]).sort()).toEqual(events.map((e) => e.id).sort());
      expect(livePush.every((r) => r.headers["anumate-replay-id"] === undefined)).toBe(true);
      const liveFrames: EventFrame[] = [];
      for (let i = 0; i < events.length; i++) {
        const f = await ws.take((x): x is EventFrame => x.type === "event");
        liveFrames.push(f);
        ws.send({ type: "ack", deliveryId: f.deliveryId });
      }
      expect(liveFrames.map((f) => f.replayId)).toEqual(events.map(() => undefined));
      // not vacuous: the live delivery carries what was published
      const liveFull = liveFrames.find((f) => f.event.id === events[0]?.id);
      expect(liveFull?.event).toMatchObject({ ...full, id: events[0]?.id, type, source: "/tests/recovery" });
      const livePushFull = livePush.find((r) => r.headers["ce-id"] === events[0]?.id);
      expect(livePushFull?.headers).toMatchObject({ "ce-traceparent": full.traceparent, "ce-flag": "true", "ce-count": "42" });
      expect(livePushFull?.headers["ce-subject"]).not.toBe(full.subject); // percent-encoded
      expect(JSON.parse(livePushFull?.body.toString() ?? "")).toEqual(full.data);

      const replay = async (id: string) =>
        (
          await api<{ id: string }>("POST", "/api/replays", {
            from: { sequence: events[0]?.seq },
            to: { sequence: events.at(-1)?.seq },
            filter: { types: [type] },
            target: { type: "subscription", id },
          })
        ).body.id;
      const toPush = await replay(push.id);
      await until(() => target.received.length === 2 * events.length, 20_000, "every replayed push");
      const replayedPush = target.received.slice(events.length);
      // (posted concurrently: in any order)
      expect(replayedPush.map((r) => `${r.headers["ce-id"]} ${r.headers["anumate-replay-id"]}`).sort()).toEqual(
        events.map((e) => `${e.id} ${toPush}`).sort(),
      );
      // the event itself is unchanged: every ce-* header (the event's traceparent / tracestate
      // extensions included), its content type and body. Per delivery: anumate-delivery-id,
      // anumate-attempt, anumate-replay-id, and the traceparent / tracestate headers of the push
      // span (sent only when tracing is on).
      const eventOf = (r: (typeof target.received)[number]) => ({
        headers: Object.fromEntries(
          Object.entries(r.headers)
            .filter(([k]) => k.startsWith("ce-") || k === "content-type")
            .sort(([a], [b]) => a.localeCompare(b)),
        ),
        body: r.body.toString("base64"),
      });
      for (const r of replayedPush) {
        const live = livePush.find((l) => l.headers["ce-id"] === r.headers["ce-id"]);
        expect(live, `the live push of ${r.headers["ce-id"]}`).toBeDefined();
        expect(eventOf(r)).toStrictEqual(eventOf(live as (typeof target.received)[number]));
        expect(r.headers["anumate-attempt"]).toBe("1");
      }

      const toWs = await replay(wsSub.id);
      const frames: EventFrame[] = [];
      for (let i = 0; i < events.length; i++) {
        const f = await ws.take((x): x is EventFrame => x.type === "event");
        frames.push(f);
        ws.send({ type: "ack", deliveryId: f.deliveryId });
      }
      expect(frames.map((f) => [f.event.id, f.seq, f.replayId, f.attempt])).toEqual(events.map((e) => [e.id, e.seq, toWs, 1]));
      // the whole event of each replayed frame is the one its live frame carried
      for (const f of frames) {
        const live = liveFrames.find((l) => l.event.id === f.event.id);
        expect(live, `the live frame of ${f.event.id}`).toBeDefined();
        expect(f.event).toStrictEqual(live?.event);
      }
      for (const id of [toPush, toWs])
        await until(async () => (await api<{ state: string }>("GET", `/api/replays/${id}`)).body.state === "completed");
      expect((await api("GET", `/api/replays/${toWs}`)).body).toMatchObject({ delivered: events.length, total: events.length });
      expect(target.received).toHaveLength(2 * events.length);
    } finally {
      ws.ws.close();
      await target.close();
    }
  });

  it("events a lane holds when the subscription's last member here leaves go on as copies, their attempts counted on", async () => {
    const type = `com.anumate.rpm${randomUUID().slice(0, 6)}.x`;
    const events: { id: string; seq: number }[] = [];
    for (let i = 0; i < 30; i++) events.push(await publish(type));
    const sub = await createSub({
      types: [type],
      target: { type: "internal" },
      startAt: { type: "new" },
      maxInFlight: 5,
      retry: { maxAttempts: 3, initialDelayMs: 60_000, maxDelayMs: 60_000, jitter: 0 },
    });
    const first: { id: string; attempt: number }[] = [];
    let leave: () => void = () => {};
    leave = await app.container.subscriptions.attachHandler({
      ctx,
      input: {
        id: sub.id,
        handler: async (e, i) => {
          first.push({ id: e.id, attempt: i.attempt });
          if (e.id === events[0]?.id) throw new Error("fails once here"); // waits a minute to be retried
          await sleep(20);
        },
      },
    });
    const r = await api<{ id: string }>("POST", "/api/replays", {
      from: { sequence: events[0]?.seq },
      to: { sequence: events[29]?.seq },
      filter: { types: [type] },
      target: { type: "subscription", id: sub.id },
      ratePerSec: 200,
    });
    await until(() => first.length >= 8);
    leave(); // the dispatcher here stops: the rest goes by the redelivery stream
    const second: { id: string; attempt: number; replayId?: string }[] = [];
    await until(async () => (await api<{ state: string }>("GET", `/api/replays/${r.body.id}`)).body.state === "completed");
    await app.container.subscriptions.attachHandler({
      ctx,
      input: {
        id: sub.id,
        handler: (e, i) => void second.push({ id: e.id, attempt: i.attempt, ...(i.replayId ? { replayId: i.replayId } : {}) }),
      },
    });
    const acked = new Set(first.filter((f) => f.id !== events[0]?.id).map((f) => f.id));
    // every event is handled: before the member left, or after, by the copies (none lost)
    await until(() => events.every((e) => acked.has(e.id) || second.some((s) => s.id === e.id)), 20_000, "all handled");
    expect(second.every((s) => s.replayId === r.body.id)).toBe(true);
    // the event that had failed once comes back as its second attempt
    expect(second.find((s) => s.id === events[0]?.id)?.attempt).toBe(2);
  });

  it("a replay waiting on a full lane is cancelled at once; what the lane held is dropped, deliveries under way end", async () => {
    const type = `com.anumate.rpc${randomUUID().slice(0, 6)}.x`;
    const events: { id: string; seq: number }[] = [];
    for (let i = 0; i < 300; i++) events.push(await publish(type));
    const sub = await createSub({ types: [type], target: { type: "internal" }, startAt: { type: "new" }, maxInFlight: 5 });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const got: string[] = [];
    await app.container.subscriptions.attachHandler({
      ctx,
      input: {
        id: sub.id,
        handler: async (e) => {
          got.push(e.id);
          await gate;
        },
      },
    });
    const r = await api<{ id: string }>("POST", "/api/replays", {
      from: { sequence: events[0]?.seq },
      to: { sequence: events[299]?.seq },
      filter: { types: [type] },
      target: { type: "subscription", id: sub.id },
    });
    await until(() => got.length === 5);
    await sleep(200); // the lane fills (256 events) and the replay waits
    const t0 = Date.now();
    expect((await api("DELETE", `/api/replays/${r.body.id}`)).status).toBe(202);
    await until(async () => (await api<{ state: string }>("GET", `/api/replays/${r.body.id}`)).body.state === "cancelled", 5000);
    expect(Date.now() - t0).toBeLessThan(5000);
    release();
    await sleep(500);
    expect(got).toHaveLength(5); // the rest was dropped, not delivered
    expect((await api("GET", `/api/replays/${r.body.id}`)).body).toMatchObject({ state: "cancelled", total: 300 });
  });

  it("kill -9 of the service during a replay: reported interrupted, with a position up to which every event was delivered", async () => {
    const type = `com.anumate.rpk${randomUUID().slice(0, 6)}.x`;
    const events: { id: string; seq: number }[] = [];
    for (let i = 0; i < 150; i++) events.push(await publish(type));
    const received = new Set<string>();
    const target = await startPushTarget(async (r) => {
      await sleep(5);
      received.add(String(r.headers["ce-id"]));
      return { status: 200 };
    });
    const child = await startChildApp({ ...configEnv(app.config), API_PORT: "0", LOG_LEVEL: "silent" });
    try {
      const sub = await createSub({
        types: [type],
        target: { type: "push", url: target.url },
        startAt: { type: "new" },
        maxInFlight: 5,
      });
      await sleep(300); // the child's dispatcher for it starts (definitions are watched)
      const r = await api<{ id: string }>(
        "POST",
        "/api/replays",
        {
          from: { sequence: events[0]?.seq },
          to: { sequence: events[149]?.seq },
          filter: { types: [type] },
          target: { type: "subscription", id: sub.id },
          ratePerSec: 60,
        },
        child.url,
      );
      expect(r.status).toBe(202);
      await until(() => received.size >= 30);
      await child.kill("SIGKILL");
      await until(
        async () => (await api<{ state: string }>("GET", `/api/replays/${r.body.id}`)).body.state === "interrupted",
        20_000,
      );
      const st = (await api<{ position?: number; delivered: number }>("GET", `/api/replays/${r.body.id}`)).body;
      expect(st.position).toBeGreaterThan(events[0]?.seq as number);
      const upTo = events.filter((e) => e.seq <= (st.position as number));
      expect(upTo.length).toBeGreaterThan(0);
      expect(upTo.every((e) => received.has(e.id))).toBe(true);
      expect(st.delivered).toBeGreaterThanOrEqual(upTo.length);
      expect(st.delivered).toBeLessThan(150);
    } finally {
      await child.kill();
      await target.close();
    }
  }, 60_000);

  it("replays a sequence range into the live view (/api/stream?replay=)", async () => {
    const type = `com.anumate.rps${randomUUID().slice(0, 6)}.x`;
    const events = [await publish(type), await publish(type), await publish(type), await publish(type)];
    const r = await api<{ id: string; count: number }>("POST", "/api/replays", {
      from: { sequence: events[1]?.seq },
      to: { sequence: events[2]?.seq },
      filter: { types: [type] },
      target: { type: "stream" },
    });
    expect(r.body.count).toBe(2);
    const res = await fetch(`${app.url}/api/stream?replay=${r.body.id}`);
    expect(res.status).toBe(200);
    const text = await res.text(); // the stream ends with the range
    const ids = [...text.matchAll(/^data: (.*)$/gm)].map((m) => (JSON.parse(m[1] as string) as { id: string }).id);
    expect(ids).toEqual([events[1]?.id, events[2]?.id]);
    await until(async () => (await api<{ state: string }>("GET", `/api/replays/${r.body.id}`)).body.state === "completed");
    expect((await fetch(`${app.url}/api/stream?replay=${r.body.id}`)).status).toBe(409);
  });

  it("a replay's count is the number of events it sends, whether the server counts them or they are read", async () => {
    const stem = `com.anumate.cnt${randomUUID().slice(0, 6)}`;
    const a = [];
    for (let i = 0; i < 6; i++) a.push(await publish(`${stem}.a`, { subject: i % 2 === 0 ? "even" : "odd" }));
    const b = [await publish(`${stem}.b`), await publish(`${stem}.b`)];
    const first = a[0]?.seq as number;
    const last = b[1]?.seq as number;
    const cases: { input: Record<string, unknown>; expected: number }[] = [
      // the NATS filter says it all: counted by the server
      { input: { from: { sequence: first }, to: { sequence: last }, filter: { types: [`${stem}.a`] } }, expected: 6 },
      { input: { from: { sequence: first }, to: { sequence: last }, filter: { types: [`${stem}.*`] } }, expected: 8 },
      { input: { from: { sequence: a[2]?.seq }, to: { sequence: a[3]?.seq }, filter: { types: [`${stem}.*`] } }, expected: 2 },
      // a range that ends past the stream's end, and one that starts past it
      { input: { from: { sequence: a[4]?.seq }, to: { sequence: last + 1000 }, filter: { types: [`${stem}.>`] } }, expected: 4 },
      { input: { from: { sequence: last + 1000 }, filter: { types: [`${stem}.>`] } }, expected: 0 },
      // checked event by event: two type patterns, an attribute filter
      { input: { from: { sequence: first }, filter: { types: [`${stem}.a`, `${stem}.b`] } }, expected: 8 },
      {
        input: { from: { sequence: first }, filter: { types: [`${stem}.a`], filters: [{ exact: { subject: "even" } }] } },
        expected: 3,
      },
    ];
    for (const c of cases) {
      const dry = await api<{ count: number }>("POST", "/api/replays", { ...c.input, target: { type: "stream" }, dryRun: true });
      expect(dry.body.count, JSON.stringify(c.input)).toBe(c.expected);
      const r = await api<{ id: string; count: number }>("POST", "/api/replays", { ...c.input, target: { type: "stream" } });
      expect(r.body.count).toBe(c.expected);
      const text = await (await fetch(`${app.url}/api/stream?replay=${r.body.id}`)).text();
      expect([...text.matchAll(/^event: cloudevent$/gm)].length, JSON.stringify(c.input)).toBe(c.expected);
    }
  });

  it("validates replays with field errors", async () => {
    const bad = await api<{ error: { details: { field: string }[] } }>("POST", "/api/replays", {
      from: { time: "yesterday" },
      target: { type: "subscription" },
    });
    expect(bad.status).toBe(400);
    const fields = bad.body.error.details.map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(["target.id"]));
    expect(
      (await api("POST", "/api/replays", { from: { sequence: 1 }, target: { type: "subscription", id: "sub_nope" } })).status,
    ).toBe(404);
    expect(
      (await api("POST", "/api/replays", { from: { sequence: 5 }, to: { sequence: 2 }, target: { type: "stream" } })).status,
    ).toBe(400);
    const backwards = await api<{ error: { details: { field: string; rule: string }[] } }>("POST", "/api/replays", {
      from: { time: "2026-01-02T00:00:00Z" },
      to: { time: "2026-01-01T00:00:00Z" },
      target: { type: "stream" },
    });
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.details).toEqual([{ field: "to.time", rule: "must be at or after from.time" }]);
    const pattern = await api<{ error: { details: { field: string; rule: string }[] } }>("POST", "/api/replays", {
      from: { sequence: 1 },
      filter: { types: ["a.>.b"] },
      target: { type: "stream" },
    });
    expect(pattern.status).toBe(400);
    expect(pattern.body.error.details[0]?.field).toBe("filter.types.0");
    // the rate cap: 1 to 1,000,000 events/s, for replays and bulk requeues alike
    for (const [path, body] of [
      ["/api/replays", { from: { sequence: 1 }, target: { type: "stream" }, dryRun: true }],
      ["/api/dead-letters/requeue", { filter: {}, dryRun: true }],
    ] as const) {
      for (const ratePerSec of [0, 1.5, 1_000_001]) {
        const r = await api<{ error: { details: { field: string; rule: string }[] } }>("POST", path, { ...body, ratePerSec });
        expect(r.status, `${path} ${ratePerSec}`).toBe(400);
        expect(r.body.error.details[0]?.field).toBe("ratePerSec");
      }
      expect((await api("POST", path, { ...body, ratePerSec: 1_000_000 })).status, path).toBe(200);
    }
  });
});

describe("reset position", () => {
  it("is refused while members are connected and active; moves a paused subscription to a sequence", async () => {
    const type = `com.anumate.reset${randomUUID().slice(0, 6)}.x`;
    const s = await createSub({ types: [type], target: { type: "internal" } });
    const got: string[] = [];
    await app.container.subscriptions.attachHandler({ ctx, input: { id: s.id, handler: (e) => void got.push(e.id) } });
    const events = [await publish(type), await publish(type), await publish(type)];
    await until(() => got.length === 3);
    const refused = await api<{ error: { code: string } }>("POST", `/api/subscriptions/${s.id}/reset`, {
      to: { sequence: events[0]?.seq },
    });
    expect(refused.status).toBe(409);
    await api("POST", `/api/subscriptions/${s.id}/pause`);
    const ok = await api("POST", `/api/subscriptions/${s.id}/reset`, { to: { sequence: events[1]?.seq } });
    expect(ok.status).toBe(200);
    got.length = 0;
    await api("POST", `/api/subscriptions/${s.id}/resume`);
    await until(() => got.length === 2);
    expect(got).toEqual([events[1]?.id, events[2]?.id]);
  });
});

describe("audit trail", () => {
  it("records administrative actions durably with who, what and the result", async () => {
    const page = await api<{ items: { action: string; actor: string; result: string; at: string }[] }>(
      "GET",
      "/api/audit?limit=1000",
    );
    expect(page.status).toBe(200);
    const actions = new Set(page.body.items.map((i) => i.action));
    for (const a of [
      "subscription.create",
      "subscription.pause",
      "subscription.reset",
      "dead-letter.requeue",
      "dead-letter.discard",
      "replay.create",
    ])
      expect(actions.has(a), a).toBe(true);
    expect(page.body.items.every((i) => i.actor && i.result && i.at)).toBe(true);
    const only = await api<{ items: { action: string }[] }>("GET", "/api/audit?action=replay.create");
    expect(only.body.items.length).toBeGreaterThan(0);
    expect(only.body.items.every((i) => i.action === "replay.create")).toBe(true);
  });
});
