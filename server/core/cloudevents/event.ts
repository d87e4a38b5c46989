import { TENANT_ID, TRACEPARENT } from "../../../lib/contracts/ids";
import type { ErrorDetail } from "../../../lib/errors";
import { ATTRIBUTE_NAME, checkInteger, checkMediaType, checkString, checkTimestamp, checkUri, checkUriReference } from "./types";

/** Extension attribute values in their native types (String, Boolean, Integer). */
export type ExtensionValue = string | number | boolean;

/**
 * An event's data in the form it arrived in:
 * - `json`: a JSON value (structured mode `data`, or a JSON body); `bytes` keeps the original encoding when known;
 * - `text`: a string for a non-JSON `datacontenttype` (structured mode `data`);
 * - `binary`: bytes (a binary-mode body or `data_base64`), kept byte for byte.
 */
export type EventData =
  | {
      readonly kind: "json";
      readonly value: unknown;
      readonly bytes?: Uint8Array;
      /** The JSON text of `value`, when it is known to be valid JSON (data the bus stored itself). */
      readonly text?: string;
    }
  | { readonly kind: "text"; readonly value: string }
  | { readonly kind: "binary"; readonly value: Uint8Array };

/**
 * An immutable CloudEvent (spec 1.0.2). Build it with `createEvent`; never mutate it.
 * @see https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md
 */
export interface CloudEvent {
  readonly specversion: "1.0";
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly datacontenttype?: string;
  readonly dataschema?: string;
  readonly subject?: string;
  readonly time?: string;
  readonly extensions: Readonly<Record<string, ExtensionValue>>;
  readonly data?: EventData;
}

export const REQUIRED_ATTRIBUTES = ["id", "source", "specversion", "type"] as const;
export const OPTIONAL_ATTRIBUTES = ["datacontenttype", "dataschema", "subject", "time"] as const;
const CORE = new Set<string>([...REQUIRED_ATTRIBUTES, ...OPTIONAL_ATTRIBUTES]);

export function isCoreAttribute(name: string): boolean {
  return CORE.has(name);
}

/** Attributes as decoded by a binding: every value still unchecked. */
export interface RawEvent {
  attributes: Record<string, unknown>;
  data?: EventData;
}

/** Limits on what the bus itself relies on: tenant ids become NATS subject tokens. */
/**
 * The type becomes the rest of the NATS subject: escaped (up to 9 characters per UTF-16 unit) it
 * must stay under the server's control-line limit (4 KiB by default), or NATS closes the connection.
 * 256 is also the longest type pattern (`typePatternRule`).
 */
export const MAX_TYPE_LENGTH = 256;

/**
 * Longest value of any other attribute (and of an extension name). The spec sets no limit; these
 * keep headers (HTTP and NATS) and indexes sane while leaving room for URIs and ids of any scheme.
 */
export const MAX_ATTRIBUTE_LENGTH = 4096;
export const MAX_EXTENSION_NAME_LENGTH = 64;
/** Most extension attributes on one event. */
export const MAX_EXTENSIONS = 64;

/** Rules the bus adds for the extensions it interprets. */
const KNOWN_EXTENSIONS: Record<string, (v: ExtensionValue) => string | undefined> = {
  tenantid: (v) => (typeof v === "string" && TENANT_ID.test(v) ? undefined : "must be 1-64 characters of A-Z, a-z, 0-9, _ or -"),
  traceparent: (v) =>
    typeof v === "string" && TRACEPARENT.test(v) ? undefined : "must be a W3C traceparent (00-<32 hex>-<16 hex>-<2 hex>)",
};

/**
 * Validates attributes and builds the event, or returns every problem found (field + rule).
 * `index` is added to each problem for batch answers.
 */
export function createEvent(
  raw: RawEvent,
  index?: number,
): { ok: true; event: CloudEvent } | { ok: false; problems: ErrorDetail[] } {
  const problems: ErrorDetail[] = [];
  const fail = (field: string, rule: string) => problems.push(index === undefined ? { field, rule } : { field, rule, index });
  const a = raw.attributes;
  const out: Record<string, unknown> = {};
  const extensions: Record<string, ExtensionValue> = {};

  for (const name of REQUIRED_ATTRIBUTES) {
    const v = a[name];
    if (v === undefined || v === null) fail(name, "is required");
    else if (typeof v !== "string") fail(name, "must be a string");
    else if (v.length === 0) fail(name, "must be a non-empty string");
  }
  if (typeof a.specversion === "string" && a.specversion.length > 0 && a.specversion !== "1.0") {
    fail("specversion", 'must be "1.0" (the only version this bus accepts)');
  }

  for (const [name, v] of Object.entries(a)) {
    if (v === undefined || v === null) continue; // JSON-3: null means unset
    if (isCoreAttribute(name)) {
      if (typeof v !== "string") {
        if (!(REQUIRED_ATTRIBUTES as readonly string[]).includes(name)) fail(name, "must be a string");
        continue;
      }
      const rule = checkCore(name, v);
      if (rule) fail(name, rule);
      else out[name] = v;
      continue;
    }
    if (!ATTRIBUTE_NAME.test(name)) {
      fail(name, "extension attribute names must be lower-case letters a-z and digits 0-9");
      continue;
    }
    if (name.length > MAX_EXTENSION_NAME_LENGTH) {
      fail(name, `extension attribute names must be at most ${MAX_EXTENSION_NAME_LENGTH} characters`);
      continue;
    }
    if (Object.keys(extensions).length >= MAX_EXTENSIONS) {
      fail(name, `an event may have at most ${MAX_EXTENSIONS} extension attributes`);
      continue;
    }
    if (name === "data") {
      fail(name, "is reserved and cannot be an extension attribute");
      continue;
    }
    let rule: string | undefined;
    if (typeof v === "string")
      rule = v.length > MAX_ATTRIBUTE_LENGTH ? `must be at most ${MAX_ATTRIBUTE_LENGTH} characters` : checkString(v);
    else if (typeof v === "number") rule = checkInteger(v);
    else if (typeof v !== "boolean") rule = "extension values must be String, Boolean or Integer";
    if (!rule && Object.hasOwn(KNOWN_EXTENSIONS, name)) rule = KNOWN_EXTENSIONS[name]?.(v as ExtensionValue);
    if (rule) fail(name, rule);
    else extensions[name] = v as ExtensionValue;
  }

  if (problems.length > 0) return { ok: false, problems };
  out.extensions = Object.freeze(extensions);
  if (raw.data !== undefined) out.data = Object.freeze(raw.data);
  return { ok: true, event: Object.freeze(out) as unknown as CloudEvent };
}

function checkCore(name: string, v: string): string | undefined {
  if (name !== "type" && v.length > MAX_ATTRIBUTE_LENGTH) return `must be at most ${MAX_ATTRIBUTE_LENGTH} characters`;
  switch (name) {
    case "source":
      return v.length === 0 ? undefined : checkUriReference(v); // emptiness is reported with the required ones
    case "dataschema":
      return v.length === 0 ? "must be a non-empty URI" : checkUri(v);
    case "time":
      return checkTimestamp(v);
    case "datacontenttype":
      return checkString(v) ?? checkMediaType(v);
    case "subject":
      return v.length === 0 ? "must be a non-empty string" : checkString(v);
    case "type":
      return v.length > MAX_TYPE_LENGTH ? `must be at most ${MAX_TYPE_LENGTH} characters` : checkString(v);
    default:
      return v.length === 0 ? undefined : checkString(v); // emptiness of required ones is reported above
  }
}

/** A copy of the event with some extensions set (the event itself is never changed). */
export function withExtensions(event: CloudEvent, ext: Record<string, ExtensionValue>): CloudEvent {
  return Object.freeze({ ...event, extensions: Object.freeze({ ...event.extensions, ...ext }) });
}

/** Every context attribute (core and extensions) by name, in canonical string form. */
export function attributeString(event: CloudEvent, name: string): string | undefined {
  // an extension only when the event has it (not `constructor` from Object.prototype)
  const v = isCoreAttribute(name)
    ? (event as unknown as Record<string, unknown>)[name]
    : Object.hasOwn(event.extensions, name)
      ? event.extensions[name]
      : undefined;
  return v === undefined ? undefined : String(v);
}
