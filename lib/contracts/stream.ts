import { z } from "zod";

/**
 * Server-Sent Events on `GET /api/stream` (see docs/api.md). Events other than these names are
 * not sent; comment lines (`: hb <time>`) are heartbeats.
 */
export const STREAM_EVENTS = {
  /** `id: <seq>`, `data: <CloudEvent in the JSON format>`. */
  cloudevent: "cloudevent",
  /** The last frame to a client too slow to keep up; the response ends after it. */
  overflow: "overflow",
} as const;

export const overflowDataSchema = z.object({
  /** Events not sent: those matching the tenant and type filter (an upper bound when `subject` filters more). */
  dropped: z.number().int().min(0),
  /** Sequence of the last event sent: resume with `Last-Event-ID: <lastSeq>` or `from=seq:<lastSeq + 1>`. */
  lastSeq: z.number().int().min(0),
});

export type OverflowData = z.infer<typeof overflowDataSchema>;
