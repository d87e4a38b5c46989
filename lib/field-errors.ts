import type { z } from "zod";
import type { ErrorDetail } from "./errors";

/**
 * Field-level problems, from the API (`error.details`) or from a zod schema in the browser, in one
 * shape so forms show both the same way: `{ "target.url": ["must be an http(s) URL"] }`.
 */
export type FieldErrors = Readonly<Record<string, readonly string[]>>;

/** Zod issues as API-style details (`field` is the dotted path, `body` for the whole value). */
export function detailsFromZod(error: z.ZodError, prefix = ""): ErrorDetail[] {
  return error.issues.map((i) => ({ field: prefix + (i.path.length > 0 ? i.path.join(".") : "body"), rule: i.message }));
}

/**
 * Groups details by field. `rename` maps a wire field name to a form field (e.g. the API's
 * `tenantid` to the form's `tenant`); details it maps to `undefined` are kept under their own name.
 */
export function groupDetails(details: readonly ErrorDetail[], rename?: (field: string) => string | undefined): FieldErrors {
  const out: Record<string, string[]> = {};
  for (const d of details) {
    const field = rename?.(d.field) ?? d.field;
    const rules = out[field] ?? [];
    if (!rules.includes(d.rule)) rules.push(d.rule);
    out[field] = rules;
  }
  return out;
}

/** The errors of one field, and of its nested fields when `nested` (e.g. `retry` also shows `retry.jitter`). */
export function errorsFor(errors: FieldErrors, field: string, nested = false): string[] {
  const own = [...(errors[field] ?? [])];
  if (!nested) return own;
  for (const [k, v] of Object.entries(errors))
    if (k.startsWith(`${field}.`)) own.push(...v.map((r) => `${k.slice(field.length + 1)}: ${r}`));
  return own;
}

/** Errors not shown next to any of `shown` fields (listed in the form's summary instead). */
export function otherErrors(errors: FieldErrors, shown: readonly string[]): ErrorDetail[] {
  return Object.entries(errors)
    .filter(([field]) => !shown.some((s) => field === s || field.startsWith(`${s}.`)))
    .flatMap(([field, rules]) => rules.map((rule) => ({ field, rule })));
}

export function hasErrors(errors: FieldErrors): boolean {
  return Object.keys(errors).length > 0;
}
