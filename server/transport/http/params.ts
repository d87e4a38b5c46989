import { z } from "zod";
import { tenantIdSchema } from "../../../lib/contracts/ids";
import { AppError } from "../../../lib/errors";
import { jsonDepthExceeds, MAX_BODY_JSON_DEPTH, MAX_EVENT_JSON_DEPTH } from "../../../lib/json-depth";
import { typePatternRule } from "../../core/bus/subjects";
import { checkTimestamp } from "../../core/cloudevents/types";
import { readBody, validation } from "./io";
import type { RouteRequest } from "./router";

/** Shared parameter schemas and parsers of the route handlers. */

export const tenant = tenantIdSchema;
export const timestamp = z.string().refine((v) => checkTimestamp(v) === undefined, "must be an RFC 3339 timestamp");
export const seq = z.coerce
  .number()
  .int("must be an integer")
  .min(1, "must be >= 1")
  .max(Number.MAX_SAFE_INTEGER, "is too large");
export const typePattern = z.string().superRefine((v, ctx) => {
  const rule = typePatternRule(v);
  if (rule) ctx.addIssue({ code: "custom", message: rule });
});

/** `?limit=` (default 50, max 1000) and an opaque `?cursor=`. */
export const listParams = {
  limit: z.coerce.number().int("must be an integer").min(1, "must be 1 to 1000").max(1000, "must be 1 to 1000").default(50),
  cursor: z.string().regex(/^\d+$/, "must be a cursor from a previous answer's `next`").optional(),
};

export function parseQuery<T extends z.ZodType>(schema: T, query: URLSearchParams): z.infer<T> {
  const obj: Record<string, string> = {};
  for (const [k, v] of query) obj[k] = v;
  const r = schema.safeParse(obj);
  if (!r.success) throw validation(r.error, "Invalid query parameters");
  return r.data;
}

/** Parses a JSON body nesting at most `maxDepth` levels (default: an event's limit, for the publish form). */
export function parseJson(body: Buffer, maxDepth = MAX_EVENT_JSON_DEPTH): unknown {
  const text = body.toString("utf8");
  if (jsonDepthExceeds(text, maxDepth)) {
    throw new AppError("VALIDATION", `The body nests JSON deeper than ${maxDepth} levels`, {
      details: [{ field: "body", rule: `must nest JSON at most ${maxDepth} levels deep` }],
    });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AppError("VALIDATION", `The body is not valid JSON: ${(e as Error).message}`, {
      details: [{ field: "body", rule: "must be valid JSON" }],
      cause: e,
    });
  }
}

/** Most bytes a JSON request body of the management routes may have. */
export const JSON_BODY_LIMIT = 256 * 1024;

/** Reads and parses a JSON body (an empty body is `{}`), then checks it with `schema`. */
export async function jsonBody<T extends z.ZodType>(req: RouteRequest["req"], schema: T, what: string): Promise<z.infer<T>> {
  const body = await readBody(req, JSON_BODY_LIMIT);
  const r = schema.safeParse(body.length === 0 ? {} : parseJson(body, MAX_BODY_JSON_DEPTH));
  if (!r.success) throw validation(r.error, `Invalid ${what}`);
  return r.data;
}
