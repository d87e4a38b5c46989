import { typeOf } from "../bus/ports";
import type { DeliveryObservation } from "../delivery/dispatcher";
import type { Subscription } from "../delivery/ports";
import { eventLogFields } from "../tracing";
import type { MetricsRecorder } from "./ports";

export type ObserverLog = (level: "debug" | "info" | "warn", msg: string, extra: object) => void;

/**
 * Turns what the dispatchers observe into counts (per tenant and type), processing status,
 * publish → acknowledgement latency, and log lines carrying the event's ids. Synchronous: the
 * recorder buffers, nothing here waits.
 */
export function createDeliveryObserver(o: {
  recorder: MetricsRecorder;
  log?: ObserverLog;
  /** Whether debug lines are written (one per acknowledged event: built only then). @default true */
  debugEnabled?: () => boolean;
  now?: () => number;
}): (sub: Subscription, e: DeliveryObservation) => void {
  const now = o.now ?? Date.now;
  const log = o.log ?? (() => {});
  const debugEnabled = o.debugEnabled ?? (() => true);
  return (sub, e) => {
    switch (e.kind) {
      case "attempt": {
        const { d } = e;
        o.recorder.count("delivered", d.tenant, typeOf(d), 1);
        o.recorder.status({ seq: d.seq, subscription: sub.id, kind: "delivered", atMs: now() });
        return;
      }
      case "delivered": {
        const { d } = e;
        const at = now();
        o.recorder.count("acknowledged", d.tenant, typeOf(d), 1);
        // replayed and requeued copies were stored long ago: their age is not a delivery latency
        const fromStream = d.attemptKey === undefined || d.attemptKey.scope === "stream";
        const stored = d.storedAtMs ?? Date.parse(d.storedAt);
        const latencyMs = fromStream && Number.isFinite(stored) ? Math.max(0, at - stored) : undefined;
        if (latencyMs !== undefined) o.recorder.latency(sub.id, latencyMs);
        o.recorder.status({ seq: d.seq, subscription: sub.id, kind: "acknowledged", atMs: at, latencyMs });
        if (debugEnabled())
          log("debug", "event acknowledged", {
            subscription: sub.id,
            seq: d.seq,
            attempt: d.attempt,
            latency_ms: latencyMs,
            ...eventLogFields(d.event, d.tenant),
          });
        return;
      }
      case "failed": {
        const { d, error } = e;
        o.recorder.count("failed", d.tenant, typeOf(d), 1);
        o.recorder.status({
          seq: d.seq,
          subscription: sub.id,
          kind: "failed",
          atMs: now(),
          error: { message: error.message, ...(error.status !== undefined ? { status: error.status } : {}) },
        });
        log("info", "delivery failed", {
          subscription: sub.id,
          seq: d.seq,
          attempt: d.attempt,
          will_retry: e.willRetry,
          error: error.message.slice(0, 300),
          status: error.status,
          ...eventLogFields(d.event, d.tenant),
        });
        return;
      }
      case "dead-lettered": {
        const d = e.d;
        o.recorder.count("deadLettered", d?.tenant || "_unknown", d ? typeOf(d) : "_undecodable", 1);
        o.recorder.status({
          seq: e.seq,
          subscription: sub.id,
          kind: "dead-lettered",
          atMs: now(),
        });
        log("warn", "event dead-lettered", {
          subscription: sub.id,
          seq: e.seq,
          reason: e.reason,
          ...(d ? eventLogFields(d.event, d.tenant) : {}),
        });
        return;
      }
      case "skipped":
        return;
    }
  };
}
