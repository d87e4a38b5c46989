import { z } from "zod";

/**
 * Subscription definitions (API.md "Subscriptions"), shared by the server and the console.
 * Defaults that depend on configuration (maxAttempts) are filled by the server.
 */

export const NAME = /^[A-Za-z0-9_-]{1,64}$/;
export { TENANT_ID as TENANT } from "./ids";

import { TENANT_ID as TENANT } from "./ids";

const ATTR = /^[a-z0-9]{1,64}$/;

/** Limits on filter complexity: nesting depth and total conditions. */
export const FILTER_LIMITS = { depth: 5, nodes: 50, valueLength: 1024 } as const;

/** A type pattern: exact (`a.b`), one more token (`a.b.*`) or any more (`a.b.>`). */
export const typePattern = z
  .string()
  .min(1, "must not be empty")
  .max(256, "must be at most 256 characters")
  .refine((p) => {
    const tokens = p.split(".");
    return tokens.every((t, i) => (t === ">" ? i === tokens.length - 1 : t === "*" || !/[*>]/.test(t)));
  }, "must use '*' and '>' only as whole tokens, '>' only last");

const attrMap = z
  .record(
    z.string().regex(ATTR, "attribute names are lower-case letters and digits"),
    z.string().max(FILTER_LIMITS.valueLength, `values must be at most ${FILTER_LIMITS.valueLength} characters`),
  )
  .refine((m) => Object.keys(m).length > 0, "must name at least one attribute");

export type AttributeFilterDto =
  | { exact: Record<string, string> }
  | { prefix: Record<string, string> }
  | { suffix: Record<string, string> }
  | { all: AttributeFilterDto[] }
  | { any: AttributeFilterDto[] }
  | { not: AttributeFilterDto };

export const attributeFilterSchema: z.ZodType<AttributeFilterDto> = z.lazy(() =>
  z.union([
    z.object({ exact: attrMap }).strict(),
    z.object({ prefix: attrMap }).strict(),
    z.object({ suffix: attrMap }).strict(),
    z.object({ all: z.array(attributeFilterSchema).min(1, "must hold at least one filter") }).strict(),
    z.object({ any: z.array(attributeFilterSchema).min(1, "must hold at least one filter") }).strict(),
    z.object({ not: attributeFilterSchema }).strict(),
  ]),
);

function complexity(filters: AttributeFilterDto[]): { depth: number; nodes: number } {
  let nodes = 0;
  const depthOf = (f: AttributeFilterDto): number => {
    nodes++;
    if ("all" in f) return 1 + Math.max(0, ...f.all.map(depthOf));
    if ("any" in f) return 1 + Math.max(0, ...f.any.map(depthOf));
    if ("not" in f) return 1 + depthOf(f.not);
    return 1;
  };
  return { depth: Math.max(0, ...filters.map(depthOf)), nodes };
}

export const filtersSchema = z
  .array(attributeFilterSchema)
  .max(FILTER_LIMITS.nodes, `must hold at most ${FILTER_LIMITS.nodes} filters`)
  .superRefine((fs, ctx) => {
    const c = complexity(fs);
    if (c.depth > FILTER_LIMITS.depth)
      ctx.addIssue({ code: "custom", message: `must nest at most ${FILTER_LIMITS.depth} levels deep` });
    if (c.nodes > FILTER_LIMITS.nodes)
      ctx.addIssue({ code: "custom", message: `must hold at most ${FILTER_LIMITS.nodes} conditions in all` });
  });

export const targetSchema = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("push"),
      url: z
        .string()
        .url("must be an http(s) URL")
        .refine((u) => /^https?:\/\//i.test(u), "must be an http(s) URL"),
      timeoutMs: z
        .number()
        .int("must be an integer")
        .min(100, "must be 100 to 120000")
        .max(120_000, "must be 100 to 120000")
        .default(10_000),
    })
    .strict(),
  z.object({ type: z.literal("websocket") }).strict(),
  z.object({ type: z.literal("internal") }).strict(),
]);

export const retrySchema = z
  .object({
    maxAttempts: z.number().int("must be an integer").min(1, "must be 1 to 1000").max(1000, "must be 1 to 1000").optional(),
    initialDelayMs: z
      .number()
      .int("must be an integer")
      .min(0, "must be 0 to 86400000")
      .max(86_400_000, "must be 0 to 86400000")
      .default(1000),
    multiplier: z.number().min(1, "must be 1 to 10").max(10, "must be 1 to 10").default(2),
    maxDelayMs: z
      .number()
      .int("must be an integer")
      .min(0, "must be 0 to 86400000")
      .max(86_400_000, "must be 0 to 86400000")
      .default(60_000),
    jitter: z.number().min(0, "must be 0 to 1").max(1, "must be 0 to 1").default(0.2),
    /** How long a delivery may stay unacknowledged before it is redelivered. */
    ackWaitMs: z
      .number()
      .int("must be an integer")
      .min(1000, "must be 1000 to 3600000")
      .max(3_600_000, "must be 1000 to 3600000")
      .default(30_000),
  })
  .strict()
  .refine((r) => r.maxDelayMs >= r.initialDelayMs, { message: "must be >= initialDelayMs", path: ["maxDelayMs"] });

export const startAtSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("new") }).strict(),
  z.object({ type: z.literal("all") }).strict(),
  z
    .object({
      type: z.literal("time"),
      value: z
        .string()
        .refine((v) => !Number.isNaN(Date.parse(v)) && /T.*(Z|[+-]\d\d:\d\d)$/i.test(v), "must be an RFC 3339 timestamp"),
    })
    .strict(),
  z.object({ type: z.literal("sequence"), value: z.number().int("must be an integer").min(1, "must be >= 1") }).strict(),
]);

export const circuitSchema = z
  .object({
    failureThreshold: z.number().int("must be an integer").min(1, "must be 1 to 1000").max(1000, "must be 1 to 1000").default(5),
    cooldownMs: z
      .number()
      .int("must be an integer")
      .min(100, "must be 100 to 3600000")
      .max(3_600_000, "must be 100 to 3600000")
      .default(30_000),
  })
  .strict();

/** What a client sends to create a subscription. */
export const subscriptionInputSchema = z
  .object({
    name: z.string().regex(NAME, "must be 1-64 characters of A-Z, a-z, 0-9, _ or -"),
    tenant: z.string().regex(TENANT, "must be 1-64 characters of A-Z, a-z, 0-9, _ or -").optional(),
    types: z.array(typePattern).max(20, "must hold at most 20 patterns").optional(),
    filters: filtersSchema.optional(),
    queueGroup: z.string().regex(NAME, "must be 1-64 characters of A-Z, a-z, 0-9, _ or -").optional(),
    target: targetSchema,
    retry: retrySchema.optional(),
    startAt: startAtSchema.optional(),
    maxInFlight: z.number().int("must be an integer").min(1, "must be 1 to 10000").max(10_000, "must be 1 to 10000").default(100),
    circuit: circuitSchema.optional(),
  })
  .strict();

export type SubscriptionInput = z.input<typeof subscriptionInputSchema>;

/** PATCH: any field but the name; the start position cannot change (reset it instead). */
export const subscriptionPatchSchema = subscriptionInputSchema.omit({ name: true, startAt: true }).partial().strict();

export type CircuitStateDto = "closed" | "open" | "half-open";

export interface SubscriptionStatsDto {
  pending: number;
  ackPending: number;
  redelivered: number;
  delivered: number;
  members: number;
  circuit: CircuitStateDto;
  lastError: { message: string; status?: number; at: string } | null;
}

/** A stored subscription: the definition with every default filled, plus its id and state. */
export interface SubscriptionDto {
  id: string;
  name: string;
  tenant?: string;
  types?: string[];
  filters?: AttributeFilterDto[];
  queueGroup: string;
  target: { type: "push"; url: string; timeoutMs: number } | { type: "websocket" } | { type: "internal" };
  retry: {
    maxAttempts: number;
    initialDelayMs: number;
    multiplier: number;
    maxDelayMs: number;
    jitter: number;
    ackWaitMs: number;
  };
  startAt: { type: "new" } | { type: "all" } | { type: "time"; value: string } | { type: "sequence"; value: number };
  maxInFlight: number;
  circuit: { failureThreshold: number; cooldownMs: number };
  state: "active" | "paused";
  createdAt: string;
  updatedAt: string;
  stats?: SubscriptionStatsDto;
}

const circuitStateSchema = z.enum(["closed", "open", "half-open"]);

/** `stats` of `GET /api/subscriptions[/{id}]`, as the console reads it. */
export const subscriptionStatsSchema = z.object({
  pending: z.number(),
  ackPending: z.number(),
  redelivered: z.number(),
  delivered: z.number(),
  members: z.number(),
  circuit: circuitStateSchema,
  lastError: z.object({ message: z.string(), status: z.number().optional(), at: z.string() }).nullable(),
}) satisfies z.ZodType<SubscriptionStatsDto>;

/** A stored subscription as answered by the API (parsed by the console; defaults already filled). */
export const subscriptionSchema = z.object({
  id: z.string(),
  name: z.string(),
  tenant: z.string().optional(),
  types: z.array(z.string()).optional(),
  filters: z.array(attributeFilterSchema).optional(),
  queueGroup: z.string(),
  target: z.discriminatedUnion("type", [
    z.object({ type: z.literal("push"), url: z.string(), timeoutMs: z.number() }),
    z.object({ type: z.literal("websocket") }),
    z.object({ type: z.literal("internal") }),
  ]),
  retry: z.object({
    maxAttempts: z.number(),
    initialDelayMs: z.number(),
    multiplier: z.number(),
    maxDelayMs: z.number(),
    jitter: z.number(),
    ackWaitMs: z.number(),
  }),
  startAt: z.discriminatedUnion("type", [
    z.object({ type: z.literal("new") }),
    z.object({ type: z.literal("all") }),
    z.object({ type: z.literal("time"), value: z.string() }),
    z.object({ type: z.literal("sequence"), value: z.number() }),
  ]),
  maxInFlight: z.number(),
  circuit: z.object({ failureThreshold: z.number(), cooldownMs: z.number() }),
  state: z.enum(["active", "paused"]),
  createdAt: z.string(),
  updatedAt: z.string(),
  stats: subscriptionStatsSchema.optional(),
}) satisfies z.ZodType<SubscriptionDto>;

/** `GET /api/subscriptions`. */
export const subscriptionListSchema = z.object({ items: z.array(subscriptionSchema), next: z.string().nullable() });
