"use client";

import { useQuery } from "@tanstack/react-query";
import { sessionQuery } from "@/lib/queries/session";

/** Shown on every page while the server runs with `AUTH_DISABLED=true`: every caller is an admin. */
export function AuthDisabledBanner() {
  const { data } = useQuery(sessionQuery());
  if (!data?.authDisabled) return null;
  return (
    <div
      role="alert"
      data-testid="auth-disabled-banner"
      className="bg-amber-500 px-4 py-1.5 text-center text-sm font-medium text-amber-950 dark:bg-amber-600 dark:text-amber-50"
    >
      Auth is switched off (AUTH_DISABLED) — development only
    </div>
  );
}
