import { randomBytes } from "node:crypto";
import { AppError } from "../../../lib/errors";
import { type Ctx, mayActOn } from "../context";
import type { Job, JobKind, JobStore } from "./ports";

export interface JobHandle {
  readonly job: Job;
  /** Records progress (persisted at most every `flushMs`). */
  progress(done: number, failed?: number, position?: number): void;
  /** True once someone asked to cancel (checked at each flush). */
  cancelled(): boolean;
}

/** How far behind its schedule a rate limiter may fall and still catch up (timers oversleep by a ms or more). */
const CATCH_UP_MS = 20;

/** Waits so that `n` more operations keep under `ratePerSec` on average. */
export class RateLimiter {
  private next: number;
  constructor(
    private readonly ratePerSec: number,
    private readonly now: () => number = Date.now,
  ) {
    this.next = now();
  }

  /** Takes `n` units: a promise to wait for when the rate is used up, else nothing (go on at once). */
  take(n = 1): Promise<void> | undefined {
    const wait = this.delayMs(n);
    // timers sleep at least ~1 ms: wait only once the debt reaches that, or fast rates would be
    // capped near 1,000/s (measured in bench/delivery.ts)
    return wait >= 1 ? new Promise((r) => setTimeout(r, wait)) : undefined;
  }

  /**
   * Takes `n` units and says how long to wait before using them. Time lost behind the schedule (a
   * timer that overslept, a slow consumer) is made up for, up to CATCH_UP_MS: otherwise each
   * oversleep would be lost, and 100,000/s came out near 64,000/s (docs/benchmarks.md, fifth round).
   */
  delayMs(n = 1): number {
    const now = this.now();
    if (this.next < now - CATCH_UP_MS) this.next = now - CATCH_UP_MS;
    const wait = this.next - now;
    this.next += (n * 1000) / this.ratePerSec;
    return wait;
  }
}

export interface JobRunnerOptions {
  store: JobStore;
  /** Marks cancel requests; separate from the job record so its owner's progress writes cannot lose one. */
  requestCancel(id: string): Promise<void>;
  isCancelRequested(id: string): Promise<boolean>;
  log: (level: "info" | "warn" | "error", msg: string, extra?: object) => void;
  instance: string;
  /** @default 250 */
  flushMs?: number;
  /** A running job whose owner has not written for this long was interrupted. @default 10000 */
  staleMs?: number;
}

/**
 * Background jobs (bulk requeue / discard, replays): their state lives in NATS KV, so any replica
 * answers for any job; a job whose owner stopped (or died) is reported `interrupted` with how far it got.
 */
export function createJobRunner(o: JobRunnerOptions) {
  const flushMs = o.flushMs ?? 250;
  const staleMs = o.staleMs ?? 10_000;
  const mine = new Map<string, { job: Job; cancel: boolean; done: Promise<void> }>();

  function visible(ctx: Ctx, job: Job): boolean {
    return ctx.tenants === "*" || (job.tenants !== "*" && job.tenants.every((t) => mayActOn(ctx, t)));
  }

  async function get(ctx: Ctx, id: string): Promise<Job> {
    const job = mine.get(id)?.job ?? (await o.store.get(id));
    if (!job || !visible(ctx, job))
      throw new AppError("NOT_FOUND", `No job ${id}`, { details: [{ field: "id", rule: "must name an existing job" }] });
    if (job.state === "running" && !mine.has(id) && Date.now() - Date.parse(job.heartbeatAt) > staleMs) {
      // its replica stopped or died while running it
      const interrupted: Job = { ...job, state: "interrupted", updatedAt: new Date().toISOString() };
      await o.store.put(interrupted).catch(() => {});
      return interrupted;
    }
    return job;
  }

  function start(args: {
    ctx: Ctx;
    kind: JobKind;
    total: number;
    spec: Record<string, unknown>;
    /** A pending job (see `createPending`) that starts running now. */
    existing?: Job;
    /** Resolves when the work is done; may name how it ended (e.g. `cancelled` when its reader left). */
    work: (h: JobHandle) => Promise<"cancelled" | "interrupted" | undefined> | Promise<void>;
    onEnd?: (job: Job) => Promise<void> | void;
  }): Job {
    const now = new Date().toISOString();
    const job: Job = args.existing
      ? { ...args.existing, state: "running", owner: o.instance, heartbeatAt: now, updatedAt: now }
      : { ...newJob(args.ctx, args.kind, args.total, args.spec, now), state: "running" };
    const entry = { job, cancel: false, done: Promise.resolve() };
    mine.set(job.id, entry);
    // a job's end is saved before this replica reports it, so that every replica says the same
    const flush = async (end?: Job["state"]) => {
      entry.job.heartbeatAt = new Date().toISOString();
      entry.job.updatedAt = entry.job.heartbeatAt;
      if (!end && !entry.cancel && (await o.isCancelRequested(job.id).catch(() => false))) entry.cancel = true;
      await o.store
        .put(end ? { ...entry.job, state: end } : entry.job)
        .catch((e) => o.log("warn", "job progress not saved", { id: job.id, err: String(e) }));
      if (end) entry.job.state = end;
    };
    let flushing = Promise.resolve();
    const timer = setInterval(() => {
      flushing = flush();
    }, flushMs);
    timer.unref();
    const handle: JobHandle = {
      get job() {
        return entry.job;
      },
      progress(done, failed = 0, position) {
        entry.job.done += done;
        entry.job.failed += failed;
        if (position !== undefined) entry.job.position = position;
      },
      cancelled: () => entry.cancel,
    };
    entry.done = (async () => {
      await o.store.put(job);
      let end: Job["state"];
      try {
        const ended = await args.work(handle);
        end = entry.job.state === "running" ? (ended ?? (entry.cancel ? "cancelled" : "completed")) : entry.job.state;
      } catch (e) {
        end = entry.job.state === "interrupted" ? "interrupted" : "failed";
        entry.job.error = e instanceof Error ? e.message : String(e);
        o.log("error", "job failed", { id: job.id, kind: job.kind, err: entry.job.error });
      } finally {
        clearInterval(timer);
        await flushing; // (a progress write still under way must not land after the end)
      }
      await flush(end);
      mine.delete(job.id);
      await args.onEnd?.(entry.job);
    })();
    return { ...job };
  }

  function newJob(ctx: Ctx, kind: JobKind, total: number, spec: Record<string, unknown>, now: string): Job {
    return {
      id: `${kind}_${randomBytes(6).toString("hex")}`,
      kind,
      state: "pending",
      total,
      done: 0,
      failed: 0,
      tenants: ctx.tenants === "*" ? "*" : [...ctx.tenants],
      actor: ctx.caller,
      createdAt: now,
      updatedAt: now,
      owner: o.instance,
      heartbeatAt: now,
      spec,
    };
  }

  return {
    start,
    get,
    /** A job that waits for something to run it (e.g. a replay read by a live view). */
    async createPending(args: { ctx: Ctx; kind: JobKind; total: number; spec: Record<string, unknown> }): Promise<Job> {
      const job = newJob(args.ctx, args.kind, args.total, args.spec, new Date().toISOString());
      await o.store.put(job);
      return job;
    },
    async cancel(ctx: Ctx, id: string): Promise<Job> {
      const job = await get(ctx, id);
      if (job.state !== "running" && job.state !== "pending") return job;
      await o.requestCancel(id);
      const local = mine.get(id);
      if (local) local.cancel = true;
      return { ...job, state: job.state };
    },
    /** Stops this replica's jobs: they end as `interrupted`, with how far they got. */
    async stop(): Promise<void> {
      const all = [...mine.values()];
      for (const e of all) {
        e.cancel = true;
        e.job.state = "interrupted";
      }
      await Promise.allSettled(all.map((e) => e.done));
    },
    /** Resolves when the job (run here) ends; for tests. */
    async settled(id: string): Promise<void> {
      await mine.get(id)?.done;
    },
  };
}

export type JobRunner = ReturnType<typeof createJobRunner>;

/** The tenant of a job's audit records (`spec.tenant`, set where the job acts on one tenant). */
export function jobTenant(job: Job): { tenant?: string } {
  const t = job.spec.tenant;
  return typeof t === "string" ? { tenant: t } : {};
}
