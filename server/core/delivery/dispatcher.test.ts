import { afterEach, describe, expect, it, vi } from "vitest";
import { type SubscriptionOverrides, testSubscription } from "../../testing/subscription";
import { type CloudEvent, createEvent } from "../cloudevents/event";
import { type DeliveryObservation, Dispatcher, type DispatcherDeps } from "./dispatcher";
import type {
  AttemptError,
  AttemptLog,
  DeadLetterRecord,
  DeadLetterSink,
  Delivery,
  DeliveryOutcome,
  DeliverySource,
  Target,
  UndecodableDelivery,
} from "./ports";

// ---------------------------------------------------------------------------------------------
// Fakes

const PULL_MS = 20;
const HANDBACK_MS = PULL_MS + 250;
const DLQ_RETRY_MS = 5000;

const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `cond` holds (fails the test after `ms`). */
async function until(cond: () => boolean, what: string, ms = 1000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await wait(2);
  }
}

function deferred<T = void>() {
  let resolve: (v: T) => void = () => {};
  let reject: (e: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function event(type = "com.acme.order.created", ext: Record<string, unknown> = {}): CloudEvent {
  const r = createEvent({ attributes: { specversion: "1.0", id: `id-${type}`, source: "/orders", type, ...ext } });
  if (!r.ok) throw new Error(`invalid test event: ${JSON.stringify(r.problems)}`);
  return r.event;
}

type Fake = Delivery & { acks: number; naks: number[]; terms: number; workings: number };

/**
 * A JetStream consumer in miniature: a queue of messages; `pull` yields up to `max` of them, waiting
 * at most `expiresMs` for more. With `redeliver`, a nak puts the message back with deliveryCount + 1
 * (the delay is recorded, not waited for).
 */
class FakeSource implements DeliverySource {
  queue: (Delivery | UndecodableDelivery)[] = [];
  pulls: { max: number; expiresMs: number }[] = [];
  yielded = 0;
  stopped = false;
  redeliver = false;
  failNextPull: Error | undefined;
  /** Pulls to fail (after failNextPull). */
  failPulls = 0;
  private wakeUp: (() => void) | undefined;

  constructor(private readonly journal: string[]) {}

  add(seq: number, o: { deliveryCount?: number; event?: CloudEvent; tenant?: string } = {}): Fake {
    const count = o.deliveryCount ?? 1;
    const msg: Fake = {
      seq,
      subject: `events.acme.${seq}`,
      tenant: o.tenant ?? "acme",
      storedAt: "2024-01-01T00:00:00.000Z",
      event: o.event ?? event(),
      attempt: count,
      deliveryId: `dlv-${seq}-${count}`,
      acks: 0,
      naks: [],
      terms: 0,
      workings: 0,
      ack: () => {
        msg.acks++;
        this.journal.push(`ack ${seq}`);
      },
      nak: (delayMs: number) => {
        msg.naks.push(delayMs);
        this.journal.push(`nak ${seq} ${delayMs}`);
        if (this.redeliver) this.add(seq, { ...o, event: msg.event, deliveryCount: count + 1 });
      },
      term: () => {
        msg.terms++;
        this.journal.push(`term ${seq}`);
      },
      working: () => {
        msg.workings++;
      },
    };
    this.push(msg);
    return msg;
  }

  addUndecodable(seq: number) {
    const msg = {
      undecodable: true as const,
      seq,
      subject: `events.acme.${seq}`,
      attempt: 1,
      problems: "type: is required",
      raw: { headers: [["ce-id", "x"]] as [string, string][], payload: new TextEncoder().encode("garbage") },
      naks: [] as number[],
      terms: 0,
      term: () => {
        msg.terms++;
        this.journal.push(`term ${seq}`);
      },
      nak: (delayMs: number) => {
        msg.naks.push(delayMs);
        this.journal.push(`nak ${seq} ${delayMs}`);
      },
    };
    this.push(msg);
    return msg;
  }

  private push(m: Delivery | UndecodableDelivery) {
    this.queue.push(m);
    this.wake();
  }

  private wake() {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  async pull(max: number, expiresMs: number, onDelivery: (d: Delivery | UndecodableDelivery) => boolean): Promise<void> {
    this.pulls.push({ max, expiresMs });
    if (this.failNextPull) {
      const e = this.failNextPull;
      this.failNextPull = undefined;
      throw e;
    }
    if (this.failPulls > 0) {
      this.failPulls--;
      throw new Error("consumer deleted");
    }
    const deadline = Date.now() + expiresMs;
    let n = 0;
    while (n < max && !this.stopped) {
      const next = this.queue.shift();
      if (next) {
        n++;
        this.yielded++;
        // as from NATS: the messages already there are handed over in one go
        if (!onDelivery(next)) return;
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.wakeUp = undefined;
          resolve();
        }, left);
        this.wakeUp = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  stop(): void {
    this.stopped = true;
    this.wake();
  }
}

class FakeTarget implements Target {
  cap = Number.POSITIVE_INFINITY;
  delivered: Delivery[] = [];
  active = 0;
  maxActive = 0;
  private readonly listeners = new Set<() => void>();
  behave: (d: Delivery) => Promise<DeliveryOutcome> | DeliveryOutcome = () => ({ ok: true });

  constructor(private readonly journal: string[]) {}

  /** Like the real targets: what is left of `cap` after the deliveries under way. */
  capacity(): number {
    return this.cap - this.active;
  }

  onCapacity(l: () => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Capacity may have grown: wakes the dispatcher (also how tests end its sleeps early). */
  fire(): void {
    for (const l of [...this.listeners]) l();
  }

  get listening(): number {
    return this.listeners.size;
  }

  async deliver(d: Delivery): Promise<DeliveryOutcome> {
    this.delivered.push(d);
    this.journal.push(`deliver ${d.seq} #${d.attempt}`);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      return await this.behave(d);
    } finally {
      this.active--;
    }
  }
}

class FakeDeadLetters implements DeadLetterSink {
  writes: { event: Parameters<DeadLetterSink["write"]>[0]; record: DeadLetterRecord }[] = [];
  behave: () => Promise<void> = async () => {};

  constructor(private readonly journal: string[]) {}

  async write(e: Parameters<DeadLetterSink["write"]>[0], record: DeadLetterRecord): Promise<void> {
    this.writes.push({ event: e, record });
    this.journal.push(`dlq ${record.originalSeq} ${record.reason}`);
    await this.behave();
    this.journal.push(`dlq-ok ${record.originalSeq}`);
  }
}

class FakeAttemptLog implements AttemptLog {
  readonly entries = new Map<string, AttemptError[]>();
  gets: string[] = [];
  cleared: string[] = [];
  getDelayMs = 0;

  async get(scope: string, seq: number): Promise<AttemptError[]> {
    this.gets.push(`${scope}/${seq}`);
    if (this.getDelayMs > 0) await wait(this.getDelayMs);
    return [...(this.entries.get(`${scope}/${seq}`) ?? [])];
  }

  async record(scope: string, seq: number, error: AttemptError): Promise<AttemptError[]> {
    const list = [...(this.entries.get(`${scope}/${seq}`) ?? []), error];
    this.entries.set(`${scope}/${seq}`, list);
    return [...list];
  }

  async clear(scope: string, seq: number): Promise<void> {
    this.cleared.push(`${scope}/${seq}`);
    this.entries.delete(`${scope}/${seq}`);
  }

  seed(seq: number, n: number, scope = "sub-1") {
    const list: AttemptError[] = [];
    for (let i = 1; i <= n; i++) list.push({ attempt: i, at: new Date(1_000 * i).toISOString(), message: `earlier #${i}` });
    this.entries.set(`${scope}/${seq}`, list);
  }
}

const running: Dispatcher[] = [];

function harness(o: SubscriptionOverrides = {}, deps: Partial<DispatcherDeps> = {}) {
  const journal: string[] = [];
  let t = Date.parse("2024-05-01T12:00:00Z");
  const source = new FakeSource(journal);
  const target = new FakeTarget(journal);
  const deadLetters = new FakeDeadLetters(journal);
  const attempts = new FakeAttemptLog();
  const logs: { level: string; msg: string }[] = [];
  const observed: DeliveryObservation[] = [];
  const sub = testSubscription(o);
  const dispatcher = new Dispatcher(sub, {
    source,
    target,
    deadLetters,
    attempts,
    log: (level, msg) => logs.push({ level, msg }),
    observe: (e) => observed.push(e),
    now: () => t,
    random: () => 0.5,
    pullExpiresMs: PULL_MS,
    ...deps,
  });
  const h = {
    journal,
    source,
    target,
    deadLetters,
    attempts,
    logs,
    observed,
    sub,
    dispatcher,
    clock: {
      advance(ms: number) {
        t += ms;
      },
      now: () => t,
    },
    start() {
      running.push(dispatcher);
      dispatcher.start();
      return h;
    },
  };
  return h;
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((d) => d.stop(20)));
  vi.useRealTimers();
});

const fail = (message: string, extra: Partial<{ status: number; retryAfterMs: number; delayMs: number }> = {}) =>
  ({ ok: false, message, retryable: true, ...extra }) as const;

// ---------------------------------------------------------------------------------------------

describe("skipping", () => {
  it("acks events outside the subscription's types without delivering or counting them", async () => {
    const h = harness({ types: ["com.acme.invoice.>"] }).start();
    const m = h.source.add(1, { event: event("com.acme.order.created") });
    await until(() => m.acks === 1, "ack");
    await wait(10);
    expect(h.target.delivered).toHaveLength(0);
    expect(h.dispatcher.stats).toMatchObject({ skipped: 1, delivered: 0, failed: 0, deadLettered: 0 });
    expect(m.naks).toEqual([]);
    expect(m.terms).toBe(0);
    expect(h.attempts.entries.size).toBe(0);
    expect(h.observed.map((o) => o.kind)).toEqual(["skipped"]);
  });

  it("acks events the attribute filters reject, even redelivered ones, without touching the attempt log", async () => {
    const h = harness({ filters: [{ exact: { tenantid: "acme" } }] }).start();
    const other = h.source.add(1, { event: event("com.acme.order.created", { tenantid: "globex" }), deliveryCount: 4 });
    const mine = h.source.add(2, { event: event("com.acme.order.created", { tenantid: "acme" }) });
    await until(() => other.acks === 1 && mine.acks === 1, "both acked");
    expect(h.target.delivered.map((d) => d.seq)).toEqual([2]);
    expect(h.dispatcher.stats).toMatchObject({ skipped: 1, delivered: 1 });
    expect(h.attempts.gets).toEqual([]);
  });

  it("uses a changed definition (update) for the next events", async () => {
    const h = harness({ types: ["com.acme.order.>"] }).start();
    const a = h.source.add(1, { event: event("com.acme.invoice.paid") });
    await until(() => a.acks === 1, "first skipped");
    h.dispatcher.update({ ...h.sub, types: ["com.acme.invoice.>"] });
    const b = h.source.add(2, { event: event("com.acme.invoice.paid") });
    await until(() => b.acks === 1, "second delivered");
    expect(h.target.delivered.map((d) => d.seq)).toEqual([2]);
    expect(h.dispatcher.stats.skipped).toBe(1);
  });
});

describe("success", () => {
  it("delivers, acks once and counts it", async () => {
    const h = harness().start();
    const m = h.source.add(1);
    await until(() => m.acks === 1, "ack");
    await wait(10);
    expect(m.acks).toBe(1);
    expect(m.naks).toEqual([]);
    expect(m.terms).toBe(0);
    expect(h.target.delivered).toHaveLength(1);
    expect(h.target.delivered[0]).toMatchObject({ seq: 1, attempt: 1, tenant: "acme", deliveryId: "dlv-1-1" });
    expect(h.target.delivered[0]?.event).toBe(m.event);
    expect(h.dispatcher.stats).toMatchObject({ delivered: 1, failed: 0, skipped: 0, lastError: null, circuit: "closed" });
    expect(h.observed).toEqual([
      expect.objectContaining({ kind: "attempt" }),
      expect.objectContaining({ kind: "delivered", latencyMs: 0 }),
    ]);
    expect(h.attempts.gets).toEqual([]); // a first delivery has nothing on record
  });

  it("delivers many events, each once", async () => {
    const h = harness().start();
    const ms = [1, 2, 3, 4, 5].map((s) => h.source.add(s));
    await until(() => ms.every((m) => m.acks === 1), "all acked");
    expect(h.target.delivered.map((d) => d.seq).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(h.dispatcher.stats.delivered).toBe(5);
  });

  it("a success after failures clears the attempt log", async () => {
    const h = harness().start();
    h.attempts.seed(1, 1);
    const m = h.source.add(1, { deliveryCount: 2 });
    await until(() => m.acks === 1, "ack");
    await until(() => h.attempts.cleared.length === 1, "clear");
    expect(h.attempts.cleared).toEqual(["sub-1/1"]);
    expect(h.attempts.entries.size).toBe(0);
  });
});

describe("failures and retries", () => {
  it("a failure naks with the backoff delay and records the attempt's error", async () => {
    const h = harness({ retry: { initialDelayMs: 100, multiplier: 2, jitter: 0.2 } }).start();
    h.target.behave = () => fail("503 from target", { status: 503 });
    const m = h.source.add(1);
    await until(() => m.naks.length === 1, "nak");
    expect(m.naks).toEqual([90]); // 100 × (1 − 0.2 × 0.5)
    expect(m.acks).toBe(0);
    expect(m.terms).toBe(0);
    expect(h.attempts.entries.get("sub-1/1")).toEqual([
      { attempt: 1, at: "2024-05-01T12:00:00.000Z", message: "503 from target", status: 503 },
    ]);
    expect(h.dispatcher.stats).toMatchObject({
      failed: 1,
      delivered: 0,
      deadLettered: 0,
      lastError: { message: "503 from target", status: 503, at: "2024-05-01T12:00:00.000Z" },
    });
    expect(h.observed).toEqual([
      expect.objectContaining({ kind: "attempt" }),
      expect.objectContaining({ kind: "failed", willRetry: true }),
    ]);
  });

  it("the delay grows with the attempt number", async () => {
    const h = harness({ retry: { maxAttempts: 5, initialDelayMs: 100, multiplier: 3, jitter: 0 } }).start();
    h.target.behave = () => fail("nope");
    h.source.redeliver = true;
    const m = h.source.add(1);
    await until(() => h.target.delivered.length === 5, "five attempts");
    await until(() => h.deadLetters.writes.length === 1, "dead letter");
    const naks = h.journal.filter((j) => j.startsWith("nak")).map((j) => Number(j.split(" ")[2]));
    expect(naks).toEqual([100, 300, 900, 1000]); // capped at maxDelayMs
    expect(m.naks).toEqual([100]);
  });

  it("honours Retry-After (raised, still capped)", async () => {
    const h = harness({ retry: { initialDelayMs: 100, maxDelayMs: 1000 } }).start();
    h.target.behave = (d) => fail("429", { status: 429, retryAfterMs: d.seq === 1 ? 700 : 60_000 });
    const a = h.source.add(1);
    const b = h.source.add(2);
    await until(() => a.naks.length === 1 && b.naks.length === 1, "naks");
    expect(a.naks).toEqual([700]);
    expect(b.naks).toEqual([1000]);
  });

  it("a delay chosen by the target (a client's nack delay) is used as is", async () => {
    const h = harness().start();
    h.target.behave = () => fail("client nack", { delayMs: 4321 });
    const m = h.source.add(1);
    await until(() => m.naks.length === 1, "nak");
    expect(m.naks).toEqual([4321]);
  });

  it("a target that throws counts as a retryable failure", async () => {
    const h = harness().start();
    h.target.behave = () => {
      throw new Error("socket hang up");
    };
    const m = h.source.add(1);
    await until(() => m.naks.length === 1, "nak");
    expect(m.naks).toEqual([100]);
    expect(h.dispatcher.stats.lastError?.message).toBe("socket hang up");
    expect(h.attempts.entries.get("sub-1/1")?.[0]?.message).toBe("socket hang up");
  });
});

describe("attempt numbers", () => {
  it("are the failures on record + 1, not JetStream's delivery count", async () => {
    const h = harness({ retry: { maxAttempts: 5 } }).start();
    h.attempts.seed(1, 1);
    h.target.behave = () => fail("again");
    const m = h.source.add(1, { deliveryCount: 3 }); // handed back once without an attempt
    await until(() => m.naks.length === 1, "nak");
    expect(h.target.delivered[0]?.attempt).toBe(2);
    expect(h.attempts.gets).toEqual(["sub-1/1"]);
    expect(h.attempts.entries.get("sub-1/1")?.map((e) => e.attempt)).toEqual([1, 2]);
    expect(m.naks).toEqual([200]); // the backoff of attempt 2, not of attempt 3
  });

  it("a hand-back-only history (delivery count 5, nothing on record) is attempt 1", async () => {
    const h = harness().start();
    const m = h.source.add(1, { deliveryCount: 5 });
    await until(() => m.acks === 1, "ack");
    expect(h.target.delivered[0]?.attempt).toBe(1);
  });

  it("an unreadable attempt log counts as nothing on record", async () => {
    const h = harness().start();
    h.attempts.get = () => Promise.reject(new Error("kv down"));
    const m = h.source.add(1, { deliveryCount: 2 });
    await until(() => m.acks === 1, "ack");
    expect(h.target.delivered[0]?.attempt).toBe(1);
  });
});

describe("dead letters", () => {
  it("exactly maxAttempts attempts, then a dead letter with every attempt's error; the original is terminated after the write", async () => {
    const h = harness({ retry: { maxAttempts: 3 } }).start();
    let n = 0;
    h.target.behave = () => {
      n++;
      h.clock.advance(1000);
      return fail(`boom ${n}`, { status: 500 + n });
    };
    h.source.redeliver = true;
    h.source.add(7, { tenant: "acme" });
    await until(() => h.journal.includes("term 7"), "term");
    await wait(30);
    expect(h.target.delivered.map((d) => d.attempt)).toEqual([1, 2, 3]);
    expect(h.deadLetters.writes).toHaveLength(1);
    const w = h.deadLetters.writes[0];
    expect(w?.record).toEqual({
      subscription: "sub-1",
      tenant: "acme",
      reason: "max-attempts",
      attempts: [
        { attempt: 1, at: "2024-05-01T12:00:01.000Z", message: "boom 1", status: 501 },
        { attempt: 2, at: "2024-05-01T12:00:02.000Z", message: "boom 2", status: 502 },
        { attempt: 3, at: "2024-05-01T12:00:03.000Z", message: "boom 3", status: 503 },
      ],
      firstFailedAt: "2024-05-01T12:00:01.000Z",
      lastFailedAt: "2024-05-01T12:00:03.000Z",
      originalSeq: 7,
      originalSubject: "events.acme.7",
    });
    expect(w?.event).toBe(h.target.delivered[0]?.event);
    // two retries, then the write, then term; nothing after
    expect(h.journal.filter((j) => !j.startsWith("deliver"))).toEqual([
      "nak 7 100",
      "nak 7 200",
      "dlq 7 max-attempts",
      "dlq-ok 7",
      "term 7",
    ]);
    expect(h.dispatcher.stats).toMatchObject({ failed: 3, deadLettered: 1, delivered: 0 });
    expect(h.attempts.entries.size).toBe(0); // cleared once settled
    expect(h.observed.filter((o) => o.kind === "failed").map((o) => o.kind === "failed" && o.willRetry)).toEqual([
      true,
      true,
      false,
    ]);
    expect(h.observed.at(-1)).toMatchObject({ kind: "dead-lettered", seq: 7, reason: "max-attempts", d: { seq: 7 } });
  });

  it("maxAttempts 1: the first failure dead-letters", async () => {
    const h = harness({ retry: { maxAttempts: 1 } }).start();
    h.target.behave = () => fail("once");
    const m = h.source.add(1);
    await until(() => m.terms === 1, "term");
    expect(m.naks).toEqual([]);
    expect(h.deadLetters.writes[0]?.record.reason).toBe("max-attempts");
    expect(h.deadLetters.writes[0]?.record.attempts).toHaveLength(1);
  });

  it("terminates the original only once the dead-letter write has resolved", async () => {
    const h = harness({ retry: { maxAttempts: 1 } }).start();
    h.target.behave = () => fail("x");
    const write = deferred();
    h.deadLetters.behave = () => write.promise;
    const m = h.source.add(1);
    await until(() => h.deadLetters.writes.length === 1, "write started");
    await wait(30);
    expect(m.terms).toBe(0);
    expect(m.naks).toEqual([]);
    expect(m.acks).toBe(0);
    write.resolve();
    await until(() => m.terms === 1, "term");
    expect(h.journal.slice(-2)).toEqual(["dlq-ok 1", "term 1"]);
    expect(m.acks).toBe(0);
  });

  it("a failing dead-letter write leaves the event for redelivery (nak, no term), and it is written when it comes back", async () => {
    const h = harness({ retry: { maxAttempts: 2 } }).start();
    h.target.behave = () => fail("down");
    let writes = 0;
    h.deadLetters.behave = async () => {
      if (++writes === 1) throw new Error("dlq stream unavailable");
    };
    h.source.redeliver = true;
    h.source.add(1);
    await until(() => h.journal.includes("term 1"), "term");
    await wait(20);
    expect(h.journal.filter((j) => !j.startsWith("deliver"))).toEqual([
      "nak 1 100",
      "dlq 1 max-attempts",
      `nak 1 ${DLQ_RETRY_MS}`,
      "dlq 1 max-attempts",
      "dlq-ok 1",
      "term 1",
    ]);
    expect(h.target.delivered.map((d) => d.attempt)).toEqual([1, 2]); // not delivered a third time
    expect(h.deadLetters.writes[1]?.record.attempts.map((a) => a.attempt)).toEqual([1, 2]);
    expect(h.dispatcher.stats.deadLettered).toBe(1);
    expect(h.logs.some((l) => l.level === "warn")).toBe(true);
  });

  it("an event whose last attempt failed before its dead letter was written is dead-lettered when it comes back, without another attempt", async () => {
    const h = harness({ retry: { maxAttempts: 3 } }).start();
    h.attempts.seed(1, 3);
    const m = h.source.add(1, { deliveryCount: 4 });
    await until(() => m.terms === 1, "term");
    expect(h.target.delivered).toHaveLength(0);
    expect(h.deadLetters.writes[0]?.record).toMatchObject({ reason: "max-attempts", firstFailedAt: "1970-01-01T00:00:01.000Z" });
    expect(h.deadLetters.writes[0]?.record.attempts.map((a) => a.message)).toEqual(["earlier #1", "earlier #2", "earlier #3"]);
  });

  it("a non-retryable outcome dead-letters at once with reason 'rejected'", async () => {
    const h = harness({ retry: { maxAttempts: 5 } }).start();
    h.target.behave = () => ({ ok: false, message: "400 Bad Request", status: 400, retryable: false });
    const m = h.source.add(1);
    await until(() => m.terms === 1, "term");
    expect(m.naks).toEqual([]);
    expect(h.target.delivered).toHaveLength(1);
    expect(h.deadLetters.writes[0]?.record).toMatchObject({
      reason: "rejected",
      attempts: [{ attempt: 1, message: "400 Bad Request", status: 400, at: "2024-05-01T12:00:00.000Z" }],
    });
    expect(h.observed.find((o) => o.kind === "failed")).toMatchObject({ willRetry: false });
  });

  it("a rejection on a later attempt carries the earlier errors too", async () => {
    const h = harness({ retry: { maxAttempts: 5 } }).start();
    h.attempts.seed(1, 2);
    h.target.behave = () => ({ ok: false, message: "422", status: 422, retryable: false });
    const m = h.source.add(1, { deliveryCount: 3 });
    await until(() => m.terms === 1, "term");
    expect(h.deadLetters.writes[0]?.record.reason).toBe("rejected");
    expect(h.deadLetters.writes[0]?.record.attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
  });

  it("a rejected event whose dead-letter write failed is not delivered to the target again when it comes back", async () => {
    const h = harness({ retry: { maxAttempts: 5 } }).start();
    h.target.behave = () => ({ ok: false, message: "400 Bad Request", status: 400, retryable: false });
    let writes = 0;
    h.deadLetters.behave = async () => {
      if (++writes === 1) throw new Error("dlq stream unavailable");
    };
    h.source.redeliver = true;
    h.source.add(1);
    await until(() => h.journal.includes("term 1"), "term");
    await wait(20);
    // the target already said it can never take this event ("dead-letter at once"): retry the write, not the delivery
    expect(h.target.delivered.map((d) => d.attempt)).toEqual([1]);
    expect(h.deadLetters.writes.at(-1)?.record).toMatchObject({ reason: "rejected", attempts: [{ attempt: 1 }] });
  });

  it("an event that keeps coming back without an answer is dead-lettered as 'undeliverable'", async () => {
    const h = harness({ retry: { maxAttempts: 3 } }).start();
    // (maxAttempts + 20) × 10 deliveries with no answer on record
    const m = h.source.add(1, { deliveryCount: (3 + 20) * 10 + 1 });
    await until(() => m.terms === 1, "term");
    expect(h.target.delivered).toHaveLength(0);
    expect(h.deadLetters.writes[0]?.record.reason).toBe("undeliverable");
    expect(h.deadLetters.writes[0]?.record.attempts.at(-1)?.message).toMatch(/231 times/);
  });
});

describe("members that left ({gone: true})", () => {
  it("naks for another member without counting an attempt or a failure", async () => {
    const h = harness({ circuit: { failureThreshold: 1 } }).start();
    let first = true;
    h.target.behave = () => {
      if (first) {
        first = false;
        return { ok: false, gone: true };
      }
      return { ok: true };
    };
    h.source.redeliver = true;
    const m = h.source.add(1);
    await until(() => h.journal.includes("ack 1"), "ack of the redelivery");
    expect(m.naks).toEqual([HANDBACK_MS]);
    expect(h.target.delivered.map((d) => d.attempt)).toEqual([1, 1]); // still the first attempt
    expect(h.attempts.entries.size).toBe(0);
    expect(h.dispatcher.stats).toMatchObject({ failed: 0, delivered: 1, lastError: null });
    expect(h.dispatcher.circuit).toBe("closed"); // threshold 1 would have opened on a failure
    expect(h.deadLetters.writes).toHaveLength(0);
  });
});

describe("circuit breaker", () => {
  /** Threshold 2, cooldown 10 s on the injected clock, one delivery at a time. */
  function opened() {
    const h = harness({ maxInFlight: 1, circuit: { failureThreshold: 2, cooldownMs: 10_000 }, retry: { maxAttempts: 10 } });
    h.target.behave = () => fail("down");
    const ms = [1, 2, 3, 4, 5].map((s) => h.source.add(s));
    h.start();
    return { h, ms };
  }

  it("opens after N consecutive failures and then pulls nothing while it is open", async () => {
    const { h, ms } = opened();
    await until(() => h.dispatcher.circuit === "open", "open");
    const pulls = h.source.pulls.length;
    const yielded = h.source.yielded;
    h.clock.advance(9_999);
    h.target.fire(); // wake the loop: still inside the cooldown
    await wait(60);
    expect(h.target.delivered.map((d) => d.seq)).toEqual([1, 2]);
    expect(h.source.pulls.length).toBe(pulls);
    expect(h.source.yielded).toBe(yielded);
    expect(h.source.queue).toHaveLength(3);
    expect(ms[2]?.naks).toEqual([]);
    expect(h.dispatcher.stats.circuit).toBe("open");
    expect(h.dispatcher.stats.failed).toBe(2);
  });

  it("after the cooldown lets exactly one probe through; its success closes the circuit and delivery resumes", async () => {
    const { h, ms } = opened();
    await until(() => h.dispatcher.circuit === "open", "open");
    const probe = deferred<DeliveryOutcome>();
    h.target.behave = () => probe.promise;
    h.clock.advance(10_000);
    h.target.fire();
    await until(() => h.target.delivered.length === 3, "probe");
    await wait(60);
    expect(h.target.delivered).toHaveLength(3); // exactly one probe under way
    expect(h.dispatcher.circuit).toBe("half-open");
    expect(h.source.queue).toHaveLength(2);
    h.target.behave = () => ({ ok: true });
    probe.resolve({ ok: true });
    await until(() => ms.slice(2).every((m) => m.acks === 1), "the rest delivered");
    expect(h.dispatcher.circuit).toBe("closed");
    expect(h.target.delivered.map((d) => d.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it("a failed probe re-opens it with a fresh cooldown", async () => {
    const { h } = opened();
    await until(() => h.dispatcher.circuit === "open", "open");
    h.clock.advance(10_000);
    h.target.fire();
    await until(() => h.target.delivered.length === 3, "probe");
    await until(() => h.dispatcher.circuit === "open", "re-opened");
    h.clock.advance(9_000);
    h.target.fire();
    await wait(60);
    expect(h.target.delivered).toHaveLength(3);
    expect(h.dispatcher.stats.failed).toBe(3);
    h.clock.advance(1_000);
    h.target.fire();
    await until(() => h.target.delivered.length === 4, "second probe");
  });

  it("exactly one probe even when the events handed back while open take a while to look up", async () => {
    const h = harness({ maxInFlight: 5, circuit: { failureThreshold: 1, cooldownMs: 10_000 } });
    h.target.behave = () => fail("down");
    h.source.add(1);
    h.start();
    await until(() => h.dispatcher.circuit === "open", "open");
    h.attempts.getDelayMs = 15;
    const probe = deferred<DeliveryOutcome>();
    h.target.behave = () => probe.promise;
    for (let s = 2; s <= 6; s++) h.source.add(s, { deliveryCount: 2 });
    h.clock.advance(10_000);
    h.target.fire();
    await until(() => h.target.delivered.length === 2, "probe");
    await wait(80);
    expect(h.target.delivered).toHaveLength(2);
    probe.resolve({ ok: true });
    await until(() => h.dispatcher.circuit === "closed", "closed");
  });

  it("while the probe is under way it pulls nothing more (no events pulled only to be handed back)", async () => {
    const h = harness({ maxInFlight: 5, circuit: { failureThreshold: 1, cooldownMs: 10_000 } });
    h.target.behave = () => fail("down");
    h.source.add(1);
    h.start();
    await until(() => h.dispatcher.circuit === "open", "open");
    const yielded = h.source.yielded;
    h.attempts.getDelayMs = 15; // events handed back while open are redeliveries: their history is looked up
    const probe = deferred<DeliveryOutcome>();
    h.target.behave = () => probe.promise;
    const rest = [2, 3, 4, 5, 6].map((s) => h.source.add(s, { deliveryCount: 2 }));
    h.clock.advance(10_000);
    h.target.fire();
    await until(() => h.target.delivered.length === 2, "probe");
    await wait(60);
    // each hand-back costs a JetStream delivery, which the runaway guard ("undeliverable") counts
    expect(rest.flatMap((m) => m.naks)).toEqual([]);
    expect(h.source.yielded - yielded).toBe(1);
    probe.resolve({ ok: true });
  });

  it("a probe whose member left ({gone: true}) does not wedge the circuit: another probe follows", async () => {
    const h = harness({ maxInFlight: 1, circuit: { failureThreshold: 1, cooldownMs: 10_000 } });
    h.target.behave = () => fail("down");
    const ms = [1, 2, 3].map((s) => h.source.add(s));
    h.start();
    await until(() => h.dispatcher.circuit === "open", "open");
    let probes = 0;
    h.target.behave = () => (++probes === 1 ? { ok: false, gone: true } : { ok: true });
    h.clock.advance(10_000);
    h.target.fire();
    await until(() => ms[1]?.naks.length === 1, "the probe handed back");
    expect(ms[1]?.naks).toEqual([HANDBACK_MS]);
    h.target.fire();
    await wait(100);
    // the probe was handed back, not answered: the breaker must let another probe through
    expect({ circuit: h.dispatcher.circuit, delivered: h.target.delivered.map((d) => d.seq) }).toEqual({
      circuit: "closed",
      delivered: [1, 2, 3],
    });
    expect(ms[2]?.acks).toBe(1);
  });
});

describe("limits", () => {
  it("maxInFlight bounds concurrent deliveries", async () => {
    const h = harness({ maxInFlight: 3 });
    const gates: ReturnType<typeof deferred<DeliveryOutcome>>[] = [];
    h.target.behave = () => {
      const g = deferred<DeliveryOutcome>();
      gates.push(g);
      return g.promise;
    };
    const ms = Array.from({ length: 8 }, (_, i) => h.source.add(i + 1));
    h.start();
    await until(() => h.target.delivered.length === 3, "three under way");
    await wait(60);
    expect(h.target.delivered).toHaveLength(3);
    expect(h.dispatcher.stats.inFlight).toBe(3);
    expect(h.source.pulls.every((p) => p.max <= 3)).toBe(true);
    gates[0]?.resolve({ ok: true });
    await until(() => h.target.delivered.length === 4, "a fourth");
    await wait(30);
    expect(h.target.delivered).toHaveLength(4);
    for (let i = 0; i < 8; i++) {
      await until(() => gates.length > i, `delivery ${i + 1}`);
      gates[i]?.resolve({ ok: true });
    }
    await until(() => ms.every((m) => m.acks === 1), "all acked");
    expect(h.target.maxActive).toBe(3);
  });

  it("maxInFlight is shared with the extra (redelivery) sources", async () => {
    const journal: string[] = [];
    const extra = new FakeSource(journal);
    const h = harness({ maxInFlight: 2 }, { extraSources: [extra] });
    const gates: ReturnType<typeof deferred<DeliveryOutcome>>[] = [];
    h.target.behave = () => {
      const g = deferred<DeliveryOutcome>();
      gates.push(g);
      return g.promise;
    };
    for (let i = 1; i <= 4; i++) h.source.add(i);
    for (let i = 11; i <= 14; i++) extra.add(i);
    h.start();
    await until(() => h.target.delivered.length === 2, "two under way");
    await wait(60);
    expect(h.target.maxActive).toBe(2);
    for (let i = 0; i < 8; i++) {
      await until(() => gates.length > i, `delivery ${i + 1}`);
      gates[i]?.resolve({ ok: true });
    }
    await until(() => h.dispatcher.stats.delivered === 8, "all delivered");
    expect(h.target.maxActive).toBe(2);
    expect(extra.stopped).toBe(false);
    await h.dispatcher.stop(20);
    expect(extra.stopped).toBe(true);
  });

  it("pulls only what the target can take", async () => {
    const h = harness({ maxInFlight: 10 });
    h.target.cap = 0;
    h.target.behave = () => new Promise<DeliveryOutcome>(() => {});
    for (let i = 1; i <= 5; i++) h.source.add(i);
    h.start();
    await wait(50);
    expect(h.source.pulls).toHaveLength(0);
    expect(h.target.delivered).toHaveLength(0);
    h.target.cap = 2;
    h.target.fire();
    await until(() => h.target.delivered.length === 2, "two delivered");
    await wait(60);
    expect(h.target.delivered).toHaveLength(2);
    expect(h.source.yielded).toBe(2);
    expect(h.source.pulls.every((p) => p.max <= 2 && p.expiresMs === PULL_MS)).toBe(true);
  });
});

describe("stop", () => {
  it("resolves, stops the source and pulls no more", async () => {
    const h = harness().start();
    const m = h.source.add(1);
    await until(() => m.acks === 1, "ack");
    await h.dispatcher.stop(50);
    expect(h.source.stopped).toBe(true);
    expect(h.target.listening).toBe(0);
    const pulls = h.source.pulls.length;
    h.source.stopped = false; // a source that would still answer
    h.source.add(2);
    await wait(50);
    expect(h.source.pulls.length).toBe(pulls);
    expect(h.target.delivered).toHaveLength(1);
  });

  it("waits for deliveries under way, which still settle", async () => {
    const h = harness().start();
    const gate = deferred<DeliveryOutcome>();
    h.target.behave = () => gate.promise;
    const m = h.source.add(1);
    await until(() => h.target.delivered.length === 1, "under way");
    let stopped = false;
    const stopping = h.dispatcher.stop(2000).then(() => {
      stopped = true;
    });
    await wait(30);
    expect(stopped).toBe(false);
    gate.resolve({ ok: true });
    await stopping;
    expect(m.acks).toBe(1);
  });

  it("gives up waiting after the grace period", async () => {
    const h = harness().start();
    h.target.behave = () => new Promise<DeliveryOutcome>(() => {});
    h.source.add(1);
    await until(() => h.target.delivered.length === 1, "under way");
    const t0 = Date.now();
    await h.dispatcher.stop(40);
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it("ends a sleep (open circuit) at once", async () => {
    const h = harness({ maxInFlight: 1, circuit: { failureThreshold: 1, cooldownMs: 600_000 } }).start();
    h.target.behave = () => fail("down");
    h.source.add(1);
    await until(() => h.dispatcher.circuit === "open", "open");
    const t0 = Date.now();
    await h.dispatcher.stop(50);
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it("stop before start, and a second stop, resolve", async () => {
    const h = harness();
    await h.dispatcher.stop(10);
    h.start();
    await h.dispatcher.stop(10);
    await expect(h.dispatcher.stop(10)).resolves.toBeUndefined();
  });
});

describe("poison", () => {
  it("dead-letters an undecodable message with reason 'poison' and terminates it", async () => {
    const h = harness().start();
    const m = h.source.addUndecodable(9);
    await until(() => m.terms === 1, "term");
    expect(h.target.delivered).toHaveLength(0);
    expect(h.deadLetters.writes).toHaveLength(1);
    const w = h.deadLetters.writes[0];
    expect(w?.event).toBe(m.raw);
    expect(w?.record).toMatchObject({
      subscription: "sub-1",
      reason: "poison",
      originalSeq: 9,
      originalSubject: "events.acme.9",
    });
    expect(w?.record.attempts).toHaveLength(1);
    expect(w?.record.attempts[0]?.message).toContain("type: is required");
    expect(h.journal).toEqual(["dlq 9 poison", "dlq-ok 9", "term 9"]);
    expect(h.dispatcher.stats.deadLettered).toBe(1);
    expect(h.observed).toEqual([{ kind: "dead-lettered", seq: 9, reason: "poison" }]);
  });

  it("a failing dead-letter write naks it instead", async () => {
    const h = harness().start();
    h.deadLetters.behave = () => Promise.reject(new Error("no"));
    const m = h.source.addUndecodable(9);
    await until(() => m.naks.length === 1, "nak");
    expect(m.naks).toEqual([DLQ_RETRY_MS]);
    expect(m.terms).toBe(0);
    expect(h.dispatcher.stats.deadLettered).toBe(0);
  });

  it("does not hold up the events after it", async () => {
    const h = harness().start();
    h.source.addUndecodable(1);
    const m = h.source.add(2);
    await until(() => m.acks === 1, "ack");
    expect(h.target.delivered.map((d) => d.seq)).toEqual([2]);
  });
});

describe("robustness", () => {
  it("a failed pull is retried at once (nats.js ends a pull whose heartbeats race its expiry with an error)", async () => {
    const h = harness();
    h.source.failNextPull = new Error("heartbeats missed");
    const m = h.source.add(1);
    const t0 = Date.now();
    h.start();
    await until(() => m.acks === 1, "ack");
    expect(Date.now() - t0).toBeLessThan(300);
    expect(h.source.pulls.length).toBeGreaterThanOrEqual(2);
    expect(h.logs.filter((l) => l.level === "warn")).toEqual([]);
  });

  it("pulls that keep failing are logged and retried with growing waits", async () => {
    const h = harness();
    h.source.failPulls = 3;
    const m = h.source.add(1);
    const t0 = Date.now();
    h.start();
    await until(() => m.acks === 1, "ack");
    // 10 + 100 + 250 ms of waits before the fourth pull
    expect(Date.now() - t0).toBeGreaterThanOrEqual(340);
    expect(h.logs.filter((l) => l.level === "warn" && l.msg === "pull failed; retrying").length).toBeGreaterThanOrEqual(2);
  });

  it("tells the source a long delivery is still being worked on", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const h = harness({ retry: { ackWaitMs: 3000 } }).start(); // heartbeat every 1 s
    const gate = deferred<DeliveryOutcome>();
    h.target.behave = () => gate.promise;
    const m = h.source.add(1);
    await until(() => h.target.delivered.length === 1, "under way");
    vi.advanceTimersByTime(2_100);
    expect(m.workings).toBe(2);
    gate.resolve({ ok: true });
    await until(() => m.acks === 1, "ack");
    vi.advanceTimersByTime(5_000);
    expect(m.workings).toBe(2);
  });
});
