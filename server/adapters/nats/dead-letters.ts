import type { JetStreamClient } from "@nats-io/jetstream";
import { escapeToken } from "../../core/bus/subjects";
import type { CloudEvent } from "../../core/cloudevents/event";
import { encodeNats } from "../../core/cloudevents/nats";
import type { DeadLetterRecord, DeadLetterSink } from "../../core/delivery/ports";
import { PublishHeaders } from "./publish-headers";

/** Header carrying the failure record (JSON) of a dead letter. */
export const DLQ_RECORD_HEADER = "Anumate-Dead-Letter";

/**
 * Writes dead letters to the dead-letter stream: the same CloudEvent (NATS binary mode) plus its
 * failure record in a header, under `<prefix>_dlq.<tenant>.<subscription>`. The message id is
 * (subscription, original seq, last failure), so a write repeated after a crash is stored once while
 * a later failure of the same event (after a requeue) is a new dead letter.
 */
export function createDeadLetterSink(o: { js: JetStreamClient; subjectPrefix: string; timeoutMs: number }): DeadLetterSink {
  return {
    async write(event, record) {
      const m = "headers" in event && "payload" in event ? event : encodeNats(event as CloudEvent);
      const h = new PublishHeaders();
      for (const [k, v] of m.headers) h.append(k, v);
      h.set(DLQ_RECORD_HEADER, JSON.stringify(capRecord(record)));
      const subject = `${o.subjectPrefix}_dlq.${escapeToken(record.tenant || "_unknown")}.${escapeToken(record.subscription)}`;
      await o.js.publish(subject, m.payload, {
        headers: h.asMsgHdrs(),
        msgID: `${record.subscription}:${record.originalSeq}:${record.lastFailedAt}`,
        timeout: o.timeoutMs,
      });
    },
  };
}

/** Keeps the record small enough for a header: the first 10 and last 40 attempts, messages cut at 500 characters. */
function capRecord(r: DeadLetterRecord): DeadLetterRecord & { omittedAttempts?: number } {
  const cut = (a: DeadLetterRecord["attempts"][number]) => ({ ...a, message: a.message.slice(0, 500) });
  if (r.attempts.length <= 50) return { ...r, attempts: r.attempts.map(cut) };
  return {
    ...r,
    attempts: [...r.attempts.slice(0, 10), ...r.attempts.slice(-40)].map(cut),
    omittedAttempts: r.attempts.length - 50,
  };
}
