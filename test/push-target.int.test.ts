import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { SubscriptionDto } from "../lib/contracts/subscriptions";
import { withTestApp } from "../server/testing/app-hooks";
import { testConfig } from "../server/testing/fixtures";
import { apiClient, sleep, until } from "../server/testing/http";
import { startPushTarget } from "../server/testing/push-target";

/**
 * HTTP push rules not covered by test/delivery.int.test.ts "HTTP push": 408 is retried, an HTTP-date
 * `Retry-After` delays the next attempt, the per-subscription `maxInFlight` bounds the requests open
 * at a target, and a 400 / 404 dead-letters after one attempt as seen through `GET /api/dead-letters`.
 */

const app = withTestApp(() => testConfig({ MAX_DELIVER_ATTEMPTS: "3" }));

const api = apiClient(() => app.url);

async function createSub(def: Record<string, unknown>): Promise<SubscriptionDto> {
  const r = await api<SubscriptionDto>("POST", "/api/subscriptions", {
    name: `s-${randomUUID().slice(0, 8)}`,
    circuit: { failureThreshold: 100 }, // keep the circuit breaker out of these tests
    ...def,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

async function deleteSub(id: string): Promise<void> {
  await api("DELETE", `/api/subscriptions/${id}`);
}

const newType = (what: string) => `com.anumate.pt${randomUUID().slice(0, 6)}.${what}`;

function event(type: string, extra: Record<string, unknown> = {}) {
  const id = randomUUID();
  return { specversion: "1.0", id, source: "/tests/push-target", type, data: { id }, ...extra };
}

async function publish(type: string, extra: Record<string, unknown> = {}) {
  const e = event(type, extra);
  const res = await fetch(`${app.url}/api/events`, {
    method: "POST",
    headers: { "content-type": "application/cloudevents+json" },
    body: JSON.stringify(e),
  });
  expect(res.status).toBe(202);
  return { id: e.id, seq: ((await res.json()) as { seq: number }).seq };
}

/** Publishes n events in one batch, so they are all pending at once. */
async function publishBatch(type: string, n: number): Promise<string[]> {
  const events = Array.from({ length: n }, () => event(type));
  const res = await fetch(`${app.url}/api/events`, {
    method: "POST",
    headers: { "content-type": "application/cloudevents-batch+json" },
    body: JSON.stringify(events),
  });
  expect(res.status).toBe(202);
  return events.map((e) => e.id);
}

type DlItem = {
  id: string;
  event: { id: string };
  subscription: string;
  reason: string;
  attempts: number;
  lastError: { message: string; status?: number };
  originalSeq: number;
  errors?: { attempt: number; at: string; message: string; status?: number }[];
};

async function deadLetters(subscription: string): Promise<{ items: DlItem[]; total: number }> {
  const r = await api<{ items: DlItem[]; total: number }>("GET", `/api/dead-letters?subscription=${subscription}`);
  expect(r.status).toBe(200);
  return r.body;
}

async function stats(id: string) {
  return (await api<SubscriptionDto>("GET", `/api/subscriptions/${id}`)).body.stats;
}

describe("HTTP push target", () => {
  it("retries a 408 with backoff (not dead-lettered) and acknowledges once the target answers 2xx", async () => {
    const target = await startPushTarget((_, n) => ({ status: n <= 2 ? 408 : 200 }));
    let sub: SubscriptionDto | undefined;
    try {
      const type = newType("timeout");
      sub = await createSub({
        types: [type],
        target: { type: "push", url: target.url },
        retry: { maxAttempts: 5, initialDelayMs: 100, multiplier: 2, maxDelayMs: 1000, jitter: 0 },
      });
      const e = await publish(type);
      await until(() => target.received.length === 3, 10_000, "three attempts");
      expect(target.received.map((r) => r.headers["ce-id"])).toEqual([e.id, e.id, e.id]);
      expect(target.received.map((r) => r.headers["anumate-attempt"])).toEqual(["1", "2", "3"]);
      // the retries waited for the backoff (100 ms, then 200 ms)
      const gaps = target.received.slice(1).map((r, i) => r.at - (target.received[i]?.at ?? 0));
      expect(gaps[0]).toBeGreaterThanOrEqual(90);
      expect(gaps[1]).toBeGreaterThanOrEqual(190);
      // acknowledged: nothing pending, no further attempt, and no dead letter
      const id = sub.id;
      await until(async () => {
        const st = await stats(id);
        return st?.pending === 0 && st.ackPending === 0 && st.delivered === 1;
      });
      await sleep(500);
      expect(target.received).toHaveLength(3);
      expect((await deadLetters(id)).total).toBe(0);
      expect(await stats(id)).toMatchObject({ pending: 0, ackPending: 0, delivered: 1 });
    } finally {
      if (sub) await deleteSub(sub.id);
      await target.close();
    }
  });

  it("honours Retry-After given as an HTTP date", async () => {
    // an HTTP date has whole seconds: the next whole second plus 2 s is 2–3 s away
    let retryAt = 0;
    const target = await startPushTarget((_, n) => {
      if (n > 1) return { status: 200 };
      retryAt = Math.ceil(Date.now() / 1000) * 1000 + 2000;
      return { status: 503, headers: { "retry-after": new Date(retryAt).toUTCString() } };
    });
    let sub: SubscriptionDto | undefined;
    try {
      const type = newType("radate");
      sub = await createSub({
        types: [type],
        target: { type: "push", url: target.url },
        // without Retry-After the retry would come after 50 ms
        retry: { maxAttempts: 3, initialDelayMs: 50, multiplier: 2, maxDelayMs: 10_000, jitter: 0 },
      });
      await publish(type);
      await until(() => target.received.length === 2, 8000, "the retry");
      const [first, second] = target.received;
      const gap = (second?.at ?? 0) - (first?.at ?? 0);
      expect(gap).toBeGreaterThanOrEqual(1950);
      // not before the date given (small tolerance for rounding), and not absurdly after it
      expect(second?.at ?? 0).toBeGreaterThanOrEqual(retryAt - 50);
      expect((second?.at ?? 0) - retryAt).toBeLessThan(1000);
      expect(second?.headers["anumate-attempt"]).toBe("2");
      const id = sub.id;
      await until(async () => (await stats(id))?.delivered === 1);
      expect(target.received).toHaveLength(2);
    } finally {
      if (sub) await deleteSub(sub.id);
      await target.close();
    }
  });

  it("keeps at most maxInFlight requests open at a target, and uses all of them", async () => {
    const HOLD_MS = 250;
    // Enough events that each target stays busy for several rounds. The third subscription is created
    // with 2 and raised to 4 by PATCH: the running target takes the new limit.
    const cases: { limit: number; n: number; createdWith?: number }[] = [
      { limit: 2, n: 12 },
      { limit: 5, n: 40 },
      { limit: 4, n: 32, createdWith: 2 },
    ];
    const targets = await Promise.all(
      cases.map(async () => {
        const t = { open: 0, maxOpen: 0 };
        const server = await startPushTarget(async () => {
          t.open++;
          t.maxOpen = Math.max(t.maxOpen, t.open);
          await sleep(HOLD_MS);
          t.open--;
          return { status: 204 };
        });
        return Object.assign(t, { server });
      }),
    );
    const subs: SubscriptionDto[] = [];
    try {
      const types = cases.map(() => newType("conc"));
      for (const [i, c] of cases.entries()) {
        subs.push(
          await createSub({
            types: [types[i]],
            target: { type: "push", url: targets[i]?.server.url, timeoutMs: 5000 },
            maxInFlight: c.createdWith ?? c.limit,
            retry: { maxAttempts: 3, initialDelayMs: 50, maxDelayMs: 100 },
          }),
        );
        if (c.createdWith !== undefined) {
          const patched = await api<SubscriptionDto>("PATCH", `/api/subscriptions/${subs[i]?.id}`, { maxInFlight: c.limit });
          expect(patched.status).toBe(200);
          expect(patched.body.maxInFlight).toBe(c.limit);
        }
      }
      const ids = await Promise.all(cases.map((c, i) => publishBatch(types[i] as string, c.n)));
      await until(() => targets.every((t, i) => t.server.received.length >= (cases[i]?.n ?? 0)), 15_000, "every event delivered");
      for (const [i, c] of cases.entries()) {
        const t = targets[i];
        // never more than the limit at once, and the limit reached: it is the limit that bounds it
        expect(t?.maxOpen, `maxInFlight ${c.limit}`).toBe(c.limit);
        // each event once, on the first attempt (none timed out or was retried)
        expect(t?.server.received.map((r) => r.headers["ce-id"]).sort()).toEqual([...(ids[i] ?? [])].sort());
        expect(t?.server.received.every((r) => r.headers["anumate-attempt"] === "1")).toBe(true);
      }
      // the smaller limit paced its target: at least n / limit rounds of HOLD_MS
      const small = cases[0] as { limit: number; n: number };
      const r0 = targets[0]?.server.received ?? [];
      expect((r0[r0.length - 1]?.at ?? 0) - (r0[0]?.at ?? 0)).toBeGreaterThanOrEqual((small.n / small.limit - 1) * HOLD_MS - 50);
      for (const s of subs) {
        const id = s.id;
        await until(async () => {
          const st = await stats(id);
          return st?.pending === 0 && st.ackPending === 0;
        });
      }
    } finally {
      for (const s of subs) await deleteSub(s.id);
      for (const t of targets) await t.server.close();
    }
  });

  it("dead-letters a 400 or 404 after exactly one attempt, with the status in the attempt record", async () => {
    const target = await startPushTarget((r) => ({ status: r.headers["ce-subject"] === "gone" ? 404 : 400 }));
    let sub: SubscriptionDto | undefined;
    try {
      const type = newType("reject");
      sub = await createSub({
        types: [type],
        target: { type: "push", url: target.url },
        retry: { maxAttempts: 5, initialDelayMs: 50, maxDelayMs: 100 },
      });
      const id = sub.id;
      const bad = await publish(type, { subject: "bad" });
      const gone = await publish(type, { subject: "gone" });
      await until(async () => (await deadLetters(id)).total === 2, 10_000, "two dead letters");
      await sleep(400); // time enough for a retry, were there one
      for (const [e, status] of [
        [bad, 400],
        [gone, 404],
      ] as const) {
        expect(target.received.filter((r) => r.headers["ce-id"] === e.id)).toHaveLength(1);
        const item = (await deadLetters(id)).items.find((i) => i.event.id === e.id);
        expect(item).toMatchObject({
          subscription: id,
          reason: "rejected",
          attempts: 1,
          lastError: { status },
          originalSeq: e.seq,
        });
        const one = await api<DlItem>("GET", `/api/dead-letters/${item?.id}`);
        expect(one.status).toBe(200);
        expect(one.body.errors).toHaveLength(1);
        expect(one.body.errors?.[0]).toMatchObject({ attempt: 1, status });
        expect(one.body.errors?.[0]?.message).toContain(String(status));
      }
      expect(target.received).toHaveLength(2);
      expect(await stats(id)).toMatchObject({ pending: 0, ackPending: 0 });
    } finally {
      if (sub) await deleteSub(sub.id);
      await target.close();
    }
  });
});
