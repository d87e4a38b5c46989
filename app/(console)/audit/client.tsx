"use client";

import { AuditPage } from "@/components/audit/audit-page";
import { useTenant } from "@/components/frame/use-tenant";

export function AuditClient() {
  const { tenant } = useTenant();
  return <AuditPage key={tenant ?? ""} tenant={tenant} />;
}
