import type { StoredEvent } from "../bus/ports";
import type { CloudEvent } from "../cloudevents/event";
import type { JsonParts } from "../cloudevents/nats";
import { Wakeup } from "../wakeup";
import type { Delivery, DeliverySource, UndecodableDelivery } from "./ports";

/** An event a lane still holds when its dispatcher stopped, with the attempts it already had. */
export interface LaneLeftover {
  event: StoredEvent;
  /** Deliveries so far (failed attempts and hand-backs), as JetStream would count them. */
  delivered: number;
}

export interface LaneOptions {
  replayId: string;
  /** Events held at once (queued, in flight and waiting to be retried) at which it is `full`. */
  capacity: number;
  /** Each event's end: acknowledged, or dead-lettered by the dispatcher. */
  onSettled(seq: number, outcome: "acknowledged" | "dead-lettered"): void;
}

/**
 * A replay's direct path into one subscription's dispatcher in this replica: a delivery source in
 * memory, so replayed events need no copy in the redelivery stream. The dispatcher delivers,
 * retries (a nak puts the event back after its delay) and dead-letters them like any other; their
 * attempts are counted under the replay (`attemptKey` scope `replay`). When the dispatcher stops
 * (its last member here left, it was paused or deleted) the lane is detached: `leftovers()` hands
 * back what it still holds, to go on by the redelivery stream.
 */
export class Lane implements DeliverySource {
  private queue: LaneDelivery[] = [];
  private head = 0;
  private readonly waiting = new Map<LaneDelivery, ReturnType<typeof setTimeout>>();
  private readonly orphans: LaneLeftover[] = [];
  private inFlight = 0;
  /** A pull waiting for events. */
  private readonly arrivals = new Wakeup();
  /** The replay waiting for answers. */
  private readonly answers = new Wakeup();
  private state: "open" | "detached" | "closed" = "open";

  constructor(readonly o: LaneOptions) {}

  /** Detached (its dispatcher stopped, or the replay ended it): nothing more goes through it. */
  get ended(): boolean {
    return this.state !== "open";
  }

  /** Events held: queued, in flight and waiting to be retried. */
  get held(): number {
    return this.queue.length - this.head + this.inFlight + this.waiting.size;
  }

  /** Deliveries handed to the dispatcher and not yet answered. */
  get unanswered(): number {
    return this.inFlight;
  }

  offer(event: StoredEvent): void {
    if (this.state !== "open") throw new Error("the lane is detached");
    this.queue.push(new LaneDelivery(this, event, 1));
    this.wakePull();
  }

  /** Resolves on the next change (an event settled or handed back, the lane detached), or after `timeoutMs`. */
  changed(timeoutMs: number): Promise<void> {
    return this.answers.sleep(timeoutMs);
  }

  /** Whether it holds its capacity (or more): the replay waits before offering more. */
  get full(): boolean {
    return this.held >= this.o.capacity;
  }

  /** What it still holds, once detached: queued, waiting to be retried, handed back since. Taken once. */
  leftovers(): LaneLeftover[] {
    const out = this.orphans.splice(0);
    for (let i = this.head; i < this.queue.length; i++) {
      const d = this.queue[i] as LaneDelivery;
      out.push({ event: d.stored, delivered: d.attempt - 1 });
    }
    this.queue = [];
    this.head = 0;
    for (const [d, t] of this.waiting) {
      clearTimeout(t);
      out.push({ event: d.stored, delivered: d.attempt });
    }
    this.waiting.clear();
    return out;
  }

  /** Cancelled: drops what it holds; deliveries in flight end as they will. */
  close(): void {
    this.leftovers();
    this.state = "closed";
    this.orphans.length = 0;
    this.wakePull();
    this.emit();
  }

  // ---- DeliverySource (the dispatcher's side) ----

  async pull(max: number, expiresMs: number, onDelivery: (d: Delivery | UndecodableDelivery) => boolean): Promise<void> {
    if (this.head >= this.queue.length && this.state === "open") await this.arrivals.sleep(expiresMs);
    let handed = 0;
    while (handed < max && this.head < this.queue.length && this.state === "open") {
      const d = this.queue[this.head] as LaneDelivery;
      this.queue[this.head++] = undefined as unknown as LaneDelivery;
      this.inFlight++;
      handed++;
      if (!onDelivery(d)) break;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  stop(): void {
    if (this.state === "open") this.state = "detached";
    this.wakePull();
    this.emit();
  }

  // ---- answers of deliveries (LaneDelivery calls these) ----

  settle(d: LaneDelivery, outcome: "acknowledged" | "dead-lettered"): void {
    this.inFlight--;
    this.o.onSettled(d.seq, outcome);
    this.emit();
  }

  retry(d: LaneDelivery, delayMs: number): void {
    this.inFlight--;
    if (this.state === "detached") this.orphans.push({ event: d.stored, delivered: d.attempt });
    else if (this.state === "open") {
      const t = setTimeout(() => {
        this.waiting.delete(d);
        this.queue.push(new LaneDelivery(this, d.stored, d.attempt + 1));
        this.wakePull();
      }, delayMs);
      t.unref();
      this.waiting.set(d, t);
    }
    this.emit();
  }

  private wakePull(): void {
    this.arrivals.wake();
  }

  private emit(): void {
    this.answers.wake();
  }
}

/** One attempt of a replayed event through a lane. */
class LaneDelivery implements Delivery {
  readonly deliveryId: string;
  readonly attemptKey: Delivery["attemptKey"];
  private answered = false;

  constructor(
    private readonly lane: Lane,
    readonly stored: StoredEvent,
    readonly attempt: number,
  ) {
    this.deliveryId = `${lane.o.replayId}:${stored.seq}:${attempt}`;
    this.attemptKey = { scope: "replay", seq: stored.seq };
  }

  get seq(): number {
    return this.stored.seq;
  }
  get subject(): string {
    return this.stored.subject;
  }
  get tenant(): string {
    return this.stored.tenant;
  }
  get storedAt(): string {
    return this.stored.storedAt;
  }
  get storedAtMs(): number | undefined {
    return this.stored.storedAtMs;
  }
  get type(): string | undefined {
    return this.stored.type;
  }
  get event(): CloudEvent {
    return this.stored.event;
  }
  get json(): JsonParts | undefined {
    return this.stored.json;
  }
  get replayId(): string {
    return this.lane.o.replayId;
  }

  /** Only the first answer counts. */
  private answer(): boolean {
    if (this.answered) return false;
    this.answered = true;
    return true;
  }

  ack(): void {
    if (this.answer()) this.lane.settle(this, "acknowledged");
  }
  nak(delayMs: number): void {
    if (this.answer()) this.lane.retry(this, delayMs);
  }
  term(): void {
    if (this.answer()) this.lane.settle(this, "dead-lettered");
  }
  working(): void {}
}
