import type { AttributeFilterDto } from "../../../lib/contracts/subscriptions";
import { type ReadEvent, typeOf } from "../bus/ports";
import { attributeString, type CloudEvent } from "../cloudevents/event";

/**
 * Attribute filters in Knative Eventing's dialect (CloudEvents Subscriptions API "filter dialects"):
 * `{exact: {attr: value}}`, `{prefix: {…}}`, `{suffix: {…}}` (all listed attributes must match),
 * `{all: [f…]}`, `{any: [f…]}`, `{not: f}`. `attr` is any context attribute or extension.
 */
export type AttributeFilter = AttributeFilterDto;

export function matchesFilter(event: CloudEvent, f: AttributeFilter): boolean {
  if ("exact" in f) return Object.entries(f.exact).every(([k, v]) => attributeString(event, k) === v);
  if ("prefix" in f) return Object.entries(f.prefix).every(([k, v]) => attributeString(event, k)?.startsWith(v) ?? false);
  if ("suffix" in f) return Object.entries(f.suffix).every(([k, v]) => attributeString(event, k)?.endsWith(v) ?? false);
  if ("all" in f) return f.all.every((g) => matchesFilter(event, g));
  if ("any" in f) return f.any.some((g) => matchesFilter(event, g));
  return !matchesFilter(event, f.not);
}

/** All filters must match (the list is an implicit `all`). */
export function matchesFilters(event: CloudEvent, filters: readonly AttributeFilter[] | undefined): boolean {
  return filters === undefined || filters.every((f) => matchesFilter(event, f));
}

/** Whether an event read from the stream passes type patterns and attribute filters, decoding it only when a filter is set. */
export function matchesRead(
  e: ReadEvent,
  patterns: readonly string[] | undefined,
  filters: readonly AttributeFilter[] | undefined,
): boolean {
  if (patterns?.length && !matchesTypes(typeOf(e), patterns)) return false;
  return !filters?.length || matchesFilters(e.event, filters);
}

/** Type pattern match, as NATS matches subject tokens: exact, `a.*` (one more token), `a.>` (one or more). */
export function matchesTypePattern(type: string, pattern: string): boolean {
  const t = type.split(".");
  const p = pattern.split(".");
  for (let i = 0; i < p.length; i++) {
    const tok = p[i];
    if (tok === ">") return t.length > i;
    if (i >= t.length) return false;
    if (tok !== "*" && tok !== t[i]) return false;
  }
  return t.length === p.length;
}

export function matchesTypes(type: string, patterns: readonly string[] | undefined): boolean {
  return patterns === undefined || patterns.length === 0 || patterns.some((p) => matchesTypePattern(type, p));
}
