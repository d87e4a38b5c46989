import type { Metadata } from "next";
import { Suspense } from "react";
import { AuditClient } from "./client";

export const metadata: Metadata = { title: "Audit" };

export default function AuditRoute() {
  return (
    <Suspense fallback={<p className="text-sm text-slate-500">Loading the audit trail…</p>}>
      <AuditClient />
    </Suspense>
  );
}
