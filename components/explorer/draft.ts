import type { HistoryFilters } from "@/lib/queries/events";

/** The explorer's filters (the tenant comes from the tenant switcher). */
export type ExplorerSearch = Omit<HistoryFilters, "tenant">;

export const PAGE_SIZES = [25, 50, 100, 200] as const;
export const DEFAULT_PAGE_SIZE = 50;

/** An RFC 3339 time as the value of a `datetime-local` input (the viewer's local time, seconds). */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return "";
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return "";
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A `datetime-local` value (local time) as an RFC 3339 UTC time; `undefined` when empty or invalid. */
export function fromLocalInput(v: string): string | undefined {
  if (!v) return undefined;
  const ms = new Date(v).getTime();
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
