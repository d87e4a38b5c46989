import { type AnyCatalogEntry, getCatalogEntry, validateEventData } from "@/lib/catalog";
import type { ErrorDetail } from "@/lib/errors";

/** What the publish form holds: text as typed, turned into an event on send. */
export interface PublishFormValues {
  type: string;
  source: string;
  tenant: string;
  subject: string;
  correlationId: string;
  /** The data as JSON text (the catalog's example to start with). */
  dataText: string;
}

/** Form fields that show their own errors; every other problem goes to the summary. */
export const PUBLISH_FIELDS = ["type", "source", "tenant", "subject", "correlationId", "data"] as const;

export function exampleText(entry: AnyCatalogEntry): string {
  return JSON.stringify(entry.example, null, 2);
}

/** The form for a catalog type: its producer as the source and its example data. */
export function initialValues(type: string, tenant: string | undefined): PublishFormValues {
  const entry = getCatalogEntry(type);
  return {
    type,
    source: entry ? `/${entry.service}` : "",
    tenant: tenant ?? "",
    subject: "",
    correlationId: "",
    dataText: entry ? exampleText(entry) : "{}",
  };
}

/** A random UUID (v4); `crypto.randomUUID` only exists in secure contexts. */
export function newEventId(c: Crypto = globalThis.crypto): string {
  if (typeof c.randomUUID === "function") return c.randomUUID();
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = ((b[6] ?? 0) & 0x0f) | 0x40;
  b[8] = ((b[8] ?? 0) & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export type BuiltEvent = { ok: true; event: Record<string, unknown> } | { ok: false; problems: ErrorDetail[] };

/**
 * The structured-mode event for the form, or the problems the browser can see: data that is not
 * JSON or does not match its type's schema (`validateEventData`), a missing source. The bus checks
 * the envelope itself (tenant id, source syntax, …) and answers field by field.
 */
export function buildEvent(v: PublishFormValues, meta: { id: string; time: string }): BuiltEvent {
  const problems: ErrorDetail[] = [];
  if (v.source.trim() === "") problems.push({ field: "source", rule: "is required (a URI-reference naming the producer)" });
  let data: unknown;
  try {
    data = JSON.parse(v.dataText);
  } catch (e) {
    problems.push({ field: "data", rule: `must be valid JSON (${(e as Error).message})` });
  }
  if (data !== undefined) {
    const checked = validateEventData(v.type, data);
    if (!checked.ok) problems.push(...checked.problems);
  }
  if (problems.length > 0) return { ok: false, problems };
  const event: Record<string, unknown> = {
    specversion: "1.0",
    id: meta.id,
    source: v.source.trim(),
    type: v.type,
    time: meta.time,
    datacontenttype: "application/json",
  };
  if (v.subject.trim() !== "") event.subject = v.subject.trim();
  if (v.tenant.trim() !== "") event.tenantid = v.tenant.trim();
  if (v.correlationId.trim() !== "") event.correlationid = v.correlationId.trim();
  event.data = data;
  return { ok: true, event };
}

/** The form field an API detail is about (the event's attribute names → the form's names). */
export function formFieldOf(apiField: string): string {
  switch (apiField) {
    case "tenantid":
      return "tenant";
    case "correlationid":
      return "correlationId";
    default:
      return apiField;
  }
}
