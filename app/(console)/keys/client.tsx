"use client";

import { useTenant } from "@/components/frame/use-tenant";
import { KeysPage } from "@/components/keys/keys-page";

export function KeysClient() {
  const { tenant } = useTenant();
  return <KeysPage tenant={tenant} />;
}
