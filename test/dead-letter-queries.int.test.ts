import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { SubscriptionDto } from "../lib/contracts/subscriptions";
import { systemCtx } from "../server/core/context";
import type { EventHandler } from "../server/core/delivery/members";
import { withTestApp } from "../server/testing/app-hooks";
import { apiClient, sleep, until } from "../server/testing/http";

/**
 * Dead-letter queries through the HTTP API (docs/api.md "Dead letters"): `q` over the attempts' errors,
 * the `from` / `to` window over the time an entry was dead-lettered, `type` (exact and pattern), and bulk
 * requeue by ids (the bulk requeue by filter is in test/recovery.int.test.ts).
 */

const app = withTestApp();
const ctx = systemCtx("test");

const api = apiClient(() => app.url);

const rand = () => randomUUID().replace(/-/g, "").slice(0, 8);

/** An internal subscription dead-lettering at the first failure, with `handler` attached. */
async function failingSub(types: string[], handler: EventHandler): Promise<SubscriptionDto> {
  const r = await api<SubscriptionDto>("POST", "/api/subscriptions", {
    name: `dlq-${rand()}`,
    types,
    target: { type: "internal" },
    retry: { maxAttempts: 1 },
    circuit: { failureThreshold: 1000 }, // keep the circuit out of these tests
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  await app.container.subscriptions.attachHandler({ ctx, input: { id: r.body.id, handler } });
  return r.body;
}

async function publish(type: string, id: string = randomUUID()): Promise<string> {
  const res = await fetch(`${app.url}/api/events`, {
    method: "POST",
    headers: { "content-type": "application/cloudevents+json" },
    body: JSON.stringify({ specversion: "1.0", id, source: "/tests/dead-letter-queries", type, data: { id } }),
  });
  expect(res.status).toBe(202);
  return id;
}

type DlItem = {
  id: string;
  event: { id: string; type: string };
  subscription: string;
  lastError: { message: string; status?: number } | null;
  deadLetteredAt: string;
};
type DlPage = { items: DlItem[]; next: string | null; total: number };

async function dlPage(params: Record<string, string>): Promise<DlPage> {
  const r = await api<DlPage>("GET", `/api/dead-letters?${new URLSearchParams(params)}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

const eventIds = (p: DlPage) => p.items.map((i) => i.event.id).sort();

describe("dead-letter queries", () => {
  it("q matches the text of an attempt's error", async () => {
    const type = `com.anumate.dlq${rand()}.x`;
    // words that appear nowhere else in this run's dead-letter stream (not in ids, subjects or other errors)
    const wordA = `zebra${rand()}`;
    const wordB = `quokka${rand()}`;
    const messages = new Map<string, string>();
    const s = await failingSub([type], (e) => {
      throw new Error(messages.get(e.id) ?? "unexpected event");
    });
    const idA = randomUUID();
    const idB = randomUUID();
    messages.set(idA, `upstream timed out (${wordA})`);
    messages.set(idB, `schema mismatch near ${wordB} field`);
    await publish(type, idA);
    await publish(type, idB);
    await until(async () => (await dlPage({ subscription: s.id })).total === 2, 10_000, "two dead letters");

    // q alone (no other filter): exactly the entry whose error holds the word
    const a = await dlPage({ q: wordA });
    expect(a.total).toBe(1);
    expect(a.items.map((i) => [i.event.id, i.subscription])).toEqual([[idA, s.id]]);
    expect(a.items[0]?.lastError?.message).toContain(wordA);
    const b = await dlPage({ q: wordB });
    expect(b.total).toBe(1);
    expect(b.items.map((i) => i.event.id)).toEqual([idB]);
    // a word of the error itself, not only a whole message; combined with another filter
    expect((await dlPage({ subscription: s.id, q: "schema mismatch" })).total).toBe(1);
    // text in neither error
    const none = await dlPage({ q: `nothing${rand()}` });
    expect(none).toMatchObject({ total: 0, items: [] });
    // the bulk filter has the list's fields: a dry run counts the same entry
    const dry = await api<{ count: number }>("POST", "/api/dead-letters/requeue", { filter: { q: wordA }, dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body.count).toBe(1);
  });

  it("from / to bound the time an entry was dead-lettered", async () => {
    const type = `com.anumate.dlt${rand()}.x`;
    const s = await failingSub([type], () => {
      throw new Error("always down");
    });
    const t0 = new Date().toISOString();
    const first = await publish(type);
    await until(async () => (await dlPage({ subscription: s.id })).total === 1, 10_000, "first dead letter");
    await sleep(300);
    const t1 = new Date().toISOString();
    await sleep(300);
    const second = await publish(type);
    await until(async () => (await dlPage({ subscription: s.id })).total === 2, 10_000, "second dead letter");
    const t2 = new Date().toISOString();

    const all = await dlPage({ subscription: s.id });
    const at = new Map(all.items.map((i) => [i.event.id, i.deadLetteredAt]));
    expect((at.get(first) as string) < t1).toBe(true);
    expect((at.get(second) as string) > t1).toBe(true);

    // a window covering only the second one
    const late = await dlPage({ subscription: s.id, from: t1, to: t2 });
    expect(late.total).toBe(1);
    expect(eventIds(late)).toEqual([second]);
    // only the first one
    const early = await dlPage({ subscription: s.id, from: t0, to: t1 });
    expect(early.total).toBe(1);
    expect(eventIds(early)).toEqual([first]);
    // each bound alone
    expect(eventIds(await dlPage({ subscription: s.id, from: t1 }))).toEqual([second]);
    expect(eventIds(await dlPage({ subscription: s.id, to: t1 }))).toEqual([first]);
    // both in a window covering both, none in one before them
    expect((await dlPage({ subscription: s.id, from: t0, to: t2 })).total).toBe(2);
    const before = new Date(Date.parse(t0) - 60_000).toISOString();
    expect((await dlPage({ subscription: s.id, from: before, to: new Date(Date.parse(t0) - 1).toISOString() })).total).toBe(0);
    // the same instant written with a UTC offset is the same bound
    const t1Offset = offsetForm(t1, 2);
    const lateOffset = await dlPage({ subscription: s.id, from: t1Offset, to: t2 });
    expect(eventIds(lateOffset)).toEqual([second]);
    // not a timestamp: a field error
    const bad = await api<{ error: { details: { field: string }[] } }>("GET", `/api/dead-letters?from=yesterday`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d) => d.field)).toContain("from");
  });

  it("type filters by an exact type and by patterns", async () => {
    const stem = `com.anumate.dly${rand()}`;
    const s = await failingSub([`${stem}.>`], () => {
      throw new Error("always down");
    });
    const created = await publish(`${stem}.order.created`);
    const shipped = await publish(`${stem}.order.shipped`);
    const paid = await publish(`${stem}.invoice.paid`);
    await until(async () => (await dlPage({ subscription: s.id })).total === 3, 10_000, "three dead letters");

    const exact = await dlPage({ type: `${stem}.order.created` });
    expect(exact.total).toBe(1);
    expect(eventIds(exact)).toEqual([created]);
    expect(exact.items[0]?.event.type).toBe(`${stem}.order.created`);

    const oneToken = await dlPage({ type: `${stem}.order.*` });
    expect(oneToken.total).toBe(2);
    expect(eventIds(oneToken)).toEqual([created, shipped].sort());

    const middle = await dlPage({ type: `${stem}.*.paid` });
    expect(eventIds(middle)).toEqual([paid]);

    const rest = await dlPage({ type: `${stem}.>` });
    expect(rest.total).toBe(3);
    expect(eventIds(rest)).toEqual([created, shipped, paid].sort());

    // `*` is one token: none of these types has a single token after the stem
    expect((await dlPage({ type: `${stem}.*` })).total).toBe(0);
    // an exact type matches that type alone, not a prefix of it
    expect((await dlPage({ type: `${stem}.order` })).total).toBe(0);
    // the same filter in a bulk dry run
    const dry = await api<{ count: number }>("POST", "/api/dead-letters/requeue", {
      filter: { type: `${stem}.order.*` },
      dryRun: true,
    });
    expect(dry.body.count).toBe(2);
  });

  it("bulk requeue by ids sends those entries back to their subscription alone and leaves the others", async () => {
    const type = `com.anumate.dlb${rand()}.x`;
    let fail = true;
    const handled: string[] = [];
    const s = await failingSub([type], (e) => {
      if (fail) throw new Error("down for now");
      handled.push(e.id);
    });
    const bystander: string[] = [];
    const other = await api<SubscriptionDto>("POST", "/api/subscriptions", {
      name: `dlq-other-${rand()}`,
      types: [type],
      target: { type: "internal" },
    });
    expect(other.status).toBe(201);
    await app.container.subscriptions.attachHandler({
      ctx,
      input: { id: other.body.id, handler: (e) => void bystander.push(e.id) },
    });

    const events = [await publish(type), await publish(type), await publish(type)];
    await until(async () => (await dlPage({ subscription: s.id })).total === 3, 10_000, "three dead letters");
    await until(() => events.every((id) => bystander.includes(id)), 10_000, "bystander got all");
    const page = await dlPage({ subscription: s.id });
    const byEvent = new Map(page.items.map((i) => [i.event.id, i.id]));
    const [e0, e1, e2] = events as [string, string, string];
    const ids = [byEvent.get(e0), byEvent.get(e2)] as string[];
    const kept = byEvent.get(e1) as string;

    fail = false;
    const dry = await api<{ count: number }>("POST", "/api/dead-letters/requeue", { ids, dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body.count).toBe(2);
    expect((await dlPage({ subscription: s.id })).total).toBe(3); // a dry run changes nothing

    const job = await api<{ jobId: string; count: number }>("POST", "/api/dead-letters/requeue", { ids });
    expect(job.status).toBe(202);
    expect(job.body.count).toBe(2);
    await until(
      async () => (await api<{ state: string }>("GET", `/api/jobs/${job.body.jobId}`)).body.state === "completed",
      10_000,
      "job completed",
    );
    const st = await api<{ kind: string; done: number; total: number; failed: number }>("GET", `/api/jobs/${job.body.jobId}`);
    expect(st.body).toMatchObject({ kind: "requeue", done: 2, total: 2, failed: 0 });

    await until(() => handled.includes(e0) && handled.includes(e2), 10_000, "requeued events handled");
    await sleep(500); // anything else (a duplicate, the kept entry) would arrive by now
    expect([...handled].sort()).toEqual([e0, e2].sort());
    // the other subscription of the type got each event once, at publication: none of the requeues
    expect([...bystander].sort()).toEqual([...events].sort());

    // requeued entries left the dead-letter stream; the third stays, unchanged
    const after = await dlPage({ subscription: s.id });
    expect(after.total).toBe(1);
    expect(after.items.map((i) => [i.id, i.event.id])).toEqual([[kept, e1]]);
    for (const id of ids) expect((await api("GET", `/api/dead-letters/${id}`)).status).toBe(404);
    expect((await api("GET", `/api/dead-letters/${kept}`)).status).toBe(200);
  });
});

/** `iso` (UTC, `Z`) written with a `+hh:00` offset: the same instant. */
function offsetForm(iso: string, hours: number): string {
  const d = new Date(Date.parse(iso) + hours * 3_600_000).toISOString(); // wall clock at that offset
  return `${d.slice(0, -1)}+${String(hours).padStart(2, "0")}:00`;
}
