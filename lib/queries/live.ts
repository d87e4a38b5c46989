import { queryOptions, skipToken } from "@tanstack/react-query";
import { queryString } from "./params";

/** The filters the server applies to `GET /api/stream` (docs/api.md "GET /api/stream"). */
export interface StreamParams {
  tenant?: string;
  /** A type pattern: exact, `a.b.*` or `a.b.>`. */
  type?: string;
  /** The CloudEvents `subject`, matched exactly. */
  subject?: string;
  /**
   * A replay with a stream target (`POST /api/replays` with `target: {type: "stream"}`): the stream
   * sends that replay's range, read once, instead of live events; the other filters do not apply.
   */
  replay?: string;
}

/** Where to start: `now`, a sequence (inclusive) or a time. @default now */
export type StreamFrom = { seq: number } | { time: string } | "now";

export function streamUrl(p: StreamParams, from: StreamFrom = "now"): string {
  if (p.replay !== undefined) return `/api/stream${queryString({ replay: p.replay })}`;
  const f = from === "now" ? undefined : "seq" in from ? `seq:${from.seq}` : `time:${from.time}`;
  return `/api/stream${queryString({ tenant: p.tenant, type: p.type, subject: p.subject, from: f })}`;
}

/** What the live tail shows: the last events received (bounded), oldest first, and counts. */
export interface LiveSnapshot<Row> {
  rows: readonly Row[];
  /** Events received since the stream opened. */
  received: number;
  /** Events received but no longer kept (older than the last `capacity`). */
  evicted: number;
}

/**
 * The live tail's slot in the query cache: the SSE connection writes snapshots here (STYLE: live
 * pushes go into the cache, not parallel state); nothing is fetched. Snapshots are replaced whole
 * and can hold thousands of rows, so structural sharing is off.
 */
export const liveTailQuery = <Row>(p: StreamParams) =>
  queryOptions<LiveSnapshot<Row>>({
    queryKey: ["live", p.tenant ?? null, p.type ?? null, p.subject ?? null, p.replay ?? null],
    queryFn: skipToken,
    staleTime: Number.POSITIVE_INFINITY,
    gcTime: 0,
    structuralSharing: false,
  });
