import { fromLocalInput } from "@/components/explorer/draft";
import { typePatternRule } from "@/components/live/filters";
import type { Tone } from "@/components/ui/badge";
import type { BulkTarget, DeadLetterFilter } from "@/lib/queries/dead-letters";

/** The dead-letter filters as typed (the tenant comes from the tenant switcher). */
export interface DeadLetterDraft {
  type: string;
  subscription: string;
  q: string;
  /** `datetime-local` values (the viewer's time). */
  from: string;
  to: string;
}

export const emptyDraft: DeadLetterDraft = { type: "", subscription: "", q: "", from: "", to: "" };

/** The draft as the API's filter, or the rule each bad field breaks. */
export function parseDraft(
  d: DeadLetterDraft,
  tenant: string | undefined,
): { ok: true; filter: DeadLetterFilter } | { ok: false; problems: Record<string, string> } {
  const problems: Record<string, string> = {};
  const filter: DeadLetterFilter = {};
  if (tenant) filter.tenant = tenant;
  const type = d.type.trim();
  if (type) {
    const rule = typePatternRule(type);
    if (rule) problems.type = rule;
    else filter.type = type;
  }
  if (d.subscription.trim()) filter.subscription = d.subscription.trim();
  if (d.q.trim()) {
    if (d.q.trim().length > 500) problems.q = "must be at most 500 characters";
    else filter.q = d.q.trim();
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

/** The selection with `id` added or removed. */
export function toggle(selected: ReadonlySet<string>, id: string): Set<string> {
  const next = new Set(selected);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}

/** Every shown entry selected, or none when they all are already. */
export function toggleAll(selected: ReadonlySet<string>, shown: readonly string[]): Set<string> {
  const all = shown.length > 0 && shown.every((id) => selected.has(id));
  if (all) {
    const next = new Set(selected);
    for (const id of shown) next.delete(id);
    return next;
  }
  return new Set([...selected, ...shown]);
}

/** The selection without entries that are gone (requeued or discarded meanwhile); the same set when nothing left. */
export function pruneSelection(selected: ReadonlySet<string>, present: readonly string[]): ReadonlySet<string> {
  const here = new Set(present);
  const kept = [...selected].filter((id) => here.has(id));
  return kept.length === selected.size ? selected : new Set(kept);
}

export type BulkAction = "requeue" | "discard";

/** What a bulk action applies to, in words: "3 selected dead letters", "every dead letter matching the filters". */
export function describeTarget(target: BulkTarget): string {
  if ("ids" in target) return `${target.ids.length} selected dead ${target.ids.length === 1 ? "letter" : "letters"}`;
  const f = target.filter;
  const parts = [
    f.tenant && `tenant ${f.tenant}`,
    f.type && `type ${f.type}`,
    f.subscription && `subscription ${f.subscription}`,
    f.q && `text "${f.q}"`,
    f.from && `from ${f.from}`,
    f.to && `to ${f.to}`,
  ].filter(Boolean);
  return parts.length > 0 ? `every dead letter matching ${parts.join(", ")}` : "every dead letter";
}

export const REASON_TONES: Record<string, Tone> = {
  "max-attempts": "amber",
  rejected: "red",
  undeliverable: "red",
  poison: "red",
};
