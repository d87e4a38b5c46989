import { randomUUID } from "node:crypto";
import { JetStreamApiError, type JetStreamClient, type JetStreamManager } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { escapeToken } from "../../core/bus/subjects";
import { decodeNats, encodeNats } from "../../core/cloudevents/nats";
import type {
  AuditLog,
  AuditRecord,
  DeadLetterEntry,
  DeadLetterStore,
  Job,
  JobStore,
  Redelivery,
} from "../../core/recovery/ports";
import { RD, redeliverySubject } from "./consumers";
import { DLQ_RECORD_HEADER } from "./dead-letters";
import { isKvKey } from "./kv-keys";
import { PublishHeaders } from "./publish-headers";
import { type RangeMessage, readRange } from "./range-reader";

const enc = new TextEncoder();
const dec = new TextDecoder();

function toEntry(m: RangeMessage, log: (msg: string, extra?: object) => void): DeadLetterEntry | undefined {
  const raw = m.headers?.get(DLQ_RECORD_HEADER);
  if (!raw) return undefined;
  const decoded = decodeNats(m.headers, m.data);
  if (!decoded.ok) {
    log("dead letter is not a valid CloudEvent (poison): shown without its event", { seq: m.seq });
    return undefined;
  }
  try {
    return { seq: m.seq, deadLetteredAt: new Date(m.timeMs).toISOString(), event: decoded.event, record: JSON.parse(raw) };
  } catch {
    return undefined;
  }
}

/** The dead-letter stream, read by tenant and subscription through its subjects `<prefix>_dlq.<tenant>.<subscription>`. */
export function createDeadLetterStore(o: {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  subjectPrefix: string;
  log: (msg: string, extra?: object) => void;
}): DeadLetterStore {
  return {
    async *scan(scope, opts = {}) {
      const filterSubject = `${o.subjectPrefix}_dlq.${scope.tenant ? escapeToken(scope.tenant) : "*"}.${scope.subscription ? escapeToken(scope.subscription) : "*"}`;
      for await (const m of readRange(o.js, o.jsm, {
        stream: o.stream,
        filterSubject,
        fromSeq: opts.fromSeq,
        headersOnly: opts.headersOnly,
      })) {
        const e = toEntry(m, o.log);
        if (e) yield e;
      }
    },
    async get(seq) {
      try {
        const m = await o.jsm.streams.getMessage(o.stream, { seq });
        return m
          ? toEntry({ seq: m.seq, subject: m.subject, timeMs: m.time.getTime(), headers: m.header, data: m.data }, o.log)
          : undefined;
      } catch (e) {
        if (e instanceof JetStreamApiError && e.code === 10037) return undefined;
        throw e;
      }
    },
    async remove(seq) {
      try {
        return await o.jsm.streams.deleteMessage(o.stream, seq, false);
      } catch (e) {
        if (e instanceof JetStreamApiError && (e.code === 10037 || e.code === 10057)) return false;
        throw e;
      }
    },
  };
}

/** Copies for one subscription alone, in the redelivery stream (pipelined, deduplicated by msgId). */
export function createRedelivery(o: { js: JetStreamClient; subjectPrefix: string; timeoutMs: number }): Redelivery {
  return {
    async send(items) {
      const acks = items.map((it) => {
        const m = encodeNats(it.event);
        const h = new PublishHeaders();
        for (const [k, v] of m.headers) h.append(k, v);
        h.set(RD.tenant, it.tenant);
        h.set(RD.originalSeq, String(it.originalSeq));
        h.set(RD.originalSubject, it.originalSubject);
        h.set(RD.storedAt, it.storedAt);
        if (it.replayId) h.set(RD.replayId, it.replayId);
        if (it.requeueOf !== undefined) h.set(RD.requeueOf, String(it.requeueOf));
        if (it.delivered) h.set(RD.delivered, String(it.delivered));
        return o.js.publish(redeliverySubject(o.subjectPrefix, it.subscription), m.payload, {
          headers: h.asMsgHdrs(),
          msgID: it.msgId,
          timeout: o.timeoutMs,
        });
      });
      await Promise.all(acks);
    },
  };
}

export function createJobStore(kv: KV): JobStore {
  return {
    async put(job) {
      await kv.put(job.id, enc.encode(JSON.stringify(job)));
    },
    async get(id) {
      if (!isKvKey(id)) return undefined; // an id from a URL that no job can have
      const e = await kv.get(id);
      return e && e.operation === "PUT" && e.length > 0 ? (JSON.parse(dec.decode(e.value)) as Job) : undefined;
    },
  };
}

/** The audit trail in its own stream: one message per record under `<prefix>_audit.<action>`. Nothing updates or deletes them. */
export function createAuditLog(o: {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  subjectPrefix: string;
  timeoutMs: number;
}): AuditLog {
  return {
    async append(r) {
      const rec: AuditRecord = { id: randomUUID(), at: new Date().toISOString(), ...r };
      await o.js.publish(`${o.subjectPrefix}_audit.${escapeToken(r.action)}`, enc.encode(JSON.stringify(rec)), {
        msgID: rec.id,
        timeout: o.timeoutMs,
      });
    },
    async list(q) {
      const filterSubject = `${o.subjectPrefix}_audit.${q.action ? escapeToken(q.action) : "*"}`;
      const items: (AuditRecord & { seq: number })[] = [];
      let nextSeq: number | null = null;
      for await (const m of readRange(o.js, o.jsm, {
        stream: o.stream,
        filterSubject,
        fromSeq: q.fromSeq,
        fromTime: q.from,
        toTime: q.to,
      })) {
        let rec: AuditRecord;
        try {
          rec = JSON.parse(dec.decode(m.data)) as AuditRecord;
        } catch {
          continue;
        }
        if (q.actor !== undefined && rec.actor !== q.actor) continue;
        if (q.tenant !== undefined && rec.tenant !== q.tenant) continue;
        items.push({ ...rec, seq: m.seq });
        if (items.length >= q.limit) {
          nextSeq = m.seq + 1;
          break;
        }
      }
      return { items, nextSeq };
    },
  };
}
