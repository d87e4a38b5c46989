import {
  AckPolicy,
  type Consumer,
  type ConsumerMessages,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
} from "@nats-io/jetstream";
import { nuid } from "@nats-io/transport-node";
import { AppError } from "../../../lib/errors";
import type { StoredEvent } from "../../core/bus/ports";
import type { LiveSource, LiveSourceOptions, LiveStart, LiveSubscription } from "../../core/stream/ports";
import { messageHeaders } from "./message-headers";
import { toStored } from "./stored-event";

export interface NatsLiveSourceOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  subjectPrefix: string;
  defaultTenant: string;
  connected: () => boolean;
  log: (msg: string, extra?: object) => void;
  /**
   * Messages asked for per pull. The next pull is sent only as the reader takes messages, so one
   * subscription never holds more than about twice this many in memory.
   * @default 64
   */
  batch?: number;
}

const NS = 1_000_000_000;
/** A consumer left behind by a crashed process is removed by the server after this long without a pull. */
const INACTIVE_MS = 30_000;

/**
 * Live reads with JetStream ordered consumers (ephemeral, in memory, no acks; the client recreates
 * them from its cursor after a gap or a lost consumer). One filter subject, so it runs on
 * nats-server 2.9. Always started at a stream sequence: `now` and `time:` are resolved first, so a
 * consumer recreated before its first message restarts at the right place, not at sequence 1.
 */
export function createNatsLiveSource(o: NatsLiveSourceOptions): LiveSource {
  const batch = o.batch ?? 64;
  const decodeCtx = { subjectPrefix: o.subjectPrefix, defaultTenant: o.defaultTenant, log: o.log };

  function unavailable(cause: unknown, message = "Could not read from NATS JetStream") {
    return new AppError("UNAVAILABLE", message, { cause, retryAfterSec: 1 });
  }

  /** The first sequence to deliver. A position past the end (e.g. a stream recreated since) starts at the next event. */
  async function resolveStart(filterSubject: string, from: LiveStart): Promise<number> {
    const next = (await o.jsm.streams.info(o.stream)).state.last_seq + 1;
    if (from.type === "now") return next;
    if (from.type === "seq") return Math.min(from.seq, next);
    // The server maps a time to a sequence when it creates a consumer: a throwaway one tells us where.
    const name = `live_probe_${nuid.next()}`;
    const ci = await o.jsm.consumers.add(o.stream, {
      name,
      ack_policy: AckPolicy.None,
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: from.time,
      filter_subject: filterSubject,
      mem_storage: true,
      num_replicas: 1,
      inactive_threshold: 10 * NS,
    });
    o.jsm.consumers.delete(o.stream, name).catch(() => {});
    return Math.min(ci.delivered.stream_seq + 1, next);
  }

  async function open({ filterSubject, from }: LiveSourceOptions): Promise<LiveSubscription> {
    if (!o.connected()) throw unavailable(undefined, "NATS is not connected. Retry later.");
    let consumer: Consumer;
    let startSeq: number;
    try {
      startSeq = await resolveStart(filterSubject, from);
      consumer = await o.js.consumers.get(o.stream, {
        name_prefix: `live_${nuid.next()}`,
        filter_subjects: filterSubject, // a string: sent as filter_subject (servers before 2.10)
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: startSeq,
        inactive_threshold: INACTIVE_MS,
      });
    } catch (e) {
      throw unavailable(e);
    }
    let messages: ConsumerMessages;
    try {
      // Iterator mode: the library queues each refill pull behind the messages already received and
      // sends it only when the reader gets there, so an idle reader stops the reading.
      messages = await consumer.consume({ max_messages: batch, expires: 30_000 });
    } catch (e) {
      consumer.delete().catch(() => {});
      throw unavailable(e);
    }

    let stopped = false;
    let lastPending = 0;
    let stopping: Promise<void> | undefined;
    const stop = () => {
      stopping ??= (async () => {
        stopped = true;
        messages.stop();
        // when NATS is away, the server drops the consumer after INACTIVE_MS
        if (o.connected()) await consumer.delete().catch(() => {});
      })();
      return stopping;
    };

    async function* iterate(): AsyncGenerator<StoredEvent> {
      try {
        for await (const m of messages) {
          // messages read ahead before a stop are still queued in the library: drop them
          if (stopped) return;
          lastPending = m.info.pending;
          const e = toStored(decodeCtx, m.seq, m.subject, m.time.getTime(), messageHeaders(m), m.data);
          if (e) yield e;
        }
      } finally {
        await stop();
      }
    }

    return {
      startSeq,
      [Symbol.asyncIterator]: iterate,
      async pending() {
        const readAhead = Math.max(0, messages.getReceived() - messages.getProcessed());
        try {
          return (await consumer.info()).num_pending + readAhead;
        } catch {
          return Math.max(readAhead, lastPending);
        }
      },
      stop,
    };
  }

  return { open };
}
