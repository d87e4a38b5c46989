import { AckPolicy, DeliverPolicy, JetStreamApiError, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { nuid } from "@nats-io/transport-node";
import { AppError } from "../../../lib/errors";
import type {
  AppendItem,
  AppendResult,
  EventStore,
  HistoryPage,
  HistoryQuery,
  RangeInput,
  StoredEvent,
} from "../../core/bus/ports";
import type { CloudEvent } from "../../core/cloudevents/event";
import { encodeNats } from "../../core/cloudevents/nats";
import { headerReader } from "./message-headers";
import { PublishHeaders } from "./publish-headers";
import { readRange, readRangeBatches } from "./range-reader";
import type { ReadWorker } from "./read-worker-client";
import { toStored } from "./stored-event";
import { streamFigures } from "./streams";

export interface NatsEventStoreOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  subjectPrefix: string;
  defaultTenant: string;
  /** Server's max_payload. */
  maxPayload: number;
  publishTimeoutMs: number;
  connected: () => boolean;
  log: (msg: string, extra?: object) => void;
  /** Where offloaded reads (`RangeInput.offload`) go while it runs: a thread of its own. The rest read on this one. */
  reader?: ReadWorker;
}

export interface NatsEventStore extends EventStore {
  /** Resolves once every append under way has settled (for graceful shutdown). */
  settle(): Promise<void>;
}

/**
 * Messages per pull when reading a range. The next pull is under way while one is read, so round
 * trips cost little; fewer events held at once make garbage collection cheaper (an SSE replay of
 * 1 KB events went from 25–31k to 26–37k events/s with 1,024 → 256/128, `npm run bench:delivery`).
 */
const READ_BATCH = 128;
/**
 * The same on the reading thread, where the pulls' writes and the parsing garbage are off the main
 * thread: fewer, larger pulls. A pull request is a socket write, and a write that wakes nats-server
 * cost 0.1–0.4 ms here. 128 → 512 (eighth round): WebSocket replay medians 0.51 → 0.57 × raw;
 * 512 → 2,048 (eleventh round, alternated): WebSocket subscription replays 45.7k → 52.3k events/s
 * (means of 12 and 18 runs). Each pull is bounded by bytes too (range-reader.ts `pullMaxBytes`).
 */
const THREAD_READ_BATCH = 2048;

const NATS_HEADER_LINE = 12; // "NATS/1.0\r\n" + final "\r\n"

export function createNatsEventStore(o: NatsEventStoreOptions): NatsEventStore {
  const inFlight = new Set<Promise<unknown>>();

  function unavailable(
    cause: unknown,
    message = "NATS JetStream did not acknowledge the event; it may not be stored. Retry: retries are deduplicated.",
  ) {
    return new AppError("UNAVAILABLE", message, { cause, retryAfterSec: 1 });
  }

  // The size check and the publish need the same encoding: made once per event.
  const encodings = new WeakMap<CloudEvent, ReturnType<typeof encodeNats>>();
  function encoded(e: CloudEvent) {
    let m = encodings.get(e);
    if (!m) {
      m = encodeNats(e);
      encodings.set(e, m);
    }
    return m;
  }

  // Publishes of requests handled in the same event-loop turn are started together, so the client
  // writes them to the socket in one write instead of one per request (measured in bench/).
  let turn: (() => void)[] = [];
  function coalesced<T>(start: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (turn.length === 0) {
        setImmediate(() => {
          const starts = turn;
          turn = [];
          for (const s of starts) s();
        });
      }
      turn.push(() => start().then(resolve, reject));
    });
  }

  async function append(items: AppendItem[]): Promise<AppendResult[]> {
    if (!o.connected()) throw unavailable(undefined, "NATS is not connected; nothing was stored. Retry later.");
    // Pipelined: every publish is sent before any acknowledgement is awaited.
    const pending = items.map((it) => {
      const m = encoded(it.event);
      const h = new PublishHeaders();
      for (const [k, v] of m.headers) h.append(k, v);
      return coalesced(() =>
        o.js.publish(it.subject, m.payload, { msgID: it.msgId, headers: h.asMsgHdrs(), timeout: o.publishTimeoutMs }),
      );
    });
    const all = Promise.allSettled(pending);
    inFlight.add(all);
    let settled: PromiseSettledResult<Awaited<(typeof pending)[number]>>[];
    try {
      settled = await all;
    } finally {
      inFlight.delete(all);
    }
    const failed = settled.filter((s) => s.status === "rejected");
    if (failed.length > 0) {
      const first = (failed[0] as PromiseRejectedResult).reason;
      o.log("publish failed", { failed: failed.length, of: items.length, error: String(first) });
      throw unavailable(
        first,
        failed.length === items.length
          ? "NATS JetStream did not acknowledge the event; it may not be stored. Retry: retries are deduplicated."
          : `NATS JetStream acknowledged ${items.length - failed.length} of ${items.length} events. Retry the whole batch: events already stored are deduplicated.`,
      );
    }
    return settled.map((s) => {
      const ack = (s as PromiseFulfilledResult<{ seq: number; duplicate: boolean }>).value;
      return { seq: ack.seq, duplicate: ack.duplicate };
    });
  }

  async function get(seq: number): Promise<StoredEvent | undefined> {
    try {
      const m = await o.jsm.streams.getMessage(o.stream, { seq });
      return m ? toStored(o, m.seq, m.subject, m.time.getTime(), headerReader(m.header), m.data) : undefined;
    } catch (e) {
      if (e instanceof JetStreamApiError && e.code === 10037) return undefined;
      throw unavailable(e, "Could not read from NATS JetStream");
    }
  }

  async function history(q: HistoryQuery): Promise<HistoryPage> {
    const items: StoredEvent[] = [];
    let scanned = 0;
    let nextSeq: number | null = null;
    try {
      for await (const m of readRange(o.js, o.jsm, {
        stream: o.stream,
        filterSubject: q.filterSubject,
        fromSeq: q.fromSeq,
        fromTime: q.fromTime,
        toTime: q.toTime,
        batch: Math.min(Math.max(q.limit, 100), q.scanLimit),
      })) {
        scanned++;
        const e = toStored(o, m.seq, m.subject, m.timeMs, m.headers, m.data);
        if (e && (!q.accept || q.accept(e))) items.push(e);
        if (items.length >= q.limit || scanned >= q.scanLimit) {
          nextSeq = m.seq + 1;
          break;
        }
      }
      // a full page may have been the last: the next page is then empty, with next null
      return { items, nextSeq };
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw unavailable(e, "Could not read from NATS JetStream");
    }
  }

  function size(event: CloudEvent): number {
    const m = encoded(event);
    let n = m.payload.length + NATS_HEADER_LINE + 64; // 64: Nats-Msg-Id header
    for (const [k, v] of m.headers) n += k.length + v.length + 4;
    return n;
  }

  async function* read(q: RangeInput): AsyncGenerator<StoredEvent[]> {
    const { offload, ...range } = q;
    const query = { stream: o.stream, batch: READ_BATCH, ...range };
    if (offload && o.reader && (await o.reader.available())) {
      yield* o.reader.read({ ...query, batch: THREAD_READ_BATCH });
      return;
    }
    for await (const batch of readRangeBatches(o.js, o.jsm, query)) {
      const events: StoredEvent[] = [];
      for (const m of batch) {
        const e = toStored(o, m.seq, m.subject, m.timeMs, m.headers, m.data);
        if (e) events.push(e);
      }
      if (events.length > 0) yield events;
    }
  }

  /** Events matching the filter from a position to the end of the stream, as JetStream counts them for a new consumer. */
  async function pendingFrom(filterSubject: string, from: { seq?: number; time?: string }): Promise<number> {
    const ci = await o.jsm.consumers.add(o.stream, {
      name: `count_${nuid.next()}`,
      ack_policy: AckPolicy.None,
      filter_subject: filterSubject,
      mem_storage: true,
      num_replicas: 1,
      headers_only: true,
      inactive_threshold: 10 * 1_000_000_000,
      ...(from.seq !== undefined
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from.seq }
        : from.time !== undefined
          ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: from.time }
          : { deliver_policy: DeliverPolicy.All }),
    });
    o.jsm.consumers.delete(o.stream, ci.name).catch(() => {});
    return ci.num_pending;
  }

  async function count(q: RangeInput): Promise<number> {
    try {
      const all = await pendingFrom(q.filterSubject, { seq: q.fromSeq, time: q.fromTime });
      if (q.toSeq === undefined && q.toTime === undefined) return all;
      // past the range's end: from the next sequence, or from the next ms (reads compare whole ms)
      const after = await pendingFrom(
        q.filterSubject,
        q.toSeq !== undefined ? { seq: q.toSeq + 1 } : { time: new Date(Date.parse(q.toTime ?? "") + 1).toISOString() },
      );
      return Math.max(0, all - after);
    } catch (e) {
      throw unavailable(e, "Could not read from NATS JetStream");
    }
  }

  return {
    read,
    count,
    append,
    get,
    history,
    figures: () => streamFigures(o.jsm, o.stream),
    size,
    maxMessageBytes: o.maxPayload,
    connected: o.connected,
    settle: async () => {
      await Promise.allSettled([...inFlight]);
    },
  };
}
