import { isMainThread, type MessagePort, parentPort, workerData } from "node:worker_threads";
import {
  type ConsumeCallback,
  type Consumer,
  type FetchOptions,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import type { Config } from "../../config";
import { parseAckReply } from "./ack-reply";
import { connectNats } from "./connection";
import { EXPIRED_HANDBACK_MS, EXPIRY_GRACE_MS, replyOf } from "./consumers";
import { allHeaders, KeptMessage, replyBytes } from "./message-headers";
import { type RangeMessage, readRangeBatches } from "./range-reader";
import {
  encodeBatch,
  type PulledMessage,
  type PullQuery,
  type ReaderReply,
  type ReaderRequest,
  transferables,
} from "./read-wire";

/**
 * The reading thread (a worker thread started by read-worker-client.ts): it reads ranges of the
 * stream on a NATS connection of its own and hands each batch over decoded and rendered
 * (read-wire.ts). Reading — the client's parsing of each message, the pull requests, the JSON of
 * each event — is about 40% of what a replay costs; here it runs on another core than deliveries.
 * A read sends a batch only while it has credit: the main thread grants one per batch it takes,
 * so what waits between the threads stays bounded whatever the reader's pace.
 * It also pulls subscriptions' durable consumers (`pull`): each pull's messages are handed over as
 * they arrive, a batch per socket read, with their reply subjects; the main thread acknowledges
 * them on its own connection. A pull holds at most the `max` it asked for.
 */
export interface ReaderData {
  config: Config;
  subjectPrefix: string;
  defaultTenant: string;
}

interface Read {
  credit: number;
  cancelled: boolean;
  wake: (() => void) | undefined;
}

async function serve(port: MessagePort, data: ReaderData): Promise<void> {
  const send = (m: ReaderReply, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
  const log = (msg: string, extra?: object) => send({ type: "log", msg, ...(extra ? { extra } : {}) });
  const nats = await connectNats(data.config, log, "anumate-event-bus/reader");
  const js = jetstream(nats.nc);
  const jsm = await jetstreamManager(nats.nc);
  const ctx = { subjectPrefix: data.subjectPrefix, defaultTenant: data.defaultTenant, log };
  const reads = new Map<number, Read>();
  // looked up once per consumer (a JetStream API request), again after a failed pull
  const consumers = new Map<string, Consumer>();

  /** One pull of a durable consumer, as consumers.ts's inline pull does it: ends when the server ends it, or shortly after it expires. */
  async function pull(id: number, q: PullQuery): Promise<void> {
    const key = `${q.stream}\u0000${q.consumer}`;
    let expired = false;
    let queued: PulledMessage[] = [];
    const flush = () => {
      if (queued.length === 0) return; // (sent already, at the pull's end)
      const batch = encodeBatch(ctx, queued, true);
      queued = [];
      send({ type: "batch", id, batch }, transferables(batch));
    };
    try {
      let consumer = consumers.get(key);
      if (!consumer) {
        consumer = await js.consumers.get(q.stream, q.consumer);
        consumers.set(key, consumer);
      }
      const msgs = await consumer.fetch({
        max_messages: q.max,
        expires: q.expiresMs,
        callback: (m: JsMsg) => {
          // one that comes after the pull was taken as over goes back for the next
          if (expired) return m.nak(EXPIRED_HANDBACK_MS);
          // the messages of one socket read leave together
          if (queued.length === 0) queueMicrotask(flush);
          queued.push(pulledMessage(m));
        },
      } as FetchOptions & ConsumeCallback);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const over = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, q.expiresMs + EXPIRY_GRACE_MS);
      });
      const err = await Promise.race([msgs.closed(), over]);
      clearTimeout(timer);
      expired = true;
      flush();
      if (err instanceof Error) throw err;
      send({ type: "end", id });
    } catch (e) {
      consumers.delete(key);
      send({ type: "error", id, message: e instanceof Error ? e.message : String(e) });
    }
  }

  async function run(id: number, m: Extract<ReaderRequest, { type: "read" }>, r: Read): Promise<void> {
    const withJson = !m.query.headersOnly;
    // messages read and not sent yet: sent as they come while the main thread has credit, else
    // gathered (up to a pull's worth, then the read waits) and sent as one batch once it has
    let queued: RangeMessage[] = [];
    const most = m.query.batch ?? 256;
    const sendQueued = async () => {
      while (r.credit === 0 && !r.cancelled) await new Promise<void>((wake) => (r.wake = wake));
      if (r.cancelled) return false;
      r.credit--;
      const batch = encodeBatch(ctx, queued, withJson);
      queued = [];
      send({ type: "batch", id, batch }, transferables(batch));
      return true;
    };
    try {
      for await (const read of readRangeBatches(js, jsm, { ...m.query, keepRaw: true })) {
        if (r.cancelled) return;
        if (queued.length === 0) queued = read;
        else for (const x of read) queued.push(x);
        if (r.credit === 0 && queued.length < most) continue;
        if (!(await sendQueued())) return;
      }
      if (queued.length > 0 && !(await sendQueued())) return;
      send({ type: "end", id });
    } catch (e) {
      send({ type: "error", id, message: e instanceof Error ? e.message : String(e) });
    }
  }

  port.on("message", (m: ReaderRequest) => {
    if (m.type === "read") {
      const r: Read = { credit: m.credit, cancelled: false, wake: undefined };
      reads.set(m.id, r);
      void run(m.id, m, r).finally(() => reads.delete(m.id));
    } else if (m.type === "credit" || m.type === "cancel") {
      const r = reads.get(m.id);
      if (!r) return;
      if (m.type === "credit") r.credit += m.n;
      else r.cancelled = true;
      r.wake?.();
      r.wake = undefined;
    } else if (m.type === "pull") void pull(m.id, m.query);
    else if (m.type === "close") {
      for (const r of reads.values()) {
        r.cancelled = true;
        r.wake?.();
      }
      void nats.nc.drain().finally(() => port.close());
    }
  });
  send({ type: "ready" });
}

/** A message of a pull as the main thread needs it: position and delivery count read from its reply subject. */
function pulledMessage(m: JsMsg): PulledMessage {
  const reply = replyOf(m);
  const info = parseAckReply(replyBytes(m) ?? reply);
  return new Pulled(
    m,
    info ? info.seq : m.seq,
    info ? info.timeMs : m.time.getTime(),
    reply,
    info ? info.deliveries : m.info.deliveryCount,
  );
}

/** A pulled message (see `KeptMessage`); `allHeaders` only for one that is no CloudEvent, to dead-letter it. */
class Pulled extends KeptMessage<JsMsg> implements PulledMessage {
  readonly subject: string;
  constructor(
    m: JsMsg,
    readonly seq: number,
    readonly timeMs: number,
    readonly reply: string,
    readonly attempt: number,
  ) {
    super(m);
    this.subject = m.subject;
  }
  allHeaders(): [string, string][] {
    return allHeaders(this.m);
  }
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  serve(port, workerData as ReaderData).catch((e) => {
    // the main thread reads inline instead (and says why)
    port.postMessage({ type: "log", msg: "the reading thread could not start", extra: { error: String(e) } });
    throw e;
  });
}
