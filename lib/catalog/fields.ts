import { z } from "zod";

/**
 * Field schemas shared by the event data schemas of the catalog. Messages are rules in the
 * API's style ("must …"); generic rules (required, type, enum) are phrased by `validateEventData`.
 */

/**
 * An opaque id minted by the producing service (ULID, UUID or a prefixed id such as `cap_01J…`):
 * 1 to 128 letters, digits, `.`, `_`, `:` or `-`, starting with a letter or digit.
 */
export const id = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, "must be an id: 1 to 128 letters, digits, '.', '_', ':' or '-'");

/** A display name: 1 to 200 characters, not blank. */
export const name = z.string().max(200, "must be at most 200 characters").regex(/\S/, "must not be blank");

/** Free text (reasons, comments, descriptions): not blank, at most `max` characters. */
export function text(max: number) {
  return z.string().max(max, `must be at most ${max} characters`).regex(/\S/, "must not be blank");
}

/** An RFC 3339 date-time with a time zone (`Z` or an offset), as everywhere in the API. */
export const timestamp = z.iso.datetime({
  offset: true,
  // only the format rule: a missing value keeps the generic "is required"
  error: (issue) =>
    issue.code === "invalid_format" ? "must be an RFC 3339 date-time with a time zone, e.g. 2025-03-14T09:26:53Z" : undefined,
});

/**
 * A capsule version, Semantic Versioning 2.0.0 (`1.4.0`, `2.0.0-rc.1`).
 * @see https://semver.org/#is-there-a-suggested-regular-expression-regex-to-check-a-semver-string
 */
export const semver = z
  .string()
  .regex(
    /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/,
    "must be a semantic version, e.g. 1.4.0",
  );

/** A policy revision: 1 for a new policy, +1 on every change. */
export const revision = z.number().int("must be an integer").min(1, "must be at least 1");

/** A content digest of a published artifact. */
export const digest = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, "must be a sha256 digest: 'sha256:' and 64 lower-case hex digits");

/** Names of the fields an update changed (camelCase, as in the resource's API). */
export const changedFields = z
  .array(z.string().regex(/^[a-z][A-Za-z0-9]{0,63}$/, "must be a camelCase field name"))
  .min(1, "must name at least one field")
  .max(100, "must name at most 100 fields");

/** Who did something: a person (`user`) or a service acting on its own (`service`). */
export const actor = z.strictObject({
  kind: z.enum(["user", "service"]),
  /** User id, or the service name for `service`. */
  id,
  /** Display name at the time of the event, for people reading the event without a directory. */
  name: name.optional(),
});

export type Actor = z.infer<typeof actor>;

/** Any JSON value (`z.json()` without its generic "Invalid input"). */
const jsonValue: z.ZodType<z.core.util.JSONType> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValue), z.record(z.string(), jsonValue)], {
    error: "must be a JSON value",
  }),
);

/** Free-form JSON values keyed by name (execution parameters and outputs). */
export const jsonRecord = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, "must be a name: 1 to 64 letters, digits or '_', not starting with a digit"),
  jsonValue,
);

/**
 * Adds an issue at `path` unless `later` is at or after `earlier` (strictly after with `strict`).
 * Skips when either is absent or not a date: zod still runs refinements after a format issue,
 * and that field already has its own problem.
 */
export function requireOrder(
  ctx: z.RefinementCtx,
  earlier: string,
  later: string | undefined,
  path: string,
  rule: string,
  strict = false,
): void {
  if (later === undefined) return;
  const [a, b] = [Date.parse(earlier), Date.parse(later)];
  if (Number.isNaN(a) || Number.isNaN(b) || (strict ? b > a : b >= a)) return;
  ctx.addIssue({ code: "custom", path: [path], message: rule });
}
