import { createHash, randomUUID } from "node:crypto";
import { AppError } from "../../../lib/errors";
import { type CloudEvent, createEvent, withExtensions } from "../cloudevents/event";
import { type Ctx, mayActOn } from "../context";
import { matchesTypePattern } from "../delivery/filters";
import type { Tracer } from "../tracing";
import { tracePublish } from "./observe";
import type { EventStore, HistoryPage, MetricsSink, StoredEvent } from "./ports";
import { eventSubject, subjectFilter } from "./subjects";

/** The answer for one published event (API.md "Events"). */
export interface PublishResult {
  id: string;
  source: string;
  tenant: string;
  stream: string;
  seq: number;
  duplicate: boolean;
}

export interface HistoryInput {
  tenant?: string;
  type?: string;
  /** The CloudEvents `subject` attribute, matched exactly. */
  subject?: string;
  from?: string;
  to?: string;
  fromSeq?: number;
  limit: number;
}

/** The seed's convenience form (snake_case on the wire). */
export interface SimplePublishInput {
  source: string;
  eventType: string;
  data?: unknown;
  tenantId?: string;
  subject?: string;
  correlationId?: string;
}

export interface EventsService {
  publish(args: { ctx: Ctx; input: { events: readonly CloudEvent[] } }): Promise<PublishResult[]>;
  publishSimple(args: { ctx: Ctx; input: SimplePublishInput }): Promise<PublishResult>;
  history(args: { ctx: Ctx; input: HistoryInput }): Promise<HistoryPage>;
  get(args: { ctx: Ctx; input: { seq: number } }): Promise<StoredEvent>;
}

export interface EventsServiceOptions {
  store: EventStore;
  metrics: MetricsSink;
  streamName: string;
  subjectPrefix: string;
  defaultTenant: string;
  /** Rate limits on events (per key and tenant); absent: none. */
  limits?: { events(ctx: Ctx, perTenant: Map<string, number>): Promise<void> };
  /** Most messages one history request reads while filtering by attributes NATS cannot filter on. @default 10000 */
  scanLimit?: number;
  /** `publish` spans (one per event); an event without trace context gets the span's. */
  tracer?: Tracer;
}

/** The JetStream message id: the same (tenant, source, id) within the duplicate window is stored once. */
export function messageId(tenant: string, source: string, id: string): string {
  return createHash("sha256").update(`${tenant}\u0000${source}\u0000${id}`).digest("base64url");
}

export function tenantOf(event: CloudEvent, defaultTenant: string): string {
  const t = event.extensions.tenantid;
  return typeof t === "string" ? t : defaultTenant;
}

export function createEventsService(opts: EventsServiceOptions): EventsService {
  const { store, metrics, streamName, subjectPrefix, defaultTenant } = opts;
  const scanLimit = opts.scanLimit ?? 10_000;

  function forbidden(tenant: string, index?: number): AppError {
    return new AppError("FORBIDDEN", `This key may not act on tenant "${tenant}"`, {
      details: [
        { field: "tenantid", rule: "must be a tenant this key is allowed to use", ...(index !== undefined ? { index } : {}) },
      ],
    });
  }

  async function publish({ ctx, input }: { ctx: Ctx; input: { events: readonly CloudEvent[] } }): Promise<PublishResult[]> {
    const items = input.events.map((raw, index) => {
      const tenant = tenantOf(raw, defaultTenant);
      if (!mayActOn(ctx, tenant)) throw forbidden(tenant, index);
      if (ctx.types && !ctx.types.some((p) => matchesTypePattern(raw.type, p))) {
        throw new AppError("FORBIDDEN", `This key may not publish events of type "${raw.type}"`, {
          details: [
            { field: "type", rule: `must match one of: ${ctx.types.join(", ")}`, ...(input.events.length > 1 ? { index } : {}) },
          ],
        });
      }
      // Trace context travels in the event: the request's traceparent is added when the event has none.
      const event =
        ctx.trace && raw.extensions.traceparent === undefined
          ? withExtensions(raw, ctx.trace.tracestate ? { ...ctx.trace } : { traceparent: ctx.trace.traceparent })
          : raw;
      return {
        event,
        tenant,
        subject: eventSubject(subjectPrefix, tenant, event.type),
        msgId: messageId(tenant, event.source, event.id),
      };
    });
    if (items.length === 0) return [];
    if (opts.limits) {
      const perTenant = new Map<string, number>();
      for (const it of items) perTenant.set(it.tenant, (perTenant.get(it.tenant) ?? 0) + 1);
      await opts.limits.events(ctx, perTenant);
    }
    const acks = await (opts.tracer?.enabled ? tracePublish(opts.tracer, items, () => store.append(items)) : store.append(items));
    const counts = new Map<string, { tenant: string; type: string; n: number }>();
    const results = items.map((it, i) => {
      const ack = acks[i] as (typeof acks)[number];
      if (!ack.duplicate) {
        const key = `${it.tenant}\u0000${it.event.type}`;
        const c = counts.get(key) ?? { tenant: it.tenant, type: it.event.type, n: 0 };
        c.n++;
        counts.set(key, c);
      }
      return {
        id: it.event.id,
        source: it.event.source,
        tenant: it.tenant,
        stream: streamName,
        seq: ack.seq,
        duplicate: ack.duplicate,
      };
    });
    for (const c of counts.values()) metrics.published(c.tenant, c.type, c.n);
    return results;
  }

  async function publishSimple({ ctx, input }: { ctx: Ctx; input: SimplePublishInput }): Promise<PublishResult> {
    const attributes: Record<string, unknown> = {
      specversion: "1.0",
      id: randomUUID(),
      source: input.source,
      type: input.eventType,
      time: new Date().toISOString(),
      subject: input.subject,
      tenantid: input.tenantId,
      correlationid: input.correlationId,
    };
    if (input.data !== undefined) attributes.datacontenttype = "application/json";
    const r = createEvent({ attributes, data: input.data === undefined ? undefined : { kind: "json", value: input.data } });
    if (!r.ok) {
      const wire: Record<string, string> = { type: "event_type", tenantid: "tenant_id", correlationid: "correlation_id" };
      throw new AppError("VALIDATION", "The event is invalid", {
        details: r.problems.map((p) => ({ ...p, field: wire[p.field] ?? p.field })),
      });
    }
    const [result] = await publish({ ctx, input: { events: [r.event] } });
    return result as PublishResult;
  }

  async function history({ ctx, input }: { ctx: Ctx; input: HistoryInput }): Promise<HistoryPage> {
    if (input.tenant !== undefined && !mayActOn(ctx, input.tenant)) throw forbidden(input.tenant);
    const scoped = ctx.tenants === "*" ? undefined : new Set(ctx.tenants);
    if (input.tenant === undefined && scoped !== undefined && scoped.size === 1) input = { ...input, tenant: [...scoped][0] };
    const subject = input.subject;
    const accept = (e: StoredEvent) =>
      (subject === undefined || e.event.subject === subject) && (scoped === undefined || scoped.has(e.tenant));
    return store.history({
      filterSubject: subjectFilter(subjectPrefix, input.tenant, input.type),
      fromSeq: input.fromSeq,
      fromTime: input.from,
      toTime: input.to,
      limit: input.limit,
      scanLimit,
      accept,
    });
  }

  async function get({ ctx, input }: { ctx: Ctx; input: { seq: number } }): Promise<StoredEvent> {
    const e = await store.get(input.seq);
    // Another tenant's event is reported as absent, so its existence does not leak.
    if (e === undefined || !mayActOn(ctx, e.tenant)) {
      throw new AppError("NOT_FOUND", `No event at seq ${input.seq}`, {
        details: [{ field: "seq", rule: "must be the seq of a stored event" }],
      });
    }
    return e;
  }

  return { publish, publishSimple, history, get };
}
