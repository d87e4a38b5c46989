import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  ReplayPolicy,
} from "@nats-io/jetstream";
import { subjectFilter } from "../../core/bus/subjects";
import type { ConsumerAdmin, Delivery, DeliverySource, Subscription, UndecodableDelivery } from "../../core/delivery/ports";
import { decodeStored } from "./event-store";

const MS = 1_000_000;

export interface ConsumerAdminOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  subjectPrefix: string;
  defaultTenant: string;
  /** nats-server ≥ 2.10 takes several filter subjects per consumer. */
  multiFilter: boolean;
  log: (msg: string, extra?: object) => void;
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
  async function info(id: string) {
    try {
      return await o.jsm.consumers.info(o.stream, id);
    } catch (e) {
      if (e instanceof JetStreamApiError && e.code === 10014) return undefined; // consumer not found
      throw e;
    }
  }

  return {
    async ensure(sub) {
      const filters = consumerFilters(sub, o.subjectPrefix, o.multiFilter);
      const tunables: Partial<ConsumerConfig> = {
        ack_wait: sub.retry.ackWaitMs * MS,
        max_ack_pending: sub.maxInFlight,
        max_deliver: -1, // attempts are counted by the dispatcher, which dead-letters after the last
        description: `anumate subscription ${sub.name}${sub.tenant ? ` (tenant ${sub.tenant})` : ""}`,
      };
      const existing = await info(sub.id);
      if (!existing) {
        await o.jsm.consumers.add(o.stream, {
          durable_name: sub.id,
          ack_policy: AckPolicy.Explicit,
          replay_policy: ReplayPolicy.Instant,
          ...startPolicy(sub),
          ...filterConfig(filters),
          ...tunables,
        });
        return;
      }
      if (sameFilters(existing.config, filters) || o.multiFilter) {
        await o.jsm.consumers.update(o.stream, sub.id, { ...tunables, ...(o.multiFilter ? filterConfig(filters) : {}) });
        return;
      }
      // nats-server 2.9 cannot change a consumer's filter: recreate it where it stood
      const from = existing.ack_floor.stream_seq + 1;
      await o.jsm.consumers.delete(o.stream, sub.id);
      await o.jsm.consumers.add(o.stream, {
        durable_name: sub.id,
        ack_policy: AckPolicy.Explicit,
        replay_policy: ReplayPolicy.Instant,
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: from,
        ...filterConfig(filters),
        ...tunables,
      });
    },

    async remove(id) {
      await o.jsm.consumers.delete(o.stream, id).catch((e) => {
        if (!(e instanceof JetStreamApiError && e.code === 10014)) throw e;
      });
    },

    async figures(id) {
      const ci = await info(id);
      return ci ? { pending: ci.num_pending, ackPending: ci.num_ack_pending, redelivered: ci.num_redelivered } : undefined;
    },

    source(sub) {
      return createSource(o, sub);
    },
  };
}

function toDelivery(o: ConsumerAdminOptions, m: JsMsg): Delivery | UndecodableDelivery {
  const attempt = m.info.deliveryCount;
  const r = decodeStored(o, m.seq, m.subject, m.time, m.headers, m.data);
  if (!r.ok) {
    const headers: [string, string][] = [];
    if (m.headers) for (const [k, vs] of m.headers) for (const v of vs) headers.push([k, v]);
    return {
      undecodable: true,
      seq: m.seq,
      subject: m.subject,
      attempt,
      problems: r.problems,
      raw: { headers, payload: m.data },
      term: () => m.term(),
      nak: (ms) => m.nak(ms),
    };
  }
  const s = r.stored;
  return {
    seq: s.seq,
    subject: s.subject,
    tenant: s.tenant,
    storedAt: s.storedAt,
    event: s.event,
    attempt,
    deliveryId: `${m.info.consumer}:${m.seq}:${attempt}`,
    ack: () => m.ack(),
    nak: (ms) => m.nak(ms),
    term: () => m.term(),
    working: () => m.working(),
  };
}

const STOPPED = Symbol("stopped");

function createSource(o: ConsumerAdminOptions, sub: Subscription): DeliverySource {
  let stopped = false;
  let onStop: () => void = () => {};
  const stoppedSignal = new Promise<typeof STOPPED>((resolve) => {
    onStop = () => resolve(STOPPED);
  });
  return {
    async *pull(max, expiresMs, leftoverDelayMs = () => 0) {
      if (stopped) return;
      const consumer = await o.js.consumers.get(o.stream, sub.id);
      const msgs = await consumer.fetch({ max_messages: max, expires: expiresMs });
      // Iterated by hand: stopping early must not close the inbox while the server's pull request
      // is still open, or messages sent to it would wait out ack_wait. They are handed back instead.
      const it = msgs[Symbol.asyncIterator]();
      let next = it.next();
      let done = false;
      try {
        for (;;) {
          const r = await Promise.race([next, stoppedSignal]);
          if (r === STOPPED) break;
          if (r.done) {
            done = true;
            break;
          }
          next = it.next();
          yield toDelivery(o, r.value);
        }
      } finally {
        if (!done) {
          void (async () => {
            for (let r = await next; !r.done; r = await it.next()) r.value.nak(leftoverDelayMs());
          })().catch(() => {});
        }
      }
    },
    stop() {
      stopped = true;
      onStop();
    },
  };
}
