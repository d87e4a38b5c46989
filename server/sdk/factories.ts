import { catalog, type EventDataOf, type EventType, getCatalogEntry, type Service, validateEventData } from "../../lib/catalog";
import { AppError } from "../../lib/errors";
import type { PublishResult } from "../core/bus/events";
import type { CloudEvent } from "../core/cloudevents/event";
import { type HandlerContext, RejectEvent } from "../core/delivery/members";
import type { EventBusService, InProcessSubscription } from "./event-bus";

/** Who and what an event belongs to: tenant, correlation, CE subject and trace context. */
export interface PublishContext {
  tenantId?: string;
  correlationId?: string;
  subject?: string;
  traceparent?: string;
  tracestate?: string;
  /** Defaults to a new UUID; give one to make a retried publish idempotent. */
  id?: string;
  /** Defaults to now. */
  time?: string;
}

type PascalCase<S extends string> = S extends `${infer H}_${infer T}` ? `${Capitalize<H>}${PascalCase<T>}` : Capitalize<S>;
type MethodName<T extends string> = T extends `com.anumate.${infer D}.${infer V}`
  ? `publish${Capitalize<D>}${PascalCase<V>}`
  : never;
/** Each service publishes the events of one domain. */
type DomainOf<S extends Service> = S extends "capsule-registry"
  ? "capsule"
  : S extends "policy"
    ? "policy"
    : S extends "orchestrator"
      ? "execution"
      : "approval";
type TypesOf<S extends Service> = Extract<EventType, `com.anumate.${DomainOf<S>}.${string}`>;

/** Typed publishers of one service, e.g. `publishCapsuleCreated(data, context)`. */
export type ServicePublisher<S extends Service> = {
  [T in TypesOf<S> as MethodName<T>]: (data: EventDataOf<T>, context?: PublishContext) => Promise<PublishResult>;
} & {
  /** Any type of this service by name. */
  publish<T extends TypesOf<S>>(type: T, data: EventDataOf<T>, context?: PublishContext): Promise<PublishResult>;
};

function methodName(type: string): string {
  const [, , domain = "", verb = ""] = type.split(".");
  const pascal = (s: string) =>
    s
      .split("_")
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join("");
  return `publish${pascal(domain)}${pascal(verb)}`;
}

/**
 * The seed's `EventPublisherFactory`: a typed publisher per service whose methods validate the
 * data against the catalog and publish the CloudEvent (UUID id, current time, source
 * `/services/<service>`, tenant and correlation as extensions).
 */
export class EventPublisherFactory {
  constructor(
    private readonly bus: EventBusService,
    private readonly sourcePrefix = "/services",
  ) {}

  private publisher<S extends Service>(service: S): ServicePublisher<S> {
    const publish = async (type: EventType, data: unknown, context: PublishContext = {}): Promise<PublishResult> => {
      const entry = getCatalogEntry(type);
      if (!entry || entry.service !== service) {
        throw new AppError("VALIDATION", `${type} is not published by ${service}`, {
          details: [{ field: "type", rule: `must be a ${service} event type` }],
        });
      }
      const checked = validateEventData(type, data);
      if (!checked.ok) throw new AppError("VALIDATION", `Invalid data for ${type}`, { details: [...checked.problems] });
      return this.bus.publishEvent({
        specversion: "1.0",
        id: context.id ?? crypto.randomUUID(),
        source: `${this.sourcePrefix}/${service}`,
        type,
        time: context.time ?? new Date().toISOString(),
        datacontenttype: "application/json",
        ...(context.subject ? { subject: context.subject } : {}),
        ...(context.tenantId ? { tenantid: context.tenantId } : {}),
        ...(context.correlationId ? { correlationid: context.correlationId } : {}),
        ...(context.traceparent ? { traceparent: context.traceparent } : {}),
        ...(context.tracestate ? { tracestate: context.tracestate } : {}),
        data: checked.data,
      });
    };
    const out: Record<string, unknown> = { publish };
    for (const e of catalog)
      if (e.service === service) out[methodName(e.type)] = (data: unknown, ctx?: PublishContext) => publish(e.type, data, ctx);
    return out as ServicePublisher<S>;
  }

  capsuleRegistry(): ServicePublisher<"capsule-registry"> {
    return this.publisher("capsule-registry");
  }
  policy(): ServicePublisher<"policy"> {
    return this.publisher("policy");
  }
  orchestrator(): ServicePublisher<"orchestrator"> {
    return this.publisher("orchestrator");
  }
  approvals(): ServicePublisher<"approvals"> {
    return this.publisher("approvals");
  }
}

/** The types each service listens to, its queue group and durable name. */
export const SERVICE_SUBSCRIPTIONS = {
  "capsule-registry": {
    name: "capsule-registry",
    types: [
      "com.anumate.policy.created",
      "com.anumate.policy.updated",
      "com.anumate.policy.deleted",
      "com.anumate.execution.completed",
      "com.anumate.execution.failed",
    ],
  },
  policy: {
    name: "policy-service",
    types: [
      "com.anumate.capsule.created",
      "com.anumate.capsule.updated",
      "com.anumate.capsule.published",
      "com.anumate.execution.started",
    ],
  },
  orchestrator: {
    name: "orchestrator",
    types: [
      "com.anumate.capsule.published",
      "com.anumate.capsule.deprecated",
      "com.anumate.policy.violated",
      "com.anumate.approval.granted",
      "com.anumate.approval.rejected",
      "com.anumate.approval.expired",
    ],
  },
  approvals: {
    name: "approvals",
    types: ["com.anumate.policy.violated", "com.anumate.execution.paused", "com.anumate.execution.cancelled"],
  },
} as const satisfies Record<Service, { name: string; types: readonly EventType[] }>;

type ListenedTypes<S extends Service> = (typeof SERVICE_SUBSCRIPTIONS)[S]["types"][number];

/** A service's subscription: attach typed handlers with `on`, then `start`. */
export interface ServiceSubscriber<S extends Service> {
  readonly definition: InProcessSubscription & { name: string };
  on<T extends ListenedTypes<S>>(
    type: T,
    handler: (data: EventDataOf<T>, event: CloudEvent, info: HandlerContext) => Promise<void> | void,
  ): this;
  /** Subscribes (durably; replicas share the events); returns the handler id. */
  start(): Promise<string>;
  stop(): void;
}

/**
 * The seed's `EventSubscriberFactory`: a pre-configured durable subscription per service (the
 * types it listens to, its queue group and durable name). Data is validated against the catalog
 * before the handler runs; invalid data is rejected (dead-lettered) rather than retried.
 */
export class EventSubscriberFactory {
  constructor(private readonly bus: EventBusService) {}

  forService<S extends Service>(service: S, overrides: Partial<InProcessSubscription> = {}): ServiceSubscriber<S> {
    const base = SERVICE_SUBSCRIPTIONS[service];
    const definition = {
      name: base.name,
      queueGroup: base.name,
      types: [...base.types],
      startAt: { type: "all" as const },
      ...overrides,
    };
    const handlers = new Map<string, (data: never, event: CloudEvent, info: HandlerContext) => Promise<void> | void>();
    let id: string | undefined;
    const bus = this.bus;
    const subscriber: ServiceSubscriber<S> = {
      definition,
      on(type, handler) {
        handlers.set(type, handler as never);
        return this;
      },
      async start() {
        id = await bus.subscribe(
          definition,
          async (event, info) => {
            const h = handlers.get(event.type);
            if (!h) return; // a type this service listens to but has no handler for: acknowledged
            const raw = event.data?.kind === "json" ? event.data.value : undefined;
            const checked = validateEventData(event.type, raw);
            if (!checked.ok)
              throw new RejectEvent(`invalid data: ${checked.problems.map((p) => `${p.field} ${p.rule}`).join("; ")}`);
            await h(checked.data as never, event, info);
          },
          definition.name,
        );
        return id;
      },
      stop() {
        if (id) bus.unsubscribe(id);
        id = undefined;
      },
    };
    return subscriber;
  }
}
