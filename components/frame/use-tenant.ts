"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef } from "react";
import {
  effectiveTenant,
  parseRecent,
  pushRecent,
  RECENT_TENANTS_KEY,
  TENANT_PARAM,
  TENANT_STORAGE_KEY,
  withTenantParam,
} from "@/lib/tenant";
import { useStoredValue, writeStoredValue } from "./use-stored-value";

export interface TenantState {
  /** The tenant every page filters on; `undefined` for all tenants. */
  tenant: string | undefined;
  /** Recently used tenants, most recent first. */
  recent: string[];
  setTenant: (tenant: string | undefined) => void;
}

/**
 * The console-wide tenant filter: `?tenant=` in the URL, else the one stored in localStorage.
 * Needs a `<Suspense>` boundary above it (it reads the search params).
 */
export function useTenant(): TenantState {
  const params = useSearchParams();
  const pathname = usePathname();
  const router = useRouter();
  const stored = useStoredValue(TENANT_STORAGE_KEY);
  const recentRaw = useStoredValue(RECENT_TENANTS_KEY);
  const fromUrl = params.get(TENANT_PARAM);
  const tenant = effectiveTenant(fromUrl, stored);
  const recent = useMemo(() => parseRecent(recentRaw), [recentRaw]);

  // the URL's tenant as of the last effect: only a change of it (a link followed) is stored
  const seenUrlTenant = useRef<string | null | undefined>(undefined);
  useEffect(() => {
    const arrived = fromUrl !== seenUrlTenant.current;
    seenUrlTenant.current = fromUrl;
    if (fromUrl === null && tenant !== undefined) {
      // the stored tenant applies: say so in the URL, so the address shows what the page shows
      router.replace(`${pathname}${withTenantParam(params, tenant)}`, { scroll: false });
    } else if (arrived && fromUrl !== null && tenant !== undefined && tenant !== stored) {
      // a tenant that came with a link becomes the current one on the other pages too
      writeStoredValue(TENANT_STORAGE_KEY, tenant);
      writeStoredValue(RECENT_TENANTS_KEY, JSON.stringify(pushRecent(recent, tenant)));
    }
  }, [fromUrl, tenant, stored, pathname, params, router, recent]);

  const setTenant = useCallback(
    (next: string | undefined) => {
      writeStoredValue(TENANT_STORAGE_KEY, next ?? "");
      if (next !== undefined) writeStoredValue(RECENT_TENANTS_KEY, JSON.stringify(pushRecent(recent, next)));
      router.replace(`${pathname}${withTenantParam(params, next)}`, { scroll: false });
    },
    [pathname, params, router, recent],
  );

  return { tenant, recent, setTenant };
}
