import type { ReplayInput, ReplayStatus } from "../../../lib/contracts/replays";
import { AppError } from "../../../lib/errors";
import type { EventStore, RangeInput, StoredEvent } from "../bus/ports";
import { subjectFilter } from "../bus/subjects";
import { type Ctx, mayActOn } from "../context";
import { matchesRead } from "../delivery/filters";
import type { Lane, LaneOptions } from "../delivery/lane";
import type { Subscription } from "../delivery/ports";
import { countEvents, type MetricsRecorder } from "../metrics/ports";
import type { LiveSubscription } from "../stream/ports";
import { type Tracer, traceEvents } from "../tracing";
import { type JobHandle, type JobRunner, jobTenant, RateLimiter } from "./jobs";
import type { AuditLog, Job, Redelivery, RedeliveryItem } from "./ports";

export interface ReplayServiceOptions {
  store: EventStore;
  redelivery: Redelivery;
  jobs: JobRunner;
  audit: AuditLog;
  subjectPrefix: string;
  /** The subscription a replay targets (undefined when it does not exist). */
  subscription(id: string): Promise<Subscription | undefined>;
  defaultRatePerSec: number;
  /** `replay` spans, one per replayed event, in the event's own trace. */
  tracer?: Tracer;
  /** Counts replayed events (`replayed`, per tenant and type). */
  metrics?: Pick<MetricsRecorder, "count">;
  /** The direct path to a subscription's dispatcher in this replica, where there is one. */
  lane?: (subscription: string, o: LaneOptions) => Lane | undefined;
}

/** Events a replay's lane holds at once (queued, in flight, waiting to be retried): twice what the subscription takes at once. */
const laneCapacity = (sub: Subscription) => Math.max(256, 2 * sub.maxInFlight);
/** How long a replay waits for its lane's deliveries under way to be answered once the dispatcher stopped. */
const LANE_SETTLE_MS = 15_000;

function status(job: Job): ReplayStatus {
  return {
    id: job.id,
    state: job.state,
    delivered: job.done,
    deadLettered: job.failed,
    total: job.total,
    ...(job.position !== undefined ? { position: job.position } : {}),
    target: job.spec.target as ReplayStatus["target"],
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    ...(job.error ? { error: job.error } : {}),
  };
}

/**
 * Replays: a range of the event stream (by time or sequence, both ends inclusive), filtered, sent
 * to one subscription alone (copies in the redelivery stream, marked with the replay id) or read
 * from `GET /api/stream?replay=<id>`. Capped in rate, with progress, cancel and `interrupted`.
 */
export function createReplayService(o: ReplayServiceOptions) {
  function plan(ctx: Ctx, input: ReplayInput, sub: Subscription | undefined) {
    let tenant = input.filter?.tenant;
    if (tenant !== undefined && !mayActOn(ctx, tenant)) {
      throw new AppError("FORBIDDEN", `This key may not act on tenant "${tenant}"`, {
        details: [{ field: "filter.tenant", rule: "must be a tenant this key is allowed to use" }],
      });
    }
    if (sub?.tenant !== undefined) {
      // a tenant's subscription never receives another tenant's events
      if (tenant !== undefined && tenant !== sub.tenant) {
        throw new AppError("VALIDATION", `Subscription ${sub.id} belongs to tenant ${sub.tenant}`, {
          details: [{ field: "filter.tenant", rule: "must be the subscription's tenant" }],
        });
      }
      tenant = sub.tenant;
    }
    if (tenant === undefined && ctx.tenants !== "*") {
      if (ctx.tenants.length !== 1)
        throw new AppError("VALIDATION", "Name the tenant to replay", {
          details: [{ field: "filter.tenant", rule: "is required for this key" }],
        });
      tenant = ctx.tenants[0];
    }
    const types = input.filter?.types;
    const filters = input.filter?.filters;
    const range: RangeInput = {
      filterSubject: subjectFilter(o.subjectPrefix, tenant, types?.length === 1 ? types[0] : undefined),
      ...("sequence" in input.from ? { fromSeq: input.from.sequence } : { fromTime: new Date(input.from.time).toISOString() }),
      ...(input.to
        ? "sequence" in input.to
          ? { toSeq: input.to.sequence }
          : { toTime: new Date(input.to.time).toISOString() }
        : {}),
    };
    const accept = (e: StoredEvent) =>
      (sub === undefined || matchesRead(e, sub.types, undefined)) &&
      matchesRead(e, types, filters) &&
      (ctx.tenants === "*" || mayActOn(ctx, e.tenant));
    // the NATS filter says it all (tenant, at most one type pattern, nothing else): accept() takes every event
    const bySubject =
      !sub?.types?.length && (types?.length ?? 0) <= 1 && !filters?.length && (ctx.tenants === "*" || tenant !== undefined);
    return { range, accept, bySubject, tenant };
  }

  /** The events a replay will send: counted by the server when its filter says it all, else read (headers only). */
  async function count(range: RangeInput, accept: (e: StoredEvent) => boolean, bySubject: boolean): Promise<number> {
    if (bySubject) return o.store.count(range);
    let n = 0;
    for await (const batch of o.store.read({ ...range, headersOnly: true })) for (const e of batch) if (accept(e)) n++;
    return n;
  }

  /**
   * A replay into one subscription. Where this replica delivers the subscription (members here), the
   * events go straight to its dispatcher through a lane: the replay ends once each is acknowledged or
   * dead-lettered. Otherwise, and for whatever a lane holds when its dispatcher stops, they go as
   * copies in the redelivery stream, to whichever member of the subscription takes them.
   */
  async function replayInto(
    sub: Subscription,
    range: RangeInput,
    accept: (e: StoredEvent) => boolean,
    ratePerSec: number,
    h: JobHandle,
  ): Promise<void> {
    const id = h.job.id;
    const subId = sub.id;
    const capacity = laneCapacity(sub);
    const refill = capacity - Math.ceil(capacity / 4);
    const limiter = new RateLimiter(ratePerSec);
    const attrs = { "anumate.replay_id": id, "anumate.subscription": subId };
    // the lane's position: the last event of the prefix that is all settled
    const order: number[] = [];
    let head = 0;
    const settled = new Set<number>();
    const lane = o.lane?.(subId, {
      replayId: id,
      capacity,
      onSettled(seq, outcome) {
        settled.add(seq);
        while (head < order.length && settled.delete(order[head] as number)) head++;
        h.progress(
          outcome === "acknowledged" ? 1 : 0,
          outcome === "dead-lettered" ? 1 : 0,
          head > 0 ? order[head - 1] : undefined,
        );
        if (head > 4096) {
          order.splice(0, head);
          head = 0;
        }
      },
    });
    let viaLane = lane !== undefined;
    let offered: StoredEvent[] = [];
    const record = () => {
      if (offered.length === 0) return;
      traceEvents(o.tracer, "replay", offered, attrs).end(Promise.resolve());
      countEvents(o.metrics, "replayed", offered);
      offered = [];
    };
    // events to send as copies, with the deliveries each already had (through the lane)
    const copies: StoredEvent[] = [];
    const delivered = new Map<StoredEvent, number>();
    const copy = (e: StoredEvent, n = 0) => {
      copies.push(e);
      if (n > 0) delivered.set(e, n);
    };
    const flush = async () => {
      if (copies.length === 0) return;
      const part = copies.splice(0);
      await limiter.take(part.length);
      const items = part.map(
        (e): RedeliveryItem => ({
          subscription: subId,
          event: e.event,
          tenant: e.tenant,
          originalSeq: e.seq,
          originalSubject: e.subject,
          storedAt: e.storedAt,
          msgId: `rp:${id}:${e.seq}`,
          replayId: id,
          ...(delivered.has(e) ? { delivered: delivered.get(e) } : {}),
        }),
      );
      for (const e of part) delivered.delete(e);
      await traceEvents(o.tracer, "replay", part, attrs).end(o.redelivery.send(items));
      countEvents(o.metrics, "replayed", part);
      h.progress(part.length, 0, part[part.length - 1]?.seq);
    };
    /** Waits for the lane until `done()` holds, the replay is cancelled, or `ms` pass. */
    const waitFor = async (l: Lane, done: () => boolean, ms = Number.POSITIVE_INFINITY) => {
      const until = Date.now() + ms;
      while (!done() && !h.cancelled() && Date.now() < until) await l.changed(250);
    };
    /** The lane's dispatcher stopped: what it holds goes on as copies (before any later event). */
    const rehome = async (l: Lane) => {
      viaLane = false;
      record();
      // deliveries under way are answered (or handed back) as the dispatcher stops
      await waitFor(l, () => l.unanswered === 0, LANE_SETTLE_MS);
      for (const x of l.leftovers()) copy(x.event, x.delivered);
      await flush();
    };
    const batchSize = Math.min(100, Math.max(1, Math.ceil(ratePerSec / 10)));
    try {
      for await (const read of o.store.read({ ...range, offload: true })) {
        for (const e of read) {
          if (h.cancelled()) return;
          if (!accept(e)) continue;
          if (viaLane && lane) {
            const wait = limiter.take(1);
            if (wait || lane.full) {
              // once full, it waits until a quarter has been taken: one wait per many events, not one each
              const room = lane.full ? refill : capacity - 1;
              record();
              await wait;
              await waitFor(lane, () => lane.ended || lane.held <= room);
              if (h.cancelled()) return;
            }
            if (!lane.ended) {
              order.push(e.seq);
              lane.offer(e);
              offered.push(e);
              if (offered.length >= 64) record();
              continue;
            }
            await rehome(lane);
          }
          copy(e);
          if (copies.length >= batchSize) await flush();
        }
      }
      if (h.cancelled()) return;
      await flush();
      record();
      // the range is read: wait for what the lane holds to be settled
      if (viaLane && lane) {
        await waitFor(lane, () => lane.ended || lane.held === 0);
        if (lane.ended && !h.cancelled()) await rehome(lane);
      }
    } finally {
      record();
      if (h.cancelled()) lane?.close();
      else lane?.stop();
    }
  }

  async function create({
    ctx,
    input,
  }: {
    ctx: Ctx;
    input: ReplayInput;
  }): Promise<{ count: number } | { id: string; count: number }> {
    let sub: Subscription | undefined;
    if (input.target.type === "subscription") {
      sub = await o.subscription(input.target.id);
      if (!sub || (sub.tenant === undefined ? ctx.tenants !== "*" : !mayActOn(ctx, sub.tenant))) {
        throw new AppError("NOT_FOUND", `No subscription ${input.target.id}`, {
          details: [{ field: "target.id", rule: "must name an existing subscription" }],
        });
      }
    }
    if ("sequence" in input.from && input.to && "sequence" in input.to && input.to.sequence < input.from.sequence) {
      throw new AppError("VALIDATION", "The range ends before it starts", {
        details: [{ field: "to.sequence", rule: "must be >= from.sequence" }],
      });
    }
    if ("time" in input.from && input.to && "time" in input.to && Date.parse(input.to.time) < Date.parse(input.from.time)) {
      throw new AppError("VALIDATION", "The range ends before it starts", {
        details: [{ field: "to.time", rule: "must be at or after from.time" }],
      });
    }
    const { range, accept, bySubject, tenant } = plan(ctx, input, sub);
    const tenantOf = tenant !== undefined ? { tenant } : {};
    const total = await count(range, accept, bySubject);
    if (input.dryRun) return { count: total };
    const ratePerSec = input.ratePerSec ?? o.defaultRatePerSec;
    const target = input.target;
    const spec = { target, range, filter: input.filter ?? {}, ratePerSec, ...tenantOf };
    const onEnd = (j: Job) =>
      o.audit
        .append({
          actor: ctx.caller,
          action: "replay.end",
          target: j.id,
          ...tenantOf,
          result: j.state === "failed" ? "failed" : "ok",
          details: { state: j.state, delivered: j.done, total: j.total },
        })
        .catch(() => {});
    let job: Job;
    if (target.type === "subscription" && sub) {
      const into = sub;
      job = o.jobs.start({
        ctx,
        kind: "replay",
        total,
        spec,
        onEnd,
        work: (h) => replayInto(into, range, accept, ratePerSec, h),
      });
    } else {
      // read by the live view: the job waits (pending) for `GET /api/stream?replay=<id>` and runs while it is read
      job = await o.jobs.createPending({ ctx, kind: "replay", total, spec });
    }
    await o.audit
      .append({
        actor: ctx.caller,
        action: "replay.create",
        target: job.id,
        ...tenantOf,
        result: "ok",
        details: { count: total, target, from: input.from, to: input.to ?? null },
      })
      .catch(() => {});
    return { id: job.id, count: total };
  }

  /** The events of a stream-target replay, rate-capped, as a live subscription that ends with the range. */
  async function openStream(ctx: Ctx, id: string): Promise<LiveSubscription> {
    const pending = await o.jobs.get(ctx, id).catch(() => undefined);
    const spec = pending?.spec as
      | { target?: { type: string }; range?: RangeInput; filter?: ReplayInput["filter"]; ratePerSec?: number }
      | undefined;
    if (pending?.kind !== "replay" || spec?.target?.type !== "stream" || !spec.range) {
      throw new AppError("NOT_FOUND", "no such replay", {
        details: [{ field: "replay", rule: "must be the id of a replay with a stream target" }],
      });
    }
    if (pending.state !== "pending") {
      throw new AppError("CONFLICT", `Replay ${id} is ${pending.state}; a stream replay is read once`, {
        details: [{ field: "replay", rule: "must not have been read already" }],
      });
    }
    const range = spec.range;
    const filters = spec.filter?.filters;
    const types = spec.filter?.types;
    const accept = (e: StoredEvent) => matchesRead(e, types, filters) && mayActOn(ctx, e.tenant);
    const limiter = new RateLimiter(spec.ratePerSec ?? o.defaultRatePerSec);
    let handle: JobHandle | undefined;
    let finish: (how?: "cancelled") => void = () => {};
    const finished = new Promise<"cancelled" | undefined>((resolve) => {
      finish = (how) => resolve(how);
    });
    let ended = false;
    o.jobs.start({
      ctx,
      kind: "replay",
      total: pending.total,
      spec: pending.spec,
      existing: pending,
      work: async (h) => {
        handle = h;
        return finished;
      },
    });
    return {
      startSeq: range.fromSeq ?? 0,
      pending: async () => Math.max(0, pending.total - (handle?.job.done ?? 0)),
      async stop() {
        finish(ended ? undefined : "cancelled"); // the reader left before the end
      },
      async *[Symbol.asyncIterator]() {
        // progress, counts and spans are recorded for a few events at a time (and for the last ones at the end)
        let batch: StoredEvent[] = [];
        const record = () => {
          if (batch.length === 0) return;
          const last = batch[batch.length - 1] as StoredEvent;
          handle?.progress(batch.length, 0, last.seq);
          countEvents(o.metrics, "replayed", batch);
          traceEvents(o.tracer, "replay", batch, { "anumate.replay_id": id }).end(Promise.resolve());
          batch = [];
        };
        try {
          for await (const read of o.store.read({ ...range, offload: true })) {
            for (const e of read) {
              if (handle?.cancelled()) return;
              if (!accept(e)) continue;
              const wait = limiter.take(1);
              if (wait) {
                record();
                await wait;
              }
              batch.push(e);
              if (batch.length >= 64) record();
              yield e;
            }
          }
          ended = true;
        } finally {
          record();
          finish(ended ? undefined : "cancelled");
        }
      },
    };
  }

  return {
    create,
    openStream,
    async get({ ctx, input }: { ctx: Ctx; input: { id: string } }): Promise<ReplayStatus> {
      const job = await o.jobs.get(ctx, input.id);
      if (job.kind !== "replay")
        throw new AppError("NOT_FOUND", `No replay ${input.id}`, { details: [{ field: "id", rule: "must name a replay" }] });
      return status(job);
    },
    async cancel({ ctx, input }: { ctx: Ctx; input: { id: string } }): Promise<ReplayStatus> {
      const job = await o.jobs.cancel(ctx, input.id);
      await o.audit
        .append({ actor: ctx.caller, action: "replay.cancel", target: input.id, result: "ok", details: {}, ...jobTenant(job) })
        .catch(() => {});
      return status(job);
    },
  };
}

export type ReplayService = ReturnType<typeof createReplayService>;
