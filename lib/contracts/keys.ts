import { z } from "zod";
import { TENANT } from "./subscriptions";

export const ROLES = ["admin", "operator", "publisher", "subscriber"] as const;
export type Role = (typeof ROLES)[number];

/** `POST /api/keys` (admin). */
export const keyInputSchema = z
  .object({
    name: z.string().min(1, "must not be empty").max(100, "must be at most 100 characters"),
    tenant: z.string().regex(TENANT, "must be 1-64 characters of A-Z, a-z, 0-9, _ or -").optional(),
    roles: z.array(z.enum(ROLES)).min(1, "must hold at least one role").max(4),
    types: z.array(z.string().min(1).max(256)).max(50, "must hold at most 50 patterns").optional(),
  })
  .strict();

export type KeyInput = z.infer<typeof keyInputSchema>;

/** A key as listed (never its secret). */
export interface KeyDto {
  id: string;
  name: string;
  tenant?: string;
  roles: Role[];
  types?: string[];
  /** The first characters of the key, to recognise it. */
  prefix: string;
  createdAt: string;
  createdBy: string;
  revokedAt?: string;
}

/** `POST /api/session` (console sign-in). */
export const sessionInputSchema = z.object({ key: z.string().min(1, "is required").max(200) }).strict();

/** A key as listed by `GET /api/keys`, parsed by the console. */
export const keySchema = z.object({
  id: z.string(),
  name: z.string(),
  tenant: z.string().optional(),
  roles: z.array(z.enum(ROLES)),
  types: z.array(z.string()).optional(),
  prefix: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
  revokedAt: z.string().optional(),
}) satisfies z.ZodType<KeyDto>;

export const keyListSchema = z.object({ items: z.array(keySchema), next: z.string().nullable() });

/** `201` of `POST /api/keys`: the key itself, shown this once. */
export const createdKeySchema = keySchema.extend({ key: z.string() });

export type CreatedKeyDto = z.infer<typeof createdKeySchema>;
