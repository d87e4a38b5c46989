import { randomUUID } from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import { systemCtx } from "../server/core/context";
import { createSubscription, withTestApp } from "../server/testing/app-hooks";
import { configEnv, startTestApp, testConfig } from "../server/testing/fixtures";
import { apiClient, sleep, until } from "../server/testing/http";
import { startChildApp } from "../server/testing/processes";
import { startPushTarget } from "../server/testing/push-target";

/**
 * Replay jobs end as they should: cancelled on the copy path, cancelled when a stream reader leaves,
 * interrupted by a graceful stop of their replica, and never resumed by a replica started later.
 */

const app = withTestApp(() => testConfig({ DUPLICATE_WINDOW: "600" }));
const ctx = systemCtx("test");

type Status = {
  id: string;
  state: string;
  delivered: number;
  deadLettered: number;
  total: number;
  position?: number;
};
type Published = { id: string; seq: number };

const api = apiClient(() => app.url);

const createSub = (def: Record<string, unknown>) => createSubscription(api, def);

async function publishMany(type: string, n: number): Promise<Published[]> {
  const out: Published[] = [];
  for (let i = 0; i < n; i++) {
    const id = randomUUID();
    const res = await fetch(`${app.url}/api/events`, {
      method: "POST",
      headers: { "content-type": "application/cloudevents+json" },
      body: JSON.stringify({ specversion: "1.0", id, source: "/tests/replay-jobs", type, data: { i } }),
    });
    expect(res.status).toBe(202);
    out.push({ id, seq: ((await res.json()) as { seq: number }).seq });
  }
  return out;
}

async function replayStatus(id: string, base = app.url): Promise<Status> {
  const r = await api<Status>("GET", `/api/replays/${id}`, undefined, base);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

async function startReplay(
  events: Published[],
  type: string,
  target: Record<string, unknown>,
  ratePerSec: number,
  base = app.url,
): Promise<{ id: string; count: number }> {
  const r = await api<{ id: string; count: number }>(
    "POST",
    "/api/replays",
    {
      from: { sequence: events[0]?.seq },
      to: { sequence: events[events.length - 1]?.seq },
      filter: { types: [type] },
      target,
      ratePerSec,
    },
    base,
  );
  expect(r.status, JSON.stringify(r.body)).toBe(202);
  expect(r.body.count).toBe(events.length);
  return r.body;
}

/** Attaches an in-process member here and records what it is given with this replay id. */
async function recordReplayed(subId: string, into: { id: string; seq: number; attempt: number; replayId?: string }[]) {
  return app.container.subscriptions.attachHandler({
    ctx,
    input: {
      id: subId,
      handler: (e, i) =>
        void into.push({ id: e.id, seq: i.seq, attempt: i.attempt, ...(i.replayId ? { replayId: i.replayId } : {}) }),
    },
  });
}

describe("replay jobs", () => {
  it("cancelling a replay sent as copies (no member in the replica running it) stops the copies", async () => {
    const type = `com.anumate.rjc${randomUUID().slice(0, 6)}.x`;
    const events = await publishMany(type, 60);
    const sub = await createSub({ types: [type], target: { type: "internal" }, startAt: { type: "new" } });
    // the subscription's only member is in `app`; the replay runs in `other`, which has none: copies
    const other = await startTestApp(app.config);
    try {
      const got: { id: string; seq: number; attempt: number; replayId?: string }[] = [];
      await recordReplayed(sub.id, got);
      const jsm = await jetstreamManager(app.container.nats.nc);
      const copiesStored = async () => (await jsm.streams.info(`${app.config.STREAM_NAME}_REDELIVERY`)).state.last_seq;
      const before = await copiesStored();
      const r = await startReplay(events, type, { type: "subscription", id: sub.id }, 10, other.url);
      await until(() => got.length >= 5, 10_000, "first copies handled");
      // cancelled through the other replica: the one running it sees the request
      const del = await api<Status>("DELETE", `/api/replays/${r.id}`);
      expect(del.status).toBe(202);
      await until(async () => (await replayStatus(r.id)).state === "cancelled", 3000, "cancelled");
      const st = await replayStatus(r.id);
      expect(st.total).toBe(60);
      expect(st.delivered).toBeGreaterThanOrEqual(5);
      expect(st.delivered).toBeLessThan(60);
      expect(st.position).toBe(events[st.delivered - 1]?.seq);
      // every copy stored is handled, and no more are sent
      await until(() => got.length >= st.delivered, 10_000, "stored copies handled");
      await sleep(1500);
      expect(await replayStatus(r.id)).toMatchObject({ state: "cancelled", delivered: st.delivered, position: st.position });
      expect(got).toHaveLength(st.delivered);
      expect((await copiesStored()) - before).toBe(st.delivered);
      expect(got.map((g) => [g.id, g.seq, g.attempt, g.replayId])).toEqual(
        events.slice(0, st.delivered).map((e) => [e.id, e.seq, 1, r.id]),
      );
    } finally {
      await other.stop();
    }
  });

  it("a stream replay whose reader leaves half-way ends cancelled, short of the end, and cannot be read again", async () => {
    const type = `com.anumate.rjs${randomUUID().slice(0, 6)}.x`;
    const events = await publishMany(type, 40);
    const r = await startReplay(events, type, { type: "stream" }, 10);
    expect((await replayStatus(r.id)).state).toBe("pending");

    const abort = new AbortController();
    const res = await fetch(`${app.url}/api/stream?replay=${r.id}`, { signal: abort.signal });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = "";
    const read: { seq: number; id: string }[] = [];
    while (read.length < 6) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      read.length = 0;
      for (const m of text.matchAll(/^id: (\d+)\nevent: cloudevent\ndata: (.*)$/gm))
        read.push({ seq: Number(m[1]), id: (JSON.parse(m[2] as string) as { id: string }).id });
    }
    expect(read.map((x) => x.id)).toEqual(events.slice(0, read.length).map((e) => e.id));
    expect((await replayStatus(r.id)).state).toBe("running");
    abort.abort(); // the reader leaves
    await reader.cancel().catch(() => {});

    await until(async () => (await replayStatus(r.id)).state === "cancelled", 5000, "cancelled");
    const st = await replayStatus(r.id);
    const last = read[read.length - 1] as { seq: number };
    expect(st.position).toBeGreaterThanOrEqual(last.seq);
    expect(st.position).toBeLessThan(events[events.length - 1]?.seq as number);
    expect(st.delivered).toBeGreaterThanOrEqual(read.length);
    expect(st.delivered).toBeLessThan(40);
    await sleep(1000);
    expect(await replayStatus(r.id)).toMatchObject({ state: "cancelled", delivered: st.delivered, position: st.position });
    // read once: a second reader is refused
    const again = await fetch(`${app.url}/api/stream?replay=${r.id}`);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe("CONFLICT");
  });

  it("a graceful stop (SIGTERM) of the replica running replays reports them interrupted at once, with their position", async () => {
    const type = `com.anumate.rjg${randomUUID().slice(0, 6)}.x`;
    const events = await publishMany(type, 100);
    const pushed = new Set<string>();
    const target = await startPushTarget((r) => {
      pushed.add(String(r.headers["ce-id"]));
      return { status: 200 };
    });
    const child = await startChildApp({ ...configEnv(app.config), API_PORT: "0", LOG_LEVEL: "silent" });
    try {
      // a push subscription: the child delivers it itself (a lane)
      const push = await createSub({ types: [type], target: { type: "push", url: target.url }, startAt: { type: "new" } });
      // an internal one whose only member is here: the child sends copies
      const internal = await createSub({ types: [type], target: { type: "internal" }, startAt: { type: "new" } });
      const got: { id: string; seq: number; attempt: number; replayId?: string }[] = [];
      await recordReplayed(internal.id, got);
      await sleep(300); // the child's dispatcher for the push subscription starts (definitions are watched)
      const viaLane = await startReplay(events, type, { type: "subscription", id: push.id }, 20, child.url);
      const viaCopies = await startReplay(events, type, { type: "subscription", id: internal.id }, 20, child.url);
      await until(() => pushed.size >= 15 && got.length >= 15, 10_000, "replays under way");
      await child.kill("SIGTERM");
      // written by the stopping replica (a replica that died is only found out after 10 s without a heartbeat)
      for (const r of [viaLane, viaCopies])
        await until(async () => (await replayStatus(r.id)).state === "interrupted", 5000, `${r.id} interrupted`);
      const lane = await replayStatus(viaLane.id);
      const copies = await replayStatus(viaCopies.id);
      for (const st of [lane, copies]) {
        expect(st.position).toBeGreaterThanOrEqual(events[14]?.seq as number);
        expect(st.position).toBeLessThan(events[99]?.seq as number);
        expect(st.delivered).toBeLessThan(100);
      }
      // every event up to the position was delivered
      const upToLane = events.filter((e) => e.seq <= (lane.position as number));
      expect(upToLane.every((e) => pushed.has(e.id))).toBe(true);
      expect(lane.delivered).toBeGreaterThanOrEqual(upToLane.length);
      const upToCopies = events.filter((e) => e.seq <= (copies.position as number));
      expect(copies.delivered).toBe(upToCopies.length);
      await until(() => upToCopies.every((e) => got.some((g) => g.id === e.id)), 10_000, "stored copies handled");
      expect(got.every((g) => g.replayId === viaCopies.id)).toBe(true);
      // and it stays so: not completed later, not running
      await sleep(1000);
      expect(await replayStatus(viaLane.id)).toMatchObject({
        state: "interrupted",
        position: lane.position,
        delivered: lane.delivered,
      });
      expect(await replayStatus(viaCopies.id)).toMatchObject({
        state: "interrupted",
        position: copies.position,
        delivered: copies.delivered,
      });
    } finally {
      await child.kill();
      await target.close();
    }
  });

  it("a replica started after the one running a replay was killed (-9) neither resumes nor re-runs it", async () => {
    const type = `com.anumate.rjr${randomUUID().slice(0, 6)}.x`;
    const events = await publishMany(type, 100);
    const received: { id: string; replayId: string }[] = [];
    const target = await startPushTarget((r) => {
      received.push({ id: String(r.headers["ce-id"]), replayId: String(r.headers["anumate-replay-id"]) });
      return { status: 200 };
    });
    const first = await startChildApp({ ...configEnv(app.config), API_PORT: "0", LOG_LEVEL: "silent" });
    let second: Awaited<ReturnType<typeof startChildApp>> | undefined;
    try {
      const sub = await createSub({ types: [type], target: { type: "push", url: target.url }, startAt: { type: "new" } });
      await sleep(300); // the child's dispatcher for it starts
      const r = await startReplay(events, type, { type: "subscription", id: sub.id }, 30, first.url);
      await until(() => received.length >= 15, 10_000, "replay under way");
      await first.kill("SIGKILL");
      await sleep(500);
      const beforeRestart = received.length;
      expect(beforeRestart).toBeLessThan(100);
      // the same service (config, NATS, Redis) starts again
      second = await startChildApp({ ...configEnv(app.config), API_PORT: "0", LOG_LEVEL: "silent" });
      await until(async () => (await replayStatus(r.id)).state === "interrupted", 20_000, "interrupted");
      const st = await replayStatus(r.id);
      expect(st.position).toBeGreaterThanOrEqual(events[0]?.seq as number);
      expect(st.position).toBeLessThan(events[99]?.seq as number);
      expect(st.delivered).toBeLessThan(100);
      await sleep(2500);
      // still interrupted where it stopped, as either replica reports it
      for (const base of [app.url, second.url])
        expect(await replayStatus(r.id, base)).toMatchObject({
          state: "interrupted",
          position: st.position,
          delivered: st.delivered,
        });
      // nothing more of it was delivered after the restart
      expect(received).toHaveLength(beforeRestart);
      expect(received.every((x) => x.replayId === r.id)).toBe(true);
    } finally {
      await second?.kill();
      await first.kill();
      await target.close();
    }
  });
});
