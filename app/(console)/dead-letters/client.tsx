"use client";

import { DeadLettersPage } from "@/components/dead-letters/dead-letters-page";
import { useTenant } from "@/components/frame/use-tenant";

export function DeadLettersClient() {
  const { tenant } = useTenant();
  // a new tenant starts a fresh page (filters and selection belong to one tenant's list)
  return <DeadLettersPage key={tenant ?? ""} tenant={tenant} />;
}
