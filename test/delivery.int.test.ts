import { randomUUID } from "node:crypto";
import { jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { describe, expect, it } from "vitest";
import type { SubscriptionDto } from "../lib/contracts/subscriptions";
import { systemCtx } from "../server/core/context";
import { RejectEvent } from "../server/core/delivery/members";
import { withTestApp } from "../server/testing/app-hooks";
import { startTestApp, testConfig } from "../server/testing/fixtures";
import { apiClient, sleep, until } from "../server/testing/http";
import { startPushTarget } from "../server/testing/push-target";

const app = withTestApp(() => testConfig({ MAX_DELIVER_ATTEMPTS: "3" }));
const ctx = systemCtx("test");

const api = apiClient(() => app.url);

async function createSub(def: Record<string, unknown>, base = app.url): Promise<SubscriptionDto> {
  const r = await api<SubscriptionDto>("POST", "/api/subscriptions", { name: `s-${randomUUID().slice(0, 8)}`, ...def }, base);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

async function publish(type: string, extra: Record<string, unknown> = {}, base = app.url) {
  const id = randomUUID();
  const r = await api<{ seq: number }>("POST", "/api/events", undefined, base).catch(() => undefined);
  void r;
  const res = await fetch(`${base}/api/events`, {
    method: "POST",
    headers: { "content-type": "application/cloudevents+json" },
    body: JSON.stringify({ specversion: "1.0", id, source: "/tests/delivery", type, data: { id }, ...extra }),
  });
  expect(res.status).toBe(202);
  return { id, seq: ((await res.json()) as { seq: number }).seq };
}

async function deadLetters(): Promise<
  {
    id: string;
    record: {
      reason: string;
      attempts: { attempt: number; status?: number; message: string }[];
      originalSeq: number;
      subscription: string;
    };
  }[]
> {
  const nc = await connect({ servers: app.config.NATS_URL });
  try {
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(app.config.DEAD_LETTER_STREAM);
    const out = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(app.config.DEAD_LETTER_STREAM, { seq });
      if (m) out.push({ id: m.header.get("ce-id"), record: JSON.parse(m.header.get("Anumate-Dead-Letter")) });
    }
    return out;
  } finally {
    await nc.close();
  }
}

describe("subscriptions API", () => {
  it("creates with defaults filled, lists, gets with stats, patches, deletes", async () => {
    const s = await createSub({ types: ["com.anumate.capsule.*"], target: { type: "internal" } });
    expect(s).toMatchObject({
      state: "active",
      maxInFlight: 100,
      startAt: { type: "new" },
      retry: { maxAttempts: 3, jitter: 0.2 },
      queueGroup: s.name,
    });
    expect(s.stats).toMatchObject({ pending: 0, ackPending: 0, circuit: "closed" });
    const list = await api<{ items: SubscriptionDto[] }>("GET", "/api/subscriptions");
    expect(list.body.items.map((x) => x.id)).toContain(s.id);
    const patched = await api<SubscriptionDto>("PATCH", `/api/subscriptions/${s.id}`, {
      types: ["com.anumate.policy.>"],
      maxInFlight: 5,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ types: ["com.anumate.policy.>"], maxInFlight: 5 });
    expect((await api("DELETE", `/api/subscriptions/${s.id}`)).status).toBe(204);
    expect((await api("GET", `/api/subscriptions/${s.id}`)).status).toBe(404);
    // its consumer is gone too
    const nc = await connect({ servers: app.config.NATS_URL });
    const jsm = await jetstreamManager(nc);
    await expect(jsm.consumers.info(app.config.STREAM_NAME, s.id)).rejects.toThrow();
    await nc.close();
  });

  it("validates with field-level errors and refuses duplicate names", async () => {
    const bad = await api<{ error: { details: { field: string }[] } }>("POST", "/api/subscriptions", {
      name: "has space",
      types: ["a.>.b"],
      target: { type: "push", url: "ftp://x" },
      retry: { maxAttempts: 0, jitter: 2 },
      filters: [{ exact: { "Bad-Attr": "x" } }],
    });
    expect(bad.status).toBe(400);
    const fields = bad.body.error.details.map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(["name", "types.0", "target.url", "retry.maxAttempts", "retry.jitter"]));
    expect(fields.some((f) => f.startsWith("filters.0"))).toBe(true);
    const deep = { not: { not: { not: { not: { not: { not: { exact: { type: "x" } } } } } } } };
    const tooDeep = await api("POST", "/api/subscriptions", { name: "deep", target: { type: "internal" }, filters: [deep] });
    expect(tooDeep.status).toBe(400);
    const s = await createSub({ target: { type: "internal" } });
    const dup = await api<{ error: { code: string } }>("POST", "/api/subscriptions", {
      name: s.name,
      target: { type: "internal" },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe("CONFLICT");
    // the name is what is refused, not the queue group it also takes by default
    expect((dup.body.error as { details?: { field: string }[] }).details?.[0]?.field).toBe("name");
    expect((await api("GET", "/api/subscriptions/sub_nope")).status).toBe(404);
  });

  it("lists subscriptions a page at a time (limit, cursor), each once", async () => {
    for (let i = 0; i < 3; i++) await createSub({ target: { type: "internal" } });
    type Page = { items: { id: string }[]; next: string | null };
    const all = await api<Page>("GET", "/api/subscriptions?limit=1000");
    expect(all.body.next).toBeNull();
    expect(all.body.items.length).toBeGreaterThanOrEqual(3);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: Page } = await api<Page>(
        "GET",
        `/api/subscriptions?limit=2${cursor === null ? "" : `&cursor=${cursor}`}`,
      );
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((s) => s.id));
      cursor = page.body.next;
    } while (cursor !== null);
    expect(seen).toEqual(all.body.items.map((s) => s.id));
    const bad = await api<{ error: { details: { field: string }[] } }>("GET", "/api/subscriptions?limit=0&cursor=x");
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d) => d.field).sort()).toEqual(["cursor", "limit"]);
  });

  it("refuses a queue group that is another subscription's (it would get every event again, not a share)", async () => {
    const s = await createSub({ target: { type: "internal" } });
    expect(s.queueGroup).toBe(s.name);
    type Err = { error: { code: string; details: { field: string; rule: string }[] } };
    const taken = await api<Err>("POST", "/api/subscriptions", {
      name: `${s.name}-b`,
      queueGroup: s.name,
      target: { type: "internal" },
    });
    expect(taken.status).toBe(409);
    expect(taken.body.error.details).toEqual([{ field: "queueGroup", rule: expect.stringContaining(s.id) }]);
    const other = await createSub({ target: { type: "internal" }, queueGroup: `${s.name}-own` });
    const patched = await api<Err>("PATCH", `/api/subscriptions/${other.id}`, { queueGroup: s.name });
    expect(patched.status).toBe(409);
    expect(patched.body.error.details[0]?.field).toBe("queueGroup");
    // its own group, unchanged, is fine
    expect((await api("PATCH", `/api/subscriptions/${other.id}`, { queueGroup: `${s.name}-own`, maxInFlight: 5 })).status).toBe(
      200,
    );
  });
});

describe("in-process delivery", () => {
  it("with maxInFlight 1, delivers a live event after a quiet spell at once (an idle redelivery stream holds no slot)", async () => {
    const type = `com.anumate.quiet${randomUUID().slice(0, 6)}.done`;
    const s = await createSub({ types: [type], target: { type: "internal" }, maxInFlight: 1 });
    const got: number[] = [];
    const detach = await app.container.subscriptions.attachHandler({
      ctx: systemCtx(),
      input: {
        id: s.id,
        handler: async () => {
          got.push(performance.now());
        },
      },
    });
    try {
      await sleep(1500); // every pull of the subscription has come back empty by now
      const delays: number[] = [];
      for (let i = 0; i < 3; i++) {
        const published = performance.now();
        await publish(type);
        await until(() => got.length === i + 1, 5000);
        delays.push((got[i] as number) - published);
        await sleep(400);
      }
      // before, the redelivery stream's idle pull held the only slot for up to a second
      expect(Math.max(...delays), delays.map((d) => d.toFixed(0)).join(", ")).toBeLessThan(300);
    } finally {
      await detach();
    }
  });

  it("a resolving handler acknowledges; a throwing one is retried; a rejecting one is dead-lettered at once", async () => {
    const type = `com.anumate.inproc${randomUUID().slice(0, 6)}.done`;
    const s = await createSub({
      types: [type],
      target: { type: "internal" },
      retry: { maxAttempts: 3, initialDelayMs: 50, maxDelayMs: 100 },
    });
    const seen: { id: string; attempt: number }[] = [];
    const detach = await app.container.subscriptions.attachHandler({
      ctx,
      input: {
        id: s.id,
        handler: (e, info) => {
          seen.push({ id: e.id, attempt: info.attempt });
          const mode = (e.data as { value: { mode: string } } | undefined)?.value?.mode ?? (e.extensions.mode as string);
          if (mode === "flaky" && info.attempt < 2) throw new Error("try again");
          if (mode === "poison") throw new RejectEvent("cannot parse");
        },
      },
    });
    const ok = await publish(type, { mode: "ok" });
    const flaky = await publish(type, { mode: "flaky" });
    const poison = await publish(type, { mode: "poison" });
    await until(() => seen.filter((x) => x.id === flaky.id).length === 2 && seen.some((x) => x.id === poison.id));
    await until(async () => (await deadLetters()).some((d) => d.id === poison.id));
    expect(seen.filter((x) => x.id === ok.id).map((x) => x.attempt)).toEqual([1]);
    expect(seen.filter((x) => x.id === flaky.id).map((x) => x.attempt)).toEqual([1, 2]);
    expect(seen.filter((x) => x.id === poison.id).map((x) => x.attempt)).toEqual([1]);
    const dl = (await deadLetters()).find((d) => d.id === poison.id);
    expect(dl?.record).toMatchObject({ reason: "rejected", subscription: s.id, originalSeq: poison.seq });
    detach();
  });

  it("skips events the attribute filters reject, acknowledged and not counted as deliveries", async () => {
    const type = `com.anumate.filter${randomUUID().slice(0, 6)}.x`;
    const s = await createSub({
      types: [type],
      target: { type: "internal" },
      filters: [{ any: [{ exact: { subject: "keep" } }, { prefix: { region: "eu-" } }] }],
    });
    const got: string[] = [];
    const detach = await app.container.subscriptions.attachHandler({
      ctx,
      input: { id: s.id, handler: (e) => void got.push(e.id) },
    });
    const keep1 = await publish(type, { subject: "keep" });
    await publish(type, { subject: "drop" });
    const keep2 = await publish(type, { region: "eu-west" });
    await publish(type, { region: "us-east" });
    await until(
      async () => (await api<SubscriptionDto>("GET", `/api/subscriptions/${s.id}`)).body.stats?.pending === 0 && got.length >= 2,
    );
    await sleep(200);
    expect(got.sort()).toEqual([keep1.id, keep2.id].sort());
    const st = (await api<SubscriptionDto>("GET", `/api/subscriptions/${s.id}`)).body.stats;
    expect(st?.delivered).toBe(2);
    expect(st?.ackPending).toBe(0);
    detach();
  });

  it("pause stops delivery (events wait in the stream) and resume delivers them", async () => {
    const type = `com.anumate.pause${randomUUID().slice(0, 6)}.x`;
    const s = await createSub({ types: [type], target: { type: "internal" } });
    const got: string[] = [];
    const detach = await app.container.subscriptions.attachHandler({
      ctx,
      input: { id: s.id, handler: (e) => void got.push(e.id) },
    });
    expect((await api("POST", `/api/subscriptions/${s.id}/pause`)).body).toMatchObject({ state: "paused" });
    const a = await publish(type);
    await sleep(500);
    expect(got).toEqual([]);
    const st = (await api<SubscriptionDto>("GET", `/api/subscriptions/${s.id}`)).body.stats;
    expect((st?.pending ?? 0) + (st?.ackPending ?? 0)).toBe(1); // waiting in the stream
    expect((await api("POST", `/api/subscriptions/${s.id}/resume`)).body).toMatchObject({ state: "active" });
    await until(() => got.includes(a.id));
    detach();
  });
});

describe("HTTP push", () => {
  it("POSTs each event in binary mode with delivery headers; 2xx acknowledges", async () => {
    const target = await startPushTarget(() => ({ status: 204 }));
    try {
      const type = `com.anumate.push${randomUUID().slice(0, 6)}.ok`;
      await createSub({ types: [type], target: { type: "push", url: target.url } });
      const e = await publish(type, { tenantid: "acme" });
      await until(() => target.received.length === 1);
      await sleep(200);
      expect(target.received).toHaveLength(1);
      const h = target.received[0]?.headers ?? {};
      expect(h).toMatchObject({
        "ce-id": e.id,
        "ce-type": type,
        "ce-specversion": "1.0",
        "ce-tenantid": "acme",
        "anumate-attempt": "1",
        "content-type": "application/json",
      });
      expect(h["anumate-delivery-id"]).toBeTruthy();
      expect(JSON.parse(target.received[0]?.body.toString() ?? "")).toEqual({ id: e.id });
    } finally {
      await target.close();
    }
  });

  it("retries 5xx with exponential backoff within tolerance, then succeeds when the target recovers", async () => {
    const target = await startPushTarget((_, n) => ({ status: n <= 3 ? 503 : 200 }));
    try {
      const type = `com.anumate.push${randomUUID().slice(0, 6)}.backoff`;
      await createSub({
        types: [type],
        target: { type: "push", url: target.url },
        retry: { maxAttempts: 6, initialDelayMs: 200, multiplier: 2, maxDelayMs: 5000, jitter: 0 },
      });
      await publish(type);
      await until(() => target.received.length === 4);
      const gaps = target.received.slice(1).map((r, i) => r.at - (target.received[i]?.at ?? 0));
      const expected = [200, 400, 800];
      gaps.forEach((g, i) => {
        expect(g).toBeGreaterThanOrEqual((expected[i] ?? 0) - 20);
        expect(g).toBeLessThan((expected[i] ?? 0) + 250);
      });
      expect(target.received.map((r) => r.headers["anumate-attempt"])).toEqual(["1", "2", "3", "4"]);
      await sleep(300);
      expect(target.received).toHaveLength(4);
    } finally {
      await target.close();
    }
  });

  it("honours Retry-After on 429", async () => {
    const target = await startPushTarget((_, n) =>
      n === 1 ? { status: 429, headers: { "retry-after": "1" } } : { status: 200 },
    );
    try {
      const type = `com.anumate.push${randomUUID().slice(0, 6)}.ra`;
      await createSub({
        types: [type],
        target: { type: "push", url: target.url },
        retry: { initialDelayMs: 50, maxDelayMs: 5000 },
      });
      await publish(type);
      await until(() => target.received.length === 2);
      const gap = (target.received[1]?.at ?? 0) - (target.received[0]?.at ?? 0);
      expect(gap).toBeGreaterThanOrEqual(980);
      expect(gap).toBeLessThan(1500);
    } finally {
      await target.close();
    }
  });

  it("makes exactly maxAttempts attempts, then dead-letters with each attempt's error", async () => {
    const target = await startPushTarget(() => ({ status: 500 }));
    try {
      const type = `com.anumate.push${randomUUID().slice(0, 6)}.dead`;
      const s = await createSub({
        types: [type],
        target: { type: "push", url: target.url },
        retry: { maxAttempts: 4, initialDelayMs: 30, maxDelayMs: 60 },
      });
      const e = await publish(type);
      await until(async () => (await deadLetters()).some((d) => d.id === e.id));
      await sleep(300);
      expect(target.received).toHaveLength(4);
      const dl = (await deadLetters()).find((d) => d.id === e.id);
      expect(dl?.record).toMatchObject({ reason: "max-attempts", subscription: s.id, originalSeq: e.seq });
      expect(dl?.record.attempts.map((a) => [a.attempt, a.status])).toEqual([
        [1, 500],
        [2, 500],
        [3, 500],
        [4, 500],
      ]);
      const st = (await api<SubscriptionDto>("GET", `/api/subscriptions/${s.id}`)).body.stats;
      expect(st).toMatchObject({ pending: 0, ackPending: 0, lastError: { status: 500 } });
    } finally {
      await target.close();
    }
  });

  it("dead-letters other 4xx at once, and timeouts are retried", async () => {
    const target = await startPushTarget(async (r) => {
      if (r.headers["ce-subject"] === "slow" && r.headers["anumate-attempt"] === "1") await sleep(700);
      return { status: r.headers["ce-subject"] === "bad" ? 422 : 200 };
    });
    try {
      const type = `com.anumate.push${randomUUID().slice(0, 6)}.4xx`;
      await createSub({
        types: [type],
        target: { type: "push", url: target.url, timeoutMs: 300 },
        retry: { initialDelayMs: 50, maxDelayMs: 100 },
      });
      const bad = await publish(type, { subject: "bad" });
      const slow = await publish(type, { subject: "slow" });
      await until(async () => (await deadLetters()).some((d) => d.id === bad.id));
      await until(() => target.received.filter((r) => r.headers["ce-id"] === slow.id).length === 2);
      expect(target.received.filter((r) => r.headers["ce-id"] === bad.id)).toHaveLength(1);
      expect((await deadLetters()).find((d) => d.id === bad.id)?.record).toMatchObject({
        reason: "rejected",
        attempts: [{ status: 422 }],
      });
    } finally {
      await target.close();
    }
  });

  it("opens the circuit after N failures, spends no attempts while open, probes after the cooldown and closes", async () => {
    let healthy = false;
    const target = await startPushTarget(() => ({ status: healthy ? 200 : 503 }));
    try {
      const type = `com.anumate.push${randomUUID().slice(0, 6)}.cb`;
      const s = await createSub({
        types: [type],
        target: { type: "push", url: target.url },
        maxInFlight: 1,
        retry: { maxAttempts: 50, initialDelayMs: 20, maxDelayMs: 20 },
        circuit: { failureThreshold: 3, cooldownMs: 1500 },
      });
      const events = [await publish(type), await publish(type), await publish(type)];
      await until(() => target.received.length >= 3);
      await until(
        async () => (await api<SubscriptionDto>("GET", `/api/subscriptions/${s.id}`)).body.stats?.circuit === "open",
        3000,
      );
      const whenOpen = target.received.length;
      await sleep(1000); // inside the cooldown: nothing is attempted
      expect(target.received.length).toBe(whenOpen);
      healthy = true;
      await until(
        () =>
          events.every((e) =>
            target.received.some((r) => r.headers["ce-id"] === e.id && r.headers["anumate-attempt"] !== undefined),
          ) && target.received.length >= whenOpen + 3,
        5000,
      );
      await until(async () => (await api<SubscriptionDto>("GET", `/api/subscriptions/${s.id}`)).body.stats?.circuit === "closed");
      await until(async () => (await api<SubscriptionDto>("GET", `/api/subscriptions/${s.id}`)).body.stats?.pending === 0);
      // the probe after the cooldown came at least 1.5 s after the circuit opened
      const opened = target.received[whenOpen - 1]?.at ?? 0;
      expect((target.received[whenOpen]?.at ?? 0) - opened).toBeGreaterThanOrEqual(1400);
    } finally {
      await target.close();
    }
  });
});

describe("replicas on one NATS", () => {
  it("three replicas share a queue group's events: each handled exactly once, every replica gets some", async () => {
    const others = [await startTestApp(app.config), await startTestApp(app.config)];
    try {
      const type = `com.anumate.qg${randomUUID().slice(0, 6)}.x`;
      const s = await createSub({ types: [type], target: { type: "internal" } });
      const handled = new Map<string, number[]>();
      const detaches = await Promise.all(
        [app, ...others].map((a, replica) =>
          a.container.subscriptions.attachHandler({
            ctx,
            input: {
              id: s.id,
              handler: async (e) => {
                handled.set(e.id, [...(handled.get(e.id) ?? []), replica]);
                await sleep(5);
              },
            },
          }),
        ),
      );
      const ids: string[] = [];
      for (let i = 0; i < 150; i++) ids.push((await publish(type)).id);
      await until(() => ids.every((id) => handled.has(id)), 20_000);
      await sleep(300);
      expect([...handled.values()].every((r) => r.length === 1)).toBe(true);
      const per = [0, 1, 2].map((r) => [...handled.values()].filter((x) => x[0] === r).length);
      expect(per.every((n) => n > 0)).toBe(true);
      for (const d of detaches) d();
    } finally {
      for (const o of others) await o.stop();
    }
  });

  it("a replica that dies mid-work leaves its events to the others (every event handled)", async () => {
    const doomed = await startTestApp(app.config);
    const type = `com.anumate.die${randomUUID().slice(0, 6)}.x`;
    const s = await createSub({ types: [type], target: { type: "internal" }, retry: { ackWaitMs: 1500 }, maxInFlight: 10 });
    const done = new Set<string>();
    await doomed.container.subscriptions.attachHandler({ ctx, input: { id: s.id, handler: () => new Promise(() => {}) } }); // never finishes
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await publish(type)).id);
    await until(async () => ((await api<SubscriptionDto>("GET", `/api/subscriptions/${s.id}`)).body.stats?.ackPending ?? 0) >= 5);
    // the doomed replica loses its NATS connection without acknowledging anything
    await doomed.container.nats.nc.close();
    await doomed.http.close(100);
    const detach = await app.container.subscriptions.attachHandler({
      ctx,
      input: { id: s.id, handler: (e) => void done.add(e.id) },
    });
    await until(() => ids.every((id) => done.has(id)), 15_000, "redelivery to the surviving replica");
    detach();
  });

  it("a restarted service resumes each durable subscription where it was", async () => {
    const type = `com.anumate.restart${randomUUID().slice(0, 6)}.x`;
    const first = await startTestApp(app.config);
    const s = await createSub({ types: [type], target: { type: "internal" } }, first.url);
    const got1: string[] = [];
    await first.container.subscriptions.attachHandler({ ctx, input: { id: s.id, handler: (e) => void got1.push(e.id) } });
    const before = await publish(type, {}, first.url);
    await until(() => got1.includes(before.id));
    await first.stop();
    const during = [await publish(type), await publish(type)]; // published while that replica is down (through another)
    const second = await startTestApp(app.config);
    try {
      const got2: string[] = [];
      await second.container.subscriptions.attachHandler({ ctx, input: { id: s.id, handler: (e) => void got2.push(e.id) } });
      await until(() => during.every((d) => got2.includes(d.id)));
      await sleep(200);
      expect(got2).toEqual(during.map((d) => d.id));
    } finally {
      await second.stop();
    }
  });
});
