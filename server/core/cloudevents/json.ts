import type { ErrorDetail } from "../../../lib/errors";
import { renderData } from "./data";
import { type CloudEvent, createEvent, type EventData, OPTIONAL_ATTRIBUTES } from "./event";
import { isJsonMediaType } from "./types";

/**
 * The JSON event format (spec 1.0.2 formats/json-format.md): object ↔ CloudEvent.
 */

export type JsonCloudEvent = Record<string, unknown> & {
  specversion: string;
  id: string;
  source: string;
  type: string;
};

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

type Result = { ok: true; event: CloudEvent } | { ok: false; problems: ErrorDetail[] };

/** Decodes one JSON-format event (already parsed). `index` tags problems inside a batch. */
export function fromJson(value: unknown, index?: number): Result {
  const at = (field: string, rule: string): Result => ({
    ok: false,
    problems: [index === undefined ? { field, rule } : { field, rule, index }],
  });
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return at(index === undefined ? "body" : `[${index}]`, "must be a JSON object (a CloudEvent)");
  }
  const obj = value as Record<string, unknown>;
  // no prototype: a "__proto__" member stays an (invalid) attribute instead of replacing the prototype
  const attributes: Record<string, unknown> = Object.create(null);
  for (const key in obj) {
    if (key !== "data" && key !== "data_base64") attributes[key] = obj[key];
  }
  const hasData = Object.hasOwn(obj, "data");
  const b64 = obj.data_base64;
  const hasB64 = b64 !== undefined && b64 !== null;
  if (hasData && hasB64) return at("data_base64", "data and data_base64 are mutually exclusive");

  let data: EventData | undefined;
  const contentType = typeof obj.datacontenttype === "string" ? obj.datacontenttype : undefined;
  if (hasB64) {
    if (typeof b64 !== "string" || !BASE64.test(b64)) return at("data_base64", "must be a Base64 string (RFC 4648)");
    data = { kind: "binary", value: new Uint8Array(Buffer.from(b64, "base64")) };
  } else if (hasData) {
    if (isJsonMediaType(contentType)) data = { kind: "json", value: obj.data };
    else if (typeof obj.data === "string") data = { kind: "text", value: obj.data };
    else return at("data", `must be a string when datacontenttype (${contentType}) is not JSON`);
  }
  return createEvent({ attributes, data }, index);
}

/**
 * The event in the JSON format as text, on one line (SSE `data:` lines cannot hold a line break).
 * JSON data whose text is known (stored by the bus) is written as that text, not parsed and
 * serialized again; a line break in valid JSON text is whitespace, so it becomes a space.
 */
export function toJsonText(event: CloudEvent): string {
  const d = event.data;
  if (d?.kind !== "json" || d.text === undefined) return JSON.stringify(toJson(event));
  const head = JSON.stringify(attributesJson(event)); // at least the four required members
  const text = d.text.includes("\n") || d.text.includes("\r") ? d.text.replace(/[\r\n]/g, " ") : d.text;
  return `${head.slice(0, -1)},"data":${text}}`;
}

/** Renders the event in the JSON format: attributes as members, extensions at top level, then data. */
export function toJson(event: CloudEvent): JsonCloudEvent {
  return Object.assign(attributesJson(event), renderData(event)) as JsonCloudEvent;
}

function attributesJson(event: CloudEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {
    specversion: event.specversion,
    id: event.id,
    source: event.source,
    type: event.type,
  };
  for (const name of OPTIONAL_ATTRIBUTES) {
    const v = event[name];
    if (v !== undefined) out[name] = v;
  }
  for (const [k, v] of Object.entries(event.extensions)) out[k] = v;
  return out;
}
