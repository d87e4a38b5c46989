import { randomBytes } from "node:crypto";
import type { z } from "zod";
import type {
  SubscriptionDto,
  SubscriptionStatsDto,
  subscriptionInputSchema,
  subscriptionPatchSchema,
} from "../../../lib/contracts/subscriptions";
import { AppError } from "../../../lib/errors";
import { type Ctx, mayActOn } from "../context";
import type { Tracer } from "../tracing";
import { type DeliveryObservation, Dispatcher } from "./dispatcher";
import { Lane, type LaneOptions } from "./lane";
import { type EventHandler, handlerMember, type Member, MemberPool } from "./members";
import type {
  AttemptLog,
  ConsumerAdmin,
  DeadLetterSink,
  MemberStatus,
  StatusBoard,
  Subscription,
  SubscriptionRepo,
  Target,
} from "./ports";

export type SubscriptionInput = z.output<typeof subscriptionInputSchema>;
export type SubscriptionPatch = z.output<typeof subscriptionPatchSchema>;

export interface SubscriptionServiceOptions {
  repo: SubscriptionRepo;
  consumers: ConsumerAdmin;
  deadLetters: DeadLetterSink;
  attempts: AttemptLog;
  status: StatusBoard;
  /** Builds the push target of a subscription (outbound HTTP lives in an adapter). */
  pushTarget: (sub: Subscription) => Target;
  defaultMaxAttempts: number;
  log: (level: "info" | "warn" | "error", msg: string, extra?: object) => void;
  observe?: (sub: Subscription, e: DeliveryObservation) => void;
  /** Delivery, dead-letter and handler spans. */
  tracer?: Tracer;
  /** Administrative actions are recorded here (who, what, result). */
  audit?: {
    append(r: {
      actor: string;
      action: string;
      target: string;
      result: "ok" | "refused" | "failed";
      details: Record<string, unknown>;
      tenant?: string;
    }): Promise<void>;
  };
  /** How often this replica reports its status. @default 5000 */
  reportEveryMs?: number;
  instanceId?: string;
}

export interface SubscriptionService {
  /** This replica's id (in status reports and jobs). */
  readonly instance: string;
  /** A subscription by id, without a caller check (for other core services). */
  peek(id: string): Promise<Subscription | undefined>;
  /** Moves the position to a time or a sequence; only while paused or with no members connected. */
  reset(a: { ctx: Ctx; input: { id: string; to: { time: string } | { sequence: number } } }): Promise<SubscriptionDto>;
  create(a: { ctx: Ctx; input: SubscriptionInput }): Promise<SubscriptionDto>;
  list(a: { ctx: Ctx }): Promise<SubscriptionDto[]>;
  /** One page of `list`, oldest first; `next` is the cursor of the page after (null at the end). */
  listPage(a: {
    ctx: Ctx;
    input: { limit: number; cursor?: number };
  }): Promise<{ items: SubscriptionDto[]; next: string | null }>;
  get(a: { ctx: Ctx; input: { id: string } }): Promise<SubscriptionDto>;
  update(a: { ctx: Ctx; input: { id: string; patch: SubscriptionPatch } }): Promise<SubscriptionDto>;
  remove(a: { ctx: Ctx; input: { id: string } }): Promise<void>;
  pause(a: { ctx: Ctx; input: { id: string } }): Promise<SubscriptionDto>;
  resume(a: { ctx: Ctx; input: { id: string } }): Promise<SubscriptionDto>;
  /** Finds a subscription by tenant and name (in-process API). */
  findByName(tenant: string | undefined, name: string): Promise<Subscription | undefined>;
  /** Adds a member (handler or WebSocket client) to a subscription in this process; returns its removal. */
  attach(a: { ctx: Ctx; input: { id: string; member: Member } }): Promise<() => void>;
  attachHandler(a: { ctx: Ctx; input: { id: string; handler: EventHandler; memberId?: string } }): Promise<() => void>;
  /** The local pool of a subscription (for members to signal capacity). */
  pool(id: string): MemberPool | undefined;
  /**
   * A replay's direct path to the subscription's dispatcher in this replica (see `Lane`); undefined
   * when none runs here (no members here, paused, or not this replica's to deliver).
   */
  openLane(id: string, o: LaneOptions): Lane | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface Running {
  sub: Subscription;
  pool: MemberPool | undefined;
  dispatcher: Dispatcher | undefined;
  target: Target | undefined;
}

function newId(): string {
  return `sub_${randomBytes(6).toString("hex")}`;
}

export function createSubscriptionService(o: SubscriptionServiceOptions): SubscriptionService {
  const instance = o.instanceId ?? randomBytes(4).toString("hex");
  const running = new Map<string, Running>();
  let stopWatch: (() => void) | undefined;
  let reporter: ReturnType<typeof setInterval> | undefined;
  let stopped = false;

  const notFound = (id: string) =>
    new AppError("NOT_FOUND", `No subscription ${id}`, {
      details: [{ field: "id", rule: "must name an existing subscription" }],
    });

  function canSee(ctx: Ctx, sub: Subscription): boolean {
    return sub.tenant === undefined ? ctx.tenants === "*" : mayActOn(ctx, sub.tenant);
  }

  async function load(ctx: Ctx, id: string): Promise<Subscription> {
    const sub = await o.repo.get(id);
    // another tenant's subscription is reported as absent
    if (!sub || !canSee(ctx, sub)) throw notFound(id);
    return sub;
  }

  function checkTenant(ctx: Ctx, tenant: string | undefined): void {
    if (tenant === undefined && ctx.tenants !== "*") {
      throw new AppError("FORBIDDEN", "Only an admin key may subscribe to all tenants", {
        details: [{ field: "tenant", rule: "is required for a tenant-scoped key" }],
      });
    }
    if (tenant !== undefined && !mayActOn(ctx, tenant)) {
      throw new AppError("FORBIDDEN", `This key may not act on tenant "${tenant}"`, {
        details: [{ field: "tenant", rule: "must be a tenant this key is allowed to use" }],
      });
    }
  }

  async function stats(sub: Subscription): Promise<SubscriptionStatsDto> {
    const [figures, reports] = await Promise.all([
      o.consumers.figures(sub.id).catch(() => undefined),
      o.status.read(sub.id).catch(() => [] as MemberStatus[]),
    ]);
    const local = localStatus(sub.id);
    const all = [...reports.filter((r) => r.instance !== instance), ...(local ? [local] : [])];
    const rank = { closed: 0, "half-open": 1, open: 2 } as const;
    const circuit = all.reduce<MemberStatus["circuit"]>((w, r) => (rank[r.circuit] > rank[w] ? r.circuit : w), "closed");
    const lastError = all
      .map((r) => r.lastError)
      .filter((e): e is NonNullable<MemberStatus["lastError"]> => e !== null)
      .sort((a, b) => b.at.localeCompare(a.at))[0];
    return {
      pending: figures?.pending ?? 0,
      ackPending: figures?.ackPending ?? 0,
      redelivered: figures?.redelivered ?? 0,
      delivered: all.reduce((n, r) => n + r.delivered, 0),
      members: all.reduce((n, r) => n + r.members, 0),
      circuit,
      lastError: lastError ?? null,
    };
  }

  async function dto(sub: Subscription): Promise<SubscriptionDto> {
    return { ...sub, stats: await stats(sub) };
  }

  function localStatus(id: string): MemberStatus | undefined {
    const r = running.get(id);
    if (!r) return undefined;
    const members = r.sub.target.type === "push" ? (r.dispatcher ? 1 : 0) : (r.pool?.size ?? 0);
    const d = r.dispatcher;
    if (members === 0 && !d) return undefined;
    return {
      instance,
      members,
      delivered: d?.stats.delivered ?? 0,
      circuit: d?.circuit ?? "closed",
      lastError: d?.stats.lastError ?? null,
    };
  }

  /** Starts, updates or stops this replica's dispatcher to match the definition. */
  async function reconcile(id: string, sub: Subscription | undefined): Promise<void> {
    if (stopped) return;
    const r = running.get(id);
    if (!sub) {
      if (r) {
        running.delete(id);
        await r.dispatcher?.stop();
        await o.status.clear(id, instance).catch(() => {});
      }
      return;
    }
    const entry: Running = r ?? { sub, pool: undefined, dispatcher: undefined, target: undefined };
    // a push target is built with the subscription's in-flight limit (its concurrency per target)
    const targetChanged =
      r !== undefined &&
      (JSON.stringify(r.sub.target) !== JSON.stringify(sub.target) ||
        (sub.target.type === "push" && r.sub.maxInFlight !== sub.maxInFlight));
    entry.sub = sub;
    running.set(id, entry);
    if (sub.target.type !== "push") entry.pool ??= new MemberPool();
    const wanted = sub.state === "active" && (sub.target.type === "push" || (entry.pool?.size ?? 0) > 0);
    if (entry.dispatcher && (!wanted || targetChanged)) {
      const d = entry.dispatcher;
      entry.dispatcher = undefined;
      await d.stop();
    }
    if (wanted && !entry.dispatcher) {
      entry.target = sub.target.type === "push" ? o.pushTarget(sub) : entry.pool;
      const d = new Dispatcher(sub, {
        source: o.consumers.source(sub),
        extraSources: [o.consumers.redeliverySource(sub)],
        target: entry.target as Target,
        deadLetters: o.deadLetters,
        attempts: o.attempts,
        log: o.log,
        ...(o.observe ? { observe: (e: DeliveryObservation) => o.observe?.(entry.sub, e) } : {}),
        ...(o.tracer ? { tracer: o.tracer } : {}),
      });
      entry.dispatcher = d;
      d.start();
    } else if (entry.dispatcher) {
      entry.dispatcher.update(sub);
    }
  }

  function record(ctx: Ctx, action: string, sub: Subscription, details: Record<string, unknown> = {}): void {
    void o.audit
      ?.append({
        actor: ctx.caller,
        action: `subscription.${action}`,
        target: sub.id,
        result: "ok",
        details: { name: sub.name, ...details },
        ...(sub.tenant ? { tenant: sub.tenant } : {}),
      })
      .catch((e) => o.log("warn", "audit record not written", { action, err: String(e) }));
  }

  async function save(sub: Subscription): Promise<Subscription> {
    await o.repo.put(sub);
    await reconcile(sub.id, sub);
    return sub;
  }

  async function setState(ctx: Ctx, id: string, state: Subscription["state"]): Promise<SubscriptionDto> {
    const sub = await load(ctx, id);
    if (sub.state === state) return dto(sub);
    const saved = await save({ ...sub, state, updatedAt: new Date().toISOString() });
    record(ctx, state === "paused" ? "pause" : "resume", saved);
    return dto(saved);
  }

  async function attach({ ctx, input }: { ctx: Ctx; input: { id: string; member: Member } }): Promise<() => void> {
    const sub = await load(ctx, input.id);
    if (sub.target.type === "push") {
      throw new AppError("CONFLICT", `Subscription ${sub.id} delivers by HTTP push; members cannot attach`, {
        details: [{ field: "target.type", rule: "must be websocket or internal to attach members" }],
      });
    }
    if (!running.has(sub.id)) await reconcile(sub.id, sub);
    const entry = running.get(sub.id) as Running;
    entry.pool ??= new MemberPool();
    entry.pool.add(input.member);
    await reconcile(sub.id, entry.sub);
    return () => {
      if (entry.pool?.remove(input.member.id)) void reconcile(sub.id, running.get(sub.id)?.sub);
    };
  }

  /**
   * A queue group is one subscription's: the members attached to it share its events. A second
   * subscription naming the same group would get every event again, not a share, so it is refused.
   */
  async function checkQueueGroup(sub: Subscription): Promise<void> {
    const holder = (await o.repo.list()).find(
      (s) => s.id !== sub.id && s.tenant === sub.tenant && (s.queueGroup ?? s.name) === sub.queueGroup,
    );
    // a subscription of the same name: its name is what is refused (names are unique per tenant)
    if (holder && holder.name !== sub.name) {
      throw new AppError("CONFLICT", `Queue group "${sub.queueGroup}" is subscription ${holder.id}'s`, {
        details: [
          {
            field: "queueGroup",
            rule: `must not be another subscription's; attach more members to ${holder.id} to share its events`,
          },
        ],
      });
    }
  }

  return {
    instance,
    peek: (id) => o.repo.get(id),

    async create({ ctx, input }) {
      checkTenant(ctx, input.tenant);
      const now = new Date().toISOString();
      const sub: Subscription = {
        id: newId(),
        name: input.name,
        ...(input.tenant !== undefined ? { tenant: input.tenant } : {}),
        ...(input.types !== undefined ? { types: input.types } : {}),
        ...(input.filters !== undefined ? { filters: input.filters } : {}),
        queueGroup: input.queueGroup ?? input.name,
        target: input.target,
        retry: {
          initialDelayMs: 1000,
          multiplier: 2,
          maxDelayMs: 60_000,
          jitter: 0.2,
          ackWaitMs: 30_000,
          ...input.retry,
          maxAttempts: input.retry?.maxAttempts ?? o.defaultMaxAttempts,
        },
        startAt: input.startAt ?? { type: "new" },
        maxInFlight: input.maxInFlight,
        circuit: { failureThreshold: 5, cooldownMs: 30_000, ...input.circuit },
        state: "active",
        createdAt: now,
        updatedAt: now,
      };
      await checkQueueGroup(sub);
      // the consumer first: replicas start delivering as soon as the definition appears
      await o.consumers.ensure(sub);
      try {
        await o.repo.create(sub);
      } catch (e) {
        await o.consumers.remove(sub.id).catch(() => {});
        throw e;
      }
      await reconcile(sub.id, sub);
      record(ctx, "create", sub, { target: sub.target.type });
      return dto(sub);
    },

    async list({ ctx }) {
      const subs = (await o.repo.list()).filter((s) => canSee(ctx, s));
      return Promise.all(subs.map(dto));
    },

    async listPage({ ctx, input }) {
      // the cursor is how many of the visible subscriptions (oldest first) came before
      const subs = (await o.repo.list()).filter((s) => canSee(ctx, s));
      const from = input.cursor ?? 0;
      const page = subs.slice(from, from + input.limit);
      const end = from + page.length;
      return { items: await Promise.all(page.map(dto)), next: end < subs.length ? String(end) : null };
    },

    async get({ ctx, input }) {
      return dto(await load(ctx, input.id));
    },

    async update({ ctx, input }) {
      const sub = await load(ctx, input.id);
      const p = input.patch;
      if (p.tenant !== undefined && p.tenant !== sub.tenant) {
        throw new AppError("VALIDATION", "A subscription's tenant cannot change; create a new one", {
          details: [{ field: "tenant", rule: "cannot change" }],
        });
      }
      const next: Subscription = {
        ...sub,
        ...(p.types !== undefined ? { types: p.types } : {}),
        ...(p.filters !== undefined ? { filters: p.filters } : {}),
        ...(p.queueGroup !== undefined ? { queueGroup: p.queueGroup } : {}),
        ...(p.target !== undefined ? { target: p.target } : {}),
        ...(p.maxInFlight !== undefined ? { maxInFlight: p.maxInFlight } : {}),
        retry: { ...sub.retry, ...p.retry, maxAttempts: p.retry?.maxAttempts ?? sub.retry.maxAttempts },
        circuit: { ...sub.circuit, ...p.circuit },
        updatedAt: new Date().toISOString(),
      };
      if (next.queueGroup !== sub.queueGroup) await checkQueueGroup(next);
      await o.consumers.ensure(next);
      const saved = await save(next);
      record(ctx, "update", saved, { fields: Object.keys(p) });
      return dto(saved);
    },

    async remove({ ctx, input }) {
      const sub = await load(ctx, input.id);
      await reconcile(sub.id, undefined);
      await o.consumers.remove(sub.id);
      await o.repo.delete(sub.id);
      record(ctx, "delete", sub);
    },

    async reset({ ctx, input }) {
      const sub = await load(ctx, input.id);
      const st = await stats(sub);
      if (sub.state !== "paused" && st.members > 0) {
        throw new AppError(
          "CONFLICT",
          `Pause subscription ${sub.id} (or disconnect its ${st.members} members) before resetting its position`,
          {
            details: [{ field: "state", rule: "must be paused, or have no members connected" }],
          },
        );
      }
      // no delivery of it may run here while its consumer is recreated
      await reconcile(sub.id, { ...sub, state: "paused" });
      try {
        await o.consumers.reset(sub, input.to);
      } finally {
        await reconcile(sub.id, sub);
      }
      record(ctx, "reset", sub, { to: input.to });
      return dto(sub);
    },

    pause: ({ ctx, input }) => setState(ctx, input.id, "paused"),
    resume: ({ ctx, input }) => setState(ctx, input.id, "active"),

    async findByName(tenant, name) {
      return (await o.repo.list()).find((s) => s.name === name && s.tenant === tenant);
    },

    attach,

    attachHandler({ ctx, input }) {
      const memberId = input.memberId ?? `h_${randomBytes(4).toString("hex")}`;
      return attach({ ctx, input: { id: input.id, member: handlerMember(memberId, input.handler, o.tracer) } });
    },

    pool: (id) => running.get(id)?.pool,

    openLane(id, lo) {
      const d = running.get(id)?.dispatcher;
      if (!d) return undefined;
      const lane = new Lane(lo);
      return d.addSource(lane) ? lane : undefined;
    },

    async start() {
      stopped = false;
      stopWatch = await o.repo.watch((id, sub) => {
        void reconcile(id, sub).catch((e) => o.log("error", "could not apply a subscription change", { id, err: String(e) }));
      });
      reporter = setInterval(() => {
        for (const id of running.keys()) {
          const s = localStatus(id);
          if (s) void o.status.report(id, s).catch(() => {});
        }
      }, o.reportEveryMs ?? 5000);
      reporter.unref();
    },

    async stop() {
      stopped = true;
      stopWatch?.();
      if (reporter) clearInterval(reporter);
      const all = [...running.entries()];
      running.clear();
      await Promise.all(all.map(([, r]) => r.dispatcher?.stop()));
      await Promise.all(all.map(([id]) => o.status.clear(id, instance).catch(() => {})));
    },
  };
}
