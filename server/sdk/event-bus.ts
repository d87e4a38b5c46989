import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { subscriptionInputSchema } from "../../lib/contracts/subscriptions";
import { AppError } from "../../lib/errors";
import { type Config, loadConfig } from "../config";
import { type Container, createContainer } from "../container";
import type { PublishResult } from "../core/bus/events";
import type { CloudEvent } from "../core/cloudevents/event";
import { fromJson } from "../core/cloudevents/json";
import { type Ctx, systemCtx } from "../core/context";
import type { EventHandler } from "../core/delivery/members";
import type { SubscriptionInput } from "../core/delivery/service";
import { zodDetails } from "../transport/http/io";

export type { EventHandler, HandlerContext } from "../core/delivery/members";
export { RejectEvent } from "../core/delivery/members";

/** A subscription for the in-process API: like the HTTP definition, but the target is the handler. */
export type InProcessSubscription = Omit<z.input<typeof subscriptionInputSchema>, "target" | "name"> & { name?: string };

/**
 * The seed's in-process API: `start()`, `stop()`, `publishEvent(event)`,
 * `subscribe(subscription, handler, name)`, `unsubscribe(id)`. It uses the same core verbs as
 * the HTTP API. Subscriptions are durable (JetStream consumers): handlers that subscribe with the
 * same name, in this process or in other replicas, form one queue group and share the events.
 */
export class EventBusService {
  private container: Container | undefined;
  private readonly owned: boolean;
  private readonly handlers = new Map<string, () => void>();
  private readonly ctx: Ctx;
  private readonly pendingConfig: Config | undefined;

  /** Give it a running container (the server's) or a config (it then makes and owns one). */
  constructor(from: { container: Container } | { config?: Config } = {}, ctx: Ctx = systemCtx("in-process")) {
    this.ctx = ctx;
    if ("container" in from) {
      this.container = from.container;
      this.owned = false;
      this.pendingConfig = undefined;
    } else {
      this.owned = true;
      this.pendingConfig = from.config;
    }
  }

  async start(): Promise<void> {
    if (!this.container) this.container = await createContainer(this.pendingConfig ?? loadConfig());
  }

  async stop(): Promise<void> {
    for (const detach of this.handlers.values()) detach();
    this.handlers.clear();
    if (this.owned && this.container) await this.container.stop();
  }

  private get c(): Container {
    if (!this.container) throw new AppError("UNAVAILABLE", "EventBusService is not started: call start() first");
    return this.container;
  }

  /** Publishes one event: a CloudEvent value or its JSON format (validated). */
  async publishEvent(event: CloudEvent | Record<string, unknown>): Promise<PublishResult> {
    let e: CloudEvent;
    if ("extensions" in event && typeof event.extensions === "object") e = event as CloudEvent;
    else {
      const r = fromJson(event);
      if (!r.ok) throw new AppError("VALIDATION", "The event is invalid", { details: r.problems });
      e = r.event;
    }
    const [result] = await this.c.events.publish({ ctx: this.ctx, input: { events: [e] } });
    return result as PublishResult;
  }

  /**
   * Attaches `handler` to the durable subscription named `name` (created with `subscription` when it
   * does not exist yet). Returns the handler's id for `unsubscribe`.
   */
  async subscribe(subscription: InProcessSubscription, handler: EventHandler, name?: string): Promise<string> {
    const subName = name ?? subscription.name;
    if (!subName)
      throw new AppError("VALIDATION", "A subscription needs a name", { details: [{ field: "name", rule: "is required" }] });
    const parsed = subscriptionInputSchema.safeParse({ ...subscription, name: subName, target: { type: "internal" } });
    if (!parsed.success) throw new AppError("VALIDATION", "Invalid subscription", { details: zodDetails(parsed.error) });
    const input: SubscriptionInput = parsed.data;
    let sub = await this.c.subscriptions.findByName(input.tenant, subName);
    if (!sub) {
      try {
        sub = await this.c.subscriptions.create({ ctx: this.ctx, input });
      } catch (e) {
        // another replica created it at the same moment
        if (!(e instanceof AppError && e.code === "CONFLICT")) throw e;
        sub = await this.c.subscriptions.findByName(input.tenant, subName);
        if (!sub) throw e;
      }
    }
    const id = `h_${randomUUID()}`;
    const detach = await this.c.subscriptions.attachHandler({ ctx: this.ctx, input: { id: sub.id, handler, memberId: id } });
    this.handlers.set(id, detach);
    return id;
  }

  /** Detaches a handler; the subscription stays (its events wait for the next member). */
  unsubscribe(id: string): boolean {
    const detach = this.handlers.get(id);
    if (!detach) return false;
    detach();
    this.handlers.delete(id);
    return true;
  }
}
