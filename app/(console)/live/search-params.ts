import { typePatternRule } from "@/components/live/filters";

/** The live tail's server-side filters in the URL (`?type=&subject=`; the tenant has its own parameter). */
export interface LiveSearch {
  type?: string;
  subject?: string;
  /** A replay with a stream target to read instead of live events (`?replay=<id>`). */
  replay?: string;
}

export function parseLiveSearch(params: URLSearchParams): { search: LiveSearch; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const search: LiveSearch = {};
  const type = params.get("type")?.trim();
  if (type) {
    const rule = typePatternRule(type);
    if (rule) problems.type = rule;
    else search.type = type;
  }
  const subject = params.get("subject");
  if (subject) search.subject = subject;
  const replay = params.get("replay")?.trim();
  if (replay) search.replay = replay;
  return { search, problems };
}

/** `current` with the live filters replaced (other parameters, e.g. the tenant, kept). */
export function liveSearchString(current: URLSearchParams, s: Omit<LiveSearch, "replay">): string {
  const params = new URLSearchParams(current);
  // new server filters mean live events again
  params.delete("replay");
  for (const k of ["type", "subject"] as const) {
    const v = s[k]?.trim();
    if (v) params.set(k, v);
    else params.delete(k);
  }
  const q = params.toString();
  return q === "" ? "" : `?${q}`;
}
