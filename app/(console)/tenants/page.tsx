import type { Metadata } from "next";
import { ComingSoon } from "@/components/frame/coming-soon";

export const metadata: Metadata = { title: "Tenants" };

export default function TenantsPage() {
  return <ComingSoon href="/tenants" description="Tenants, their API keys and their limits." />;
}
