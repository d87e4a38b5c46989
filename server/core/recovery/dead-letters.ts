import { AppError } from "../../../lib/errors";
import { toJson } from "../cloudevents/json";
import { auditTenant, type Ctx, mayActOn } from "../context";
import { matchesTypePattern } from "../delivery/filters";
import { countEvents, type MetricsRecorder } from "../metrics/ports";
import { type Tracer, traceEvents } from "../tracing";
import { type JobRunner, RateLimiter } from "./jobs";
import type { AuditLog, DeadLetterEntry, DeadLetterStore, Job, Redelivery, RedeliveryItem } from "./ports";

/** Filters of the dead-letter list (API.md "Dead letters"). */
export interface DeadLetterFilter {
  tenant?: string;
  /** A type pattern: exact, `a.*`, `a.>`. */
  type?: string;
  subscription?: string;
  /** Text in the errors (case-insensitive), the event id or its subject. */
  q?: string;
  /** Dead-lettered at or after. */
  from?: string;
  /** Dead-lettered at or before. */
  to?: string;
}

/** A dead letter as the API shows it. */
export function deadLetterItem(e: DeadLetterEntry, withErrors = false) {
  const last = e.record.attempts[e.record.attempts.length - 1];
  return {
    id: String(e.seq),
    event: toJson(e.event),
    subscription: e.record.subscription,
    tenant: e.record.tenant,
    reason: e.record.reason,
    attempts: (e.record.attempts.at(-1)?.attempt ?? e.record.attempts.length) as number,
    lastError: last ? { message: last.message, ...(last.status !== undefined ? { status: last.status } : {}) } : null,
    firstFailedAt: e.record.firstFailedAt,
    lastFailedAt: e.record.lastFailedAt,
    deadLetteredAt: e.deadLetteredAt,
    originalSeq: e.record.originalSeq,
    originalSubject: e.record.originalSubject,
    ...(withErrors
      ? { errors: e.record.attempts, ...(e.record.omittedAttempts ? { omittedAttempts: e.record.omittedAttempts } : {}) }
      : {}),
  };
}

export interface DeadLetterServiceOptions {
  store: DeadLetterStore;
  redelivery: Redelivery;
  jobs: JobRunner;
  audit: AuditLog;
  /** Whether a subscription still exists (a requeue goes back to it alone). */
  subscriptionExists(id: string): Promise<boolean>;
  /** Name of the dead-letter stream, part of requeue deduplication ids. */
  streamName: string;
  defaultRatePerSec: number;
  /** `requeue` spans, one per requeued event, in the event's own trace. */
  tracer?: Tracer;
  /** Counts requeued events (`requeued`, per tenant and type). */
  metrics?: Pick<MetricsRecorder, "count">;
  /** Most entries one list request reads. @default 100000 */
  scanLimit?: number;
}

/**
 * The copy a requeue stores for a dead-letter entry (of dead-letter stream `stream`): its id is the
 * entry's, so two requeues of the same entry (at once, or one retried) are delivered once.
 */
export function requeueCopy(e: DeadLetterEntry, stream: string): RedeliveryItem {
  return {
    subscription: e.record.subscription,
    event: e.event,
    tenant: e.record.tenant,
    originalSeq: e.record.originalSeq,
    originalSubject: e.record.originalSubject,
    storedAt: e.deadLetteredAt,
    msgId: `rq:${stream}:${e.seq}`,
    requeueOf: e.seq,
  };
}

export function createDeadLetterService(o: DeadLetterServiceOptions) {
  const scanLimit = o.scanLimit ?? 100_000;

  const notFound = (id: string) =>
    new AppError("NOT_FOUND", `No dead letter ${id}`, {
      details: [{ field: "id", rule: "must name a dead letter in the stream" }],
    });

  /** The tenant to read by subject, after checking the caller may. */
  function scopeTenant(ctx: Ctx, tenant: string | undefined): string | undefined {
    if (tenant !== undefined && !mayActOn(ctx, tenant)) {
      throw new AppError("FORBIDDEN", `This key may not act on tenant "${tenant}"`, {
        details: [{ field: "tenant", rule: "must be a tenant this key is allowed to use" }],
      });
    }
    if (tenant === undefined && ctx.tenants !== "*" && ctx.tenants.length === 1) return ctx.tenants[0];
    return tenant;
  }

  function matches(ctx: Ctx, f: DeadLetterFilter, e: DeadLetterEntry): boolean {
    if (!mayActOn(ctx, e.record.tenant)) return false;
    if (f.type !== undefined && !matchesTypePattern(e.event.type, f.type)) return false;
    if (f.from !== undefined && e.deadLetteredAt < new Date(f.from).toISOString()) return false;
    if (f.to !== undefined && e.deadLetteredAt > new Date(f.to).toISOString()) return false;
    if (f.q !== undefined) {
      const q = f.q.toLowerCase();
      const hay = [e.event.id, e.event.subject ?? "", ...e.record.attempts.map((a) => a.message)].join("\n").toLowerCase();
      if (!hay.includes(q)) return false;
    }
    return true;
  }

  async function* matching(ctx: Ctx, f: DeadLetterFilter, fromSeq?: number): AsyncGenerator<DeadLetterEntry> {
    const tenant = scopeTenant(ctx, f.tenant);
    let scanned = 0;
    for await (const e of o.store.scan({ tenant, subscription: f.subscription }, { fromSeq })) {
      if (++scanned > scanLimit) return;
      if (matches(ctx, f, e)) yield e;
    }
  }

  async function load(ctx: Ctx, id: string): Promise<DeadLetterEntry> {
    const seq = Number(id);
    if (!Number.isSafeInteger(seq) || seq < 1) throw notFound(id);
    const e = await o.store.get(seq);
    // another tenant's entry is reported as absent
    if (!e || !mayActOn(ctx, e.record.tenant)) throw notFound(id);
    return e;
  }

  /** Hands one entry back to its subscription; it leaves the dead-letter stream once the copy is stored. */
  async function requeueEntry(e: DeadLetterEntry): Promise<void> {
    const span = traceEvents(o.tracer, "requeue", [e], { "anumate.subscription": e.record.subscription });
    await span.end(o.redelivery.send([requeueCopy(e, o.streamName)]));
    countEvents(o.metrics, "requeued", [{ tenant: e.record.tenant, event: e.event }]);
    await o.store.remove(e.seq);
  }

  async function bulk(args: {
    ctx: Ctx;
    action: "requeue" | "discard";
    ids?: string[];
    filter?: DeadLetterFilter;
    dryRun?: boolean;
    ratePerSec?: number;
  }): Promise<{ count: number } | { jobId: string; count: number }> {
    const { ctx, action } = args;
    const filter = args.filter ?? {};
    let seqs: number[];
    if (args.ids) {
      const found = await Promise.all(
        args.ids.map((id) =>
          load(ctx, id).then(
            (e) => e.seq,
            () => undefined,
          ),
        ),
      );
      seqs = found.filter((s): s is number => s !== undefined);
    } else {
      seqs = [];
      for await (const e of matching(ctx, filter)) seqs.push(e.seq);
    }
    if (args.dryRun) return { count: seqs.length };
    const tenant = auditTenant(ctx, args.ids ? undefined : filter.tenant);
    const tenantOf = tenant !== undefined ? { tenant } : {};
    const limiter = new RateLimiter(args.ratePerSec ?? o.defaultRatePerSec);
    const job = o.jobs.start({
      ctx,
      kind: action,
      total: seqs.length,
      spec: {
        ...(args.ids ? { ids: args.ids.length } : { filter }),
        ratePerSec: args.ratePerSec ?? o.defaultRatePerSec,
        ...tenantOf,
      },
      work: async (h) => {
        const chunk = 50;
        for (let i = 0; i < seqs.length && !h.cancelled(); i += chunk) {
          const part = seqs.slice(i, i + chunk);
          await limiter.take(part.length);
          const results = await Promise.allSettled(
            part.map(async (seq) => {
              const e = await o.store.get(seq);
              if (!e) return false; // already requeued or discarded by someone else
              if (action === "discard") return o.store.remove(seq);
              if (!(await o.subscriptionExists(e.record.subscription)))
                throw new Error(`subscription ${e.record.subscription} no longer exists`);
              await requeueEntry(e);
              return true;
            }),
          );
          const failed = results.filter((r) => r.status === "rejected").length;
          h.progress(part.length - failed, failed, part[part.length - 1]);
        }
      },
      onEnd: (j: Job) =>
        o.audit
          .append({
            actor: ctx.caller,
            action: `dead-letter.${action}-bulk`,
            target: j.id,
            ...tenantOf,
            result: j.state === "failed" ? "failed" : "ok",
            details: { state: j.state, total: j.total, done: j.done, failed: j.failed },
          })
          .catch(() => {}),
    });
    await o.audit
      .append({
        actor: ctx.caller,
        action: `dead-letter.${action}-bulk-start`,
        target: job.id,
        ...tenantOf,
        result: "ok",
        details: { count: seqs.length, ...(args.ids ? {} : { filter }) },
      })
      .catch(() => {});
    return { jobId: job.id, count: seqs.length };
  }

  return {
    async list({ ctx, input }: { ctx: Ctx; input: DeadLetterFilter & { limit: number; cursor?: number } }) {
      const items: DeadLetterEntry[] = [];
      let total = 0;
      let next: number | null = null;
      for await (const e of matching(ctx, input)) {
        total++;
        if (input.cursor !== undefined && e.seq < input.cursor) continue;
        if (items.length < input.limit) items.push(e);
        else next ??= e.seq;
      }
      return { items: items.map((e) => deadLetterItem(e)), next: next === null ? null : String(next), total };
    },

    async get({ ctx, input }: { ctx: Ctx; input: { id: string } }) {
      return deadLetterItem(await load(ctx, input.id), true);
    },

    async discard({ ctx, input }: { ctx: Ctx; input: { id: string } }): Promise<void> {
      const e = await load(ctx, input.id);
      const removed = await o.store.remove(e.seq);
      await o.audit
        .append({
          actor: ctx.caller,
          action: "dead-letter.discard",
          target: input.id,
          tenant: e.record.tenant,
          result: "ok",
          details: { removed, eventId: e.event.id, subscription: e.record.subscription },
        })
        .catch(() => {});
    },

    async requeue({ ctx, input }: { ctx: Ctx; input: { id: string } }) {
      const e = await load(ctx, input.id);
      if (!(await o.subscriptionExists(e.record.subscription))) {
        throw new AppError(
          "CONFLICT",
          `Subscription ${e.record.subscription} no longer exists; discard the dead letter or replay the event to another subscription`,
          {
            details: [{ field: "subscription", rule: "must still exist to requeue to it" }],
          },
        );
      }
      await requeueEntry(e);
      await o.audit
        .append({
          actor: ctx.caller,
          action: "dead-letter.requeue",
          target: input.id,
          tenant: e.record.tenant,
          result: "ok",
          details: { eventId: e.event.id, subscription: e.record.subscription },
        })
        .catch(() => {});
      return { id: input.id, subscription: e.record.subscription, requeued: true };
    },

    bulk,
  };
}

export type DeadLetterService = ReturnType<typeof createDeadLetterService>;
