import type { Metadata } from "next";
import { ComingSoon } from "@/components/frame/coming-soon";

export const metadata: Metadata = { title: "Dead letters" };

export default function DeadLettersPage() {
  return (
    <ComingSoon href="/dead-letters" description="Events a subscription could not deliver: inspect, requeue or discard them." />
  );
}
