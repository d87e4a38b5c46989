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

/**
 * The highest rate cap a replay or bulk requeue may ask for (events/s). High enough not to be what
 * limits a replay on a fast machine (a raw read ran near 200,000/s on 2 cores); a replay that should
 * not crowd live traffic asks for less (the default is `REPLAY_RATE`).
 */
export const MAX_RATE_PER_SEC = 1_000_000;

const RATE_RULE = `must be 1 to ${MAX_RATE_PER_SEC}`;

/** `ratePerSec` of replays and bulk requeues. */
export const ratePerSecSchema = z.number().int("must be an integer").min(1, RATE_RULE).max(MAX_RATE_PER_SEC, RATE_RULE);

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
    ratePerSec: ratePerSecSchema.optional(),
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
