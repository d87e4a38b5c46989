import { eventLogFields, eventTrace, noopTracer, type Tracer, type TraceSpan } from "../tracing";
import { Wakeup } from "../wakeup";
import { retryDelayMs } from "./backoff";
import { CircuitBreaker, type CircuitState } from "./breaker";
import { matchesRead } from "./filters";
import {
  type AttemptError,
  type AttemptLog,
  type DeadLetterRecord,
  type DeadLetterSink,
  type Delivery,
  type DeliveryOutcome,
  type DeliverySource,
  deliveryWith,
  type Subscription,
  type Target,
  type UndecodableDelivery,
} from "./ports";

export interface DispatcherDeps {
  source: DeliverySource;
  /** More sources sharing the same limits (the redelivery stream's replayed and requeued copies). */
  extraSources?: DeliverySource[];
  target: Target;
  deadLetters: DeadLetterSink;
  attempts: AttemptLog;
  log: (level: "info" | "warn" | "error", msg: string, extra?: object) => void;
  /** Called as each attempt starts and for each settled delivery (for metrics and the processing status). */
  observe?: (e: DeliveryObservation) => void;
  /** Spans of deliveries and dead-letter writes, children of the event's trace context. @default noopTracer */
  tracer?: Tracer;
  now?: () => number;
  random?: () => number;
  /** How long one pull waits for messages. @default 1000 */
  pullExpiresMs?: number;
}

export type DeliveryObservation =
  /** An attempt starts: the event goes to the target. */
  | { kind: "attempt"; d: Delivery }
  | { kind: "delivered"; d: Delivery; latencyMs: number }
  | { kind: "failed"; d: Delivery; error: AttemptError; willRetry: boolean }
  /** `d` is absent for poison (a message that is not a CloudEvent). */
  | { kind: "dead-lettered"; seq: number; reason: DeadLetterRecord["reason"]; d?: Delivery }
  | { kind: "skipped"; d: Delivery };

export interface DispatcherStats {
  delivered: number;
  skipped: number;
  failed: number;
  deadLettered: number;
  inFlight: number;
  circuit: CircuitState;
  lastError: { message: string; status?: number; at: string } | null;
}

const DLQ_RETRY_MS = 5000;
/** Waits before pulling again after 1, 2, 3, … consecutive failed pulls. */
const PULL_RETRY_MS = [10, 100, 250, 500, 1000];
/**
 * An event delivered (maxAttempts + this) × 10 times with no answer on record is called undeliverable
 * (e.g. it crashes its handler's process). Generous, because hand-backs (an open circuit, a member
 * that left) also raise JetStream's delivery count.
 */
const RUNAWAY_DELIVERIES = 20;

/** The failures on record of a first delivery (shared: never changed). */
const NO_HISTORY: AttemptError[] = [];

/** The outcome of a target that threw. */
function thrown(e: unknown): DeliveryOutcome {
  return { ok: false, message: e instanceof Error ? e.message : String(e), retryable: true };
}

/**
 * Delivers one subscription's events in this process: pulls only as many as the target can take
 * (and the circuit allows), skips events the attribute filters reject (acknowledged, not counted),
 * acknowledges successes, retries failures with backoff (a delayed nak), and dead-letters after
 * the last attempt — terminating the original only once the dead-letter write is acknowledged.
 */
export class Dispatcher {
  private sub: Subscription;
  private readonly breaker: CircuitBreaker;
  private running = false;
  private loop: Promise<void> | undefined;
  /** Deliveries being handled (pulled, not yet settled). */
  private active = 0;
  /** Called when the last delivery under way settles (`stop` waits for it). */
  private drained: (() => void) | undefined;
  private readonly wakeup = new Wakeup();
  /** Slots promised to pulls under way (not yet received). */
  private reserved = 0;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private readonly working = new Set<Delivery>();
  private unlisten: (() => void) | undefined;
  /** Sources added while running, each with its pull loop. */
  private readonly added = new Map<DeliverySource, Promise<void>>();
  readonly stats: DispatcherStats = {
    delivered: 0,
    skipped: 0,
    failed: 0,
    deadLettered: 0,
    inFlight: 0,
    circuit: "closed",
    lastError: null,
  };

  constructor(
    sub: Subscription,
    private readonly deps: DispatcherDeps,
  ) {
    this.sub = sub;
    this.now = deps.now ?? Date.now;
    this.random = deps.random ?? Math.random;
    this.breaker = new CircuitBreaker(sub.circuit, this.now);
    // long deliveries tell JetStream they are still being worked on, so they are not redelivered meanwhile
    this.heartbeat = setInterval(
      () => {
        for (const d of this.working) d.working();
      },
      Math.max(500, Math.floor(sub.retry.ackWaitMs / 3)),
    );
    this.heartbeat.unref();
  }

  private get pullExpiresMs(): number {
    return this.deps.pullExpiresMs ?? 1000;
  }

  /**
   * Delay for events handed back without an attempt. Longer than a pull lives, so a handed-back
   * event is not sent straight back to the pull it came from.
   */
  private get handbackMs(): number {
    return this.pullExpiresMs + 250;
  }

  get circuit(): CircuitState {
    return this.breaker.state;
  }

  /** Applies a changed definition (filters, retry, limits) without restarting the pull. */
  update(sub: Subscription): void {
    this.sub = sub;
    this.poke();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unlisten = this.deps.target.onCapacity(() => this.poke());
    this.loop = this.run().catch((e) =>
      this.deps.log("error", "dispatcher stopped on an error", { subscription: this.sub.id, err: String(e) }),
    );
  }

  /** Stops pulling and waits (up to `graceMs`) for deliveries under way. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.unlisten?.();
    for (const src of this.sources) src.stop();
    this.poke();
    await this.loop;
    if (this.active > 0) {
      const settled = new Promise<void>((r) => (this.drained = r));
      await Promise.race([settled, new Promise((r) => setTimeout(r, graceMs).unref())]);
      this.drained = undefined;
    }
    clearInterval(this.heartbeat);
  }

  private poke(): void {
    this.wakeup.wake();
  }

  private sleep(ms: number): Promise<void> {
    return this.wakeup.sleep(ms);
  }

  private get sources(): DeliverySource[] {
    return [this.deps.source, ...(this.deps.extraSources ?? []), ...this.added.keys()];
  }

  /**
   * Adds a source while running (a replay's lane), sharing the same limits; it is pulled until it
   * ends or the dispatcher stops (which stops it). False when the dispatcher is not running.
   */
  addSource(source: DeliverySource): boolean {
    if (!this.running) return false;
    this.added.set(
      source,
      this.runSource(source).finally(() => this.added.delete(source)),
    );
    return true;
  }

  /** One pull loop per source; they share the subscription's in-flight limit through reservations. */
  private async run(): Promise<void> {
    await Promise.all([this.deps.source, ...(this.deps.extraSources ?? [])].map((s) => this.runSource(s)));
    await Promise.all([...this.added.values()]);
  }

  private async runSource(source: DeliverySource): Promise<void> {
    // How many to ask for: starts at 1 and doubles while pulls come back full, so an idle source
    // holds one slot and a busy one grows to the whole in-flight limit.
    let want = 1;
    // a source that waits for work while idle starts by looking (it is usually empty)
    let idle = source.waitForWork !== undefined;
    // consecutive failed pulls: the first is retried at once (nats.js ends a pull that outlives its
    // heartbeats with an error — a race with the pull's own expiry, not a fault), then with backoff
    let failures = 0;
    while (this.running && !source.ended) {
      // A source whose last pull came back empty lets the others claim free slots first: otherwise it
      // re-reserves the slot it just released before a woken source runs, and holds it a whole pull
      // (starving a busy source whenever only one slot is free, e.g. maxInFlight 1).
      if (idle) {
        if (source.waitForWork) {
          await source.waitForWork(this.pullExpiresMs);
          if (!this.running || source.ended) break;
        } else await new Promise((r) => setTimeout(r, 0));
      }
      const free = Math.min(this.sub.maxInFlight - this.active - this.reserved, this.deps.target.capacity() - this.reserved);
      const allowed = this.breaker.allowance(Math.max(0, Math.min(free, want)));
      this.stats.circuit = this.breaker.state;
      if (allowed <= 0) {
        const probeIn = this.breaker.msUntilProbe();
        await this.sleep(probeIn > 0 ? probeIn : 1000);
        continue;
      }
      this.reserved += allowed;
      let received = 0;
      try {
        const leftover = () => Math.max(this.breaker.msUntilProbe(), this.handbackMs);
        const onDelivery = (d: Delivery | UndecodableDelivery): boolean => {
          received++;
          this.reserved--;
          // in half-open, the delivery pulled now is the one probe
          const probe = this.breaker.state === "half-open";
          if (probe) this.breaker.started();
          this.track(d, probe);
          // an opening circuit ends the pull at once, so no more attempts are spent while it is open
          return this.running && this.breaker.state === "closed";
        };
        await source.pull(allowed, this.pullExpiresMs, onDelivery, leftover);
        failures = 0;
      } catch (e) {
        if (!this.running) break;
        failures++;
        if (failures > 1) this.deps.log("warn", "pull failed; retrying", { subscription: this.sub.id, err: String(e), failures });
        await this.sleep(PULL_RETRY_MS[Math.min(failures, PULL_RETRY_MS.length) - 1] as number);
      } finally {
        this.reserved -= allowed - received;
        idle = received === 0;
        want = received >= allowed ? Math.min(want * 2, this.sub.maxInFlight) : Math.max(1, received);
        this.poke();
      }
    }
  }

  /**
   * Handles one delivery to its end. The usual one (a first attempt, acknowledged) goes through
   * without an async function: one promise reaction for the target's answer, nothing else per event.
   */
  private track(d: Delivery | UndecodableDelivery, probe: boolean): void {
    this.active++;
    this.stats.inFlight = this.active;
    let pending: Promise<void> | undefined;
    try {
      pending = "undecodable" in d ? this.poison(d) : this.handle(d, probe);
    } catch (e) {
      this.handlingFailed(d, e);
    }
    if (!pending) this.settled(probe);
    else
      pending.then(
        () => this.settled(probe),
        (e) => {
          this.handlingFailed(d, e);
          this.settled(probe);
        },
      );
  }

  private settled(probe: boolean): void {
    // a probe that ended without an answer from the target (skipped, handed back, dead-lettered unseen) frees the probe slot
    if (probe) this.breaker.release();
    this.active--;
    this.stats.inFlight = this.active;
    if (this.active === 0) this.drained?.();
    this.poke();
  }

  private handlingFailed(d: Delivery | UndecodableDelivery, e: unknown): void {
    this.deps.log("error", "delivery handling failed", {
      subscription: this.sub.id,
      seq: d.seq,
      err: String(e),
      ...("undecodable" in d ? {} : eventLogFields(d.event, d.tenant)),
    });
  }

  /** Undefined when it ended at once (skipped, handed back). */
  private handle(delivered: Delivery, probe: boolean): Promise<void> | undefined {
    const sub = this.sub;
    if (!matchesRead(delivered, sub.types, sub.filters)) {
      delivered.ack();
      this.stats.skipped++;
      this.deps.observe?.({ kind: "skipped", d: delivered });
      return;
    }
    // Attempts are the failures on record + 1: JetStream's delivery count also counts hand-backs
    // (pause, an open circuit, a member that left), which are not attempts. A first delivery has none.
    if (delivered.attempt > 1) return this.redelivered(delivered, probe);
    return this.verdict(delivered, delivered.attempt, NO_HISTORY) ?? this.attempt(delivered, NO_HISTORY, probe);
  }

  private async redelivered(delivered: Delivery, probe: boolean): Promise<void> {
    const history = await this.deps.attempts.get(...this.attemptKey(delivered)).catch(() => []);
    const d: Delivery =
      history.length + 1 === delivered.attempt ? delivered : deliveryWith(delivered, { attempt: history.length + 1 });
    await (this.verdict(d, delivered.attempt, history) ?? this.attempt(d, history, probe));
  }

  /** A dead-letter write, for a delivery that must not be attempted again; undefined when it may be. */
  private verdict(d: Delivery, deliveryCount: number, history: AttemptError[]): Promise<void> | undefined {
    const sub = this.sub;
    if (history.at(-1)?.final) {
      // rejected by the target, but the dead-letter write failed: write it again, do not deliver again
      return this.deadLetter(d, "rejected", history);
    }
    if (d.attempt > sub.retry.maxAttempts) {
      // the last attempt failed but its dead-letter write did not happen (e.g. a crash)
      return this.deadLetter(d, "max-attempts", history);
    }
    if (deliveryCount > (sub.retry.maxAttempts + RUNAWAY_DELIVERIES) * 10) {
      // it keeps coming back without an answer (e.g. it crashes its handler's process)
      return this.deadLetter(d, "undeliverable", [
        ...history,
        this.error(d.attempt, `delivered ${deliveryCount} times without an answer`),
      ]);
    }
    return undefined;
  }

  /** One attempt: the event goes to the target; its answer settles it. */
  private attempt(d: Delivery, history: AttemptError[], probe: boolean): Promise<void> | undefined {
    if (!probe && this.breaker.state !== "closed") {
      d.nak(Math.max(this.breaker.msUntilProbe(), this.handbackMs)); // arrived as the circuit opened: wait for it
      return;
    }
    const started = this.now();
    const tracer = this.tracer;
    const span = tracer.enabled
      ? tracer.start("deliver", { parent: eventTrace(d.event), kind: "consumer", attributes: this.spanAttributes(d) })
      : undefined;
    const traced: Delivery = span?.context ? deliveryWith(d, { trace: span.context }) : d;
    this.working.add(d);
    this.deps.observe?.({ kind: "attempt", d });
    let answer: Promise<DeliveryOutcome>;
    try {
      answer = this.deps.target.deliver(traced);
    } catch (e) {
      answer = Promise.resolve(thrown(e));
    }
    return answer.then(
      (outcome) => this.answered(d, history, started, span, outcome),
      (e) => this.answered(d, history, started, span, thrown(e)),
    );
  }

  private answered(
    d: Delivery,
    history: AttemptError[],
    started: number,
    span: TraceSpan | undefined,
    outcome: DeliveryOutcome,
  ): Promise<void> | undefined {
    this.working.delete(d);
    if (span) {
      if (!outcome.ok) span.fail("gone" in outcome ? "member left" : outcome.message);
      span.setAttributes({
        "anumate.outcome": outcome.ok ? "ack" : "gone" in outcome ? "gone" : outcome.retryable ? "retry" : "reject",
      });
      span.end();
    }
    if (outcome.ok) {
      d.ack();
      this.breaker.success();
      this.stats.delivered++;
      this.stats.circuit = this.breaker.state;
      this.deps.observe?.({ kind: "delivered", d, latencyMs: this.now() - started });
      return d.attempt > 1 ? this.deps.attempts.clear(...this.attemptKey(d)).catch(() => {}) : undefined;
    }
    if ("gone" in outcome) {
      d.nak(this.handbackMs); // the member left; another one takes it
      return;
    }
    return this.failed(d, history, outcome);
  }

  private async failed(
    d: Delivery,
    history: AttemptError[],
    outcome: Extract<DeliveryOutcome, { retryable: boolean }>,
  ): Promise<void> {
    const sub = this.sub;
    this.breaker.failure();
    this.stats.circuit = this.breaker.state;
    this.stats.failed++;
    const err: AttemptError = {
      ...this.error(d.attempt, outcome.message, outcome.status),
      ...(outcome.retryable ? {} : { final: true }),
    };
    this.stats.lastError = { message: err.message, at: err.at, ...(err.status !== undefined ? { status: err.status } : {}) };
    const failures = await this.deps.attempts.record(...this.attemptKey(d), err).catch(() => [...history, err]);
    const last = d.attempt >= sub.retry.maxAttempts;
    this.deps.observe?.({ kind: "failed", d, error: err, willRetry: outcome.retryable && !last });
    if (!outcome.retryable) {
      await this.deadLetter(d, "rejected", failures);
    } else if (last) {
      await this.deadLetter(d, "max-attempts", failures);
    } else {
      d.nak(outcome.delayMs ?? retryDelayMs(sub.retry, d.attempt, this.random, outcome.retryAfterMs));
    }
  }

  private get tracer(): Tracer {
    return this.deps.tracer ?? noopTracer;
  }

  private spanAttributes(d: Delivery) {
    return {
      "anumate.subscription": this.sub.id,
      "anumate.seq": d.seq,
      "anumate.attempt": d.attempt,
      "anumate.replay_id": d.replayId,
      "cloudevents.event_id": d.event.id,
      "cloudevents.event_type": d.event.type,
      "anumate.tenant": d.tenant,
    };
  }

  /** The attempt log's (scope, seq) for a delivery. */
  private attemptKey(d: Delivery): [string, number] {
    const k = d.attemptKey;
    if (k?.scope === "redelivery") return [`${this.sub.id}_rd`, k.seq];
    if (k?.scope === "replay") return [`${this.sub.id}_rp_${d.replayId}`, k.seq];
    return [this.sub.id, k?.seq ?? d.seq];
  }

  private error(attempt: number, message: string, status?: number): AttemptError {
    return {
      attempt,
      at: new Date(this.now()).toISOString(),
      message: message.slice(0, 2000),
      ...(status !== undefined ? { status } : {}),
    };
  }

  private async deadLetter(d: Delivery, reason: DeadLetterRecord["reason"], attempts: AttemptError[]): Promise<void> {
    const sorted = [...attempts].sort((a, b) => a.attempt - b.attempt);
    const record: DeadLetterRecord = {
      subscription: this.sub.id,
      tenant: d.tenant,
      reason,
      attempts: sorted,
      firstFailedAt: sorted[0]?.at ?? new Date(this.now()).toISOString(),
      lastFailedAt: sorted[sorted.length - 1]?.at ?? new Date(this.now()).toISOString(),
      originalSeq: d.seq,
      originalSubject: d.subject,
    };
    const span = this.tracer.start("dead-letter", {
      parent: eventTrace(d.event),
      kind: "producer",
      attributes: this.tracer.enabled ? { ...this.spanAttributes(d), "anumate.reason": reason } : undefined,
    });
    try {
      await this.deps.deadLetters.write(d.event, record);
    } catch (e) {
      // not written: the event stays in the stream and comes back
      span.fail(e);
      span.end();
      this.deps.log("warn", "dead-letter write failed; will retry", {
        subscription: this.sub.id,
        seq: d.seq,
        err: String(e),
        ...eventLogFields(d.event, d.tenant),
      });
      d.nak(DLQ_RETRY_MS);
      return;
    }
    span.end();
    d.term();
    this.stats.deadLettered++;
    this.deps.observe?.({ kind: "dead-lettered", seq: d.seq, reason, d });
    await this.deps.attempts.clear(...this.attemptKey(d)).catch(() => {});
  }

  private async poison(d: UndecodableDelivery): Promise<void> {
    const at = new Date(this.now()).toISOString();
    const record: DeadLetterRecord = {
      subscription: this.sub.id,
      tenant: "",
      reason: "poison",
      attempts: [{ attempt: d.attempt, at, message: `not a valid CloudEvent: ${d.problems}` }],
      firstFailedAt: at,
      lastFailedAt: at,
      originalSeq: d.seq,
      originalSubject: d.subject,
    };
    try {
      await this.deps.deadLetters.write(d.raw, record);
      d.term();
      this.stats.deadLettered++;
      this.deps.observe?.({ kind: "dead-lettered", seq: d.seq, reason: "poison" });
    } catch {
      d.nak(DLQ_RETRY_MS);
    }
  }
}
