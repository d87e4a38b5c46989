import { jsonDepthExceeds, MAX_EVENT_JSON_DEPTH } from "../../../lib/json-depth";
import type { CloudEvent, EventData } from "./event";
import { isJsonMediaType, isTextMediaType } from "./types";

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Decodes UTF-8, or returns undefined when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

export function encodeUtf8(s: string): Uint8Array {
  return utf8.encode(s);
}

/** The data as bytes on the wire (binary-mode body or NATS payload). */
export function dataBytes(data: EventData): Uint8Array {
  switch (data.kind) {
    case "json":
      return data.bytes ?? utf8.encode(JSON.stringify(data.value));
    case "text":
      return utf8.encode(data.value);
    case "binary":
      return data.value;
  }
}

/**
 * JSON data the bus validated when it stored it: kept as its text, parsed only when `value` is read
 * (deliveries to WebSocket, SSE and HTTP push send the text or bytes as they are).
 */
export function storedJsonData(bytes: Uint8Array): EventData {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  let parsed: { v: unknown } | undefined;
  return Object.freeze({
    kind: "json" as const,
    bytes,
    text,
    get value(): unknown {
      parsed ??= { v: JSON.parse(text) };
      return parsed.v;
    },
  });
}

/**
 * Interprets a binary-mode body under a content type: JSON types are parsed (and must parse),
 * everything else stays bytes. Returns `undefined` data for an empty body.
 */
export function dataFromBody(
  body: Uint8Array,
  contentType: string | undefined,
): { ok: true; data: EventData | undefined } | { ok: false; rule: string } {
  if (body.length === 0) return { ok: true, data: undefined };
  if (contentType !== undefined && isJsonMediaType(contentType)) {
    const text = decodeUtf8(body);
    if (text === undefined) return { ok: false, rule: "must be UTF-8 JSON for a JSON datacontenttype" };
    // data sits one level inside the JSON-format event
    if (jsonDepthExceeds(text, MAX_EVENT_JSON_DEPTH - 1))
      return { ok: false, rule: `must nest JSON at most ${MAX_EVENT_JSON_DEPTH - 1} levels deep` };
    try {
      return { ok: true, data: { kind: "json", value: JSON.parse(text), bytes: body } };
    } catch {
      return { ok: false, rule: `must be valid JSON for datacontenttype ${contentType}` };
    }
  }
  return { ok: true, data: { kind: "binary", value: body } };
}

/** The JSON-format rendering of the data: `data` or `data_base64` (JSON-6 … JSON-9). */
export function renderData(event: CloudEvent): { data?: unknown; data_base64?: string } {
  const d = event.data;
  if (d === undefined) return {};
  switch (d.kind) {
    case "json":
      return { data: d.value };
    case "text":
      return { data: d.value };
    case "binary": {
      if (isTextMediaType(event.datacontenttype)) {
        const text = decodeUtf8(d.value);
        if (text !== undefined) return { data: text };
      }
      return { data_base64: Buffer.from(d.value.buffer, d.value.byteOffset, d.value.byteLength).toString("base64") };
    }
  }
}
