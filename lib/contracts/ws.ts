import { z } from "zod";
import { TENANT_ID, TENANT_RULE } from "./ids";
import { filtersSchema, typePattern } from "./subscriptions";

/**
 * WebSocket frames on `/api/ws` (JSON text frames). See docs/api.md "WebSocket".
 */

const id = z.string().min(1).max(200);

export const clientFrameSchema = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("subscribe"),
      /** A durable subscription's id (websocket or internal target) … */
      subscription: z.string().min(1).max(100).optional(),
      /** … or an ad-hoc filter: a temporary subscription that ends with the connection. */
      filter: z
        .object({
          tenant: z.string().regex(TENANT_ID, TENANT_RULE).optional(),
          // the limits of a durable subscription's definition: an ad-hoc filter becomes one
          types: z.array(typePattern).max(20, "must hold at most 20 patterns").optional(),
          filters: filtersSchema.optional(),
          startAt: z.enum(["new", "all"]).optional(),
        })
        .strict()
        .optional(),
      /** Most unacknowledged events this connection holds for this subscription. @default 10 */
      maxInFlight: z.number().int().min(1).max(1000).optional(),
    })
    .strict()
    .refine((f) => (f.subscription === undefined) !== (f.filter === undefined), "give either subscription or filter"),
  z.object({ type: z.literal("unsubscribe"), subscription: z.string().min(1).max(100) }).strict(),
  /** One delivery done, or several at once (`deliveryIds`: what a client answers in one go). */
  z
    .object({ type: z.literal("ack"), deliveryId: id.optional(), deliveryIds: z.array(id).min(1).max(1000).optional() })
    .strict()
    .refine((f) => (f.deliveryId === undefined) !== (f.deliveryIds === undefined), "give either deliveryId or deliveryIds"),
  z.object({ type: z.literal("nack"), deliveryId: id, delayMs: z.number().int().min(0).max(86_400_000).optional() }).strict(),
  z.object({ type: z.literal("reject"), deliveryId: id, reason: z.string().max(2000).optional() }).strict(),
  z.object({ type: z.literal("ping") }).strict(),
  z.object({ type: z.literal("pong") }).strict(),
]);

export type ClientFrame = z.infer<typeof clientFrameSchema>;

export type ServerFrame =
  | { type: "subscribed"; subscription: string; adHoc: boolean }
  | { type: "unsubscribed"; subscription: string }
  | {
      type: "event";
      subscription: string;
      deliveryId: string;
      attempt: number;
      seq: number;
      tenant: string;
      replayId?: string;
      event: Record<string, unknown>;
    }
  | { type: "error"; code: string; message: string; details?: { field: string; rule: string }[] }
  | { type: "overflow"; pending: number; bufferedBytes: number }
  | { type: "ping"; at: string }
  | { type: "pong"; at: string };

const errorDetail = z.object({ field: z.string(), rule: z.string(), index: z.number().optional() });

/**
 * Server frames, for clients that check what they receive (lib/client). Lenient by design: unknown
 * members are dropped, so the server may add fields without breaking older clients.
 */
export const serverFrameSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("subscribed"), subscription: z.string(), adHoc: z.boolean() }),
  z.object({ type: z.literal("unsubscribed"), subscription: z.string() }),
  z.object({
    type: z.literal("event"),
    subscription: z.string(),
    deliveryId: z.string(),
    attempt: z.number().int(),
    seq: z.number().int(),
    tenant: z.string(),
    replayId: z.string().optional(),
    event: z.record(z.string(), z.unknown()),
  }),
  z.object({ type: z.literal("error"), code: z.string(), message: z.string(), details: z.array(errorDetail).optional() }),
  z.object({ type: z.literal("overflow"), pending: z.number(), bufferedBytes: z.number() }),
  z.object({ type: z.literal("ping"), at: z.string() }),
  z.object({ type: z.literal("pong"), at: z.string() }),
]);

// the schema and the type the server sends must not drift apart
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const frameSchemaMatches: Same<z.infer<typeof serverFrameSchema>, ServerFrame> = true;
void frameSchemaMatches;
