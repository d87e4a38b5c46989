"use client";

import { useTenant } from "@/components/frame/use-tenant";
import { PublishForm } from "@/components/publish/publish-form";

export function PublishClient() {
  const { tenant } = useTenant();
  // the form starts with the switcher's tenant; switching tenants starts a fresh form
  return <PublishForm key={tenant ?? ""} tenant={tenant} />;
}
