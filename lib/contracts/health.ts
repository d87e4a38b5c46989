import { z } from "zod";

const streamFigures = z.object({
  name: z.string(),
  messages: z.number(),
  bytes: z.number(),
  firstSeq: z.number(),
  lastSeq: z.number(),
  consumers: z.number(),
  limits: z.object({ maxMsgs: z.number(), maxBytes: z.number(), maxAgeSec: z.number() }),
});

/** `GET /api/health` (API.md "Health and metrics"). */
export const healthSchema = z.object({
  status: z.enum(["healthy", "degraded", "unhealthy"]),
  timestamp: z.string(),
  details: z.object({
    nats_connected: z.boolean(),
    redis_connected: z.boolean(),
    running: z.boolean(),
    stream: streamFigures.optional(),
    dead_letter_stream: streamFigures.optional(),
    error: z.string().optional(),
  }),
});

export type HealthDto = z.infer<typeof healthSchema>;
