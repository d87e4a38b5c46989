import { AppError } from "../../../lib/errors";
import type { StoredEvent } from "../bus/ports";
import { subjectFilter } from "../bus/subjects";
import { type Ctx, mayActOn } from "../context";
import type { LiveSource, LiveStart, LiveSubscription } from "./ports";
import { SharedTails } from "./tails";

/** What a live view asks for (API.md `GET /api/stream`). */
export interface LiveInput {
  tenant?: string;
  /** Type pattern: exact, `a.b.*` (one more token) or `a.b.>` (any more tokens). */
  type?: string;
  /** The CloudEvents `subject` attribute, matched exactly (filtered here: NATS cannot). */
  subject?: string;
  from: LiveStart;
  /** A replay with a stream target (API.md "Replays"): its range is read instead of the live stream. */
  replay?: string;
}

/** One open live view: iterate it once; `stop()` ends it at once. */
export interface LiveStream extends AsyncIterable<StoredEvent> {
  /** The first stream sequence this view can deliver (`now` resolved to a position). */
  readonly startSeq: number;
  /** Its events are the objects other views get too (a shared read from `now`). */
  readonly shared: boolean;
  /** Events after the last one yielded that match the NATS filter (an upper bound when `subject` or tenant scope filter more). */
  pending(): Promise<number>;
  /** Stops reading and frees the consumer. Safe to call twice. */
  stop(): Promise<void>;
  /** Aborted as soon as the view is stopped — by its reader, by the end of the source, or by the service's `stop()`. */
  readonly signal: AbortSignal;
}

export interface LiveService {
  open(args: { ctx: Ctx; input: LiveInput }): Promise<LiveStream>;
  /** Views open now (for metrics and tests). */
  openCount(): number;
  /** Ends every open view and refuses new ones (UNAVAILABLE), for shutdown. Safe to call twice. */
  stop(): Promise<void>;
}

export interface LiveServiceOptions {
  source: LiveSource;
  subjectPrefix: string;
  /** Replays with a stream target, read through `?replay=<id>` (given lazily: built after this service). */
  replays?: () => { openStream(ctx: Ctx, id: string): Promise<LiveSubscription> } | undefined;
}

export function createLiveService({ source, subjectPrefix, replays: replaySource }: LiveServiceOptions): LiveService {
  const open = new Set<LiveStream>();
  // views from `now` share one read per NATS filter
  const tails = new SharedTails({ source });
  let stopping: Promise<void> | undefined;

  const shuttingDown = () => new AppError("UNAVAILABLE", "The server is shutting down; reconnect", { retryAfterSec: 1 });

  async function openStream({ ctx, input }: { ctx: Ctx; input: LiveInput }): Promise<LiveStream> {
    if (stopping) throw shuttingDown();
    if (input.replay !== undefined) {
      const replays = replaySource?.();
      if (!replays) {
        throw new AppError("NOT_FOUND", "no such replay", {
          details: [{ field: "replay", rule: "must be the id of a replay with a stream target" }],
        });
      }
      return wrap(await replays.openStream(ctx, input.replay), () => true);
    }
    if (input.tenant !== undefined && !mayActOn(ctx, input.tenant)) {
      throw new AppError("FORBIDDEN", `This key may not act on tenant "${input.tenant}"`, {
        details: [{ field: "tenant", rule: "must be a tenant this key is allowed to use" }],
      });
    }
    // As history: a key scoped to one tenant reads that tenant; one scoped to several reads only those.
    const scoped = ctx.tenants === "*" ? undefined : new Set(ctx.tenants);
    const tenant = input.tenant ?? (scoped?.size === 1 ? [...scoped][0] : undefined);
    const { subject } = input;
    const accept = (e: StoredEvent) =>
      (subject === undefined || e.event.subject === subject) && (scoped === undefined || scoped.has(e.tenant));

    const filterSubject = subjectFilter(subjectPrefix, tenant, input.type);
    const sub =
      input.from.type === "now" ? await tails.join(filterSubject) : await source.open({ filterSubject, from: input.from });
    return wrap(sub, accept);
  }

  async function wrap(sub: LiveSubscription, accept: (e: StoredEvent) => boolean): Promise<LiveStream> {
    if (stopping) {
      // the service stopped while the consumer was being created
      await sub.stop();
      throw shuttingDown();
    }

    const stopped = new AbortController();
    let stoppingThis: Promise<void> | undefined;
    const stop = () => {
      stoppingThis ??= (async () => {
        open.delete(stream);
        stopped.abort();
        await sub.stop();
      })();
      return stoppingThis;
    };
    const stream: LiveStream = {
      startSeq: sub.startSeq,
      shared: sub.shared === true,
      pending: () => sub.pending(),
      stop,
      signal: stopped.signal,
      async *[Symbol.asyncIterator]() {
        try {
          for await (const e of sub) {
            if (stoppingThis) return;
            if (accept(e)) yield e;
          }
        } finally {
          await stop();
        }
      },
    };
    open.add(stream);
    return stream;
  }

  return {
    open: openStream,
    openCount: () => open.size,
    stop() {
      stopping ??= Promise.all([...open].map((s) => s.stop())).then(() => {});
      return stopping;
    },
  };
}
