import { AckPolicy, type ConsumerConfig, DeliverPolicy, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { createInbox, type Msg, type NatsConnection, nuid, type Subscription } from "@nats-io/transport-node";
import type { HeaderReader } from "../../core/cloudevents/nats";
import { parseAckReply } from "./ack-reply";
import { sameBytes } from "./bytes";
import { KeptMessage, messageHeaders, replyBytes, subjectBytes } from "./message-headers";

export interface RangeQuery {
  stream: string;
  filterSubject: string;
  /** First sequence (inclusive). */
  fromSeq?: number;
  /** First time (inclusive), when there is no `fromSeq`. */
  fromTime?: string;
  /** Last sequence (inclusive). */
  toSeq?: number;
  /** Last time (inclusive). */
  toTime?: string;
  /** Only headers (the CloudEvents attributes in binary mode): enough to filter and count. */
  headersOnly?: boolean;
  /** Messages per pull. @default 256 */
  batch?: number;
  /** Keep each message as received (`raw`), for a reader that hands messages on as bytes. */
  keepRaw?: boolean;
}

export interface RangeMessage {
  seq: number;
  subject: string;
  /** When it was stored, in ms since the epoch. */
  timeMs: number;
  headers: HeaderReader | undefined;
  /**
   * With `keepRaw` (where the client exposes it): the message as received, its header block (the
   * first `headerLength` bytes) then its data.
   */
  raw?: Uint8Array;
  headerLength?: number;
  data: Uint8Array;
}

/**
 * Reads a range of a stream in order with an ephemeral consumer (no acks, in memory), ending at the
 * range's end or at the last message stored when the read began — never waiting for new ones.
 * The consumer is removed when the iteration ends (or is abandoned: the server drops it after 30 s).
 */
export async function* readRange(js: JetStreamClient, jsm: JetStreamManager, q: RangeQuery): AsyncGenerator<RangeMessage> {
  for await (const batch of readRangeBatches(js, jsm, q)) yield* batch;
}

/**
 * As `readRange`, the messages as they arrive: those of one socket read at once (for readers that
 * go fast: no per-message hand-offs, and a reader that hands them on starts on the first ones while
 * the rest of a pull still comes). A pull's worth at most waits to be taken: the next pull is asked
 * for when the last one is over, and its messages wait for the reader.
 */
export async function* readRangeBatches(
  js: JetStreamClient,
  jsm: JetStreamManager,
  q: RangeQuery,
): AsyncGenerator<RangeMessage[]> {
  const cfg: Partial<ConsumerConfig> = {
    name: `range_${nuid.next()}`,
    ack_policy: AckPolicy.None,
    filter_subject: q.filterSubject,
    mem_storage: true,
    num_replicas: 1,
    inactive_threshold: 30 * 1_000_000_000,
    deliver_policy: DeliverPolicy.All,
    ...(q.headersOnly ? { headers_only: true } : {}),
  };
  if (q.fromSeq !== undefined) Object.assign(cfg, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: q.fromSeq });
  else if (q.fromTime !== undefined) Object.assign(cfg, { deliver_policy: DeliverPolicy.StartTime, opt_start_time: q.fromTime });
  const ci = await jsm.consumers.add(q.stream, cfg);
  const name = ci.name;
  const conn = connectionOf(js);
  // one pull under way at a time: the server shares messages among the pulls waiting on a
  // consumer, so two at once would interleave, out of order
  const puller = new Puller(conn, q.stream, name, PULL_TIMEOUT_MS, pullMaxBytes(conn.nc), q.keepRaw);
  try {
    let remaining = ci.num_pending;
    const toMs = q.toTime === undefined ? undefined : Date.parse(q.toTime);
    const batch = q.batch ?? 256;
    if (remaining === 0) return;
    puller.pull(Math.min(remaining, batch));
    let got = 0; // of the current pull
    for (;;) {
      const { messages, done } = await puller.take();
      got += messages.length;
      const out: RangeMessage[] = [];
      let ended = false;
      for (const m of messages) {
        remaining = m.pending;
        if ((q.toSeq !== undefined && m.seq > q.toSeq) || (toMs !== undefined && m.timeMs > toMs)) {
          ended = true;
          break;
        }
        out.push(m);
        if (remaining === 0) break;
      }
      // nothing is there now (the rest was deleted or expired meanwhile), or the range is read
      if (remaining === 0 || (done && got === 0)) ended = true;
      if (done && !ended) {
        // the next pull is on its way while the reader takes these
        puller.pull(Math.min(remaining, batch));
        got = 0;
      }
      if (out.length > 0) yield out;
      if (ended) return;
    }
  } finally {
    puller.close();
    jsm.consumers.delete(q.stream, name).catch(() => {});
  }
}

type Pulled = RangeMessage & { pending: number };

/**
 * Pulls of at most `batch` messages that are in the stream now, one at a time: `no_wait` pull
 * requests, which the server answers at once and ends with a 404 / 408 status when fewer are there.
 * (A client `fetch` would wait its whole `expires` — at least 1 s — for messages counted as pending
 * but deleted meanwhile by a requeue or discard running at the same time; with 5 s that made
 * dead-letter scans take 10 s and more.) The messages are gathered as they arrive (a callback, no
 * iterator), on one inbox subscription for all the pulls of a read: a pull is one write to the
 * server, not three (subscribe, request, unsubscribe), and each write wakes the server up.
 * Each pull answers to its own subject under that inbox, so a status is told apart from a late one.
 * `take` hands on what arrived since the last take.
 */
export class Puller {
  private readonly inbox: string;
  private readonly sub: Subscription;
  private readonly timer: ReturnType<typeof setInterval>;
  private n = 0;
  private lastSubject = new Uint8Array(0);
  private lastSubjectText = "";
  private current:
    | {
        reply: string;
        batch: number;
        /** Arrived, not taken yet. */
        out: Pulled[];
        /** Arrived in all. */
        count: number;
        done: boolean;
        error: Error | undefined;
        /** Something arrived since `quietSince`. */
        heard: boolean;
        quietSince: number;
        wake: (() => void) | undefined;
      }
    | undefined;

  constructor(
    private readonly c: Connection,
    private readonly stream: string,
    private readonly consumer: string,
    timeoutMs: number,
    private readonly maxBytes: number,
    private readonly keepRaw = false,
  ) {
    this.inbox = createInbox(c.inboxPrefix);
    this.sub = c.nc.subscribe(`${this.inbox}.*`, { callback: (err, m) => this.receive(err, m) });
    // the server is gone when nothing at all arrives for a pull for `timeoutMs` (a pull that is
    // answering slowly goes on: ending it would drop the rest of its messages, which a consumer
    // without acks does not send again); timed from each pull's start, not from the timer's
    this.timer = setInterval(
      () => {
        const p = this.current;
        if (!p || p.done) return;
        const now = Date.now();
        if (p.heard) {
          p.heard = false;
          p.quietSince = now;
        } else if (now - p.quietSince >= timeoutMs) {
          this.finish(new Error(`no answer to a pull from ${this.stream} within ${timeoutMs} ms`));
        }
      },
      Math.max(10, Math.min(1000, Math.floor(timeoutMs / 4))),
    );
    this.timer.unref();
  }

  /** Asks for the next pull (once the last one is over and taken). */
  pull(batch: number): void {
    if (this.current && !(this.current.done && this.current.out.length === 0)) throw new Error("a pull is under way");
    const reply = `${this.inbox}.${++this.n}`;
    this.current = {
      reply,
      batch,
      out: [],
      count: 0,
      done: false,
      error: undefined,
      heard: false,
      quietSince: Date.now(),
      wake: undefined,
    };
    this.c.nc.publish(
      `$JS.API.CONSUMER.MSG.NEXT.${this.stream}.${this.consumer}`,
      JSON.stringify({ batch, max_bytes: this.maxBytes, no_wait: true, expires: PULL_EXPIRES_NS }),
      { reply },
    );
  }

  /** The messages of the current pull that arrived since the last take (waits for one, or its end); `done` once it is over. */
  async take(): Promise<{ messages: Pulled[]; done: boolean }> {
    const p = this.current;
    if (!p) throw new Error("no pull is under way");
    while (p.out.length === 0 && !p.done) await new Promise<void>((wake) => (p.wake = wake));
    if (p.error) throw p.error;
    const messages = p.out;
    p.out = [];
    return { messages, done: p.done };
  }

  close(): void {
    clearInterval(this.timer);
    this.sub.unsubscribe();
    this.finish(new Error("the read ended"));
  }

  private finish(err?: Error): void {
    const p = this.current;
    if (!p || p.done) return;
    p.done = true;
    p.error = err;
    this.wake(p);
  }

  private wake(p: NonNullable<Puller["current"]>): void {
    const w = p.wake;
    p.wake = undefined;
    w?.();
  }

  /** The message's subject: a range holds few (tenant × type), each made a string once in a row of messages. */
  private subjectOf(m: Msg): string {
    const b = subjectBytes(m);
    if (b === undefined) return m.subject;
    const last = this.lastSubject;
    if (!sameBytes(last, 0, last.length, b, 0, b.length)) {
      this.lastSubject = b.slice();
      this.lastSubjectText = m.subject;
    }
    return this.lastSubjectText;
  }

  private receive(err: Error | null, m: Msg): void {
    const p = this.current;
    if (err) {
      this.finish(err);
      return;
    }
    if (!p || p.done) return;
    // read from the bytes as received where the client exposes them: no strings made per message
    const reply = replyBytes(m);
    if (reply === undefined ? !m.reply : reply === null || reply.length === 0) {
      // a status of this pull: 404 no messages / 408 fewer than asked / 409 its bytes are reached or
      // the consumer is gone end it; 100 is a heartbeat
      if (m.subject !== p.reply) return;
      p.heard = true;
      const code = m.headers?.code ?? 0;
      // (a message bigger than the pull's bytes would end every pull empty: the read would stop there)
      if (code === 409 && p.count === 0 && /MaxBytes/i.test(m.headers?.description ?? ""))
        this.finish(new Error(`a message of ${this.stream} is bigger than a pull's ${this.maxBytes} bytes`));
      else if (code >= 400) this.finish();
      return;
    }
    p.heard = true;
    const info = parseAckReply(reply ?? m.reply ?? "");
    if (!info) return;
    const subject = this.subjectOf(m);
    p.out.push(
      this.keepRaw
        ? new KeptBlock(m, subject, info.seq, info.timeMs, info.pending)
        : {
            seq: info.seq,
            subject,
            timeMs: info.timeMs,
            headers: messageHeaders(m),
            data: m.data,
            pending: info.pending,
          },
    );
    if (++p.count >= p.batch) this.finish();
    // the waiting reader runs once the messages of this socket read are in
    else this.wake(p);
  }
}

/** A message read with `keepRaw` (see `KeptMessage`). */
class KeptBlock extends KeptMessage<Msg> implements Pulled {
  constructor(
    m: Msg,
    readonly subject: string,
    readonly seq: number,
    readonly timeMs: number,
    readonly pending: number,
  ) {
    super(m);
  }
}

/**
 * The server keeps a `no_wait` pull waiting when its count of pending messages is stale (they were
 * just deleted); `expires` bounds that wait (then 408).
 */
const PULL_EXPIRES_NS = 1_000_000_000;

/**
 * Most bytes a pull brings (JetStream's `max_bytes`): what a read holds at once stays bounded
 * whatever the events' sizes. At least twice the largest message the server takes (its
 * `max_payload`, which the count of a message's subject and headers could pass): the server ends a
 * pull whose next message is bigger than its bytes without sending it.
 */
export function pullMaxBytes(nc: NatsConnection): number {
  return Math.max(PULL_BYTES, 2 * (nc.info?.max_payload ?? 0));
}

const PULL_BYTES = 8 * 1_048_576;

/** A pull that gets no answer at all within this time fails (the server is gone). */
const PULL_TIMEOUT_MS = 10_000;

export interface Connection {
  nc: NatsConnection;
  /** The connection's inbox prefix (an account may allow replies only there). */
  inboxPrefix?: string;
}

/** The connection under a JetStream client: its typings do not expose it; the implementation keeps it as `nc`. */
function connectionOf(js: JetStreamClient): Connection {
  const nc = (js as unknown as { nc: NatsConnection & { options?: { inboxPrefix?: string } } }).nc;
  return { nc, ...(nc.options?.inboxPrefix ? { inboxPrefix: nc.options.inboxPrefix } : {}) };
}
