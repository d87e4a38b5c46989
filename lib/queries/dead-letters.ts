import { infiniteQueryOptions, queryOptions } from "@tanstack/react-query";
import { z } from "zod";
import { fetchJson, jsonBody } from "../api-client";
import { bulkAnswerSchema, deadLetterDetailSchema, deadLetterPageSchema, jobSchema } from "../contracts/dead-letters";
import { queryString } from "./params";

/** Filters of `GET /api/dead-letters` and of bulk actions on "all matching" (docs/api.md "Dead letters"). */
export interface DeadLetterFilter {
  tenant?: string;
  /** A type pattern: exact, `a.b.*` or `a.b.>`. */
  type?: string;
  subscription?: string;
  /** Text in the errors, the event id or its subject. */
  q?: string;
  /** RFC 3339: dead-lettered at or after. */
  from?: string;
  /** RFC 3339: dead-lettered at or before. */
  to?: string;
}

/** What a bulk action applies to: the entries named, or every entry matching a filter. */
export type BulkTarget = { ids: string[] } | { filter: DeadLetterFilter };

export const deadLetterKeys = {
  all: ["dead-letters"] as const,
  list: (f: DeadLetterFilter) => ["dead-letters", "list", f] as const,
  one: (id: string) => ["dead-letters", "one", id] as const,
};

export const jobKeys = { one: (id: string) => ["jobs", id] as const };

/** The filter without empty values (the API refuses empty strings). */
export function cleanFilter(f: DeadLetterFilter): DeadLetterFilter {
  const out: DeadLetterFilter = {};
  for (const k of ["tenant", "type", "subscription", "q", "from", "to"] as const) {
    const v = f[k]?.trim();
    if (v) out[k] = v;
  }
  return out;
}

export function deadLettersUrl(f: DeadLetterFilter, limit: number, cursor?: string | null): string {
  return `/api/dead-letters${queryString({ ...cleanFilter(f), limit, cursor })}`;
}

export const deadLettersQuery = (f: DeadLetterFilter, limit = 50) =>
  infiniteQueryOptions({
    queryKey: [...deadLetterKeys.list(f), limit],
    queryFn: ({ pageParam, signal }) => fetchJson(deadLettersUrl(f, limit, pageParam), deadLetterPageSchema, { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
    refetchInterval: 10_000,
  });

export const deadLetterQuery = (id: string) =>
  queryOptions({
    queryKey: deadLetterKeys.one(id),
    queryFn: ({ signal }) => fetchJson(`/api/dead-letters/${encodeURIComponent(id)}`, deadLetterDetailSchema, { signal }),
  });

/** A job's progress, polled until it ends. */
export const jobQuery = (id: string) =>
  queryOptions({
    queryKey: jobKeys.one(id),
    queryFn: ({ signal }) => fetchJson(`/api/jobs/${encodeURIComponent(id)}`, jobSchema, { signal }),
    refetchInterval: (q) => (q.state.data && !["pending", "running"].includes(q.state.data.state) ? false : 500),
  });

/** The body of a bulk request: `ids` or a `filter` (without empty values). */
export function bulkBody(target: BulkTarget, dryRun: boolean): Record<string, unknown> {
  return "ids" in target ? { ids: target.ids, dryRun } : { filter: cleanFilter(target.filter), dryRun };
}

const requeued = z.object({ id: z.string(), subscription: z.string(), requeued: z.boolean() });

export const deadLetterApi = {
  requeue: (id: string) => fetchJson(`/api/dead-letters/${encodeURIComponent(id)}/requeue`, requeued, { method: "POST" }),
  discard: (id: string) =>
    fetchJson(`/api/dead-letters/${encodeURIComponent(id)}`, z.unknown(), { method: "DELETE" }).then(() => undefined),
  bulk: (action: "requeue" | "discard", target: BulkTarget, dryRun: boolean) =>
    fetchJson(`/api/dead-letters/${action}`, bulkAnswerSchema, jsonBody("POST", bulkBody(target, dryRun))),
  cancelJob: (id: string) => fetchJson(`/api/jobs/${encodeURIComponent(id)}`, z.unknown(), { method: "DELETE" }),
};

/** How many dead letters match (a one-item page: only `total` is read). */
export const deadLetterTotalQuery = (f: DeadLetterFilter) =>
  queryOptions({
    queryKey: ["dead-letters", "total", f],
    queryFn: ({ signal }) => fetchJson(deadLettersUrl(f, 1), deadLetterPageSchema, { signal }).then((p) => p.total),
    refetchInterval: 30_000,
  });
