import type { CloudEventJson } from "@/lib/contracts/events";

/** One event of the live tail: its stream position, when it arrived, and text prepared for filtering. */
export interface LiveRow {
  /** Stream sequence (the SSE `id`). */
  seq: number;
  /** When the browser received it (ms since the epoch). */
  receivedAt: number;
  event: CloudEventJson;
  /** The data as lower-case text, computed once so filtering thousands of rows stays cheap. */
  dataText: string;
}

/** The data of an event as searchable text (JSON for JSON data, the string itself for text, Base64 as is). */
export function dataTextOf(event: CloudEventJson): string {
  if (event.data !== undefined) return (typeof event.data === "string" ? event.data : JSON.stringify(event.data)).toLowerCase();
  return (event.data_base64 ?? "").toLowerCase();
}

export function toLiveRow(seq: number, event: CloudEventJson, receivedAt: number): LiveRow {
  return { seq, receivedAt, event, dataText: dataTextOf(event) };
}

/** `name=value`: an attribute (context attribute or extension) that must equal `value` exactly. */
export interface AttributeMatch {
  name: string;
  value: string;
}

/**
 * Parses the attribute filter field. Empty means no filter; anything else must be `name=value`
 * with a CloudEvents attribute name (lower-case letters and digits). Returns the rule it breaks otherwise.
 */
export function parseAttributeMatch(input: string): AttributeMatch | undefined | { error: string } {
  const s = input.trim();
  if (s === "") return undefined;
  const eq = s.indexOf("=");
  if (eq <= 0) return { error: "must be name=value, e.g. correlationid=abc-123" };
  const name = s.slice(0, eq).trim();
  if (!/^[a-z0-9]{1,64}$/.test(name)) return { error: "the name must be an attribute name: lower-case letters and digits" };
  return { name, value: s.slice(eq + 1).trim() };
}

/** Filters applied in the browser, on top of the tenant, type and subject the server filters on. */
export interface ClientFilters {
  attribute?: AttributeMatch;
  /** Text the data must contain (case-insensitive). */
  text?: string;
}

export function matchesClientFilters(row: LiveRow, f: ClientFilters): boolean {
  if (f.attribute) {
    const v = (row.event as Record<string, unknown>)[f.attribute.name];
    if (v === undefined || v === null || typeof v === "object" || String(v) !== f.attribute.value) return false;
  }
  if (f.text && f.text.trim() !== "" && !row.dataText.includes(f.text.trim().toLowerCase())) return false;
  return true;
}

export function applyClientFilters(rows: readonly LiveRow[], f: ClientFilters): readonly LiveRow[] {
  if (!f.attribute && !(f.text && f.text.trim() !== "")) return rows;
  return rows.filter((r) => matchesClientFilters(r, f));
}

/**
 * The server's rule for a type pattern (docs/api.md): exact, `a.b.*` or `a.b.>`; checked in the
 * browser first because an `EventSource` cannot read the 400 that a bad pattern gets.
 */
export function typePatternRule(pattern: string): string | undefined {
  if (pattern.length === 0) return "must not be empty";
  if (pattern.length > 256) return "must be at most 256 characters";
  const tokens = pattern.split(".");
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] ?? "";
    if (t === ">" && i !== tokens.length - 1) return "'>' may only be the last token";
    if (t !== "*" && t !== ">" && /[*>]/.test(t)) return "'*' and '>' must be whole tokens";
  }
  return undefined;
}
