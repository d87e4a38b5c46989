import { z } from "zod";
import { cloudEventJsonSchema } from "./events";

/**
 * Dead letters and bulk jobs (docs/api.md "Dead letters"), as the console reads them.
 */

export const DEAD_LETTER_REASONS = ["max-attempts", "rejected", "undeliverable", "poison"] as const;

/** One dead letter as listed: the event, why it failed and where it came from. */
export const deadLetterSchema = z.object({
  /** Its sequence in the dead-letter stream, as a string. */
  id: z.string(),
  event: cloudEventJsonSchema,
  subscription: z.string(),
  tenant: z.string(),
  reason: z.string(),
  /** Attempts made (the last attempt's number). */
  attempts: z.number(),
  lastError: z.object({ message: z.string(), status: z.number().optional() }).nullable(),
  firstFailedAt: z.string(),
  lastFailedAt: z.string(),
  deadLetteredAt: z.string(),
  /** The event's sequence in the event stream. */
  originalSeq: z.number(),
  originalSubject: z.string(),
});

export type DeadLetterDto = z.infer<typeof deadLetterSchema>;

export const attemptErrorSchema = z.object({
  attempt: z.number(),
  at: z.string(),
  message: z.string(),
  status: z.number().optional(),
  final: z.boolean().optional(),
});

/** `GET /api/dead-letters/{id}`: the list item plus every attempt's error. */
export const deadLetterDetailSchema = deadLetterSchema.extend({
  errors: z.array(attemptErrorSchema),
  /** Attempts recorded but not kept (the record keeps the first and the last ones). */
  omittedAttempts: z.number().optional(),
});

export type DeadLetterDetailDto = z.infer<typeof deadLetterDetailSchema>;

/** `GET /api/dead-letters`: a page, with the number of entries matching the filters. */
export const deadLetterPageSchema = z.object({
  items: z.array(deadLetterSchema),
  next: z.string().nullable(),
  total: z.number(),
});

export type DeadLetterPageDto = z.infer<typeof deadLetterPageSchema>;

/** `POST /api/dead-letters/requeue|discard`: a dry run answers the count, else the job started. */
export const bulkAnswerSchema = z.union([z.object({ jobId: z.string(), count: z.number() }), z.object({ count: z.number() })]);

export const JOB_STATES = ["pending", "running", "completed", "cancelled", "interrupted", "failed"] as const;
export type JobState = (typeof JOB_STATES)[number];

/** `GET /api/jobs/{id}`. */
export const jobSchema = z.object({
  id: z.string(),
  kind: z.string(),
  state: z.enum(JOB_STATES),
  done: z.number(),
  total: z.number(),
  failed: z.number(),
  position: z.number().nullable().optional(),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
  error: z.string().optional(),
});

export type JobDto = z.infer<typeof jobSchema>;
