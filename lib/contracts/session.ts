import { z } from "zod";

/**
 * `GET|POST /api/session` (docs/api.md "Keys, roles and sessions"): who the console is signed in
 * as. `tenants` is `"*"` for every tenant or the key's tenants; with `authDisabled` every caller
 * is an admin (local development only).
 */
export const sessionSchema = z.object({
  authenticated: z.boolean(),
  authDisabled: z.boolean().default(false),
  caller: z.string().optional(),
  tenants: z.union([z.literal("*"), z.array(z.string())]).optional(),
  roles: z.array(z.string()).optional(),
  /** Set on sign-in: when the session cookie expires. */
  expiresAt: z.string().optional(),
});

export type SessionDto = z.infer<typeof sessionSchema>;
