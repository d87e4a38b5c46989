"use client";

import { useTenant } from "@/components/frame/use-tenant";
import { SubscriptionsPage } from "@/components/subscriptions/subscriptions-page";

export function SubscriptionsClient() {
  const { tenant } = useTenant();
  return <SubscriptionsPage tenant={tenant} />;
}
