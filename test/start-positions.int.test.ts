import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { SubscriptionDto } from "../lib/contracts/subscriptions";
import { systemCtx } from "../server/core/context";
import { createSubscription, withTestApp } from "../server/testing/app-hooks";
import { apiClient, sleep, until } from "../server/testing/http";
import { type EventFrame, TestWsClient } from "../server/testing/ws-client";

/**
 * Where a subscription starts (`startAt`) and where `POST /api/subscriptions/{id}/reset` moves it,
 * through the HTTP API against the real NATS: exactly which earlier events are delivered, in order.
 */

const app = withTestApp();
const ctx = systemCtx("test");

const api = apiClient(() => app.url);

const createSub = (def: Record<string, unknown>) => createSubscription(api, def);

type Published = { id: string; seq: number };

async function publish(tenant: string, type: string): Promise<Published> {
  const id = randomUUID();
  const res = await fetch(`${app.url}/api/events`, {
    method: "POST",
    headers: { "content-type": "application/cloudevents+json" },
    body: JSON.stringify({ specversion: "1.0", id, source: "/tests/start-positions", type, tenantid: tenant, data: { id } }),
  });
  expect(res.status).toBe(202);
  const body = (await res.json()) as { seq: number; tenant: string };
  expect(body.tenant).toBe(tenant);
  return { id, seq: body.seq };
}

/** The time the stream stored the event at (ms precision, rounded down: the event is at or after it). */
async function storedAt(seq: number): Promise<string> {
  const r = await api<{ seq: number; storedAt: string }>("GET", `/api/events/${seq}`);
  expect(r.status).toBe(200);
  expect(r.body.seq).toBe(seq);
  return r.body.storedAt;
}

type Got = { id: string; seq: number };

/** Attaches an in-process member that records what it is given. */
async function collect(subId: string): Promise<{ got: Got[]; detach: () => void }> {
  const got: Got[] = [];
  const detach = await app.container.subscriptions.attachHandler({
    ctx,
    input: { id: subId, handler: (e, info) => void got.push({ id: e.id, seq: info.seq }) },
  });
  return { got, detach };
}

const view = (events: Published[]): Got[] => events.map((e) => ({ id: e.id, seq: e.seq }));

const conflictBody = {
  error: {
    code: "CONFLICT",
    message: expect.stringContaining("before resetting its position"),
    details: [{ field: "state", rule: "must be paused, or have no members connected" }],
  },
};

describe("startAt", () => {
  it("all / sequence / time / new start where they say, for the subscription's tenant only, in stream order", async () => {
    const tenant = `sp-${randomUUID().slice(0, 8)}`;
    const other = `spo-${randomUUID().slice(0, 8)}`;
    const stem = `com.anumate.sp${randomUUID().slice(0, 6)}`;

    // earlier events: two types of the tenant, and another tenant's in between
    const e1 = await publish(tenant, `${stem}.a`);
    const x1 = await publish(other, `${stem}.a`);
    const e2 = await publish(tenant, `${stem}.b`);
    await sleep(30);
    const e3 = await publish(tenant, `${stem}.a`);
    const x2 = await publish(other, `${stem}.b`);
    await sleep(30);
    const e4 = await publish(tenant, `${stem}.b`);
    const e5 = await publish(tenant, `${stem}.a`);
    expect([e1, x1, e2, e3, x2, e4, e5].map((e) => e.seq)).toEqual([...Array(7).keys()].map((i) => e1.seq + i));

    const e2At = await storedAt(e2.seq);
    const e3At = await storedAt(e3.seq);
    expect(Date.parse(e3At) - Date.parse(e2At)).toBeGreaterThanOrEqual(20);
    // just past e2's millisecond, well before e3: starts at e3 (the first event at or after it)
    const between = new Date(Date.parse(e2At) + 1).toISOString();

    const defs: Record<string, Record<string, unknown>> = {
      all: { type: "all" },
      seqOwn: { type: "sequence", value: e2.seq },
      // a sequence holding another tenant's event: starts at this tenant's next one
      seqOther: { type: "sequence", value: x1.seq },
      // exactly e3's stored time: at or after includes e3 itself
      timeExact: { type: "time", value: e3At },
      timeBetween: { type: "time", value: between },
      new: { type: "new" },
    };
    const subs: Record<string, SubscriptionDto> = {};
    const members: Record<string, { got: Got[]; detach: () => void }> = {};
    for (const [k, startAt] of Object.entries(defs)) {
      subs[k] = await createSub({ tenant, target: { type: "internal" }, startAt });
      expect(subs[k]?.startAt).toEqual(startAt);
      expect(subs[k]?.state).toBe("active");
    }
    for (const [k, s] of Object.entries(subs)) members[k] = await collect(s.id);

    const expected: Record<string, Published[]> = {
      all: [e1, e2, e3, e4, e5],
      seqOwn: [e2, e3, e4, e5],
      seqOther: [e2, e3, e4, e5],
      timeExact: [e3, e4, e5],
      timeBetween: [e3, e4, e5],
      new: [],
    };
    for (const k of Object.keys(defs))
      await until(() => (members[k]?.got.length ?? 0) >= (expected[k]?.length ?? 0), 10_000, `${k} caught up`);
    await sleep(300); // nothing more arrives
    for (const k of Object.keys(defs)) expect(members[k]?.got, k).toEqual(view(expected[k] ?? []));

    // one published after: every subscription gets it (another tenant's is not delivered)
    await publish(other, `${stem}.a`);
    const late = await publish(tenant, `${stem}.b`);
    for (const k of Object.keys(defs))
      await until(() => members[k]?.got.some((g) => g.id === late.id) ?? false, 10_000, `${k} got the later event`);
    await sleep(200);
    for (const k of Object.keys(defs)) expect(members[k]?.got, k).toEqual(view([...(expected[k] ?? []), late]));

    for (const m of Object.values(members)) m.detach();
    for (const s of Object.values(subs)) expect((await api("DELETE", `/api/subscriptions/${s.id}`)).status).toBe(204);
  });

  it("a WebSocket member of a startAt sequence subscription gets the earlier events from that sequence, in order", async () => {
    const tenant = `spw-${randomUUID().slice(0, 8)}`;
    const type = `com.anumate.spw${randomUUID().slice(0, 6)}.x`;
    const events = [await publish(tenant, type), await publish(tenant, type), await publish(tenant, type)];
    const s = await createSub({
      tenant,
      types: [type],
      target: { type: "websocket" },
      startAt: { type: "sequence", value: events[1]?.seq },
    });
    const ws = await TestWsClient.open(app.wsUrl);
    try {
      await ws.subscribe({ subscription: s.id, maxInFlight: 1 });
      const frames: EventFrame[] = [];
      for (let i = 0; i < 2; i++) {
        const f = await ws.nextEvent(s.id);
        frames.push(f);
        ws.send({ type: "ack", deliveryId: f.deliveryId });
      }
      expect(frames.map((f) => [f.event.id, f.seq, f.tenant, f.attempt])).toEqual(
        events.slice(1).map((e) => [e.id, e.seq, tenant, 1]),
      );
      await sleep(300);
      expect(ws.queue.filter((f) => f.type === "event")).toEqual([]);
    } finally {
      ws.ws.close();
    }
    await api("DELETE", `/api/subscriptions/${s.id}`);
  });
});

describe("reset", () => {
  it("to a time while paused (a member connected): after resume, delivery restarts at the first event stored at or after it", async () => {
    const tenant = `spr-${randomUUID().slice(0, 8)}`;
    const type = `com.anumate.spr${randomUUID().slice(0, 6)}.x`;
    const s = await createSub({ tenant, types: [type], target: { type: "internal" } });
    const m = await collect(s.id);
    const e1 = await publish(tenant, type);
    const e2 = await publish(tenant, type);
    await sleep(30);
    const e3 = await publish(tenant, type);
    const e4 = await publish(tenant, type);
    await until(() => m.got.length === 4, 10_000, "first delivery");
    expect(m.got).toEqual(view([e1, e2, e3, e4]));

    const paused = await api<SubscriptionDto>("POST", `/api/subscriptions/${s.id}/pause`);
    expect(paused.body.state).toBe("paused");
    // a time between e2 and e3 (not any event's own time)
    const t = new Date(Date.parse(await storedAt(e2.seq)) + 1).toISOString();
    expect(Date.parse(t)).toBeLessThanOrEqual(Date.parse(await storedAt(e3.seq)));
    const reset = await api<SubscriptionDto>("POST", `/api/subscriptions/${s.id}/reset`, { to: { time: t } });
    expect(reset.status, JSON.stringify(reset.body)).toBe(200);
    expect(reset.body).toMatchObject({ id: s.id, state: "paused" });
    m.got.length = 0;
    await sleep(400);
    expect(m.got).toEqual([]); // still paused: nothing redelivered yet

    expect((await api<SubscriptionDto>("POST", `/api/subscriptions/${s.id}/resume`)).body.state).toBe("active");
    await until(() => m.got.length >= 2, 10_000, "redelivery after resume");
    await sleep(300);
    expect(m.got).toEqual(view([e3, e4]));

    // and to a time that is exactly an event's stored time: that event is included
    await api("POST", `/api/subscriptions/${s.id}/pause`);
    const exact = await api<SubscriptionDto>("POST", `/api/subscriptions/${s.id}/reset`, {
      to: { time: await storedAt(e4.seq) },
    });
    expect(exact.status).toBe(200);
    m.got.length = 0;
    await api("POST", `/api/subscriptions/${s.id}/resume`);
    await until(() => m.got.length >= 1, 10_000, "redelivery from e4");
    await sleep(300);
    expect(m.got).toEqual(view([e4]));

    // live delivery goes on after it
    const e5 = await publish(tenant, type);
    await until(() => m.got.length >= 2, 10_000, "live event after reset");
    expect(m.got).toEqual(view([e4, e5]));
    m.detach();
    await api("DELETE", `/api/subscriptions/${s.id}`);
  });

  it("is allowed on an active subscription with no members connected, and moves its position", async () => {
    const tenant = `spa-${randomUUID().slice(0, 8)}`;
    const type = `com.anumate.spa${randomUUID().slice(0, 6)}.x`;
    const s = await createSub({ tenant, types: [type], target: { type: "internal" } });
    const first = await collect(s.id);
    const events = [await publish(tenant, type), await publish(tenant, type), await publish(tenant, type)];
    await until(() => first.got.length === 3, 10_000, "first delivery");
    first.detach();
    await until(
      async () => (await api<SubscriptionDto>("GET", `/api/subscriptions/${s.id}`)).body.stats?.members === 0,
      5000,
      "member gone",
    );

    const byTime = await api<SubscriptionDto>("POST", `/api/subscriptions/${s.id}/reset`, {
      to: { time: await storedAt(events[1]?.seq as number) },
    });
    expect(byTime.status, JSON.stringify(byTime.body)).toBe(200);
    expect(byTime.body).toMatchObject({ id: s.id, state: "active" });
    const second = await collect(s.id);
    await until(() => second.got.length >= 2, 10_000, "delivery from the reset time");
    await sleep(300);
    expect(second.got).toEqual(view(events.slice(1)));
    second.detach();

    // a subscription that never had a member, by sequence
    const fresh = await createSub({ tenant, types: [type], target: { type: "internal" } });
    expect((await api<SubscriptionDto>("GET", `/api/subscriptions/${fresh.id}`)).body.stats?.members).toBe(0);
    const bySeq = await api<SubscriptionDto>("POST", `/api/subscriptions/${fresh.id}/reset`, {
      to: { sequence: events[2]?.seq },
    });
    expect(bySeq.status, JSON.stringify(bySeq.body)).toBe(200);
    expect(bySeq.body.state).toBe("active");
    const third = await collect(fresh.id);
    await until(() => third.got.length >= 1, 10_000, "delivery from the reset sequence");
    await sleep(300);
    expect(third.got).toEqual(view(events.slice(2)));
    third.detach();
    for (const id of [s.id, fresh.id]) await api("DELETE", `/api/subscriptions/${id}`);
  });

  it("is refused (409 CONFLICT naming the rule) while active with a connected member, and changes nothing", async () => {
    const tenant = `spc-${randomUUID().slice(0, 8)}`;
    const type = `com.anumate.spc${randomUUID().slice(0, 6)}.x`;

    // an in-process member
    const s = await createSub({ tenant, types: [type], target: { type: "internal" } });
    const m = await collect(s.id);
    const events = [await publish(tenant, type), await publish(tenant, type)];
    await until(() => m.got.length === 2, 10_000, "first delivery");
    expect((await api<SubscriptionDto>("GET", `/api/subscriptions/${s.id}`)).body.stats?.members).toBe(1);
    for (const to of [{ sequence: events[0]?.seq }, { time: await storedAt(events[0]?.seq as number) }]) {
      const refused = await api("POST", `/api/subscriptions/${s.id}/reset`, { to });
      expect(refused.status).toBe(409);
      expect(refused.body).toEqual(conflictBody);
    }
    // the position did not move: nothing is redelivered, the next event comes next
    const next = await publish(tenant, type);
    await until(() => m.got.length >= 3, 10_000, "next event");
    await sleep(300);
    expect(m.got).toEqual(view([...events, next]));
    expect((await api<SubscriptionDto>("GET", `/api/subscriptions/${s.id}`)).body.state).toBe("active");
    m.detach();

    // a WebSocket member: refused while it is connected, allowed once it has disconnected
    const wsSub = await createSub({ tenant, types: [type], target: { type: "websocket" }, startAt: { type: "new" } });
    const ws = await TestWsClient.open(app.wsUrl);
    try {
      await ws.subscribe({ subscription: wsSub.id });
      const refused = await api("POST", `/api/subscriptions/${wsSub.id}/reset`, { to: { sequence: events[0]?.seq } });
      expect(refused.status).toBe(409);
      expect(refused.body).toEqual(conflictBody);
      expect(refused.body.error).toMatchObject({ message: expect.stringContaining(wsSub.id) });
    } finally {
      ws.ws.close();
    }
    await ws.closed;
    await until(
      async () => (await api<SubscriptionDto>("GET", `/api/subscriptions/${wsSub.id}`)).body.stats?.members === 0,
      5000,
      "WebSocket member gone",
    );
    const ok = await api<SubscriptionDto>("POST", `/api/subscriptions/${wsSub.id}/reset`, { to: { sequence: events[0]?.seq } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const ws2 = await TestWsClient.open(app.wsUrl);
    try {
      await ws2.subscribe({ subscription: wsSub.id, maxInFlight: 1 });
      const got: [unknown, number][] = [];
      for (let i = 0; i < 3; i++) {
        const f = await ws2.nextEvent(wsSub.id);
        got.push([f.event.id, f.seq]);
        ws2.send({ type: "ack", deliveryId: f.deliveryId });
      }
      expect(got).toEqual([...events, next].map((e) => [e.id, e.seq]));
    } finally {
      ws2.ws.close();
    }
    for (const id of [s.id, wsSub.id]) await api("DELETE", `/api/subscriptions/${id}`);
  });
});
