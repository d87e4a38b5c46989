import type { Metadata } from "next";
import { ComingSoon } from "@/components/frame/coming-soon";

export const metadata: Metadata = { title: "Audit" };

export default function AuditPage() {
  return <ComingSoon href="/audit" description="Who changed what, and when: keys, subscriptions, replays and requeues." />;
}
