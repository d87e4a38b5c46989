import { encodeBinary } from "../../core/cloudevents/http";
import type { Delivery, DeliveryOutcome, Target } from "../../core/delivery/ports";
import { eventTrace, noopTracer, type Tracer } from "../../core/tracing";

/** Retry-After as milliseconds: delta-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(v: string | null, now = Date.now()): number | undefined {
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

/** What a push answer means: 2xx acks; 408, 429, 5xx retry; other statuses dead-letter at once. */
export function classifyStatus(status: number): "ok" | "retry" | "reject" {
  if (status >= 200 && status < 300) return "ok";
  if (status === 408 || status === 429 || status >= 500) return "retry";
  return "reject";
}

/**
 * HTTP push: each event POSTed in binary mode with `anumate-delivery-id`, `anumate-attempt`
 * (and `anumate-replay-id` when replayed). At most `maxInFlight` requests at once per target;
 * redirects are not followed (CloudEvents webhook spec). Each request is a `push` span (child of the
 * delivery span) whose context is sent as the W3C `traceparent` header.
 */
export function createPushTarget(opts: { url: string; timeoutMs: number; maxInFlight: number; tracer?: Tracer }): Target {
  const tracer = opts.tracer ?? noopTracer;
  let active = 0;
  const listeners = new Set<() => void>();
  return {
    capacity: () => opts.maxInFlight - active,
    onCapacity(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    async deliver(d: Delivery): Promise<DeliveryOutcome> {
      active++;
      const span = tracer.start("push", {
        parent: d.trace ?? eventTrace(d.event),
        kind: "client",
        attributes: tracer.enabled
          ? { "http.request.method": "POST", "url.full": opts.url, "anumate.attempt": d.attempt }
          : undefined,
      });
      try {
        const { headers, body } = encodeBinary(d.event);
        if (span.context) {
          headers.traceparent = span.context.traceparent;
          if (span.context.tracestate) headers.tracestate = span.context.tracestate;
        }
        headers["anumate-delivery-id"] = d.deliveryId;
        headers["anumate-attempt"] = String(d.attempt);
        if (d.replayId) headers["anumate-replay-id"] = d.replayId;
        let res: Response;
        try {
          res = await fetch(opts.url, {
            method: "POST",
            headers,
            body: body === undefined ? undefined : new Uint8Array(body),
            redirect: "manual",
            signal: AbortSignal.timeout(opts.timeoutMs),
          });
        } catch (e) {
          const timedOut = e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");
          const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : "";
          span.fail(e);
          return {
            ok: false,
            retryable: true,
            message: timedOut ? `timed out after ${opts.timeoutMs} ms` : `request failed${cause || `: ${String(e)}`}`,
          };
        }
        const text = await res.text().catch(() => "");
        const kind = classifyStatus(res.status);
        span.setAttributes({ "http.response.status_code": res.status });
        if (kind !== "ok") span.fail(`HTTP ${res.status}`);
        if (kind === "ok") return { ok: true };
        const message = `HTTP ${res.status}${text ? `: ${text.slice(0, 300)}` : ""}`;
        if (kind === "retry") {
          const retryAfterMs = parseRetryAfter(res.headers.get("retry-after"));
          return {
            ok: false,
            retryable: true,
            status: res.status,
            message,
            ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
          };
        }
        return { ok: false, retryable: false, status: res.status, message };
      } finally {
        span.end();
        active--;
        for (const l of listeners) l();
      }
    },
  };
}
