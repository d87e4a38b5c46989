import type { ErrorDetail } from "../../../lib/errors";
import { jsonDepthExceeds, MAX_EVENT_JSON_DEPTH } from "../../../lib/json-depth";
import { dataBytes, dataFromBody, decodeUtf8, storedJsonData } from "./data";
import { type CloudEvent, createEvent, type EventData, type ExtensionValue, isCoreAttribute } from "./event";
import { decodeHeaderValue, percentEncode } from "./headers";
import { attributeEntries } from "./http";
import { fromJson } from "./json";
import { isTextMediaType } from "./types";

/**
 * The NATS protocol binding. Events are stored in binary mode (spec 1.0.3-wip, NATS-5 … NATS-9):
 * every attribute, `datacontenttype` included, is a `ce-` header, and the payload is the data bytes.
 * Messages that services publish straight to NATS are read in either mode (NATS-6).
 *
 * Two private headers (not CloudEvents attributes, EXT-2) keep what binary mode cannot say:
 * `Anumate-Data` (json | text | binary) and `Anumate-Ext-Types` (`name=i` / `name=b` for
 * Integer and Boolean extensions, which headers carry as strings).
 */

export const DATA_KIND_HEADER = "Anumate-Data";
export const EXT_TYPES_HEADER = "Anumate-Ext-Types";
const DATA_KIND_LOWER = DATA_KIND_HEADER.toLowerCase();
const EXT_TYPES_LOWER = EXT_TYPES_HEADER.toLowerCase();

export interface NatsMessage {
  headers: [string, string][];
  payload: Uint8Array;
}

const EMPTY = new Uint8Array(0);

export function encodeNats(event: CloudEvent): NatsMessage {
  const headers: [string, string][] = [];
  for (const [name, value] of attributeEntries(event)) headers.push([`ce-${name}`, percentEncode(value)]);
  const types: string[] = [];
  for (const [k, v] of Object.entries(event.extensions)) {
    if (typeof v === "number") types.push(`${k}=i`);
    else if (typeof v === "boolean") types.push(`${k}=b`);
  }
  if (types.length > 0) headers.push([EXT_TYPES_HEADER, types.join(",")]);
  if (event.data === undefined) {
    headers.push([DATA_KIND_HEADER, "none"]);
    return { headers, payload: EMPTY };
  }
  if (event.data.kind === "json" && event.datacontenttype === undefined) {
    headers.push(["ce-datacontenttype", "application/json"]); // JSON-15: make the implied type explicit
  }
  headers.push([DATA_KIND_HEADER, event.data.kind]);
  return { headers, payload: dataBytes(event.data) };
}

/** Read access to a NATS message's headers (case-insensitive get, and the list of names). */
export interface HeaderReader {
  keys(): Iterable<string>;
  get(name: string): string;
}

/** Decodes a stored or directly published NATS message into a CloudEvent. */
export function decodeNats(
  headers: HeaderReader | undefined,
  payload: Uint8Array,
): { ok: true; event: CloudEvent } | { ok: false; problems: ErrorDetail[] } {
  const contentType = headers?.get("content-type") || headers?.get("Content-Type") || "";
  if (isStructured(contentType)) return decodeStructured(payload);
  if (!headers) return decodeStructured(payload); // no headers: NATS 1.0.2 structured mode
  const marked = readMarked(headers);
  if (marked !== undefined) return { ok: true, event: decodeMarked(marked, payload) };
  const attributes: Record<string, unknown> = Object.create(null); // "ce-__proto__" stays an (invalid) attribute
  const problems: ErrorDetail[] = [];
  let kind: string | undefined;
  let extTypes: string | undefined;
  let anyCe = false;
  for (const key of headers.keys()) {
    const lower = key.toLowerCase();
    if (lower === DATA_KIND_LOWER) kind = headers.get(key);
    else if (lower === EXT_TYPES_LOWER) extTypes = headers.get(key);
    if (!lower.startsWith("ce-") || lower.length < 4) continue;
    anyCe = true;
    const decoded = decodeHeaderValue(headers.get(key));
    if (decoded.ok) attributes[lower.slice(3)] = decoded.value;
    else problems.push({ field: lower, rule: decoded.rule });
  }
  if (problems.length > 0) return { ok: false, problems };
  if (!anyCe) return decodeStructured(payload); // no ce- headers: structured (1.0.2); with any, binary (NATS-6)
  if (extTypes) applyExtensionTypes(attributes, extTypes);
  const ct = typeof attributes.datacontenttype === "string" ? attributes.datacontenttype : undefined;
  // Written by the bus (it marks its messages with Anumate-Data): validated when it was published,
  // so it is not validated again on every read and delivery. Anything else is checked in full.
  const trusted =
    kind !== undefined &&
    typeof attributes.id === "string" &&
    typeof attributes.source === "string" &&
    typeof attributes.type === "string" &&
    attributes.specversion === "1.0";
  let data: EventData | undefined;
  if (kind === "none") data = undefined;
  else if (trusted && kind === "json" && payload.length > 0) data = storedJsonData(payload);
  else if (kind === "text") data = { kind: "text", value: decodeUtf8(payload) ?? "" };
  else if (kind === "binary") data = { kind: "binary", value: payload };
  else if (payload.length > 0) {
    // written by the bus as json, or published by a service: JSON types must parse (JSON-15)
    const r = dataFromBody(payload, ct ?? "application/json");
    if (r.ok) data = r.data;
    else if (kind === undefined && ct === undefined) data = { kind: "binary", value: payload };
    else return { ok: false, problems: [{ field: "data", rule: r.rule }] };
  }
  if (trusted) return { ok: true, event: storedEvent(attributes, data) };
  return createEvent({ attributes, data });
}

const UPPER = /[A-Z]/;

/** A Content-Type that makes a message structured mode (NATS-6). */
function isStructured(contentType: string): boolean {
  return contentType.toLowerCase().startsWith("application/cloudevents");
}

/**
 * A message the bus wrote itself, once `readMarked` has taken it (marked `Anumate-Data`, `ce-` names
 * in lower case as `encodeNats` writes them, every value decodable), built straight into the event:
 * the same result as the general path of `decodeNats` for it, without its intermediate copies.
 */
export function decodeMarked(marked: Marked, payload: Uint8Array): CloudEvent {
  const out: Record<string, unknown> = {};
  const extensions: Record<string, ExtensionValue> = {};
  const a = marked.attributes;
  for (let i = 0; i < a.length; i += 2) {
    const name = a[i] as string;
    if (isCoreAttribute(name)) out[name] = a[i + 1];
    else extensions[name] = a[i + 1] as string;
  }
  if (marked.extTypes) applyExtensionTypes(extensions, marked.extTypes);
  const kind = marked.kind;
  let data: EventData | undefined;
  if (kind === "json") data = payload.length > 0 ? storedJsonData(payload) : undefined;
  else if (kind === "text") data = { kind: "text", value: decodeUtf8(payload) ?? "" };
  else if (kind === "binary") data = { kind: "binary", value: payload };
  out.extensions = Object.freeze(extensions);
  if (data !== undefined) out.data = Object.freeze(data);
  return Object.freeze(out) as unknown as CloudEvent;
}

/** A CloudEvent from attributes the bus validated before storing them (see `decodeNats`). */
function storedEvent(attributes: Record<string, unknown>, data: EventData | undefined): CloudEvent {
  const out: Record<string, unknown> = {};
  const extensions: Record<string, ExtensionValue> = {};
  for (const name in attributes) {
    if (isCoreAttribute(name)) out[name] = attributes[name];
    else extensions[name] = attributes[name] as ExtensionValue;
  }
  out.extensions = Object.freeze(extensions);
  if (data !== undefined) out.data = Object.freeze(data);
  return Object.freeze(out) as unknown as CloudEvent;
}

function applyExtensionTypes(attributes: Record<string, unknown>, spec: string): void {
  for (const part of spec.split(",")) {
    const name = part.split("=")[0];
    const v = name === undefined ? undefined : attributes[name];
    if (name !== undefined && typeof v === "string") attributes[name] = typedExtension(name, v, spec);
  }
}

/** A String extension's value as `Anumate-Ext-Types` (`name=i` / `name=b`, comma-separated) types it. */
function typedExtension(name: string, value: string, spec: string): ExtensionValue {
  for (const part of spec.split(",")) {
    const [n, t] = part.split("=");
    if (n !== name) continue;
    if (t === "i" && /^-?\d+$/.test(value)) return Number(value);
    if (t === "b" && (value === "true" || value === "false")) return value === "true";
  }
  return value;
}

function decodeStructured(payload: Uint8Array): { ok: true; event: CloudEvent } | { ok: false; problems: ErrorDetail[] } {
  const text = decodeUtf8(payload);
  if (text === undefined) return { ok: false, problems: [{ field: "payload", rule: "must be UTF-8 JSON (structured mode)" }] };
  if (jsonDepthExceeds(text, MAX_EVENT_JSON_DEPTH))
    return { ok: false, problems: [{ field: "payload", rule: `must nest JSON at most ${MAX_EVENT_JSON_DEPTH} levels deep` }] };
  try {
    return fromJson(JSON.parse(text));
  } catch {
    return { ok: false, problems: [{ field: "payload", rule: "must be a JSON-format CloudEvent (structured mode)" }] };
  }
}

/** A `ce-` header value that needs no decoding (printable ASCII, no quoted string, no percent escape). */
const PLAIN_VALUE = /^[\x20\x21\x23-\x24\x26-\x7E]*$/;
const DIGITS = /^\d+$/;

/** A header value as `decodeHeaderValue` decodes it, undefined when it does not decode. */
function headerValue(raw: string): string | undefined {
  if (PLAIN_VALUE.test(raw)) return raw;
  const d = decodeHeaderValue(raw);
  return d.ok ? d.value : undefined;
}

/** A message the bus wrote itself, as `readMarked` read its headers. */
export interface Marked {
  /** Its data kind (`Anumate-Data`): json, text, binary or none. */
  kind: string;
  /** Its attributes in header order, names without `ce-` and values decoded, alternating. */
  attributes: string[];
  /** Its `type` attribute. */
  type: string;
  /** Its `Anumate-Ext-Types` header ("" when there is none). */
  extTypes: string;
}

/**
 * A message the bus wrote, checked and its attributes read in one pass over its headers: then
 * `decodeMarked` makes its event (at once in `decodeNats`, or later, when a reader defers it) and
 * `markedJson` its JSON format. Undefined for anything else, which `decodeNats` reads in full.
 */
export function readMarked(headers: HeaderReader): Marked | undefined {
  const kind = headers.get(DATA_KIND_HEADER);
  if (kind !== "json" && kind !== "text" && kind !== "binary" && kind !== "none") return undefined;
  let required = 0;
  let type = "";
  let extTypes = "";
  const attributes: string[] = [];
  for (const key of headers.keys()) {
    if (!key.startsWith("ce-")) {
      // (names compared in lower case only where the length matches: no string made per header)
      if (key.length >= 3 && (key.charCodeAt(0) | 0x20) === 0x63 && (key.charCodeAt(1) | 0x20) === 0x65 && key[2] === "-")
        return undefined; // Ce-, CE-: the general path
      if (key.length === 12 && key.toLowerCase() === "content-type" && isStructured(headers.get(key))) return undefined;
      if (key.length === EXT_TYPES_LOWER.length && key.toLowerCase() === EXT_TYPES_LOWER) extTypes = headers.get(key);
      continue;
    }
    if (key.length < 4 || UPPER.test(key)) return undefined;
    const value = headerValue(headers.get(key));
    if (value === undefined) return undefined;
    if (key === "ce-type") {
      type = value;
      required++;
    } else if (key === "ce-id" || key === "ce-source") required++;
    else if (key === "ce-specversion") {
      if (value !== "1.0") return undefined;
      required++;
    }
    attributes.push(key.slice(3), value);
  }
  return required === 4 ? { kind, attributes, type, extTypes } : undefined;
}

/**
 * The JSON format of an event in parts, for writers that copy bytes: `head`, then `data` (JSON
 * data as stored, whose line breaks a writer turns into spaces to keep the event on one line),
 * then `tail`. Without `data`, `head` + `tail` is the whole text.
 */
export interface JsonParts {
  /** Text written before `head`: a frame's own, around an event's JSON (kept apart: `head` is not copied into a new string). */
  readonly pre?: string;
  readonly head: string;
  readonly data?: Uint8Array;
  readonly tail: string;
  /** `data` has no line break left (the reading thread's JSON, already written out once): copied as it is, not searched. */
  readonly oneLine?: boolean;
}

/**
 * Parts with all five members, absent ones undefined: every `JsonParts` the server makes has one
 * shape, so the code writing them stays monomorphic (V8) whichever reader made them.
 */
export function jsonParts(head: string, tail: string, data?: Uint8Array, pre?: string, oneLine = false): JsonParts {
  return { pre, head, data, tail, oneLine };
}

/** The bytes of the parts written out. */
export function jsonPartsLength(p: JsonParts): number {
  const pre = p.pre === undefined ? 0 : textLength(p.pre);
  return pre + textLength(p.head) + (p.data?.length ?? 0) + textLength(p.tail);
}

/**
 * Strings this short are measured and written here when they are ASCII: most parts are "" or a
 * frame's closing `}` / `\n\n`, for which a call into Node costs more than the bytes.
 */
const SHORT = 8;

function textLength(s: string): number {
  if (s.length > SHORT) return Buffer.byteLength(s);
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s);
  return s.length;
}

function writeText(out: Buffer, at: number, s: string): number {
  if (s.length <= SHORT) {
    let ascii = true;
    for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) ascii = false;
    if (ascii) {
      for (let i = 0; i < s.length; i++) out[at + i] = s.charCodeAt(i);
      return at + s.length;
    }
  }
  return at + out.write(s, at, "utf8");
}

/**
 * Writes the parts into `out` at `at` — the data bytes copied, their line breaks made spaces (JSON
 * whitespace; CR and LF are never part of a longer UTF-8 sequence) — and returns where they end.
 */
export function writeJsonParts(out: Buffer, at: number, p: JsonParts): number {
  let end = p.pre === undefined ? at : writeText(out, at, p.pre);
  end = writeText(out, end, p.head);
  if (p.data) {
    const data = p.data;
    out.set(data, end);
    // searched in the data alone (the rest of `out` may hold anything)
    if (!p.oneLine)
      for (const nl of LINE_BREAKS) for (let i = data.indexOf(nl); i >= 0; i = data.indexOf(nl, i + 1)) out[end + i] = 0x20;
    end += data.length;
  }
  return writeText(out, end, p.tail);
}

const LINE_BREAKS = [0x0a, 0x0d];

/** The parts as one buffer. */
export function jsonPartsBuffer(p: JsonParts): Buffer {
  const out = Buffer.allocUnsafe(jsonPartsLength(p));
  writeJsonParts(out, 0, p);
  return out;
}

/**
 * The JSON format of a message `readMarked` took, made from its attributes and payload without
 * building the event — JSON data stays the stored bytes, never decoded to a string. Written out
 * (see `JsonParts`), it is `toJsonText(decodeNats(headers, payload).event)` as UTF-8.
 * Undefined where the member order would differ (an extension named by digits only): render the event.
 */
export function markedJson(marked: Marked, payload: Uint8Array): JsonParts | undefined {
  const core: (string | undefined)[] = new Array(CORE_ORDER.length);
  const ext: string[] = [];
  const a = marked.attributes;
  for (let i = 0; i < a.length; i += 2) {
    const name = a[i] as string;
    const slot = CORE_ORDER.indexOf(name);
    if (slot >= 0) core[slot] = a[i + 1];
    else if (DIGITS.test(name)) return undefined;
    else ext.push(name, a[i + 1] as string);
  }
  const { kind, extTypes } = marked;
  // the pieces, joined once: no intermediate string per attribute
  const parts: string[] = ["{"];
  for (let i = 0; i < CORE_ORDER.length; i++) {
    const v = core[i];
    if (v !== undefined) pushMember(parts, CORE_KEYS[i] as string, i > 0, v);
  }
  for (let i = 0; i < ext.length; i += 2) {
    const name = ext[i] as string;
    const value = ext[i + 1] as string;
    const typed = extTypes ? typedExtension(name, value, extTypes) : value;
    const key = `${JSON_PLAIN.test(name) ? `"${name}"` : JSON.stringify(name)}:`;
    if (typeof typed === "string") pushMember(parts, key, true, typed);
    else parts.push(`,${key}`, String(typed));
  }
  if (kind === "json" && payload.length > 0) {
    parts.push(',"data":');
    return jsonParts(parts.join(""), "}", payload);
  }
  if (kind === "text") pushMember(parts, '"data":', true, decodeUtf8(payload) ?? "");
  else if (kind === "binary") {
    const text = isTextMediaType(core[4]) ? decodeUtf8(payload) : undefined;
    if (text !== undefined) pushMember(parts, '"data":', true, text);
    else
      parts.push(',"data_base64":"', Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString("base64"), '"');
  }
  return jsonParts(parts.join(""), "}");
}

/** Characters a JSON string holds as they are: printable ASCII but `"` and `\`. */
const JSON_PLAIN = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;

/** `,"name":"value"` as pieces (the value escaped only where it has to be). */
function pushMember(parts: string[], key: string, comma: boolean, value: string): void {
  if (comma) parts.push(",");
  if (JSON_PLAIN.test(value)) parts.push(key, '"', value, '"');
  else parts.push(key, JSON.stringify(value));
}

/** Attribute order of the JSON format as `toJsonText` writes it: required, then optional. */
export const CORE_ORDER = ["specversion", "id", "source", "type", "datacontenttype", "dataschema", "subject", "time"];
const CORE_KEYS = CORE_ORDER.map((n) => `"${n}":`);
