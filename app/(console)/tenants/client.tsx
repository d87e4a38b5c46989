"use client";

import { useTenant } from "@/components/frame/use-tenant";
import { TenantsPage } from "@/components/tenants/tenants-page";

export function TenantsClient() {
  const { tenant } = useTenant();
  return <TenantsPage current={tenant} />;
}
