import type { StoredEvent } from "../bus/ports";
import type { LiveSource, LiveSubscription } from "./ports";

export interface SharedTailsOptions {
  source: LiveSource;
  /**
   * Most events one view may hold unread. A view that falls this far behind leaves the shared read
   * and goes on from where it is with its own (so a slow reader slows only itself). @default 1000
   */
  maxQueued?: number;
}

/** The views of one NATS filter that read the head of the stream together. */
interface Tail {
  filterSubject: string;
  opening: Promise<LiveSubscription>;
  upstream?: LiveSubscription;
  /** The first sequence not yet handed to the views. */
  nextSeq: number;
  views: Set<TailView>;
  running: boolean;
  closed: boolean;
}

/**
 * Live reads from `now` shared by filter: one consumer (and one decode of each event) for any
 * number of views of the same NATS filter, instead of one each. Each view has a bounded queue; a
 * view whose reader falls `maxQueued` events behind continues on its own consumer from its last
 * event, so it loses nothing and holds nobody up.
 */
export class SharedTails {
  private readonly tails = new Map<string, Tail>();
  private readonly maxQueued: number;

  constructor(private readonly o: SharedTailsOptions) {
    this.maxQueued = o.maxQueued ?? 1000;
  }

  /** Views being fed now, and how many reads they share (for tests and metrics). */
  figures(): { tails: number; views: number } {
    let views = 0;
    for (const t of this.tails.values()) views += t.views.size;
    return { tails: this.tails.size, views };
  }

  /** A view of the events stored from now on that match `filterSubject`. Rejects as `source.open` does. */
  async join(filterSubject: string): Promise<LiveSubscription> {
    let tail = this.tails.get(filterSubject);
    if (!tail) {
      const created: Tail = {
        filterSubject,
        opening: this.o.source.open({ filterSubject, from: { type: "now" } }),
        nextSeq: 0,
        views: new Set(),
        running: false,
        closed: false,
      };
      tail = created;
      this.tails.set(filterSubject, created);
      created.opening.then(
        (up) => {
          created.upstream = up;
          created.nextSeq = up.startSeq;
        },
        () => this.close(created),
      );
    }
    const upstream = await tail.opening; // its `then` above has run: nextSeq is set
    if (tail.closed) return this.join(filterSubject); // its last view left while this one waited
    const view = new TailView(this, tail, tail.nextSeq);
    tail.views.add(view);
    if (!tail.running) void this.run(tail, upstream);
    return view;
  }

  private async run(tail: Tail, upstream: LiveSubscription): Promise<void> {
    tail.running = true;
    let failure: unknown;
    try {
      for await (const e of upstream) {
        if (tail.closed) break;
        tail.nextSeq = e.seq + 1;
        for (const v of tail.views) v.push(e, this.maxQueued);
      }
    } catch (e) {
      failure = e;
    } finally {
      const views = [...tail.views];
      this.close(tail);
      for (const v of views) v.end(failure);
    }
  }

  /** A view leaves (stopped, or fell behind): the read stops with its last view. */
  leave(tail: Tail, view: TailView): void {
    tail.views.delete(view);
    if (tail.views.size === 0) this.close(tail);
  }

  private close(tail: Tail): void {
    if (tail.closed) return;
    tail.closed = true;
    tail.views.clear();
    if (this.tails.get(tail.filterSubject) === tail) this.tails.delete(tail.filterSubject);
    void tail.upstream?.stop().catch(() => {});
  }

  /** Its own read, from `seq`, for a view that fell behind. */
  openFrom(filterSubject: string, seq: number): Promise<LiveSubscription> {
    return this.o.source.open({ filterSubject, from: { type: "seq", seq } });
  }
}

type ViewState = "shared" | "behind" | "own" | "ended" | "stopped";

class TailView implements LiveSubscription {
  readonly shared = true;
  private queue: StoredEvent[] = [];
  /** Events not read when the view stopped (still reported by `pending()`, e.g. for an overflow). */
  private unreadAtStop = 0;
  private state: ViewState = "shared";
  private wake: (() => void) | undefined;
  /** Its own read, opened as it falls behind (so `pending()` can count what it has not read). */
  private own: Promise<LiveSubscription> | undefined;
  private failure: unknown;
  /** The last sequence handed to the reader. */
  private lastSeq: number;

  constructor(
    private readonly tails: SharedTails,
    private readonly tail: Tail,
    readonly startSeq: number,
  ) {
    this.lastSeq = startSeq - 1;
  }

  push(e: StoredEvent, maxQueued: number): void {
    if (this.state !== "shared" || e.seq < this.startSeq) return;
    if (this.queue.length >= maxQueued) {
      // too far behind: drop what is queued and read it again on an own consumer
      this.state = "behind";
      this.queue = [];
      this.tails.leave(this.tail, this);
      this.own = this.tails.openFrom(this.tail.filterSubject, this.lastSeq + 1);
      this.own.catch(() => {}); // the reader gets the error
    } else {
      this.queue.push(e);
    }
    this.signal();
  }

  /** The shared read ended (stopped, or failed: the failure is thrown to the reader). */
  end(failure: unknown): void {
    if (this.state !== "shared") return;
    this.state = "ended";
    this.failure = failure;
    this.signal();
  }

  private signal(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  async pending(): Promise<number> {
    if (this.state === "stopped") return this.unreadAtStop;
    if (this.own) return (await this.own).pending();
    return this.queue.length;
  }

  async stop(): Promise<void> {
    if (this.state === "stopped") return;
    const wasShared = this.state === "shared";
    this.state = "stopped";
    this.unreadAtStop = this.queue.length;
    this.queue = [];
    if (wasShared) this.tails.leave(this.tail, this);
    this.signal();
    const own = await this.own?.catch(() => undefined);
    if (own) {
      this.unreadAtStop = await own.pending().catch(() => 0);
      await own.stop();
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<StoredEvent> {
    try {
      while (true) {
        const e = this.queue.shift();
        if (e) {
          this.lastSeq = e.seq;
          yield e;
          continue;
        }
        if (this.state === "stopped") return;
        if (this.state === "ended") {
          if (this.failure !== undefined) throw this.failure;
          return;
        }
        if (this.state === "behind") break;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
      const own = await (this.own ?? this.tails.openFrom(this.tail.filterSubject, this.lastSeq + 1));
      if ((this.state as ViewState) === "stopped") return;
      this.state = "own";
      for await (const e of own) {
        if ((this.state as ViewState) === "stopped") return;
        this.lastSeq = e.seq;
        yield e;
      }
    } finally {
      await this.stop();
    }
  }
}
