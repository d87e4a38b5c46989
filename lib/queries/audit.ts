import { infiniteQueryOptions } from "@tanstack/react-query";
import { fetchJson } from "../api-client";
import { auditPageSchema } from "../contracts/audit";
import { queryString } from "./params";

export interface AuditFilter {
  actor?: string;
  action?: string;
  tenant?: string;
  /** RFC 3339, inclusive. */
  from?: string;
  /** RFC 3339, inclusive. */
  to?: string;
}

export function auditUrl(f: AuditFilter, limit: number, cursor?: string | null): string {
  return `/api/audit${queryString({
    actor: f.actor?.trim(),
    action: f.action?.trim(),
    tenant: f.tenant,
    from: f.from,
    to: f.to,
    limit,
    cursor,
  })}`;
}

export const auditQuery = (f: AuditFilter, limit = 50) =>
  infiniteQueryOptions({
    queryKey: ["audit", f, limit],
    queryFn: ({ pageParam, signal }) => fetchJson(auditUrl(f, limit, pageParam), auditPageSchema, { signal }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next,
  });
