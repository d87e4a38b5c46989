import type { SessionDto } from "./contracts/session";

/** The console's sign-in page. */
export const SIGN_IN_PATH = "/sign-in";

/**
 * Where to go after signing in: a path of this console only (`/…`, not `//host` or a URL, which
 * would make the sign-in page an open redirect), never the sign-in page itself; `/` otherwise.
 */
export function safeNext(next: string | null | undefined): string {
  if (!next?.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  try {
    // resolved against a dummy origin: anything that leaves it is refused
    const u = new URL(next, "http://console.invalid");
    if (u.origin !== "http://console.invalid") return "/";
    if (u.pathname === SIGN_IN_PATH || u.pathname.startsWith(`${SIGN_IN_PATH}/`)) return "/";
    return `${u.pathname}${u.search}${u.hash}`;
  } catch {
    return "/";
  }
}

/** The sign-in link that brings the user back to `current` (path and query) afterwards. */
export function signInHref(current: string, reason?: "expired" | "signed-out"): string {
  const params = new URLSearchParams();
  const next = safeNext(current);
  if (next !== "/") params.set("next", next);
  if (reason) params.set("reason", reason);
  const q = params.toString();
  return q ? `${SIGN_IN_PATH}?${q}` : SIGN_IN_PATH;
}

/** What the frame says about who is signed in. */
export interface Identity {
  caller: string;
  /** "all tenants" or the key's tenants. */
  scope: string;
  roles: string[];
  isAdmin: boolean;
}

export function identityOf(s: SessionDto | undefined): Identity | undefined {
  if (!s?.authenticated) return undefined;
  const roles = s.roles ?? [];
  const caller = s.authDisabled ? "anyone (auth off)" : (s.caller ?? "unknown");
  const scope =
    s.tenants === undefined || s.tenants === "*"
      ? "all tenants"
      : s.tenants.length === 1
        ? `tenant ${s.tenants[0]}`
        : `tenants ${s.tenants.join(", ")}`;
  return { caller, scope, roles, isAdmin: roles.includes("admin") };
}

/** Whether the console must send the user to the sign-in page. */
export function needsSignIn(s: SessionDto | undefined): boolean {
  return s !== undefined && !s.authenticated && !s.authDisabled;
}
