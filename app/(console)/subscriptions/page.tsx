import type { Metadata } from "next";
import { Suspense } from "react";
import { SubscriptionsClient } from "./client";

export const metadata: Metadata = { title: "Subscriptions" };

export default function SubscriptionsRoute() {
  return (
    <Suspense fallback={<p className="text-sm text-slate-500">Loading subscriptions…</p>}>
      <SubscriptionsClient />
    </Suspense>
  );
}
