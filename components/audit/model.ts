import { fromLocalInput } from "@/components/explorer/draft";
import type { AuditFilter } from "@/lib/queries/audit";

export interface AuditDraft {
  actor: string;
  action: string;
  from: string;
  to: string;
}

export const emptyAuditDraft: AuditDraft = { actor: "", action: "", from: "", to: "" };

/** The audit filters as the API's query (the switcher's tenant included), or the rule each bad field breaks. */
export function parseAuditDraft(
  d: AuditDraft,
  tenant: string | undefined,
): { ok: true; filter: AuditFilter } | { ok: false; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const filter: AuditFilter = {};
  if (tenant) filter.tenant = tenant;
  if (d.actor.trim()) {
    if (d.actor.trim().length > 200) problems.actor = "must be at most 200 characters";
    else filter.actor = d.actor.trim();
  }
  if (d.action.trim()) {
    if (d.action.trim().length > 100) problems.action = "must be at most 100 characters";
    else filter.action = d.action.trim();
  }
  for (const k of ["from", "to"] as const) {
    if (!d[k]) continue;
    const iso = fromLocalInput(d[k]);
    if (iso) filter[k] = iso;
    else problems[k] = "must be a date and time";
  }
  if (filter.from && filter.to && filter.from > filter.to) problems.to = "must not be before from";
  return Object.keys(problems).length > 0 ? { ok: false, problems } : { ok: true, filter };
}

/** A record's details on one line (`key=value`, JSON for objects). */
export function detailsLine(details: Record<string, unknown>): string {
  return Object.entries(details)
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(" ");
}
