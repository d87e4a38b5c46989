import type { Metadata } from "next";
import { Suspense } from "react";
import { TenantsClient } from "./client";

export const metadata: Metadata = { title: "Tenants" };

export default function TenantsRoute() {
  return (
    <Suspense fallback={<p className="text-sm text-slate-500">Loading tenants…</p>}>
      <TenantsClient />
    </Suspense>
  );
}
