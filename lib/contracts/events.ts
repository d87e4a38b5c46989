import { z } from "zod";

/**
 * Events on the HTTP API (API.md "Events"): the CloudEvent in the JSON format, stored events and
 * history pages, and the publish answers. Shared by the console, `lib/client` and the docs.
 */

/** The context attributes the spec defines, in spec order (everything else is an extension). */
export const CORE_ATTRIBUTES = [
  "specversion",
  "id",
  "source",
  "type",
  "datacontenttype",
  "dataschema",
  "subject",
  "time",
] as const;

/** The members of the JSON format that carry the data, not attributes. */
export const DATA_MEMBERS = ["data", "data_base64"] as const;

/**
 * A CloudEvent in the JSON event format (CloudEvents 1.0): the context attributes, extensions as
 * further top-level members, and `data` (JSON) or `data_base64` (bytes).
 * @see https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/formats/json-format.md
 */
export interface CloudEventJson {
  specversion: "1.0";
  id: string;
  source: string;
  type: string;
  datacontenttype?: string;
  dataschema?: string;
  subject?: string;
  time?: string;
  data?: unknown;
  data_base64?: string;
  /** Extension attributes, e.g. `tenantid`, `correlationid`, `traceparent`. */
  [extension: string]: unknown;
}

/** Checks the shape of a CloudEvent read from the API (the server validated it in full when it was published). */
export const cloudEventJsonSchema = z.looseObject({
  specversion: z.literal("1.0"),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().min(1),
  datacontenttype: z.string().optional(),
  dataschema: z.string().optional(),
  subject: z.string().optional(),
  time: z.string().optional(),
  data: z.unknown().optional(),
  data_base64: z.string().optional(),
});

/** One stored event: `GET /api/events/{seq}` and each history item. */
export const storedEventSchema = z.object({
  seq: z.number().int().positive(),
  storedAt: z.string(),
  tenant: z.string(),
  event: cloudEventJsonSchema,
});

export type StoredEventDto = z.infer<typeof storedEventSchema>;

/** `GET /api/events`: a page of history; `next` is the cursor of the following page, null at the end. */
export const historyPageSchema = z.object({
  items: z.array(storedEventSchema),
  next: z.string().nullable(),
});

export type HistoryPageDto = z.infer<typeof historyPageSchema>;

/** The answer for one published event: where it was stored, and whether it was a duplicate. */
export const publishResultSchema = z.object({
  id: z.string(),
  source: z.string(),
  tenant: z.string(),
  stream: z.string(),
  seq: z.number().int().positive(),
  /** True when an event with the same (tenant, source, id) was already stored: this one was not. */
  duplicate: z.boolean(),
});

export type PublishResultDto = z.infer<typeof publishResultSchema>;

/** Batch mode: one result per event, in request order. */
export const publishBatchResultSchema = z.object({ results: z.array(publishResultSchema) });

export type PublishBatchResultDto = z.infer<typeof publishBatchResultSchema>;
