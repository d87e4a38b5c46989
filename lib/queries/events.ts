import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import { fetchJson, jsonBody } from "../api-client";
import { historyPageSchema, type PublishResultDto, publishResultSchema, storedEventSchema } from "../contracts/events";
import { queryString } from "./params";

/** Filters of `GET /api/events` (docs/api.md "GET /api/events"); every one optional. */
export interface HistoryFilters {
  tenant?: string;
  /** A type pattern: exact, `a.b.*` or `a.b.>`. */
  type?: string;
  /** The CloudEvents `subject`, matched exactly. */
  subject?: string;
  /** RFC 3339, inclusive. */
  from?: string;
  /** RFC 3339, inclusive. */
  to?: string;
  fromSeq?: number;
  /** @default 50 */
  limit?: number;
}

export const eventKeys = {
  all: ["events"] as const,
  history: (f: HistoryFilters) => ["events", "history", f] as const,
  one: (seq: number) => ["events", "seq", seq] as const,
};

export function historyUrl(f: HistoryFilters, cursor?: string | null): string {
  return `/api/events${queryString({
    tenant: f.tenant,
    type: f.type,
    subject: f.subject,
    from: f.from,
    to: f.to,
    fromSeq: cursor ? undefined : f.fromSeq,
    limit: f.limit,
    cursor,
  })}`;
}

/** History, a page at a time: "Load more" fetches the page at `next`. */
export const historyQuery = (f: HistoryFilters) =>
  infiniteQueryOptions({
    queryKey: eventKeys.history(f),
    queryFn: ({ pageParam, signal }) => fetchJson(historyUrl(f, pageParam), historyPageSchema, { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
  });

/** One stored event (its `storedAt` and tenant, e.g. for an event seen on the live stream). */
export const eventQuery = (seq: number) =>
  queryOptions({
    queryKey: eventKeys.one(seq),
    queryFn: ({ signal }) => fetchJson(`/api/events/${seq}`, storedEventSchema, { signal }),
    // a stored event never changes
    staleTime: Number.POSITIVE_INFINITY,
  });

/** Publishes one event in structured mode (`application/cloudevents+json`). */
export function publishStructured(event: Record<string, unknown>): Promise<PublishResultDto> {
  return fetchJson("/api/events", publishResultSchema, jsonBody("POST", event, "application/cloudevents+json"));
}
