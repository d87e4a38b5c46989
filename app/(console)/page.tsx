import type { Metadata } from "next";
import { HealthPanel } from "@/components/health/health-panel";
import { ThroughputPanel } from "@/components/health/throughput-panel";

export const metadata: Metadata = { title: "Dashboard" };

export default function Home() {
  return (
    <div className="mx-auto max-w-4xl">
      <h1 className="text-3xl font-semibold tracking-tight">Anumate Event Bus</h1>
      <p className="mt-2 text-slate-600 dark:text-slate-400">
        CloudEvents v1.0 on NATS JetStream: publish, deliver, replay and recover events.
      </p>
      <HealthPanel />
      <ThroughputPanel />
    </div>
  );
}
