import { encodeBinary } from "../../core/cloudevents/http";
import type { Delivery, DeliveryOutcome, Target } from "../../core/delivery/ports";

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
 * redirects are not followed (CloudEvents webhook spec).
 */
export function createPushTarget(opts: { url: string; timeoutMs: number; maxInFlight: number }): Target {
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
      try {
        const { headers, body } = encodeBinary(d.event);
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
          return {
            ok: false,
            retryable: true,
            message: timedOut ? `timed out after ${opts.timeoutMs} ms` : `request failed${cause || `: ${String(e)}`}`,
          };
        }
        const text = await res.text().catch(() => "");
        const kind = classifyStatus(res.status);
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
        active--;
        for (const l of listeners) l();
      }
    },
  };
}
