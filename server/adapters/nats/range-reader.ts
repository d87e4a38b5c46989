import { AckPolicy, type ConsumerConfig, DeliverPolicy, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import { type MsgHdrs, nuid } from "@nats-io/transport-node";

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
}

export interface RangeMessage {
  seq: number;
  subject: string;
  time: Date;
  headers: MsgHdrs | undefined;
  data: Uint8Array;
}

/**
 * Reads a range of a stream in order with an ephemeral consumer (no acks, in memory), ending at the
 * range's end or at the last message stored when the read began — never waiting for new ones.
 * The consumer is removed when the iteration ends (or is abandoned: the server drops it after 30 s).
 */
export async function* readRange(js: JetStreamClient, jsm: JetStreamManager, q: RangeQuery): AsyncGenerator<RangeMessage> {
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
  try {
    let remaining = ci.num_pending;
    const toMs = q.toTime === undefined ? undefined : Date.parse(q.toTime);
    const consumer = await js.consumers.get(q.stream, name);
    const batch = q.batch ?? 256;
    while (remaining > 0) {
      const msgs = await consumer.fetch({ max_messages: Math.min(remaining, batch), expires: 5000 });
      let got = 0;
      for await (const m of msgs) {
        got++;
        remaining = m.info.pending;
        if ((q.toSeq !== undefined && m.seq > q.toSeq) || (toMs !== undefined && m.time.getTime() > toMs)) return;
        yield { seq: m.seq, subject: m.subject, time: m.time, headers: m.headers, data: m.data };
        if (remaining === 0) break;
      }
      if (got === 0) return; // nothing came within `expires`: the range ended (messages expired meanwhile)
    }
  } finally {
    jsm.consumers.delete(q.stream, name).catch(() => {});
  }
}
