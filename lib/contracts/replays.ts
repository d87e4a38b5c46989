import { z } from "zod";
import { filtersSchema, TENANT, typePattern } from "./subscriptions";

const position = z.union([
  z
    .object({
      time: z
        .string()
        .refine((v) => !Number.isNaN(Date.parse(v)) && /T.*(Z|[+-]\d\d:\d\d)$/i.test(v), "must be an RFC 3339 timestamp"),
    })
    .strict(),
  z.object({ sequence: z.number().int("must be an integer").min(1, "must be >= 1") }).strict(),
]);

/** `POST /api/replays` (API.md "Replays"). Both ends of the range are inclusive. */
export const replayInputSchema = z
  .object({
    from: position,
    to: position.optional(),
    filter: z
      .object({
        tenant: z.string().regex(TENANT, "must be 1-64 characters of A-Z, a-z, 0-9, _ or -").optional(),
        types: z.array(typePattern).max(20, "must hold at most 20 patterns").optional(),
        // the subscriptions' limits (depth, conditions): a replay filter is evaluated on every event of the range
        filters: filtersSchema.optional(),
      })
      .strict()
      .optional(),
    target: z.discriminatedUnion("type", [
      z.object({ type: z.literal("subscription"), id: z.string().min(1, "must name a subscription") }).strict(),
      z.object({ type: z.literal("stream") }).strict(),
    ]),
    dryRun: z.boolean().optional(),
    ratePerSec: z.number().int("must be an integer").min(1, "must be 1 to 100000").max(100_000, "must be 1 to 100000").optional(),
  })
  .strict();

export type ReplayInput = z.infer<typeof replayInputSchema>;

export const replayStatusSchema = z.object({
  id: z.string(),
  state: z.enum(["pending", "running", "completed", "cancelled", "interrupted", "failed"]),
  delivered: z.number(),
  /** Events the subscription dead-lettered (a replay straight to its dispatcher; 0 otherwise). */
  deadLettered: z.number(),
  total: z.number(),
  position: z.number().optional(),
  target: z.union([z.object({ type: z.literal("subscription"), id: z.string() }), z.object({ type: z.literal("stream") })]),
  createdAt: z.string(),
  updatedAt: z.string(),
  error: z.string().optional(),
});

export type ReplayStatus = z.infer<typeof replayStatusSchema>;
