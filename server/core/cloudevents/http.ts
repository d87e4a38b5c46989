import { AppError, type ErrorDetail } from "../../../lib/errors";
import { jsonDepthExceeds, MAX_EVENT_JSON_DEPTH, valueDepthExceeds } from "../../../lib/json-depth";
import { dataBytes, dataFromBody, decodeUtf8 } from "./data";
import { type CloudEvent, createEvent, isCoreAttribute } from "./event";
import { decodeHeaderValue, percentEncode } from "./headers";
import { fromJson } from "./json";
import { baseMediaType } from "./types";

/**
 * The HTTP protocol binding (spec 1.0.2 bindings/http-protocol-binding.md): binary, structured and batched modes.
 */

export type HttpMode = "binary" | "structured" | "batch";

/** Header names are lower-case (as Node gives them). */
export type HttpHeaders = Record<string, string | string[] | undefined>;

/** The mode from the Content-Type (HTTP-4; `-batch` is checked first; case-insensitive). */
export function detectMode(contentType: string | undefined): HttpMode {
  const ct = contentType?.trimStart().toLowerCase() ?? "";
  if (ct.startsWith("application/cloudevents-batch")) return "batch";
  if (ct.startsWith("application/cloudevents")) return "structured";
  return "binary";
}

function unsupported(contentType: string, what: string): AppError {
  return new AppError(
    "UNSUPPORTED_MEDIA_TYPE",
    `${what} format "${contentType}" is not supported; use ${what === "batch" ? "application/cloudevents-batch+json" : "application/cloudevents+json"}`,
    {
      details: [{ field: "content-type", rule: `${what} mode supports only the JSON event format` }],
    },
  );
}

/** Decodes a binary-mode request: `ce-*` headers are the attributes, `Content-Type` is datacontenttype, the body is data. */
export function decodeBinary(
  headers: HttpHeaders,
  body: Uint8Array,
): { ok: true; event: CloudEvent } | { ok: false; problems: ErrorDetail[] } {
  const problems: ErrorDetail[] = [];
  const attributes: Record<string, unknown> = Object.create(null); // "ce-__proto__" stays an (invalid) attribute
  let any = false;
  for (const name in headers) {
    if (name.length < 4 || !name.startsWith("ce-")) continue;
    any = true;
    const attr = name.slice(3).toLowerCase();
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw.join(",") : (raw ?? "");
    if (attr === "datacontenttype") {
      problems.push({ field: name, rule: "must not be sent in binary mode; the Content-Type header carries datacontenttype" });
      continue;
    }
    const decoded = decodeHeaderValue(value);
    if (!decoded.ok) problems.push({ field: name, rule: decoded.rule });
    else attributes[attr] = decoded.value;
  }
  if (!any) {
    return {
      ok: false,
      problems: [
        { field: "ce-specversion", rule: "is required in binary mode (or send Content-Type: application/cloudevents+json)" },
        { field: "ce-id", rule: "is required" },
        { field: "ce-source", rule: "is required" },
        { field: "ce-type", rule: "is required" },
      ],
    };
  }
  const contentType = headers["content-type"];
  const ct = typeof contentType === "string" && contentType.length > 0 ? contentType : undefined;
  if (ct !== undefined) attributes.datacontenttype = ct;
  const data = dataFromBody(body, ct);
  if (!data.ok) problems.push({ field: "data", rule: data.rule });
  if (problems.length > 0 || !data.ok) {
    const more = createEvent({ attributes });
    if (!more.ok) problems.push(...more.problems.filter((p) => !problems.some((q) => q.field === `ce-${p.field}`)));
    return { ok: false, problems };
  }
  return createEvent({ attributes, data: data.data });
}

/** `maxDepth`: an event's limit, one more for a batch (the array around the events). */
function parseJsonBody(body: Uint8Array, maxDepth: number): unknown {
  const text = decodeUtf8(body);
  if (text === undefined)
    throw new AppError("VALIDATION", "The body is not valid UTF-8", { details: [{ field: "body", rule: "must be UTF-8 JSON" }] });
  const tooDeep = () =>
    new AppError("VALIDATION", `The body nests JSON deeper than ${maxDepth} levels`, {
      details: [{ field: "body", rule: `must nest JSON at most ${maxDepth} levels deep` }],
    });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    if (jsonDepthExceeds(text, maxDepth)) throw tooDeep();
    throw new AppError("VALIDATION", `The body is not valid JSON: ${(e as Error).message}`, {
      details: [{ field: "body", rule: "must be valid JSON" }],
      cause: e,
    });
  }
  // checked on the value (a walk that stops at the limit): much cheaper than scanning a large batch's text
  if (valueDepthExceeds(value, maxDepth)) throw tooDeep();
  return value;
}

export interface HttpDecodeLimits {
  /** Largest event, measured as its stored size (see `storedSize`). */
  maxEventBytes: number;
  /** Most events in one batch. */
  maxBatchEvents: number;
}

/**
 * Decodes an HTTP request into events. Every invalid event is reported (with `index` in a batch)
 * and nothing is returned unless all are valid. Throws `AppError` (400, 413, 415).
 */
export function decodeHttpRequest(
  headers: HttpHeaders,
  body: Uint8Array,
  limits: HttpDecodeLimits,
  size: (e: CloudEvent) => number,
): { mode: HttpMode; events: CloudEvent[] } {
  const contentType = typeof headers["content-type"] === "string" ? headers["content-type"] : undefined;
  const mode = detectMode(contentType);
  let events: CloudEvent[];
  if (mode === "binary") {
    const r = decodeBinary(headers, body);
    if (!r.ok) throw invalid(r.problems, "The binary-mode CloudEvent is invalid");
    events = [r.event];
  } else if (mode === "structured") {
    if (baseMediaType(contentType ?? "") !== "application/cloudevents+json") throw unsupported(contentType ?? "", "structured");
    const r = fromJson(parseJsonBody(body, MAX_EVENT_JSON_DEPTH));
    if (!r.ok) throw invalid(r.problems, "The CloudEvent is invalid");
    events = [r.event];
  } else {
    if (baseMediaType(contentType ?? "") !== "application/cloudevents-batch+json") throw unsupported(contentType ?? "", "batch");
    const arr = parseJsonBody(body, MAX_EVENT_JSON_DEPTH + 1);
    if (!Array.isArray(arr))
      throw invalid([{ field: "body", rule: "must be a JSON array of CloudEvents" }], "The batch is not a JSON array");
    if (arr.length > limits.maxBatchEvents) {
      throw new AppError("PAYLOAD_TOO_LARGE", `The batch has ${arr.length} events; the limit is ${limits.maxBatchEvents}`, {
        details: [{ field: "body", rule: `must hold at most ${limits.maxBatchEvents} events` }],
      });
    }
    const problems: ErrorDetail[] = [];
    events = [];
    arr.forEach((item, i) => {
      const r = fromJson(item, i);
      if (r.ok) events.push(r.event);
      else problems.push(...r.problems);
    });
    // HTTP-BA2: every member shares one specversion; with only "1.0" accepted this holds once all are valid.
    if (problems.length > 0)
      throw invalid(
        problems,
        `${new Set(problems.map((p) => p.index)).size} of ${arr.length} events are invalid; nothing was stored`,
      );
  }
  const tooLarge: ErrorDetail[] = [];
  events.forEach((e, i) => {
    const n = size(e);
    if (n > limits.maxEventBytes) {
      tooLarge.push({
        field: mode === "batch" ? `[${i}]` : "event",
        rule: `must be at most ${limits.maxEventBytes} bytes (is ${n})`,
        ...(mode === "batch" ? { index: i } : {}),
      });
    }
  });
  if (tooLarge.length > 0)
    throw new AppError("PAYLOAD_TOO_LARGE", `Event larger than ${limits.maxEventBytes} bytes`, { details: tooLarge });
  return { mode, events };
}

function invalid(problems: ErrorDetail[], message: string): AppError {
  return new AppError("VALIDATION", message, { details: problems });
}

/** Encodes an event as a binary-mode HTTP message (for push delivery). */
export function encodeBinary(event: CloudEvent): { headers: Record<string, string>; body: Uint8Array | undefined } {
  const headers: Record<string, string> = {};
  for (const [name, value] of attributeEntries(event)) {
    if (name === "datacontenttype") headers["content-type"] = value;
    else headers[`ce-${name}`] = percentEncode(value);
  }
  if (event.data !== undefined && headers["content-type"] === undefined && event.data.kind === "json") {
    headers["content-type"] = "application/json"; // JSON-15: make the implied type explicit
  }
  return { headers, body: event.data === undefined ? undefined : dataBytes(event.data) };
}

/** Every attribute in canonical string form (core first, then extensions). */
export function attributeEntries(event: CloudEvent): [string, string][] {
  const out: [string, string][] = [
    ["specversion", event.specversion],
    ["id", event.id],
    ["source", event.source],
    ["type", event.type],
  ];
  for (const name of ["datacontenttype", "dataschema", "subject", "time"] as const) {
    const v = event[name];
    if (v !== undefined) out.push([name, v]);
  }
  for (const [k, v] of Object.entries(event.extensions)) if (!isCoreAttribute(k)) out.push([k, String(v)]);
  return out;
}
