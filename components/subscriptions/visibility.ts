import type { SubscriptionDto } from "@/lib/contracts/subscriptions";

/**
 * The subscriptions that concern a tenant: its own and those without a tenant (they receive every
 * tenant's events). All of them when no tenant is chosen.
 */
export function visibleForTenant<S extends Pick<SubscriptionDto, "tenant">>(subs: readonly S[], tenant: string | undefined): S[] {
  if (tenant === undefined) return [...subs];
  return subs.filter((s) => s.tenant === undefined || s.tenant === tenant);
}
