import type { CloudEvent } from "../cloudevents/event";
import { eventTrace, noopTracer, type Tracer } from "../tracing";
import type { Delivery, DeliveryOutcome, Target } from "./ports";

/**
 * A member of a subscription's queue group in this process: an in-process handler or a connected
 * WebSocket client. Members share the subscription's deliveries; each event goes to one of them.
 */
export interface Member {
  readonly id: string;
  /** Deliveries it can take now. */
  capacity(): number;
  deliver(d: Delivery): Promise<DeliveryOutcome>;
}

/** The members of one subscription in this process; the dispatcher's target. Round-robin over members with capacity. */
export class MemberPool implements Target {
  private readonly members = new Map<string, Member>();
  /** The members in order, for round-robin without a copy per delivery. */
  private list: Member[] = [];
  private readonly listeners = new Set<() => void>();
  private turn = 0;

  add(m: Member): void {
    this.members.set(m.id, m);
    this.list = [...this.members.values()];
    this.notify();
  }

  remove(id: string): boolean {
    const had = this.members.delete(id);
    if (had) this.list = [...this.members.values()];
    return had;
  }

  get size(): number {
    return this.members.size;
  }

  /** Members call this when they can take more (e.g. a WebSocket client acknowledged). */
  notify(): void {
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
    const all = this.list;
    for (let i = 0; i < all.length; i++) {
      const m = all[(this.turn + i) % all.length] as Member;
      if (m.capacity() > 0) {
        this.turn = (this.turn + i + 1) % all.length;
        return m.deliver(d);
      }
    }
    return Promise.resolve({ ok: false, gone: true });
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
