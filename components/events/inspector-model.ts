import { type CloudEventJson, CORE_ATTRIBUTES, DATA_MEMBERS } from "@/lib/contracts/events";

/** What the inspector shows of an event: its context attributes, extensions and data, separated. */
export interface EventParts {
  /** Spec attributes in spec order, only those present. */
  attributes: [name: string, value: string][];
  /** Extension attributes, by name. */
  extensions: [name: string, value: string][];
  data:
    | { kind: "none" }
    | { kind: "json"; text: string }
    | { kind: "text"; text: string }
    | { kind: "binary"; text: string; bytes: number };
}

const core = new Set<string>(CORE_ATTRIBUTES);
const dataMembers = new Set<string>(DATA_MEMBERS);

function show(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** Approximate decoded size of Base64 text. */
function base64Bytes(b64: string): number {
  const pad = b64.endsWith("==") ? 2 : b64.endsWith("=") ? 1 : 0;
  return Math.max(0, Math.floor((b64.length * 3) / 4) - pad);
}

export function eventParts(event: CloudEventJson): EventParts {
  const e = event as Record<string, unknown>;
  const attributes = CORE_ATTRIBUTES.filter((n) => e[n] !== undefined && e[n] !== null).map(
    (n) => [n, show(e[n])] as [string, string],
  );
  const extensions = Object.keys(e)
    .filter((k) => !core.has(k) && !dataMembers.has(k) && e[k] !== undefined && e[k] !== null)
    .sort()
    .map((k) => [k, show(e[k])] as [string, string]);
  let data: EventParts["data"] = { kind: "none" };
  if (event.data !== undefined) {
    data =
      typeof event.data === "string" && !isJsonType(event.datacontenttype)
        ? { kind: "text", text: event.data }
        : { kind: "json", text: JSON.stringify(event.data, null, 2) };
  } else if (typeof event.data_base64 === "string") {
    data = { kind: "binary", text: event.data_base64, bytes: base64Bytes(event.data_base64) };
  }
  return { attributes, extensions, data };
}

/** JSON media types per the CloudEvents JSON format: `application/json`, `…+json`, `text/json`. */
export function isJsonType(contentType: string | undefined): boolean {
  if (contentType === undefined) return true; // JSON-format events without a type carry JSON
  const base = (contentType.split(";")[0] ?? "").trim().toLowerCase();
  return base === "application/json" || base === "text/json" || base.endsWith("+json");
}

/** The event in the JSON format, pretty-printed ("Copy as JSON"). */
export function eventJson(event: CloudEventJson): string {
  return JSON.stringify(event, null, 2);
}

/** Quotes a string for a POSIX shell: single quotes, with `'` written as `'\''`. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The environment variable the copied curl command reads the API key from (never the key itself). */
export const API_KEY_VARIABLE = "ANUMATE_API_KEY";

/**
 * A curl command that publishes the event again in structured mode ("Copy as curl"). The key is
 * read from `$ANUMATE_API_KEY` when the shell runs it, so no secret is copied. The same id,
 * source and tenant within the duplicate window is answered `duplicate: true` and stored once;
 * change the id to store a new event.
 */
export function curlCommand(event: CloudEventJson, origin: string): string {
  const url = `${origin.replace(/\/+$/, "")}/api/events`;
  return [
    `curl -i ${shellQuote(url)}`,
    `  -H "authorization: Bearer $${API_KEY_VARIABLE}"`,
    `  -H ${shellQuote("content-type: application/cloudevents+json")}`,
    `  --data-binary ${shellQuote(JSON.stringify(event))}`,
  ].join(" \\\n");
}
