import type { Role } from "../../../lib/contracts/keys";

/**
 * What a route needs. Every non-public route names one; a route that names none needs `admin`,
 * so a new route is closed until someone opens it on purpose.
 */
export type Permission =
  | "events:publish"
  | "events:read"
  | "subscriptions:read"
  | "subscriptions:write"
  | "dead-letters:read"
  | "dead-letters:write"
  | "replays:write"
  | "audit:read"
  | "keys:admin";

const GRANTS: Record<Role, readonly Permission[]> = {
  admin: [
    "events:publish",
    "events:read",
    "subscriptions:read",
    "subscriptions:write",
    "dead-letters:read",
    "dead-letters:write",
    "replays:write",
    "audit:read",
    "keys:admin",
  ],
  operator: [
    "events:read",
    "subscriptions:read",
    "subscriptions:write",
    "dead-letters:read",
    "dead-letters:write",
    "replays:write",
    "audit:read",
  ],
  publisher: ["events:publish"],
  subscriber: ["events:read", "subscriptions:read"],
};

export function allows(roles: readonly Role[], p: Permission): boolean {
  return roles.some((r) => GRANTS[r].includes(p));
}
