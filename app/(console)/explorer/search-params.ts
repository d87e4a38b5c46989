import { DEFAULT_PAGE_SIZE, type ExplorerSearch } from "@/components/explorer/draft";
import { typePatternRule } from "@/components/live/filters";

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

/** Reads the filters; values that break a rule are left out and reported by field. */
export function parseExplorerSearch(params: URLSearchParams): { search: ExplorerSearch; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const search: ExplorerSearch = {};
  const get = (k: string) => params.get(k)?.trim() || undefined;

  const type = get("type");
  if (type) {
    const rule = typePatternRule(type);
    if (rule) problems.type = rule;
    else search.type = type;
  }
  const subject = params.get("subject") || undefined;
  if (subject) search.subject = subject;
  for (const k of ["from", "to"] as const) {
    const v = get(k);
    if (!v) continue;
    if (RFC3339.test(v) && !Number.isNaN(Date.parse(v))) search[k] = v;
    else problems[k] = "must be an RFC 3339 time, e.g. 2025-03-14T09:26:53Z";
  }
  if (search.from && search.to && Date.parse(search.from) > Date.parse(search.to)) problems.to = "must not be before from";
  const fromSeq = get("fromSeq");
  if (fromSeq) {
    const n = Number(fromSeq);
    if (/^\d+$/.test(fromSeq) && Number.isSafeInteger(n) && n >= 1) search.fromSeq = n;
    else problems.fromSeq = "must be a whole number >= 1";
  }
  const limit = get("limit");
  if (limit) {
    const n = Number(limit);
    if (/^\d+$/.test(limit) && n >= 1 && n <= 1000) search.limit = n;
    else problems.limit = "must be 1 to 1000";
  }
  return { search, problems };
}

/** `current` with the explorer's filters replaced (other parameters, e.g. the tenant, kept). */
export function explorerSearchString(current: URLSearchParams, s: ExplorerSearch): string {
  const params = new URLSearchParams(current);
  const values: Record<string, string | undefined> = {
    type: s.type,
    subject: s.subject,
    from: s.from,
    to: s.to,
    fromSeq: s.fromSeq?.toString(),
    limit: s.limit === undefined || s.limit === DEFAULT_PAGE_SIZE ? undefined : String(s.limit),
  };
  for (const [k, v] of Object.entries(values)) {
    if (v) params.set(k, v);
    else params.delete(k);
  }
  const q = params.toString();
  return q === "" ? "" : `?${q}`;
}
