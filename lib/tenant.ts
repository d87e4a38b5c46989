/**
 * The console's tenant filter: one tenant or all of them. It lives in the URL (`?tenant=`, so a
 * link shows the same view) and in localStorage (so it follows the operator from page to page and
 * across visits). "All tenants" is the absence of the parameter.
 */

/** The same rule as the bus's `tenantid` extension (docs/api.md). */
export { TENANT_ID as TENANT_PATTERN, TENANT_RULE } from "./contracts/ids";

import { TENANT_ID as TENANT_PATTERN, TENANT_RULE } from "./contracts/ids";

export const TENANT_PARAM = "tenant";
export const TENANT_STORAGE_KEY = "anumate.tenant";
export const RECENT_TENANTS_KEY = "anumate.recentTenants";
/** How many recent tenants the switcher offers. */
export const MAX_RECENT_TENANTS = 8;

export function tenantRule(value: string): string | undefined {
  return TENANT_PATTERN.test(value) ? undefined : TENANT_RULE;
}

/** The tenant a page filters on: the URL's when it has one, else the stored one; `undefined` is all tenants. */
export function effectiveTenant(fromUrl: string | null, stored: string | null): string | undefined {
  const v = fromUrl ?? stored ?? "";
  return v !== "" && TENANT_PATTERN.test(v) ? v : undefined;
}

/** The recent list with `tenant` first, without repeats, at most `max` long. */
export function pushRecent(list: readonly string[], tenant: string, max = MAX_RECENT_TENANTS): string[] {
  return [tenant, ...list.filter((t) => t !== tenant)].slice(0, max);
}

/** Reads the stored recent list, ignoring anything that is not a list of valid tenant ids. */
export function parseRecent(raw: string | null): string[] {
  if (!raw) return [];
  try {
    const v: unknown = JSON.parse(raw);
    return Array.isArray(v)
      ? v.filter((t): t is string => typeof t === "string" && TENANT_PATTERN.test(t)).slice(0, MAX_RECENT_TENANTS)
      : [];
  } catch {
    return [];
  }
}

/** `search` with the tenant parameter set (or removed for all tenants), other parameters kept. */
export function withTenantParam(search: string | URLSearchParams, tenant: string | undefined): string {
  const params = new URLSearchParams(search);
  if (tenant === undefined) params.delete(TENANT_PARAM);
  else params.set(TENANT_PARAM, tenant);
  const s = params.toString();
  return s === "" ? "" : `?${s}`;
}

/** A console link that keeps the tenant filter. */
export function hrefWithTenant(path: string, tenant: string | undefined): string {
  return tenant === undefined ? path : `${path}?${TENANT_PARAM}=${encodeURIComponent(tenant)}`;
}
