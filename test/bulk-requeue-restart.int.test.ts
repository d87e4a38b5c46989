import { randomUUID } from "node:crypto";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SubscriptionDto } from "../lib/contracts/subscriptions";
import { createDeadLetterStore, createRedelivery } from "../server/adapters/nats/recovery";
import { systemCtx } from "../server/core/context";
import { requeueCopy } from "../server/core/recovery/dead-letters";
import { cleanup, configEnv, startTestApp, type TestApp, testConfig } from "../server/testing/fixtures";
import { apiClient, sleep, until } from "../server/testing/http";
import { startChildApp } from "../server/testing/processes";

/**
 * A bulk requeue whose replica is killed (-9) half-way, then the service started again: the job is
 * reported interrupted and not resumed, no dead letter is lost, and requeueing the rest hands every
 * event to the subscription exactly once (a requeue's copy is deduplicated by the dead letter's id,
 * docs/api.md "Dead letters").
 */

type Child = Awaited<ReturnType<typeof startChildApp>>;
type JobStatus = { state: string; done: number; total: number; failed: number; position: number | null };
type DlPage = { items: { id: string; event: { id: string } }[]; next: string | null; total: number };

const N = 300;
let app: TestApp;
const children: Child[] = [];
const ctx = systemCtx("test");

beforeAll(async () => {
  // the duplicate window covers the whole test: a second requeue of an entry copied before the kill is deduplicated
  app = await startTestApp(testConfig({ DUPLICATE_WINDOW: "600" }));
});
afterAll(async () => {
  await Promise.all(children.map((c) => c.kill("SIGKILL")));
  await app?.stop();
  if (app) await cleanup(app.config);
});

const api = apiClient(() => app.url);

async function startChild(): Promise<Child> {
  const child = await startChildApp({ ...configEnv(app.config), API_PORT: "0", LOG_LEVEL: "silent" });
  children.push(child);
  return child;
}

async function jobStatus(id: string, base = app.url): Promise<JobStatus> {
  const r = await api<JobStatus>("GET", `/api/jobs/${id}`, undefined, base);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

/** Every dead letter of the subscription: event id → dead-letter seqs (an event listed twice shows as two). */
async function deadLetters(subscription: string, base = app.url): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  let cursor: string | null = null;
  do {
    const r: { status: number; body: DlPage } = await api<DlPage>(
      "GET",
      `/api/dead-letters?subscription=${subscription}&limit=1000${cursor ? `&cursor=${cursor}` : ""}`,
      undefined,
      base,
    );
    expect(r.status).toBe(200);
    for (const i of r.body.items) out.set(i.event.id, [...(out.get(i.event.id) ?? []), Number(i.id)]);
    cursor = r.body.next;
  } while (cursor);
  return out;
}

/**
 * What a kill between the two steps of requeueing one entry leaves behind: its copy stored (as the
 * requeue stores it, with the same deduplication id) and the entry still in the dead-letter stream.
 */
async function copyWithoutRemoving(seqs: number[]): Promise<void> {
  const js = jetstream(app.container.nats.nc);
  const store = createDeadLetterStore({
    js,
    jsm: await jetstreamManager(app.container.nats.nc),
    stream: app.config.DEAD_LETTER_STREAM,
    subjectPrefix: app.config.SUBJECT_PREFIX,
    log: () => {},
  });
  const redelivery = createRedelivery({ js, subjectPrefix: app.config.SUBJECT_PREFIX, timeoutMs: 10_000 });
  for (const seq of seqs) {
    const e = await store.get(seq);
    if (!e) throw new Error(`no dead letter ${seq}`);
    await redelivery.send([requeueCopy(e, app.config.DEAD_LETTER_STREAM)]);
  }
}

const twice = (handled: Map<string, number>) => [...handled].filter(([, n]) => n > 1).map(([id]) => id);

describe("bulk requeue across a kill -9 and a restart", () => {
  it("is reported interrupted and not resumed; no entry is lost, and requeueing the rest hands each event once", async () => {
    const type = `com.anumate.brr${randomUUID().slice(0, 6)}.x`;
    const sr = await api<SubscriptionDto>("POST", "/api/subscriptions", {
      name: `s-${randomUUID().slice(0, 8)}`,
      types: [type],
      target: { type: "internal" },
      retry: { maxAttempts: 1 },
      circuit: { failureThreshold: 1000 }, // keep the circuit closed while every event fails
      maxInFlight: 100,
    });
    expect(sr.status, JSON.stringify(sr.body)).toBe(201);
    const sub = sr.body;

    // its only member is here: it fails every event (one attempt: dead-lettered), then records what it handles
    let failing = true;
    const handled = new Map<string, number>();
    await app.container.subscriptions.attachHandler({
      ctx,
      input: {
        id: sub.id,
        handler: (e) => {
          if (failing) throw new Error("down");
          handled.set(e.id, (handled.get(e.id) ?? 0) + 1);
        },
      },
    });
    const ids = Array.from({ length: N }, () => randomUUID());
    const pub = await fetch(`${app.url}/api/events`, {
      method: "POST",
      headers: { "content-type": "application/cloudevents-batch+json" },
      body: JSON.stringify(
        ids.map((id, i) => ({ specversion: "1.0", id, source: "/tests/bulk-requeue-restart", type, data: { i } })),
      ),
    });
    expect(pub.status).toBe(202);
    await until(async () => (await deadLetters(sub.id)).size === N, 20_000, `${N} dead letters`);
    const original = await deadLetters(sub.id);
    expect([...original.keys()].sort()).toEqual([...ids].sort());
    expect([...original.values()].every((seqs) => seqs.length === 1)).toBe(true);
    failing = false;

    // a bulk requeue in a child replica, slow (chunks of 50, one a second), killed once some of it is saved
    const first = await startChild();
    const job = await api<{ jobId: string; count: number }>(
      "POST",
      "/api/dead-letters/requeue",
      { filter: { subscription: sub.id }, ratePerSec: 50 },
      first.url,
    );
    expect(job.status, JSON.stringify(job.body)).toBe(202);
    expect(job.body.count).toBe(N);
    const jobId = job.body.jobId;
    // read here: the stored record (the child answers from memory)
    await until(async () => (await jobStatus(jobId)).done >= 50, 10_000, "first chunk saved");
    await first.kill("SIGKILL");
    const atKill = await jobStatus(jobId);
    expect(atKill.state).toBe("running");
    expect(atKill.done).toBeLessThan(N);

    // the same service starts again
    const second = await startChild();
    await until(async () => (await jobStatus(jobId, second.url)).state === "interrupted", 20_000, "interrupted");
    const st = await jobStatus(jobId, second.url);
    expect(st).toMatchObject({ total: N, failed: 0 });
    expect(st.done).toBeGreaterThanOrEqual(atKill.done);
    expect(st.done).toBeLessThan(N);
    expect(st.position).not.toBeNull();
    // copies stored before the kill have long been handled (interrupted is reported 10 s after the last heartbeat)
    const handledAtInterrupt = new Map(handled);
    const listed = await deadLetters(sub.id, second.url);

    // not resumed: nothing moves, whichever replica is asked
    await sleep(2500);
    for (const base of [app.url, second.url])
      expect(await jobStatus(jobId, base)).toMatchObject({ state: "interrupted", done: st.done, position: st.position });
    expect(handled).toEqual(handledAtInterrupt);
    expect(await deadLetters(sub.id)).toEqual(listed);

    // none lost: every event is still dead-lettered or was handled; none was handled twice
    expect(ids.filter((id) => !listed.has(id) && !handled.has(id))).toEqual([]);
    expect(twice(handled)).toEqual([]);
    expect(handled.size).toBeGreaterThanOrEqual(st.done);
    expect(listed.size).toBeGreaterThan(0);
    expect(listed.size).toBeLessThanOrEqual(N - st.done);
    // no entry was listed twice, and nothing outside this subscription's events appeared
    expect([...listed.values()].every((seqs) => seqs.length === 1)).toBe(true);
    expect([...listed.keys()].every((id) => original.has(id))).toBe(true);
    expect([...handled.keys()].every((id) => original.has(id))).toBe(true);
    // the job got as far as its position: every entry up to it left the dead-letter stream
    for (const [id, [seq]] of listed) expect(seq, id).toBeGreaterThan(st.position as number);
    for (const [id, [seq]] of original) if ((seq as number) <= (st.position as number)) expect(handled.has(id), id).toBe(true);

    // the kill lands between chunks (each is stored and removed in a few ms): reproduce one that lands
    // between a copy stored and its entry removed, for a few entries. Such an entry is handled and
    // still listed; requeued again, its copy is not stored again
    const cut = [...listed].slice(0, 5);
    await copyWithoutRemoving(cut.map(([, [seq]]) => seq as number));
    await until(() => cut.every(([id]) => handled.has(id)), 10_000, "copies stored before the cut handled");
    expect(await deadLetters(sub.id)).toEqual(listed);
    expect(twice(handled)).toEqual([]);

    // requeue the rest from the new replica: every event handled, once (a copy already stored is not stored again)
    const rest = await api<{ jobId: string; count: number }>(
      "POST",
      "/api/dead-letters/requeue",
      { filter: { subscription: sub.id }, ratePerSec: 5000 },
      second.url,
    );
    expect(rest.status, JSON.stringify(rest.body)).toBe(202);
    expect(rest.body.count).toBe(listed.size);
    await until(async () => (await jobStatus(rest.body.jobId, second.url)).state === "completed", 15_000, "rest completed");
    expect(await jobStatus(rest.body.jobId)).toMatchObject({ done: listed.size, failed: 0, total: listed.size });
    await until(() => handled.size === N, 15_000, "every event handled");
    await sleep(1500); // a second copy of an entry, if any, would arrive meanwhile
    expect(ids.filter((id) => !handled.has(id))).toEqual([]);
    expect(twice(handled)).toEqual([]);
    expect((await deadLetters(sub.id)).size).toBe(0);
    // the interrupted job stays as it was
    expect(await jobStatus(jobId)).toMatchObject({ state: "interrupted", done: st.done, position: st.position });

    await second.kill("SIGTERM");
  }, 60_000);
});
