import {
  AckPolicy,
  type ConsumeCallback,
  type Consumer,
  type ConsumerConfig,
  type ConsumerMessages,
  DeliverPolicy,
  type FetchOptions,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  ReplayPolicy,
} from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { AppError } from "../../../lib/errors";
import type { StoredEvent } from "../../core/bus/ports";
import { subjectFilter } from "../../core/bus/subjects";
import type { CloudEvent } from "../../core/cloudevents/event";
import type { JsonParts } from "../../core/cloudevents/nats";
import type { ConsumerAdmin, Delivery, DeliverySource, Subscription, UndecodableDelivery } from "../../core/delivery/ports";
import { parseAckReply } from "./ack-reply";
import { allHeaders, messageHeaders, replyBytes } from "./message-headers";
import { decodeBatch, type PullQuery, type SkippedMessage, type WireBatch } from "./read-wire";
import type { ReadWorker } from "./read-worker-client";
import { decodeStored } from "./stored-event";

const MS = 1_000_000;

export interface ConsumerAdminOptions {
  /** The connection acknowledgements go out on (for messages pulled on the reading thread too). */
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  /** Stream of replayed and requeued copies, one subject per subscription. */
  redeliveryStream: string;
  subjectPrefix: string;
  defaultTenant: string;
  /** nats-server ≥ 2.10 takes several filter subjects per consumer. */
  multiFilter: boolean;
  log: (msg: string, extra?: object) => void;
  /**
   * The reading thread: when set, the event stream's consumers are pulled there (the client's
   * parsing of each message and each event's JSON off the main thread); the redelivery stream's
   * copies, few, are pulled here.
   */
  reader?: ReadWorker;
}

/**
 * The subject filters NATS applies for a subscription: its tenant and type patterns. On servers
 * without multiple filter subjects, several patterns fall back to the tenant's whole subtree and
 * the dispatcher matches the types.
 */
export function consumerFilters(sub: Subscription, prefix: string, multiFilter: boolean): string[] {
  const types = sub.types ?? [];
  if (types.length === 0) return [subjectFilter(prefix, sub.tenant, undefined)];
  if (types.length === 1 || multiFilter) return types.map((t) => subjectFilter(prefix, sub.tenant, t));
  return [subjectFilter(prefix, sub.tenant, undefined)];
}

function startPolicy(sub: Subscription): Partial<ConsumerConfig> {
  const s = sub.startAt;
  switch (s.type) {
    case "new":
      return { deliver_policy: DeliverPolicy.New };
    case "all":
      return { deliver_policy: DeliverPolicy.All };
    case "time":
      return { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(s.value).toISOString() };
    case "sequence":
      return { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: s.value };
  }
}

function filterConfig(filters: string[]): Partial<ConsumerConfig> {
  return filters.length === 1 ? { filter_subject: filters[0] } : { filter_subjects: filters };
}

function sameFilters(cfg: ConsumerConfig, filters: string[]): boolean {
  const current =
    cfg.filter_subjects && cfg.filter_subjects.length > 0 ? cfg.filter_subjects : cfg.filter_subject ? [cfg.filter_subject] : [];
  return current.length === filters.length && current.every((f) => filters.includes(f));
}

export function createConsumerAdmin(o: ConsumerAdminOptions): ConsumerAdmin {
  async function info(stream: string, id: string) {
    try {
      return await o.jsm.consumers.info(stream, id);
    } catch (e) {
      if (e instanceof JetStreamApiError && e.code === 10014) return undefined; // consumer not found
      throw e;
    }
  }

  const tunables = (sub: Subscription): Partial<ConsumerConfig> => ({
    ack_wait: sub.retry.ackWaitMs * MS,
    max_ack_pending: sub.maxInFlight,
    max_deliver: -1, // attempts are counted by the dispatcher, which dead-letters after the last
    description: `anumate subscription ${sub.name}${sub.tenant ? ` (tenant ${sub.tenant})` : ""}`,
  });

  async function create(sub: Subscription, start: Partial<ConsumerConfig>, filters: string[]) {
    await o.jsm.consumers.add(o.stream, {
      durable_name: sub.id,
      ack_policy: AckPolicy.Explicit,
      replay_policy: ReplayPolicy.Instant,
      ...start,
      ...filterConfig(filters),
      ...tunables(sub),
    });
  }

  /** The subscription's consumer on the redelivery stream: replayed and requeued copies for it alone. */
  async function ensureRedelivery(sub: Subscription) {
    const name = redeliveryConsumer(sub.id);
    if (await info(o.redeliveryStream, name)) {
      await o.jsm.consumers.update(o.redeliveryStream, name, tunables(sub));
      return;
    }
    await o.jsm.consumers.add(o.redeliveryStream, {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      replay_policy: ReplayPolicy.Instant,
      deliver_policy: DeliverPolicy.All,
      filter_subject: redeliverySubject(o.subjectPrefix, sub.id),
      ...tunables(sub),
    });
  }

  const replies = createReplies(o.nc);
  const admin: ConsumerAdmin = {
    async ensure(sub) {
      const filters = consumerFilters(sub, o.subjectPrefix, o.multiFilter);
      const existing = await info(o.stream, sub.id);
      if (!existing) await create(sub, startPolicy(sub), filters);
      else if (sameFilters(existing.config, filters) || o.multiFilter) {
        await o.jsm.consumers.update(o.stream, sub.id, { ...tunables(sub), ...(o.multiFilter ? filterConfig(filters) : {}) });
      } else {
        // nats-server 2.9 cannot change a consumer's filter: recreate it where it stood
        await o.jsm.consumers.delete(o.stream, sub.id);
        await create(
          sub,
          { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: existing.ack_floor.stream_seq + 1 },
          filters,
        );
      }
      await ensureRedelivery(sub);
    },

    async reset(sub, to) {
      // works on every server version: the durable is recreated at the new position
      await o.jsm.consumers.delete(o.stream, sub.id).catch((e) => {
        if (!(e instanceof JetStreamApiError && e.code === 10014)) throw e;
      });
      const start: Partial<ConsumerConfig> =
        "sequence" in to
          ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: to.sequence }
          : { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(to.time).toISOString() };
      await create(sub, start, consumerFilters(sub, o.subjectPrefix, o.multiFilter));
    },

    async remove(id) {
      const gone = (e: unknown) => {
        if (!(e instanceof JetStreamApiError && e.code === 10014)) throw e;
      };
      await o.jsm.consumers.delete(o.stream, id).catch(gone);
      await o.jsm.consumers.delete(o.redeliveryStream, redeliveryConsumer(id)).catch(gone);
    },

    async figures(id) {
      const [main, rd] = await Promise.all([info(o.stream, id), info(o.redeliveryStream, redeliveryConsumer(id))]);
      if (!main) return undefined;
      return {
        pending: main.num_pending + (rd?.num_pending ?? 0),
        ackPending: main.num_ack_pending + (rd?.num_ack_pending ?? 0),
        redelivered: main.num_redelivered + (rd?.num_redelivered ?? 0),
      };
    },

    source(sub) {
      return createSource(o, o.stream, sub.id, (m) => toDelivery(o, replies, sub.id, m), {
        ...(o.reader ? { thread: { reader: o.reader, replies } } : {}),
      });
    },

    redeliverySource(sub) {
      const consumer = redeliveryConsumer(sub.id);
      return createSource(o, o.redeliveryStream, consumer, (m) => toRedelivery(o, replies, consumer, m), { watchIdle: true });
    },
  };

  // Changes to one subscription's consumers run one at a time in this replica: two PATCHes at once
  // could otherwise interleave a recreate (nats-server 2.9) with an update that resends the old
  // consumer's config ("start time can not be updated" → 500).
  const queues = new Map<string, Promise<unknown>>();
  function serial<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const run = (queues.get(id) ?? Promise.resolve()).catch(() => {}).then(fn);
    queues.set(id, run);
    void run
      .finally(() => {
        if (queues.get(id) === run) queues.delete(id);
      })
      .catch(() => {});
    return run;
  }
  /** Another replica changed the consumer at the same time: 409, the caller may retry. */
  function conflict(e: unknown): never {
    if (e instanceof JetStreamApiError && /can not be updated|already in use|already exists/i.test(e.message)) {
      throw new AppError("CONFLICT", "The subscription was changed at the same time; retry", {
        details: [{ field: "id", rule: "must not be changed by two requests at once" }],
        cause: e,
      });
    }
    throw e;
  }
  return {
    ...admin,
    ensure: (sub) => serial(sub.id, () => admin.ensure(sub).catch(conflict)),
    reset: (sub, to) => serial(sub.id, () => admin.reset(sub, to).catch(conflict)),
    remove: (id) => serial(id, () => admin.remove(id)),
  };
}

const ACK = Uint8Array.of(43, 65, 67, 75); // +ACK
const NAK = Uint8Array.of(45, 78, 65, 75); // -NAK
const WPI = Uint8Array.of(43, 87, 80, 73); // +WPI
const TERM = Uint8Array.of(43, 84, 69, 82, 77); // +TERM
const encoder = new TextEncoder();

/** Answers to JetStream messages, by reply subject (as nats.js's `JsMsg` sends them), on one connection. */
interface Replies {
  ack(reply: string): void;
  nak(reply: string, delayMs: number): void;
  term(reply: string): void;
  working(reply: string): void;
}

function createReplies(nc: NatsConnection): Replies {
  const send = (reply: string, payload: Uint8Array) => {
    if (!reply) return;
    try {
      nc.publish(reply, payload);
    } catch {
      // the connection closed or is draining meanwhile: the server redelivers after ack_wait
    }
  };
  // Acks of one event-loop turn are sent together: the client then writes them to the socket in one
  // write instead of one per delivery (socket writes were ~12% of delivery CPU in bench/delivery.ts).
  let acks: string[] = [];
  const flush = () => {
    const batch = acks;
    acks = [];
    for (const r of batch) send(r, ACK);
  };
  return {
    ack(reply) {
      if (acks.length === 0) setImmediate(flush);
      acks.push(reply);
    },
    nak: (reply, delayMs) =>
      send(reply, delayMs > 0 ? encoder.encode(`-NAK ${JSON.stringify({ delay: Math.round(delayMs * MS) })}`) : NAK),
    term: (reply) => send(reply, TERM),
    working: (reply) => send(reply, WPI),
  };
}

export const redeliveryConsumer = (subId: string) => `${subId}_rd`;
export const redeliverySubject = (prefix: string, subId: string) => `${prefix}_rd.${subId}`;

/** Headers of a copy in the redelivery stream. */
export const RD = {
  tenant: "Anumate-Tenant",
  originalSeq: "Anumate-Original-Seq",
  originalSubject: "Anumate-Original-Subject",
  storedAt: "Anumate-Stored-At",
  replayId: "Anumate-Replay-Id",
  requeueOf: "Anumate-Requeue-Of",
  delivered: "Anumate-Delivered",
} as const;

/**
 * A copy in the redelivery stream (a replayed or requeued event): the event as stored, with its
 * original position from the copy's headers. Read like a stream delivery: decoded only when read.
 */
function toRedelivery(o: ConsumerAdminOptions, replies: Replies, consumer: string, m: JsMsg): Delivery | UndecodableDelivery {
  const reply = replyOf(m);
  const info = parseAckReply(replyBytes(m) ?? reply);
  const h = messageHeaders(m);
  // a replayed event a lane handed back carries the deliveries it already had
  const attempt = (info ? info.deliveries : m.info.deliveryCount) + (Number(h?.get(RD.delivered)) || 0);
  const copySeq = info ? info.seq : m.seq;
  const storedAtMs = Date.parse(h?.get(RD.storedAt) ?? "");
  const r = decodeStored(
    o,
    Number(h?.get(RD.originalSeq)) || copySeq,
    h?.get(RD.originalSubject) || m.subject,
    Number.isNaN(storedAtMs) ? (info ? info.timeMs : m.time.getTime()) : storedAtMs,
    h,
    m.data,
  );
  if (!r.ok) return undecodable(replies, m, attempt, r.problems);
  const replayId = h?.get(RD.replayId);
  return new StreamDelivery(r.stored, reply, replies, attempt, `${consumer}:${copySeq}:${attempt}`, {
    tenant: h?.get(RD.tenant) ?? "",
    // a replay's attempts are counted per original event, whichever way it was delivered
    ...(replayId
      ? { replayId, attemptKey: { scope: "replay", seq: r.stored.seq } }
      : { attemptKey: { scope: "redelivery", seq: copySeq } }),
  });
}

/** The reply subject of a JetStream message (nats.js has it; its typings do not). */
export function replyOf(m: JsMsg): string {
  return (m as JsMsg & { reply?: string }).reply ?? "";
}

function undecodable(replies: Replies, m: JsMsg, attempt: number, problems: string): UndecodableDelivery {
  return rawDelivery(replies, {
    seq: m.seq,
    subject: m.subject,
    problems,
    pulled: { reply: replyOf(m), attempt, headers: allHeaders(m), payload: m.data },
  });
}

/** A message that is no CloudEvent, as the dispatcher dead-letters it. */
function rawDelivery(replies: Replies, s: SkippedMessage): UndecodableDelivery {
  const p = s.pulled as NonNullable<SkippedMessage["pulled"]>;
  return {
    undecodable: true,
    seq: s.seq,
    subject: s.subject,
    attempt: p.attempt,
    problems: s.problems,
    raw: { headers: p.headers, payload: p.payload },
    term: () => replies.term(p.reply),
    nak: (ms) => replies.nak(p.reply, ms),
  };
}

function toDelivery(o: ConsumerAdminOptions, replies: Replies, consumer: string, m: JsMsg): Delivery | UndecodableDelivery {
  // read from the reply subject in one pass (nats.js's `m.info` splits it into a dozen strings)
  const reply = replyOf(m);
  const info = parseAckReply(replyBytes(m) ?? reply);
  const attempt = info ? info.deliveries : m.info.deliveryCount;
  const seq = info ? info.seq : m.seq;
  const r = decodeStored(o, seq, m.subject, info ? info.timeMs : m.time.getTime(), messageHeaders(m), m.data);
  if (!r.ok) return undecodable(replies, m, attempt, r.problems);
  return new StreamDelivery(r.stored, reply, replies, attempt, `${consumer}:${seq}:${attempt}`);
}

/**
 * A delivery of an event of the event stream: its event is decoded only when read (a WebSocket
 * member sends the stored JSON bytes, see `json`). A class: no closures made per delivery.
 */
class StreamDelivery implements Delivery {
  readonly seq: number;
  readonly subject: string;
  readonly tenant: string;
  readonly storedAtMs: number | undefined;
  readonly type: string | undefined;
  readonly replayId?: string;
  readonly attemptKey?: Delivery["attemptKey"];

  constructor(
    private readonly stored: StoredEvent,
    private readonly reply: string,
    private readonly replies: Replies,
    readonly attempt: number,
    readonly deliveryId: string,
    /** For a copy in the redelivery stream: its tenant, replay and where its attempts are counted. */
    copy?: { tenant: string; replayId?: string; attemptKey: Delivery["attemptKey"] },
  ) {
    this.seq = stored.seq;
    this.subject = stored.subject;
    this.tenant = copy ? copy.tenant : stored.tenant;
    this.storedAtMs = stored.storedAtMs;
    this.type = stored.type;
    if (copy?.replayId) this.replayId = copy.replayId;
    if (copy) this.attemptKey = copy.attemptKey;
  }

  get storedAt(): string {
    return this.stored.storedAt;
  }
  get event(): CloudEvent {
    return this.stored.event;
  }
  get json(): JsonParts | undefined {
    return this.stored.json;
  }
  ack(): void {
    this.replies.ack(this.reply);
  }
  nak(ms: number): void {
    this.replies.nak(this.reply, ms);
  }
  term(): void {
    this.replies.term(this.reply);
  }
  working(): void {
    this.replies.working(this.reply);
  }
}

/** A pull's end before the server's: `end()` sets `ended` and resolves `over`. */
function earlyEnd() {
  const e = { ended: false, end: () => {}, over: Promise.resolve() };
  e.over = new Promise<void>((resolve) => {
    e.end = () => {
      e.ended = true;
      resolve();
    };
  });
  return e;
}

/** How long after its expiry a pull the server has not ended is taken as over. */
export const EXPIRY_GRACE_MS = 50;
/** A message sent to a pull taken as over goes back with this delay (short, but not a busy loop). */
export const EXPIRED_HANDBACK_MS = 50;

function createSource(
  o: ConsumerAdminOptions,
  stream: string,
  consumerName: string,
  decode: (m: JsMsg) => Delivery | UndecodableDelivery,
  opts: { watchIdle?: boolean; thread?: { reader: ReadWorker; replies: Replies } } = {},
): DeliverySource {
  let stopped = false;
  // the pulls under way, ended by stop()
  const enders = new Set<() => void>();
  // looked up once (a JetStream API request), not per pull; looked up again after a failed pull
  let consumer: Consumer | undefined;
  /** While idle: the consumer's counts, read every `pollMs`, instead of a pull held open. */
  async function waitForWork(pollMs: number): Promise<void> {
    while (!stopped) {
      try {
        consumer ??= await o.js.consumers.get(stream, consumerName);
        const i = await consumer.info();
        // undelivered, or delivered and not yet answered (in flight elsewhere, or nak'd to come back)
        if (i.num_pending > 0 || i.num_ack_pending > 0) return;
      } catch {
        consumer = undefined;
        return; // the pull says what is wrong, and backs off
      }
      let wake: () => void = () => {};
      await new Promise<void>((resolve) => {
        wake = resolve;
        enders.add(wake);
        setTimeout(resolve, pollMs).unref();
      });
      enders.delete(wake);
    }
  }
  return {
    ...(opts.watchIdle ? { waitForWork } : {}),
    async pull(max, expiresMs, onDelivery, leftoverDelayMs = () => 0) {
      if (stopped) return;
      if (opts.thread && (await opts.thread.reader.available())) {
        const { reader, replies } = opts.thread;
        return threadPull(reader, replies, { stream, consumer: consumerName, max, expiresMs }, onDelivery, leftoverDelayMs);
      }
      // Callback mode: each message is handed over as it is parsed, with no iterator, generator or
      // promise per message. A pull ended early keeps its inbox open until the server's pull request
      // is over (closing it would leave the messages still sent to wait out ack_wait): they are
      // handed back instead.
      const early = earlyEnd();
      const end = early.end;
      // The server ends its pull request at `expiresMs` and then says so (408); now and then
      // nats-server 2.9 does not, and the client would wait until two heartbeats are missed (~1 s
      // more) while new events wait for a pull. So the pull also ends here, shortly after it
      // expires; a message the server still sends to it is handed back at once, for the next pull.
      let expired = false;
      let msgs: ConsumerMessages;
      try {
        consumer ??= await o.js.consumers.get(stream, consumerName);
        msgs = await consumer.fetch({
          max_messages: max,
          expires: expiresMs,
          callback: (m: JsMsg) => {
            if (early.ended) m.nak(expired ? EXPIRED_HANDBACK_MS : leftoverDelayMs());
            else if (!onDelivery(decode(m))) end();
          },
        } as FetchOptions & ConsumeCallback);
      } catch (e) {
        consumer = undefined;
        throw e;
      }
      enders.add(end);
      const timer = setTimeout(() => {
        expired = true;
        end();
      }, expiresMs + EXPIRY_GRACE_MS);
      try {
        const err = await Promise.race([msgs.closed(), early.over]);
        if (err instanceof Error) {
          consumer = undefined;
          throw err;
        }
      } finally {
        clearTimeout(timer);
        enders.delete(end);
        early.ended = true;
      }
    },
    stop() {
      stopped = true;
      for (const end of enders) end();
      enders.clear();
    },
  };

  /** A pull on the reading thread: its messages come as batches of events already rendered (read-wire.ts). */
  async function threadPull(
    reader: ReadWorker,
    replies: Replies,
    q: PullQuery,
    onDelivery: (d: Delivery | UndecodableDelivery) => boolean,
    leftoverDelayMs: () => number,
  ): Promise<void> {
    const early = earlyEnd();
    const end = early.end;
    // after the pull ended here, what the server still sends for it goes back (as inline)
    const hand = (d: Delivery | UndecodableDelivery, reply: string) => {
      if (early.ended) replies.nak(reply, leftoverDelayMs());
      else if (!onDelivery(d)) end();
    };
    const onBatch = (b: WireBatch) => {
      for (const s of b.skipped) if (s.pulled) hand(rawDelivery(replies, s), s.pulled.reply);
      const events = decodeBatch(o, b);
      const reply = b.reply as string[];
      const attempt = b.attempt as Uint32Array;
      for (let i = 0; i < events.length; i++) {
        const e = events[i] as StoredEvent;
        const r = reply[i] as string;
        const n = attempt[i] as number;
        hand(new StreamDelivery(e, r, replies, n, `${q.consumer}:${e.seq}:${n}`), r);
      }
    };
    const pulled = reader.pull(q, onBatch);
    enders.add(end);
    try {
      await Promise.race([pulled, early.over]);
    } finally {
      enders.delete(end);
      early.ended = true;
      pulled.catch(() => {}); // ended early: its end (or failure) no longer matters
    }
  }
}
