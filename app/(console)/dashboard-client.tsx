"use client";

import { Dashboard } from "@/components/dashboard/dashboard";
import { useTenant } from "@/components/frame/use-tenant";
import { useHydrated } from "@/components/ui/use-hydrated";

export function DashboardClient() {
  const { tenant } = useTenant();
  // the dashboard reads the health query the frame reads too: render it once hydrated
  if (!useHydrated()) return <p className="mt-6 text-sm text-slate-500">Loading the metrics…</p>;
  return <Dashboard tenant={tenant} />;
}
