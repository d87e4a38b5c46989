import type { CloudEvent } from "../cloudevents/event";
import { eventTrace, noopTracer, type Tracer } from "../tracing";
import type { Delivery, DeliveryOutcome, Target } from "./ports";

/**
 * A member of a subscription's queue group in this process: an in-process handler or a connected
 * WebSocket client. Members share the subscription's deliveries; each event goes to one of them.
 */
export interface Member {
  readonly id: string;
  /** Deliveries it can take now (what the dispatcher pulls for). */
  capacity(): number;
  /**
   * Deliveries it could still take under its own in-flight limit while `capacity` is 0 for flow
   * control only (a WebSocket client's send buffer over its byte limit, which clears as the socket
   * drains): a delivery already pulled then waits in the pool for it instead of going back to the
   * source. Absent: it never holds deliveries back that way.
   */
  room?(): number;
  deliver(d: Delivery): Promise<DeliveryOutcome>;
}

const GONE: DeliveryOutcome = { ok: false, gone: true };

/**
 * The members of one subscription in this process; the dispatcher's target. Round-robin over members
 * with capacity. A delivery that finds none, while a member is held back only by flow control
 * (`room`), waits here — in order, at most that room — until one has capacity again (`notify`) or
 * none has room left (it is then answered `gone`, as at once without such a member): a pull
 * reserved its slots before the client's buffer filled, and handing the rest back would hold them
 * for the dispatcher's hand-back delay.
 */
export class MemberPool implements Target {
  private readonly members = new Map<string, Member>();
  /** The members in order, for round-robin without a copy per delivery. */
  private list: Member[] = [];
  private readonly listeners = new Set<() => void>();
  private turn = 0;
  /** Deliveries waiting for a member's capacity, oldest first. */
  private waiting: { d: Delivery; resolve: (o: DeliveryOutcome | Promise<DeliveryOutcome>) => void }[] = [];

  add(m: Member): void {
    this.members.set(m.id, m);
    this.list = [...this.members.values()];
    this.notify();
  }

  remove(id: string): boolean {
    const had = this.members.delete(id);
    if (had) {
      this.list = [...this.members.values()];
      this.release();
    }
    return had;
  }

  /** Deliveries waiting for capacity (flow control). */
  get held(): number {
    return this.waiting.length;
  }

  get size(): number {
    return this.members.size;
  }

  /** Members call this when they can take more (e.g. a WebSocket client acknowledged). */
  notify(): void {
    this.release();
    for (const l of this.listeners) l();
  }

  capacity(): number {
    let n = 0;
    for (const m of this.list) n += Math.max(0, m.capacity());
    return n;
  }

  onCapacity(l: () => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  deliver(d: Delivery): Promise<DeliveryOutcome> {
    // those waiting go first
    if (this.waiting.length > 0) this.release();
    if (this.waiting.length === 0) {
      const m = this.next();
      if (m) return m.deliver(d);
    }
    if (this.room() <= this.waiting.length) return Promise.resolve(GONE);
    return new Promise((resolve) => this.waiting.push({ d, resolve }));
  }

  /** The next member with capacity, in turn. */
  private next(): Member | undefined {
    const all = this.list;
    for (let i = 0; i < all.length; i++) {
      const m = all[(this.turn + i) % all.length] as Member;
      if (m.capacity() > 0) {
        this.turn = (this.turn + i + 1) % all.length;
        return m;
      }
    }
    return undefined;
  }

  private room(): number {
    let n = 0;
    for (const m of this.list) n += Math.max(0, m.room?.() ?? 0);
    return n;
  }

  /** Hands waiting deliveries to members with capacity; answers `gone` to those no member has room for. */
  private release(): void {
    if (this.waiting.length === 0) return;
    let taken = 0;
    for (const w of this.waiting) {
      const m = this.next();
      if (!m) break;
      let outcome: Promise<DeliveryOutcome>;
      try {
        outcome = m.deliver(w.d);
      } catch (e) {
        outcome = Promise.reject(e); // answered to the dispatcher as a thrown delivery, as one made at once
      }
      w.resolve(outcome);
      taken++;
    }
    this.waiting = taken === 0 ? this.waiting : this.waiting.slice(taken);
    const room = this.room();
    if (this.waiting.length > room) {
      for (const w of this.waiting.slice(room)) w.resolve(GONE);
      this.waiting = this.waiting.slice(0, room);
    }
  }
}

/** What an in-process handler receives with each event. */
export interface HandlerContext {
  seq: number;
  tenant: string;
  attempt: number;
  deliveryId: string;
  subject: string;
  replayId?: string;
}

/** Resolve to acknowledge; throw to retry with backoff; throw `RejectEvent` to dead-letter at once. */
export type EventHandler = (event: CloudEvent, ctx: HandlerContext) => Promise<void> | void;

/** Thrown by a handler for an event that can never succeed (poison): it is dead-lettered without retries. */
export class RejectEvent extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RejectEvent";
  }
}

/**
 * An in-process handler as a member: no limit of its own (the subscription's maxInFlight applies).
 * Each call is a `handler` span, child of the delivery span (or of the event's trace context).
 */
export function handlerMember(id: string, h: EventHandler, tracer: Tracer = noopTracer): Member {
  return {
    id,
    capacity: () => Number.POSITIVE_INFINITY,
    async deliver(d) {
      const span = tracer.start("handler", {
        parent: d.trace ?? eventTrace(d.event),
        attributes: tracer.enabled ? { "anumate.member": id, "anumate.seq": d.seq, "anumate.attempt": d.attempt } : undefined,
      });
      try {
        await h(d.event, {
          seq: d.seq,
          tenant: d.tenant,
          attempt: d.attempt,
          deliveryId: d.deliveryId,
          subject: d.subject,
          ...(d.replayId ? { replayId: d.replayId } : {}),
        });
        return { ok: true };
      } catch (e) {
        span.fail(e);
        return { ok: false, retryable: !(e instanceof RejectEvent), message: e instanceof Error ? e.message : String(e) };
      } finally {
        span.end();
      }
    },
  };
}
