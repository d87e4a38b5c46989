import { EVENT_SOURCE, EVENT_TENANT, EVENT_TYPE } from "./common";

/**
 * Shared by bench/delivery.ts and its publisher: a ~1 KB structured CloudEvent whose data carries
 * the wall-clock time (ms since the epoch, sub-ms precision) at which it was published, so that a
 * receiver on the same machine can compute publish→delivery latency.
 */

/** Wall-clock ms with sub-ms precision (comparable between processes on one machine). */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

const NOTE = "x".repeat(760);

export function timedEvent(id: string, sentAt: number): string {
  return JSON.stringify({
    specversion: "1.0",
    id,
    source: EVENT_SOURCE,
    type: EVENT_TYPE,
    subject: "orders/ord-7f3a9c21",
    datacontenttype: "application/json",
    tenantid: EVENT_TENANT,
    data: { sentAt, orderId: "ord-7f3a9c21", note: NOTE },
  });
}

/** `"sentAt":<n>` in a received frame (cheaper than parsing the whole frame). */
export const SENT_AT = /"sentAt":([0-9.]+)/g;
