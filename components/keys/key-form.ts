import { type KeyInput, keyInputSchema, type Role } from "@/lib/contracts/keys";
import type { ErrorDetail } from "@/lib/errors";
import { detailsFromZod } from "@/lib/field-errors";

/** The "New key" form as typed. */
export interface KeyFormValues {
  name: string;
  /** Empty for a key of every tenant. */
  tenant: string;
  roles: Role[];
  /** Type patterns the key may publish, one per line (commas work too); empty for any. */
  types: string;
}

export const emptyKeyForm = (tenant?: string): KeyFormValues => ({ name: "", tenant: tenant ?? "", roles: [], types: "" });

/** One pattern per line or comma, trimmed, empty ones left out. */
export function splitList(s: string): string[] {
  return s
    .split(/[\n,]/)
    .map((t) => t.trim())
    .filter((t) => t !== "");
}

/** The form as `POST /api/keys` input, checked with the API's own schema (errors on the API's field paths). */
export function toKeyInput(v: KeyFormValues): { ok: true; value: KeyInput } | { ok: false; problems: ErrorDetail[] } {
  const types = splitList(v.types);
  const raw = {
    name: v.name.trim(),
    ...(v.tenant.trim() ? { tenant: v.tenant.trim() } : {}),
    roles: v.roles,
    ...(types.length > 0 ? { types } : {}),
  };
  const r = keyInputSchema.safeParse(raw);
  return r.success ? { ok: true, value: r.data } : { ok: false, problems: detailsFromZod(r.error) };
}
